//! DeleteParameter and DeleteParameters: a parameter goes with all its versions, labels, tags
//! and policies.

use crate::events::{self, Subject};
use crate::name;
use crate::record;
use crate::{due, errors};
use rampart_protocol::AwsError;
use rampart_service::{Call, from_input};
use serde::Deserialize;
use serde_json::{Value, json};

/// Deletes `name` from the caller's region; `false` when it does not exist.
fn delete_one(call: &Call<'_>, name: &str) -> Result<bool, AwsError> {
    let space = record::space_of(call);
    let gone = record::write(call.env, || match record::load(call.env, &space, name)? {
        None => Ok((rampart_store::Batch::new(), None)),
        Some((parameter, version)) => {
            let batch = due::delete_batch(call.env, &space, &parameter, version)?;
            let kind = parameter
                .latest()
                .map(|v| v.kind.name())
                .unwrap_or_default();
            Ok((batch, Some(kind)))
        }
    })?;
    let Some(kind) = gone else {
        return Ok(false);
    };
    events::change(
        call.env,
        &Subject {
            account: &call.principal.account,
            region: call.region,
            name,
            arn: &name::arn(call, name),
            kind,
        },
        "Delete",
        None,
    );
    Ok(true)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteInput {
    name: String,
}

/// DeleteParameter.
pub(crate) fn delete_parameter(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DeleteInput = from_input(input, "ValidationException")?;
    let name = name::requested(&input.name)?;
    if delete_one(call, name)? {
        Ok(json!({}))
    } else {
        Err(errors::parameter_not_found_named(name))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteManyInput {
    names: Vec<String>,
}

/// DeleteParameters: the names deleted, and those that did not exist.
pub(crate) fn delete_parameters(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DeleteManyInput = from_input(input, "ValidationException")?;
    crate::read::check_names(&input.names)?;
    let mut deleted = Vec::new();
    let mut invalid = Vec::new();
    for requested in &input.names {
        if deleted.contains(requested) || invalid.contains(requested) {
            continue;
        }
        if delete_one(call, name::requested(requested)?)? {
            deleted.push(requested.clone());
        } else {
            invalid.push(requested.clone());
        }
    }
    Ok(json!({ "DeletedParameters": deleted, "InvalidParameters": invalid }))
}
