//! Tags on IAM resources: AWS's rules for them, and `Tag<X>`, `Untag<X>` and `List<X>Tags`
//! for every taggable kind (users, roles, customer managed policies, instance profiles, OIDC
//! and SAML providers, virtual MFA devices).

use super::errors::{invalid_input, limit_exceeded, store_error, validation};
use super::names::max_items;
use super::paging::page;
use super::records::{Tag, encode};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use rampart_store::{Batch, Expect, Key};
use serde::Deserialize;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::HashSet;

/// AWS's quota of tags per IAM resource.
pub(crate) const MAX_TAGS: usize = 50;

/// A taggable IAM resource record.
pub(crate) trait Tagged: Serialize + Sized + 'static {
    /// The kind in operation and quota names: `User`, `Role`, `Policy`, `InstanceProfile`...
    const TITLE: &'static str;
    /// The record the input names, its key and its version, or the kind's `NoSuchEntity`.
    fn load(call: &Call<'_>, input: &Value) -> Result<(Self, Key, u64), AwsError>;
    /// Its tags.
    fn tags(&mut self) -> &mut Vec<Tag>;
    /// Refuses a change when AWS owns the resource.
    fn check_modifiable(&self) -> Result<(), AwsError> {
        Ok(())
    }
}

/// AWS's tag rules: keys 1-128 characters and unique regardless of case, values up to 256
/// characters, at most 50 on one resource (`quota` names it: `TagsPerUser`).
pub(crate) fn check_tags(tags: &[Tag], quota: &str) -> Result<(), AwsError> {
    if tags.len() > MAX_TAGS {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for {quota}: {MAX_TAGS}"
        )));
    }
    let mut seen = HashSet::new();
    for tag in tags {
        let key_len = tag.key.chars().count();
        if key_len == 0 || key_len > 128 || tag.value.chars().count() > 256 {
            return Err(validation(
                "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128 for keys and 256 for values]",
            ));
        }
        if !seen.insert(tag.key.to_lowercase()) {
            return Err(invalid_input(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
    }
    Ok(())
}

/// Merges `new` into `tags`: a key present in any case takes the new value.
fn merge_tags(tags: &mut Vec<Tag>, new: Vec<Tag>) {
    for tag in new {
        match tags
            .iter_mut()
            .find(|t| t.key.eq_ignore_ascii_case(&tag.key))
        {
            Some(existing) => *existing = tag,
            None => tags.push(tag),
        }
    }
}

fn save<T: Tagged>(call: &Call<'_>, record: &T, key: Key, version: u64) -> Result<Value, AwsError> {
    let batch = Batch::new().put_if(
        key,
        encode(record).map_err(store_error)?,
        Expect::Version(version),
    );
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagInput {
    tags: Vec<Tag>,
}

fn tag<T: Tagged>(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (mut record, key, version) = T::load(call, &input)?;
    let input: TagInput = from_input(input, "ValidationError")?;
    let quota = format!("TagsPer{}", T::TITLE);
    check_tags(&input.tags, &quota)?;
    record.check_modifiable()?;
    let tags = record.tags();
    merge_tags(tags, input.tags);
    check_tags(tags, &quota)?;
    save(call, &record, key, version)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UntagInput {
    tag_keys: Vec<String>,
}

fn untag<T: Tagged>(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (mut record, key, version) = T::load(call, &input)?;
    let input: UntagInput = from_input(input, "ValidationError")?;
    if input.tag_keys.len() > MAX_TAGS {
        return Err(validation(
            "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to 50",
        ));
    }
    record.check_modifiable()?;
    record.tags().retain(|t| {
        !input
            .tag_keys
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&t.key))
    });
    save(call, &record, key, version)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PageInput {
    marker: Option<String>,
    max_items: Option<i64>,
}

fn list_tags<T: Tagged>(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (mut record, _, _) = T::load(call, &input)?;
    let input: PageInput = from_input(input, "ValidationError")?;
    let max = max_items(input.max_items)?;
    let items = record
        .tags()
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("{i:04}"), json!(t)))
        .collect();
    let mut output = Map::new();
    let tags = page(items, input.marker.as_deref(), max, &mut output)?;
    output.insert("Tags".into(), Value::Array(tags));
    Ok(Value::Object(output))
}

/// Registers `Tag<X>`, `Untag<X>` and `List<X>Tags` for `T`.
pub(crate) fn register<T: Tagged>(registry: &mut Registry) {
    let t = T::TITLE;
    registry.register("iam", &format!("Tag{t}"), false, tag::<T>);
    registry.register("iam", &format!("Untag{t}"), false, untag::<T>);
    registry.register("iam", &format!("List{t}Tags"), true, list_tags::<T>);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_merge_regardless_of_key_case() {
        let tag = |k: &str, v: &str| Tag {
            key: k.into(),
            value: v.into(),
        };
        let mut tags = vec![tag("Team", "red"), tag("env", "dev")];
        merge_tags(&mut tags, vec![tag("team", "blue"), tag("cost", "1")]);
        assert_eq!(
            tags,
            vec![tag("team", "blue"), tag("env", "dev"), tag("cost", "1")]
        );
    }

    #[test]
    fn tag_rules() {
        let tag = |k: &str| Tag {
            key: k.into(),
            value: String::new(),
        };
        assert!(check_tags(&[tag("a"), tag("b")], "TagsPerUser").is_ok());
        assert_eq!(
            check_tags(&[tag("a"), tag("A")], "TagsPerUser")
                .unwrap_err()
                .code,
            "InvalidInput"
        );
        assert_eq!(
            check_tags(&[tag("")], "TagsPerUser").unwrap_err().code,
            "ValidationError"
        );
        let many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"))).collect();
        assert_eq!(
            check_tags(&many, "TagsPerUser").unwrap_err().message,
            "Cannot exceed quota for TagsPerUser: 50"
        );
    }
}
