//! Hand-written wire facts: request forms the botocore fixtures do not cover,
//! each protocol's error for unreadable input, and each protocol's error shape.

use http::{HeaderMap, HeaderValue, Method, Uri};
use rampart_protocol::{
    AwsError, Models, Protocol, RequestHead, decode_input, encode_error, encode_output, route,
};
use serde_json::{Value, json};

struct Req {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
}

impl Req {
    fn new(method: &str, uri: &str, headers: &[(&'static str, &str)]) -> Req {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        Req {
            method: method.parse().unwrap(),
            uri: uri.parse().unwrap(),
            headers: map,
        }
    }

    fn head(&self) -> RequestHead<'_> {
        RequestHead {
            method: &self.method,
            uri: &self.uri,
            headers: &self.headers,
        }
    }

    fn decode(&self, body: &[u8], signing: Option<&str>) -> Result<Value, AwsError> {
        let r = route(&self.head(), body, signing).map_err(|e| e.error)?;
        decode_input(&r, &self.head(), body)
    }
}

#[test]
fn s3_virtual_host_requests_decode_the_bucket() {
    let req = Req::new("PUT", "/dir/file.txt", &[("host", "photos.localhost:4599")]);
    let v = req.decode(b"abc", Some("s3")).unwrap();
    assert_eq!(v["Bucket"], "photos");
    assert_eq!(v["Key"], "dir/file.txt");
    assert_eq!(v["Body"], "YWJj");
}

#[test]
fn unreadable_input_gets_each_protocols_error() {
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let e = Req::new("POST", "/", &form)
        .decode(
            b"Action=ListUsers&Version=2010-05-08&MaxItems=x",
            Some("iam"),
        )
        .unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("InvalidParameterValue", 400));
    let e = Req::new("POST", "/", &form)
        .decode(b"Action=ListUsers&Version=2010-05-08\xff", Some("iam"))
        .unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("MalformedQueryString", 400));

    let json = [
        ("x-amz-target", "TrentService.ListKeys"),
        ("content-type", "application/x-amz-json-1.1"),
    ];
    let e = Req::new("POST", "/", &json)
        .decode(b"{\"Limit\":", Some("kms"))
        .unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("SerializationException", 400));

    let e = Req::new("POST", "/detector", &[])
        .decode(b"[", Some("guardduty"))
        .unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("SerializationException", 400));
    let e = Req::new("GET", "/detector?maxResults=many", &[])
        .decode(b"", Some("guardduty"))
        .unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("SerializationException", 400));

    let e = Req::new("PUT", "/b?tagging", &[])
        .decode(b"<Tagging><TagSet>", Some("s3"))
        .unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("MalformedXML", 400));
    let e = Req::new("GET", "/b?list-type=2&max-keys=lots", &[])
        .decode(b"", Some("s3"))
        .unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("InvalidArgument", 400));

    let cbor = [("smithy-protocol", "rpc-v2-cbor")];
    let e = Req::new(
        "POST",
        "/service/AWSShield_20160616/operation/ListAttacks",
        &cbor,
    )
    .decode(b"\xff\x00", None)
    .unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("SerializationException", 400));
}

#[test]
fn aws_json_answers_in_the_version_it_was_asked() {
    let req = Req::new(
        "POST",
        "/",
        &[
            ("x-amz-target", "NetworkFirewall_20201112.ListFirewalls"),
            ("content-type", "application/x-amz-json-1.0"),
        ],
    );
    let r = route(&req.head(), b"{}", None).unwrap();
    assert_eq!(r.protocol, Protocol::AwsJson10);
    let out = encode_output(&r, &json!({"Firewalls": []}), "rid");
    assert_eq!(
        out.header("content-type"),
        Some("application/x-amz-json-1.0")
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&out.body).unwrap(),
        json!({"Firewalls": []})
    );
}

#[test]
fn error_shapes() {
    let models = Models::get();
    let err = AwsError::new("NoSuchKey", 404, "The specified key does not exist.")
        .with_extra("Key", "a&b");
    let r = encode_error(Protocol::RestXml, models.service("s3"), &err, "rid");
    assert_eq!(r.status, 404);
    assert_eq!(r.header("x-amz-request-id"), Some("rid"));
    assert_eq!(r.header("x-amzn-requestid"), Some("rid"));
    assert_eq!(
        std::str::from_utf8(&r.body).unwrap(),
        "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>\
         <Key>a&amp;b</Key><RequestId>rid</RequestId></Error>"
    );

    let err = AwsError::new("BadRequestException", 400, "bad");
    let r = encode_error(
        Protocol::RestJson1,
        models.service("guardduty"),
        &err,
        "rid",
    );
    assert_eq!(r.header("x-amzn-errortype"), Some("BadRequestException"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        serde_json::from_slice::<Value>(&r.body).unwrap(),
        json!({"__type": "BadRequestException", "message": "bad"})
    );

    let err = AwsError::new("ConstraintViolationException", 400, "m")
        .with_extra("Reason", "ACCOUNT_NUMBER_LIMIT_EXCEEDED");
    let r = encode_error(
        Protocol::AwsJson11,
        models.service("organizations"),
        &err,
        "rid",
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&r.body).unwrap(),
        json!({"__type": "ConstraintViolationException", "message": "m", "Reason": "ACCOUNT_NUMBER_LIMIT_EXCEEDED"})
    );

    let err = AwsError::internal();
    let r = encode_error(Protocol::AwsQuery, models.service("sts"), &err, "rid");
    assert_eq!(r.status, 500);
    assert!(
        std::str::from_utf8(&r.body)
            .unwrap()
            .contains("<Type>Receiver</Type><Code>InternalFailure</Code>")
    );
}

#[test]
fn query_response_document() {
    let sts = Models::get().service("sts").unwrap();
    let r = rampart_protocol::Route {
        service: sts,
        operation: sts.operation("GetCallerIdentity").unwrap(),
        protocol: Protocol::AwsQuery,
    };
    let out = encode_output(
        &r,
        &json!({"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:root", "UserId": "123456789012"}),
        "rid",
    );
    assert_eq!(out.header("content-type"), Some("text/xml"));
    assert_eq!(
        std::str::from_utf8(&out.body).unwrap(),
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>\
         <Account>123456789012</Account><Arn>arn:aws:iam::123456789012:root</Arn><UserId>123456789012</UserId>\
         </GetCallerIdentityResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
    );
}
