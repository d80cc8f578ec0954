//! Reading a pattern's text into a [`Pattern`], refusing what EventBridge refuses with its
//! reasons. The JSON is read in document order (the first key of a match expression decides
//! what it is, as in EventBridge); a repeated field keeps its last value.

use crate::cidr::Cidr;
use crate::error::{PatternError, refuse};
use crate::number::comparable;
use crate::pattern::{Field, Matcher, Negation, Node, Pattern, Range};
use crate::wildcard::Wildcard;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;
use std::fmt;

/// JSON in document order.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// What the rule engine names a token by in its reasons.
    fn text(&self) -> String {
        match self {
            Json::Null => "null".into(),
            Json::Bool(b) => b.to_string(),
            Json::Number(n) => n.to_string(),
            Json::String(s) => s.clone(),
            Json::Array(_) => "[".into(),
            Json::Object(_) => "{".into(),
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }
    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Json, E> {
        Number::from_f64(n)
            .map(Json::Number)
            .ok_or_else(|| E::custom("a number out of range"))
    }
    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::String(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::String(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Json>()? {
            members.push((key, value));
        }
        Ok(Json::Object(members))
    }
}

/// Field names a `$or` alternative may not use: the match expressions' names and the names
/// the rule engine keeps for itself.
const RESERVED_IN_OR: &[&str] = &[
    "exactly",
    "equals-ignore-case",
    "prefix",
    "suffix",
    "anything-but",
    "exists",
    "wildcard",
    "numeric",
    "cidr",
    "=",
    "<",
    "<=",
    ">",
    ">=",
    "regex",
    "not-wildcard",
    "not-equals-ignore-case",
    "date-after",
    "date-on-or-after",
    "date-before",
    "date-on-or-before",
    "in-date-range",
    "ip-address-in-range",
    "ip-address-not-in-range",
];

const TOO_MANY: &str = "Too many elements in numeric expression";
const ONE_KEY: &str = "Only one key allowed in match expression";

/// Parses and validates a whole pattern.
pub(crate) fn pattern(text: &str) -> Result<Pattern, PatternError> {
    let json: Json = serde_json::from_str(text).map_err(|e| PatternError::new(e.to_string()))?;
    let Json::Object(members) = json else {
        return refuse("Filter is not an object");
    };
    Ok(Pattern {
        root: object(members, false)?,
    })
}

/// One pattern object; `in_or` inside a `$or` alternative.
fn object(members: Vec<(String, Json)>, in_or: bool) -> Result<Node, PatternError> {
    if members.is_empty() {
        return refuse("Empty objects are not allowed");
    }
    let mut node = Node::default();
    for (name, value) in members {
        if name == "$or" {
            node.ors.push(alternatives(value)?);
            continue;
        }
        if in_or && RESERVED_IN_OR.contains(&name.as_str()) {
            return refuse(format!(
                "{name} is Ruler reserved fieldName which cannot be used inside $or."
            ));
        }
        let field = match value {
            Json::Object(inner) => Field::Nested(object(inner, in_or)?),
            Json::Array(items) => Field::Leaf(values(items)?),
            _ => return refuse(format!("\"{name}\" must be an object or an array")),
        };
        node.fields.retain(|(existing, _)| *existing != name);
        node.fields.push((name, field));
    }
    Ok(node)
}

/// The alternatives of a `$or`: at least two objects.
fn alternatives(value: Json) -> Result<Vec<Node>, PatternError> {
    let Json::Array(items) = value else {
        return refuse("It must be an Array followed with $or.");
    };
    let mut alternatives = Vec::new();
    for item in items {
        let Json::Object(members) = item else {
            return refuse("Only JSON object is allowed in array of $or relationship.");
        };
        alternatives.push(object(members, true)?);
    }
    if alternatives.len() < 2 {
        return refuse("There must have at least 2 Objects in $or relationship.");
    }
    Ok(alternatives)
}

/// The values of a leaf array: literals and match expressions.
fn values(items: Vec<Json>) -> Result<Vec<Matcher>, PatternError> {
    if items.is_empty() {
        return refuse("Empty arrays are not allowed");
    }
    items
        .into_iter()
        .map(|item| match item {
            Json::Object(members) => expression(members),
            Json::String(s) => Ok(Matcher::String(s)),
            Json::Number(n) => Ok(Matcher::Number(n)),
            Json::Bool(b) => Ok(Matcher::Bool(b)),
            Json::Null => Ok(Matcher::Null),
            Json::Array(_) => refuse("Match value must be String, number, true, false, or null"),
        })
        .collect()
}

/// A match expression: `{"prefix": ...}`, `{"numeric": [...]}`, ...
fn expression(members: Vec<(String, Json)>) -> Result<Matcher, PatternError> {
    let extra = members.len() > 1;
    let Some((name, value)) = members.into_iter().next() else {
        return refuse("Match expression name not found");
    };
    let one_key = |m: Matcher| if extra { refuse(ONE_KEY) } else { Ok(m) };
    match name.as_str() {
        "exactly" => match value {
            Json::String(s) => one_key(Matcher::String(s)),
            _ => refuse("exact match pattern must be a string"),
        },
        "prefix" | "suffix" => {
            let prefix = name == "prefix";
            match value {
                Json::Object(inner) => {
                    let text = ignore_case_inner(inner, prefix)?;
                    one_key(if prefix {
                        Matcher::PrefixIgnoreCase(text.to_lowercase())
                    } else {
                        Matcher::SuffixIgnoreCase(text.to_lowercase())
                    })
                }
                Json::String(s) => one_key(if prefix {
                    Matcher::Prefix(s)
                } else {
                    Matcher::Suffix(s)
                }),
                _ => refuse(format!("{name} match pattern must be a string")),
            }
        }
        "numeric" => {
            let Json::Array(items) = value else {
                return refuse("Value of numeric must be an array.");
            };
            let range = numeric(&items)?;
            if extra {
                return refuse(TOO_MANY);
            }
            Ok(Matcher::Numeric(range))
        }
        "anything-but" => {
            let negation = anything_but(value)?;
            if extra {
                return refuse(TOO_MANY);
            }
            Ok(Matcher::AnythingBut(negation))
        }
        "exists" => match value {
            Json::Bool(b) => one_key(Matcher::Exists(b)),
            _ => refuse("exists match pattern must be either true or false."),
        },
        "cidr" => match value {
            Json::String(s) => {
                let cidr = Cidr::parse(&s)?;
                one_key(Matcher::Cidr(cidr))
            }
            _ => refuse("prefix match pattern must be a string"),
        },
        "equals-ignore-case" => match value {
            Json::String(s) => one_key(Matcher::EqualsIgnoreCase(s.to_lowercase())),
            _ => refuse("equals-ignore-case match pattern must be a string"),
        },
        "wildcard" => match value {
            Json::String(s) => {
                let wildcard = Wildcard::parse(&s)?;
                one_key(Matcher::Wildcard(wildcard))
            }
            _ => refuse("wildcard match pattern must be a string"),
        },
        _ => refuse(format!("Unrecognized match type {name}")),
    }
}

/// `{"equals-ignore-case": "..."}` inside `prefix` or `suffix`.
fn ignore_case_inner(inner: Vec<(String, Json)>, prefix: bool) -> Result<String, PatternError> {
    let (kind, upper) = if prefix {
        ("prefix", "Prefix")
    } else {
        ("suffix", "Suffix")
    };
    let extra = inner.len() > 1;
    let Some((op, value)) = inner.into_iter().next() else {
        return refuse(format!("{upper} expression name not found"));
    };
    if op != "equals-ignore-case" {
        return refuse(format!("Unsupported {kind} pattern: {op}"));
    }
    let Json::String(text) = value else {
        return refuse("equals-ignore-case match pattern must be a string");
    };
    if extra {
        return refuse(ONE_KEY);
    }
    Ok(text)
}

/// A number of a pattern as a double, refused when a double cannot hold it exactly.
fn exact_double(n: &Number) -> Result<f64, PatternError> {
    comparable(n).ok_or_else(|| PatternError::new(format!("Cannot compare number : {n}")))
}

/// The array of a `numeric` expression: `["=", n]`, `[">", n]`, `[">=", n, "<", m]`, ...
fn numeric(items: &[Json]) -> Result<Range, PatternError> {
    let Some(first) = items.first() else {
        return refuse("Invalid member in numeric match: ]");
    };
    let Json::String(op) = first else {
        return refuse(format!("Invalid member in numeric match: {}", first.text()));
    };
    let number = |at: usize| match items.get(at) {
        Some(Json::Number(n)) => Some(n),
        _ => None,
    };
    let op = op.as_str();
    let must_be_numeric = |what: &str| refuse(format!("Value of {what} must be numeric"));
    match op {
        "=" | "<" | "<=" => {
            let Some(n) = number(1) else {
                return must_be_numeric(if op == "=" { "equals" } else { op });
            };
            if items.len() > 2 {
                return refuse(TOO_MANY);
            }
            let x = exact_double(n)?;
            Ok(match op {
                "=" => Range {
                    low: Some((x, false)),
                    high: Some((x, false)),
                },
                _ => Range {
                    low: None,
                    high: Some((x, op == "<")),
                },
            })
        }
        ">" | ">=" => {
            let Some(n) = number(1) else {
                return must_be_numeric(op);
            };
            let low = (n, op == ">");
            let Some(second) = items.get(2) else {
                return Ok(Range {
                    low: Some((exact_double(n)?, low.1)),
                    high: None,
                });
            };
            let Json::String(top_op) = second else {
                return refuse(format!("Bad value in numeric range: {}", second.text()));
            };
            if top_op != "<" && top_op != "<=" {
                return refuse(format!("Bad numeric range operator: {top_op}"));
            }
            let Some(top) = number(3) else {
                return must_be_numeric(top_op);
            };
            if items.len() > 4 {
                return refuse("Too many terms in numeric range expression");
            }
            let (bottom, top_value) = (exact_double(low.0)?, exact_double(top)?);
            if bottom >= top_value {
                return refuse("Bottom must be less than top");
            }
            Ok(Range {
                low: Some((bottom, low.1)),
                high: Some((top_value, top_op == "<")),
            })
        }
        other => refuse(format!("Unrecognized numeric range operator: {other}")),
    }
}

/// The kinds of `anything-but` with an operator object.
#[derive(Clone, Copy, PartialEq)]
enum ButKind {
    IgnoreCase,
    Prefix,
    Suffix,
    Wildcard,
}

/// The value of `anything-but`: a string, a number, a list of either, or an object naming
/// `equals-ignore-case`, `prefix`, `suffix` or `wildcard` over a string or a list of strings.
fn anything_but(value: Json) -> Result<Negation, PatternError> {
    let (kind, value, inner_extra) = match value {
        Json::Object(inner) => {
            let extra = inner.len() > 1;
            let Some((op, value)) = inner.into_iter().next() else {
                return refuse("Anything-But expression name not found");
            };
            let kind = match op.as_str() {
                "equals-ignore-case" => ButKind::IgnoreCase,
                "prefix" => ButKind::Prefix,
                "suffix" => ButKind::Suffix,
                "wildcard" => ButKind::Wildcard,
                _ => return refuse(format!("Unsupported anything-but pattern: {op}")),
            };
            (Some(kind), value, extra)
        }
        other => (None, other, false),
    };
    if !matches!(value, Json::Array(_) | Json::String(_) | Json::Number(_)) {
        return refuse("Value of anything-but must be an array or single string/number value.");
    }
    let negation = match kind {
        None => plain_anything_but(value)?,
        Some(kind) => {
            let items = match value {
                Json::Array(items) => items,
                single => vec![single],
            };
            let mut strings = Vec::new();
            for item in items {
                let Json::String(text) = item else {
                    return refuse(match kind {
                        ButKind::IgnoreCase => {
                            "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
                        }
                        ButKind::Wildcard => "wildcard match pattern must be a string",
                        ButKind::Prefix | ButKind::Suffix => {
                            "prefix/suffix match pattern must be a string"
                        }
                    });
                };
                if matches!(kind, ButKind::Prefix | ButKind::Suffix) && text.is_empty() {
                    return refuse("Null prefix/suffix not allowed");
                }
                strings.push(text);
            }
            match kind {
                ButKind::IgnoreCase => {
                    Negation::IgnoreCase(strings.iter().map(|s| s.to_lowercase()).collect())
                }
                ButKind::Prefix => Negation::Prefixes(strings),
                ButKind::Suffix => Negation::Suffixes(strings),
                ButKind::Wildcard => Negation::Wildcards(
                    strings
                        .iter()
                        .map(|s| Wildcard::parse(s))
                        .collect::<Result<_, _>>()?,
                ),
            }
        }
    };
    if inner_extra {
        return refuse(TOO_MANY);
    }
    Ok(negation)
}

/// `anything-but` over a string, a number, or a list of only strings or only numbers.
fn plain_anything_but(value: Json) -> Result<Negation, PatternError> {
    let items = match value {
        Json::Array(items) => items,
        single => vec![single],
    };
    let (mut strings, mut numbers) = (Vec::new(), Vec::new());
    for item in items {
        match item {
            Json::String(s) => strings.push(s),
            Json::Number(n) => numbers.push(exact_double(&n)?),
            _ => return refuse("Inside anything but list, start|null|boolean is not supported."),
        }
    }
    match (strings.is_empty(), numbers.is_empty()) {
        (false, true) => Ok(Negation::Strings(strings)),
        (true, false) => Ok(Negation::Numbers(numbers)),
        _ => refuse(
            "Inside anything but list, either all values are number or string, mixed type is not supported",
        ),
    }
}
