//! PutEvents: up to ten entries, each checked on its own (AWS's per-entry `ErrorCode`s), the
//! valid ones given an id and routed on their bus in one durable commit.

use crate::errors::{self, validation};
use crate::records::{self, Home};
use crate::route::{self, Envelope};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use rampart_store::Batch;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The largest request, in the bytes AWS counts for its entries.
const MAX_REQUEST_SIZE: usize = 256 * 1024;

/// Registers PutEvents.
pub(crate) fn register(registry: &mut Registry) {
    registry.register("events", "PutEvents", false, put_events);
}

fn str_member<'v>(entry: &'v Value, name: &str) -> Option<&'v str> {
    entry.get(name).and_then(Value::as_str)
}

/// The size AWS counts for an entry: its strings, and 14 bytes for a time.
fn entry_size(entry: &Value) -> usize {
    let strings: usize = ["Source", "DetailType", "Detail"]
        .iter()
        .filter_map(|m| str_member(entry, m))
        .map(str::len)
        .sum();
    let resources: usize = entry
        .get("Resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::len)
        .sum();
    strings + resources + if entry.get("Time").is_some() { 14 } else { 0 }
}

/// An entry's `Time` (seconds since the epoch, or an ISO 8601 string), else now.
fn entry_time(entry: &Value, now: SystemTime) -> SystemTime {
    match entry.get("Time") {
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|s| *s >= 0.0)
            .map_or(now, |s| UNIX_EPOCH + Duration::from_secs_f64(s)),
        Some(Value::String(s)) => {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .map_or(now, |t| {
                    UNIX_EPOCH + Duration::from_secs(t.unix_timestamp().max(0) as u64)
                })
        }
        _ => now,
    }
}

/// One entry's refusal: `(ErrorCode, ErrorMessage)`.
type Refusal = (&'static str, String);

fn required(member: &str) -> Refusal {
    (
        "InvalidArgument",
        format!("Parameter {member} is not valid. Reason: {member} is a required argument."),
    )
}

/// The entry as an accepted event on its bus, or why it is refused.
fn accept(
    call: &Call<'_>,
    home: &Home,
    entry: &Value,
    now: SystemTime,
) -> Result<(Home, String, Value), Refusal> {
    let source = str_member(entry, "Source").filter(|s| !s.is_empty());
    let Some(source) = source else {
        return Err(required("Source"));
    };
    let Some(detail_type) = str_member(entry, "DetailType").filter(|s| !s.is_empty()) else {
        return Err(required("DetailType"));
    };
    let Some(detail) = str_member(entry, "Detail") else {
        return Err(required("Detail"));
    };
    if source.starts_with("aws.") {
        return Err((
            "NotAuthorizedForSourceException",
            "Not authorized for the source.".to_owned(),
        ));
    }
    let detail: Value = match serde_json::from_str(detail) {
        Ok(v @ Value::Object(_)) => v,
        _ => return Err(("MalformedDetail", "Detail is malformed.".to_owned())),
    };
    // A bus ARN may name another account's bus in this region: the authorization table
    // asked for its policy's consent. The event keeps the sender's account.
    let member = str_member(entry, "EventBusName");
    let owner = records::bus_home(home, member);
    let bus = records::bus_name(member);
    let not_found = || {
        (
            "ResourceNotFoundException",
            format!("Event bus {} does not exist.", member.unwrap_or(&bus)),
        )
    };
    if owner.region != home.region {
        return Err(not_found());
    }
    match owner.find_bus(call.env.store.as_ref(), &bus) {
        Ok(Some(_)) => {}
        Ok(None) => return Err(not_found()),
        Err(_) => return Err(("InternalFailure", "An internal error occurred.".to_owned())),
    }
    let resources: Vec<String> = entry
        .get("Resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let id = rampart_crypto::random_uuid()
        .ok_or(("InternalFailure", "An internal error occurred.".to_owned()))?;
    let envelope = Envelope {
        id: &id,
        source,
        detail_type,
        time: entry_time(entry, now),
        resources: &resources,
        detail,
    };
    Ok((owner, bus, envelope.to_event(home)))
}

fn put_events(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let home = Home::of(call);
    let store = call.env.store.as_ref();
    let entries = input
        .get("Entries")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if entries.is_empty() || entries.len() > 10 {
        return Err(validation(format!(
            "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1 (got {})",
            entries.len()
        )));
    }
    if entries.iter().map(entry_size).sum::<usize>() > MAX_REQUEST_SIZE {
        return Err(validation(
            "Total size of the entries in the request is over the limit.",
        ));
    }
    let now = call.env.clock.now();
    let mut routers: HashMap<String, route::Router<'_>> = HashMap::new();
    let mut batch = Batch::new();
    let mut results = Vec::new();
    let mut failed = 0;
    for entry in &entries {
        match accept(call, &home, entry, now) {
            Ok((owner, bus, event)) => {
                let id = event["id"].clone();
                let router = routers
                    .entry(owner.space())
                    .or_insert_with(|| route::Router::new(store, owner));
                let (next, _) = router.enqueue(&bus, &event, now, batch)?;
                batch = next;
                results.push(json!({ "EventId": id }));
            }
            Err((code, message)) => {
                failed += 1;
                results.push(json!({ "ErrorCode": code, "ErrorMessage": message }));
            }
        }
    }
    if batch.writes() {
        store.commit(batch).map_err(errors::store)?;
    }
    Ok(json!({ "FailedEntryCount": failed, "Entries": results }))
}
