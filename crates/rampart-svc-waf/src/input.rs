//! Reading requests: typed inputs, and the member constraints of the wafv2 model (names,
//! descriptions, pagination, tags) with AWS's `WAFInvalidParameterException`.

use crate::errors::{self, REASON_INVALID};
use rampart_protocol::AwsError;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;

/// Reads a typed input; a missing or mistyped member is `WAFInvalidParameterException` for
/// `field`.
pub(crate) fn read<T: DeserializeOwned>(input: Value, field: &str) -> Result<T, AwsError> {
    serde_json::from_value(input).map_err(|e| errors::invalid(field, e.to_string(), REASON_INVALID))
}

/// [`read`] of a borrowed input (the operation reads its other members from it too).
pub(crate) fn read_ref<T: DeserializeOwned>(input: &Value, field: &str) -> Result<T, AwsError> {
    T::deserialize(input).map_err(|e| errors::invalid(field, e.to_string(), REASON_INVALID))
}

/// `EntityName`: 1-128 of `[A-Za-z0-9_-]`.
pub(crate) fn name(text: &str, field: &str) -> Result<(), AwsError> {
    let ok = (1..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    ok.then_some(())
        .ok_or_else(|| errors::invalid(field, text, REASON_INVALID))
}

/// `EntityDescription`: up to 256 characters of words, spaces and `+=:#@/-,.`, not starting
/// or ending with a space (the model's pattern needs at least three characters).
pub(crate) fn description(text: Option<&str>, field: &str) -> Result<(), AwsError> {
    let Some(text) = text else { return Ok(()) };
    let allowed = |c: char| c.is_alphanumeric() || "_+=:#@/-,.".contains(c);
    let len = text.chars().count();
    let ok = (3..=256).contains(&len)
        && text.chars().all(|c| allowed(c) || c.is_whitespace())
        && text.starts_with(allowed)
        && text.ends_with(allowed);
    ok.then_some(())
        .ok_or_else(|| errors::invalid(field, text, REASON_INVALID))
}

/// `EntityId` and `LockToken`: a lower-case UUID.
pub(crate) fn uuid(text: &str, field: &str) -> Result<(), AwsError> {
    let b = text.as_bytes();
    let ok = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        });
    ok.then_some(())
        .ok_or_else(|| errors::invalid(field, text, REASON_INVALID))
}

/// Page size of list operations: `Limit` 1-100, 100 when absent.
pub(crate) fn page_limit(limit: Option<i64>) -> Result<usize, AwsError> {
    match limit {
        None => Ok(100),
        Some(n @ 1..=100) => Ok(n as usize),
        Some(n) => Err(errors::invalid(
            "ENTITY_LIMIT",
            n.to_string(),
            REASON_INVALID,
        )),
    }
}

/// A tag as the API spells it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Tag {
    /// Its key.
    pub key: String,
    /// Its value.
    pub value: String,
}

/// AWS's quota of tags per resource.
pub(crate) const MAX_TAGS: usize = 50;

/// Checks tags (key 1-128 characters, value up to 256, no `aws:` prefix, at most 50).
pub(crate) fn tags(tags: &[Tag]) -> Result<BTreeMap<String, String>, AwsError> {
    let mut out = BTreeMap::new();
    for t in tags {
        let ok = (1..=128).contains(&t.key.chars().count())
            && t.value.chars().count() <= 256
            && !t.key.starts_with("aws:");
        if !ok {
            return Err(errors::invalid("TAGS", &t.key, REASON_INVALID));
        }
        out.insert(t.key.clone(), t.value.clone());
    }
    if out.len() > MAX_TAGS {
        return Err(errors::limits(
            "AWS WAF couldn\u{2019}t perform the operation because you exceeded your resource limit. The resource can have at most 50 tags.",
        ));
    }
    Ok(out)
}

/// The tags as the API lists them.
pub(crate) fn tag_list(tags: &BTreeMap<String, String>) -> Value {
    Value::Array(
        tags.iter()
            .map(|(k, v)| serde_json::json!({"Key": k, "Value": v}))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_model_pattern() {
        assert!(name("my-acl_1", "WEB_ACL").is_ok());
        assert!(name("", "WEB_ACL").is_err());
        assert!(name("has space", "WEB_ACL").is_err());
        assert!(name(&"a".repeat(129), "WEB_ACL").is_err());
    }

    #[test]
    fn descriptions() {
        assert!(description(Some("Blocks bad bots, v2."), "IP_SET").is_ok());
        assert!(description(None, "IP_SET").is_ok());
        assert!(description(Some(" leading"), "IP_SET").is_err());
        assert!(description(Some("ab"), "IP_SET").is_err());
        assert!(description(Some("a b"), "IP_SET").is_ok());
        assert!(description(Some("semi;colon"), "IP_SET").is_err());
    }

    #[test]
    fn uuids_and_limits() {
        assert!(uuid("a1b2c3d4-5678-90ab-cdef-0123456789ab", "ID").is_ok());
        assert!(uuid("A1B2C3D4-5678-90ab-cdef-0123456789ab", "ID").is_err());
        assert!(uuid("nope", "ID").is_err());
        assert_eq!(page_limit(None).unwrap(), 100);
        assert!(page_limit(Some(0)).is_err());
        assert!(page_limit(Some(101)).is_err());
    }

    #[test]
    fn tag_rules() {
        let t = |k: &str| Tag {
            key: k.into(),
            value: "v".into(),
        };
        assert!(tags(&[t("team")]).is_ok());
        assert_eq!(
            tags(&[t("aws:x")]).unwrap_err().code,
            "WAFInvalidParameterException"
        );
        let many: Vec<Tag> = (0..51).map(|i| t(&format!("k{i}"))).collect();
        assert_eq!(tags(&many).unwrap_err().code, "WAFLimitsExceededException");
    }
}
