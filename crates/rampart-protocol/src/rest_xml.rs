//! restXml (S3): REST bindings with XML bodies.

use serde_json::{Map, Value};

use crate::error::AwsError;
use crate::model::{MemberRef, ServiceModel, Shape, ShapeType};
use crate::query::write_extra;
use crate::request::RequestHead;
use crate::response::Response;
use crate::rest::{
    decode_bindings, encode_bindings, payload_member, raw_payload, raw_payload_body,
};
use crate::route::Route;
use crate::scalar::parse_text;
use crate::shapes::{WireError, WireResult, check_depth, is_flattened, join, shape, wire_name};
use crate::xml_read::{Element, parse};
use crate::xml_write::{XmlWriter, attributes, write_members, write_value};

/// The error S3 answers to a body it cannot read.
fn malformed_xml() -> AwsError {
    AwsError::new(
        "MalformedXML",
        400,
        "The XML you provided was not well-formed or did not validate against our published schema",
    )
}

fn invalid_argument(e: WireError) -> AwsError {
    AwsError::new("InvalidArgument", 400, e.0)
}

fn parse_body(body: &[u8]) -> Result<Option<Element>, AwsError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let text = std::str::from_utf8(body).map_err(|_| malformed_xml())?;
    parse(text).map(Some).map_err(|_| malformed_xml())
}

/// Decodes a restXml request into the canonical input.
pub fn decode(route: &Route, head: &RequestHead, body: &[u8]) -> Result<Value, AwsError> {
    let service = route.service;
    let Some(input) = route.input_shape() else {
        return Ok(Value::Object(Map::new()));
    };
    let mut out = decode_bindings(route, head, input).map_err(invalid_argument)?;
    match payload_member(service, input) {
        Some((name, _, target)) if matches!(target.kind, ShapeType::Blob | ShapeType::String) => {
            if !body.is_empty() {
                out.insert(name.to_owned(), raw_payload(target, body)?);
            }
        }
        Some((name, _, target)) => {
            if let Some(root) = parse_body(body)? {
                let v =
                    decode_element(service, target, &root, name, 0).map_err(|_| malformed_xml())?;
                out.insert(name.to_owned(), v);
            }
        }
        None => {
            if let Some(root) = parse_body(body)?
                && let Value::Object(members) = decode_structure(service, input, &root, "", 0, true)
                    .map_err(|_| malformed_xml())?
            {
                out.extend(members);
            }
        }
    }
    Ok(Value::Object(out))
}

/// Decodes an element holding a value of `target`.
pub fn decode_element(
    service: &ServiceModel,
    target: &Shape,
    element: &Element,
    path: &str,
    depth: usize,
) -> WireResult<Value> {
    check_depth(depth)?;
    match target.kind {
        ShapeType::Structure => decode_structure(service, target, element, path, depth, false),
        ShapeType::List => {
            let Some(mr) = &target.member else {
                return Ok(Value::Array(Vec::new()));
            };
            let item_shape = shape(service, &mr.shape)?;
            element
                .children
                .iter()
                .map(|c| decode_element(service, item_shape, c, path, depth + 1))
                .collect::<WireResult<Vec<_>>>()
                .map(Value::Array)
        }
        ShapeType::Map => decode_map_entries(
            service,
            target,
            element.children_named("entry"),
            path,
            depth,
        ),
        kind => parse_text(kind, &element.text)
            .ok_or_else(|| WireError::expected("a valid value", path)),
    }
}

fn decode_map_entries<'a>(
    service: &ServiceModel,
    target: &Shape,
    entries: impl Iterator<Item = &'a Element>,
    path: &str,
    depth: usize,
) -> WireResult<Value> {
    let (Some(kr), Some(vr)) = (&target.key, &target.value) else {
        return Ok(Value::Object(Map::new()));
    };
    let (ks, vs) = (shape(service, &kr.shape)?, shape(service, &vr.shape)?);
    let (key_name, value_name) = (wire_name(kr, ks, "key"), wire_name(vr, vs, "value"));
    let mut out = Map::new();
    for entry in entries {
        let (Some(k), Some(v)) = (entry.child(key_name), entry.child(value_name)) else {
            continue;
        };
        out.insert(
            k.text.clone(),
            decode_element(service, vs, v, path, depth + 1)?,
        );
    }
    Ok(Value::Object(out))
}

fn decode_structure(
    service: &ServiceModel,
    target: &Shape,
    element: &Element,
    path: &str,
    depth: usize,
    body_only: bool,
) -> WireResult<Value> {
    check_depth(depth)?;
    let mut out = Map::new();
    for (name, r) in &target.members {
        if body_only && r.location.is_some() {
            continue;
        }
        let member_shape = shape(service, &r.shape)?;
        let member_path = join(path, name);
        let wire = wire_name(r, member_shape, name);
        if r.xml_attribute {
            if let Some((_, v)) = element.attributes.iter().find(|(k, _)| k == wire)
                && let Some(parsed) = parse_text(member_shape.kind, v)
            {
                out.insert(name.clone(), parsed);
            }
            continue;
        }
        let flattened = is_flattened(r, member_shape);
        let value = match member_shape.kind {
            ShapeType::List if flattened => {
                let Some(mr) = &member_shape.member else {
                    continue;
                };
                let item_shape = shape(service, &mr.shape)?;
                let item_name = mr.location_name.as_deref().unwrap_or(wire);
                let items = element
                    .children_named(item_name)
                    .map(|c| decode_element(service, item_shape, c, &member_path, depth + 1))
                    .collect::<WireResult<Vec<_>>>()?;
                if items.is_empty() {
                    continue;
                }
                Value::Array(items)
            }
            ShapeType::Map if flattened => {
                let entries: Vec<&Element> = element.children_named(wire).collect();
                if entries.is_empty() {
                    continue;
                }
                decode_map_entries(
                    service,
                    member_shape,
                    entries.into_iter(),
                    &member_path,
                    depth,
                )?
            }
            _ => match element.child(wire) {
                Some(child) => {
                    decode_element(service, member_shape, child, &member_path, depth + 1)?
                }
                None => continue,
            },
        };
        out.insert(name.clone(), value);
    }
    Ok(Value::Object(out))
}

