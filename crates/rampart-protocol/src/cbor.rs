//! Smithy RPC v2 CBOR: CBOR bodies, tag 1 timestamps, byte-string blobs.

use ciborium::Value as Cbor;
use serde_json::{Map, Number, Value};

use crate::aws_json::{add_query_compatible_header, error_document};
use crate::error::AwsError;
use crate::model::{ServiceModel, Shape, ShapeType};
use crate::response::Response;
use crate::route::Route;
use crate::scalar::{decode_blob, encode_blob, epoch_number, integer_in_range, timestamp_seconds};
use crate::shapes::{MAX_DEPTH, WireError, WireResult, check_depth, join, shape};

fn serialization_error(message: impl Into<String>) -> AwsError {
    AwsError::new("SerializationException", 400, message)
}

/// Decodes an rpc-v2-cbor request body into the canonical input.
pub fn decode(route: &Route, body: &[u8]) -> Result<Value, AwsError> {
    let Some(input) = &route.operation.input else {
        return Ok(Value::Object(Map::new()));
    };
    if body.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let value: Cbor = ciborium::de::from_reader(body)
        .map_err(|_| serialization_error("The request body is not valid CBOR"))?;
    let target = shape(route.service, &input.shape).map_err(|e| serialization_error(e.0))?;
    to_canonical(route.service, target, &value, "", 0).map_err(|e| serialization_error(e.0))
}

fn text_key(key: &Cbor) -> Option<&str> {
    match key {
        Cbor::Text(t) => Some(t),
        _ => None,
    }
}

fn to_canonical(
    service: &ServiceModel,
    target: &Shape,
    value: &Cbor,
    path: &str,
    depth: usize,
) -> WireResult<Value> {
    check_depth(depth)?;
    let bad = |what| Err(WireError::expected(what, path));
    match (target.kind, value) {
        (ShapeType::Structure, v) if target.document => Ok(document_to_json(v, depth)),
        (ShapeType::Structure, Cbor::Map(entries)) => {
            let mut out = Map::new();
            for (k, v) in entries {
                let Some(key) = text_key(k) else {
                    return bad("text keys");
                };
                let Some(r) = target.members.get(key) else {
                    continue;
                };
                if matches!(v, Cbor::Null) {
                    continue;
                }
                let member_shape = shape(service, &r.shape)?;
                out.insert(
                    key.to_owned(),
                    to_canonical(service, member_shape, v, &join(path, key), depth + 1)?,
                );
            }
            Ok(Value::Object(out))
        }
        (ShapeType::List, Cbor::Array(items)) => {
            let item_shape = shape(
                service,
                target.member.as_ref().map_or("", |m| m.shape.as_str()),
            )?;
            items
                .iter()
                .map(|v| match v {
                    Cbor::Null => Ok(Value::Null),
                    v => to_canonical(service, item_shape, v, path, depth + 1),
                })
                .collect::<WireResult<Vec<_>>>()
                .map(Value::Array)
        }
        (ShapeType::Map, Cbor::Map(entries)) => {
            let value_shape = shape(
                service,
                target.value.as_ref().map_or("", |m| m.shape.as_str()),
            )?;
            let mut out = Map::new();
            for (k, v) in entries {
                let Some(key) = text_key(k) else {
                    return bad("text keys");
                };
                if !matches!(v, Cbor::Null) {
                    out.insert(
                        key.to_owned(),
                        to_canonical(service, value_shape, v, &join(path, key), depth + 1)?,
                    );
                }
            }
            Ok(Value::Object(out))
        }
        (ShapeType::String, Cbor::Text(t)) => Ok(Value::String(t.clone())),
        (ShapeType::Boolean, Cbor::Bool(b)) => Ok(Value::Bool(*b)),
        (
            ShapeType::Integer | ShapeType::Long | ShapeType::Short | ShapeType::Byte,
            Cbor::Integer(i),
        ) => i64::try_from(i128::from(*i))
            .ok()
            .and_then(|n| integer_in_range(target.kind, n))
            .map_or_else(|| bad("an integer"), Ok),
        (ShapeType::Float | ShapeType::Double, Cbor::Float(f)) => Ok(float_value(*f)),
        (ShapeType::Float | ShapeType::Double, Cbor::Integer(i)) => {
            Ok(float_value(i128::from(*i) as f64))
        }
        (ShapeType::Timestamp, Cbor::Tag(1, inner)) => match inner.as_ref() {
            Cbor::Integer(i) => {
                epoch_number(i128::from(*i) as f64).map_or_else(|| bad("a timestamp"), Ok)
            }
            Cbor::Float(f) => epoch_number(*f).map_or_else(|| bad("a timestamp"), Ok),
            _ => bad("a timestamp"),
        },
        (ShapeType::Blob, Cbor::Bytes(b)) => Ok(Value::String(encode_blob(b))),
        (ShapeType::Unknown, v) => Ok(document_to_json(v, depth)),
        (ShapeType::Structure | ShapeType::Map, _) => bad("a map"),
        (ShapeType::List, _) => bad("a list"),
        (ShapeType::Timestamp, _) => bad("a timestamp"),
        (ShapeType::Blob, _) => bad("a byte string"),
        (ShapeType::String, _) => bad("a string"),
        (ShapeType::Boolean, _) => bad("a boolean"),
        (ShapeType::Float | ShapeType::Double, _) => bad("a number"),
        _ => bad("an integer"),
    }
}

