//! restJson1: REST bindings with JSON bodies.

use serde_json::{Map, Value};

use crate::aws_json::{error_document, parse_body, serialization_error};
use crate::error::AwsError;
use crate::json_body::{self, Members};
use crate::model::{ServiceModel, ShapeType};
use crate::request::RequestHead;
use crate::response::Response;
use crate::rest::{
    decode_bindings, encode_bindings, payload_member, raw_payload, raw_payload_body,
};
use crate::route::Route;

/// Decodes a restJson1 request into the canonical input.
pub fn decode(route: &Route, head: &RequestHead, body: &[u8]) -> Result<Value, AwsError> {
    let service = route.service;
    let Some(input) = route.input_shape() else {
        return Ok(Value::Object(Map::new()));
    };
    let mut out = decode_bindings(route, head, input).map_err(|e| serialization_error(e.0))?;
    match payload_member(service, input) {
        Some((name, _, target)) if matches!(target.kind, ShapeType::Blob | ShapeType::String) => {
            if !body.is_empty() {
                out.insert(name.to_owned(), raw_payload(target, body)?);
            }
        }
        Some((name, r, _)) => {
            if !body.iter().all(u8::is_ascii_whitespace) {
                let value = parse_body(body)?;
                let decoded = json_body::decode(service, &r.shape, &value, Members::All)
                    .map_err(|e| serialization_error(e.0))?;
                out.insert(name.to_owned(), decoded);
            }
        }
        None => {
            let value = parse_body(body)?;
            let Some(input_name) = route.operation.input.as_ref().map(|i| i.shape.as_str()) else {
                return Ok(Value::Object(out));
            };
            let decoded = json_body::decode(service, input_name, &value, Members::BodyOnly)
                .map_err(|e| serialization_error(e.0))?;
            if let Value::Object(members) = decoded {
                out.extend(members);
            }
        }
    }
    Ok(Value::Object(out))
}

/// Encodes a handler's output.
pub fn encode_output(route: &Route, output: &Value, request_id: &str) -> Response {
    let service = route.service;
    let target = route.output_shape();
    let payload = target.and_then(|t| payload_member(service, t));
    let raw = payload.and_then(|(name, _, t)| raw_payload_body(output, name, t));
    let (content_type, body) = match (raw, payload) {
        (Some(raw), _) => raw,
        (None, Some((name, r, _))) => match output.get(name) {
            Some(v) => (
                "application/json",
                json_body::encode(service, &r.shape, v, Members::All)
                    .to_string()
                    .into_bytes(),
            ),
            None => ("application/json", Vec::new()),
        },
        (None, None) => {
            let body = match &route.operation.output {
                Some(o) => json_body::encode(service, &o.shape, output, Members::BodyOnly),
                None => Value::Object(Map::new()),
            };
            ("application/json", body.to_string().into_bytes())
        }
    };
    let mut response = Response::new(200, content_type, body, request_id);
    response.status = encode_bindings(route, output, &mut response);
    response
}

/// Encodes an error: `x-amzn-ErrorType` header and a JSON body with the message.
pub fn encode_error(service: Option<&ServiceModel>, err: &AwsError, request_id: &str) -> Response {
    let body = Value::Object(error_document(err)).to_string();
    let mut response = Response::new(err.status, "application/json", body, request_id);
    response.push_header("x-amzn-errortype", &err.code);
    crate::aws_json::add_query_compatible_header(&mut response, service, err);
    response
}
