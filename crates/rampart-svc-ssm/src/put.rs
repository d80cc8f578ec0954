//! PutParameter: create a parameter or, with Overwrite, add a version to it.

use crate::events::{self, Subject};
use crate::name;
use crate::policies::{self, Rule};
use crate::record::{self, Kind, LivePolicy, Parameter, PolicyView, Tier, Version};
use crate::secure;
use crate::validate::{self, Tag};
use crate::{due, errors};
use rampart_protocol::AwsError;
use rampart_service::{Call, epoch_seconds, from_input};
use rampart_store::{Batch, Expect};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The most versions a parameter keeps.
pub(crate) const MAX_VERSIONS: usize = 100;
/// The most Standard parameters per account and region.
pub(crate) const MAX_STANDARD: u64 = 10_000;
/// The most Advanced parameters per account and region.
pub(crate) const MAX_ADVANCED: u64 = 100_000;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PutInput {
    name: String,
    value: String,
    description: Option<String>,
    #[serde(rename = "Type")]
    kind: Option<String>,
    key_id: Option<String>,
    overwrite: Option<bool>,
    allowed_pattern: Option<String>,
    tags: Option<Vec<Tag>>,
    tier: Option<String>,
    policies: Option<String>,
    data_type: Option<String>,
}

/// The tier a request asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Requested {
    Standard,
    Advanced,
    Intelligent,
}

fn requested_tier(tier: Option<&str>) -> Result<Option<Requested>, AwsError> {
    match tier {
        None => Ok(None),
        Some("Standard") => Ok(Some(Requested::Standard)),
        Some("Advanced") => Ok(Some(Requested::Advanced)),
        Some("Intelligent-Tiering") => Ok(Some(Requested::Intelligent)),
        Some(other) => Err(errors::validation(format!(
            "1 validation error detected: Value '{other}' at 'tier' failed to satisfy constraint: Member must satisfy enum value set: [Advanced, Intelligent-Tiering, Standard]"
        ))),
    }
}

/// Resolves the tier of the new version.
fn resolve_tier(
    requested: Option<Requested>,
    previous: Option<Tier>,
    value: &str,
    has_policies: bool,
) -> Result<Tier, AwsError> {
    let tier = match requested {
        Some(Requested::Standard) => {
            if previous == Some(Tier::Advanced) {
                return Err(errors::validation(
                    "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.",
                ));
            }
            Tier::Standard
        }
        Some(Requested::Advanced) => Tier::Advanced,
        Some(Requested::Intelligent) => {
            if previous == Some(Tier::Advanced)
                || value.len() > validate::STANDARD_MAX
                || has_policies
            {
                Tier::Advanced
            } else {
                Tier::Standard
            }
        }
        None => previous.unwrap_or(Tier::Standard),
    };
    if tier == Tier::Standard && has_policies {
        return Err(errors::validation(
            "Parameter policies are supported only for the advanced-parameter tier. Use the Advanced or Intelligent-Tiering tier to assign parameter policies.",
        ));
    }
    Ok(tier)
}

/// A PutParameter request with everything checked that does not depend on the parameter.
struct Request {
    name: String,
    arn: String,
    value: String,
    kind: Option<Kind>,
    key_id: Option<String>,
    description: Option<String>,
    allowed_pattern: Option<String>,
    data_type: Option<String>,
    overwrite: bool,
    tags: BTreeMap<String, String>,
    tier: Option<Requested>,
    rules: Option<Vec<(Rule, PolicyView)>>,
}

fn check_request(call: &Call<'_>, input: PutInput, now: i64) -> Result<Request, AwsError> {
    let name = name::trimmed(&input.name).to_owned();
    let arn = name::arn(call, &name);
    name::check_new_name(&name, &arn)?;
    let overwrite = input.overwrite.unwrap_or(false);
    let tags = validate::tags(input.tags.as_deref().unwrap_or_default())?;
    validate::tag_count(&tags)?;
    if overwrite && !tags.is_empty() {
        return Err(errors::validation(
            "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
        ));
    }
    let kind = match input.kind.as_deref() {
        None => None,
        Some(k) => Some(Kind::parse(k).ok_or_else(|| {
            errors::validation(format!(
                "1 validation error detected: Value '{k}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]"
            ))
        })?),
    };
    if let Some(d) = &input.description {
        validate::description(d)?;
    }
    let rules = input
        .policies
        .as_deref()
        .map(|text| policies::parse(text, now))
        .transpose()?;
    Ok(Request {
        name,
        arn,
        value: input.value,
        kind,
        key_id: input.key_id,
        description: input.description,
        allowed_pattern: input.allowed_pattern,
        data_type: input.data_type,
        overwrite,
        tags,
        tier: requested_tier(input.tier.as_deref())?,
        rules,
    })
}

