//! Arbitrary method, URI and headers through SigV4 parsing and verification: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::time::{Duration, SystemTime};

fuzz_target!(|data: &[u8]| {
    // Layout: a line for the request target, then header lines "name: value", a blank line,
    // then the body.
    let text = String::from_utf8_lossy(data);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let Some(target) = lines.next() else { return };
    let Ok(uri) = target.parse::<http::Uri>() else { return };
    let mut headers = http::HeaderMap::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(name.trim().as_bytes()),
            http::HeaderValue::from_str(value.trim()),
        ) {
            headers.append(n, v);
        }
    }
    let method = http::Method::POST;
    if let Ok(signed) = rampart_sigv4::parse(&method, &uri, &headers) {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        let _ = signed.check_time(now);
        let key = rampart_sigv4::SigningKey::derive("fuzz-secret", signed.scope());
        let _ = signed.verify(&method, &uri, &headers, body.as_bytes(), &key);
        let _ = rampart_sigv4::decode_chunked(&signed, &headers, body.as_bytes(), &key);
    }
});
