//! EventBridge's authorization table (Service Authorization Reference): rule operations act
//! on the rule's ARN (`rule/<name>` on the default bus, `rule/<bus>/<name>` elsewhere) with
//! `events:creatorAccount` and the rule's tags; PutRule adds the pattern's `events:source`
//! and `events:detail-type` and the request's tags; PutTargets adds `events:TargetArn`;
//! PutEvents acts on each bus its entries name, with their sources and detail types; bus
//! operations act on the bus's ARN, connection and API destination operations on theirs
//! (an API destination's operations that name a connection also on the connection); list
//! operations and TestEventPattern are wildcard-only.

use crate::connections::{ApiDestinationRecord, ConnectionRecord};
use crate::permissions;
use crate::records::{self, API_DESTINATION_TABLE, CONNECTION_TABLE, Home};
use crate::tags;
use rampart_protocol::AwsError;
use rampart_service::{Access, Call, no_rule};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn str_member<'v>(input: &'v Value, name: &str) -> Option<&'v str> {
    input.get(name).and_then(Value::as_str)
}

fn tag_pairs(tags: &BTreeMap<String, String>) -> impl Iterator<Item = (&str, &str)> {
    tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

/// The values a pattern gives `field` at its top level (`source`, `detail-type`).
fn pattern_values(pattern: Option<&str>, field: &str) -> Vec<String> {
    let Some(Ok(Value::Object(p))) = pattern.map(serde_json::from_str::<Value>) else {
        return Vec::new();
    };
    p.get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// Adds `values` for `key`: one value as a single value (so that `StringEquals` decides it),
/// several as a multivalued key (for the `ForAllValues`/`ForAnyValue` operators), none not at
/// all.
fn with_values(access: Access, key: &str, mut values: Vec<String>) -> Access {
    match values.len() {
        0 => access,
        1 => access.with(key, values.remove(0)),
        _ => access.with_multi(key, values),
    }
}

/// The access `action` on the rule named by `member` and `EventBusName`.
fn rule_access(
    call: &Call<'_>,
    action: &str,
    input: &Value,
    member: &str,
) -> Result<Access, AwsError> {
    let member_bus = str_member(input, "EventBusName");
    let home = records::bus_home(&Home::of(call), member_bus);
    let bus = records::bus_name(member_bus);
    let name = str_member(input, member).unwrap_or_default();
    let existing = home.find_rule(call.env.store.as_ref(), &bus, name)?;
    let creator = existing
        .as_ref()
        .map_or_else(|| home.account.to_string(), |(r, _)| r.created_by.clone());
    let tags = existing.map(|(r, _)| r.tags).unwrap_or_default();
    Ok(Access::new(action, home.rule_arn(&bus, name))
        .with("events:creatorAccount", creator)
        .with_resource_tags(tag_pairs(&tags)))
}

/// The ARN of the connection or API destination `name` (its stored ARN, or the ARN without
/// its id while it does not exist yet).
fn named_arn<T: serde::de::DeserializeOwned>(
    call: &Call<'_>,
    table: &str,
    kind: &str,
    name: &str,
    arn_of: impl Fn(&T) -> String,
) -> Result<String, AwsError> {
    let home = Home::of(call);
    Ok(
        records::load::<T>(call.env.store.as_ref(), &home.key(table, name))?
            .map_or_else(|| home.arn(&format!("{kind}/{name}")), |(r, _)| arn_of(&r)),
    )
}

fn connection_arn(call: &Call<'_>, name: &str) -> Result<String, AwsError> {
    named_arn::<ConnectionRecord>(call, CONNECTION_TABLE, "connection", name, |c| {
        c.arn.clone()
    })
}

fn destination(call: &Call<'_>, name: &str) -> Result<(String, Option<String>), AwsError> {
    let home = Home::of(call);
    Ok(
        match records::load::<ApiDestinationRecord>(
            call.env.store.as_ref(),
            &home.key(API_DESTINATION_TABLE, name),
        )? {
            Some((d, _)) => (d.arn, Some(d.connection_arn)),
            None => (home.arn(&format!("api-destination/{name}")), None),
        },
    )
}

/// The accesses EventBridge `operation` with `input` needs.
pub(crate) fn table(
    call: &Call<'_>,
    operation: &str,
    input: &Value,
) -> Result<Vec<Access>, AwsError> {
    let action = format!("events:{operation}");
    let home = Home::of(call);
    let store = call.env.store.as_ref();
    Ok(match operation {
        "ListRules"
        | "ListRuleNamesByTarget"
        | "ListEventBuses"
        | "TestEventPattern"
        | "ListConnections"
        | "ListApiDestinations"
        | "PutPermission"
        | "RemovePermission" => vec![Access::new(action, "*")],
        "PutRule" => {
            let pattern = str_member(input, "EventPattern");
            let request_tags = records::tags_from(input.get("Tags")).unwrap_or_default();
            let mut access = rule_access(call, &action, input, "Name")?
                .with_request_tags(tag_pairs(&request_tags));
            for key in ["source", "detail-type"] {
                access = with_values(
                    access,
                    &format!("events:{key}"),
                    pattern_values(pattern, key),
                );
            }
            vec![access]
        }
        "PutTargets" => {
            let arns: Vec<String> = input
                .get("Targets")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|t| t.get("Arn").and_then(Value::as_str))
                .map(str::to_owned)
                .collect();
            vec![rule_access(call, &action, input, "Rule")?.with_multi("events:TargetArn", arns)]
        }
        "RemoveTargets" | "ListTargetsByRule" => vec![rule_access(call, &action, input, "Rule")?],
        "DescribeRule" | "DeleteRule" | "EnableRule" | "DisableRule" => {
            vec![rule_access(call, &action, input, "Name")?]
        }
        "PutEvents" => {
            // One access per bus, source and detail type, each with single values, so that a
            // policy's StringEquals on events:source decides each kind of entry.
            let mut kinds: BTreeSet<(Option<String>, String, String)> = BTreeSet::new();
            for entry in input
                .get("Entries")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let member = str_member(entry, "EventBusName");
                kinds.insert((
                    member.map(str::to_owned),
                    str_member(entry, "Source").unwrap_or_default().to_owned(),
                    str_member(entry, "DetailType")
                        .unwrap_or_default()
                        .to_owned(),
                ));
            }
            if kinds.is_empty() {
                kinds.insert((None, String::new(), String::new()));
            }
            let mut accesses = Vec::new();
            for (member, source, detail_type) in kinds {
                let bus_home = records::bus_home(&home, member.as_deref());
                let bus = records::bus_name(member.as_deref());
                let mut access = Access::new(action.clone(), bus_home.bus_arn(&bus));
                if !source.is_empty() {
                    access = access.with("events:source", source);
                }
                if !detail_type.is_empty() {
                    access = access.with("events:detail-type", detail_type);
                }
                if let Some(policy) = permissions::bus_policy(store, &bus_home, &bus)? {
                    access = access.with_resource_policy(policy, false);
                }
                accesses.push(access);
            }
            accesses
        }
        "CreateEventBus" => {
            let name = str_member(input, "Name").unwrap_or_default();
            let request_tags = records::tags_from(input.get("Tags")).unwrap_or_default();
            vec![
                Access::new(action, home.bus_arn(name)).with_request_tags(tag_pairs(&request_tags)),
            ]
        }
        "DeleteEventBus" | "DescribeEventBus" => {
            let member = str_member(input, "Name");
            let bus_home = records::bus_home(&home, member);
            let name = records::bus_name(member);
            let tags = bus_home
                .find_bus(store, &name)?
                .map(|(b, _)| b.tags)
                .unwrap_or_default();
            vec![Access::new(action, bus_home.bus_arn(&name)).with_resource_tags(tag_pairs(&tags))]
        }
        "TagResource" | "UntagResource" | "ListTagsForResource" => {
            let arn = str_member(input, "ResourceARN").unwrap_or_default();
            let existing = tags::tags_of(call, arn).unwrap_or_default();
            let mut access = Access::new(action, arn).with_resource_tags(tag_pairs(&existing));
            if operation == "TagResource" {
                let request_tags = records::tags_from(input.get("Tags")).unwrap_or_default();
                access = access.with_request_tags(tag_pairs(&request_tags));
            }
            if operation == "UntagResource" {
                let keys: Vec<String> = input
                    .get("TagKeys")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                access = access.with_multi("aws:TagKeys", keys);
            }
            vec![access]
        }
        "CreateConnection" | "DescribeConnection" | "DeleteConnection" => {
            let name = str_member(input, "Name").unwrap_or_default();
            vec![Access::new(action, connection_arn(call, name)?)]
        }
        "CreateApiDestination" => {
            let name = str_member(input, "Name").unwrap_or_default();
            let (arn, _) = destination(call, name)?;
            let connection = str_member(input, "ConnectionArn").unwrap_or_default();
            let mut accesses = vec![Access::new(action.clone(), arn)];
            if !connection.is_empty() {
                accesses.push(Access::new(action, connection));
            }
            accesses
        }
        "DescribeApiDestination" | "DeleteApiDestination" => {
            let name = str_member(input, "Name").unwrap_or_default();
            let (arn, _) = destination(call, name)?;
            vec![Access::new(action, arn)]
        }
        _ => return Err(no_rule("events", operation)),
    })
}
