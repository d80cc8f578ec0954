//! IAM and STS through the AWS SDK for Rust: a role with a trust policy, AssumeRole, and the
//! session's credentials used by the SDK (session token included), limited to the role's
//! permissions.

use rampart_e2e::Server;

const KEY_ID: &str = "AKIARUSTSDKSTSKEY001";
const SECRET: &str = "rustSdkStsSecretKey/0123456789abcdefghij";

#[tokio::test]
async fn a_role_session_from_assume_role_acts_with_the_roles_permissions() {
    let server = Server::start(KEY_ID, SECRET);
    let root = server.root_config().await;
    let account = aws_sdk_sts::Client::new(&root)
        .get_caller_identity()
        .send()
        .await
        .unwrap()
        .account()
        .unwrap()
        .to_owned();
    let iam = aws_sdk_iam::Client::new(&root);
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"rust-sdk"}}}}}}]}}"#
    );
    let role = iam
        .create_role()
        .role_name("sdk-reader")
        .assume_role_policy_document(trust)
        .max_session_duration(7200)
        .send()
        .await
        .unwrap();
    let role_arn = role.role().unwrap().arn().to_owned();
    iam.put_role_policy()
        .role_name("sdk-reader")
        .policy_name("read-users")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();

    let sts = aws_sdk_sts::Client::new(&root);
    let refused = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("no-external-id")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    let meta = aws_sdk_sts::error::ProvideErrorMetadata::meta(&refused);
    assert_eq!(meta.code(), Some("AccessDenied"));

    let assumed = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("rust-sdk")
        .external_id("rust-sdk")
        .duration_seconds(3600)
        .send()
        .await
        .unwrap();
    let credentials = assumed.credentials().unwrap();
    assert!(credentials.access_key_id().starts_with("ASIA"));
    let session = server
        .config(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token()),
        )
        .await;
    let me = aws_sdk_sts::Client::new(&session)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.arn().unwrap(),
        format!("arn:aws:sts::{account}:assumed-role/sdk-reader/rust-sdk")
    );
    let session_iam = aws_sdk_iam::Client::new(&session);
    session_iam.list_users().send().await.unwrap();
    let denied = session_iam
        .create_user()
        .user_name("intruder")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    let meta = aws_sdk_iam::error::ProvideErrorMetadata::meta(&denied);
    assert_eq!(meta.code(), Some("AccessDenied"));
    assert!(
        meta.message().unwrap().contains(
            "assumed-role/sdk-reader/rust-sdk is not authorized to perform: iam:CreateUser"
        ),
        "{:?}",
        meta.message()
    );
}
