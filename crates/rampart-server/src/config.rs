//! The server's typed configuration: defaults, then a TOML file, then `RAMPART_*` variables and
//! flags (the binary resolves those two into [`Overrides`]). One value is built at start and
//! passed down; nothing reads configuration from a global.

use rampart_types::Partition;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything `rampart serve` needs to know.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where the AWS APIs listen.
    pub listen: SocketAddr,
    /// Where the embedded store, the master key file and trail folders live.
    pub data_dir: PathBuf,
    /// HTTPS certificate and key (PEM), when both are given.
    pub tls: Option<TlsFiles>,
    /// A file holding the base64 master key, instead of the generated `DIR/master.key`.
    pub master_key_file: Option<PathBuf>,
    /// The partition of every ARN rampart mints.
    pub partition: Partition,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How often trails deliver log files, in seconds.
    pub trail_delivery_seconds: u64,
    /// How often trails with log file validation deliver digest files, in seconds.
    pub trail_digest_seconds: u64,
    /// A PostgreSQL URL (`postgres://...`) for a store shared by several nodes; the embedded
    /// SQLite store in the data directory when absent.
    pub store: Option<DatabaseUrl>,
}

/// Paths of a PEM certificate chain and its private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain.
    pub cert: PathBuf,
    /// The private key.
    pub key: PathBuf,
}

/// Values given by flags or `RAMPART_*` variables; each one set wins over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--listen` / `RAMPART_LISTEN`.
    pub listen: Option<SocketAddr>,
    /// `--data-dir` / `RAMPART_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// `--tls-cert` / `RAMPART_TLS_CERT`.
    pub tls_cert: Option<PathBuf>,
    /// `--tls-key` / `RAMPART_TLS_KEY`.
    pub tls_key: Option<PathBuf>,
    /// `--master-key-file` / `RAMPART_MASTER_KEY_FILE`.
    pub master_key_file: Option<PathBuf>,
    /// `--partition` / `RAMPART_PARTITION`.
    pub partition: Option<Partition>,
    /// `--trail-delivery-seconds` / `RAMPART_TRAIL_DELIVERY_SECONDS`.
    pub trail_delivery_seconds: Option<u64>,
    /// `--trail-digest-seconds` / `RAMPART_TRAIL_DIGEST_SECONDS`.
    pub trail_digest_seconds: Option<u64>,
    /// `--store` / `RAMPART_STORE`.
    pub store: Option<DatabaseUrl>,
}

/// The TOML file's shape: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    master_key_file: Option<PathBuf>,
    partition: Option<Partition>,
    max_body_bytes: Option<usize>,
    trail_delivery_seconds: Option<u64>,
    trail_digest_seconds: Option<u64>,
    store: Option<DatabaseUrl>,
}

/// A database URL, which may hold a password: `Debug` shows only where the database is.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL as given, password included: for connecting, never for printing.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Where the database is (`host:port/db`), without user or password.
    pub fn place(&self) -> &str {
        let url = self.0.as_str();
        let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        after_scheme
            .rsplit_once('@')
            .map_or(after_scheme, |(_, place)| place)
    }
}

impl From<String> for DatabaseUrl {
    fn from(url: String) -> Self {
        DatabaseUrl(url)
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({})", self.place())
    }
}

/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4599";
/// The default data directory.
pub const DEFAULT_DATA_DIR: &str = "./rampart-data";
const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;
/// The default trail delivery interval: AWS delivers log files about every five minutes.
pub const DEFAULT_TRAIL_DELIVERY_SECONDS: u64 = 300;
/// The default digest interval: AWS delivers digest files hourly.
pub const DEFAULT_TRAIL_DIGEST_SECONDS: u64 = 3600;

