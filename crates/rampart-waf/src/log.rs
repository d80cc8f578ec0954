//! AWS WAF log records (the JSON documents AWS delivers to `aws-waf-logs-*` destinations),
//! built from a [`Verdict`] and its request. Pure: the caller supplies time, ids and delivery.

use serde_json::{Value, json};

use crate::compile::WebAcl;
use crate::context::MatchDetail;
use crate::evaluate::{RuleType, TokenOutcome, Verdict};
use crate::request::Request;

/// What the log needs that the engine does not know.
#[derive(Debug, Clone, Default)]
pub struct LogContext<'a> {
    /// Unix milliseconds of the request.
    pub timestamp_ms: u64,
    /// The web ACL's ARN (`webaclId`).
    pub web_acl_arn: &'a str,
    /// `ALB`, `APIGW`, `CF`, ...
    pub http_source_name: &'a str,
    /// The protected resource's id.
    pub http_source_id: &'a str,
    /// `HTTP/1.1`, `HTTP/2.0`.
    pub http_version: &'a str,
    /// The request id.
    pub request_id: &'a str,
    /// The status code sent for a custom response, if any.
    pub response_code_sent: Option<u16>,
    /// `RedactedFields`: fields logged as `REDACTED`.
    pub redaction: Redaction,
}

/// The logging configuration's `RedactedFields`.
#[derive(Debug, Clone, Default)]
pub struct Redaction {
    /// Header names (case-insensitive).
    pub headers: Vec<String>,
    /// The URI path.
    pub uri_path: bool,
    /// The query string.
    pub query_string: bool,
    /// The method.
    pub method: bool,
}

const REDACTED: &str = "REDACTED";

/// The log record of one evaluated request.
pub fn log_record(acl: &WebAcl, verdict: &Verdict, req: &Request, ctx: &LogContext<'_>) -> Value {
    let (terminating_id, terminating_type, details) = match &verdict.terminating_rule {
        Some(t) => (t.rule.clone(), t.rule_type.as_str(), t.details.as_slice()),
        None => ("Default_Action".to_owned(), "REGULAR", &[][..]),
    };
    // The terminating rule is the last match; every other one did not terminate.
    let terminating = verdict
        .terminating_rule
        .as_ref()
        .map(|_| verdict.matched_rules.len().saturating_sub(1));
    let matches = || {
        verdict
            .matched_rules
            .iter()
            .enumerate()
            .map(move |(i, m)| (Some(i) == terminating, m))
    };
    let non_terminating: Vec<Value> = matches()
        .filter(|(t, m)| !t && m.group.is_none() && m.rule_type != RuleType::RateBased)
        .map(|(_, m)| json!({"ruleId": m.rule, "action": m.action.as_str(), "ruleMatchDetails": details_json(&m.details)}))
        .collect();
    let rate_based: Vec<Value> = matches()
        .filter(|(_, m)| m.group.is_none() && m.rule_type == RuleType::RateBased)
        .map(|(_, m)| json!({"rateBasedRuleName": m.rule}))
        .collect();
    let mut groups: Vec<(String, Value)> = Vec::new();
    for (is_terminating, m) in matches() {
        let Some(id) = m.group.clone() else { continue };
        if !groups.iter().any(|(g, _)| *g == id) {
            groups.push((
                id.clone(),
                json!({"ruleGroupId": id, "terminatingRule": Value::Null, "nonTerminatingMatchingRules": [], "excludedRules": Value::Null}),
            ));
        }
        let Some((_, entry)) = groups.iter_mut().find(|(g, _)| *g == id) else {
            continue;
        };
        let inner = m.rule_within_group.clone().unwrap_or_default();
        if is_terminating || m.overridden_to_count {
            entry["terminatingRule"] = json!({
                "ruleId": inner,
                "action": m.action.as_str(),
                "overriddenAction": if m.overridden_to_count { json!("COUNT") } else { Value::Null },
                "ruleMatchDetails": details_json(&m.details),
            });
        } else if let Some(list) = entry["nonTerminatingMatchingRules"].as_array_mut() {
            list.push(json!({"ruleId": inner, "action": m.action.as_str(), "ruleMatchDetails": details_json(&m.details)}));
        }
    }
    let redact_header = |name: &str| {
        ctx.redaction
            .headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name))
    };
    let headers: Vec<Value> = req
        .headers
        .iter()
        .map(|h| {
            let value = if redact_header(&h.name) {
                REDACTED.into()
            } else {
                String::from_utf8_lossy(&h.value).into_owned()
            };
            json!({"name": h.name, "value": value})
        })
        .collect();
    let country = acl
        .geo
        .lookup(req.source_ip)
        .map_or_else(|| "XX".to_owned(), |g| g.country);
    let mut record = json!({
        "timestamp": ctx.timestamp_ms,
        "formatVersion": 1,
        "webaclId": ctx.web_acl_arn,
        "terminatingRuleId": terminating_id,
        "terminatingRuleType": terminating_type,
        "action": verdict.action.as_str(),
        "terminatingRuleMatchDetails": details_json(details),
        "httpSourceName": ctx.http_source_name,
        "httpSourceId": ctx.http_source_id,
        "ruleGroupList": groups.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        "rateBasedRuleList": rate_based,
        "nonTerminatingMatchingRules": non_terminating,
        "requestHeadersInserted": if verdict.inserted_headers.is_empty() {
            Value::Null
        } else {
            Value::Array(verdict.inserted_headers.iter().map(|(n, v)| json!({"name": n, "value": v})).collect())
        },
        "responseCodeSent": ctx.response_code_sent,
        "httpRequest": {
            "clientIp": req.source_ip.to_string(),
            "country": country,
            "headers": headers,
            "uri": if ctx.redaction.uri_path { REDACTED.into() } else { String::from_utf8_lossy(&req.path).into_owned() },
            "args": if ctx.redaction.query_string {
                REDACTED.into()
            } else {
                String::from_utf8_lossy(req.query.as_deref().unwrap_or_default()).into_owned()
            },
            "httpVersion": ctx.http_version,
            "httpMethod": if ctx.redaction.method { REDACTED } else { req.method.as_str() },
            "requestId": ctx.request_id,
        },
        "labels": verdict.labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>(),
    });
    if let Some(ja3) = &req.ja3 {
        record["ja3Fingerprint"] = json!(ja3);
    }
    if let Some(ja4) = &req.ja4 {
        record["ja4Fingerprint"] = json!(ja4);
    }
    for (key, outcome, code) in [
        ("captchaResponse", verdict.captcha, 405),
        ("challengeResponse", verdict.challenge, 202),
    ] {
        if let Some(o) = outcome {
            record[key] = token_json(o, code);
        }
    }
    record
}

