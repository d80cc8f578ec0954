//! Parameter policies (Advanced parameters only): what PutParameter's `Policies` JSON array may
//! hold, and when each policy acts.
//!
//! - `Expiration` (`Timestamp`, ISO-8601 instant or offset date-time): the parameter is deleted
//!   at that time. Updating the parameter does not move it.
//! - `ExpirationNotification` (`Before` + `Unit` `Days`|`Hours`; needs an Expiration): one event
//!   that long before the expiration.
//! - `NoChangeNotification` (`After` + `Unit`): one event when the parameter was not modified
//!   for that long; a new version starts the wait again.

use crate::errors;
use crate::record::{LivePolicy, PolicyView};
use rampart_protocol::AwsError;
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};
use time::OffsetDateTime;
use time::format_description::well_known::{Iso8601, Rfc3339};

/// The most policies a parameter may have.
pub(crate) const MAX_POLICIES: usize = 10;

/// The policy types.
pub(crate) const EXPIRATION: &str = "Expiration";
/// See the module doc.
pub(crate) const EXPIRATION_NOTIFICATION: &str = "ExpirationNotification";
/// See the module doc.
pub(crate) const NO_CHANGE_NOTIFICATION: &str = "NoChangeNotification";

/// A policy's status before it acted.
pub(crate) const PENDING: &str = "Pending";
/// A policy's status once it acted.
pub(crate) const FINISHED: &str = "Finished";

/// `t` in whole seconds since the epoch, the unit policies are scheduled in.
pub(crate) fn epoch(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// One parsed policy.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Rule {
    /// Delete at this time (epoch seconds).
    Expiration(i64),
    /// Notify this many seconds before the expiration.
    ExpirationNotification(i64),
    /// Notify when unchanged for this many seconds.
    NoChangeNotification(i64),
}

/// Parses a `Policies` array at time `now` (epoch seconds): the live policies it sets, all
/// pending. `[]` clears every policy.
pub(crate) fn parse(text: &str, now: i64) -> Result<Vec<(Rule, PolicyView)>, AwsError> {
    let parsed: Value = serde_json::from_str(text).map_err(|_| {
        errors::invalid_policy_attribute("The policies must be a valid JSON array of policies.")
    })?;
    let Value::Array(items) = parsed else {
        return Err(errors::invalid_policy_attribute(
            "The policies must be a valid JSON array of policies.",
        ));
    };
    if items.len() > MAX_POLICIES {
        return Err(errors::policies_limit());
    }
    let mut out: Vec<(Rule, PolicyView)> = Vec::new();
    for item in &items {
        let kind = item.get("Type").and_then(Value::as_str).unwrap_or_default();
        let version = item.get("Version").and_then(Value::as_str);
        if version.is_some_and(|v| v != "1.0") {
            return Err(errors::invalid_policy_attribute(format!(
                "Invalid policy version {}. The only supported version is 1.0.",
                version.unwrap_or_default()
            )));
        }
        let attributes = item.get("Attributes").cloned().unwrap_or(Value::Null);
        let rule = match kind {
            EXPIRATION => Rule::Expiration(timestamp(&attributes, now)?),
            EXPIRATION_NOTIFICATION => {
                Rule::ExpirationNotification(duration(&attributes, "Before")?)
            }
            NO_CHANGE_NOTIFICATION => Rule::NoChangeNotification(duration(&attributes, "After")?),
            other => return Err(errors::invalid_policy_type(other)),
        };
        if kind != EXPIRATION_NOTIFICATION && out.iter().any(|(_, v)| v.kind == kind) {
            return Err(errors::incompatible_policy(format!(
                "A parameter can have only one {kind} policy."
            )));
        }
        let view = PolicyView {
            text: serde_json::to_string(item)
                .map_err(|_| errors::internal("unencodable policy"))?,
            kind: kind.to_owned(),
            status: PENDING.to_owned(),
        };
        out.push((rule, view));
    }
    let has_expiration = out.iter().any(|(r, _)| matches!(r, Rule::Expiration(_)));
    if !has_expiration
        && out
            .iter()
            .any(|(r, _)| matches!(r, Rule::ExpirationNotification(_)))
    {
        return Err(errors::incompatible_policy(
            "An ExpirationNotification policy requires an Expiration policy.",
        ));
    }
    Ok(out)
}

fn timestamp(attributes: &Value, now: i64) -> Result<i64, AwsError> {
    let text = attributes
        .get("Timestamp")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            errors::invalid_policy_attribute("Expiration policy requires a Timestamp attribute.")
        })?;
    let at = OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, &Iso8601::DEFAULT))
        .map_err(|_| {
            errors::invalid_policy_attribute(format!(
                "Invalid Timestamp {text}. Use the ISO_INSTANT or ISO_OFFSET_DATE_TIME format."
            ))
        })?
        .unix_timestamp();
    if at <= now {
        return Err(errors::invalid_policy_attribute(
            "The Expiration policy timestamp must be in the future.",
        ));
    }
    Ok(at)
}

fn duration(attributes: &Value, field: &str) -> Result<i64, AwsError> {
    let amount = match attributes.get(field) {
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    }
    .filter(|n| *n > 0)
    .ok_or_else(|| {
        errors::invalid_policy_attribute(format!(
            "The {field} attribute must be a positive whole number."
        ))
    })?;
    let unit = match attributes.get("Unit").and_then(Value::as_str) {
        Some("Days") => 86_400,
        Some("Hours") => 3_600,
        _ => {
            return Err(errors::invalid_policy_attribute(
                "The Unit attribute must be Days or Hours.",
            ));
        }
    };
    Ok(amount.saturating_mul(unit))
}

