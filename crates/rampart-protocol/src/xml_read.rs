//! A small XML tree reader (restXml request bodies) over quick-xml, with a
//! depth limit and no entity expansion beyond XML's predefined ones.

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use crate::shapes::MAX_DEPTH;

/// An XML element: local name, attributes (qualified names), children and text.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Element {
    /// Local name (namespace prefix removed).
    pub name: String,
    /// Attributes with their qualified names.
    pub attributes: Vec<(String, String)>,
    /// Child elements in order.
    pub children: Vec<Element>,
    /// Concatenated text content.
    pub text: String,
}

impl Element {
    /// Child elements with a local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first child with a local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct XmlError;

fn start(e: &BytesStart) -> Result<Element, XmlError> {
    let name = e.local_name().as_ref().to_owned();
    let mut attributes = Vec::new();
    for attr in e.attributes() {
        let attr = attr.map_err(|_| XmlError)?;
        let key = attr.key.as_ref().to_owned();
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|_| XmlError)?
            .into_owned();
        attributes.push((key, value));
    }
    Ok(Element {
        name,
        attributes,
        ..Element::default()
    })
}

/// Parses a document into its root element.
pub fn parse(text: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let event = reader.read_event().map_err(|_| XmlError)?;
        match event {
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH || root.is_some() {
                    return Err(XmlError);
                }
                stack.push(start(&e)?);
            }
            Event::Empty(e) => {
                let element = start(&e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None if root.is_none() => root = Some(element),
                    None => return Err(XmlError),
                }
            }
            Event::End(_) => {
                let element = stack.pop().ok_or(XmlError)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(t) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(c) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&c.into_inner());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|_| XmlError)?
                        .ok_or(XmlError)?
                } else {
                    match r.xml10_content().as_ref() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        _ => return Err(XmlError),
                    }
                };
                if let Some(current) = stack.last_mut() {
                    current.text.push(resolved);
                }
            }
            Event::DocType(_) => return Err(XmlError),
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError);
    }
    root.ok_or(XmlError)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_elements_text_and_entities() {
        let root = parse("<?xml version=\"1.0\"?><a xmlns=\"u\" k=\"&lt;v\"><b>x &amp; y&#33;</b><c/><b>2</b></a>").unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(
            root.attributes,
            vec![("xmlns".into(), "u".into()), ("k".into(), "<v".into())]
        );
        let texts: Vec<&str> = root.children_named("b").map(|b| b.text.as_str()).collect();
        assert_eq!(texts, vec!["x & y!", "2"]);
        assert!(root.child("c").is_some());
    }

    #[test]
    fn rejects_malformed_and_doctype() {
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("").is_err());
        assert!(parse("<!DOCTYPE x [<!ENTITY e \"y\">]><a>&e;</a>").is_err());
        assert!(parse("<a/><b/>").is_err());
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(&deep).is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in ".*") {
            let _ = parse(&s);
        }
    }
}
