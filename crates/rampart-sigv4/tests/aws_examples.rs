//! The worked examples published in AWS's SigV4 and S3 documentation, re-expressed as tests.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use rampart_sigv4::{
    ErrorKind, Form, PayloadClaim, SigningKey, decode_chunked, encode_chunked, parse,
};

/// The secret of AWS's general SigV4 examples (IAM ListUsers, the SigV4 test suite).
const GENERAL_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// The secret of AWS's S3 examples (note `/bPxRfiCY`, not `+bPxRfiCY`).
const S3_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    h
}

fn time(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// 20150830T123600Z
const T_2015: u64 = 1_440_938_160;
/// 20130524T000000Z
const T_2013: u64 = 1_369_353_600;

fn verify(
    method: Method,
    uri: &str,
    h: &HeaderMap,
    body: &[u8],
    secret: &str,
    now: u64,
) -> Result<rampart_sigv4::SignedRequest, rampart_sigv4::Error> {
    let uri: Uri = uri.parse().unwrap();
    let r = parse(&method, &uri, h)?;
    r.check_time(time(now))?;
    let key = SigningKey::derive(secret, r.scope());
    r.verify(&method, &uri, h, body, &key)?;
    Ok(r)
}

#[test]
fn iam_list_users_example() {
    let h = headers(&[
        ("host", "iam.amazonaws.com"),
        (
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        ),
        ("x-amz-date", "20150830T123600Z"),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, \
             Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
        ),
    ]);
    let url = "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08";
    verify(Method::GET, url, &h, b"", GENERAL_SECRET, T_2015).unwrap();
    let e = verify(Method::POST, url, &h, b"", GENERAL_SECRET, T_2015).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignatureDoesNotMatch);
}

#[test]
fn sigv4_test_suite_get_vanilla() {
    let h = headers(&[
        ("host", "example.amazonaws.com"),
        ("x-amz-date", "20150830T123600Z"),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ),
    ]);
    verify(Method::GET, "/", &h, b"", GENERAL_SECRET, T_2015).unwrap();
}

#[test]
fn s3_get_object_example() {
    let h = headers(&[
        ("host", "examplebucket.s3.amazonaws.com"),
        ("range", "bytes=0-9"),
        (
            "x-amz-content-sha256",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        ("x-amz-date", "20130524T000000Z"),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,\
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        ),
    ]);
    verify(Method::GET, "/test.txt", &h, b"", S3_SECRET, T_2013).unwrap();
}

#[test]
fn s3_put_object_example() {
    let body = b"Welcome to Amazon S3.";
    let h = headers(&[
        ("host", "examplebucket.s3.amazonaws.com"),
        ("date", "Fri, 24 May 2013 00:00:00 GMT"),
        ("x-amz-date", "20130524T000000Z"),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        (
            "x-amz-content-sha256",
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
        ),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
             SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,\
             Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
        ),
    ]);
    verify(Method::PUT, "/test$file.text", &h, body, S3_SECRET, T_2013).unwrap();
    // The signature holds but the body does not match the claimed hash.
    let e = verify(
        Method::PUT,
        "/test$file.text",
        &h,
        b"Welcome to Amazon S4.",
        S3_SECRET,
        T_2013,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ContentSha256Mismatch);
    assert_eq!(
        e.aws_code(rampart_sigv4::Family::S3),
        "XAmzContentSHA256Mismatch"
    );
}

#[test]
fn s3_presigned_url_example() {
    let url = "https://examplebucket.s3.amazonaws.com/test.txt\
               ?X-Amz-Algorithm=AWS4-HMAC-SHA256\
               &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
               &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
               &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
    let h = headers(&[("host", "examplebucket.s3.amazonaws.com")]);
    // Valid for a day: a day later it still verifies, one second more and it has expired.
    let r = verify(Method::GET, url, &h, b"", S3_SECRET, T_2013 + 86_400).unwrap();
    assert_eq!(r.form(), Form::Presigned);
    assert_eq!(r.payload(), &PayloadClaim::Unsigned);
    let e = r.check_time(time(T_2013 + 86_401)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RequestExpired);
}

const SEED: &str = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
const CHUNK1: &str = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
const CHUNK2: &str = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497";
const FINAL: &str = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9";

fn chunked_example_headers() -> HeaderMap {
    headers(&[
        ("host", "s3.amazonaws.com"),
        ("x-amz-date", "20130524T000000Z"),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ("content-encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", "66560"),
        ("content-length", "66824"),
        ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        (
            "authorization",
            &format!(
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
                 SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;\
                 x-amz-decoded-content-length;x-amz-storage-class,Signature={SEED}"
            ),
        ),
    ])
}

