//! Writing canonical values as XML elements (awsQuery responses, restXml bodies).

use serde_json::Value;

use crate::model::{MemberRef, ServiceModel, Shape, ShapeType, XmlNamespace};
use crate::scalar::{TimestampFormat, scalar_text};
use crate::shapes::{MAX_DEPTH, is_flattened, wire_name};

/// A minimal XML text builder.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    /// Opens `<name attr="v"...>`.
    pub fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attributes {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            escape_into(&mut self.out, v);
            self.out.push('"');
        }
        self.out.push('>');
    }

    /// Closes `</name>`.
    pub fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// Writes escaped text.
    pub fn text(&mut self, text: &str) {
        escape_into(&mut self.out, text);
    }

    /// Writes `<name>text</name>`.
    pub fn element(&mut self, name: &str, text: &str) {
        self.open(name, &[]);
        self.text(text);
        self.close(name);
    }

    /// The finished document.
    pub fn finish(self) -> String {
        self.out
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
}

/// The `xmlns` attribute a namespace declares.
pub fn namespace_attribute(ns: &XmlNamespace) -> (String, String) {
    match &ns.prefix {
        Some(p) => (format!("xmlns:{p}"), ns.uri.clone()),
        None => ("xmlns".to_owned(), ns.uri.clone()),
    }
}

/// Writes the members of a structure value (without the enclosing element).
/// Members with an HTTP location are skipped (they go to headers or status).
pub fn write_members(
    w: &mut XmlWriter,
    service: &ServiceModel,
    target: &Shape,
    value: &Value,
    depth: usize,
) {
    let Some(object) = value.as_object() else {
        return;
    };
    if depth > MAX_DEPTH {
        return;
    }
    for (name, r) in &target.members {
        if r.location.is_some() || r.xml_attribute {
            continue;
        }
        let (Some(v), Some(member_shape)) = (object.get(name), service.shape(&r.shape)) else {
            continue;
        };
        if v.is_null() {
            continue;
        }
        write_value(
            w,
            service,
            r,
            member_shape,
            wire_name(r, member_shape, name),
            v,
            depth + 1,
        );
    }
}

/// The structure's XML attributes (members marked `xmlAttribute`).
pub fn attributes(service: &ServiceModel, target: &Shape, value: &Value) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    let Some(object) = value.as_object() else {
        return attrs;
    };
    for (name, r) in target.members.iter().filter(|(_, r)| r.xml_attribute) {
        if let (Some(v), Some(s)) = (object.get(name), service.shape(&r.shape))
            && let Some(text) = scalar_text(s.kind, v, TimestampFormat::Iso8601)
        {
            attrs.push((wire_name(r, s, name).to_owned(), text));
        }
    }
    attrs
}

/// Writes one value as element(s) named `name`.
pub fn write_value(
    w: &mut XmlWriter,
    service: &ServiceModel,
    r: &MemberRef,
    target: &Shape,
    name: &str,
    value: &Value,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let ns = r
        .xml_namespace
        .as_ref()
        .or(target.xml_namespace.as_ref())
        .map(namespace_attribute);
    let mut attrs: Vec<(String, String)> = ns.into_iter().collect();
    match (target.kind, value) {
        (ShapeType::Structure, _) => {
            attrs.extend(attributes(service, target, value));
            open_owned(w, name, &attrs);
            write_members(w, service, target, value, depth);
            w.close(name);
        }
        (ShapeType::List, Value::Array(items)) => {
            let Some((mr, member_shape)) = target
                .member
                .as_ref()
                .and_then(|m| Some((m, service.shape(&m.shape)?)))
            else {
                return;
            };
            if is_flattened(r, target) {
                let item_name = mr.location_name.as_deref().unwrap_or(name);
                for item in items {
                    write_value(w, service, mr, member_shape, item_name, item, depth + 1);
                }
            } else {
                let item_name = wire_name(mr, member_shape, "member");
                open_owned(w, name, &attrs);
                for item in items {
                    write_value(w, service, mr, member_shape, item_name, item, depth + 1);
                }
                w.close(name);
            }
        }
        (ShapeType::Map, Value::Object(entries)) => {
            let (Some(kr), Some(vr)) = (target.key.as_ref(), target.value.as_ref()) else {
                return;
            };
            let (Some(ks), Some(vs)) = (service.shape(&kr.shape), service.shape(&vr.shape)) else {
                return;
            };
            let key_name = wire_name(kr, ks, "key");
            let value_name = wire_name(vr, vs, "value");
            let flattened = is_flattened(r, target);
            if !flattened {
                open_owned(w, name, &attrs);
            }
            for (k, v) in entries {
                let entry = if flattened { name } else { "entry" };
                w.open(entry, &[]);
                w.element(key_name, k);
                write_value(w, service, vr, vs, value_name, v, depth + 1);
                w.close(entry);
            }
            if !flattened {
                w.close(name);
            }
        }
        (kind, v) => {
            let format_name = r
                .timestamp_format
                .as_deref()
                .or(target.timestamp_format.as_deref());
            let format = TimestampFormat::from_model(format_name, TimestampFormat::Iso8601);
            let text = match (kind, v) {
                (ShapeType::Structure | ShapeType::List | ShapeType::Map, _) => None,
                _ => scalar_text(kind, v, format),
            };
            if let Some(text) = text {
                open_owned(w, name, &attrs);
                w.text(&text);
                w.close(name);
            }
        }
    }
}

fn open_owned(w: &mut XmlWriter, name: &str, attrs: &[(String, String)]) {
    let borrowed: Vec<(&str, &str)> = attrs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    w.open(name, &borrowed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attributes() {
        let mut w = XmlWriter::default();
        w.open("a", &[("k", "\"<&>")]);
        w.text("x<y & 'z'\u{1}\r\n");
        w.close("a");
        assert_eq!(
            w.finish(),
            "<a k=\"&quot;&lt;&amp;&gt;\">x&lt;y &amp; &apos;z&apos;&#xD;\n</a>"
        );
    }
}
