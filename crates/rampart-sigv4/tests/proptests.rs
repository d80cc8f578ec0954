//! Properties: what we sign verifies, any mutation of a signed part fails, and no input makes
//! parse, verify or decode_chunked panic.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;
use rampart_sigv4::{
    CredentialScope, Credentials, PayloadClaim, SigningKey, SigningParams, decode_chunked,
    encode_chunked, parse, presign, sign,
};

#[derive(Debug, Clone)]
struct Spec {
    method: Method,
    service: &'static str,
    segments: Vec<String>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    unsigned: bool,
    token: Option<String>,
    secs: u64,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::sample::select(vec![Method::GET, Method::POST, Method::PUT, Method::DELETE]),
        prop::sample::select(vec!["sts", "iam", "s3", "execute-api", "kms"]),
        prop::collection::vec("[a-zA-Z0-9 ._~+%/é✓-]{0,8}", 0..4),
        prop::collection::vec(
            ("[a-zA-Z0-9 _.=&/é-]{1,6}", "[a-zA-Z0-9 _.=&/+é-]{0,6}"),
            0..4,
        ),
        prop::collection::vec(("x-[a-z]{1,8}", "[ -~]{0,16}"), 0..4),
        prop::collection::vec(any::<u8>(), 0..64),
        any::<bool>(),
        prop::option::of("[A-Za-z0-9+/=]{4,40}"),
        1_000_000_000u64..4_000_000_000,
    )
        .prop_map(
            |(method, service, segments, query, headers, body, unsigned, token, secs)| Spec {
                method,
                service,
                segments,
                query,
                headers,
                body,
                unsigned,
                token,
                secs,
            },
        )
}

fn enc(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

impl Spec {
    fn time(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.secs)
    }

    fn uri(&self) -> Uri {
        let path: String = self
            .segments
            .iter()
            .map(|s| format!("/{}", enc(s)))
            .collect();
        let path = if path.is_empty() {
            "/".to_owned()
        } else {
            path
        };
        let query: Vec<String> = self
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        let q = if query.is_empty() {
            String::new()
        } else {
            format!("?{}", query.join("&"))
        };
        format!("https://svc.example.com{path}{q}").parse().unwrap()
    }

    fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in &self.headers {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }
}

const SECRET: &str = "prop/secret+key";

fn verify_ok(method: &Method, uri: &Uri, h: &HeaderMap, body: &[u8], now: SystemTime) -> bool {
    let Ok(r) = parse(method, uri, h) else {
        return false;
    };
    if r.check_time(now).is_err() {
        return false;
    }
    let key = SigningKey::derive(SECRET, r.scope());
    r.verify(method, uri, h, body, &key).is_ok()
}

