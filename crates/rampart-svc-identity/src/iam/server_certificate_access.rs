//! IAM's side of the [`ServerCertificates`] port: ELBv2's HTTPS listeners name an IAM server
//! certificate by ARN, and this reads the stored certificate and opens its sealed private key
//! for the data plane. Nothing here logs or returns the key anywhere else.

use super::certificates::{SERVER_CERTIFICATE_TABLE, seal_context};
use super::records::get_record;
use base64::Engine;
use rampart_crypto::MasterKey;
use rampart_service::{ServerCertificate, ServerCertificates};
use rampart_store::{Key, Store, space};
use rampart_types::AccountId;
use serde::Deserialize;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The parts of a stored server certificate the data plane needs (the record is
/// `certificates::StoredServerCertificate`; its key is sealed with the context below).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    name: String,
    path: String,
    id: String,
    body: String,
    chain: Option<String>,
    private_key_sealed: String,
}

/// IAM server certificates, read from the store and unsealed under the master key.
pub struct IamServerCertificates {
    store: Arc<dyn Store>,
    master_key: Arc<MasterKey>,
}

impl IamServerCertificates {
    /// Certificates kept in `store`, their keys sealed under `master_key`.
    pub fn new(store: Arc<dyn Store>, master_key: Arc<MasterKey>) -> IamServerCertificates {
        IamServerCertificates { store, master_key }
    }
}

/// The account, path and name of `arn:<partition>:iam::<account>:server-certificate<path><name>`.
fn parse(arn: &str) -> Option<(AccountId, &str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let rest = resource.strip_prefix("server-certificate")?;
    let slash = rest.rfind('/')?;
    let (path, name) = (&rest[..=slash], &rest[slash + 1..]);
    (!name.is_empty() && path.starts_with('/')).then_some(())?;
    Some((account.parse().ok()?, path, name))
}

impl ServerCertificates for IamServerCertificates {
    fn server_certificate(&self, arn: &str) -> Option<ServerCertificate> {
        let (account, path, name) = parse(arn)?;
        let key = Key::new(
            space::account(&account),
            SERVER_CERTIFICATE_TABLE,
            name.to_lowercase(),
        );
        let (stored, _) = get_record::<Stored>(self.store.as_ref(), &key).ok()??;
        if stored.name != name || stored.path != path {
            return None;
        }
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(&stored.private_key_sealed)
            .ok()?;
        let key_bytes = self
            .master_key
            .open(&seal_context(&stored.id), &sealed)
            .ok()?;
        let private_key_pem = Zeroizing::new(String::from_utf8(key_bytes.to_vec()).ok()?);
        let mut chain_pem = stored.body;
        if let Some(chain) = stored.chain {
            if !chain_pem.ends_with('\n') {
                chain_pem.push('\n');
            }
            chain_pem.push_str(&chain);
        }
        Some(ServerCertificate {
            chain_pem,
            private_key_pem,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::certificates::tests::CERTIFICATE;
    use rampart_service::testkit::World;
    use serde_json::json;

    /// A throw-away key (made for this test; it protects nothing).
    const KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgtestonly\n-----END PRIVATE KEY-----\n";

    #[test]
    fn arns_parse() {
        let (account, path, name) =
            parse("arn:aws:iam::123456789012:server-certificate/division/web").unwrap();
        assert_eq!(
            (account.as_str(), path, name),
            ("123456789012", "/division/", "web")
        );
        assert!(parse("arn:aws:acm:us-east-1:123456789012:certificate/abc").is_none());
        assert!(parse("arn:aws:iam::123456789012:server-certificate/").is_none());
    }

    #[test]
    fn an_uploaded_certificate_opens_with_its_key() {
        let w = World::new(crate::register);
        let out = w
            .call_as(
                &w.root(),
                "iam",
                "UploadServerCertificate",
                json!({"ServerCertificateName": "Web", "Path": "/lb/", "CertificateBody": CERTIFICATE,
                       "PrivateKey": KEY, "CertificateChain": CERTIFICATE}),
            )
            .unwrap();
        let arn = out["ServerCertificateMetadata"]["Arn"].as_str().unwrap();
        let access = IamServerCertificates::new(w.env.store.clone(), w.env.master_key.clone());
        let found = access.server_certificate(arn).unwrap();
        assert_eq!(found.private_key_pem.as_str(), KEY);
        assert_eq!(found.chain_pem.matches("BEGIN CERTIFICATE").count(), 2);
        assert!(!format!("{found:?}").contains("PRIVATE"));
        assert!(
            access
                .server_certificate("arn:aws:iam::123456789012:server-certificate/other/Web")
                .is_none()
        );
        assert!(
            access
                .server_certificate("arn:aws:iam::123456789012:server-certificate/lb/nope")
                .is_none()
        );
    }
}
