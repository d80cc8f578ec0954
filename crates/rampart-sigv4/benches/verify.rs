//! Cost of authenticating a typical STS `GetCallerIdentity` request: parse + time check +
//! verify with a cached signing key, and the same with the key derived per request.

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};
use http::{HeaderMap, Method, Uri};
use rampart_sigv4::{Credentials, SigningKey, SigningParams, parse, sign};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const BODY: &[u8] = b"Action=GetCallerIdentity&Version=2011-06-15";

fn signed_request(now: SystemTime) -> (Method, Uri, HeaderMap) {
    let creds = Credentials::new("AKIAIOSFODNN7EXAMPLE", SECRET, None);
    let method = Method::POST;
    let uri: Uri = "http://127.0.0.1:4599/".parse().unwrap_or_default();
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        http::HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
    );
    headers.insert(
        "user-agent",
        http::HeaderValue::from_static("aws-cli/1.46.3 botocore/1.44.5"),
    );
    let params = SigningParams::new(&creds, "us-east-1", "sts", now);
    if let Err(e) = sign(&method, &uri, &mut headers, BODY, &params) {
        eprintln!("signing failed: {e}");
    }
    (method, uri, headers)
}

fn bench(c: &mut Criterion) {
    let now = UNIX_EPOCH + Duration::from_secs(1_767_225_600);
    let (method, uri, headers) = signed_request(now);
    let Ok(parsed) = parse(&method, &uri, &headers) else {
        return;
    };
    let cached = SigningKey::derive(SECRET, parsed.scope());

    c.bench_function("sts parse+check_time+verify (cached key)", |b| {
        b.iter(|| {
            let r = parse(black_box(&method), &uri, &headers).ok()?;
            r.check_time(now).ok()?;
            r.verify(&method, &uri, &headers, black_box(BODY), &cached)
                .ok()
        })
    });
    c.bench_function("sts parse+check_time+derive+verify", |b| {
        b.iter(|| {
            let r = parse(black_box(&method), &uri, &headers).ok()?;
            r.check_time(now).ok()?;
            let key = SigningKey::derive(black_box(SECRET), r.scope());
            r.verify(&method, &uri, &headers, black_box(BODY), &key)
                .ok()
        })
    });
    c.bench_function("signing key derivation", |b| {
        b.iter(|| SigningKey::derive(black_box(SECRET), parsed.scope()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