/// The live policies of a parameter written at `modified` (epoch seconds) with `rules`, each
/// scheduled.
pub(crate) fn schedule(rules: &[(Rule, PolicyView)], modified: i64) -> Vec<LivePolicy> {
    let expiration = rules.iter().find_map(|(r, _)| match r {
        Rule::Expiration(at) => Some(*at),
        _ => None,
    });
    rules
        .iter()
        .map(|(rule, view)| LivePolicy {
            view: view.clone(),
            due: Some(match rule {
                Rule::Expiration(at) => *at,
                Rule::ExpirationNotification(before) => {
                    expiration.unwrap_or_default().saturating_sub(*before)
                }
                Rule::NoChangeNotification(after) => modified.saturating_add(*after),
            }),
        })
        .collect()
}

/// The rule a live policy stands for, read back from its text.
pub(crate) fn rule_of(policy: &LivePolicy) -> Option<Rule> {
    let item: Value = serde_json::from_str(&policy.view.text).ok()?;
    let attributes = item.get("Attributes").cloned().unwrap_or(Value::Null);
    match policy.view.kind.as_str() {
        EXPIRATION => {
            let text = attributes.get("Timestamp")?.as_str()?;
            let at = OffsetDateTime::parse(text, &Rfc3339)
                .or_else(|_| OffsetDateTime::parse(text, &Iso8601::DEFAULT))
                .ok()?;
            Some(Rule::Expiration(at.unix_timestamp()))
        }
        EXPIRATION_NOTIFICATION => duration(&attributes, "Before")
            .ok()
            .map(Rule::ExpirationNotification),
        NO_CHANGE_NOTIFICATION => duration(&attributes, "After")
            .ok()
            .map(Rule::NoChangeNotification),
        _ => None,
    }
}

/// A new version was written at `modified`: a NoChangeNotification waits again from then.
pub(crate) fn touched(policies: &mut [LivePolicy], modified: i64) {
    for policy in policies.iter_mut() {
        if let Some(Rule::NoChangeNotification(after)) = rule_of(policy) {
            policy.due = Some(modified.saturating_add(after));
            policy.view.status = PENDING.to_owned();
        }
    }
}

/// The earliest time one of `policies` acts.
pub(crate) fn next_due(policies: &[LivePolicy]) -> Option<i64> {
    policies.iter().filter_map(|p| p.due).min()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn code(text: &str) -> String {
        parse(text, NOW).unwrap_err().code.to_string()
    }

    #[test]
    fn the_three_policy_types() {
        let text = r#"[
            {"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00.000Z"}},
            {"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"15","Unit":"Days"}},
            {"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"20","Unit":"Hours"}}
        ]"#;
        let rules = parse(text, NOW).unwrap();
        let expiry = 1_893_456_000;
        assert_eq!(rules[0].0, Rule::Expiration(expiry));
        assert_eq!(rules[1].0, Rule::ExpirationNotification(15 * 86_400));
        assert_eq!(rules[2].0, Rule::NoChangeNotification(20 * 3_600));
        let live = schedule(&rules, NOW);
        assert_eq!(live[0].due, Some(expiry));
        assert_eq!(live[1].due, Some(expiry - 15 * 86_400));
        assert_eq!(live[2].due, Some(NOW + 20 * 3_600));
        assert_eq!(next_due(&live), Some(NOW + 20 * 3_600));
        assert!(live.iter().all(|p| p.view.status == PENDING));
        for p in &live {
            assert!(rule_of(p).is_some());
        }
    }

    #[test]
    fn offset_date_times_are_accepted() {
        let text = r#"[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T10:00:00+10:00"}}]"#;
        assert_eq!(
            parse(text, NOW).unwrap()[0].0,
            Rule::Expiration(1_893_456_000)
        );
    }

    #[test]
    fn bad_policies() {
        assert_eq!(code("not json"), "InvalidPolicyAttributeException");
        assert_eq!(
            code(r#"{"Type":"Expiration"}"#),
            "InvalidPolicyAttributeException"
        );
        assert_eq!(
            code(r#"[{"Type":"Rotate","Version":"1.0","Attributes":{}}]"#),
            "InvalidPolicyTypeException"
        );
        assert_eq!(
            code(
                r#"[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2001-01-01T00:00:00Z"}}]"#
            ),
            "InvalidPolicyAttributeException"
        );
        assert_eq!(
            code(
                r#"[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"tomorrow"}}]"#
            ),
            "InvalidPolicyAttributeException"
        );
        assert_eq!(
            code(
                r#"[{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"2","Unit":"Weeks"}}]"#
            ),
            "InvalidPolicyAttributeException"
        );
        let two = r#"[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00Z"}},{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2031-01-01T00:00:00Z"}}]"#;
        assert_eq!(code(two), "IncompatiblePolicyException");
        let lonely = r#"[{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"1","Unit":"Days"}}]"#;
        assert_eq!(code(lonely), "IncompatiblePolicyException");
        let many = format!(
            "[{}]",
            [r#"{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"1","Unit":"Days"}}"#; 11].join(",")
        );
        assert_eq!(code(&many), "PoliciesLimitExceededException");
        assert!(parse("[]", NOW).unwrap().is_empty());
    }

    #[test]
    fn a_new_version_restarts_the_no_change_wait() {
        let text = r#"[{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"1","Unit":"Hours"}}]"#;
        let mut live = schedule(&parse(text, NOW).unwrap(), NOW);
        live[0].due = None;
        live[0].view.status = FINISHED.to_owned();
        touched(&mut live, NOW + 100);
        assert_eq!(live[0].due, Some(NOW + 100 + 3_600));
        assert_eq!(live[0].view.status, PENDING);
    }
}
