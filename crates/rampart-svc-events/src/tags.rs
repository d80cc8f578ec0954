//! TagResource, UntagResource and ListTagsForResource on event buses and rules (AWS's
//! taggable EventBridge resources among those rampart serves).

use crate::errors::{self, validation};
use crate::records::{self, BUS_TABLE, BusRecord, Home, RULE_TABLE};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const SERVICE: &str = "events";
/// AWS's quota of tags per resource.
const MAX_TAGS: usize = 50;

/// Registers the tagging operations.
pub(crate) fn register(registry: &mut Registry) {
    registry.register(SERVICE, "TagResource", false, tag);
    registry.register(SERVICE, "UntagResource", false, untag);
    registry.register(SERVICE, "ListTagsForResource", true, list);
}

/// What a taggable ARN names.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Taggable {
    /// A bus, by name.
    Bus(String),
    /// A rule, by bus and name.
    Rule(String, String),
}

/// What `arn` names when it is a bus or rule of `home`.
pub(crate) fn parse_arn(home: &Home, arn: &str) -> Option<Taggable> {
    let resource = arn.strip_prefix(&home.arn(""))?;
    if let Some(bus) = resource.strip_prefix("event-bus/") {
        return Some(Taggable::Bus(bus.to_owned()));
    }
    let rule = resource.strip_prefix("rule/")?;
    Some(match rule.split_once('/') {
        Some((bus, name)) => Taggable::Rule(bus.to_owned(), name.to_owned()),
        None => Taggable::Rule(records::DEFAULT_BUS.to_owned(), rule.to_owned()),
    })
}

/// The tags of what `arn` names in the caller's account, or AWS's not-found error.
pub(crate) fn tags_of(call: &Call<'_>, arn: &str) -> Result<BTreeMap<String, String>, AwsError> {
    let home = Home::of(call);
    let store = call.env.store.as_ref();
    match parse_arn(&home, arn) {
        Some(Taggable::Bus(bus)) => Ok(home
            .find_bus(store, &bus)?
            .ok_or_else(|| errors::no_bus(&bus))?
            .0
            .tags),
        Some(Taggable::Rule(bus, rule)) => Ok(home
            .find_rule(store, &bus, &rule)?
            .ok_or_else(|| errors::no_rule(&rule, &bus))?
            .0
            .tags),
        None => Err(errors::not_found(format!("Resource {arn} does not exist."))),
    }
}

/// Applies `change` to the tags of the resource `arn` names.
fn update(
    call: &Call<'_>,
    arn: &str,
    change: impl FnOnce(&mut BTreeMap<String, String>) -> Result<(), AwsError>,
) -> Result<(), AwsError> {
    let home = Home::of(call);
    let store = call.env.store.as_ref();
    match parse_arn(&home, arn) {
        Some(Taggable::Bus(bus)) => {
            let (mut record, version): (BusRecord, Option<u64>) = home
                .find_bus(store, &bus)?
                .ok_or_else(|| errors::no_bus(&bus))?;
            change(&mut record.tags)?;
            records::save(
                store,
                home.key(BUS_TABLE, &bus),
                &record,
                records::expect(version),
            )
        }
        Some(Taggable::Rule(bus, rule)) => {
            let (mut record, version) = home
                .find_rule(store, &bus, &rule)?
                .ok_or_else(|| errors::no_rule(&rule, &bus))?;
            change(&mut record.tags)?;
            records::save(
                store,
                home.key(RULE_TABLE, &records::rule_id(&bus, &rule)),
                &record,
                rampart_store::Expect::Version(version),
            )
        }
        None => Err(errors::not_found(format!("Resource {arn} does not exist."))),
    }
}

fn arn_member(input: &Value) -> &str {
    input
        .get("ResourceARN")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn tag(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let new = records::tags_from(input.get("Tags"))?;
    update(call, arn_member(&input), |tags| {
        tags.extend(new);
        if tags.len() > MAX_TAGS {
            return Err(validation(format!(
                "A resource can have at most {MAX_TAGS} tags."
            )));
        }
        Ok(())
    })?;
    Ok(json!({}))
}

fn untag(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let keys: Vec<String> = input
        .get("TagKeys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    update(call, arn_member(&input), |tags| {
        tags.retain(|k, _| !keys.contains(k));
        Ok(())
    })?;
    Ok(json!({}))
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let tags = tags_of(call, arn_member(&input))?;
    Ok(json!({ "Tags": records::tag_list(&tags) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_of_buses_and_rules() {
        let home = Home {
            partition: rampart_types::Partition::Aws,
            account: "123456789012".parse().unwrap(),
            region: "us-east-1".parse().unwrap(),
        };
        let arn = |r: &str| format!("arn:aws:events:us-east-1:123456789012:{r}");
        assert_eq!(
            parse_arn(&home, &arn("event-bus/orders")),
            Some(Taggable::Bus("orders".into()))
        );
        assert_eq!(
            parse_arn(&home, &arn("rule/r1")),
            Some(Taggable::Rule("default".into(), "r1".into()))
        );
        assert_eq!(
            parse_arn(&home, &arn("rule/orders/r1")),
            Some(Taggable::Rule("orders".into(), "r1".into()))
        );
        assert_eq!(
            parse_arn(&home, "arn:aws:events:us-west-2:123456789012:rule/r1"),
            None
        );
    }
}
