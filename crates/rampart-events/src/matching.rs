//! Deciding whether an event matches a pattern.
//!
//! A pattern object matches an event object when each of its fields matches and one
//! alternative of each `$or` does; against an array, when one element matches it all (so the
//! fields of one pattern object never match across different elements). A leaf field gathers
//! the event's scalar values there (an array's elements, flattened); with none, the field is
//! absent and only `{"exists": false}` matches it; otherwise one matcher must accept one value.

use crate::cidr::ip;
use crate::number::{comparable, same};
use crate::pattern::{Field, Matcher, Negation, Node};
use serde_json::Value;

/// Whether the event value `value` (`None` when absent) matches `node`.
pub(crate) fn node(node_pattern: &Node, value: Option<&Value>) -> bool {
    if let Some(Value::Array(items)) = value {
        if items.is_empty() {
            return node(node_pattern, None);
        }
        return items.iter().any(|item| node(node_pattern, Some(item)));
    }
    let members = value.and_then(Value::as_object);
    node_pattern
        .fields
        .iter()
        .all(|(name, f)| field(f, members.and_then(|m| m.get(name))))
        && node_pattern
            .ors
            .iter()
            .all(|alternatives| alternatives.iter().any(|a| node(a, value)))
}

fn field(f: &Field, value: Option<&Value>) -> bool {
    match f {
        Field::Nested(inner) => node(inner, value),
        Field::Leaf(matchers) => {
            let mut leaves = Vec::new();
            scalars(value, &mut leaves);
            if leaves.is_empty() {
                return matchers.contains(&Matcher::Exists(false));
            }
            matchers
                .iter()
                .any(|m| leaves.iter().any(|leaf| accepts(m, leaf)))
        }
    }
}

/// The scalar values at a field: itself, or an array's elements, flattened.
fn scalars<'v>(value: Option<&'v Value>, out: &mut Vec<&'v Value>) {
    match value {
        Some(Value::Array(items)) => items.iter().for_each(|item| scalars(Some(item), out)),
        Some(Value::Object(_)) | None => {}
        Some(scalar) => out.push(scalar),
    }
}

/// Whether matcher `m` accepts the scalar `value`.
fn accepts(m: &Matcher, value: &Value) -> bool {
    let text = value.as_str();
    let text_is = |f: &dyn Fn(&str) -> bool| text.is_some_and(f);
    match m {
        Matcher::String(want) => {
            text_is(&|s| s == want || ip(want).is_some_and(|addr| ip(s) == Some(addr)))
        }
        Matcher::Number(want) => value.as_number().is_some_and(|n| same(n, want)),
        Matcher::Bool(want) => value.as_bool() == Some(*want),
        Matcher::Null => value.is_null(),
        Matcher::Prefix(p) => text_is(&|s| s.starts_with(p.as_str())),
        Matcher::PrefixIgnoreCase(p) => text_is(&|s| s.to_lowercase().starts_with(p.as_str())),
        Matcher::Suffix(p) => text_is(&|s| s.ends_with(p.as_str())),
        Matcher::SuffixIgnoreCase(p) => text_is(&|s| s.to_lowercase().ends_with(p.as_str())),
        Matcher::EqualsIgnoreCase(p) => text_is(&|s| s.to_lowercase() == *p),
        Matcher::Wildcard(w) => text_is(&|s| w.matches(s)),
        Matcher::AnythingBut(negation) => !excluded(negation, value),
        Matcher::Numeric(range) => value
            .as_number()
            .and_then(comparable)
            .is_some_and(|x| range.contains(x)),
        Matcher::Exists(present) => *present,
        Matcher::Cidr(block) => text_is(&|s| block.contains(s)),
    }
}

/// Whether `anything-but` excludes `value`: the exclusions describe strings (or numbers);
/// every other value is "anything but" them.
fn excluded(negation: &Negation, value: &Value) -> bool {
    if let Negation::Numbers(numbers) = negation {
        return value
            .as_number()
            .and_then(comparable)
            .is_some_and(|x| numbers.contains(&x));
    }
    let Some(s) = value.as_str() else {
        return false;
    };
    match negation {
        Negation::Strings(strings) => strings.iter().any(|x| x == s),
        Negation::IgnoreCase(strings) => strings.contains(&s.to_lowercase()),
        Negation::Prefixes(prefixes) => prefixes.iter().any(|p| s.starts_with(p.as_str())),
        Negation::Suffixes(suffixes) => suffixes.iter().any(|p| s.ends_with(p.as_str())),
        Negation::Wildcards(wildcards) => wildcards.iter().any(|w| w.matches(s)),
        Negation::Numbers(_) => false,
    }
}