impl Config {
    /// Builds the configuration from the optional TOML `file` and the `overrides`.
    pub fn load(file: Option<&Path>, overrides: Overrides) -> Result<Config, String> {
        let from_file = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
                toml::from_str::<FileConfig>(&text)
                    .map_err(|e| format!("config file {}: {e}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let default_listen: SocketAddr = DEFAULT_LISTEN
            .parse()
            .map_err(|_| "bad built-in listen address".to_owned())?;
        let cert = overrides.tls_cert.or(from_file.tls_cert);
        let key = overrides.tls_key.or(from_file.tls_key);
        let tls = match (cert, key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            _ => return Err("HTTPS needs both --tls-cert and --tls-key".into()),
        };
        let trail_delivery_seconds = overrides
            .trail_delivery_seconds
            .or(from_file.trail_delivery_seconds)
            .unwrap_or(DEFAULT_TRAIL_DELIVERY_SECONDS);
        let trail_digest_seconds = overrides
            .trail_digest_seconds
            .or(from_file.trail_digest_seconds)
            .unwrap_or(DEFAULT_TRAIL_DIGEST_SECONDS);
        if trail_delivery_seconds == 0 || trail_digest_seconds == 0 {
            return Err(
                "trail-delivery-seconds and trail-digest-seconds must be at least 1".into(),
            );
        }
        Ok(Config {
            listen: overrides
                .listen
                .or(from_file.listen)
                .unwrap_or(default_listen),
            data_dir: overrides
                .data_dir
                .or(from_file.data_dir)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
            tls,
            master_key_file: overrides.master_key_file.or(from_file.master_key_file),
            partition: overrides
                .partition
                .or(from_file.partition)
                .unwrap_or_default(),
            max_body_bytes: from_file.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY),
            trail_delivery_seconds,
            trail_digest_seconds,
            store: overrides.store.or(from_file.store),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_without_file_or_overrides() {
        let c = Config::load(None, Overrides::default()).unwrap();
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(c.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
        assert_eq!(c.partition, Partition::Aws);
        assert!(c.tls.is_none());
        assert_eq!(c.trail_delivery_seconds, 300);
        assert_eq!(c.trail_digest_seconds, 3600);
    }

    #[test]
    fn trail_intervals_come_from_file_or_overrides_and_are_positive() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rampart.toml");
        std::fs::write(
            &path,
            "trail-delivery-seconds = 60\ntrail-digest-seconds = 600\n",
        )
        .unwrap();
        let c = Config::load(
            Some(&path),
            Overrides {
                trail_digest_seconds: Some(2),
                ..Overrides::default()
            },
        )
        .unwrap();
        assert_eq!((c.trail_delivery_seconds, c.trail_digest_seconds), (60, 2));
        let zero = Overrides {
            trail_delivery_seconds: Some(0),
            ..Overrides::default()
        };
        assert!(Config::load(None, zero).is_err());
    }

    #[test]
    fn overrides_win_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rampart.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:5000\"\ndata-dir = \"/tmp/x\"\npartition = \"aws-cn\"\n",
        )
        .unwrap();
        let c = Config::load(
            Some(&path),
            Overrides {
                listen: Some("127.0.0.1:6000".parse().unwrap()),
                ..Overrides::default()
            },
        )
        .unwrap();
        assert_eq!(c.listen.port(), 6000);
        assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(c.partition, Partition::AwsCn);
    }

    #[test]
    fn unknown_keys_and_half_tls_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "lisen = \"127.0.0.1:5000\"\n").unwrap();
        assert!(Config::load(Some(&path), Overrides::default()).is_err());
        let half = Overrides {
            tls_cert: Some("c.pem".into()),
            ..Overrides::default()
        };
        assert!(Config::load(None, half).is_err());
    }

    #[test]
    fn a_database_url_never_shows_its_password() {
        let url =
            DatabaseUrl::from("postgres://rampart:s3cret@db.internal:5432/rampart".to_owned());
        assert_eq!(url.place(), "db.internal:5432/rampart");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert!(url.expose().contains("s3cret"));
        assert_eq!(
            DatabaseUrl::from("postgres://db/x".to_owned()).place(),
            "db/x"
        );
    }
}