/// What the new version will be: the request's metadata, the previous version's where the
/// request leaves it out, all checked against the value.
struct Metadata {
    kind: Kind,
    key_id: Option<String>,
    description: Option<String>,
    allowed_pattern: Option<String>,
    data_type: String,
    tier: Tier,
    policies: Vec<LivePolicy>,
}

fn metadata(
    request: &Request,
    existing: Option<&Parameter>,
    now: i64,
) -> Result<Metadata, AwsError> {
    let previous = existing.and_then(Parameter::latest);
    let kind = match (request.kind, previous) {
        (Some(k), _) => k,
        (None, Some(prev)) => prev.kind,
        (None, None) => {
            return Err(errors::validation(
                "A parameter type is required when you create a parameter.",
            ));
        }
    };
    if request.key_id.is_some() && kind != Kind::SecureString {
        return Err(errors::validation(
            "KeyId is supported only for SecureString type parameters.",
        ));
    }
    let key_id = (kind == Kind::SecureString).then(|| {
        request
            .key_id
            .clone()
            .or_else(|| {
                previous
                    .filter(|p| p.kind == Kind::SecureString)
                    .and_then(|p| p.key_id.clone())
            })
            .unwrap_or_else(|| secure::DEFAULT_KEY.to_owned())
    });
    let description = request
        .description
        .clone()
        .or_else(|| previous.and_then(|p| p.description.clone()));
    let allowed_pattern = request
        .allowed_pattern
        .clone()
        .or_else(|| previous.and_then(|p| p.allowed_pattern.clone()));
    let data_type = request
        .data_type
        .clone()
        .or_else(|| previous.map(|p| p.data_type.clone()))
        .unwrap_or_else(|| validate::TEXT.to_owned());
    let policies = match &request.rules {
        Some(rules) => policies::schedule(rules, now),
        None => {
            let mut kept = existing.map(|p| p.policies.clone()).unwrap_or_default();
            policies::touched(&mut kept, now);
            kept
        }
    };
    let tier = resolve_tier(
        request.tier,
        previous.map(|p| p.tier),
        &request.value,
        !policies.is_empty(),
    )?;
    validate::value(&request.value, tier)?;
    if let Some(pattern) = &allowed_pattern {
        validate::allowed_pattern(pattern, &request.value)?;
    }
    validate::data_type(&data_type, kind, &request.name, &request.value)?;
    Ok(Metadata {
        kind,
        key_id,
        description,
        allowed_pattern,
        data_type,
        tier,
        policies,
    })
}

/// Adds to `batch` the region's tier counts after parameter `name` moves from `previous`
/// (`None`: it is new) to `tier`; `ParameterLimitExceeded` when that passes a quota.
fn count(
    call: &Call<'_>,
    batch: Batch,
    space: &str,
    name: &str,
    previous: Option<Tier>,
    tier: Tier,
) -> Result<Batch, AwsError> {
    if previous == Some(tier) {
        return Ok(batch);
    }
    let mut counts = record::load_counts(call.env, space, name)?;
    if let Some(old) = previous {
        counts.add(old, -1);
    }
    counts.add(tier, 1);
    let over = match tier {
        Tier::Standard => counts.total.standard > MAX_STANDARD,
        Tier::Advanced => counts.total.advanced > MAX_ADVANCED,
    };
    if over {
        return Err(errors::limit_exceeded());
    }
    counts.put(batch)
}

/// Drops the oldest version when 100 are kept, unless it carries a label.
fn make_room(parameter: &mut Parameter) -> Result<(), AwsError> {
    if parameter.versions.len() < MAX_VERSIONS {
        return Ok(());
    }
    if let Some(oldest) = parameter.versions.first()
        && !oldest.labels.is_empty()
    {
        return Err(errors::max_versions(&parameter.name, oldest.version));
    }
    parameter.versions.remove(0);
    Ok(())
}

