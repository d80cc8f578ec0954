//! CloudTrail's authorization table (Service Authorization Reference): trail operations act on
//! the trail's ARN, the rest are wildcard-only.

use crate::trails;
use rampart_protocol::AwsError;
use rampart_service::{Access, Call, no_rule};
use serde_json::Value;

/// The accesses CloudTrail `operation` with `input` needs.
pub(crate) fn table(
    call: &Call<'_>,
    operation: &str,
    input: &Value,
) -> Result<Vec<Access>, AwsError> {
    let action = format!("cloudtrail:{operation}");
    let trail_member = match operation {
        "DescribeTrails" | "ListTrails" | "LookupEvents" | "ListPublicKeys" => {
            return Ok(vec![Access::new(action, "*")]);
        }
        "CreateTrail" | "UpdateTrail" | "DeleteTrail" | "GetTrail" | "StartLogging"
        | "StopLogging" | "GetTrailStatus" => "Name",
        "PutEventSelectors" | "GetEventSelectors" => "TrailName",
        _ => return Err(no_rule("cloudtrail", operation)),
    };
    let name = input
        .get(trail_member)
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(vec![Access::new(action, trails::resource_arn(call, name))])
}
