//! REST bindings shared by restJson1 and restXml: URI labels, query strings,
//! headers, status codes and payload members.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use crate::error::AwsError;
use crate::model::{Location, MemberRef, ServiceModel, Shape, ShapeType};
use crate::request::RequestHead;
use crate::response::Response;
use crate::route::Route;
use crate::scalar::{TimestampFormat, decode_blob, encode_blob, parse_text, scalar_text};
use crate::shapes::{WireError, WireResult, shape};
use crate::template::Template;

/// The input structure's members bound to the URI, query string and headers.
pub fn decode_bindings(
    route: &Route,
    head: &RequestHead,
    input: &Shape,
) -> WireResult<Map<String, Value>> {
    let service = route.service;
    let labels = Template::parse(&route.operation.http.request_uri)
        .matches(&head.rest_path(&service.name), &head.query_pairs())
        .map(|(labels, _)| labels)
        .unwrap_or_default();
    let query = head.query_pairs();
    let mut out = Map::new();
    for (name, r) in &input.members {
        let Some(location) = r.location else { continue };
        let target = shape(service, &r.shape)?;
        let wire = r.location_name.as_deref().unwrap_or(name);
        let value = match location {
            Location::Uri => match labels.iter().find(|(l, _)| l == wire) {
                Some((_, text)) => Some(text_value(target, text, name)?),
                None => None,
            },
            Location::Querystring => {
                decode_query_member(service, r, target, wire, &query, input, name)?
            }
            Location::Header => match head.header(wire) {
                Some(text) => Some(header_value(service, r, target, text, name)?),
                None => None,
            },
            Location::Headers => {
                let prefix = wire.to_ascii_lowercase();
                let mut map = Map::new();
                for (k, v) in head.headers {
                    if let (Some(suffix), Ok(text)) = (k.as_str().strip_prefix(&prefix), v.to_str())
                    {
                        map.insert(suffix.to_owned(), Value::String(text.to_owned()));
                    }
                }
                (!map.is_empty()).then_some(Value::Object(map))
            }
            Location::StatusCode | Location::Other => None,
        };
        if let Some(v) = value {
            out.insert(name.clone(), v);
        }
    }
    Ok(out)
}

fn text_value(target: &Shape, text: &str, name: &str) -> WireResult<Value> {
    parse_text(target.kind, text).ok_or_else(|| WireError::expected(kind_name(target.kind), name))
}

fn kind_name(kind: ShapeType) -> &'static str {
    match kind {
        ShapeType::Boolean => "a boolean",
        ShapeType::Integer | ShapeType::Long | ShapeType::Short | ShapeType::Byte => "an integer",
        ShapeType::Float | ShapeType::Double => "a number",
        ShapeType::Timestamp => "a timestamp",
        ShapeType::Blob => "a base64 blob",
        _ => "a string",
    }
}

fn decode_query_member(
    service: &ServiceModel,
    r: &MemberRef,
    target: &Shape,
    wire: &str,
    query: &[(String, String)],
    input: &Shape,
    name: &str,
) -> WireResult<Option<Value>> {
    match target.kind {
        ShapeType::List => {
            let item = shape(
                service,
                target.member.as_ref().map_or("", |m| m.shape.as_str()),
            )?;
            let items = query
                .iter()
                .filter(|(k, _)| k == wire)
                .map(|(_, v)| text_value(item, v, name))
                .collect::<WireResult<Vec<_>>>()?;
            Ok((!items.is_empty()).then_some(Value::Array(items)))
        }
        ShapeType::Map if r.location_name.is_none() => {
            // A map bound to the whole query string takes every parameter no other member names.
            let named: Vec<&str> = input
                .members
                .iter()
                .filter(|(_, m)| {
                    m.location == Some(Location::Querystring) && m.location_name.is_some()
                })
                .filter_map(|(_, m)| m.location_name.as_deref())
                .collect();
            let value_shape = shape(
                service,
                target.value.as_ref().map_or("", |m| m.shape.as_str()),
            )?;
            let mut map = Map::new();
            for (k, v) in query.iter().filter(|(k, _)| !named.contains(&k.as_str())) {
                if value_shape.kind == ShapeType::List {
                    let entry = map
                        .entry(k.clone())
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(items) = entry {
                        items.push(Value::String(v.clone()));
                    }
                } else {
                    map.entry(k.clone())
                        .or_insert_with(|| Value::String(v.clone()));
                }
            }
            Ok((!map.is_empty()).then_some(Value::Object(map)))
        }
        _ => match query.iter().find(|(k, _)| k == wire) {
            Some((_, v)) => Ok(Some(text_value(target, v, name)?)),
            None => Ok(None),
        },
    }
}

fn header_value(
    service: &ServiceModel,
    r: &MemberRef,
    target: &Shape,
    text: &str,
    name: &str,
) -> WireResult<Value> {
    if r.jsonvalue {
        let bytes = decode_blob(text).ok_or_else(|| WireError::expected("base64 JSON", name))?;
        return serde_json::from_slice(&bytes)
            .map_err(|_| WireError::expected("base64 JSON", name));
    }
    match target.kind {
        ShapeType::List => {
            let item = shape(
                service,
                target.member.as_ref().map_or("", |m| m.shape.as_str()),
            )?;
            split_header_list(text, item.kind == ShapeType::Timestamp)
                .iter()
                .map(|part| text_value(item, part, name))
                .collect::<WireResult<Vec<_>>>()
                .map(Value::Array)
        }
        _ => text_value(target, text, name),
    }
}

