//! awsQuery: form-encoded `Action=` requests in, XML responses and errors out.

use std::collections::BTreeMap;
use std::ops::Bound;

use serde_json::{Map, Value};

use crate::error::AwsError;
use crate::model::{MemberRef, ServiceModel, Shape, ShapeType};
use crate::request::RequestHead;
use crate::response::Response;
use crate::route::Route;
use crate::scalar::parse_text;
use crate::shapes::{WireError, WireResult, check_depth, is_flattened, shape, wire_name};
use crate::template::parse_query;
use crate::xml_write::{XmlWriter, write_members};

/// The error awsQuery services answer to a parameter of the wrong type.
fn invalid_parameter(e: WireError) -> AwsError {
    AwsError::new("InvalidParameterValue", 400, e.0)
}

/// Decodes the request's query string and form body into the canonical input.
pub fn decode(route: &Route, head: &RequestHead, body: &[u8]) -> Result<Value, AwsError> {
    let mut pairs = head.query_pairs();
    if head.media_type() == "application/x-www-form-urlencoded" {
        let text = std::str::from_utf8(body).map_err(|_| {
            AwsError::new(
                "MalformedQueryString",
                400,
                "The request body is not valid UTF-8",
            )
        })?;
        pairs.extend(parse_query(text));
    }
    let Some(input) = &route.operation.input else {
        return Ok(Value::Object(Map::new()));
    };
    let params: BTreeMap<String, String> = pairs
        .into_iter()
        .filter(|(k, _)| k != "Action" && k != "Version")
        .collect();
    decode_params(route.service, &input.shape, &params).map_err(invalid_parameter)
}

/// Decodes flat `A.member.1.B=v` parameters into a value of `shape_name`.
pub fn decode_params(
    service: &ServiceModel,
    shape_name: &str,
    params: &BTreeMap<String, String>,
) -> WireResult<Value> {
    let target = shape(service, shape_name)?;
    Ok(decode_structure(service, target, params, "", 0)?
        .unwrap_or_else(|| Value::Object(Map::new())))
}

/// Whether any parameter starts with `prefix`.
fn has_prefix(params: &BTreeMap<String, String>, prefix: &str) -> bool {
    params
        .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
        .next()
        .is_some_and(|(k, _)| k.starts_with(prefix))
}

