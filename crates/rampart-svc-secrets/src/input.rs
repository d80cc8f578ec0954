//! Reading and checking request members: names, tokens, values, tags, paging.

use crate::crypt::Plain;
use crate::errors;
use crate::model::Tag;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rampart_protocol::AwsError;
use serde_json::Value;
use zeroize::Zeroizing;

/// The largest secret value, in bytes.
pub(crate) const MAX_VALUE: usize = 65_536;
/// The most tags a secret may have.
const MAX_TAGS: usize = 50;

/// A string member, if present.
pub(crate) fn text<'v>(input: &'v Value, member: &str) -> Option<&'v str> {
    input.get(member).and_then(Value::as_str)
}

/// A boolean member, if present.
pub(crate) fn flag(input: &Value, member: &str) -> Option<bool> {
    input.get(member).and_then(Value::as_bool)
}

/// A required string member.
pub(crate) fn required<'v>(input: &'v Value, member: &str) -> Result<&'v str, AwsError> {
    text(input, member).ok_or_else(|| errors::validation(member, "Member must not be null"))
}

/// `SecretId`, required.
pub(crate) fn secret_id(input: &Value) -> Result<&str, AwsError> {
    let id = required(input, "SecretId")?;
    if id.is_empty() || id.chars().count() > 2048 {
        return Err(errors::validation(
            "secretId",
            "Member must have length between 1 and 2048",
        ));
    }
    Ok(id)
}

/// Checks a secret name: 1-512 characters, letters, digits and `/_+=.@-`.
pub(crate) fn check_name(name: &str) -> Result<(), AwsError> {
    let len = name.chars().count();
    if !(1..=512).contains(&len) {
        return Err(errors::validation(
            "name",
            "Member must have length between 1 and 512",
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c))
    {
        return Err(errors::invalid_parameter(
            "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
        ));
    }
    Ok(())
}

/// `ClientRequestToken`, checked (32-64 characters), or a fresh UUID.
pub(crate) fn token(input: &Value) -> Result<String, AwsError> {
    match text(input, "ClientRequestToken") {
        Some(t) => {
            if !(32..=64).contains(&t.chars().count()) {
                return Err(errors::validation(
                    "clientRequestToken",
                    "Member must have length between 32 and 64",
                ));
            }
            Ok(t.to_owned())
        }
        None => rampart_crypto::random_uuid().ok_or_else(rampart_service::internal_error),
    }
}

/// `SecretString` or `SecretBinary`, if either is given (never both), at most 64 KiB.
pub(crate) fn value(input: &Value) -> Result<Option<Plain>, AwsError> {
    let string = text(input, "SecretString");
    let binary = text(input, "SecretBinary");
    let plain = match (string, binary) {
        (Some(_), Some(_)) => {
            return Err(errors::invalid_parameter(
                "You can't specify both a binary secret value and a string secret value in the same secret.",
            ));
        }
        (Some(s), None) => Plain::Text(Zeroizing::new(s.to_owned())),
        (None, Some(b)) => {
            Plain::Binary(Zeroizing::new(B64.decode(b).map_err(|_| {
                errors::invalid_parameter("SecretBinary is not valid base64.")
            })?))
        }
        (None, None) => return Ok(None),
    };
    let len = match &plain {
        Plain::Text(t) => t.len(),
        Plain::Binary(b) => b.len(),
    };
    if len > MAX_VALUE {
        let member = match plain {
            Plain::Text(_) => "secretString",
            Plain::Binary(_) => "secretBinary",
        };
        return Err(errors::validation(
            member,
            "Member must have length less than or equal to 65536",
        ));
    }
    if len == 0 {
        return Err(errors::validation(
            "secretString",
            "Member must have length greater than or equal to 1",
        ));
    }
    Ok(Some(plain))
}

/// `Description`, checked (at most 2048 characters).
pub(crate) fn description(input: &Value) -> Result<Option<String>, AwsError> {
    match text(input, "Description") {
        Some(d) if d.chars().count() > 2048 => Err(errors::validation(
            "description",
            "Member must have length less than or equal to 2048",
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

/// `KmsKeyId`, checked (at most 2048 characters); empty means none.
pub(crate) fn kms_key_id(input: &Value) -> Result<Option<String>, AwsError> {
    match text(input, "KmsKeyId") {
        Some(k) if k.chars().count() > 2048 => Err(errors::validation(
            "kmsKeyId",
            "Member must have length less than or equal to 2048",
        )),
        Some("") | None => Ok(None),
        Some(k) => Ok(Some(k.to_owned())),
    }
}

/// The `Tags` member, checked: keys 1-128 characters, values at most 256, no `aws:` prefix.
pub(crate) fn tags(input: &Value) -> Result<Vec<Tag>, AwsError> {
    let Some(list) = input.get("Tags") else {
        return Ok(Vec::new());
    };
    let tags: Vec<Tag> = serde_json::from_value(list.clone())
        .map_err(|_| errors::invalid_parameter("The Tags parameter is not valid."))?;
    for tag in &tags {
        if !(1..=128).contains(&tag.key.chars().count()) || tag.value.chars().count() > 256 {
            return Err(errors::invalid_parameter(
                "Tag keys must be 1 to 128 characters and tag values at most 256 characters.",
            ));
        }
        if tag.key.to_ascii_lowercase().starts_with("aws:") {
            return Err(errors::invalid_parameter(
                "Invalid tag key. Tag keys starting with aws: are reserved.",
            ));
        }
    }
    Ok(tags)
}

/// Merges `new` tags into `tags` (a later value replaces an earlier one) and enforces the
/// quota of 50.
pub(crate) fn merge_tags(tags: &mut Vec<Tag>, new: Vec<Tag>) -> Result<(), AwsError> {
    for tag in new {
        match tags.iter_mut().find(|t| t.key == tag.key) {
            Some(existing) => existing.value = tag.value,
            None => tags.push(tag),
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(errors::limit("A secret can have at most 50 tags."));
    }
    Ok(())
}

/// A list of strings member.
pub(crate) fn strings(input: &Value, member: &str) -> Vec<String> {
    input
        .get(member)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// One page of `items`: `MaxResults` (1..=`max`, default `max`) from the offset `NextToken`
/// names; the page and the next token.
pub(crate) fn page<T: Clone>(
    input: &Value,
    items: &[T],
    max: usize,
) -> Result<(Vec<T>, Option<String>), AwsError> {
    let limit = match input.get("MaxResults").and_then(Value::as_i64) {
        Some(n) if n < 1 || n as usize > max => {
            return Err(errors::validation(
                "maxResults",
                &format!("Member must have value between 1 and {max}"),
            ));
        }
        Some(n) => n as usize,
        None => max,
    };
    let start = match text(input, "NextToken") {
        Some(t) => B64
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| {
                s.strip_prefix("offset:")
                    .and_then(|n| n.parse::<usize>().ok())
            })
            .filter(|&n| n <= items.len())
            .ok_or_else(errors::invalid_next_token)?,
        None => 0,
    };
    let end = (start + limit).min(items.len());
    let next = (end < items.len()).then(|| B64.encode(format!("offset:{end}")));
    Ok((items[start..end].to_vec(), next))
}
