//! Events the services emit for EventBridge (`aws.ssm` parameter policy actions, `aws.kms` key
//! deletions, Secrets Manager rotation outcomes): services say what happened; the event bus
//! decides which rules match and where the event goes.

use crate::Env;
use rampart_protocol::AwsError;
use rampart_types::{AccountId, Region};
use serde_json::Value;
use std::time::SystemTime;

/// One event as AWS services put it on an account's default event bus.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsEvent {
    /// `source`: `aws.ssm`, `aws.kms`, `aws.secretsmanager`.
    pub source: String,
    /// `detail-type`: `Parameter Store Policy Action`, `KMS CMK Deletion`, ...
    pub detail_type: String,
    /// The account whose default bus receives it.
    pub account: AccountId,
    /// The region of that bus.
    pub region: Region,
    /// When it happened.
    pub time: SystemTime,
    /// The ARNs the event concerns.
    pub resources: Vec<String>,
    /// `detail`: the service's own description.
    pub detail: Value,
}

/// Where services put their events.
pub trait EventBus: Send + Sync {
    /// Accepts `event` durably for matching and delivery; errors are the store's.
    fn emit(&self, env: &Env, event: AwsEvent) -> Result<(), AwsError>;

    /// Whether an event with `source` and `detail_type` on the default bus of `account` in
    /// `region` could match an enabled rule there. Cheap (no I/O while the rules are
    /// unchanged), so an emitter that pays to build its event (one per API call) asks first;
    /// `true` when unsure (the default).
    fn wants(
        &self,
        env: &Env,
        account: &AccountId,
        region: &Region,
        source: &str,
        detail_type: &str,
    ) -> bool {
        let _ = (env, account, region, source, detail_type);
        true
    }
}

/// An [`EventBus`] that drops every event, for worlds without EventBridge.
pub struct NoEvents;

impl EventBus for NoEvents {
    fn emit(&self, _env: &Env, _event: AwsEvent) -> Result<(), AwsError> {
        Ok(())
    }

    fn wants(&self, _: &Env, _: &AccountId, _: &Region, _: &str, _: &str) -> bool {
        false
    }
}
