//! What the HTTP layer hands over about a request (only `http` types).

use std::borrow::Cow;
use std::net::IpAddr;

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

    /// The path a REST service's URI templates match: for S3 requests addressed
    /// virtual-host style (`bucket.localhost`, `bucket.s3.<region>.amazonaws.com`)
    /// the bucket is moved from the host into the path.
    pub fn rest_path(&self, service_name: &str) -> Cow<'_, str> {
        match (service_name, self.virtual_host_bucket()) {
            ("s3", Some(bucket)) => Cow::Owned(format!("/{bucket}{}", self.path())),
            _ => Cow::Borrowed(self.path()),
        }
    }

    /// The bucket named by an S3 virtual-host-style `Host`, if any.
    pub fn virtual_host_bucket(&self) -> Option<&str> {
        let authority = self.uri.host().or_else(|| self.header("host"))?;
        let host = match authority.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => authority,
        };
        if host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok() {
            return None;
        }
        let bucket = match host.strip_suffix(".localhost") {
            Some(b) => b,
            None => {
                let at = host.find(".s3.").or_else(|| host.find(".s3-"))?;
                &host[..at]
            }
        };
        (!bucket.is_empty()).then_some(bucket)
    }

    /// The decoded query-string pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        parse_query(self.uri.query().unwrap_or(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, HeaderValue, Method, Uri};

    fn bucket(host: &str, path: &str) -> (Option<String>, String) {
        let method = Method::GET;
        let uri: Uri = path.parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_str(host).unwrap());
        let head = RequestHead {
            method: &method,
            uri: &uri,
            headers: &headers,
        };
        (
            head.virtual_host_bucket().map(str::to_owned),
            head.rest_path("s3").into_owned(),
        )
    }

    #[test]
    fn virtual_host_buckets() {
        assert_eq!(
            bucket("b.localhost:4599", "/k"),
            (Some("b".into()), "/b/k".into())
        );
        assert_eq!(
            bucket("my.b.s3.us-east-1.amazonaws.com", "/"),
            (Some("my.b".into()), "/my.b/".into())
        );
        assert_eq!(
            bucket("b.s3-us-west-2.amazonaws.com", "/k"),
            (Some("b".into()), "/b/k".into())
        );
        assert_eq!(bucket("127.0.0.1:4599", "/b/k"), (None, "/b/k".into()));
        assert_eq!(bucket("localhost:4599", "/b/k"), (None, "/b/k".into()));
        assert_eq!(bucket("s3.amazonaws.com", "/b"), (None, "/b".into()));
        assert_eq!(bucket("[::1]:4599", "/b"), (None, "/b".into()));
    }
}
