//! JSON bodies (awsJson and restJson1) to and from the canonical value.

use serde_json::{Map, Value};

use crate::model::{MemberRef, ServiceModel, Shape, ShapeType};
use crate::scalar::{
    TimestampFormat, epoch_number, format_timestamp, integer_in_range, parse_timestamp,
    timestamp_seconds,
};
use crate::shapes::{WireError, WireResult, check_depth, join, shape, wire_name};

/// Which structure members a JSON body carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Members {
    /// All members (awsJson, nested structures).
    All,
    /// Only members without an HTTP location (restJson top level).
    BodyOnly,
}

/// Decodes a JSON body value of `shape_name` into canonical form.
pub fn decode(
    service: &ServiceModel,
    shape_name: &str,
    value: &Value,
    members: Members,
) -> WireResult<Value> {
    decode_shape(service, shape(service, shape_name)?, value, "", 0, members)
}

fn decode_shape(
    service: &ServiceModel,
    target: &Shape,
    value: &Value,
    path: &str,
    depth: usize,
    members: Members,
) -> WireResult<Value> {
    check_depth(depth)?;
    match target.kind {
        ShapeType::Structure if target.document => Ok(value.clone()),
        ShapeType::Structure => {
            let object = value
                .as_object()
                .ok_or_else(|| WireError::expected("an object", path))?;
            let mut out = Map::new();
            for (name, r) in &target.members {
                if members == Members::BodyOnly && r.location.is_some() {
                    continue;
                }
                let member_shape = shape(service, &r.shape)?;
                let key = wire_name(r, member_shape, name);
                match object.get(key) {
                    None | Some(Value::Null) => {}
                    Some(v) => {
                        let decoded = decode_shape(
                            service,
                            member_shape,
                            v,
                            &join(path, name),
                            depth + 1,
                            Members::All,
                        )?;
                        out.insert(name.clone(), decoded);
                    }
                }
            }
            Ok(Value::Object(out))
        }
        ShapeType::List => {
            let items = value
                .as_array()
                .ok_or_else(|| WireError::expected("a list", path))?;
            let r = target
                .member
                .as_ref()
                .ok_or_else(|| WireError::expected("a list model", path))?;
            let member_shape = shape(service, &r.shape)?;
            items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::Null => Ok(Value::Null),
                    v => decode_shape(
                        service,
                        member_shape,
                        v,
                        &format!("{path}[{i}]"),
                        depth + 1,
                        Members::All,
                    ),
                })
                .collect::<WireResult<Vec<_>>>()
                .map(Value::Array)
        }
        ShapeType::Map => {
            let object = value
                .as_object()
                .ok_or_else(|| WireError::expected("a map", path))?;
            let r = target
                .value
                .as_ref()
                .ok_or_else(|| WireError::expected("a map model", path))?;
            let value_shape = shape(service, &r.shape)?;
            let mut out = Map::new();
            for (k, v) in object {
                if !v.is_null() {
                    out.insert(
                        k.clone(),
                        decode_shape(
                            service,
                            value_shape,
                            v,
                            &join(path, k),
                            depth + 1,
                            Members::All,
                        )?,
                    );
                }
            }
            Ok(Value::Object(out))
        }
        _ => decode_scalar(target.kind, value, path),
    }
}

/// Decodes one JSON scalar of a shape type (timestamps in any wire format).
fn decode_scalar(kind: ShapeType, value: &Value, path: &str) -> WireResult<Value> {
    let bad = |what| Err(WireError::expected(what, path));
    match kind {
        ShapeType::String => match value {
            Value::String(_) => Ok(value.clone()),
            _ => bad("a string"),
        },
        ShapeType::Boolean => match value {
            Value::Bool(_) => Ok(value.clone()),
            _ => bad("a boolean"),
        },
        ShapeType::Integer | ShapeType::Long | ShapeType::Short | ShapeType::Byte => {
            match value.as_i64().and_then(|n| integer_in_range(kind, n)) {
                Some(v) => Ok(v),
                None => bad("an integer"),
            }
        }
        ShapeType::Float | ShapeType::Double => match value {
            Value::Number(_) => Ok(value.clone()),
            Value::String(s) if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") => {
                Ok(value.clone())
            }
            _ => bad("a number"),
        },
        ShapeType::Timestamp => {
            let parsed = match value {
                Value::Number(n) => n.as_f64().and_then(epoch_number),
                Value::String(s) => parse_timestamp(s),
                _ => None,
            };
            parsed.map_or_else(|| bad("a timestamp"), Ok)
        }
        ShapeType::Blob => match value {
            Value::String(s) => crate::scalar::decode_blob(s)
                .map(|b| Value::String(crate::scalar::encode_blob(&b)))
                .map_or_else(|| bad("a base64 blob"), Ok),
            _ => bad("a base64 blob"),
        },
        _ => Ok(value.clone()),
    }
}

