//! The AWS SDK for Rust against a real rampart server: the same calls a user's program makes.
//!
//! The server binary is taken from `RAMPART_BIN`, or else from the target directory these tests
//! were built in (`cargo build -p rampart` first; `scripts/test.sh` does).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KEY_ID: &str = "AKIARUSTSDKTESTKEY01";
const SECRET: &str = "rustSdkTestSecretKey/0123456789abcdefghij";

/// A rampart process on a free port with a fresh data directory, killed on drop.
struct Server {
    child: Child,
    endpoint: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let bin = std::env::var_os("RAMPART_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                let exe = std::env::current_exe().unwrap();
                exe.parent().unwrap().parent().unwrap().join("rampart")
            });
        assert!(
            bin.exists(),
            "no rampart binary at {} (run `cargo build -p rampart`)",
            bin.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(bin)
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(dir.path().join("data"))
            .env("RAMPART_ROOT_ACCESS_KEY_ID", KEY_ID)
            .env("RAMPART_ROOT_SECRET_ACCESS_KEY", SECRET)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "rampart did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Server {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }

    async fn config(&self, secret: &str) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sts::config::Credentials::new(
                KEY_ID, secret, None, None, "test",
            ))
            .load()
            .await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn get_caller_identity_returns_the_root_arn() {
    let server = Server::start();
    let sts = aws_sdk_sts::Client::new(&server.config(SECRET).await);
    let me = sts.get_caller_identity().send().await.unwrap();
    let account = me.account().unwrap();
    assert_eq!(account.len(), 12);
    assert_eq!(me.arn().unwrap(), format!("arn:aws:iam::{account}:root"));
}

#[tokio::test]
async fn a_wrong_secret_is_refused_with_signature_does_not_match() {
    let server = Server::start();
    let sts = aws_sdk_sts::Client::new(&server.config("wrong-secret").await);
    let err = sts.get_caller_identity().send().await.unwrap_err();
    let service_error = err.into_service_error();
    let meta = aws_sdk_sts::error::ProvideErrorMetadata::meta(&service_error);
    assert_eq!(meta.code(), Some("SignatureDoesNotMatch"));
}

#[tokio::test]
async fn cloudtrail_lookup_events_lists_the_calls() {
    let server = Server::start();
    let config = server.config(SECRET).await;
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
