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

/// PutParameter.
pub(crate) fn put_parameter(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: PutInput = from_input(input, "ValidationException")?;
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
    let requested = requested_tier(input.tier.as_deref())?;
    if let Some(d) = &input.description {
        validate::description(d)?;
    }
    let now = call.env.clock.now();
    let now_secs = policies::epoch(now);
    let rules: Option<Vec<(Rule, PolicyView)>> = match input.policies.as_deref() {
        None => None,
        Some(text) => Some(policies::parse(text, now_secs)?),
    };
    let space = record::space_of(call);
    let user = call.principal.arn();

    let (version, tier, created, kind_name, description) = record::write(call.env, || {
        let existing = record::load(call.env, &space, &name)?;
        if existing.is_some() && !overwrite {
            return Err(errors::already_exists());
        }
        let previous = existing.as_ref().and_then(|(p, _)| p.latest().cloned());
        let kind = match (kind, &previous) {
            (Some(k), _) => k,
            (None, Some(prev)) => prev.kind,
            (None, None) => {
                return Err(errors::validation(
                    "A parameter type is required when you create a parameter.",
                ));
            }
        };
        if input.key_id.is_some() && kind != Kind::SecureString {
            return Err(errors::validation(
                "KeyId is supported only for SecureString type parameters.",
            ));
        }
        let key_id = (kind == Kind::SecureString).then(|| {
            input
                .key_id
                .clone()
                .or_else(|| {
                    previous
                        .as_ref()
                        .filter(|p| p.kind == Kind::SecureString)
                        .and_then(|p| p.key_id.clone())
                })
                .unwrap_or_else(|| secure::DEFAULT_KEY.to_owned())
        });
        let description = input
            .description
            .clone()
            .or_else(|| previous.as_ref().and_then(|p| p.description.clone()));
        let allowed_pattern = input
            .allowed_pattern
            .clone()
            .or_else(|| previous.as_ref().and_then(|p| p.allowed_pattern.clone()));
        let data_type = input
            .data_type
            .clone()
            .or_else(|| previous.as_ref().map(|p| p.data_type.clone()))
            .unwrap_or_else(|| validate::TEXT.to_owned());
        let mut live: Vec<LivePolicy> = match &rules {
            Some(rules) => policies::schedule(rules, now_secs),
            None => existing
                .as_ref()
                .map(|(p, _)| p.policies.clone())
                .unwrap_or_default(),
        };
        if rules.is_none() {
            policies::touched(&mut live, now_secs);
        }
        let previous_tier = previous.as_ref().map(|p| p.tier);
        let tier = resolve_tier(requested, previous_tier, &input.value, !live.is_empty())?;
        validate::value(&input.value, tier)?;
        if let Some(pattern) = &allowed_pattern {
            validate::allowed_pattern(pattern, &input.value)?;
        }
        validate::data_type(&data_type, kind, &name, &input.value)?;

        let (mut counts, counts_expect) = record::load_counts(call.env, &space)?;
        let before = counts;
        match previous_tier {
            None => counts.add(tier, 1),
            Some(old) if old != tier => {
                counts.add(old, -1);
                counts.add(tier, 1);
            }
            Some(_) => {}
        }
        if (counts.standard > before.standard && counts.standard > MAX_STANDARD)
            || (counts.advanced > before.advanced && counts.advanced > MAX_ADVANCED)
        {
            return Err(errors::limit_exceeded());
        }

        let (mut parameter, expect) = match existing {
            Some((p, v)) => (p, Expect::Version(v)),
            None => (
                Parameter {
                    name: name.clone(),
                    versions: Vec::new(),
                    tags: tags.clone(),
                    policies: Vec::new(),
                    due_entry: None,
                },
                Expect::Absent,
            ),
        };
        let next = parameter.latest().map_or(1, |v| v.version + 1);
        if parameter.versions.len() >= MAX_VERSIONS {
            if let Some(oldest) = parameter.versions.first()
                && !oldest.labels.is_empty()
            {
                return Err(errors::max_versions(&name, oldest.version));
            }
            parameter.versions.remove(0);
        }
        let (stored, key_arn) = match kind {
            Kind::SecureString => {
                let sealed = secure::seal(
                    call,
                    key_id.as_deref().filter(|k| *k != secure::DEFAULT_KEY),
                    &arn,
                    tier,
                    &input.value,
                )?;
                (sealed.stored, Some(sealed.key_arn))
            }
            _ => (record::Stored::Plain(input.value.clone()), None),
        };
        parameter.policies = live;
        parameter.versions.push(Version {
            version: next,
            kind,
            value: stored,
            key_id,
            key_arn,
            description: description.clone(),
            allowed_pattern,
            data_type,
            tier,
            policies: parameter.policies.iter().map(|p| p.view.clone()).collect(),
            labels: Vec::new(),
            modified: epoch_seconds(now),
            modified_user: user.clone(),
        });
        let mut batch = Batch::new();
        batch = due::reschedule(batch, &space, &mut parameter);
        batch = batch.put_if(
            record::key(&space, &name),
            record::encode(&parameter)?,
            expect,
        );
        if counts.standard != before.standard || counts.advanced != before.advanced {
            batch = record::put_counts(batch, &space, &counts, counts_expect)?;
        }
        Ok((
            batch,
            (
                next,
                tier,
                expect == Expect::Absent,
                kind.name(),
                description,
            ),
        ))
    })?;
    events::change(
        call.env,
        &Subject {
            account: &call.principal.account,
            region: call.region,
            name: &name,
            arn: &arn,
            kind: kind_name,
        },
        if created { "Create" } else { "Update" },
        description.as_deref(),
    );
    Ok(json!({ "Version": version, "Tier": tier.name() }))
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
