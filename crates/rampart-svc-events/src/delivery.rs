//! At-least-once delivery. Routing writes each (event, target) to the server-wide outbox
//! (`system` / `events.outbox`, id `<due unix ms, 16 digits>|<uuid>`); the delivery duty sends
//! the ones that are due and removes them once the target took them. A failure that may pass
//! (a transport error; HTTP 401, 407, 408, 409, 429 or 5xx) is retried with exponential
//! backoff (1 s, 2 s, 4 s, ... at most 5 min) within the target's `RetryPolicy` (AWS's defaults:
//! 185 retries, 24 hours); other failures, and retries exhausted, become a dead-letter record.
//!
//! Targets, by ARN:
//! - an API destination (`arn:aws:events:<r>:<a>:api-destination/<name>/<id>`): an HTTP POST
//!   of the target's input to the endpoint, with the connection's `API_KEY` header or Basic
//!   authorization, the target's `HttpParameters` headers and path parameters. Endpoints
//!   using another method are refused (rampart sends POST only); `https` endpoints need a
//!   trust configuration rampart does not have yet, so only `http` endpoints are reachable.
//! - an event bus (`arn:aws:events:<r>:<a>:event-bus/<name>`, any region, not the rule's own
//!   bus): the event is put on that bus and matched there. Another account's bus takes it
//!   only when its policy (PutPermission) allows the rule's account.
//! - a CloudWatch Logs log group of the rule's account
//!   (`arn:aws:logs:<r>:<a>:log-group:<name>[:*]`): rampart has no
//!   CloudWatch Logs, so the input is appended as one line to the file
//!   `<data dir>/events/logs/<account>/<region>/<name>.log` (in `<name>`, every character other
//!   than letters, digits, `.`, `-` and `_` becomes `_`).
//!
//! Dead letters are kept per account and region (`events.dead-letter`, read with
//! [`crate::dead_letters`]); when the target's `DeadLetterConfig.Arn` is a log group, the
//! record is also appended to that log group's file.

use crate::connections;
use crate::errors;
use crate::input;
use crate::records::{self, DEAD_LETTER_TABLE, Home};
use crate::route::{self, millis};
use rampart_protocol::AwsError;
use rampart_service::{Env, Post, TlsTrust};
use rampart_store::{Batch, Expect, Key, Scan, space};
use rampart_types::Partition;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};
use zeroize::Zeroize;

/// The outbox, in the `system` space.
pub(crate) const OUTBOX_TABLE: &str = "events.outbox";
/// At most this many deliveries per run of the duty.
const BATCH: usize = 100;
/// A run stops taking new deliveries after this long (slow endpoints must not hold the
/// scheduler); the rest wait for the next run.
const RUN_BUDGET: Duration = Duration::from_secs(5);
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// AWS's default `MaximumRetryAttempts`.
const DEFAULT_RETRIES: u64 = 185;
/// AWS's default `MaximumEventAgeInSeconds`.
const DEFAULT_MAX_AGE: u64 = 86_400;
/// The largest answer body read from an endpoint.
const ANSWER_LIMIT: usize = 64 * 1024;

/// One delivery still to make.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Pending {
    pub partition: Partition,
    pub account: String,
    pub region: String,
    pub rule_arn: String,
    pub target: Value,
    pub event: Value,
    pub attempts: u64,
    pub first_ms: u64,
}

impl Pending {
    /// The first attempt of delivering `event` to `target` for `rule_arn`.
    pub(crate) fn new(
        home: &Home,
        rule_arn: &str,
        target: Value,
        event: Value,
        now: SystemTime,
    ) -> Pending {
        Pending {
            partition: home.partition,
            account: home.account.to_string(),
            region: home.region.to_string(),
            rule_arn: rule_arn.to_owned(),
            target,
            event,
            attempts: 0,
            first_ms: millis(now),
        }
    }

    fn home(&self) -> Option<Home> {
        Some(Home {
            partition: self.partition,
            account: self.account.parse().ok()?,
            region: self.region.parse().ok()?,
        })
    }