/// Splits a comma-separated header list (quoted items may hold commas; HTTP
/// dates hold one comma each).
fn split_header_list(text: &str, dates: bool) -> Vec<String> {
    if dates {
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        return parts.chunks(2).map(|c| c.join(", ")).collect();
    }
    let mut items = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => current.extend(chars.next()),
            ',' if !quoted => items.push(std::mem::take(&mut current).trim().to_owned()),
            c => current.push(c),
        }
    }
    items.push(current.trim().to_owned());
    items
}

/// The payload member of a structure, if the model names one.
pub fn payload_member<'m>(
    service: &'m ServiceModel,
    target: &'m Shape,
) -> Option<(&'m str, &'m MemberRef, &'m Shape)> {
    let name = target.payload.as_deref()?;
    let r = target.members.get(name)?;
    Some((name, r, service.shape(&r.shape)?))
}

/// Decodes a raw (blob or string) payload body.
pub fn raw_payload(target: &Shape, body: &[u8]) -> Result<Value, AwsError> {
    if target.kind == ShapeType::Blob {
        Ok(Value::String(encode_blob(body)))
    } else {
        std::str::from_utf8(body)
            .map(|s| Value::String(s.to_owned()))
            .map_err(|_| {
                AwsError::new(
                    "SerializationException",
                    400,
                    "The payload is not valid UTF-8",
                )
            })
    }
}

/// The body and content type of a raw (blob or string) payload member of `output`; `None` when
/// the payload member is a structure, which each protocol writes in its own format.
pub fn raw_payload_body(
    output: &Value,
    name: &str,
    payload: &Shape,
) -> Option<(&'static str, Vec<u8>)> {
    let text = output.get(name).and_then(Value::as_str);
    match payload.kind {
        ShapeType::Blob => Some((
            "application/octet-stream",
            text.and_then(decode_blob).unwrap_or_default(),
        )),
        ShapeType::String => Some(("text/plain", text.unwrap_or("").as_bytes().to_vec())),
        _ => None,
    }
}

/// Applies the output members bound to headers and the status code; returns the status.
pub fn encode_bindings(route: &Route, output: &Value, response: &mut Response) -> u16 {
    let service = route.service;
    let mut status = route.operation.http.response_code.unwrap_or(200);
    let Some(target) = route.output_shape() else {
        return status;
    };
    let Some(object) = output.as_object() else {
        return status;
    };
    for (name, r) in &target.members {
        let (Some(location), Some(v), Some(member_shape)) =
            (r.location, object.get(name), service.shape(&r.shape))
        else {
            continue;
        };
        let wire = r.location_name.as_deref().unwrap_or(name);
        match location {
            Location::Header => {
                if let Some(text) = header_text(r, member_shape, service, v) {
                    response.push_header(wire, &text);
                }
            }
            Location::Headers => {
                if let Some(map) = v.as_object() {
                    for (k, item) in map {
                        if let Some(text) = item.as_str() {
                            response.push_header(&format!("{wire}{k}"), text);
                        }
                    }
                }
            }
            Location::StatusCode => {
                if let Some(code) = v.as_u64().and_then(|c| u16::try_from(c).ok()) {
                    status = code;
                }
            }
            _ => {}
        }
    }
    status
}

fn header_text(r: &MemberRef, target: &Shape, service: &ServiceModel, v: &Value) -> Option<String> {
    if r.jsonvalue {
        return Some(STANDARD.encode(v.to_string()));
    }
    let format_name = r
        .timestamp_format
        .as_deref()
        .or(target.timestamp_format.as_deref());
    let format = TimestampFormat::from_model(format_name, TimestampFormat::HttpDate);
    match (target.kind, v) {
        (ShapeType::List, Value::Array(items)) => {
            let item = service.shape(&target.member.as_ref()?.shape)?;
            let parts: Vec<String> = items
                .iter()
                .filter_map(|i| scalar_text(item.kind, i, format))
                .map(|s| {
                    if s.contains(',') || s.contains('"') {
                        format!("\"{}\"", s.replace('"', "\\\""))
                    } else {
                        s
                    }
                })
                .collect();
            Some(parts.join(","))
        }
        (kind, v) => scalar_text(kind, v, format),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lists_split_on_unquoted_commas() {
        assert_eq!(
            split_header_list("a, \"b,c\", d", false),
            vec!["a", "b,c", "d"]
        );
        assert_eq!(
            split_header_list(
                "Thu, 01 Jan 2015 00:00:00 GMT, Fri, 02 Jan 2015 00:00:00 GMT",
                true
            ),
            vec![
                "Thu, 01 Jan 2015 00:00:00 GMT",
                "Fri, 02 Jan 2015 00:00:00 GMT"
            ]
        );
    }
}
