//! AWS Security Token Service.

use rampart_service::{Call, Registry, to_output};
use serde::Serialize;
use serde_json::Value;

/// `GetCallerIdentity`'s output.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CallerIdentity {
    user_id: String,
    account: String,
    arn: String,
}

fn get_caller_identity(
    call: &Call<'_>,
    _input: Value,
) -> Result<Value, rampart_protocol::AwsError> {
    to_output(&CallerIdentity {
        user_id: call.principal.user_id(),
        account: call.principal.account.to_string(),
        arn: call.principal.arn(),
    })
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("sts", "GetCallerIdentity", true, get_caller_identity);
    registry.authorize("sts", |_call, operation, _input| match operation {
        // AWS: no permission is needed, and not even an explicit deny stops it.
        "GetCallerIdentity" => Ok(Vec::new()),
        _ => Err(rampart_service::no_rule("sts", operation)),
    });
}
