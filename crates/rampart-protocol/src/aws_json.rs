//! awsJson 1.0 / 1.1: `X-Amz-Target` requests with JSON bodies.

use serde_json::{Map, Value};

use crate::error::AwsError;
use crate::json_body::{self, Members};
use crate::model::ServiceModel;
use crate::protocol::Protocol;
use crate::response::Response;
use crate::route::Route;

/// The error awsJson services answer to a body they cannot read.
pub fn serialization_error(message: impl Into<String>) -> AwsError {
    AwsError::new("SerializationException", 400, message)
}

/// Parses a JSON body (empty means `{}`), mapping failures to `SerializationException`.
pub fn parse_body(body: &[u8]) -> Result<Value, AwsError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_slice(body)
        .map_err(|_| serialization_error("The request body is not valid JSON"))
}

/// Decodes an awsJson request body into the canonical input.
pub fn decode(route: &Route, body: &[u8]) -> Result<Value, AwsError> {
    let value = parse_body(body)?;
    match &route.operation.input {
        Some(input) => json_body::decode(route.service, &input.shape, &value, Members::All)
            .map_err(|e| serialization_error(e.0)),
        None => Ok(Value::Object(Map::new())),
    }
}

/// Encodes a handler's output.
pub fn encode_output(route: &Route, output: &Value, request_id: &str) -> Response {
    let body = match &route.operation.output {
        Some(out) => json_body::encode(route.service, &out.shape, output, Members::All),
        None => Value::Object(Map::new()),
    };
    Response::new(
        200,
        route.protocol.content_type(),
        body.to_string(),
        request_id,
    )
}

/// The JSON error document shared by awsJson, restJson1 (and, as CBOR, rpc-v2-cbor):
/// `{"__type": code, "message": message, ...extra}`.
pub fn error_document(err: &AwsError) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("__type".to_owned(), Value::String(err.code.to_string()));
    body.insert("message".to_owned(), Value::String(err.message.clone()));
    for (k, v) in &err.extra {
        body.insert(k.clone(), v.clone());
    }
    body
}

/// Adds `x-amzn-query-error: Code;Sender` for services that keep their awsQuery codes.
pub fn add_query_compatible_header(
    response: &mut Response,
    service: Option<&ServiceModel>,
    err: &AwsError,
) {
    if service.is_some_and(|s| s.metadata.aws_query_compatible.is_some()) {
        response.push_header(
            "x-amzn-query-error",
            &format!("{};{}", err.code, err.fault.as_str()),
        );
    }
}

/// Encodes an error.
pub fn encode_error(
    protocol: Protocol,
    service: Option<&ServiceModel>,
    err: &AwsError,
    request_id: &str,
) -> Response {
    let body = Value::Object(error_document(err)).to_string();
    let mut response = Response::new(err.status, protocol.content_type(), body, request_id);
    response.push_header("x-amzn-errortype", &err.code);
    add_query_compatible_header(&mut response, service, err);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_wire_form() {
        let err = AwsError::new("NotFoundException", 400, "Key 'x' does not exist");
        let r = encode_error(Protocol::AwsJson11, None, &err, "rid");
        assert_eq!(r.status, 400);
        assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.1"));
        assert_eq!(r.header("x-amzn-errortype"), Some("NotFoundException"));
        assert_eq!(r.header("x-amzn-requestid"), Some("rid"));
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"__type": "NotFoundException", "message": "Key 'x' does not exist"})
        );
    }

    #[test]
    fn malformed_json_is_serialization_exception() {
        let e = parse_body(b"{not json").unwrap_err();
        assert_eq!((e.code.as_ref(), e.status), ("SerializationException", 400));
        assert_eq!(parse_body(b"").unwrap(), Value::Object(Map::new()));
    }
}