fn details_json(details: &[MatchDetail]) -> Value {
    Value::Array(
        details
            .iter()
            .map(|d| json!({"conditionType": d.condition_type, "location": d.location, "matchedData": [d.matched_data]}))
            .collect(),
    )
}

fn token_json(outcome: TokenOutcome, code: u16) -> Value {
    match outcome {
        TokenOutcome::Accepted => json!({"responseCode": 0, "solveTimestamp": Value::Null}),
        TokenOutcome::Missing => json!({"responseCode": code, "failureReason": "TOKEN_MISSING"}),
        TokenOutcome::Expired => json!({"responseCode": code, "failureReason": "TOKEN_EXPIRED"}),
        TokenOutcome::Invalid => json!({"responseCode": code, "failureReason": "TOKEN_INVALID"}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::evaluate;
    use crate::rate::RateTracker;
    use crate::testutil::*;

    fn ctx() -> LogContext<'static> {
        LogContext {
            timestamp_ms: 1_700_000_000_123,
            web_acl_arn: "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/acl/1",
            http_source_name: "ALB",
            http_source_id: "111122223333-app/lb/1",
            http_version: "HTTP/1.1",
            request_id: "req-1",
            response_code_sent: None,
            redaction: Redaction {
                headers: vec!["authorization".into()],
                ..Redaction::default()
            },
        }
    }

    #[test]
    fn blocked_request_record() {
        let sqli = format!(
            r#"{{"SqliMatchStatement": {{"FieldToMatch": {{"QueryString": {{}}}}, "TextTransformations": [{}]}}}}"#,
            transformations(&["URL_DECODE"])
        );
        let acl = compile(
            &[
                rule(
                    "count-a",
                    0,
                    &byte_match("id", r#"{"QueryString": {}}"#, "CONTAINS", &[]),
                    COUNT,
                ),
                rule("sqli", 1, &sqli, BLOCK),
            ],
            DEFAULT_ALLOW,
        );
        let req = get("/p?id=1%27%20OR%201=1--")
            .with_header("Authorization", "secret-token")
            .with_header("Host", "x");
        let v = evaluate(&acl, &req, &mut RateTracker::default(), 0);
        let r = log_record(&acl, &v, &req, &ctx());
        assert_eq!(r["action"], "BLOCK");
        assert_eq!(r["terminatingRuleId"], "sqli");
        assert_eq!(r["terminatingRuleType"], "REGULAR");
        assert_eq!(
            r["terminatingRuleMatchDetails"][0]["conditionType"],
            "SQL_INJECTION"
        );
        assert_eq!(
            r["terminatingRuleMatchDetails"][0]["location"],
            "QUERY_STRING"
        );
        assert_eq!(r["nonTerminatingMatchingRules"][0]["ruleId"], "count-a");
        assert_eq!(
            r["nonTerminatingMatchingRules"].as_array().unwrap().len(),
            1
        );
        assert_eq!(r["httpRequest"]["headers"][0]["value"], "REDACTED");
        assert_eq!(r["httpRequest"]["country"], "US");
        assert_eq!(r["httpRequest"]["args"], "id=1%27%20OR%201=1--");
        assert_eq!(
            r["webaclId"],
            "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/acl/1"
        );
        let text = r.to_string();
        assert!(
            !text.contains("secret-token"),
            "redacted headers never appear"
        );
    }

    #[test]
    fn default_action_and_group_records() {
        let res = MapResolver::default().with_group(
            "AWS/Base",
            "Base",
            &[rule(
                "inner",
                0,
                &byte_match("b", r#"{"QueryString": {}}"#, "CONTAINS", &[]),
                BLOCK,
            )],
            Some("awswaf:managed:aws:base:"),
        );
        let group = rule(
            "managed",
            0,
            r#"{"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "Base"}}"#,
            r#""OverrideAction": {"Count": {}}"#,
        );
        let acl = compile_with(&[group], DEFAULT_ALLOW, &res).unwrap();
        let req = get("/?b");
        let v = evaluate(&acl, &req, &mut RateTracker::default(), 0);
        let r = log_record(&acl, &v, &req, &ctx());
        assert_eq!(r["terminatingRuleId"], "Default_Action");
        assert_eq!(r["action"], "ALLOW");
        assert_eq!(r["ruleGroupList"][0]["ruleGroupId"], "AWS#Base");
        assert_eq!(r["ruleGroupList"][0]["terminatingRule"]["ruleId"], "inner");
        assert_eq!(
            r["ruleGroupList"][0]["terminatingRule"]["overriddenAction"],
            "COUNT"
        );
    }
}
