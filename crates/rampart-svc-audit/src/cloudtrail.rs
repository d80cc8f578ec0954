//! The CloudTrail API over the recorded events. Today: LookupEvents.

use crate::recorder::{EVENT_TABLE, Recorder};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input, internal_error};
use rampart_store::{Scan, space};
use rampart_trail::{
    Event, LookupInput, LookupQuery, encode_token, matches, summary, validate_lookup,
};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

/// How many stored events one store read returns while a lookup walks back in time.
const READ_CHUNK: usize = 500;

pub(crate) fn register(registry: &mut Registry, recorder: Recorder) {
    registry.register_waiting_read("cloudtrail", "LookupEvents", move |call, input| {
        recorder.flush();
        lookup_events(call, input)
    });
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    #[serde(default)]
    lookup_attributes: Vec<Attribute>,
    start_time: Option<f64>,
    end_time: Option<f64>,
    event_category: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Attribute {
    attribute_key: String,
    attribute_value: String,
}

fn lookup_events(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: Input = from_input(input, "ValidationException")?;
    let query = validate_lookup(&LookupInput {
        lookup_attributes: input
            .lookup_attributes
            .into_iter()
            .map(|a| (a.attribute_key, a.attribute_value))
            .collect(),
        start_time: input.start_time.and_then(to_time),
        end_time: input.end_time.and_then(to_time),
        event_category: input.event_category,
        max_results: input.max_results,
        next_token: input.next_token,
    })
    .map_err(lookup_error)?;
    let space = space::account_region(&call.principal.account, call.region);
    let (events, more) = newest_matching(call, &space, &query)?;
    let mut output = json!({ "Events": events.iter().map(summary).collect::<Vec<_>>() });
    if let (true, Some(last)) = (more, events.last()) {
        output["NextToken"] = Value::String(encode_token(last, &query));
    }
    Ok(output)
}

/// Walks the stored events from newest to oldest within the query's bounds and returns up to a
/// page of those that match, and whether more remain.
fn newest_matching(
    call: &Call<'_>,
    space: &str,
    query: &LookupQuery,
) -> Result<(Vec<Event>, bool), AwsError> {
    if query.insights {
        return Ok((Vec::new(), false));
    }
    let mut upper = match (&query.after, query.end_time) {
        (Some(cursor), _) => format!("{:0>20}/{}", cursor.event_time_nanos, cursor.event_id),
        (None, Some(end)) => format!("{:020}/~", end.unix_timestamp_nanos().max(0)),
        (None, None) => "~".to_owned(),
    };
    let mut page = Vec::new();
    loop {
        let items = call
            .env
            .store
            .scan(
                space,
                EVENT_TABLE,
                &Scan::new("", READ_CHUNK).after(upper.clone()).reversed(),
            )
            .map_err(|e| {
                tracing::error!(error = %e, "cannot read CloudTrail events");
                internal_error()
            })?;
        let exhausted = items.len() < READ_CHUNK;
        for item in &items {
            let Ok(event) = Event::from_json(&String::from_utf8_lossy(&item.value)) else {
                continue;
            };
            if query
                .start_time
                .is_some_and(|start| event.event_time < start)
            {
                return Ok((page, false));
            }
            if query
                .filter
                .as_ref()
                .is_none_or(|(a, v)| matches(&event, a, v))
            {
                if page.len() == query.max_results {
                    return Ok((page, true));
                }
                page.push(event);
            }
        }
        match items.last() {
            Some(last) if !exhausted => upper = last.key.id.clone(),
            _ => return Ok((page, false)),
        }
    }
}

fn to_time(seconds: f64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos((seconds * 1e9) as i128).ok()
}

fn lookup_error(e: rampart_trail::LookupError) -> AwsError {
    AwsError::new(e.code(), 400, e.to_string())
}
