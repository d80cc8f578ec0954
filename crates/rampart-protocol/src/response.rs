//! The encoded HTTP response handed back to the server.

use bytes::Bytes;
use http::{HeaderName, HeaderValue};

/// An encoded response: status, headers and body.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Headers in order (no `Content-Length`: the HTTP layer sets it).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Body bytes.
    pub body: Bytes,
}

impl Response {
    /// A response with the request-id headers every AWS response carries.
    pub(crate) fn new(
        status: u16,
        content_type: &str,
        body: impl Into<Bytes>,
        request_id: &str,
    ) -> Self {
        let mut response = Response {
            status,
            headers: Vec::new(),
            body: body.into(),
        };
        if !content_type.is_empty() {
            response.push_header("content-type", content_type);
        }
        response.push_header("x-amzn-requestid", request_id);
        response
    }

    /// Appends a header, dropping it when the name or value is not valid HTTP.
    pub(crate) fn push_header(&mut self, name: &str, value: &str) {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            self.headers.push((n, v));
        }
    }

    /// The first value of a header, if present and textual.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.to_str().ok())
    }
}
