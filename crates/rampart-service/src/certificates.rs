//! Server certificates one service keeps and another serves TLS with: ELBv2's HTTPS listeners
//! name an IAM server certificate by ARN, and IAM (which keeps its private key sealed at rest)
//! hands the data plane the chain and key through [`ServerCertificates`], so neither crate
//! depends on the other.

use std::fmt;
use zeroize::Zeroizing;

/// A certificate with its private key, both PEM.
pub struct ServerCertificate {
    /// The leaf certificate followed by its chain, PEM.
    pub chain_pem: String,
    /// The private key, PEM, wiped when dropped.
    pub private_key_pem: Zeroizing<String>,
}

impl fmt::Debug for ServerCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerCertificate")
            .field("private_key_pem", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Looks up server certificates by ARN.
pub trait ServerCertificates: Send + Sync {
    /// The certificate `arn` names (`arn:<partition>:iam::<account>:server-certificate/<path><name>`),
    /// or `None` when it names none this implementation keeps.
    fn server_certificate(&self, arn: &str) -> Option<ServerCertificate>;
}

/// Keeps no certificates (tests, and servers without IAM).
pub struct NoServerCertificates;

impl ServerCertificates for NoServerCertificates {
    fn server_certificate(&self, _arn: &str) -> Option<ServerCertificate> {
        None
    }
}
