//! Tunables of a [`crate::PostgresStore`] and the connection settings derived from its URL.

use rampart_store::StoreError;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Tunables of a [`crate::PostgresStore`]; [`Options::default`] suits most deployments.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Most connections the store holds for reads and commits (the listener has its own).
    pub pool_size: usize,
    /// How long opening a connection may take before the database counts as unreachable.
    pub connect_timeout: Duration,
    /// How often the listener proves its notification stream is current (a round trip of a
    /// notification of its own).
    pub heartbeat: Duration,
    /// How old the last proof may be before watermarks stop being trusted and move on every
    /// read (so caches miss) until a new proof arrives.
    pub max_lag: Duration,
    /// A PEM file of CA certificates trusted, beside the system's roots, for the database's
    /// certificate when the URL says `sslmode=require` (then TLS is mandatory and the
    /// server's certificate and host name are verified).
    pub tls_root_cert: Option<PathBuf>,
    /// How long a lease (the leadership of scheduled work) lasts in the database after its
    /// holder's last renewal: a node that dies holding it is replaced within this time.
    pub lease_ttl: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            pool_size: 16,
            connect_timeout: Duration::from_secs(5),
            heartbeat: Duration::from_millis(500),
            max_lag: Duration::from_secs(5),
            tls_root_cert: None,
            lease_ttl: Duration::from_secs(10),
        }
    }
}

/// Parses a `postgres://` URL (or a `key=value` connection string) and applies the timeouts.
pub(crate) fn config(url: &str, options: &Options) -> Result<postgres::Config, StoreError> {
    let mut config = postgres::Config::from_str(url).map_err(|err| {
        // The parser's message never repeats the password; the URL itself may hold one.
        StoreError::Unavailable(format!("invalid PostgreSQL connection string: {err}"))
    })?;
    config
        .connect_timeout(options.connect_timeout)
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(10))
        .keepalives_interval(Duration::from_secs(2))
        .keepalives_retries(3)
        .tcp_user_timeout(Duration::from_secs(15));
    if config.get_application_name().is_none() {
        config.application_name("rampart");
    }
    Ok(config)
}

/// Where `config` points, for error messages: user, hosts, ports and database, never the
/// password.
pub(crate) fn describe(config: &postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| match host {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    format!(
        "PostgreSQL at {} port {} database {} as {}",
        if hosts.is_empty() {
            "localhost".to_owned()
        } else {
            hosts.join(",")
        },
        if ports.is_empty() {
            "5432".to_owned()
        } else {
            ports.join(",")
        },
        config.get_dbname().unwrap_or("(default)"),
        config.get_user().unwrap_or("(default)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_never_shows_the_password() {
        let config = config(
            "postgres://rampart:hunter2@db.example:6543/prod",
            &Options::default(),
        )
        .unwrap();
        let shown = describe(&config);
        assert_eq!(
            shown,
            "PostgreSQL at db.example port 6543 database prod as rampart"
        );
        assert!(!shown.contains("hunter2"));
        assert_eq!(config.get_connect_timeout(), Some(&Duration::from_secs(5)));
        assert_eq!(config.get_application_name(), Some("rampart"));
    }

    #[test]
    fn a_bad_url_is_unavailable_without_echoing_it() {
        let err = config("postgres://u:hunter2@h:notaport/db", &Options::default()).unwrap_err();
        assert!(matches!(&err, StoreError::Unavailable(_)));
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
