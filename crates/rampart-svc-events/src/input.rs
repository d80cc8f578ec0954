//! What a target receives: the whole event by default, the constant `Input`, the part of the
//! event an `InputPath` selects, or an `InputTransformer`'s template filled from its
//! `InputPathsMap` (`<name>` stands for the selected value: a string without its quotes,
//! anything else as JSON) and the predefined `<aws.events.rule-arn>`,
//! `<aws.events.rule-name>`, `<aws.events.event>`, `<aws.events.event.json>` and
//! `<aws.events.event.ingestion-time>`.
//!
//! Paths are the JSONPath subset targets use: `$`, then `.name` or `[index]` steps.

use crate::errors::validation;
use rampart_protocol::AwsError;
use serde_json::Value;

/// Refuses a target whose `Input`, `InputPath` or transformer EventBridge would refuse.
pub(crate) fn check(target: &Value) -> Result<(), AwsError> {
    if let Some(input) = target.get("Input").and_then(Value::as_str)
        && serde_json::from_str::<Value>(input).is_err()
    {
        return Err(validation("Input is not valid JSON text."));
    }
    if let Some(path) = target.get("InputPath").and_then(Value::as_str)
        && steps(path).is_none()
    {
        return Err(validation(format!(
            "InputPath {path} is not a valid JSON path."
        )));
    }
    if let Some(transformer) = target.get("InputTransformer") {
        let paths = transformer.get("InputPathsMap").and_then(Value::as_object);
        for (name, path) in paths.into_iter().flatten() {
            if path.as_str().and_then(steps).is_none() {
                return Err(validation(format!(
                    "InputPathsMap {name} is not a valid JSON path."
                )));
            }
        }
        if transformer
            .get("InputTemplate")
            .and_then(Value::as_str)
            .is_none()
        {
            return Err(validation("InputTemplate is required."));
        }
    }
    Ok(())
}

/// One step of a path.
enum Step<'p> {
    Member(&'p str),
    Index(usize),
}

/// The steps of `$...`, or `None` when it is not such a path.
fn steps(path: &str) -> Option<Vec<Step<'_>>> {
    let mut rest = path.strip_prefix('$')?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            if end == 0 {
                return None;
            }
            out.push(Step::Member(&after[..end]));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let (index, tail) = after.split_once(']')?;
            out.push(Step::Index(index.parse().ok()?));
            rest = tail;
        } else {
            return None;
        }
    }
    Some(out)
}

/// The value at `path` in `event`, if any.
fn select<'e>(event: &'e Value, path: &str) -> Option<&'e Value> {
    steps(path)?
        .into_iter()
        .try_fold(event, |value, step| match step {
            Step::Member(name) => value.get(name),
            Step::Index(i) => value.get(i),
        })
}

/// What the rule delivers to `target` for `event`: the request body.
pub(crate) fn body(target: &Value, event: &Value, rule_arn: &str) -> String {
    if let Some(input) = target.get("Input").and_then(Value::as_str) {
        return input.to_owned();
    }
    if let Some(path) = target.get("InputPath").and_then(Value::as_str) {
        return select(event, path).map_or_else(String::new, Value::to_string);
    }
    if let Some(transformer) = target.get("InputTransformer") {
        let template = transformer
            .get("InputTemplate")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let paths = transformer.get("InputPathsMap").and_then(Value::as_object);
        let mut out = template.to_owned();
        for (name, path) in paths.into_iter().flatten() {
            let value = path.as_str().and_then(|p| select(event, p));
            out = out.replace(&format!("<{name}>"), &inserted(value));
        }
        let rule_name = rule_arn.rsplit('/').next().unwrap_or_default();
        let predefined = [
            ("<aws.events.rule-arn>", rule_arn.to_owned()),
            ("<aws.events.rule-name>", rule_name.to_owned()),
            ("<aws.events.event.json>", event.to_string()),
            ("<aws.events.event>", event.to_string()),
            (
                "<aws.events.event.ingestion-time>",
                event
                    .get("time")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            ),
        ];
        for (placeholder, value) in predefined {
            out = out.replace(placeholder, &value);
        }
        return out;
    }
    event.to_string()
}

/// A selected value as a template inserts it.
fn inserted(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "null".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event() -> Value {
        json!({"id": "1", "time": "2024-01-01T00:00:00Z", "detail": {"name": "x", "n": [1, 2]}})
    }

    #[test]
    fn the_whole_event_by_default() {
        assert_eq!(body(&json!({}), &event(), "arn"), event().to_string());
    }

    #[test]
    fn constant_input() {
        assert_eq!(
            body(&json!({"Input": "{\"a\":1}"}), &event(), "arn"),
            "{\"a\":1}"
        );
    }

    #[test]
    fn input_path() {
        assert_eq!(
            body(&json!({"InputPath": "$.detail.n[1]"}), &event(), "arn"),
            "2"
        );
        assert_eq!(
            body(&json!({"InputPath": "$.detail"}), &event(), "arn"),
            json!({"name": "x", "n": [1, 2]}).to_string()
        );
    }

    #[test]
    fn transformer() {
        let target = json!({"InputTransformer": {
            "InputPathsMap": {"name": "$.detail.name", "n": "$.detail.n"},
            "InputTemplate": "{\"who\": \"<name>\", \"list\": <n>, \"rule\": \"<aws.events.rule-name>\"}"
        }});
        let out: Value = serde_json::from_str(&body(
            &target,
            &event(),
            "arn:aws:events:us-east-1:123456789012:rule/r1",
        ))
        .unwrap();
        assert_eq!(out, json!({"who": "x", "list": [1, 2], "rule": "r1"}));
    }

    #[test]
    fn checks() {
        assert!(check(&json!({"Input": "not json"})).is_err());
        assert!(check(&json!({"InputPath": "detail"})).is_err());
        assert!(check(&json!({"InputPath": "$.detail"})).is_ok());
        assert!(check(&json!({"InputTransformer": {"InputPathsMap": {"a": "$.x"}}})).is_err());
    }
}
