//! The harness of the end-to-end tests in `tests/`, which drive a real rampart server with the
//! AWS SDK for Rust: the same calls a user's program makes.
//!
//! The server binary is taken from `RAMPART_BIN`, or else from the target directory the tests
//! were built in (`cargo build -p rampart` first; `scripts/test.sh` does).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A rampart process on a free port with a fresh data directory and a known root key, killed
/// on drop.
pub struct Server {
    child: Child,
    endpoint: String,
    root_key_id: String,
    root_secret: String,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts a server whose root access key is `root_key_id` / `root_secret`.
    pub fn start(root_key_id: &str, root_secret: &str) -> Server {
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
            .env("RAMPART_ROOT_ACCESS_KEY_ID", root_key_id)
            .env("RAMPART_ROOT_SECRET_ACCESS_KEY", root_secret)
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
            root_key_id: root_key_id.to_owned(),
            root_secret: root_secret.to_owned(),
            _dir: dir,
        }
    }

    /// An SDK configuration signing as the root user.
    pub async fn root_config(&self) -> aws_config::SdkConfig {
        self.config(&self.root_key_id, &self.root_secret, None)
            .await
    }

    /// An SDK configuration signing with the given key (and session token).
    pub async fn config(
        &self,
        key_id: &str,
        secret: &str,
        session_token: Option<&str>,
    ) -> aws_config::SdkConfig {
        let credentials = aws_credential_types::Credentials::new(
            key_id,
            secret,
            session_token.map(str::to_owned),
            None,
            "rampart-e2e",
        );
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(credentials)
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
