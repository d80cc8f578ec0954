//! Scheduled rules: a rule with a `rate(...)` or `cron(...)` schedule is tracked server-wide
//! (`system` / `events.schedule`, id `<account>|<region>|<bus>|<rule>`, written in the commit
//! that puts the rule) and fires when due: a `Scheduled Event` from `aws.events` naming the
//! rule, its `time` the due time, goes to each of its targets. A disabled rule's schedule
//! passes without firing. Due times missed while the server was away (or the administrator's
//! clock jumped) fire once, for the first of them, then the schedule waits for its next time
//! after now (the rule stated in `rampart-cron`).

use crate::delivery::{self, Pending};
use crate::errors;
use crate::records::{self, Home, RuleRecord};
use crate::route::{Envelope, millis};
use crate::schedule;
use rampart_protocol::AwsError;
use rampart_service::Env;
use rampart_store::{Batch, Expect, Key, Scan, space};
use rampart_types::Partition;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::{Duration, SystemTime};

/// The schedules, in the `system` space.
const SCHEDULE_TABLE: &str = "events.schedule";

/// A tracked schedule.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Tracked {
    partition: Partition,
    account: String,
    region: String,
    bus: String,
    rule: String,
    next_ms: u64,
}

/// The key of the schedule of `rule` on `bus` in `home`.
pub(crate) fn key(home: &Home, bus: &str, rule: &str) -> Key {
    Key::new(
        space::SYSTEM,
        SCHEDULE_TABLE,
        format!("{}|{}|{bus}|{rule}", home.account, home.region),
    )
}

/// Adds to `batch` the tracking of `rule`'s schedule (from now), or its removal when the rule
/// has no schedule, or one that never comes due.
pub(crate) fn track(
    batch: Batch,
    home: &Home,
    rule: &RuleRecord,
    now: SystemTime,
) -> Result<Batch, AwsError> {
    let key = key(home, &rule.bus, &rule.name);
    let first = rule
        .schedule_expression
        .as_deref()
        .and_then(schedule::parse)
        .and_then(|s| s.first_due(millis(now)));
    let Some(next_ms) = first else {
        return Ok(batch.delete(key));
    };
    let tracked = Tracked {
        partition: home.partition,
        account: home.account.to_string(),
        region: home.region.to_string(),
        bus: rule.bus.clone(),
        rule: rule.name.clone(),
        next_ms,
    };
    Ok(batch.put(key, records::encode(&tracked)?))
}

/// Fires the schedules that are due; returns how many deliveries that queued.
pub(crate) fn fire_due(env: &Env) -> Result<usize, AwsError> {
    let now = env.clock.now();
    let now_ms = millis(now);
    let store = env.store.as_ref();
    let items = store
        .scan(space::SYSTEM, SCHEDULE_TABLE, &Scan::all())
        .map_err(errors::store)?;
    let mut queued = 0;
    for item in items {
        let Ok(mut tracked) = serde_json::from_slice::<Tracked>(&item.value) else {
            continue;
        };
        if tracked.next_ms > now_ms {
            continue;
        }
        let done = Batch::new();
        let home = match (tracked.account.parse(), tracked.region.parse()) {
            (Ok(account), Ok(region)) => Home {
                partition: tracked.partition,
                account,
                region,
            },
            _ => continue,
        };
        let rule = home.find_rule(store, &tracked.bus, &tracked.rule)?;
        let parsed = rule
            .as_ref()
            .and_then(|(r, _)| r.schedule_expression.as_deref())
            .and_then(schedule::parse);
        let (Some((rule, _)), Some(parsed)) = (rule, parsed) else {
            // The rule is gone or no longer scheduled: stop tracking it.
            let _ = store.commit(done.delete_if(item.key, Expect::Version(item.version)));
            continue;
        };
        let mut batch = done;
        if rule.state != "DISABLED" {
            let id = rampart_crypto::random_uuid().ok_or_else(rampart_service::internal_error)?;
            let resources = [rule.arn.clone()];
            let event = Envelope {
                id: &id,
                source: "aws.events",
                detail_type: "Scheduled Event",
                time: SystemTime::UNIX_EPOCH + Duration::from_millis(tracked.next_ms),
                resources: &resources,
                detail: json!({}),
            }
            .to_event(&home);
            for target in &rule.targets {
                let pending = Pending::new(&home, &rule.arn, target.clone(), event.clone(), now);
                batch = delivery::schedule(batch, &pending, now_ms)?;
                queued += 1;
            }
        }
        batch = match parsed.following(tracked.next_ms, now_ms) {
            Some(next_ms) => {
                tracked.next_ms = next_ms;
                batch.put_if(
                    item.key,
                    records::encode(&tracked)?,
                    Expect::Version(item.version),
                )
            }
            None => batch.delete_if(item.key, Expect::Version(item.version)),
        };
        match store.commit(batch) {
            Ok(_) | Err(rampart_store::StoreError::Conflict { .. }) => {}
            Err(e) => return Err(errors::store(e)),
        }
    }
    Ok(queued)
}
