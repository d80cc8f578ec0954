//! Just enough XML for signed SAML assertions: a namespace-aware element tree (no DTDs, no
//! external entities), and Exclusive XML Canonicalization 1.0 without comments
//! (<http://www.w3.org/2001/10/xml-exc-c14n#>) of a subtree, as XML Signature needs it.

use quick_xml::events::{BytesStart, Event};
use std::collections::BTreeMap;

/// The most elements a document may hold, and the deepest nesting.
const MAX_ELEMENTS: usize = 10_000;
const MAX_DEPTH: usize = 64;

/// An element with its namespace resolved.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    /// The prefix as written (`None` for an unprefixed name).
    pub prefix: Option<String>,
    /// The local name.
    pub local: String,
    /// The namespace URI the name resolves to (empty for none).
    pub ns: String,
    /// Attributes other than namespace declarations.
    pub attrs: Vec<Attr>,
    /// Every namespace in scope at this element (prefix, `""` for the default), inherited ones
    /// included: exclusive canonicalization needs them even outside the signed subtree.
    pub scope: BTreeMap<String, String>,
    pub children: Vec<Node>,
}

/// An attribute with its namespace resolved.
#[derive(Debug, Clone)]
pub(crate) struct Attr {
    pub prefix: Option<String>,
    pub local: String,
    pub ns: String,
    pub value: String,
}

/// A child of an element.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    /// The value of the unqualified attribute `local`.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.prefix.is_none() && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// The child elements named `local` in namespace `ns`.
    pub fn children_named<'e>(
        &'e self,
        ns: &'e str,
        local: &'e str,
    ) -> impl Iterator<Item = &'e Element> {
        self.children.iter().filter_map(move |n| match n {
            Node::Element(e) if e.ns == ns && e.local == local => Some(e),
            _ => None,
        })
    }

    /// The one child element named `local` in `ns`, if there is exactly one.
    pub fn only_child<'e>(&'e self, ns: &'e str, local: &'e str) -> Option<&'e Element> {
        let mut found = self.children_named(ns, local);
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// The element's text content (its text children, concatenated).
    pub fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                Node::Element(_) => None,
            })
            .collect()
    }

    /// Every element of the subtree, this one first.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = vec![self];
        for child in &self.children {
            if let Node::Element(e) = child {
                out.extend(e.descendants());
            }
        }
        out
    }
}

/// Parses a document into its root element. Refuses DTDs (and so any entity but XML's five),
/// and documents that are too large or too deep.
pub(crate) fn parse(text: &str) -> Result<Element, String> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().expand_empty_elements = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    let mut count = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("malformed XML: {e}"))?;
        match event {
            Event::Start(start) => {
                count += 1;
                if count > MAX_ELEMENTS || stack.len() >= MAX_DEPTH {
                    return Err("the XML document is too large".into());
                }
                let parent_scope = stack.last().map(|p| p.scope.clone()).unwrap_or_default();
                stack.push(element(&start, parent_scope)?);
            }
            Event::End(_) => {
                let done = stack.pop().ok_or("unbalanced XML")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(done)),
                    None if root.is_none() => root = Some(done),
                    None => return Err("more than one root element".into()),
                }
            }
            Event::Text(text) => push_text(&mut stack, &text.xml10_content())?,
            Event::CData(data) => push_text(&mut stack, &data.xml10_content())?,
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => predefined(&reference.xml10_content())
                        .ok_or("an entity other than XML's five")?
                        .to_owned(),
                    Err(_) => return Err("a bad character reference".into()),
                };
                push_text(&mut stack, &resolved)?;
            }
            Event::DocType(_) => return Err("DTDs are not accepted".into()),
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::Empty(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err("the XML document ends inside an element".into());
    }
    root.ok_or_else(|| "no root element".into())
}

fn predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        _ => return None,
    })
}

/// Appends text to the open element (text outside the root is only whitespace, and dropped).
fn push_text(stack: &mut [Element], text: &str) -> Result<(), String> {
    let Some(open) = stack.last_mut() else {
        return match text.trim().is_empty() {
            true => Ok(()),
            false => Err("text outside the root element".into()),
        };
    };
    match open.children.last_mut() {
        Some(Node::Text(previous)) => previous.push_str(text),
        _ => open.children.push(Node::Text(text.to_owned())),
    }
    Ok(())
}

fn split(qname: &str) -> (Option<String>, String) {
    match qname.split_once(':') {
        Some((prefix, local)) => (Some(prefix.to_owned()), local.to_owned()),
        None => (None, qname.to_owned()),
    }
}

fn element(start: &BytesStart<'_>, mut scope: BTreeMap<String, String>) -> Result<Element, String> {
    let name = start.name().as_ref().to_owned();
    let mut raw = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| format!("malformed attribute: {e}"))?;
        let key = attr.key.as_ref().to_owned();
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| format!("malformed attribute value: {e}"))?
            .into_owned();
        if key == "xmlns" {
            scope.insert(String::new(), value);
        } else if let Some(prefix) = key.strip_prefix("xmlns:") {
            scope.insert(prefix.to_owned(), value);
        } else {
            raw.push((key, value));
        }
    }
    let resolve = |prefix: &Option<String>, default_applies: bool| -> Result<String, String> {
        match prefix {
            Some(p) if p == "xml" => Ok("http://www.w3.org/XML/1998/namespace".into()),
            Some(p) => scope
                .get(p)
                .cloned()
                .ok_or_else(|| format!("undeclared namespace prefix {p}")),
            None if default_applies => Ok(scope.get("").cloned().unwrap_or_default()),
            None => Ok(String::new()),
        }
    };
    let (prefix, local) = split(&name);
    let ns = resolve(&prefix, true)?;
    let mut attrs = Vec::new();
    for (key, value) in raw {
        let (prefix, local) = split(&key);
        let ns = resolve(&prefix, false)?;
        attrs.push(Attr {
            prefix,
            local,
            ns,
            value,
        });
    }
    Ok(Element {
        prefix,
        local,
        ns,
        attrs,
        scope,
        children: Vec::new(),
    })
}

