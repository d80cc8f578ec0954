//! Routing: an event put on a bus is matched against the bus's enabled rules, and one
//! delivery per target of each matching rule is written to the outbox in the same commit that
//! accepts the event (so an acknowledged event is never lost; `delivery` sends it).

use crate::delivery::{self, Pending};
use crate::errors;
use crate::records::{self, Home, RULE_TABLE, RuleRecord};
use rampart_events::Pattern;
use rampart_protocol::AwsError;
use rampart_store::{Batch, Store};
use serde_json::Value;
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// The event envelope every bus carries.
pub(crate) struct Envelope<'a> {
    /// The event id (a UUID).
    pub id: &'a str,
    /// `source`.
    pub source: &'a str,
    /// `detail-type`.
    pub detail_type: &'a str,
    /// When it happened.
    pub time: SystemTime,
    /// `resources`.
    pub resources: &'a [String],
    /// `detail`.
    pub detail: Value,
}

impl Envelope<'_> {
    /// The event as rules see it and targets receive it.
    pub(crate) fn to_event(&self, home: &Home) -> Value {
        serde_json::json!({
            "version": "0",
            "id": self.id,
            "detail-type": self.detail_type,
            "source": self.source,
            "account": home.account.as_str(),
            "time": iso8601(self.time),
            "region": home.region.as_str(),
            "resources": self.resources,
            "detail": self.detail,
        })
    }
}

/// `2017-12-22T18:43:48Z`.
pub(crate) fn iso8601(t: SystemTime) -> String {
    let seconds = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Unix milliseconds.
pub(crate) fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The rule state that also receives read-only management events from CloudTrail.
const ALL_MANAGEMENT_EVENTS: &str = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS";

/// Whether `event` is CloudTrail's record of a read-only call that AWS hands only to rules in
/// the state `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`: an `AWS API Call via CloudTrail`
/// with `detail.readOnly` true whose name starts with `Describe`, `Get` or `List`. Read-only
/// calls named otherwise (EventBridge's `TestEventPattern`, KMS `Decrypt`) reach enabled rules
/// too, and so do STS `GetSessionToken` and `GetFederationToken`, which AWS counts as changes.
fn is_read_only_api_call(event: &Value) -> bool {
    let name = event
        .pointer("/detail/eventName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let conventional = ["Describe", "Get", "List"]
        .iter()
        .any(|verb| name.starts_with(verb))
        && !matches!(name, "GetSessionToken" | "GetFederationToken");
    event.get("detail-type").and_then(Value::as_str) == Some("AWS API Call via CloudTrail")
        && event.pointer("/detail/readOnly").and_then(Value::as_bool) == Some(true)
        && conventional
}

/// The enabled rules of each bus of one account and region with their parsed patterns, read
/// once per request however many events it routes.
pub(crate) struct Router<'s> {
    store: &'s dyn Store,
    home: Home,
    buses: HashMap<String, Vec<(RuleRecord, Pattern)>>,
}

impl<'s> Router<'s> {
    /// A router over `home`'s rules in `store`.
    pub(crate) fn new(store: &'s dyn Store, home: Home) -> Router<'s> {
        Router {
            store,
            home,
            buses: HashMap::new(),
        }
    }

    /// The enabled pattern rules of `bus`.
    fn rules(&mut self, bus: &str) -> Result<&[(RuleRecord, Pattern)], AwsError> {
        if !self.buses.contains_key(bus) {
            let rules = records::scan::<RuleRecord>(
                self.store,
                &self.home.space(),
                RULE_TABLE,
                &records::rule_id(bus, ""),
            )?
            .into_iter()
            .filter(|(_, rule, _)| rule.state != "DISABLED")
            .filter_map(|(_, rule, _)| {
                let pattern = Pattern::parse(rule.event_pattern.as_deref()?)
                    .map_err(|e| {
                        tracing::warn!(rule = %rule.arn, error = %e, "stored event pattern no longer parses");
                    })
                    .ok()?;
                Some((rule, pattern))
            })
            .collect();
            self.buses.insert(bus.to_owned(), rules);
        }
        Ok(self.buses.get(bus).map_or(&[], Vec::as_slice))
    }

    /// Adds to `batch` one delivery per target of each rule of `bus` that `event` matches;
    /// returns the batch and how many deliveries it added.
    pub(crate) fn enqueue(
        &mut self,
        bus: &str,
        event: &Value,
        now: SystemTime,
        mut batch: Batch,
    ) -> Result<(Batch, usize), AwsError> {
        let home = self.home.clone();
        let read_only_call = is_read_only_api_call(event);
        let mut added = 0;
        let matching = self.rules(bus)?.iter().filter(|(rule, pattern)| {
            (!read_only_call || rule.state == ALL_MANAGEMENT_EVENTS) && pattern.matches(event)
        });
        for (rule, _) in matching {
            for target in &rule.targets {
                let pending = Pending::new(&home, &rule.arn, target.clone(), event.clone(), now);
                batch = delivery::schedule(batch, &pending, millis(now))?;
                added += 1;
            }
        }
        Ok((batch, added))
    }
}

/// Routes `events` on `bus` in `home`, durably, in one commit.
pub(crate) fn route(
    store: &dyn Store,
    home: &Home,
    bus: &str,
    events: &[Value],
    now: SystemTime,
) -> Result<usize, AwsError> {
    let mut router = Router::new(store, home.clone());
    let mut batch = Batch::new();
    let mut total = 0;
    for event in events {
        let (next, added) = router.enqueue(bus, event, now, batch)?;
        batch = next;
        total += added;
    }
    if batch.writes() {
        store.commit(batch).map_err(errors::store)?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_calls_named_describe_get_or_list_need_the_all_events_state() {
        let call = |name: &str, read_only: bool| {
            serde_json::json!({"detail-type": "AWS API Call via CloudTrail",
                               "detail": {"eventName": name, "readOnly": read_only}})
        };
        assert!(is_read_only_api_call(&call("DescribeKey", true)));
        assert!(is_read_only_api_call(&call("ListUsers", true)));
        assert!(is_read_only_api_call(&call("GetParameter", true)));
        assert!(!is_read_only_api_call(&call("CreateUser", false)));
        // AWS's documented exceptions reach rules that are merely enabled.
        assert!(!is_read_only_api_call(&call("TestEventPattern", true)));
        assert!(!is_read_only_api_call(&call("Decrypt", true)));
        assert!(!is_read_only_api_call(&call("GetSessionToken", true)));
        assert!(!is_read_only_api_call(&call("GetFederationToken", true)));
        let custom = serde_json::json!({"detail-type": "Custom", "detail": {"eventName": "GetX", "readOnly": true}});
        assert!(!is_read_only_api_call(&custom));
    }

    #[test]
    fn times_are_iso8601_seconds() {
        let t = UNIX_EPOCH + std::time::Duration::from_millis(1_513_968_228_500);
        assert_eq!(iso8601(t), "2017-12-22T18:43:48Z");
    }
}
