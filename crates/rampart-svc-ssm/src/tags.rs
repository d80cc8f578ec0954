//! AddTagsToResource, RemoveTagsFromResource and ListTagsForResource for ResourceType
//! `Parameter` (ResourceId is the parameter's name). Other resource types are not Parameter
//! Store's: rampart has none of them.

use crate::record::{self, Parameter};
use crate::validate::{self, Tag};
use crate::{errors, name};
use rampart_protocol::AwsError;
use rampart_service::{Call, from_input};
use rampart_store::{Batch, Expect};
use serde::Deserialize;
use serde_json::{Value, json};

/// The resource types of the model's enum that are not parameters.
const OTHER_TYPES: &[&str] = &[
    "Document",
    "ManagedInstance",
    "MaintenanceWindow",
    "PatchBaseline",
    "OpsItem",
    "OpsMetadata",
    "Automation",
    "Association",
    "CloudConnector",
];

/// The parameter name a tagging request names, or the error for a resource type that is not
/// a parameter.
fn parameter_name<'a>(resource_type: &str, resource_id: &'a str) -> Result<&'a str, AwsError> {
    match resource_type {
        "Parameter" => Ok(name::trimmed(resource_id)),
        t if OTHER_TYPES.contains(&t) => Err(errors::invalid_resource_id()),
        _ => Err(errors::invalid_resource_type()),
    }
}

fn update(
    call: &Call<'_>,
    name: &str,
    change: impl Fn(&mut Parameter) -> Result<(), AwsError>,
) -> Result<(), AwsError> {
    let space = record::space_of(call);
    record::write(call.env, || {
        let (mut parameter, stored) =
            record::load(call.env, &space, name)?.ok_or_else(errors::invalid_resource_id)?;
        change(&mut parameter)?;
        Ok((
            Batch::new().put_if(
                record::key(&space, name),
                record::encode(&parameter)?,
                Expect::Version(stored),
            ),
            (),
        ))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AddInput {
    resource_type: String,
    resource_id: String,
    tags: Vec<Tag>,
}

/// AddTagsToResource: adds or overwrites tags.
pub(crate) fn add_tags_to_resource(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: AddInput = from_input(input, "ValidationException")?;
    let name = parameter_name(&input.resource_type, &input.resource_id)?;
    let new = validate::tags(&input.tags)?;
    update(call, name, |p| {
        p.tags.extend(new.clone());
        validate::tag_count(&p.tags)
    })?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RemoveInput {
    resource_type: String,
    resource_id: String,
    tag_keys: Vec<String>,
}

/// RemoveTagsFromResource.
pub(crate) fn remove_tags_from_resource(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: RemoveInput = from_input(input, "ValidationException")?;
    let name = parameter_name(&input.resource_type, &input.resource_id)?;
    update(call, name, |p| {
        for key in &input.tag_keys {
            p.tags.remove(key);
        }
        Ok(())
    })?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    resource_type: String,
    resource_id: String,
}

/// ListTagsForResource.
pub(crate) fn list_tags_for_resource(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ListInput = from_input(input, "ValidationException")?;
    let name = parameter_name(&input.resource_type, &input.resource_id)?;
    let space = record::space_of(call);
    let (parameter, _) =
        record::load(call.env, &space, name)?.ok_or_else(errors::invalid_resource_id)?;
    let list: Vec<Value> = parameter
        .tag_pairs()
        .map(|(k, v)| json!({ "Key": k, "Value": v }))
        .collect();
    Ok(json!({ "TagList": list }))
}