fn chunked_example_body() -> Vec<u8> {
    let mut body = format!("10000;chunk-signature={CHUNK1}\r\n").into_bytes();
    body.extend(std::iter::repeat_n(b'a', 65_536));
    body.extend_from_slice(format!("\r\n400;chunk-signature={CHUNK2}\r\n").as_bytes());
    body.extend(std::iter::repeat_n(b'a', 1024));
    body.extend_from_slice(format!("\r\n0;chunk-signature={FINAL}\r\n\r\n").as_bytes());
    body
}

#[test]
fn s3_chunked_upload_example() {
    let h = chunked_example_headers();
    let body = chunked_example_body();
    assert_eq!(body.len(), 66_824);
    let url = "/examplebucket/chunkObject.txt";
    let r = verify(Method::PUT, url, &h, &body, S3_SECRET, T_2013).unwrap();
    assert_eq!(r.payload(), &PayloadClaim::StreamingSigned);
    let key = SigningKey::derive(S3_SECRET, r.scope());
    let decoded = decode_chunked(&r, &h, &body, &key).unwrap();
    assert_eq!(decoded.payload, vec![b'a'; 66_560]);
    assert!(decoded.trailers.is_empty());

    // Our encoder produces exactly the published body.
    let data = vec![b'a'; 66_560];
    let encoded = encode_chunked(
        &key,
        time(T_2013),
        SEED,
        &[&data[..65_536], &data[65_536..]],
        &[],
    )
    .unwrap();
    assert_eq!(encoded, body);

    // A changed byte of data, a wrong chunk signature, a truncation, a wrong declared length.
    let mut tampered = body.clone();
    tampered[200] = b'b';
    let e = decode_chunked(&r, &h, &tampered, &key).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChunkSignatureDoesNotMatch);

    let swapped = String::from_utf8(body.clone())
        .unwrap()
        .replace(CHUNK2, CHUNK1)
        .into_bytes();
    let e = decode_chunked(&r, &h, &swapped, &key).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChunkSignatureDoesNotMatch);

    for cut in [10, 100, 65_600, body.len() - 2, body.len() - 1] {
        let e = decode_chunked(&r, &h, &body[..cut], &key).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::IncompleteBody),
            "cut at {cut}: {e:?}"
        );
    }

    let mut h2 = h.clone();
    h2.insert(
        "x-amz-decoded-content-length",
        HeaderValue::from_static("66561"),
    );
    let e = decode_chunked(&r, &h2, &body, &key).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DecodedContentLengthMismatch);
}

#[test]
fn s3_chunked_upload_with_trailer_example() {
    // AWS's "signed payload with trailing checksum" example: same data, seed 106e2a8a...,
    // CRC32C trailer sOO8/Q==.
    let key = SigningKey::derive(
        S3_SECRET,
        &rampart_sigv4::CredentialScope::new("20130524", "us-east-1", "s3"),
    );
    let data = vec![b'a'; 66_560];
    let body = encode_chunked(
        &key,
        time(T_2013),
        "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
        &[&data[..65_536], &data[65_536..]],
        &[("x-amz-checksum-crc32c", "sOO8/Q==")],
    )
    .unwrap();
    let text = String::from_utf8_lossy(&body);
    for sig in [
        "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
        "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
        "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
        "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n",
    ] {
        assert!(text.contains(sig), "{sig}");
    }

    // And the decoder accepts it, checking the chain from that seed and the trailer signature.
    let h = headers(&[
        ("host", "s3.amazonaws.com"),
        ("x-amz-date", "20130524T000000Z"),
        (
            "x-amz-content-sha256",
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
        ),
        ("x-amz-trailer", "x-amz-checksum-crc32c"),
        ("x-amz-decoded-content-length", "66560"),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
             SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-trailer,\
             Signature=106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
        ),
    ]);
    let r = parse(
        &Method::PUT,
        &"/examplebucket/chunkObject.txt".parse().unwrap(),
        &h,
    )
    .unwrap();
    let decoded = decode_chunked(&r, &h, &body, &key).unwrap();
    assert_eq!(decoded.payload, data);
    assert_eq!(
        decoded.trailers,
        [("x-amz-checksum-crc32c".to_owned(), "sOO8/Q==".to_owned())]
    );
    let tampered = String::from_utf8(body.clone())
        .unwrap()
        .replace("sOO8/Q==", "sOO8/Q=A")
        .into_bytes();
    let e = decode_chunked(&r, &h, &tampered, &key).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChunkSignatureDoesNotMatch);
}