/// The distinct numeric indices `N` of keys `prefix.N` / `prefix.N.rest`, ascending.
fn indices(params: &BTreeMap<String, String>, prefix: &str) -> Vec<u32> {
    let dotted = format!("{prefix}.");
    let mut found: Vec<u32> = params
        .range::<str, _>((Bound::Included(dotted.as_str()), Bound::Unbounded))
        .take_while(|(k, _)| k.starts_with(&dotted))
        .filter_map(|(k, _)| k[dotted.len()..].split('.').next()?.parse().ok())
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

fn decode_structure(
    service: &ServiceModel,
    target: &Shape,
    params: &BTreeMap<String, String>,
    prefix: &str,
    depth: usize,
) -> WireResult<Option<Value>> {
    check_depth(depth)?;
    let mut out = Map::new();
    for (name, r) in &target.members {
        let member_shape = shape(service, &r.shape)?;
        let key = join_key(prefix, wire_name(r, member_shape, name));
        if let Some(v) = decode_value(service, r, member_shape, params, &key, depth + 1)? {
            out.insert(name.clone(), v);
        }
    }
    Ok(
        (!out.is_empty() || prefix.is_empty() || params.contains_key(prefix))
            .then_some(Value::Object(out)),
    )
}

fn join_key(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn decode_value(
    service: &ServiceModel,
    r: &MemberRef,
    target: &Shape,
    params: &BTreeMap<String, String>,
    key: &str,
    depth: usize,
) -> WireResult<Option<Value>> {
    check_depth(depth)?;
    match target.kind {
        ShapeType::Structure => {
            if !has_prefix(params, &format!("{key}.")) {
                return Ok(None);
            }
            decode_structure(service, target, params, key, depth)
        }
        ShapeType::List => {
            let Some(mr) = &target.member else {
                return Ok(None);
            };
            let member_shape = shape(service, &mr.shape)?;
            let list_prefix = if is_flattened(r, target) {
                match &mr.location_name {
                    Some(n) => match key.rsplit_once('.') {
                        Some((parent, _)) => format!("{parent}.{n}"),
                        None => n.clone(),
                    },
                    None => key.to_owned(),
                }
            } else {
                format!("{key}.{}", mr.location_name.as_deref().unwrap_or("member"))
            };
            let idx = indices(params, &list_prefix);
            if idx.is_empty() {
                // `Name=` (empty) is how clients send an empty list.
                return Ok(params.get(key).map(|_| Value::Array(Vec::new())));
            }
            let mut items = Vec::with_capacity(idx.len());
            for i in idx {
                let item_key = format!("{list_prefix}.{i}");
                if let Some(v) =
                    decode_value(service, mr, member_shape, params, &item_key, depth + 1)?
                {
                    items.push(v);
                }
            }
            Ok(Some(Value::Array(items)))
        }
        ShapeType::Map => {
            let (Some(kr), Some(vr)) = (&target.key, &target.value) else {
                return Ok(None);
            };
            let (ks, vs) = (shape(service, &kr.shape)?, shape(service, &vr.shape)?);
            let entries = if is_flattened(r, target) {
                key.to_owned()
            } else {
                format!("{key}.entry")
            };
            let idx = indices(params, &entries);
            if idx.is_empty() {
                return Ok(params.get(key).map(|_| Value::Object(Map::new())));
            }
            let mut out = Map::new();
            for i in idx {
                let base = format!("{entries}.{i}");
                let Some(k) = params.get(&format!("{base}.{}", wire_name(kr, ks, "key"))) else {
                    continue;
                };
                let value_key = format!("{base}.{}", wire_name(vr, vs, "value"));
                if let Some(v) = decode_value(service, vr, vs, params, &value_key, depth + 1)? {
                    out.insert(k.clone(), v);
                }
            }
            Ok(Some(Value::Object(out)))
        }
        kind => match params.get(key) {
            None => Ok(None),
            Some(text) => parse_text(kind, text).map(Some).ok_or_else(|| {
                // Values of secret or binary members are never echoed back.
                if target.sensitive || kind == ShapeType::Blob {
                    WireError(format!("The value for parameter {key} is invalid"))
                } else {
                    WireError(format!(
                        "Value '{}' for parameter {key} is invalid",
                        clip(text)
                    ))
                }
            }),
        },
    }
}

/// Shortens a client value quoted back in an error message.
fn clip(text: &str) -> String {
    text.chars().take(64).collect()
}

/// Encodes a handler's output as `<OpResponse><OpResult>…</OpResult><ResponseMetadata>…`.
pub fn encode_output(route: &Route, output: &Value, request_id: &str) -> Response {
    let service = route.service;
    let op = route.operation;
    let root = format!("{}Response", op.name);
    let mut w = XmlWriter::default();
    let ns = service.metadata.xml_namespace.as_deref().unwrap_or("");
    w.open(&root, &[("xmlns", ns)]);
    if let Some(out) = &op.output {
        let wrapper = out
            .result_wrapper
            .clone()
            .unwrap_or_else(|| format!("{}Result", op.name));
        w.open(&wrapper, &[]);
        if let Some(target) = service.shape(&out.shape) {
            write_members(&mut w, service, target, output, 0);
        }
        w.close(&wrapper);
    }
    w.open("ResponseMetadata", &[]);
    w.element("RequestId", request_id);
    w.close("ResponseMetadata");
    w.close(&root);
    Response::new(200, "text/xml", w.finish(), request_id)
}

/// Encodes an error as `<ErrorResponse><Error><Type/><Code/><Message/>…</Error><RequestId/>`.
pub fn encode_error(service: Option<&ServiceModel>, err: &AwsError, request_id: &str) -> Response {
    let ns = service
        .and_then(|s| s.metadata.xml_namespace.as_deref())
        .unwrap_or("");
    let mut w = XmlWriter::default();
    w.open("ErrorResponse", &[("xmlns", ns)]);
    w.open("Error", &[]);
    w.element("Type", err.fault.as_str());
    w.element("Code", &err.code);
    w.element("Message", &err.message);
    write_extra(&mut w, &err.extra);
    w.close("Error");
    w.element("RequestId", request_id);
    w.close("ErrorResponse");
    Response::new(err.status, "text/xml", w.finish(), request_id)
}

/// Writes an error's extra fields as child elements.
pub fn write_extra(w: &mut XmlWriter, extra: &[(String, Value)]) {
    for (name, value) in extra {
        match value {
            Value::String(s) => w.element(name, s),
            Value::Null => {}
            other => w.element(name, &other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Models;
    use serde_json::json;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn lists_of_structures_and_scalars() {
        let sts = Models::get().service("sts").unwrap();
        let p = params(&[
            ("RoleArn", "arn:aws:iam::123456789012:role/r"),
            ("RoleSessionName", "s"),
            ("DurationSeconds", "900"),
            ("Tags.member.1.Key", "k1"),
            ("Tags.member.1.Value", "v1"),
            ("Tags.member.2.Key", "k2"),
            ("Tags.member.2.Value", "v2"),
            ("TransitiveTagKeys.member.1", "k1"),
            ("PolicyArns", ""),
        ]);
        let v = decode_params(sts, "AssumeRoleRequest", &p).unwrap();
        assert_eq!(
            v,
            json!({
                "RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "s", "DurationSeconds": 900,
                "Tags": [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}],
                "TransitiveTagKeys": ["k1"], "PolicyArns": []
            })
        );
    }

    #[test]
    fn list_indices_sort_numerically() {
        let sts = Models::get().service("sts").unwrap();
        let mut pairs = vec![];
        let keys: Vec<String> = (1..=11)
            .map(|i| format!("TransitiveTagKeys.member.{i}"))
            .collect();
        for k in &keys {
            pairs.push((k.as_str(), k.rsplit('.').next().unwrap()));
        }
        let v = decode_params(sts, "AssumeRoleRequest", &params(&pairs)).unwrap();
        let expected: Vec<String> = (1..=11).map(|i| i.to_string()).collect();
        assert_eq!(v["TransitiveTagKeys"], json!(expected));
    }

    #[test]
    fn wrong_types_are_invalid_parameter_value() {
        let iam = Models::get().service("iam").unwrap();
        let e =
            decode_params(iam, "ListUsersRequest", &params(&[("MaxItems", "ten")])).unwrap_err();
        let e = invalid_parameter(e);
        assert_eq!((e.code.as_ref(), e.status), ("InvalidParameterValue", 400));
        assert!(e.message.contains("MaxItems"));
    }

    #[test]
    fn error_document_shape() {
        let iam = Models::get().service("iam").unwrap();
        let err = AwsError::new("NoSuchEntity", 404, "The user with name x cannot be found.");
        let r = encode_error(Some(iam), &err, "rid");
        assert_eq!(r.status, 404);
        assert_eq!(r.header("content-type"), Some("text/xml"));
        assert_eq!(r.header("x-amzn-requestid"), Some("rid"));
        assert_eq!(
            std::str::from_utf8(&r.body).unwrap(),
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>\
             <Code>NoSuchEntity</Code><Message>The user with name x cannot be found.</Message></Error>\
             <RequestId>rid</RequestId></ErrorResponse>"
        );
    }
}