/// Root element names of S3 responses whose output shape does not name one.
fn root_name(route: &Route) -> String {
    let op = route.operation.name.as_str();
    let known = match op {
        "ListBuckets" => "ListAllMyBucketsResult",
        "ListObjects" | "ListObjectsV2" => "ListBucketResult",
        "ListObjectVersions" => "ListVersionsResult",
        "GetBucketTagging" | "GetObjectTagging" => "Tagging",
        "GetBucketAcl" | "GetObjectAcl" => "AccessControlPolicy",
        "DeleteObjects" => "DeleteResult",
        "GetBucketVersioning" => "VersioningConfiguration",
        "GetBucketPolicyStatus" => "PolicyStatus",
        "GetBucketLocation" => "LocationConstraint",
        _ => "",
    };
    if known.is_empty() {
        format!("{op}Result")
    } else {
        known.to_owned()
    }
}

/// Encodes a handler's output.
pub fn encode_output(route: &Route, output: &Value, request_id: &str) -> Response {
    let service = route.service;
    let ns = service
        .metadata
        .xml_namespace
        .clone()
        .unwrap_or_else(|| "http://s3.amazonaws.com/doc/2006-03-01/".to_owned());
    let target = route.output_shape();
    let (content_type, body): (&str, Vec<u8>) = match target {
        None => ("", Vec::new()),
        // S3 answers GetBucketLocation with the region as the root element's text.
        Some(_) if route.operation.name == "GetBucketLocation" => {
            let mut w = XmlWriter::default();
            w.open("LocationConstraint", &[("xmlns", &ns)]);
            w.text(
                output
                    .get("LocationConstraint")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
            );
            w.close("LocationConstraint");
            ("application/xml", w.finish().into_bytes())
        }
        Some(t) => match (
            payload_member(service, t).and_then(|(name, _, p)| raw_payload_body(output, name, p)),
            payload_member(service, t),
        ) {
            (Some(raw), _) => raw,
            (None, Some((name, r, p))) => match output.get(name) {
                Some(v) => {
                    let mut w = XmlWriter::default();
                    let element = wire_name(r, p, name);
                    write_with_namespace(&mut w, service, r, p, element, v, &ns);
                    ("application/xml", w.finish().into_bytes())
                }
                None => ("", Vec::new()),
            },
            (None, None) if t.members.values().all(|m| m.location.is_some()) => ("", Vec::new()),
            (None, None) => {
                let root = root_name(route);
                let mut w = XmlWriter::default();
                let mut attrs: Vec<(String, String)> = vec![("xmlns".to_owned(), ns.clone())];
                attrs.extend(attributes(service, t, output));
                let borrowed: Vec<(&str, &str)> = attrs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                w.open(&root, &borrowed);
                write_members(&mut w, service, t, output, 0);
                w.close(&root);
                ("application/xml", w.finish().into_bytes())
            }
        },
    };
    let mut response = Response::new(200, content_type, body, request_id);
    response.push_header("x-amz-request-id", request_id);
    response.status = encode_bindings(route, output, &mut response);
    response
}

/// Writes a payload structure as the root element, adding the service namespace
/// when the member does not declare its own.
fn write_with_namespace(
    w: &mut XmlWriter,
    service: &ServiceModel,
    r: &MemberRef,
    p: &Shape,
    name: &str,
    v: &Value,
    ns: &str,
) {
    if r.xml_namespace.is_some() || p.xml_namespace.is_some() || p.kind != ShapeType::Structure {
        write_value(w, service, r, p, name, v, 0);
        return;
    }
    let mut attrs = vec![("xmlns".to_owned(), ns.to_owned())];
    attrs.extend(attributes(service, p, v));
    let borrowed: Vec<(&str, &str)> = attrs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    w.open(name, &borrowed);
    write_members(w, service, p, v, 0);
    w.close(name);
}

/// Encodes an error the way S3 does: `<Error><Code/><Message/>…<RequestId/></Error>`.
pub fn encode_error(err: &AwsError, request_id: &str) -> Response {
    let mut w = XmlWriter::default();
    w.open("Error", &[]);
    w.element("Code", &err.code);
    w.element("Message", &err.message);
    write_extra(&mut w, &err.extra);
    w.element("RequestId", request_id);
    w.close("Error");
    let mut response = Response::new(err.status, "application/xml", w.finish(), request_id);
    response.push_header("x-amz-request-id", request_id);
    response
}