/// Encodes a canonical value of `shape_name` as a JSON body value.
pub fn encode(service: &ServiceModel, shape_name: &str, value: &Value, members: Members) -> Value {
    match service.shape(shape_name) {
        Some(target) => encode_shape(service, target, None, value, 0, members),
        None => Value::Object(Map::new()),
    }
}

fn encode_shape(
    service: &ServiceModel,
    target: &Shape,
    r: Option<&MemberRef>,
    value: &Value,
    depth: usize,
    members: Members,
) -> Value {
    if depth > crate::shapes::MAX_DEPTH {
        return Value::Null;
    }
    match (target.kind, value) {
        (ShapeType::Structure, _) if target.document => value.clone(),
        (ShapeType::Structure, Value::Object(object)) => {
            let mut out = Map::new();
            for (name, mr) in &target.members {
                if members == Members::BodyOnly && mr.location.is_some() {
                    continue;
                }
                let (Some(v), Some(member_shape)) = (object.get(name), service.shape(&mr.shape))
                else {
                    continue;
                };
                if v.is_null() {
                    continue;
                }
                let encoded =
                    encode_shape(service, member_shape, Some(mr), v, depth + 1, Members::All);
                out.insert(wire_name(mr, member_shape, name).to_owned(), encoded);
            }
            Value::Object(out)
        }
        (ShapeType::List, Value::Array(items)) => {
            let Some((mr, member_shape)) = target
                .member
                .as_ref()
                .and_then(|m| Some((m, service.shape(&m.shape)?)))
            else {
                return value.clone();
            };
            Value::Array(
                items
                    .iter()
                    .map(|v| {
                        encode_shape(service, member_shape, Some(mr), v, depth + 1, Members::All)
                    })
                    .collect(),
            )
        }
        (ShapeType::Map, Value::Object(object)) => {
            let Some((mr, value_shape)) = target
                .value
                .as_ref()
                .and_then(|m| Some((m, service.shape(&m.shape)?)))
            else {
                return value.clone();
            };
            Value::Object(
                object
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            encode_shape(
                                service,
                                value_shape,
                                Some(mr),
                                v,
                                depth + 1,
                                Members::All,
                            ),
                        )
                    })
                    .collect(),
            )
        }
        (ShapeType::Timestamp, v) => {
            let format_name = r
                .and_then(|r| r.timestamp_format.as_deref())
                .or(target.timestamp_format.as_deref());
            match TimestampFormat::from_model(format_name, TimestampFormat::EpochSeconds) {
                TimestampFormat::EpochSeconds => timestamp_seconds(v)
                    .and_then(epoch_number)
                    .unwrap_or(Value::Null),
                format => format_timestamp(v, format).map_or(Value::Null, Value::String),
            }
        }
        _ => value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Models;
    use serde_json::json;

    #[test]
    fn decodes_and_drops_unknown_members() {
        let kms = Models::get().service("kms").unwrap();
        let v = decode(
            kms,
            "EncryptRequest",
            &json!({"KeyId": "k", "Plaintext": "aGk=", "Bogus": 1}),
            Members::All,
        )
        .unwrap();
        assert_eq!(v, json!({"KeyId": "k", "Plaintext": "aGk="}));
    }

    #[test]
    fn type_errors_name_the_member() {
        let kms = Models::get().service("kms").unwrap();
        let e = decode(
            kms,
            "ListKeysRequest",
            &json!({"Limit": "ten"}),
            Members::All,
        )
        .unwrap_err();
        assert_eq!(e.0, "Expected an integer at 'Limit'");
        let e = decode(
            kms,
            "EncryptRequest",
            &json!({"Plaintext": "!!"}),
            Members::All,
        )
        .unwrap_err();
        assert!(e.0.contains("Plaintext"));
        assert!(decode(kms, "EncryptRequest", &json!([1]), Members::All).is_err());
    }

    #[test]
    fn timestamps_are_epoch_seconds() {
        let ct = Models::get().service("cloudtrail").unwrap();
        let v = decode(
            ct,
            "LookupEventsRequest",
            &json!({"StartTime": 1.5e9, "EndTime": "2015-01-01T00:00:00Z"}),
            Members::All,
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"StartTime": 1_500_000_000, "EndTime": 1_420_070_400})
        );
        let out = encode(ct, "LookupEventsRequest", &v, Members::All);
        assert_eq!(
            out,
            json!({"StartTime": 1_500_000_000, "EndTime": 1_420_070_400})
        );
    }
}
