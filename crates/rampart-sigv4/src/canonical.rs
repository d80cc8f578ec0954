//! The canonical request and the string to sign, shared by the verifier and the signer.
//!
//! Rules (checked against botocore's `SigV4Auth`, `S3SigV4Auth` and `SigV4QueryAuth`):
//! * path, non-S3 services: dot segments removed and empty segments collapsed, then every byte
//!   except the RFC 3986 unreserved set and `/` percent-encoded *again* (so `%20` becomes
//!   `%2520`); S3: no normalization, single encoding;
//! * query: every name and value URI-encoded (unreserved set only, `%XX` upper-case), sorted by
//!   encoded name then value; a bare `a` has an empty value; `X-Amz-Signature` left out in the
//!   presigned form;
//! * headers: the signed ones only, in `SignedHeaders` order, lower-case names, values trimmed with
//!   inner whitespace runs collapsed to one space, repeated headers joined by commas.

use http::{HeaderMap, Uri};

use crate::key::{CredentialScope, sha256_hex};

/// The algorithm name of SigV4 with HMAC-SHA256.
pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

fn push_escaped(out: &mut String, b: u8) {
    out.push('%');
    out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
    out.push(char::from(HEX_UPPER[usize::from(b & 0x0f)]));
}

/// Percent-encodes every byte of `input` outside the unreserved set (and `/` if `keep_slash`),
/// including `%` itself.
pub(crate) fn encode_all(out: &mut String, input: &[u8], keep_slash: bool) {
    for &b in input {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            push_escaped(out, b);
        }
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Re-encodes an already percent-encoded component into its canonical form: each valid `%XX`
/// triplet is decoded and the byte re-emitted (bare if unreserved, else `%XX` upper-case, so an
/// encoded `/` stays encoded); other bytes are encoded as by [`encode_all`].
pub(crate) fn reencode(out: &mut String, input: &[u8], keep_slash: bool) {
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'%'
            && let (Some(h), Some(l)) = (
                input.get(i + 1).copied().and_then(hex_value),
                input.get(i + 2).copied().and_then(hex_value),
            )
        {
            let decoded = (h << 4) | l;
            if is_unreserved(decoded) {
                out.push(char::from(decoded));
            } else {
                push_escaped(out, decoded);
            }
            i += 3;
            continue;
        }
        if is_unreserved(b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            push_escaped(out, b);
        }
        i += 1;
    }
}

/// Decodes valid `%XX` triplets of `input`; other bytes pass through (`+` stays `+`).
pub(crate) fn percent_decode(input: &str) -> String {
    percent_encoding::percent_decode_str(input)
        .decode_utf8_lossy()
        .into_owned()
}

/// RFC 3986 "remove dot segments", also collapsing empty segments, as AWS services expect.
fn normalize_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    if path.starts_with('/') {
        out.push('/');
    }
    out.push_str(&segments.join("/"));
    if path.ends_with('/') && !segments.is_empty() {
        out.push('/');
    }
    out
}

/// The canonical URI of `raw_path` (as received on the wire) for `service`.
pub(crate) fn canonical_path(raw_path: &str, service: &str) -> String {
    let mut out = String::with_capacity(raw_path.len() + 16);
    if raw_path.is_empty() {
        out.push('/');
    } else if service == "s3" {
        reencode(&mut out, raw_path.as_bytes(), true);
    } else {
        encode_all(&mut out, normalize_path(raw_path).as_bytes(), true);
    }
    out
}

