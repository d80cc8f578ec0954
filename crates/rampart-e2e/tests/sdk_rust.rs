//! The AWS SDK for Rust against a real rampart server: STS GetCallerIdentity, signatures,
//! CloudTrail LookupEvents.

use rampart_e2e::Server;

const KEY_ID: &str = "AKIARUSTSDKTESTKEY01";
const SECRET: &str = "rustSdkTestSecretKey/0123456789abcdefghij";

#[tokio::test]
async fn get_caller_identity_returns_the_root_arn() {
    let server = Server::start(KEY_ID, SECRET);
    let sts = aws_sdk_sts::Client::new(&server.root_config().await);
    let me = sts.get_caller_identity().send().await.unwrap();
    let account = me.account().unwrap();
    assert_eq!(account.len(), 12);
    assert_eq!(me.arn().unwrap(), format!("arn:aws:iam::{account}:root"));
}

#[tokio::test]
async fn a_wrong_secret_is_refused_with_signature_does_not_match() {
    let server = Server::start(KEY_ID, SECRET);
    let sts = aws_sdk_sts::Client::new(&server.config(KEY_ID, "wrong-secret", None).await);
    let err = sts.get_caller_identity().send().await.unwrap_err();
    let service_error = err.into_service_error();
    let meta = aws_sdk_sts::error::ProvideErrorMetadata::meta(&service_error);
    assert_eq!(meta.code(), Some("SignatureDoesNotMatch"));
}

#[tokio::test]
async fn cloudtrail_lookup_events_lists_the_calls() {
    let server = Server::start(KEY_ID, SECRET);
    let config = server.root_config().await;
    aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    let trail = aws_sdk_cloudtrail::Client::new(&config);
    let events = trail.lookup_events().send().await.unwrap();
    let names: Vec<_> = events
        .events()
        .iter()
        .filter_map(|e| e.event_name())
        .collect();
    assert!(names.contains(&"GetCallerIdentity"), "{names:?}");
    let record = events
        .events()
        .iter()
        .find(|e| e.event_name() == Some("GetCallerIdentity"))
        .and_then(|e| e.cloud_trail_event())
        .unwrap();
    assert!(
        record.contains("\"eventSource\":\"sts.amazonaws.com\""),
        "{record}"
    );
    assert!(record.contains("aws-sdk-rust"), "{record}");
}
