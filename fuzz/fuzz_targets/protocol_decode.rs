//! Arbitrary requests through routing and input decoding of every protocol: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_protocol::RequestHead;

/// The request shapes the first byte selects: each protocol's envelope with fuzzed content.
const SHAPES: &[(&str, &str, &[(&str, &str)])] = &[
    ("POST", "/", &[("content-type", "application/x-www-form-urlencoded")]),
    ("POST", "/", &[("x-amz-target", "TrentService.CreateKey"), ("content-type", "application/x-amz-json-1.1")]),
    ("POST", "/", &[("x-amz-target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"), ("content-type", "application/x-amz-json-1.1")]),
    ("POST", "/service/AWSShield_20160616/operation/CreateProtection", &[("smithy-protocol", "rpc-v2-cbor"), ("content-type", "application/cbor")]),
    ("POST", "/detector", &[("content-type", "application/json")]),
    ("PUT", "/bucket/key?tagging", &[("content-type", "application/xml")]),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let (method, default_path, headers) = SHAPES[selector as usize % SHAPES.len()];
    // The path may come from the input too: up to the first newline.
    let (path, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) if selector & 0x80 != 0 => (String::from_utf8_lossy(&rest[..i]).into_owned(), &rest[i + 1..]),
        _ => (default_path.to_owned(), rest),
    };
    let Ok(uri) = path.parse::<http::Uri>() else { return };
    let Ok(method) = method.parse::<http::Method>() else { return };
    let mut map = http::HeaderMap::new();
    for (n, v) in headers {
        if let (Ok(n), Ok(v)) = (http::HeaderName::from_bytes(n.as_bytes()), http::HeaderValue::from_str(v)) {
            map.insert(n, v);
        }
    }
    let head = RequestHead { method: &method, uri: &uri, headers: &map };
    if let Ok(route) = rampart_protocol::route(&head, body, None) {
        if let Ok(value) = rampart_protocol::decode_input(&route, &head, body) {
            let _ = rampart_protocol::encode_output(&route, &value, "fuzz");
        }
    }
});
