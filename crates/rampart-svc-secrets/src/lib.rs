//! Secrets Manager over the store: secrets with versions and staging labels, envelope
//! encryption of every value through KMS on the caller's behalf (`Env::keys`), resource
//! policies, rotation (HTTP rotation functions and built-in PostgreSQL rotations, on demand
//! and on schedule), replication to other regions, scheduled deletion, and the authorization
//! table of every operation in botocore's model.
//!
//! How a rotation function is chosen from AWS's `RotationLambdaARN`: a function named
//! `rampart-postgresql-single-user` or `rampart-postgresql-alternating-users` is a built-in
//! PostgreSQL rotation (the RDS strategies, over the secret's `engine, host, port, username,
//! password, dbname, masterarn` JSON); any other function is an HTTP rotation function whose
//! URL the operator gives in `RAMPART_ROTATION_FUNCTIONS` (`name=url` pairs, comma-separated),
//! to which rampart POSTs AWS's rotation event for each of the four steps. The
//! scheduler runs [`run_due`] (through [`duties`]): deletions that come due and scheduled
//! rotations, on the service's own authority. Other services read secrets for their callers
//! through [`Secrets`], the `rampart_service::SecretReader` port.
//!
//! This crate must never put a secret value, a data key or a database password in an error,
//! a log line or a `Debug` output, and never store a value unencrypted.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod authz;
mod crypt;
mod errors;
mod events;
mod input;
mod model;
mod password;
mod pg_rotation;
mod pg_session;
mod policy;
mod reader;
mod replication;
mod resolve;
mod rotation;
mod rotators;
mod schedule;
mod secrets;
#[cfg(test)]
mod tests;
mod versions;

pub use reader::Secrets;

use rampart_service::{Call, Duty, Env, Principal, PrincipalKind, Registry, ServiceAuthority};
use rampart_types::{AccountId, Region};
use serde_json::json;
use std::time::Duration;

/// The operations of botocore's model that rampart refuses by name: cross-account replicas
/// need a second organization-wide trust that rampart does not model yet.
const UNSUPPORTED: [&str; 2] = [
    "AssociateCrossAccountReplica",
    "DisassociateCrossAccountReplica",
];

/// Adds the service's operations and its authorization table to `registry`.
pub fn register(registry: &mut Registry) {
    secrets::register(registry);
    versions::register(registry);
    password::register(registry);
    policy::register(registry);
    rotation::register(registry);
    replication::register(registry);
    for operation in UNSUPPORTED {
        registry.register("secretsmanager", operation, false, move |_, _| {
            Err(errors::invalid_request(format!(
                "{operation} is not supported by rampart: cross-account replicas are not available."
            )))
        });
    }
    registry.authorize("secretsmanager", |call, operation, input| {
        if UNSUPPORTED.contains(&operation) {
            return Ok(vec![rampart_service::Access::new(
                format!("secretsmanager:{operation}"),
                input
                    .get("SecretId")
                    .and_then(serde_json::Value::as_str)
                    .map(|id| resolve::partial_arn(call, id))
                    .unwrap_or_else(|| "*".to_owned()),
            )]);
        }
        authz::table(call, operation, input)
    });
}

/// The service's scheduled work, run over `env`: [`run_due`] every minute.
pub fn duties(env: &Env) -> Vec<Duty> {
    let env = env.clone();
    vec![Duty {
        name: "secretsmanager: deletions and rotations that come due",
        every: Duration::from_secs(60),
        run: Box::new(move || {
            let report = run_due(&env);
            if report.purged + report.rotated + report.failed > 0 {
                tracing::info!(
                    purged = report.purged,
                    rotated = report.rotated,
                    failed = report.failed,
                    "secretsmanager: scheduled work done"
                );
            }
        }),
    }]
}

/// What one [`run_due`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DueReport {
    /// Secrets whose recovery window ended, now gone with every version.
    pub purged: usize,
    /// Scheduled rotations that succeeded.
    pub rotated: usize,
    /// Scheduled rotations that failed (AWSCURRENT unchanged).
    pub failed: usize,
}

/// The account and region of a space `acct/<account>/<region>`.
fn space_owner(space: &str) -> Option<(AccountId, Region)> {
    let mut parts = space.strip_prefix("acct/")?.split('/');
    let account = parts.next()?.parse().ok()?;
    let region = parts.next()?.parse().ok()?;
    Some((account, region))
}

/// Purges the secrets whose deletion is due and runs the rotations whose schedule is due, as
/// of `env`'s clock, on the service's own authority (as the owning account's root).
pub fn run_due(env: &Env) -> DueReport {
    let mut report = DueReport::default();
    let now = model::now_ms(env);
    let Ok(spaces) = model::spaces(env) else {
        return report;
    };
    for space in spaces {
        let Some((account, region)) = space_owner(&space) else {
            continue;
        };
        let Ok(secrets) = model::all(env, &space) else {
            continue;
        };
        let principal = Principal {
            account: account.clone(),
            partition: env.partition,
            kind: PrincipalKind::Root,
            principal_id: account.to_string(),
            access_key_id: String::new(),
            session: None,
        };
        let call = Call {
            request_id: "scheduled",
            principal: &principal,
            region: &region,
            source_ip: std::net::IpAddr::from([127, 0, 0, 1]),
            user_agent: "secretsmanager.amazonaws.com",
            env,
            guard: &ServiceAuthority,
        };
        for secret in secrets {
            if secret.deletion_due.is_some_and(|due| due <= now) {
                if model::purge(env, &space, &secret).is_ok() {
                    events::emit(&call, "EndSecretVersionDelete", &secret.arn, json!({}));
                    report.purged += 1;
                }
                continue;
            }
            let due = secret.rotation.enabled
                && secret.deleted.is_none()
                && !secret.is_replica(region.as_str())
                && secret.rotation.next.is_some_and(|next| next <= now);
            if !due {
                continue;
            }
            let following = secret
                .rotation
                .rules
                .as_ref()
                .and_then(schedule::of_rules)
                .and_then(|s| schedule::next_after(&s, now));
            if model::update(env, &space, &secret.name, |s, _| {
                s.rotation.next = following;
                Ok(())
            })
            .is_err()
            {
                continue;
            }
            let token = match rotation::unfinished(&secret) {
                Some(pending) => pending,
                None => match rampart_crypto::random_uuid() {
                    Some(t) => t,
                    None => continue,
                },
            };
            if rotation::rotate(&call, &space, &secret.name, &token) {
                report.rotated += 1;
            } else {
                report.failed += 1;
            }
        }
    }
    report
}