fn float_value(f: f64) -> Value {
    if f.is_nan() {
        Value::String("NaN".to_owned())
    } else if f.is_infinite() {
        Value::String(if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned())
    } else {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

fn document_to_json(value: &Cbor, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    match value {
        Cbor::Integer(i) => {
            let n = i128::from(*i);
            i64::try_from(n)
                .map(|n| Value::Number(n.into()))
                .unwrap_or_else(|_| float_value(n as f64))
        }
        Cbor::Float(f) => float_value(*f),
        Cbor::Text(t) => Value::String(t.clone()),
        Cbor::Bool(b) => Value::Bool(*b),
        Cbor::Bytes(b) => Value::String(encode_blob(b)),
        Cbor::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| document_to_json(v, depth + 1))
                .collect(),
        ),
        Cbor::Map(entries) => Value::Object(
            entries
                .iter()
                .filter_map(|(k, v)| {
                    Some((text_key(k)?.to_owned(), document_to_json(v, depth + 1)))
                })
                .collect(),
        ),
        Cbor::Tag(_, inner) => document_to_json(inner, depth + 1),
        _ => Value::Null,
    }
}

fn json_to_cbor(value: &Value) -> Cbor {
    match value {
        Value::Null => Cbor::Null,
        Value::Bool(b) => Cbor::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Cbor::Integer(i.into()),
            (None, Some(u)) => Cbor::Integer(u.into()),
            _ => Cbor::Float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => Cbor::Text(s.clone()),
        Value::Array(items) => Cbor::Array(items.iter().map(json_to_cbor).collect()),
        Value::Object(o) => Cbor::Map(
            o.iter()
                .map(|(k, v)| (Cbor::Text(k.clone()), json_to_cbor(v)))
                .collect(),
        ),
    }
}

