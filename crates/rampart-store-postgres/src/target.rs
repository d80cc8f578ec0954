//! Where connections go and how: the parsed connection settings plus, for `sslmode=require`,
//! a rustls connector that verifies the server against the system's roots and an optional
//! CA file ([`crate::Options::tls_root_cert`]).
//!
//! `sslmode=prefer` (the default) and `disable` connect without TLS, as before; `require`
//! means TLS with full verification of the server's certificate and host name.

use crate::error::from_pg;
use crate::options::{Options, describe};
use crate::pool::Conn;
use postgres::NoTls;
use postgres::config::SslMode;
use rampart_store::StoreError;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// A database to connect to.
#[derive(Clone)]
pub(crate) struct Target {
    /// The connection settings (no password in any message built from them).
    pub(crate) config: postgres::Config,
    tls: Option<MakeRustlsConnect>,
}

impl Target {
    /// The target for `config`: with a verifying TLS connector when it requires TLS.
    pub(crate) fn new(config: postgres::Config, options: &Options) -> Result<Target, StoreError> {
        let tls = match config.get_ssl_mode() {
            SslMode::Require => Some(connector(options)?),
            _ => None,
        };
        Ok(Target { config, tls })
    }

    /// Opens one connection.
    pub(crate) fn open(&self) -> Result<Conn, StoreError> {
        let connected = match &self.tls {
            Some(tls) => self.config.connect(tls.clone()),
            None => self.config.connect(NoTls),
        };
        let client = connected.map_err(|err| {
            from_pg(
                &err,
                &format!("cannot connect to {}", describe(&self.config)),
            )
        })?;
        Ok(Conn::new(client))
    }

    /// The same target for a connection named `name` (its `application_name`).
    pub(crate) fn named(&self, name: &str) -> Target {
        let mut named = self.clone();
        named.config.application_name(name);
        named
    }
}

/// A rustls connector trusting the system's roots and `options.tls_root_cert`.
fn connector(options: &Options) -> Result<MakeRustlsConnect, StoreError> {
    let failed = |why: String| StoreError::Unavailable(format!("TLS to the database: {why}"));
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = &options.tls_root_cert {
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|err| failed(format!("cannot read {}: {err}", path.display())))?;
        if certs.is_empty() {
            return Err(failed(format!("{} holds no certificate", path.display())));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|err| failed(format!("{}: {err}", path.display())))?;
        }
    }
    if roots.is_empty() {
        return Err(failed(
            "no trusted root certificate (none on the system and no tls_root_cert)".into(),
        ));
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| failed(err.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::config;

    #[test]
    fn only_require_uses_tls() {
        let options = Options::default();
        let plain = Target::new(config("postgres://u@h/db", &options).unwrap(), &options).unwrap();
        assert!(plain.tls.is_none());
        let off = config("postgres://u@h/db?sslmode=disable", &options).unwrap();
        assert!(Target::new(off, &options).unwrap().tls.is_none());
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_a_clear_error() {
        let options = Options {
            tls_root_cert: Some("/nonexistent/ca.pem".into()),
            ..Options::default()
        };
        let required = config("postgres://u@h/db?sslmode=require", &options).unwrap();
        let err = Target::new(required, &options).err().unwrap();
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
    }

    #[test]
    fn naming_keeps_the_rest() {
        let options = Options::default();
        let target = Target::new(config("postgres://u@h:7/db", &options).unwrap(), &options)
            .unwrap()
            .named("rampart listener");
        assert_eq!(
            target.config.get_application_name(),
            Some("rampart listener")
        );
        assert_eq!(target.config.get_ports(), &[7]);
    }
}