/// PutParameter.
pub(crate) fn put_parameter(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: PutInput = from_input(input, "ValidationException")?;
    let now = call.env.clock.now();
    let request = check_request(call, input, policies::epoch(now))?;
    let space = record::space_of(call);
    let user = call.principal.arn();

    let (version, meta, created) = record::write(call.env, || {
        let existing = record::load(call.env, &space, &request.name)?;
        if existing.is_some() && !request.overwrite {
            return Err(errors::already_exists());
        }
        let meta = metadata(
            &request,
            existing.as_ref().map(|(p, _)| p),
            policies::epoch(now),
        )?;
        let previous_tier = existing
            .as_ref()
            .and_then(|(p, _)| p.latest())
            .map(|v| v.tier);
        let batch = count(
            call,
            Batch::new(),
            &space,
            &request.name,
            previous_tier,
            meta.tier,
        )?;
        let (mut parameter, expect) = match existing {
            Some((p, v)) => (p, Expect::Version(v)),
            None => (
                Parameter {
                    name: request.name.clone(),
                    versions: Vec::new(),
                    tags: request.tags.clone(),
                    policies: Vec::new(),
                    due_entry: None,
                },
                Expect::Absent,
            ),
        };
        let next = parameter.latest().map_or(1, |v| v.version + 1);
        make_room(&mut parameter)?;
        let (stored, key_arn) = match meta.kind {
            Kind::SecureString => {
                let sealed = secure::seal(
                    call,
                    meta.key_id.as_deref().filter(|k| *k != secure::DEFAULT_KEY),
                    &request.arn,
                    meta.tier,
                    &request.value,
                )?;
                (sealed.stored, Some(sealed.key_arn))
            }
            _ => (record::Stored::Plain(request.value.clone()), None),
        };
        parameter.policies = meta.policies.clone();
        parameter.versions.push(Version {
            version: next,
            kind: meta.kind,
            value: stored,
            key_id: meta.key_id.clone(),
            key_arn,
            description: meta.description.clone(),
            allowed_pattern: meta.allowed_pattern.clone(),
            data_type: meta.data_type.clone(),
            tier: meta.tier,
            policies: meta.policies.iter().map(|p| p.view.clone()).collect(),
            labels: Vec::new(),
            modified: epoch_seconds(now),
            modified_user: user.clone(),
        });
        let batch = due::reschedule(batch, &space, &mut parameter).put_if(
            record::key(&space, &request.name),
            record::encode(&parameter)?,
            expect,
        );
        Ok((batch, (next, meta, expect == Expect::Absent)))
    })?;
    events::change(
        call.env,
        &Subject {
            account: &call.principal.account,
            region: call.region,
            name: &request.name,
            arn: &request.arn,
            kind: meta.kind.name(),
        },
        if created { "Create" } else { "Update" },
        meta.description.as_deref(),
    );
    Ok(json!({ "Version": version, "Tier": meta.tier.name() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_resolve_as_aws_does() {
        let small = "v";
        let big = "x".repeat(validate::STANDARD_MAX + 1);
        assert_eq!(
            resolve_tier(None, None, small, false).unwrap(),
            Tier::Standard
        );
        assert_eq!(
            resolve_tier(None, Some(Tier::Advanced), small, false).unwrap(),
            Tier::Advanced
        );
        assert_eq!(
            resolve_tier(Some(Requested::Intelligent), None, small, false).unwrap(),
            Tier::Standard
        );
        assert_eq!(
            resolve_tier(Some(Requested::Intelligent), None, &big, false).unwrap(),
            Tier::Advanced
        );
        assert_eq!(
            resolve_tier(Some(Requested::Intelligent), None, small, true).unwrap(),
            Tier::Advanced
        );
        assert_eq!(
            resolve_tier(
                Some(Requested::Standard),
                Some(Tier::Advanced),
                small,
                false
            )
            .unwrap_err()
            .code,
            "ValidationException"
        );
        assert_eq!(
            resolve_tier(Some(Requested::Standard), None, small, true)
                .unwrap_err()
                .code,
            "ValidationException"
        );
    }
}
