//! A throw-away PostgreSQL cluster for the tests: one per test binary, started on first use
//! on a free local port, a fresh database per test. The cluster stops and its directory is
//! removed when the test process exits (a small shell keeps it running while our pipe to it
//! is open), even after a panic.
//!
//! Without PostgreSQL's binaries (`initdb`, `postgres`) the tests skip, saying so; CI
//! installs them (scripts/test.sh).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rampart_store_postgres::PostgresStore;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The running cluster.
pub struct Cluster {
    /// Its TCP port on 127.0.0.1.
    pub port: u16,
    /// The CA (PEM) that issued the server's TLS certificate, when `openssl` was there to
    /// make one (the server then accepts TLS too).
    pub ca: Option<PathBuf>,
    /// The shell that owns the server; kept so its stdin stays open.
    _keeper: Mutex<Child>,
}

impl Cluster {
    /// The URL of `database` on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// A superuser connection to the `postgres` database.
    pub fn admin(&self) -> postgres::Client {
        postgres::Client::connect(&self.url("postgres"), postgres::NoTls).unwrap()
    }

    /// Creates a new empty database and returns its URL.
    pub fn fresh_database(&self) -> String {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!("t{}", NEXT.fetch_add(1, Ordering::Relaxed));
        self.admin()
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        self.url(&name)
    }
}

/// PostgreSQL's server binaries, if installed.
fn bindir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())
    }) {
        return Some(dir);
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| entry.ok().map(|entry| entry.path().join("bin")))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    versions.sort_by_key(|bin| {
        bin.parent()
            .and_then(Path::file_name)
            .and_then(|name| name.to_str())
            .and_then(|name| name.parse::<u32>().ok())
            .unwrap_or(0)
    });
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs `args` as the server's owner: `postgres` when we are root (the server refuses root).
fn as_owner(args: &[&str]) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).args(args);
        command
    } else {
        let mut command = Command::new(args[0]);
        command.args(&args[1..]);
        command
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start() -> Option<Cluster> {
    let Some(bin) = bindir() else {
        eprintln!(
            "SKIPPED: PostgreSQL's binaries (initdb, postgres) are not installed; \
             scripts/test.sh installs Debian's postgresql"
        );
        return None;
    };
    let root = std::env::temp_dir().join(format!(
        "rampart-pg-test-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&root).unwrap();
    if is_root() {
        let status = Command::new("chown")
            .args(["postgres:postgres", root.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(status.success(), "chown of the cluster directory failed");
    }
    let data = root.join("data");
    let (bin_s, data_s, root_s) = (
        bin.to_str().unwrap(),
        data.to_str().unwrap(),
        root.to_str().unwrap(),
    );
    let initdb = as_owner(&[
        &format!("{bin_s}/initdb"),
        "-D",
        data_s,
        "-U",
        "postgres",
        "--auth=trust",
        "--encoding=UTF8",
        "--no-sync",
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .status()
    .unwrap();
    assert!(initdb.success(), "initdb failed");
    let ca = make_certificates(&root, &data);
    let port = free_port();
    // The server runs while our end of the shell's stdin is open: when this process exits
    // (however it exits), `cat` sees end of file, the server stops, and the directory goes.
    let script = r#""$1/postgres" -D "$2" -p "$3" -k "$4" -c listen_addresses=127.0.0.1 \
        -c fsync=off -c max_connections=300 >"$4/log" 2>&1 &
        pid=$!
        cat >/dev/null
        kill -INT "$pid"; wait "$pid"; rm -rf "$4""#;
    let keeper = as_owner(&[
        "sh",
        "-c",
        script,
        "sh",
        bin_s,
        data_s,
        &port.to_string(),
        root_s,
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let cluster = Cluster {
        port,
        ca,
        _keeper: Mutex::new(keeper),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while postgres::Client::connect(&cluster.url("postgres"), postgres::NoTls).is_err() {
        assert!(
            Instant::now() < deadline,
            "the test cluster did not start; see {root_s}/log"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(cluster)
}

/// Makes a test CA and a server certificate for 127.0.0.1 signed by it, and turns TLS on in
/// the cluster's configuration; `None` (TLS stays off) without `openssl`.
fn make_certificates(root: &Path, data: &Path) -> Option<PathBuf> {
    let openssl = |args: &[&str]| {
        Command::new("openssl")
            .args(args)
            .current_dir(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    std::fs::write(
        root.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         extendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let made = openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=rampart test CA",
            ],
        ]
        .concat(),
    ) && openssl(
        &[
            &["req"][..],
            &ec,
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
        ]
        .concat(),
    ) && openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    if !made {
        eprintln!("openssl is not available: the test cluster runs without TLS");
        return None;
    }
    for file in ["server.key", "server.crt"] {
        if is_root() {
            Command::new("chown")
                .args(["postgres:postgres", root.join(file).to_str().unwrap()])
                .status()
                .unwrap();
        }
        Command::new("chmod")
            .args(["600", root.join(file).to_str().unwrap()])
            .status()
            .unwrap();
    }
    let mut conf = std::fs::OpenOptions::new()
        .append(true)
        .open(data.join("postgresql.conf"))
        .unwrap();
    std::io::Write::write_all(
        &mut conf,
        format!(
            "\nssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\n",
            root.join("server.crt").display(),
            root.join("server.key").display()
        )
        .as_bytes(),
    )
    .unwrap();
    Some(root.join("ca.pem"))
}

/// The test binary's cluster, started on first use; `None` when PostgreSQL is not installed.
pub fn cluster() -> Option<&'static Cluster> {
    static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();
    CLUSTER.get_or_init(start).as_ref()
}

/// A store on a fresh database of the test cluster.
pub fn fresh_store() -> Option<PostgresStore> {
    let cluster = cluster()?;
    Some(PostgresStore::connect(&cluster.fresh_database()).unwrap())
}
