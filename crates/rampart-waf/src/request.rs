//! The request as the engine sees it: built by the data plane from what it received, no I/O.

use std::fmt;
use std::net::IpAddr;

/// A header as received. Its `Debug` shows the name only (values carry credentials).
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    /// The name as received (matching is case-insensitive).
    pub name: String,
    /// The raw value.
    pub value: Vec<u8>,
}

/// The CAPTCHA and challenge token state the data plane found on the request (from the
/// `aws-waf-token` cookie or header, already decrypted and checked for its domain).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenState {
    /// Unix seconds of the last solved CAPTCHA, if the token is valid and carries one.
    pub captcha_solved_at: Option<u64>,
    /// Unix seconds of the last passed challenge, if the token is valid and carries one.
    pub challenge_solved_at: Option<u64>,
    /// A token was present but failed verification (tampered, wrong domain).
    pub invalid: bool,
}

/// One HTTP request. Its `Debug` shows the method, path and header names, never header values,
/// the query or the body (they may carry credentials).
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The path as received (before `?`).
    pub path: Vec<u8>,
    /// The query string (after `?`, before `#`), if a `?` was present.
    pub query: Option<Vec<u8>>,
    /// The fragment (after `#`), if present.
    pub fragment: Option<Vec<u8>>,
    /// Headers in arrival order.
    pub headers: Vec<Header>,
    /// The body bytes the data plane buffered (at least the inspection limit when available).
    pub body: Vec<u8>,
    /// The body's full length (`Content-Length` or bytes seen), at least `body.len()`.
    pub body_len: usize,
    /// The connection's source address.
    pub source_ip: IpAddr,
    /// The TLS client's JA3 fingerprint, if TLS.
    pub ja3: Option<String>,
    /// The TLS client's JA4 fingerprint, if TLS.
    pub ja4: Option<String>,
    /// The source's autonomous system number, if known.
    pub asn: Option<u32>,
    /// The request's CAPTCHA/challenge token.
    pub token: TokenState,
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: <{} bytes>", self.name, self.value.len())
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &String::from_utf8_lossy(&self.path))
            .field("headers", &self.headers)
            .field("body_len", &self.body_len)
            .field("source_ip", &self.source_ip)
            .finish_non_exhaustive()
    }
}

impl Request {
    /// A request for `method` and the raw request target (`/path?query#fragment`).
    pub fn new(method: &str, target: &[u8], source_ip: IpAddr) -> Request {
        let (rest, fragment) = match target.iter().position(|&b| b == b'#') {
            Some(i) => (&target[..i], Some(target[i + 1..].to_vec())),
            None => (target, None),
        };
        let (path, query) = match rest.iter().position(|&b| b == b'?') {
            Some(i) => (rest[..i].to_vec(), Some(rest[i + 1..].to_vec())),
            None => (rest.to_vec(), None),
        };
        Request {
            method: method.to_owned(),
            path,
            query,
            fragment,
            headers: Vec::new(),
            body: Vec::new(),
            body_len: 0,
            source_ip,
            ja3: None,
            ja4: None,
            asn: None,
            token: TokenState::default(),
        }
    }

    /// Adds a header (builder style).
    pub fn with_header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Request {
        self.headers.push(Header {
            name: name.to_owned(),
            value: value.into(),
        });
        self
    }

    /// Sets the whole body (builder style).
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self.body_len = self.body.len();
        self
    }

    /// The values of the headers named `name` (case-insensitive), in order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_slice())
    }

    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_slice())
    }

    /// The cookies of every `Cookie` header, as (name, value) in order.
    pub fn cookies(&self) -> Vec<(&[u8], &[u8])> {
        let mut out = Vec::new();
        for value in self.header_values("cookie") {
            for pair in value.split(|&b| b == b';') {
                let pair = trim_ascii(pair);
                if pair.is_empty() {
                    continue;
                }
                match pair.iter().position(|&b| b == b'=') {
                    Some(i) => out.push((trim_ascii(&pair[..i]), trim_ascii(&pair[i + 1..]))),
                    None => out.push((pair, &pair[pair.len()..])),
                }
            }
        }
        out
    }

    /// The query arguments as raw (name, value) pairs in order (`&`-separated).
    pub fn query_args(&self) -> Vec<(&[u8], &[u8])> {
        self.query.as_deref().map(split_query).unwrap_or_default()
    }
}

/// Splits a raw query string at `&` into (name, value) pairs (a pair without `=` has an empty
/// value; empty pairs are skipped).
pub(crate) fn split_query(q: &[u8]) -> Vec<(&[u8], &[u8])> {
    q.split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.iter().position(|&b| b == b'=') {
            Some(i) => (&p[..i], &p[i + 1..]),
            None => (p, &p[p.len()..]),
        })
        .collect()
}

fn trim_ascii(s: &[u8]) -> &[u8] {
    s.trim_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip() -> IpAddr {
        IpAddr::from([192, 0, 2, 1])
    }

    #[test]
    fn target_splits_into_path_query_fragment() {
        let r = Request::new("GET", b"/a/b?x=1&y=2#frag", ip());
        assert_eq!(r.path, b"/a/b");
        assert_eq!(r.query.as_deref(), Some(&b"x=1&y=2"[..]));
        assert_eq!(r.fragment.as_deref(), Some(&b"frag"[..]));
        let r = Request::new("GET", b"/", ip());
        assert_eq!(r.query, None);
    }

    #[test]
    fn cookies_from_every_cookie_header() {
        let r = Request::new("GET", b"/", ip())
            .with_header("Cookie", "a=1; b=2")
            .with_header("cookie", "c=3;flag");
        let names: Vec<_> = r.cookies().into_iter().map(|(n, _)| n.to_vec()).collect();
        assert_eq!(
            names,
            vec![
                b"a".to_vec(),
                b"b".to_vec(),
                b"c".to_vec(),
                b"flag".to_vec()
            ]
        );
    }

    #[test]
    fn debug_output_hides_credentials() {
        let r = Request::new("POST", b"/login?token=s3cr3t", ip())
            .with_header("Authorization", "Bearer s3cr3t")
            .with_header("Cookie", "session=s3cr3t")
            .with_body(&b"password=s3cr3t"[..]);
        let text = format!("{r:?}");
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("Authorization"));
    }

    #[test]
    fn query_args_keep_raw_encoding_and_repeats() {
        let r = Request::new("GET", b"/?a=%27x&a=2&b", ip());
        assert_eq!(
            r.query_args(),
            vec![
                (&b"a"[..], &b"%27x"[..]),
                (&b"a"[..], &b"2"[..]),
                (&b"b"[..], &b""[..])
            ]
        );
    }
}
