//! The CloudTrail API over the recorded events: LookupEvents.

use crate::event_log::{Flow, Position, read_backward};
use crate::recorder::Recorder;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input, internal_error};
use rampart_store::space;
use rampart_trail::{
    Event, LookupError, LookupInput, LookupQuery, matches, query_fingerprint, summary,
    validate_lookup,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

/// Events are stored in recording order, which trails their time by at most a few
/// milliseconds; a lookup bounded in time reads this much beyond its bounds to be safe.
const ORDER_SLACK: Duration = Duration::minutes(5);

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

/// What a `NextToken` carries: where the last page stopped, and the query it belongs to.
#[derive(Serialize, Deserialize)]
struct Token {
    #[serde(rename = "p")]
    position: Position,
    #[serde(rename = "q")]
    query: String,
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
        next_token: None,
    })
    .map_err(lookup_error)?;
    let resume = match &input.next_token {
        Some(token) => Some(decode_token(token, &query)?),
        None => None,
    };
    let space = space::account_region(&call.principal.account, call.region);
    let (events, next) = newest_matching(call, &space, &query, resume)?;
    let mut output = json!({ "Events": events.iter().map(summary).collect::<Vec<_>>() });
    if let Some(position) = next {
        output["NextToken"] = Value::String(encode_token(position, &query));
    }
    Ok(output)
}

/// Up to a page of the events that match, newest first, and where the next page starts.
fn newest_matching(
    call: &Call<'_>,
    space: &str,
    query: &LookupQuery,
    resume: Option<Position>,
) -> Result<(Vec<Event>, Option<Position>), AwsError> {
    if query.insights {
        return Ok((Vec::new(), None));
    }
    // Segment numbers are recording times in nanoseconds: begin a little after EndTime.
    let start = resume.or_else(|| {
        let end = query.end_time? + ORDER_SLACK;
        let nanos = u64::try_from(end.unix_timestamp_nanos()).ok()?;
        Some(Position {
            segment: nanos,
            line: 0,
        })
    });
    let floor = query.start_time.map(|s| s - ORDER_SLACK);
    let mut page = Vec::new();
    let mut last = None;
    let mut more = false;
    read_backward(call.env.store.as_ref(), space, start, |position, event| {
        if floor.is_some_and(|f| event.event_time < f) {
            return Flow::Stop;
        }
        let in_range = query.start_time.is_none_or(|s| event.event_time >= s)
            && query.end_time.is_none_or(|e| event.event_time <= e);
        if in_range
            && query
                .filter
                .as_ref()
                .is_none_or(|(a, v)| matches(&event, a, v))
        {
            if page.len() == query.max_results {
                more = true;
                return Flow::Stop;
            }
            page.push(event);
            last = Some(position);
        }
        Flow::More
    })
    .map_err(|e| {
        tracing::error!(error = %e, "cannot read CloudTrail events");
        internal_error()
    })?;
    Ok((page, if more { last } else { None }))
}

fn encode_token(position: Position, query: &LookupQuery) -> String {
    let token = Token {
        position,
        query: query_fingerprint(query),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default())
}

/// Reads a `NextToken`; garbage, or a token issued for other parameters, is
/// `InvalidNextTokenException`.
fn decode_token(text: &str, query: &LookupQuery) -> Result<Position, AwsError> {
    let token: Token = URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| lookup_error(LookupError::InvalidNextToken))?;
    if token.query != query_fingerprint(query) {
        return Err(lookup_error(LookupError::InvalidNextToken));
    }
    Ok(token.position)
}

fn to_time(seconds: f64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos((seconds * 1e9) as i128).ok()
}

fn lookup_error(e: LookupError) -> AwsError {
    AwsError::new(e.code(), 400, e.to_string())
}