    fn target_arn(&self) -> &str {
        self.target
            .get("Arn")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    fn retry_policy(&self) -> (u64, u64) {
        let policy = self.target.get("RetryPolicy");
        let number = |name: &str, default: u64| {
            policy
                .and_then(|p| p.get(name))
                .and_then(Value::as_u64)
                .unwrap_or(default)
        };
        (
            number("MaximumRetryAttempts", DEFAULT_RETRIES),
            number("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE),
        )
    }
}

/// Adds `pending`, due at `due_ms`, to `batch`.
pub(crate) fn schedule(batch: Batch, pending: &Pending, due_ms: u64) -> Result<Batch, AwsError> {
    let id = rampart_crypto::random_uuid().ok_or_else(rampart_service::internal_error)?;
    Ok(batch.put_if(
        Key::new(space::SYSTEM, OUTBOX_TABLE, format!("{due_ms:016}|{id}")),
        records::encode(pending)?,
        Expect::Absent,
    ))
}

/// How an attempt ended.
enum Outcome {
    Delivered,
    /// Worth another try.
    Retry(String),
    /// Not worth another try.
    Fail(String),
}

/// What one run of the duty did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Deliveries the targets took.
    pub delivered: usize,
    /// Deliveries that failed and will be tried again.
    pub retried: usize,
    /// Deliveries given up and recorded as dead letters.
    pub dead: usize,
}

/// Makes the deliveries that are due (at most a hundred, for at most about five seconds), as
/// the delivery duty does each second.
pub fn run_due(env: &Env) -> Result<Report, AwsError> {
    let now = env.clock.now();
    let now_ms = millis(now);
    let items = env
        .store
        .scan(space::SYSTEM, OUTBOX_TABLE, &Scan::new("", BATCH))
        .map_err(errors::store)?;
    let mut report = Report::default();
    let started = std::time::Instant::now();
    for item in items {
        if started.elapsed() > RUN_BUDGET {
            break;
        }
        let due: u64 = item
            .key
            .id
            .split('|')
            .next()
            .and_then(|d| d.parse().ok())
            .unwrap_or(0);
        if due > now_ms {
            break;
        }
        let done = Batch::new().delete_if(item.key.clone(), Expect::Version(item.version));
        let Ok(mut pending) = serde_json::from_slice::<Pending>(&item.value) else {
            tracing::error!(key = %item.key, "undecodable outbox entry dropped");
            env.store.commit(done).map_err(errors::store)?;
            continue;
        };
        pending.attempts += 1;
        let batch = match attempt(env, &pending) {
            Outcome::Delivered => {
                report.delivered += 1;
                done
            }
            Outcome::Retry(why) => {
                let (retries, max_age) = pending.retry_policy();
                let age = now_ms.saturating_sub(pending.first_ms) / 1000;
                let exhausted = if pending.attempts > retries {
                    Some("MaximumRetryAttempts")
                } else if age >= max_age {
                    Some("MaximumEventAgeInSeconds")
                } else {
                    None
                };
                match exhausted {
                    Some(condition) => {
                        report.dead += 1;
                        dead_letter(env, done, &pending, &why, Some(condition), now)?
                    }
                    None => {
                        report.retried += 1;
                        let wait =
                            Duration::from_secs(1u64 << pending.attempts.min(16).saturating_sub(1))
                                .min(MAX_BACKOFF);
                        schedule(done, &pending, now_ms + wait.as_millis() as u64)?
                    }
                }
            }
            Outcome::Fail(why) => {
                report.dead += 1;
                dead_letter(env, done, &pending, &why, None, now)?
            }
        };
        match env.store.commit(batch) {
            Ok(_) | Err(rampart_store::StoreError::Conflict { .. }) => {}
            Err(e) => return Err(errors::store(e)),
        }
    }
    Ok(report)
}

/// Adds `pending`'s dead-letter record to `batch`, and appends it to the target's dead-letter
/// log group when it names one.
fn dead_letter(
    env: &Env,
    batch: Batch,
    pending: &Pending,
    why: &str,
    exhausted: Option<&str>,
    now: SystemTime,
) -> Result<Batch, AwsError> {
    tracing::warn!(rule = %pending.rule_arn, target = %pending.target_arn(), error = %why, "event delivery given up");
    let mut record = json!({
        "time": route::iso8601(now),
        "RULE_ARN": pending.rule_arn,
        "TARGET_ARN": pending.target_arn(),
        "TARGET_ID": pending.target.get("Id").cloned().unwrap_or(Value::Null),
        "ERROR_MESSAGE": why,
        "RETRY_ATTEMPTS": pending.attempts.saturating_sub(1),
        "event": pending.event,
    });
    if let Some(condition) = exhausted {
        record["EXHAUSTED_RETRY_CONDITION"] = json!(condition);
    }
    if let Some(dlq) = pending
        .target
        .pointer("/DeadLetterConfig/Arn")
        .and_then(Value::as_str)
        && let Err(e) = append_to_log_group(env, dlq, &pending.account, &record.to_string())
    {
        tracing::warn!(dead_letter_arn = %dlq, error = %e, "dead-letter record not written");
    }
    let Some(home) = pending.home() else {
        return Ok(batch);
    };
    let id = rampart_crypto::random_uuid().ok_or_else(rampart_service::internal_error)?;
    Ok(batch.put(
        home.key(DEAD_LETTER_TABLE, &format!("{:016}|{id}", millis(now))),
        records::encode(&record)?,
    ))
}

/// One attempt at `pending`.
fn attempt(env: &Env, pending: &Pending) -> Outcome {
    let arn = pending.target_arn();
    let body = input::body(&pending.target, &pending.event, &pending.rule_arn);
    let Ok(parsed) = arn.parse::<rampart_types::Arn>() else {
        return Outcome::Fail(format!("{arn} is not an ARN"));
    };
    match (parsed.service.as_str(), parsed.resource.split_once('/')) {
        ("events", Some(("api-destination", _))) => post(env, pending, arn, &body),
        ("events", Some(("event-bus", bus))) => forward(env, pending, &parsed, bus),
        ("logs", _) if parsed.account != pending.account => {
            Outcome::Fail("rampart writes only to log groups of the rule's own account".into())
        }
        ("logs", _) => match append_to_log_group(env, arn, &pending.account, &body) {
            Ok(()) => Outcome::Delivered,
            Err(e) => Outcome::Retry(e),
        },
        (service, _) => Outcome::Fail(format!("rampart cannot deliver to {service} targets")),
    }
}

/// POSTs `body` to the API destination `arn`.
fn post(env: &Env, pending: &Pending, arn: &str, body: &str) -> Outcome {
    let Some(home) = pending.home() else {
        return Outcome::Fail("the rule's account is unknown".into());
    };
    let endpoint = match connections::endpoint(env, &home, arn) {
        Ok(endpoint) => endpoint,
        Err(why) => return Outcome::Fail(why),
    };
    let destination = &endpoint.destination;
    if destination.method != "POST" {
        return Outcome::Fail(format!(
            "rampart sends API destination requests with POST only, not {}",
            destination.method
        ));
    }
    let params = pending.target.get("HttpParameters");
    let mut url = destination.endpoint.clone();
    for value in params
        .and_then(|p| p.get("PathParameterValues"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        url = url.replacen('*', value, 1);
    }
    let mut headers = vec![(
        "Content-Type".to_owned(),
        "application/json; charset=utf-8".to_owned(),
    )];
    for (name, value) in params
        .and_then(|p| p.get("HeaderParameters"))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(value) = value.as_str() {
            headers.push((name.clone(), value.to_owned()));
        }
    }
    headers.push((
        endpoint.auth_header.0.clone(),
        endpoint.auth_header.1.as_str().to_owned(),
    ));
    let trust = TlsTrust::Thumbprints(Vec::new());
    let answer = env.outbound.post(&Post {
        url: &url,
        trust: &trust,
        headers: &headers,
        body: body.as_bytes(),
        limit: ANSWER_LIMIT,
    });
    for (_, value) in &mut headers {
        value.zeroize();
    }
    match answer {
        Ok(a) if (200..300).contains(&a.status) => Outcome::Delivered,
        Ok(a) if matches!(a.status, 401 | 407 | 408 | 409 | 429) || a.status >= 500 => {
            Outcome::Retry(format!("the endpoint answered {}", a.status))
        }
        Ok(a) => Outcome::Fail(format!("the endpoint answered {}", a.status)),
        Err(e) => Outcome::Retry(e),
    }
}

/// Puts the event on another bus.
fn forward(env: &Env, pending: &Pending, arn: &rampart_types::Arn, bus: &str) -> Outcome {
    let (Ok(account), Ok(region)) = (arn.account.parse(), arn.region.parse()) else {
        return Outcome::Fail(format!("{arn} names no account and region"));
    };
    let home = Home {
        partition: pending.partition,
        account,
        region,
    };
    if home.account.as_str() != pending.account
        && let Err(why) = permitted(env, pending, &home, bus)
    {
        return Outcome::Fail(why);
    }
    if home.bus_arn(bus) == pending.event_bus_arn() {
        return Outcome::Fail("a rule cannot target the bus it is on".into());
    }
    match home.find_bus(env.store.as_ref(), bus) {
        Ok(Some(_)) => {}
        Ok(None) => return Outcome::Fail(format!("the event bus {arn} does not exist")),
        Err(e) => return Outcome::Retry(e.message),
    }
    match route::route(
        env.store.as_ref(),
        &home,
        bus,
        std::slice::from_ref(&pending.event),
        env.clock.now(),
    ) {
        Ok(_) => Outcome::Delivered,
        Err(e) => Outcome::Retry(e.message),
    }
}

/// Whether the policy of `bus` in `home` (another account) lets the rule's account put
/// events on it, as the rule's account root; `Err` says why not. A statement conditioned on
/// the sender's organization does not match here (the organization is not looked up), so such
/// a policy refuses: a failure, never an unintended delivery.
fn permitted(env: &Env, pending: &Pending, home: &Home, bus: &str) -> Result<(), String> {
    let arn = home.bus_arn(bus);
    let policy = crate::permissions::bus_policy(env.store.as_ref(), home, bus)
        .map_err(|e| e.message)?
        .ok_or_else(|| format!("the event bus {arn} has no policy allowing other accounts"))?;
    let request = rampart_policy::Request::new(
        rampart_policy::Principal::Root {
            partition: pending.partition.to_string(),
            account: pending.account.clone(),
        },
        "events:PutEvents",
        &arn,
    );
    let set = rampart_policy::PolicySet {
        resource: Some(policy),
        ..Default::default()
    };
    if rampart_policy::evaluate(&request, &set).is_allowed() {
        Ok(())
    } else {
        Err(format!(
            "the policy of {arn} does not allow account {} to put events on it",
            pending.account
        ))
    }
}

impl Pending {
    /// The ARN of the bus the rule is on.
    fn event_bus_arn(&self) -> String {
        let Some(home) = self.home() else {
            return String::new();
        };
        let rule = self.rule_arn.split_once(":rule/").map_or("", |(_, r)| r);
        match rule.split_once('/') {
            Some((bus, _)) => home.bus_arn(bus),
            None => home.bus_arn(records::DEFAULT_BUS),
        }
    }
}

/// The file of the log group `arn`: `<data dir>/events/logs/<account>/<region>/<name>.log`;
/// only a log group of `owner` (the rule's account) has one.
fn log_group_file(env: &Env, arn: &str, owner: &str) -> Result<PathBuf, String> {
    let dir = env.data_dir.join("events");
    let parsed: rampart_types::Arn = arn.parse().map_err(|_| format!("{arn} is not an ARN"))?;
    let name = parsed
        .resource
        .strip_prefix("log-group:")
        .ok_or_else(|| format!("{arn} is not a log group"))?;
    let name = name.strip_suffix(":*").unwrap_or(name);
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = if safe.starts_with('.') || safe.is_empty() {
        format!("_{safe}")
    } else {
        safe
    };
    let account: rampart_types::AccountId = parsed
        .account
        .parse()
        .map_err(|_| format!("{arn} names no account"))?;
    if account.as_str() != owner {
        return Err(format!("{arn} is not a log group of account {owner}"));
    }
    let region: rampart_types::Region = parsed
        .region
        .parse()
        .map_err(|_| format!("{arn} names no region"))?;
    Ok(dir
        .join("logs")
        .join(account.as_str())
        .join(region.as_str())
        .join(format!("{safe}.log")))
}

/// Appends `line` to the file of the log group `arn` of account `owner`, durably.
fn append_to_log_group(env: &Env, arn: &str, owner: &str, line: &str) -> Result<(), String> {
    let path = log_group_file(env, arn, owner)?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create the log folder: {e}"))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("cannot open the log file: {e}"))?;
    let mut data = line.replace('\n', " ").into_bytes();
    data.push(b'\n');
    file.write_all(&data)
        .and_then(|()| file.sync_data())
        .map_err(|e| format!("cannot write the log file: {e}"))
}
