//! The EventBridge events Parameter Store emits (source `aws.ssm`): `Parameter Store Change` on
//! create, update, delete and labelling, and `Parameter Store Policy Action` when a policy acts.
//! Events never carry a value. A bus that fails is logged: the change it reports is already
//! committed.

use rampart_service::{AwsEvent, Env};
use rampart_types::{AccountId, Region};
use serde_json::{Value, json};

/// Who and where an event is about.
pub(crate) struct Subject<'a> {
    /// The parameter's account.
    pub account: &'a AccountId,
    /// Its region.
    pub region: &'a Region,
    /// Its name.
    pub name: &'a str,
    /// Its ARN.
    pub arn: &'a str,
    /// Its type (`String`, ...).
    pub kind: &'a str,
}

/// `Parameter Store Change` with `operation` `Create`, `Update`, `Delete` or
/// `LabelParameterVersion`.
pub(crate) fn change(env: &Env, subject: &Subject<'_>, operation: &str, description: Option<&str>) {
    let mut detail = json!({
        "operation": operation,
        "name": subject.name,
        "type": subject.kind,
    });
    if let (Some(d), Value::Object(map)) = (description, &mut detail) {
        map.insert("description".to_owned(), Value::String(d.to_owned()));
    }
    emit(env, subject, "Parameter Store Change", detail);
}

/// `Parameter Store Policy Action` for a policy of `policy_type` that acted.
pub(crate) fn policy_action(env: &Env, subject: &Subject<'_>, policy_type: &str, reason: &str) {
    let detail = json!({
        "parameter-name": subject.name,
        "parameter-type": subject.kind,
        "policy-type": policy_type,
        "action-status": "Finished",
        "action-reason": reason,
    });
    emit(env, subject, "Parameter Store Policy Action", detail);
}

fn emit(env: &Env, subject: &Subject<'_>, detail_type: &str, detail: Value) {
    let event = AwsEvent {
        source: "aws.ssm".to_owned(),
        detail_type: detail_type.to_owned(),
        account: subject.account.clone(),
        region: subject.region.clone(),
        time: env.clock.now(),
        resources: vec![subject.arn.to_owned()],
        detail,
    };
    if let Err(e) = env.events.emit(env, event) {
        tracing::warn!(error = %e, detail_type, "ssm event not accepted by the event bus");
    }
}
