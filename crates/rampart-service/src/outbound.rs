//! Outbound HTTP(S), for the few services that must reach out: STS fetching an OpenID Connect
//! provider's signing keys, rotation hooks and event targets calling a configured URL. The
//! server provides it; services only say what to send and which server certificates to trust.

/// Which server certificates an outbound request trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsTrust {
    /// A chain in which some certificate's SHA-1 fingerprint is one of these (IAM's
    /// `ThumbprintList` of an OpenID Connect provider).
    Thumbprints(Vec<[u8; 20]>),
}

/// A `POST` to a configured endpoint.
pub struct Post<'a> {
    /// `https://...`, or `http://...` for an endpoint the operator chose to reach in the clear.
    pub url: &'a str,
    /// The server certificates an `https` URL may present.
    pub trust: &'a TlsTrust,
    /// Request headers beyond `Host`, `User-Agent` and `Content-Length`.
    pub headers: &'a [(String, String)],
    /// The request body.
    pub body: &'a [u8],
    /// The largest answer body read, in bytes.
    pub limit: usize,
}

/// What an endpoint answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status code.
    pub status: u16,
    /// The body, at most the request's limit.
    pub body: Vec<u8>,
}

/// Sends requests over HTTP(S). Errors describe what went wrong without secrets in them.
pub trait Outbound: Send + Sync {
    /// The body of a `GET` of `url` (`https://...`) answered with 200, at most `limit` bytes.
    fn get(&self, url: &str, trust: &TlsTrust, limit: usize) -> Result<Vec<u8>, String>;

    /// Sends `post` and returns the answer, whatever its status.
    fn post(&self, post: &Post<'_>) -> Result<Answer, String>;
}

/// An [`Outbound`] that reaches nothing, for tests and for servers configured without one.
pub struct NoOutbound;

impl Outbound for NoOutbound {
    fn get(&self, url: &str, _trust: &TlsTrust, _limit: usize) -> Result<Vec<u8>, String> {
        Err(format!("outbound requests are disabled (asked for {url})"))
    }

    fn post(&self, post: &Post<'_>) -> Result<Answer, String> {
        Err(format!(
            "outbound requests are disabled (asked for {})",
            post.url
        ))
    }
}
