//! LabelParameterVersion and UnlabelParameterVersion. A label names one version of a parameter
//! at a time: labelling another version moves it. A version holds at most 10 labels.

use crate::errors;
use crate::events::{self, Subject};
use crate::name;
use crate::record::{self, Parameter};
use rampart_protocol::AwsError;
use rampart_service::{Call, from_input};
use rampart_store::{Batch, Expect};
use serde::Deserialize;
use serde_json::{Value, json};

/// The most labels one version may carry.
pub(crate) const MAX_LABELS: usize = 10;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LabelInput {
    name: String,
    parameter_version: Option<u64>,
    labels: Vec<String>,
}

fn check_label_list(labels: &[String]) -> Result<(), AwsError> {
    if labels.is_empty() || labels.len() > MAX_LABELS {
        return Err(errors::validation(
            "1 validation error detected: Value at 'labels' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1",
        ));
    }
    Ok(())
}

fn load_named(call: &Call<'_>, space: &str, name: &str) -> Result<(Parameter, u64), AwsError> {
    record::load(call.env, space, name)?.ok_or_else(|| errors::parameter_not_found_named(name))
}

/// LabelParameterVersion.
pub(crate) fn label_parameter_version(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: LabelInput = from_input(input, "ValidationException")?;
    check_label_list(&input.labels)?;
    let name = name::requested(&input.name)?.to_owned();
    let space = record::space_of(call);
    let (invalid, target, kind) = record::write(call.env, || {
        let (mut parameter, stored) = load_named(call, &space, &name)?;
        let target = match input.parameter_version {
            Some(v) => v,
            None => parameter.latest().map_or(0, |v| v.version),
        };
        let Some(index) = parameter.versions.iter().position(|v| v.version == target) else {
            return Err(errors::version_not_found(&name, &target.to_string()));
        };
        let (valid, invalid): (Vec<String>, Vec<String>) = input
            .labels
            .iter()
            .cloned()
            .partition(|l| name::is_valid_label(l));
        for (i, version) in parameter.versions.iter_mut().enumerate() {
            if i != index {
                version.labels.retain(|l| !valid.contains(l));
            }
        }
        let labels = &mut parameter.versions[index].labels;
        for label in &valid {
            if !labels.contains(label) {
                labels.push(label.clone());
            }
        }
        if labels.len() > MAX_LABELS {
            return Err(errors::label_limit());
        }
        let kind = parameter.versions[index].kind.name();
        let batch = if valid.is_empty() {
            Batch::new()
        } else {
            Batch::new().put_if(
                record::key(&space, &name),
                record::encode(&parameter)?,
                Expect::Version(stored),
            )
        };
        Ok((batch, (invalid, target, kind)))
    })?;
    if invalid.len() < input.labels.len() {
        events::change(
            call.env,
            &Subject {
                account: &call.principal.account,
                region: call.region,
                name: &name,
                arn: &name::arn(call, &name),
                kind,
            },
            "LabelParameterVersion",
            None,
        );
    }
    Ok(json!({ "InvalidLabels": invalid, "ParameterVersion": target }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UnlabelInput {
    name: String,
    parameter_version: u64,
    labels: Vec<String>,
}

/// UnlabelParameterVersion: the labels removed, and those the version did not carry.
pub(crate) fn unlabel_parameter_version(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: UnlabelInput = from_input(input, "ValidationException")?;
    check_label_list(&input.labels)?;
    let name = name::requested(&input.name)?.to_owned();
    let space = record::space_of(call);
    let (removed, invalid) = record::write(call.env, || {
        let (mut parameter, stored) = load_named(call, &space, &name)?;
        let Some(version) = parameter
            .versions
            .iter_mut()
            .find(|v| v.version == input.parameter_version)
        else {
            return Err(errors::version_not_found(
                &name,
                &input.parameter_version.to_string(),
            ));
        };
        let (removed, invalid): (Vec<String>, Vec<String>) = input
            .labels
            .iter()
            .cloned()
            .partition(|l| version.labels.contains(l));
        version.labels.retain(|l| !removed.contains(l));
        let batch = if removed.is_empty() {
            Batch::new()
        } else {
            Batch::new().put_if(
                record::key(&space, &name),
                record::encode(&parameter)?,
                Expect::Version(stored),
            )
        };
        Ok((batch, (removed, invalid)))
    })?;
    Ok(json!({ "RemovedLabels": removed, "InvalidLabels": invalid }))
}
