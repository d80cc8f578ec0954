//! Event buses: every account has a `default` bus in every region; CreateEventBus,
//! DeleteEventBus, DescribeEventBus and ListEventBuses manage custom ones. Deleting a bus
//! deletes its rules.

use crate::errors::{self, validation};
use crate::paging;
use crate::records::{self, BUS_TABLE, BusRecord, DEFAULT_BUS, Home, RULE_TABLE, RuleRecord};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, epoch_seconds};
use rampart_store::{Batch, Expect};
use serde_json::{Value, json};

const SERVICE: &str = "events";
/// AWS's default quota of event buses per account and region (the default one included).
const MAX_BUSES: usize = 100;

/// Registers the bus operations.
pub(crate) fn register(registry: &mut Registry) {
    registry.register(SERVICE, "CreateEventBus", false, create);
    registry.register(SERVICE, "DeleteEventBus", false, delete);
    registry.register(SERVICE, "DescribeEventBus", true, describe);
    registry.register(SERVICE, "ListEventBuses", true, list);
}

fn str_member<'v>(input: &'v Value, name: &str) -> Option<&'v str> {
    input.get(name).and_then(Value::as_str)
}

/// A custom bus name: 1-256 of `.`, `-`, `_`, letters and digits.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 256
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let home = Home::of(call);
    let store = call.env.store.as_ref();
    let name = str_member(&input, "Name").unwrap_or_default();
    if !valid_name(name) {
        return Err(validation(format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+"
        )));
    }
    if name == DEFAULT_BUS || home.find_bus(store, name)?.is_some() {
        return Err(errors::already_exists(format!(
            "Event bus {name} already exists."
        )));
    }
    if records::scan::<BusRecord>(store, &home.space(), BUS_TABLE, "")?.len() + 1 >= MAX_BUSES {
        return Err(errors::limit_exceeded());
    }
    let now = epoch_seconds(call.env.clock.now());
    let bus = BusRecord {
        name: name.to_owned(),
        arn: home.bus_arn(name),
        description: str_member(&input, "Description").map(str::to_owned),
        created: now,
        modified: now,
        tags: records::tags_from(input.get("Tags"))?,
        policy: None,
    };
    records::save(store, home.key(BUS_TABLE, name), &bus, Expect::Absent)?;
    let mut out = json!({ "EventBusArn": bus.arn });
    if let Some(description) = &bus.description {
        out["Description"] = json!(description);
    }
    Ok(out)
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let home = Home::of(call);
    let store = call.env.store.as_ref();
    let name = records::local_bus(&home, str_member(&input, "Name"))?;
    if name == DEFAULT_BUS {
        return Err(validation("Cannot delete event bus default."));
    }
    let mut batch = Batch::new().delete(home.key(BUS_TABLE, &name));
    for (id, _, version) in records::scan::<RuleRecord>(
        store,
        &home.space(),
        RULE_TABLE,
        &records::rule_id(&name, ""),
    )? {
        batch = batch.delete_if(home.key(RULE_TABLE, &id), Expect::Version(version));
    }
    store.commit(batch).map_err(errors::store)?;
    Ok(json!({}))
}

/// A bus as DescribeEventBus and ListEventBuses show it.
fn shown(bus: &BusRecord) -> Value {
    let mut v = json!({ "Name": bus.name, "Arn": bus.arn });
    if let Some(description) = &bus.description {
        v["Description"] = json!(description);
    }
    if let Some(policy) = &bus.policy {
        v["Policy"] = json!(policy);
    }
    if bus.created > 0.0 {
        v["CreationTime"] = json!(bus.created);
        v["LastModifiedTime"] = json!(bus.modified);
    }
    v
}

fn describe(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let home = Home::of(call);
    let name = records::local_bus(&home, str_member(&input, "Name"))?;
    let (bus, _) = home
        .find_bus(call.env.store.as_ref(), &name)?
        .ok_or_else(|| errors::no_bus(&name))?;
    Ok(shown(&bus))
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let home = Home::of(call);
    let store = call.env.store.as_ref();
    let prefix = str_member(&input, "NamePrefix").unwrap_or_default();
    let mut buses: Vec<BusRecord> =
        records::scan::<BusRecord>(store, &home.space(), BUS_TABLE, "")?
            .into_iter()
            .map(|(_, bus, _)| bus)
            .filter(|bus| bus.name != DEFAULT_BUS)
            .collect();
    if let Some((default, _)) = home.find_bus(store, DEFAULT_BUS)? {
        buses.push(default);
    }
    buses.retain(|bus| bus.name.starts_with(prefix));
    buses.sort_by(|a, b| a.name.cmp(&b.name));
    let page = paging::page(&buses, |b| b.name.as_str(), &input)?;
    let mut out = json!({ "EventBuses": page.items.iter().map(|b| shown(b)).collect::<Vec<_>>() });
    if let Some(token) = page.next_token {
        out["NextToken"] = json!(token);
    }
    Ok(out)
}