fn from_canonical(service: &ServiceModel, target: &Shape, value: &Value, depth: usize) -> Cbor {
    if depth > MAX_DEPTH {
        return Cbor::Null;
    }
    match (target.kind, value) {
        (ShapeType::Structure, v) if target.document => json_to_cbor(v),
        (ShapeType::Structure, Value::Object(o)) => Cbor::Map(
            target
                .members
                .iter()
                .filter_map(|(name, r)| {
                    let v = o.get(name).filter(|v| !v.is_null())?;
                    let s = service.shape(&r.shape)?;
                    Some((
                        Cbor::Text(name.clone()),
                        from_canonical(service, s, v, depth + 1),
                    ))
                })
                .collect(),
        ),
        (ShapeType::List, Value::Array(items)) => {
            match target.member.as_ref().and_then(|m| service.shape(&m.shape)) {
                Some(s) => Cbor::Array(
                    items
                        .iter()
                        .map(|v| from_canonical(service, s, v, depth + 1))
                        .collect(),
                ),
                None => json_to_cbor(value),
            }
        }
        (ShapeType::Map, Value::Object(o)) => {
            match target.value.as_ref().and_then(|m| service.shape(&m.shape)) {
                Some(s) => Cbor::Map(
                    o.iter()
                        .map(|(k, v)| {
                            (
                                Cbor::Text(k.clone()),
                                from_canonical(service, s, v, depth + 1),
                            )
                        })
                        .collect(),
                ),
                None => json_to_cbor(value),
            }
        }
        (ShapeType::Timestamp, v) => match timestamp_seconds(v).and_then(epoch_number) {
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => Cbor::Tag(1, Box::new(Cbor::Integer(i.into()))),
                None => Cbor::Tag(1, Box::new(Cbor::Float(n.as_f64().unwrap_or(0.0)))),
            },
            _ => Cbor::Null,
        },
        (ShapeType::Blob, Value::String(s)) => decode_blob(s).map_or(Cbor::Null, Cbor::Bytes),
        (ShapeType::Float | ShapeType::Double, Value::String(s)) => match s.as_str() {
            "NaN" => Cbor::Float(f64::NAN),
            "Infinity" => Cbor::Float(f64::INFINITY),
            "-Infinity" => Cbor::Float(f64::NEG_INFINITY),
            _ => Cbor::Null,
        },
        (ShapeType::Float | ShapeType::Double, Value::Number(n)) => {
            Cbor::Float(n.as_f64().unwrap_or(0.0))
        }
        _ => json_to_cbor(value),
    }
}

fn to_bytes(value: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail for values built here.
    if ciborium::ser::into_writer(value, &mut out).is_err() {
        out.clear();
    }
    out
}

fn response(status: u16, body: Vec<u8>, request_id: &str) -> Response {
    let mut r = Response::new(status, "application/cbor", body, request_id);
    r.push_header("smithy-protocol", "rpc-v2-cbor");
    r
}

/// Encodes a handler's output.
pub fn encode_output(route: &Route, output: &Value, request_id: &str) -> Response {
    let service = route.service;
    let body = match route.output_shape() {
        Some(target) => from_canonical(service, target, output, 0),
        None => Cbor::Map(Vec::new()),
    };
    response(200, to_bytes(&body), request_id)
}

/// Encodes an error: a CBOR map with `__type` and `message`.
pub fn encode_error(service: Option<&ServiceModel>, err: &AwsError, request_id: &str) -> Response {
    let body = json_to_cbor(&Value::Object(error_document(err)));
    let mut r = response(err.status, to_bytes(&body), request_id);
    add_query_compatible_header(&mut r, service, err);
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Models;
    use serde_json::json;

    #[test]
    fn timestamps_use_tag_1_and_blobs_byte_strings() {
        let shield = Models::get().service("shield").unwrap();
        let target = shield.shape("AttackSummary").unwrap();
        let v = json!({"AttackId": "a", "StartTime": 1_420_070_400, "EndTime": 1.5});
        let c = from_canonical(shield, target, &v, 0);
        let Cbor::Map(entries) = &c else { panic!() };
        assert!(
            entries
                .iter()
                .any(|(k, v)| k == &Cbor::Text("StartTime".into()) && matches!(v, Cbor::Tag(1, _)))
        );
        assert_eq!(to_canonical(shield, target, &c, "", 0).unwrap(), v);
    }

    #[test]
    fn error_map() {
        let r = encode_error(
            None,
            &AwsError::new("ResourceNotFoundException", 400, "m"),
            "rid",
        );
        assert_eq!(r.header("smithy-protocol"), Some("rpc-v2-cbor"));
        let v: Cbor = ciborium::de::from_reader(&r.body[..]).unwrap();
        assert_eq!(
            document_to_json(&v, 0),
            json!({"__type": "ResourceNotFoundException", "message": "m"})
        );
    }
}
