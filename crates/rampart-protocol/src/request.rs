//! What the HTTP layer hands over about a request (only `http` types).

use crate::template::parse_query;

/// The head of an HTTP request.
#[derive(Debug, Clone, Copy)]
pub struct RequestHead<'a> {
    /// Request method.
    pub method: &'a http::Method,
    /// Request URI (path and query are used; the host is not).
    pub uri: &'a http::Uri,
    /// Request headers.
    pub headers: &'a http::HeaderMap,
}

impl RequestHead<'_> {
    /// A header's value when present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The media type of `Content-Type`, lower-cased, without parameters.
    pub fn media_type(&self) -> String {
        self.header("content-type")
            .and_then(|v| v.split(';').next())
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }

    /// The raw (percent-encoded) path.
    pub fn path(&self) -> &str {
        self.uri.path()
    }

    /// The decoded query-string pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        parse_query(self.uri.query().unwrap_or(""))
    }
}
