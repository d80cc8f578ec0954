//! The rest of the model, answered as AWS answers an account that has not set these features
//! up: the Shield Response Team's access (no role, no log buckets), Route 53 health checks
//! (rampart has none to associate), proactive engagement (needs emergency contacts and a
//! health check), and protection groups (none exist; creating one is refused with a clear
//! reason).

use crate::errors;
use crate::subscription;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use serde_json::{Value, json};

fn describe_drt_access(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    subscription::required(call)?;
    Ok(json!({}))
}

fn drt(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    subscription::required(call)?;
    Err(errors::invalid_operation(
        "The Shield Response Team is not part of rampart: there is no team to give access to.",
    ))
}

fn no_role(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    subscription::required(call)?;
    Err(AwsError::new(
        "NoAssociatedRoleException",
        400,
        "No role is associated with the Shield Response Team.",
    ))
}

fn health_check(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    subscription::required(call)?;
    let id = input
        .get("HealthCheckArn")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Err(errors::invalid_resource(format!(
        "Health check '{id}' does not exist: rampart has no Route 53 health checks"
    )))
}

fn proactive(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    subscription::required(call)?;
    Err(errors::invalid_operation(
        "Proactive engagement needs the Shield Response Team, which is not part of rampart.",
    ))
}

fn no_group(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    subscription::required(call)?;
    Err(errors::not_found(
        "The referenced protection group does not exist.",
    ))
}

fn list_groups(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    subscription::required(call)?;
    Ok(json!({ "ProtectionGroups": [] }))
}

fn create_group(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    subscription::required(call)?;
    Err(errors::invalid_operation(
        "rampart's Shield detects attacks per protected load balancer; protection groups are not supported.",
    ))
}

/// Registers the operations of this module.
pub(crate) fn register(registry: &mut Registry) {
    registry.register("shield", "DescribeDRTAccess", true, describe_drt_access);
    registry.register("shield", "AssociateDRTRole", false, drt);
    registry.register("shield", "DisassociateDRTRole", false, drt);
    registry.register("shield", "AssociateDRTLogBucket", false, no_role);
    registry.register("shield", "DisassociateDRTLogBucket", false, no_role);
    registry.register("shield", "AssociateHealthCheck", false, health_check);
    registry.register("shield", "DisassociateHealthCheck", false, health_check);
    registry.register(
        "shield",
        "AssociateProactiveEngagementDetails",
        false,
        proactive,
    );
    registry.register("shield", "EnableProactiveEngagement", false, proactive);
    registry.register("shield", "DisableProactiveEngagement", false, proactive);
    registry.register("shield", "CreateProtectionGroup", false, create_group);
    registry.register("shield", "DescribeProtectionGroup", true, no_group);
    registry.register("shield", "UpdateProtectionGroup", false, no_group);
    registry.register("shield", "DeleteProtectionGroup", false, no_group);
    registry.register("shield", "ListResourcesInProtectionGroup", true, no_group);
    registry.register("shield", "ListProtectionGroups", true, list_groups);
}
