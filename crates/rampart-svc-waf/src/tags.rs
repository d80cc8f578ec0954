//! Tags of IP sets, regex pattern sets, rule groups and web ACLs: TagResource, UntagResource,
//! ListTagsForResource (by ARN).

use crate::entity;
use crate::errors::{self, REASON_INVALID};
use crate::input::{self, MAX_TAGS, Tag};
use crate::scope::Location;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) fn register(registry: &mut Registry) {
    registry.register("wafv2", "TagResource", false, tag);
    registry.register("wafv2", "UntagResource", false, untag);
    registry.register("wafv2", "ListTagsForResource", true, list);
}

/// The caller's entity `arn` (any kind), with its body kept opaque.
fn load(call: &Call<'_>, arn: &str) -> Result<entity::Loaded<Value>, AwsError> {
    let loc = Location::parse_arn(arn)
        .ok_or_else(|| errors::invalid("RESOURCE_ARN", arn, REASON_INVALID))?;
    entity::load::<Value>(call, loc)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagInput {
    #[serde(rename = "ResourceARN")]
    resource_arn: String,
    tags: Vec<Tag>,
}

fn tag(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: TagInput = input::read(input, "TAGS")?;
    let new = input::tags(&i.tags)?;
    let l = load(call, &i.resource_arn)?;
    let mut merged = l.entity.tags.clone();
    merged.extend(new);
    if merged.len() > MAX_TAGS {
        return Err(errors::limits(
            "AWS WAF couldn\u{2019}t perform the operation because you exceeded your resource limit. The resource can have at most 50 tags.",
        ));
    }
    entity::retag(call, l, |e| e.tags = merged)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UntagInput {
    #[serde(rename = "ResourceARN")]
    resource_arn: String,
    tag_keys: Vec<String>,
}

fn untag(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: UntagInput = input::read(input, "TAG_KEYS")?;
    let l = load(call, &i.resource_arn)?;
    entity::retag(call, l, |e| {
        for k in &i.tag_keys {
            e.tags.remove(k);
        }
    })?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    #[serde(rename = "ResourceARN")]
    resource_arn: String,
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ListInput = input::read(input, "RESOURCE_ARN")?;
    let l = load(call, &i.resource_arn)?;
    Ok(json!({
        "TagInfoForResource": {
            "ResourceARN": l.entity.arn,
            "TagList": input::tag_list(&l.entity.tags),
        }
    }))
}
