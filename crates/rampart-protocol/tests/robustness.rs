//! Nothing a client sends, and nothing a handler returns, makes the protocol
//! layer panic.

use http::{HeaderMap, HeaderValue, Method, Uri};
use proptest::prelude::*;
use rampart_protocol::{Models, Protocol, RequestHead, Route, decode_input, encode_output, route};
use serde_json::Value;

fn methods() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        Just(Method::PUT),
        Just(Method::DELETE),
        Just(Method::HEAD)
    ]
}

fn header_sets() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    let target = prop_oneof![
        Just("TrentService.Encrypt".to_owned()),
        Just("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents".to_owned()),
        Just("AWSOrganizationsV20161128.CreateAccount".to_owned()),
        "[A-Za-z_.]{0,30}",
    ];
    let content_type = prop_oneof![
        Just("application/x-www-form-urlencoded".to_owned()),
        Just("application/x-amz-json-1.1".to_owned()),
        Just("application/json".to_owned()),
        Just("application/cbor".to_owned()),
        Just("application/xml".to_owned()),
    ];
    (
        proptest::option::of(target),
        content_type,
        any::<bool>(),
        proptest::option::of("[ -~]{0,20}"),
    )
        .prop_map(|(target, ct, cbor, other)| {
            let mut h = vec![("content-type", ct)];
            if let Some(t) = target {
                h.push(("x-amz-target", t));
            }
            if cbor {
                h.push(("smithy-protocol", "rpc-v2-cbor".to_owned()));
            }
            if let Some(o) = other {
                h.push(("x-amz-copy-source", o.clone()));
                h.push(("x-amz-meta-m", o));
            }
            h
        })
}

fn paths() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/".to_owned()),
        Just("/service/AWSShield_20160616/operation/ListAttacks".to_owned()),
        Just("/service/ACMPrivateCA/operation/IssueCertificate".to_owned()),
        Just("/detector/d/findings/get".to_owned()),
        Just("/bucket?tagging".to_owned()),
        Just("/bucket/key?uploads".to_owned()),
        Just("/bucket?delete".to_owned()),
        Just("/?Action=ListUsers&Version=2010-05-08&MaxItems=x".to_owned()),
        "/[a-z%0-9/]{0,20}(\\?[a-z=&%]{0,20})?",
    ]
}

fn bodies() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        "[ -~]{0,200}".prop_map(String::into_bytes),
        Just(b"Action=AssumeRole&Version=2011-06-15&Tags.member.1.Key=a&Tags.member.99999999999.Value=b".to_vec()),
        Just(b"{\"Plaintext\": 5, \"EncryptionContext\": [1]}".to_vec()),
        Just(b"<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>".to_vec()),
        Just(vec![0xbf, 0x64, b'N', b'a', b'm', b'e', 0xc1, 0xfb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0, 0xff]),
    ]
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[ -~]{0,10}".prop_map(Value::String),
        Just(Value::String("aGk=".into())),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("Tags".to_owned()),
                    Just("Credentials".to_owned()),
                    Just("Expiration".to_owned()),
                    Just("Body".to_owned()),
                    Just("Metadata".to_owned()),
                    Just("LastModified".to_owned()),
                    Just("Users".to_owned()),
                    Just("AttackSummaries".to_owned()),
                    "[A-Za-z]{1,8}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_request_routes_or_fails_cleanly(
        method in methods(), path in paths(), headers in header_sets(), body in bodies(),
        signing in proptest::option::of(prop_oneof![Just("s3"), Just("iam"), Just("kms"), Just("guardduty"), Just("shield")]),
    ) {
        let Ok(uri) = path.parse::<Uri>() else { return Ok(()) };
        let mut map = HeaderMap::new();
        for (k, v) in &headers {
            if let Ok(v) = HeaderValue::from_str(v) {
                map.insert(*k, v);
            }
        }
        let head = RequestHead { method: &method, uri: &uri, headers: &map };
        match route(&head, &body, signing) {
            Ok(r) => { let _ = decode_input(&r, &head, &body); }
            Err(e) => { let _ = e.to_response("r"); }
        }
    }

    #[test]
    fn any_output_encodes(output in arbitrary_json(), pick in 0usize..12) {
        let cases = [
            ("sts", "AssumeRole"), ("iam", "ListUsers"), ("iam", "GetAccountSummary"), ("kms", "Encrypt"),
            ("cloudtrail", "LookupEvents"), ("guardduty", "GetDetector"), ("s3", "GetObject"), ("s3", "ListObjectsV2"),
            ("s3", "HeadObject"), ("shield", "ListAttacks"), ("acm-pca", "GetCertificate"), ("s3", "GetBucketLocation"),
        ];
        let (svc, op) = cases[pick];
        let service = Models::get().service(svc).unwrap();
        let operation = service.operation(op).unwrap();
        let r = Route { service, operation, protocol: service.protocol() };
        let _ = encode_output(&r, &output, "rid");
        let as_json = Route { protocol: Protocol::AwsJson11, ..r };
        let _ = encode_output(&as_json, &output, "rid");
    }
}

/// A recorded request: method, URI, headers, body.
type Recorded = (Method, String, Vec<(String, String)>, Vec<u8>);

/// Real botocore requests (from the fixtures), parsed once.
fn fixture_requests() -> &'static [Recorded] {
    use base64::Engine;
    static CASES: std::sync::OnceLock<Vec<Recorded>> = std::sync::OnceLock::new();
    CASES.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/generated-requests.json");
        let cases: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        cases
            .iter()
            .map(|c| {
                let headers = c["headers"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                    .collect();
                let body = base64::engine::general_purpose::STANDARD
                    .decode(c["body_base64"].as_str().unwrap())
                    .unwrap();
                (
                    c["method"].as_str().unwrap().parse().unwrap(),
                    c["uri"].as_str().unwrap().to_owned(),
                    headers,
                    body,
                )
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Real requests with corrupted bodies and URIs fail cleanly.
    #[test]
    fn mutated_real_requests_fail_cleanly(
        pick in any::<proptest::sample::Index>(),
        flips in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 0..4),
        cut in proptest::option::of(any::<proptest::sample::Index>()),
        uri_flip in proptest::option::of((any::<proptest::sample::Index>(), "[ -~]")),
    ) {
        let (method, uri, headers, body) = &fixture_requests()[pick.index(fixture_requests().len())];
        let mut body = body.clone();
        if !body.is_empty() {
            for (at, byte) in &flips {
                let i = at.index(body.len());
                body[i] = *byte;
            }
            if let Some(cut) = cut {
                body.truncate(cut.index(body.len()));
            }
        }
        let mut uri = uri.clone();
        if let Some((at, c)) = uri_flip {
            let chars: Vec<char> = uri.chars().collect();
            let i = at.index(chars.len());
            uri = chars[..i].iter().chain(c.chars().collect::<Vec<_>>().iter()).chain(&chars[i + 1..]).collect();
        }
        let Ok(uri) = uri.parse::<Uri>() else { return Ok(()) };
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            if let (Ok(k), Ok(v)) = (http::HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
                map.insert(k, v);
            }
        }
        let head = RequestHead { method, uri: &uri, headers: &map };
        if let Ok(r) = route(&head, &body, None) {
            let _ = decode_input(&r, &head, &body);
        }
    }
}
