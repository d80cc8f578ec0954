//! SSM Parameter Store over the store: String, StringList and SecureString parameters in
//! hierarchies of up to 15 levels, 100 retained versions with labels, Standard and Advanced
//! tiers with their limits, tags, the read and list operations with their filters, parameter
//! policies that really act ([`duties`]: expirations delete, notifications emit their
//! EventBridge events), `Parameter Store Change` events, and a few public `/aws/service/`
//! parameters.
//!
//! SecureString values are encrypted with KMS keys through `Env::keys`, on the caller's behalf.
//! This crate must never put a decrypted value in an error, a log line, an event or a `Debug`
//! output, and never store one.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod authz;
mod delete;
mod due;
mod duty;
mod errors;
mod events;
mod filters;
mod labels;
mod list;
mod name;
mod policies;
mod public;
mod put;
mod read;
mod record;
mod reference;
mod secure;
mod tags;
#[cfg(test)]
mod tests;
mod token;
mod validate;

pub use duty::{DueReport, run_due};

use rampart_service::{Duty, Env, Registry};
use std::time::Duration;

/// How often the scheduler looks for parameter policies that came due.
const POLICY_SCAN: Duration = Duration::from_secs(1);

/// Adds the service's operations and its authorization table to `registry`.
pub fn register(registry: &mut Registry) {
    registry.register("ssm", "PutParameter", false, put::put_parameter);
    registry.register("ssm", "GetParameter", true, read::get_parameter);
    registry.register("ssm", "GetParameters", true, read::get_parameters);
    registry.register(
        "ssm",
        "GetParameterHistory",
        true,
        read::get_parameter_history,
    );
    registry.register(
        "ssm",
        "GetParametersByPath",
        true,
        list::get_parameters_by_path,
    );
    registry.register("ssm", "DescribeParameters", true, list::describe_parameters);
    registry.register(
        "ssm",
        "LabelParameterVersion",
        false,
        labels::label_parameter_version,
    );
    registry.register(
        "ssm",
        "UnlabelParameterVersion",
        false,
        labels::unlabel_parameter_version,
    );
    registry.register("ssm", "DeleteParameter", false, delete::delete_parameter);
    registry.register("ssm", "DeleteParameters", false, delete::delete_parameters);
    registry.register(
        "ssm",
        "AddTagsToResource",
        false,
        tags::add_tags_to_resource,
    );
    registry.register(
        "ssm",
        "RemoveTagsFromResource",
        false,
        tags::remove_tags_from_resource,
    );
    registry.register(
        "ssm",
        "ListTagsForResource",
        true,
        tags::list_tags_for_resource,
    );
    registry.authorize("ssm", authz::table);
}

/// The service's scheduled work, run over `env`: parameter policies that came due, every
/// second.
pub fn duties(env: &Env) -> Vec<Duty> {
    let env = env.clone();
    vec![Duty {
        name: "ssm parameter policies",
        every: POLICY_SCAN,
        run: Box::new(move || match run_due(&env) {
            Ok(done) if done.expired + done.notified > 0 => {
                tracing::info!(
                    expired = done.expired,
                    notified = done.notified,
                    "Parameter Store policies acted"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "Parameter Store policies failed"),
        }),
    }]
}
