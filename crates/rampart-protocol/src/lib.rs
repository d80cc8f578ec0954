//! The AWS wire, driven by botocore's models: route an HTTP request to a
//! (service, operation), decode its input into one canonical JSON value, and
//! encode a handler's output or an AWS error the way the protocol requires.
//!
//! This crate knows nothing of services' logic, authentication or storage. It
//! must never panic on any input, and never log or echo secrets.
//!
//! # Flow
//! [`route`] → [`decode_input`] → handler → [`encode_output`] or [`encode_error`].
//! A request that does not route gives a [`RouteError`] that encodes itself.
//!
//! # Canonical value
//! The awsJson form of the operation's shape, keyed by member names (never wire
//! names): structures are objects, lists arrays, maps objects, timestamps
//! epoch-second numbers (fractions allowed), blobs base64 strings, documents
//! JSON. Unknown members are dropped; required members are not checked here.
//!
//! # Unreadable input
//! | protocol | error |
//! |---|---|
//! | awsQuery | `InvalidParameterValue` 400 (bad value), `MalformedQueryString` 400 (body not UTF-8) |
//! | awsJson, restJson1, rpc-v2-cbor | `SerializationException` 400 |
//! | restXml (S3) | `MalformedXML` 400 (body), `InvalidArgument` 400 (header / query value) |
//!
//! # Models
//! `models/*.json` are botocore's models trimmed by `tools/gen_models.py`
//! (`--check` reports drift). They are embedded and parsed on first use.
//!
//! # Checking against botocore
//! `testdata/fixtures.py generate` serializes requests with botocore into
//! `testdata/requests.json` (decoded by `tests/fixtures.rs`); to check that
//! botocore's parsers read rampart's encodings:
//! ```text
//! RAMPART_PROTOCOL_ENCODINGS=/tmp/rampart-encodings cargo test -p rampart-protocol --test fixtures
//! /tmp/venv/bin/python crates/rampart-protocol/testdata/fixtures.py check /tmp/rampart-encodings
//! ```
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod aws_json;
mod cbor;
mod error;
mod json_body;
mod model;
mod protocol;
mod query;
mod request;
mod response;
mod rest;
mod rest_json;
mod rest_xml;
mod route;
mod scalar;
mod shapes;
mod template;
mod xml_read;
mod xml_write;

use serde_json::Value;

pub use error::{AwsError, Fault};
pub use model::{
    ErrorBinding, HttpBinding, Location, MemberRef, Metadata, Models, Operation, OperationInput,
    OperationOutput, ServiceModel, Shape, ShapeType, XmlNamespace,
};
pub use protocol::Protocol;
pub use request::RequestHead;
pub use response::Response;
pub use route::{Route, RouteError, route};
pub use scalar::{TimestampFormat, format_timestamp, parse_timestamp};

/// Decodes a routed request's input into the canonical JSON value.
pub fn decode_input(route: &Route, head: &RequestHead, body: &[u8]) -> Result<Value, AwsError> {
    match route.protocol {
        Protocol::AwsQuery => query::decode(route, head, body),
        Protocol::AwsJson10 | Protocol::AwsJson11 => aws_json::decode(route, body),
        Protocol::RestJson1 => rest_json::decode(route, head, body),
        Protocol::RestXml => rest_xml::decode(route, head, body),
        Protocol::RpcV2Cbor => cbor::decode(route, body),
    }
}

/// Encodes a handler's canonical output as the protocol's success response.
pub fn encode_output(route: &Route, output: &Value, request_id: &str) -> Response {
    match route.protocol {
        Protocol::AwsQuery => query::encode_output(route, output, request_id),
        Protocol::AwsJson10 | Protocol::AwsJson11 => {
            aws_json::encode_output(route, output, request_id)
        }
        Protocol::RestJson1 => rest_json::encode_output(route, output, request_id),
        Protocol::RestXml => rest_xml::encode_output(route, output, request_id),
        Protocol::RpcV2Cbor => cbor::encode_output(route, output, request_id),
    }
}

/// Encodes an AWS error in a protocol (`service` supplies the XML namespace and
/// query-compatibility; pass `None` when the service is unknown).
pub fn encode_error(
    protocol: Protocol,
    service: Option<&ServiceModel>,
    err: &AwsError,
    request_id: &str,
) -> Response {
    match protocol {
        Protocol::AwsQuery => query::encode_error(service, err, request_id),
        Protocol::AwsJson10 | Protocol::AwsJson11 => {
            aws_json::encode_error(protocol, service, err, request_id)
        }
        Protocol::RestJson1 => rest_json::encode_error(service, err, request_id),
        Protocol::RestXml => rest_xml::encode_error(err, request_id),
        Protocol::RpcV2Cbor => cbor::encode_error(service, err, request_id),
    }
}