/// The canonical query string of `raw_query` (as received on the wire).
pub(crate) fn canonical_query(raw_query: Option<&str>, skip_signature: bool) -> String {
    let Some(raw) = raw_query.filter(|q| !q.is_empty()) else {
        return String::new();
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let mut n = String::with_capacity(name.len());
        reencode(&mut n, name.as_bytes(), false);
        if skip_signature && n == "X-Amz-Signature" {
            continue;
        }
        let mut v = String::with_capacity(value.len());
        reencode(&mut v, value.as_bytes(), false);
        pairs.push((n, v));
    }
    pairs.sort_unstable();
    let mut out = String::with_capacity(raw.len() + 16);
    for (i, (n, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(n);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// Appends `value` trimmed, with runs of whitespace collapsed to one space.
fn push_trimmed(out: &mut Vec<u8>, value: &[u8]) {
    let mut first = true;
    for word in value
        .split(|b| b.is_ascii_whitespace() || *b == 0x0b)
        .filter(|w| !w.is_empty())
    {
        if !first {
            out.push(b' ');
        }
        out.extend_from_slice(word);
        first = false;
    }
}

/// The parts of a request that the canonical request covers.
pub(crate) struct RequestParts<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The request target.
    pub uri: &'a Uri,
    /// The request headers.
    pub headers: &'a HeaderMap,
}

/// Builds the canonical request.
pub(crate) fn canonical_request(
    parts: &RequestParts<'_>,
    service: &str,
    signed_headers: &str,
    payload_hash: &str,
    presigned: bool,
) -> Vec<u8> {
    let path = canonical_path(parts.uri.path(), service);
    let query = canonical_query(parts.uri.query(), presigned);
    let mut out = Vec::with_capacity(256 + path.len() + query.len() + signed_headers.len() * 4);
    out.extend_from_slice(parts.method.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(path.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(query.as_bytes());
    out.push(b'\n');
    for name in signed_headers.split(';') {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        let mut values = parts.headers.get_all(name).iter().peekable();
        if values.peek().is_none() && name == "host" {
            // HTTP/2 carries the host in `:authority`, which lands in the URI.
            if let Some(authority) = parts.uri.authority() {
                push_trimmed(&mut out, authority.as_str().as_bytes());
            }
        }
        let mut first = true;
        for v in values {
            if !first {
                out.push(b',');
            }
            push_trimmed(&mut out, v.as_bytes());
            first = false;
        }
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(signed_headers.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash.as_bytes());
    out
}

/// `AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256 of the canonical request>`.
pub(crate) fn string_to_sign(
    amz_date: &str,
    scope: &CredentialScope,
    canonical_request: &[u8],
) -> String {
    let mut out = String::with_capacity(160);
    out.push_str(ALGORITHM);
    out.push('\n');
    out.push_str(amz_date);
    out.push('\n');
    scope.write_to(&mut out);
    out.push('\n');
    out.push_str(&sha256_hex(canonical_request));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_s3_path_is_normalized_and_double_encoded() {
        assert_eq!(canonical_path("", "iam"), "/");
        assert_eq!(canonical_path("/", "iam"), "/");
        assert_eq!(canonical_path("/a/./b/../c", "iam"), "/a/c");
        assert_eq!(canonical_path("//a//b/", "iam"), "/a/b/");
        assert_eq!(canonical_path("/a%20b", "iam"), "/a%2520b");
        assert_eq!(canonical_path("/..", "iam"), "/");
        assert_eq!(canonical_path("/~user/x y", "lambda"), "/~user/x%20y");
    }

    #[test]
    fn s3_path_is_single_encoded_without_normalization() {
        assert_eq!(canonical_path("/a/./b//c", "s3"), "/a/./b//c");
        assert_eq!(canonical_path("/a%20b", "s3"), "/a%20b");
        assert_eq!(canonical_path("/a b", "s3"), "/a%20b");
        assert_eq!(canonical_path("/a%2fb", "s3"), "/a%2Fb");
        assert_eq!(canonical_path("/%7Euser", "s3"), "/~user");
    }

    #[test]
    fn query_is_encoded_and_sorted() {
        assert_eq!(canonical_query(None, false), "");
        assert_eq!(canonical_query(Some(""), false), "");
        assert_eq!(
            canonical_query(Some("b=2&a=2&a=1&c"), false),
            "a=1&a=2&b=2&c="
        );
        assert_eq!(canonical_query(Some("k=a+b%2fc"), false), "k=a%2Bb%2Fc");
        assert_eq!(canonical_query(Some("k=%7e/"), false), "k=~%2F");
        assert_eq!(canonical_query(Some("X-Amz-Signature=ab&x=1"), true), "x=1");
        assert_eq!(
            canonical_query(Some("X-Amz-Signature=ab&x=1"), false),
            "X-Amz-Signature=ab&x=1"
        );
        // Sorting uses the encoded form: `%` (0x25) sorts before letters.
        assert_eq!(
            canonical_query(Some("a=b&%41=c&%21=d"), false),
            "%21=d&A=c&a=b"
        );
    }

    #[test]
    fn header_values_are_trimmed_and_joined() {
        let mut headers = HeaderMap::new();
        headers.insert("host", "example.com".parse().unwrap());
        headers.append("x-multi", "  a   b  ".parse().unwrap());
        headers.append("x-multi", "c\t d".parse().unwrap());
        let uri: Uri = "/".parse().unwrap();
        let parts = RequestParts {
            method: "GET",
            uri: &uri,
            headers: &headers,
        };
        let creq = canonical_request(&parts, "svc", "host;x-multi", "UNSIGNED-PAYLOAD", false);
        assert_eq!(
            String::from_utf8(creq).unwrap(),
            "GET\n/\n\nhost:example.com\nx-multi:a b,c d\n\nhost;x-multi\nUNSIGNED-PAYLOAD"
        );
    }

    #[test]
    fn host_falls_back_to_authority() {
        let headers = HeaderMap::new();
        let uri: Uri = "https://example.com:8443/x".parse().unwrap();
        let parts = RequestParts {
            method: "GET",
            uri: &uri,
            headers: &headers,
        };
        let creq = canonical_request(&parts, "svc", "host", "h", false);
        assert!(
            String::from_utf8(creq)
                .unwrap()
                .contains("\nhost:example.com:8443\n")
        );
    }
}
