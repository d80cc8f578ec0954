//! EventBridge over the store: event buses (each account's `default` bus in every region and
//! custom ones), rules whose event patterns (`rampart-events`) select events, their targets,
//! PutEvents, TestEventPattern, tags, bus policies (PutPermission: other accounts may put
//! events on a bus its policy opens to them), connections and API destinations, `rate()` and
//! `cron()` schedules (`rampart-cron`), and at-least-once delivery of matching events by a duty
//! (API destinations over HTTP, other event buses, and log groups written as files; retries
//! with backoff, then a dead-letter record). Services put their events through [`Bus`], the
//! `rampart_service::EventBus` port, whose `wants` answers from an in-memory index of the
//! enabled rules that follows the rules table's store watermark.
//!
//! It must never return, log or put in an error a connection's secret (sealed under the
//! master key, opened only to build a delivery's authorization header), and never acknowledge
//! an event before its deliveries are durably in the outbox.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod authz;
mod bus;
mod buses;
mod connections;
mod delivery;
mod errors;
mod input;
mod interest;
mod paging;
mod permissions;
mod put_events;
mod records;
mod route;
mod rules;
mod schedule;
mod schedules;
mod tags;
mod targets;

pub use bus::Bus;
pub use delivery::{Report, run_due};

use rampart_service::{Duty, Env, Registry};
use rampart_store::StoreError;
use rampart_types::{AccountId, Region};
use std::time::Duration;

/// How often the delivery duty runs.
pub const DELIVERY_INTERVAL: Duration = Duration::from_secs(1);

/// Adds the service's operations and its authorization table to `registry`.
pub fn register(registry: &mut Registry) {
    buses::register(registry);
    rules::register(registry);
    targets::register(registry);
    put_events::register(registry);
    tags::register(registry);
    connections::register(registry);
    permissions::register(registry);
    registry.authorize("events", authz::table);
}

/// The service's scheduled work, run over `env`, every second: scheduled rules that are due
/// fire, then the deliveries that are due are made.
pub fn duties(env: &Env) -> Vec<Duty> {
    let env = env.clone();
    vec![Duty {
        name: "eventbridge deliveries",
        every: DELIVERY_INTERVAL,
        run: Box::new(move || {
            if let Err(e) = schedules::fire_due(&env) {
                tracing::error!(error = %e, "EventBridge schedules failed");
            }
            match run_due(&env) {
                Ok(report) if report != Report::default() => {
                    tracing::info!(
                        delivered = report.delivered,
                        retried = report.retried,
                        dead = report.dead,
                        "EventBridge deliveries"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "EventBridge deliveries failed"),
            }
        }),
    }]
}

/// The dead-letter records of `account` in `region`, oldest first: each a JSON object with
/// `time`, `RULE_ARN`, `TARGET_ARN`, `TARGET_ID`, `ERROR_MESSAGE`, `RETRY_ATTEMPTS`,
/// `EXHAUSTED_RETRY_CONDITION` (when retries ran out) and the `event`.
pub fn dead_letters(
    store: &dyn rampart_store::Store,
    account: &AccountId,
    region: &Region,
) -> Result<Vec<serde_json::Value>, StoreError> {
    let items = store.scan(
        &rampart_store::space::account_region(account, region),
        records::DEAD_LETTER_TABLE,
        &rampart_store::Scan::all(),
    )?;
    Ok(items
        .iter()
        .filter_map(|item| serde_json::from_slice(&item.value).ok())
        .collect())
}

#[cfg(test)]
mod tests;