/// The exclusive canonical form of `element`'s subtree, leaving out `omit` (the enveloped
/// signature) wherever it is, with `inclusive` prefixes treated as in inclusive
/// canonicalization (the `InclusiveNamespaces PrefixList`).
pub(crate) fn exclusive_c14n(
    element: &Element,
    omit: Option<&Element>,
    inclusive: &[String],
) -> String {
    let mut out = String::new();
    write_element(element, &BTreeMap::new(), omit, inclusive, &mut out);
    out
}

fn qname(prefix: &Option<String>, local: &str) -> String {
    match prefix {
        Some(p) => format!("{p}:{local}"),
        None => local.to_owned(),
    }
}

fn write_element(
    e: &Element,
    rendered: &BTreeMap<String, String>,
    omit: Option<&Element>,
    inclusive: &[String],
    out: &mut String,
) {
    if omit.is_some_and(|o| std::ptr::eq(o, e)) {
        return;
    }
    // Namespaces visibly used here (the element's prefix, prefixed attributes' prefixes),
    // and the inclusive ones in scope, each output unless an output ancestor already did.
    let mut used: Vec<String> = vec![e.prefix.clone().unwrap_or_default()];
    for attr in &e.attrs {
        if let Some(p) = &attr.prefix
            && p != "xml"
        {
            used.push(p.clone());
        }
    }
    for p in inclusive {
        let key = if p == "#default" {
            String::new()
        } else {
            p.clone()
        };
        if e.scope.contains_key(&key) {
            used.push(key);
        }
    }
    let mut declared = BTreeMap::new();
    for prefix in used {
        let uri = e.scope.get(&prefix).cloned().unwrap_or_default();
        let already = rendered.get(&prefix).cloned().unwrap_or_default();
        if uri != already {
            declared.insert(prefix, uri);
        }
    }
    out.push('<');
    out.push_str(&qname(&e.prefix, &e.local));
    for (prefix, uri) in &declared {
        match prefix.is_empty() {
            true => out.push_str(" xmlns=\""),
            false => {
                out.push_str(" xmlns:");
                out.push_str(prefix);
                out.push_str("=\"");
            }
        }
        escape_attr(uri, out);
        out.push('"');
    }
    let mut attrs: Vec<&Attr> = e.attrs.iter().collect();
    attrs.sort_by(|a, b| (&a.ns, &a.local).cmp(&(&b.ns, &b.local)));
    for attr in attrs {
        out.push(' ');
        out.push_str(&qname(&attr.prefix, &attr.local));
        out.push_str("=\"");
        escape_attr(&attr.value, out);
        out.push('"');
    }
    out.push('>');
    let mut inner = rendered.clone();
    inner.extend(declared);
    for child in &e.children {
        match child {
            Node::Element(c) => write_element(c, &inner, omit, inclusive, out),
            Node::Text(t) => escape_text(t, out),
        }
    }
    out.push_str("</");
    out.push_str(&qname(&e.prefix, &e.local));
    out.push('>');
}

fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

fn escape_attr(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_sorts_attributes_and_renders_only_used_namespaces() {
        let doc = r#"<?xml version="1.0"?>
<r:root xmlns:r="urn:r" xmlns:unused="urn:u" xmlns="urn:d"><r:child b="2" a="1" r:z="x">t &amp; &lt;u&gt; &#65;</r:child><plain/></r:root>"#;
        let root = parse(doc).unwrap();
        let child = match &root.children[0] {
            Node::Element(e) => e,
            Node::Text(_) => panic!("text"),
        };
        // The child alone: its namespace is declared on it, the unused one nowhere.
        assert_eq!(
            exclusive_c14n(child, None, &[]),
            r#"<r:child xmlns:r="urn:r" a="1" b="2" r:z="x">t &amp; &lt;u&gt; A</r:child>"#
        );
        assert_eq!(
            exclusive_c14n(&root, None, &[]),
            r#"<r:root xmlns:r="urn:r"><r:child a="1" b="2" r:z="x">t &amp; &lt;u&gt; A</r:child><plain xmlns="urn:d"></plain></r:root>"#
        );
    }

    #[test]
    fn an_omitted_element_leaves_no_trace() {
        let root = parse(r#"<a xmlns="urn:a"><sig><v>1</v></sig><b>x</b></a>"#).unwrap();
        let Node::Element(sig) = &root.children[0] else {
            panic!("element")
        };
        assert_eq!(
            exclusive_c14n(&root, Some(sig), &[]),
            r#"<a xmlns="urn:a"><b>x</b></a>"#
        );
    }

    #[test]
    fn dtds_and_unknown_entities_are_refused() {
        assert!(parse(r#"<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>"#).is_err());
        assert!(parse("<a>&x;</a>").is_err());
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a/><b/>").is_err());
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(&deep).is_err());
    }
}
