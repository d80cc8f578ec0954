//! The definitional members of web ACLs and rule groups, kept as the client sent them (in the
//! canonical form) and given back by Get; the engine parses them for validation and compiling.

use crate::errors::{self, REASON_INVALID};
use rampart_protocol::AwsError;
use rampart_waf::model::VisibilityConfig;
use serde_json::{Map, Value};

/// The members of `input` named in `members`, those present.
pub(crate) fn pick(input: &Value, members: &[&str]) -> Map<String, Value> {
    members
        .iter()
        .filter_map(|m| input.get(*m).map(|v| ((*m).to_owned(), v.clone())))
        .filter(|(_, v)| !v.is_null())
        .collect()
}

/// `config` with `Name` (and more) added, as the engine's definition parses it.
pub(crate) fn with(config: &Map<String, Value>, extra: &[(&str, Value)]) -> Value {
    let mut out = config.clone();
    for (k, v) in extra {
        out.insert((*k).to_owned(), v.clone());
    }
    Value::Object(out)
}

/// Checks a `VisibilityConfig` (its `MetricName`: 1-255 of `[A-Za-z0-9_#:.-/]`).
pub(crate) fn visibility(v: Option<&Value>) -> Result<(), AwsError> {
    let Some(v) = v else {
        return Err(errors::invalid(
            "METRIC_NAME",
            "VisibilityConfig",
            REASON_INVALID,
        ));
    };
    let config: VisibilityConfig = serde_json::from_value(v.clone())
        .map_err(|e| errors::invalid("METRIC_NAME", e.to_string(), REASON_INVALID))?;
    let name = &config.metric_name;
    let ok = (1..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_#:.-/".contains(&b));
    ok.then_some(())
        .ok_or_else(|| errors::invalid("METRIC_NAME", name.clone(), REASON_INVALID))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn visibility_configs() {
        let ok = json!({"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": false, "MetricName": "acl-1"});
        assert!(visibility(Some(&ok)).is_ok());
        let bad = json!({"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": false, "MetricName": "a b"});
        assert_eq!(
            visibility(Some(&bad)).unwrap_err().extra[0].1,
            "METRIC_NAME"
        );
        assert!(visibility(None).is_err());
        assert!(visibility(Some(&json!({"MetricName": "x"}))).is_err());
    }

    #[test]
    fn picks_present_members() {
        let input = json!({"Name": "n", "Rules": [], "Scope": "REGIONAL", "TokenDomains": null});
        let m = pick(&input, &["Rules", "TokenDomains", "CaptchaConfig"]);
        assert_eq!(m.len(), 1);
        assert_eq!(with(&m, &[("Name", json!("n"))])["Name"], "n");
    }
}
