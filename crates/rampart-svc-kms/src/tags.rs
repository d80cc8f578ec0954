//! Tags: TagResource, UntagResource and ListResourceTags.

use crate::errors;
use crate::key;
use crate::keys::page_limit;
use crate::resolve::{Accept, key_not_found, resolve};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// AWS's quota of tags per key.
const MAX_TAGS: usize = 50;

/// One tag as the API spells it.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Tag {
    tag_key: String,
    tag_value: String,
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("kms", "TagResource", false, tag_resource);
    registry.register("kms", "UntagResource", false, untag_resource);
    registry.register("kms", "ListResourceTags", true, list_resource_tags);
}

/// Checks tags (key 1-128 characters, value up to 256, no `aws:` prefix) and returns them as
/// a map; a later duplicate key wins, as in AWS.
pub(crate) fn validate_tags(tags: &[Tag]) -> Result<BTreeMap<String, String>, AwsError> {
    let mut out = BTreeMap::new();
    for tag in tags {
        let key_len = tag.tag_key.chars().count();
        if !(1..=128).contains(&key_len) || tag.tag_value.chars().count() > 256 {
            return Err(errors::tag_error(
                "Tag keys must be 1 to 128 characters and tag values at most 256 characters.",
            ));
        }
        if tag.tag_key.starts_with("aws:") {
            return Err(errors::tag_error("Tags beginning with aws: are reserved."));
        }
        out.insert(tag.tag_key.clone(), tag.tag_value.clone());
    }
    if out.len() > MAX_TAGS {
        return Err(errors::tag_error("A key can have at most 50 tags."));
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagInput {
    key_id: String,
    tags: Vec<Tag>,
}

fn tag_resource(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: TagInput = from_input(input, "ValidationException")?;
    let new = validate_tags(&input.tags)?;
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    key::update(
        call,
        &record.key_id,
        || key_not_found(call, &record.key_id),
        |r| {
            r.require_not_pending_deletion()?;
            r.tags.extend(new.clone());
            if r.tags.len() > MAX_TAGS {
                return Err(errors::tag_error("A key can have at most 50 tags."));
            }
            Ok(())
        },
    )?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UntagInput {
    key_id: String,
    tag_keys: Vec<String>,
}

fn untag_resource(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: UntagInput = from_input(input, "ValidationException")?;
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    key::update(
        call,
        &record.key_id,
        || key_not_found(call, &record.key_id),
        |r| {
            r.require_not_pending_deletion()?;
            for k in &input.tag_keys {
                r.tags.remove(k);
            }
            Ok(())
        },
    )?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListTagsInput {
    key_id: String,
    limit: Option<i64>,
    marker: Option<String>,
}

fn list_resource_tags(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ListTagsInput = from_input(input, "ValidationException")?;
    let limit = page_limit(input.limit)?;
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    let after = input.marker.unwrap_or_default();
    let remaining: Vec<(&String, &String)> = record
        .tags
        .iter()
        .filter(|(k, _)| after.is_empty() || k.as_str() > after.as_str())
        .collect();
    let page: Vec<Value> = remaining
        .iter()
        .take(limit)
        .map(|(k, v)| json!({ "TagKey": k, "TagValue": v }))
        .collect();
    let truncated = remaining.len() > limit;
    let mut out = json!({ "Tags": page, "Truncated": truncated });
    if truncated && let Some((last, _)) = remaining.get(limit - 1) {
        out["NextMarker"] = json!(last);
    }
    Ok(out)
}
