//! Tags on load balancers, target groups and listeners: AddTags, RemoveTags, DescribeTags.

use crate::errors;
use crate::names::{Kind, Name};
use crate::records::{self, LOAD_BALANCERS, TARGET_GROUPS, Tag};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use rampart_store::{Batch, Expect, Key};
use serde::Deserialize;
use serde_json::{Value, json};

/// AWS's quota of tags per resource.
const MAX_TAGS: usize = 50;

/// Checks a request's tags: keys 1-128 characters, values up to 256, no key twice.
pub(crate) fn check(tags: &[Tag]) -> Result<(), AwsError> {
    let mut seen = std::collections::HashSet::new();
    for t in tags {
        if t.key.is_empty() || t.key.chars().count() > 128 {
            return Err(errors::validation(
                "Tag keys must be 1 to 128 characters long",
            ));
        }
        if t.value.as_ref().is_some_and(|v| v.chars().count() > 256) {
            return Err(errors::validation(
                "Tag values must be at most 256 characters long",
            ));
        }
        if !seen.insert(t.key.as_str()) {
            return Err(errors::duplicate_tag_keys(&t.key));
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(errors::too_many_tags());
    }
    Ok(())
}

/// `tags` with `more` merged in (a key given again replaces its value).
fn merged(mut tags: Vec<Tag>, more: &[Tag]) -> Result<Vec<Tag>, AwsError> {
    for t in more {
        match tags.iter_mut().find(|x| x.key == t.key) {
            Some(x) => x.value = t.value.clone(),
            None => tags.push(t.clone()),
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(errors::too_many_tags());
    }
    Ok(tags)
}

/// The record holding `arn`'s tags: its key, the JSON record and its version.
fn record(call: &Call<'_>, arn: &str) -> Result<(Key, Value, u64), AwsError> {
    let store = call.env.store.as_ref();
    let name = Name::parse(arn)
        .ok_or_else(|| errors::validation(format!("'{arn}' is not a valid ARN")))?;
    let (key, missing): (Key, fn() -> AwsError) = match name.kind {
        Kind::LoadBalancer => (
            Key::new(name.space(), LOAD_BALANCERS, &name.name),
            errors::load_balancer_not_found,
        ),
        Kind::TargetGroup => (
            Key::new(name.space(), TARGET_GROUPS, &name.name),
            errors::target_group_not_found,
        ),
        Kind::Listener => (records::listener_key(&name), errors::listener_not_found),
        Kind::Rule => {
            return Err(errors::validation(
                "rampart keeps a listener rule's tags from CreateRule only; AddTags, RemoveTags and DescribeTags do not reach rules yet",
            ));
        }
    };
    match records::read::<Value>(store, &key)? {
        Some((v, version)) if v.get("arn").and_then(Value::as_str) == Some(arn) => {
            Ok((key, v, version))
        }
        _ => Err(missing()),
    }
}

fn tags_of(v: &Value) -> Result<Vec<Tag>, AwsError> {
    serde_json::from_value(v.get("tags").cloned().unwrap_or(json!([])))
        .map_err(|_| errors::internal())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AddInput {
    resource_arns: Vec<String>,
    tags: Vec<Tag>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RemoveInput {
    resource_arns: Vec<String>,
    tag_keys: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeInput {
    resource_arns: Vec<String>,
}

fn add(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: AddInput = from_input(input, "ValidationError")?;
    check(&input.tags)?;
    let mut batch = Batch::new();
    for arn in &input.resource_arns {
        let (key, mut v, version) = record(call, arn)?;
        let tags = merged(tags_of(&v)?, &input.tags)?;
        v["tags"] = serde_json::to_value(tags).map_err(|_| errors::internal())?;
        batch = records::put(batch, key, &v, Expect::Version(version))?;
    }
    call.env.store.commit(batch).map_err(errors::store)?;
    Ok(json!({}))
}

fn remove(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: RemoveInput = from_input(input, "ValidationError")?;
    let mut batch = Batch::new();
    for arn in &input.resource_arns {
        let (key, mut v, version) = record(call, arn)?;
        let mut tags = tags_of(&v)?;
        tags.retain(|t| !input.tag_keys.contains(&t.key));
        v["tags"] = serde_json::to_value(tags).map_err(|_| errors::internal())?;
        batch = records::put(batch, key, &v, Expect::Version(version))?;
    }
    call.env.store.commit(batch).map_err(errors::store)?;
    Ok(json!({}))
}

fn describe(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DescribeInput = from_input(input, "ValidationError")?;
    if input.resource_arns.len() > 20 {
        return Err(errors::validation(
            "At most 20 resource ARNs can be described at once",
        ));
    }
    let mut out = Vec::new();
    for arn in &input.resource_arns {
        let (_, v, _) = record(call, arn)?;
        out.push(json!({"ResourceArn": arn, "Tags": tags_of(&v)?}));
    }
    Ok(json!({"TagDescriptions": out}))
}

/// Registers the tag operations.
pub(crate) fn register(registry: &mut Registry) {
    registry.register("elbv2", "AddTags", false, add);
    registry.register("elbv2", "RemoveTags", false, remove);
    registry.register("elbv2", "DescribeTags", true, describe);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(k: &str, v: &str) -> Tag {
        Tag {
            key: k.into(),
            value: Some(v.into()),
        }
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let e = check(&[tag("a", "1"), tag("a", "2")]).unwrap_err();
        assert_eq!(e.code, "DuplicateTagKeys");
    }

    #[test]
    fn merging_replaces_values_and_counts_the_quota() {
        let m = merged(vec![tag("a", "1")], &[tag("a", "2"), tag("b", "3")]).unwrap();
        assert_eq!(m, vec![tag("a", "2"), tag("b", "3")]);
        let many: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
        assert_eq!(
            merged(many, &[tag("x", "y")]).unwrap_err().code,
            "TooManyTags"
        );
    }
}
