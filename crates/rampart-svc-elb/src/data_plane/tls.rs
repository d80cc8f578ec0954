//! TLS for HTTPS listeners: the listener's certificates (IAM server certificates, read through
//! [`rampart_service::ServerCertificates`]) and the protocol versions and cipher suites of its
//! security policy that rustls implements.
//!
//! The certificate is chosen by SNI as an ALB chooses it: the first certificate of the
//! listener's certificate list (AddListenerCertificates) valid for the name the client asks
//! for, else the default certificate (also when the client sends no name).

use crate::records::Listener;
use crate::ssl_policies::{self, Policy};
use rampart_service::Env;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert, ResolvesServerCertUsingSni};
use rustls::sign::CertifiedKey;
use rustls::version::{TLS12, TLS13};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio_rustls::TlsAcceptor;

/// The IANA name (as rustls prints it) of a suite AWS names the OpenSSL way, for the suites
/// rustls implements.
fn iana(openssl: &str) -> Option<&'static str> {
    Some(match openssl {
        "TLS_AES_128_GCM_SHA256" => "TLS13_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384" => "TLS13_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256" => "TLS13_CHACHA20_POLY1305_SHA256",
        "ECDHE-ECDSA-AES128-GCM-SHA256" => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256" => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384" => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384" => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        _ => return None,
    })
}

/// The crypto provider offering `policy`'s suites (in rustls's order of preference).
fn provider(policy: &Policy) -> CryptoProvider {
    let wanted: Vec<&str> = policy.ciphers.iter().filter_map(|c| iana(c)).collect();
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    provider
        .cipher_suites
        .retain(|s| wanted.contains(&format!("{:?}", s.suite()).as_str()));
    provider
}

/// The protocol versions of `policy` rustls speaks.
fn versions(policy: &Policy) -> Vec<&'static rustls::SupportedProtocolVersion> {
    let mut out = Vec::new();
    if policy.protocols.contains(&"TLSv1.2") {
        out.push(&TLS12);
    }
    if policy.protocols.contains(&"TLSv1.3") {
        out.push(&TLS13);
    }
    out
}

/// The ARN of the listener's default certificate.
fn default_certificate(l: &Listener) -> Option<&str> {
    l.certificates
        .iter()
        .find(|c| c.get("IsDefault").and_then(serde_json::Value::as_bool) != Some(false))
        .and_then(|c| c.get("CertificateArn"))
        .and_then(serde_json::Value::as_str)
}

/// The certificate `arn` names with its key, ready to serve.
fn certified(env: &Env, arn: &str, provider: &CryptoProvider) -> Result<CertifiedKey, String> {
    let found = env
        .certificates
        .server_certificate(arn)
        .ok_or_else(|| format!("certificate {arn} not found"))?;
    let chain = CertificateDer::pem_slice_iter(found.chain_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| format!("certificate {arn}: the chain does not parse"))?;
    let key = PrivateKeyDer::from_pem_slice(found.private_key_pem.as_bytes())
        .map_err(|_| format!("certificate {arn}: the private key does not parse"))?;
    CertifiedKey::from_der(chain, key, provider).map_err(|e| format!("certificate {arn}: {e}"))
}

/// The most server names whose choice of certificate is remembered.
const MAX_REMEMBERED_NAMES: usize = 1024;

/// Picks the certificate by SNI (see the module's doc).
#[derive(Debug)]
struct BySni {
    default: Arc<CertifiedKey>,
    listed: Vec<Arc<CertifiedKey>>,
    /// Server name to the index in `listed` of its certificate (`None`: the default).
    chosen: Mutex<HashMap<String, Option<usize>>>,
}

impl BySni {
    fn pick(&self, name: &str) -> Option<usize> {
        self.listed.iter().position(|ck| {
            // rustls's own check that a certificate is valid for a name.
            let mut probe = ResolvesServerCertUsingSni::new();
            probe.add(name, CertifiedKey::clone(ck)).is_ok()
        })
    }
}

impl ResolvesServerCert for BySni {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let Some(name) = hello.server_name().filter(|_| !self.listed.is_empty()) else {
            return Some(self.default.clone());
        };
        let known = self
            .chosen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .copied();
        let index = known.unwrap_or_else(|| {
            let index = self.pick(name);
            let mut chosen = self.chosen.lock().unwrap_or_else(|p| p.into_inner());
            if chosen.len() < MAX_REMEMBERED_NAMES {
                chosen.insert(name.to_owned(), index);
            }
            index
        });
        Some(
            index
                .and_then(|i| self.listed.get(i).cloned())
                .unwrap_or_else(|| self.default.clone()),
        )
    }
}

/// The TLS acceptor of an HTTPS listener; errors say why it cannot serve (never key material).
/// A listed certificate that cannot be loaded is left out (and logged).
pub(crate) fn acceptor(env: &Env, l: &Listener) -> Result<TlsAcceptor, String> {
    let arn = default_certificate(l).ok_or("the listener has no certificate")?;
    let name = l
        .ssl_policy
        .as_deref()
        .unwrap_or(ssl_policies::DEFAULT_POLICY);
    let policy = ssl_policies::find(name).ok_or_else(|| format!("unknown SSL policy {name}"))?;
    let provider = Arc::new(provider(&policy));
    let default = Arc::new(certified(env, arn, &provider)?);
    let listed = l
        .extra_certificates
        .iter()
        .filter_map(|a| match certified(env, a, &provider) {
            Ok(ck) => Some(Arc::new(ck)),
            Err(why) => {
                tracing::warn!(error = %why, "a listener certificate is left out");
                None
            }
        })
        .collect();
    let resolver = BySni {
        default,
        listed,
        chosen: Mutex::new(HashMap::new()),
    };
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&versions(&policy))
        .map_err(|e| format!("SSL policy {name}: {e}"))?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_map_to_what_rustls_offers() {
        let strict = ssl_policies::find("ELBSecurityPolicy-TLS13-1-3-2021-06").unwrap();
        assert_eq!(versions(&strict).len(), 1);
        assert_eq!(provider(&strict).cipher_suites.len(), 3);
        let fs = ssl_policies::find("ELBSecurityPolicy-FS-1-2-Res-2020-10").unwrap();
        let p = provider(&fs);
        assert_eq!(p.cipher_suites.len(), 4);
        assert!(p.cipher_suites.iter().all(|s| s.version() == &TLS12));
        let old = ssl_policies::find("ELBSecurityPolicy-2016-08").unwrap();
        assert_eq!(versions(&old), vec![&TLS12]);
        let default = ssl_policies::find(ssl_policies::DEFAULT_POLICY).unwrap();
        assert_eq!(versions(&default).len(), 2);
        assert_eq!(provider(&default).cipher_suites.len(), 7);
    }
}
