//! Outbound HTTPS, for the few services that must reach out: STS fetching an OpenID Connect
//! provider's signing keys, rotation hooks calling a configured URL. The server provides it;
//! services only say what to fetch and which server certificates to trust.

/// Which server certificates an outbound request trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsTrust {
    /// A chain in which some certificate's SHA-1 fingerprint is one of these (IAM's
    /// `ThumbprintList` of an OpenID Connect provider).
    Thumbprints(Vec<[u8; 20]>),
}

/// Fetches resources over HTTPS.
pub trait Outbound: Send + Sync {
    /// The body of a `GET` of `url` (`https://...`) answered with 200, at most `limit` bytes;
    /// otherwise a description of what went wrong (no secrets in it).
    fn get(&self, url: &str, trust: &TlsTrust, limit: usize) -> Result<Vec<u8>, String>;
}

/// An [`Outbound`] that reaches nothing, for tests and for servers configured without one.
pub struct NoOutbound;

impl Outbound for NoOutbound {
    fn get(&self, url: &str, _trust: &TlsTrust, _limit: usize) -> Result<Vec<u8>, String> {
        Err(format!("outbound requests are disabled (asked for {url})"))
    }
}
