//! Tags on load balancers, target groups, listeners and listener rules (kept in their
//! listener's record): AddTags, RemoveTags, DescribeTags.

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

/// Where `arn`'s tags are: the record's key, the JSON record, its version and the JSON
/// pointer of the tag list in it.
struct Place {
    key: Key,
    record: Value,
    version: u64,
    pointer: String,
}

/// The record holding `arn`'s tags.
fn record(call: &Call<'_>, arn: &str) -> Result<Place, AwsError> {
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
            let listener = crate::names::listener_of_rule(&name);
            let key = records::listener_key(&listener);
            let rule_id = name.rule_id.as_deref().unwrap_or_default();
            let found = records::read::<Value>(store, &key)?.and_then(|(v, version)| {
                let index = v["rules"]
                    .as_array()?
                    .iter()
                    .position(|r| r["id"] == rule_id)?;
                Some((v, version, index))
            });
            let Some((record, version, index)) = found else {
                return Err(crate::rules::rule_not_found());
            };
            return Ok(Place {
                key,
                record,
                version,
                pointer: format!("/rules/{index}/tags"),
            });
        }
    };
    match records::read::<Value>(store, &key)? {
        Some((record, version)) if record.get("arn").and_then(Value::as_str) == Some(arn) => {
            Ok(Place {
                key,
                record,
                version,
                pointer: "/tags".to_owned(),
            })
        }
        _ => Err(missing()),
    }
}

impl Place {
    fn tags(&self) -> Result<Vec<Tag>, AwsError> {
        serde_json::from_value(
            self.record
                .pointer(&self.pointer)
                .cloned()
                .unwrap_or(json!([])),
        )
        .map_err(|_| errors::internal())
    }

    fn set_tags(&mut self, tags: Vec<Tag>) -> Result<(), AwsError> {
        let value = serde_json::to_value(tags).map_err(|_| errors::internal())?;
        let slot = self
            .record
            .pointer_mut(&self.pointer)
            .ok_or_else(errors::internal)?;
        *slot = value;
        Ok(())
    }
}

/// Changes the tags of every ARN with `change`, then commits them together (several rules of
/// one listener share its record, changed once).
fn change_all(
    call: &Call<'_>,
    arns: &[String],
    change: impl Fn(Vec<Tag>) -> Result<Vec<Tag>, AwsError>,
) -> Result<(), AwsError> {
    let mut places: Vec<Place> = Vec::new();
    for arn in arns {
        let fresh = record(call, arn)?;
        let place = match places.iter_mut().find(|p| p.key == fresh.key) {
            Some(p) => {
                p.pointer = fresh.pointer;
                p
            }
            None => {
                places.push(fresh);
                places.last_mut().ok_or_else(errors::internal)?
            }
        };
        let tags = change(place.tags()?)?;
        place.set_tags(tags)?;
    }
    let mut batch = Batch::new();
    for p in places {
        batch = records::put(batch, p.key, &p.record, Expect::Version(p.version))?;
    }
    call.env.store.commit(batch).map_err(errors::store)?;
    Ok(())
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
    change_all(call, &input.resource_arns, |tags| merged(tags, &input.tags))?;
    Ok(json!({}))
}

fn remove(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: RemoveInput = from_input(input, "ValidationError")?;
    change_all(call, &input.resource_arns, |mut tags| {
        tags.retain(|t| !input.tag_keys.contains(&t.key));
        Ok(tags)
    })?;
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
        out.push(json!({"ResourceArn": arn, "Tags": record(call, arn)?.tags()?}));
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