fn signed(s: &Spec) -> (Uri, HeaderMap) {
    let creds = Credentials::new("AKIDPROP", SECRET, s.token.clone());
    let mut params = SigningParams::new(&creds, "us-east-1", s.service, s.time());
    if s.unsigned {
        params.payload = PayloadClaim::Unsigned;
    }
    let uri = s.uri();
    let mut h = s.headers();
    sign(&s.method, &uri, &mut h, &s.body, &params).unwrap();
    (uri, h)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn sign_then_verify(s in spec()) {
        let (uri, h) = signed(&s);
        prop_assert!(verify_ok(&s.method, &uri, &h, &s.body, s.time()));
        let r = parse(&s.method, &uri, &h).unwrap();
        prop_assert_eq!(r.access_key_id(), "AKIDPROP");
        prop_assert_eq!(r.security_token(), s.token.as_deref());
    }

    #[test]
    fn any_mutation_fails(s in spec(), which in 0usize..6, pick in any::<prop::sample::Index>()) {
        let (uri, mut h) = signed(&s);
        let mut method = s.method.clone();
        let mut body = s.body.clone();
        let mut uri = uri;
        match which {
            0 => method = if method == Method::GET { Method::HEAD } else { Method::GET },
            1 => {
                let pq = format!("{}x{}", uri.path(), uri.query().map(|q| format!("?{q}")).unwrap_or_default());
                uri = format!("https://svc.example.com{pq}").parse().unwrap();
            }
            2 => {
                let sep = if uri.query().is_some() { "&" } else { "?" };
                uri = format!("{uri}{sep}extra=1").parse().unwrap();
            }
            3 => {
                let names: Vec<HeaderName> = h.keys().filter(|n| n.as_str() != "authorization").cloned().collect();
                let name = pick.get(&names).clone();
                let old = h.get(&name).unwrap().to_str().unwrap().to_owned();
                h.insert(name, HeaderValue::from_str(&format!("{old}Z")).unwrap());
            }
            4 => {
                if s.unsigned { return Ok(()); }
                if body.is_empty() { body.push(0) } else { let i = pick.index(body.len()); body[i] ^= 0x40 }
            }
            _ => {
                let host = if uri.host() == Some("svc.example.com") { "other.example.com" } else { "svc.example.com" };
                h.insert("host", HeaderValue::from_static(host));
            }
        }
        prop_assert!(!verify_ok(&method, &uri, &h, &body, s.time()));
    }

    #[test]
    fn presign_then_verify(s in spec(), expires in 1u64..=604_800) {
        let creds = Credentials::new("AKIDPROP", SECRET, s.token.clone());
        let params = SigningParams::new(&creds, "us-east-1", s.service, s.time());
        let h = s.headers();
        let uri = presign(&Method::GET, &s.uri(), &h, &params, Duration::from_secs(expires)).unwrap();
        prop_assert!(verify_ok(&Method::GET, &uri, &h, b"", s.time() + Duration::from_secs(expires)));
        let r = parse(&Method::GET, &uri, &h).unwrap();
        prop_assert!(r.check_time(s.time() + Duration::from_secs(expires + 1)).is_err());
        prop_assert!(!verify_ok(&Method::PUT, &uri, &h, b"", s.time()));
    }

    #[test]
    fn chunked_round_trip(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..50), 0..5),
                          trailer in prop::option::of("[A-Za-z0-9+/=]{1,12}"),
                          flip in any::<prop::sample::Index>()) {
        let scope = CredentialScope::new("20260101", "us-east-1", "s3");
        let key = SigningKey::derive(SECRET, &scope);
        let t = UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        let claim = if trailer.is_some() { "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" } else { "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" };
        let mut h = HeaderMap::new();
        h.insert("x-amz-date", HeaderValue::from_static("20260101T000000Z"));
        h.insert("x-amz-content-sha256", HeaderValue::from_static(claim));
        h.insert("authorization", HeaderValue::from_static(
            "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0123abcd"));
        let r = parse(&Method::PUT, &"/b/k".parse().unwrap(), &h).unwrap();
        let slices: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
        let trailers: Vec<(&str, &str)> = trailer.iter().map(|v| ("x-amz-checksum-crc32", v.as_str())).collect();
        let body = encode_chunked(&key, t, r.signature(), &slices, &trailers).unwrap();
        let decoded = decode_chunked(&r, &h, &body, &key).unwrap();
        prop_assert_eq!(decoded.payload, chunks.concat());
        prop_assert_eq!(decoded.trailers.len(), trailers.len());
        let mut bad = body.clone();
        let i = flip.index(bad.len());
        bad[i] ^= 0x01;
        prop_assert!(decode_chunked(&r, &h, &bad, &key).is_err());
    }

    #[test]
    fn never_panics(auth in "[ -~]{0,200}",
                    auth_shaped in "AWS4-HMAC-SHA256 (Credential=[a-z0-9/_]{0,40})?,? ?(SignedHeaders=[a-z;-]{0,30})?,? ?(Signature=[0-9a-f]{0,64})?",
                    date in "[0-9TZ]{0,20}",
                    sha in "[ -~]{0,70}",
                    query in "[a-zA-Z0-9%=&/_.~+-]{0,120}",
                    path in "(/[a-zA-Z0-9%._~-]{0,10}){0,5}",
                    body in prop::collection::vec(any::<u8>(), 0..200),
                    use_shaped in any::<bool>()) {
        let pq = format!("{}?{query}", if path.is_empty() { "/" } else { &path });
        let Ok(uri) = pq.parse::<Uri>() else { return Ok(()) };
        let mut h = HeaderMap::new();
        let a = if use_shaped { &auth_shaped } else { &auth };
        if let Ok(v) = HeaderValue::from_str(a) { h.insert("authorization", v); }
        if let Ok(v) = HeaderValue::from_str(&date) { h.insert("x-amz-date", v); }
        if let Ok(v) = HeaderValue::from_str(&sha) { h.insert("x-amz-content-sha256", v); }
        for m in [Method::GET, Method::POST] {
            if let Ok(r) = parse(&m, &uri, &h) {
                let _ = r.check_time(UNIX_EPOCH);
                let _ = r.check_time(UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX) * 100));
                let key = SigningKey::derive("k", r.scope());
                let _ = r.verify(&m, &uri, &h, &body, &key);
                let _ = decode_chunked(&r, &h, &body, &key);
                let _ = format!("{r:?}");
            }
        }
        // Presigned parsing of the same query, without the header.
        let _ = parse(&Method::GET, &uri, &HeaderMap::new());
    }

    #[test]
    fn never_panics_on_raw_header_bytes(values in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..120), 4),
                                        body in prop::collection::vec(any::<u8>(), 0..100)) {
        let names = ["authorization", "x-amz-date", "x-amz-content-sha256", "date"];
        let mut h = HeaderMap::new();
        for (name, v) in names.iter().zip(&values) {
            if let Ok(v) = HeaderValue::from_bytes(v) { h.insert(*name, v); }
        }
        let uri: Uri = "/".parse().unwrap();
        if let Ok(r) = parse(&Method::GET, &uri, &h) {
            let _ = r.check_time(UNIX_EPOCH);
            let key = SigningKey::derive("k", r.scope());
            let _ = r.verify(&Method::GET, &uri, &h, &body, &key);
            let _ = decode_chunked(&r, &h, &body, &key);
        }
    }
}
