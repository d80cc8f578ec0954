//! JSON policy text to a compiled [`Policy`], with IAM's validation and its
//! `MalformedPolicyDocument` messages (facts from the AWS error strings collected in moto's
//! test corpus, iam.md section 14), applied in the order IAM reports them.

use serde_json::{Map, Value};

use crate::action::ActionPattern;
use crate::condition::{self, ConditionTest};
use crate::document::{Effect, Element, Policy, Statement, Version};
use crate::error::PolicyError;
use crate::kind::PolicyKind;
use crate::principal::{PrincipalEntry, PrincipalPattern};
use crate::resource::ResourcePattern;

mod legacy;

/// How strictly to validate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Everything IAM checks when a customer writes the policy.
    Write,
    /// Only what evaluation needs (documents already accepted, AWS-owned documents).
    Stored,
}

const TOP: [&str; 3] = ["Version", "Id", "Statement"];
const ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];
const PARTITIONS: [&str; 9] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
    "*",
];
const IAM_PREFIXES: [&str; 13] = [
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
];
const TRUST_ACTIONS: [&str; 6] = [
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
];
const PRINCIPAL_TYPES: [&str; 4] = ["AWS", "Service", "Federated", "CanonicalUser"];

const LEGACY: &str = "The policy failed legacy parsing";

fn fail(msg: &str) -> PolicyError {
    PolicyError::malformed(msg)
}

/// A string or a list of strings; `None` for anything else.
/// A string or a list of strings (`null` entries, which IAM accepts, are skipped).
fn string_list(v: &Value) -> Option<Vec<&str>> {
    match v {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(items) => items
            .iter()
            .filter(|i| !i.is_null())
            .map(Value::as_str)
            .collect(),
        _ => None,
    }
}

/// Condition values: strings, booleans or numbers, alone or in a list.
fn condition_values(v: &Value) -> Option<Vec<String>> {
    fn scalar(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    match v {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|s| vec![s]),
    }
}

fn allowed_characters(json: &str) -> bool {
    json.chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'))
}

/// Structural checks; any failure is `Syntax errors in policy.`.
fn check_syntax(doc: &Value, mode: Mode) -> Result<Vec<&Map<String, Value>>, PolicyError> {
    let obj = doc.as_object().ok_or_else(PolicyError::syntax)?;
    if obj.keys().any(|k| !TOP.contains(&k.as_str())) {
        return Err(PolicyError::syntax());
    }
    if obj
        .get("Version")
        .is_some_and(|v| !matches!(v.as_str(), Some("2012-10-17" | "2008-10-17")))
    {
        return Err(PolicyError::syntax());
    }
    if obj.get("Id").is_some_and(|v| !v.is_string()) {
        return Err(PolicyError::syntax());
    }
    let statements: Vec<&Map<String, Value>> = match obj.get("Statement") {
        Some(Value::Object(s)) => vec![s],
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(Value::as_object)
            .collect::<Option<_>>()
            .ok_or_else(PolicyError::syntax)?,
        _ => return Err(PolicyError::syntax()),
    };
    for s in &statements {
        check_statement_syntax(s, mode)?;
    }
    Ok(statements)
}

fn check_statement_syntax(s: &Map<String, Value>, mode: Mode) -> Result<(), PolicyError> {
    let syntax = PolicyError::syntax;
    if s.keys().any(|k| !ELEMENTS.contains(&k.as_str())) {
        return Err(syntax());
    }
    for (a, b) in [
        ("Action", "NotAction"),
        ("Resource", "NotResource"),
        ("Principal", "NotPrincipal"),
    ] {
        if s.contains_key(a) && s.contains_key(b) {
            return Err(syntax());
        }
    }
    match s.get("Effect").and_then(Value::as_str) {
        Some(e) if e.eq_ignore_ascii_case("allow") || e.eq_ignore_ascii_case("deny") => {}
        _ => return Err(syntax()),
    }
    for key in ["Action", "NotAction", "Resource", "NotResource"] {
        if s.get(key).is_some_and(|v| string_list(v).is_none()) {
            return Err(syntax());
        }
    }
    if s.get("Sid").is_some_and(|v| !v.is_string()) {
        return Err(syntax());
    }
    for key in ["Principal", "NotPrincipal"] {
        match s.get(key) {
            None => {}
            Some(Value::String(p)) if p == "*" => {}
            Some(Value::Object(m)) if !m.is_empty() => {
                for (k, v) in m {
                    if !PRINCIPAL_TYPES.contains(&k.as_str()) || string_list(v).is_none() {
                        return Err(syntax());
                    }
                }
            }
            Some(_) => return Err(syntax()),
        }
    }
    if let Some(cond) = s.get("Condition") {
        let cond = cond.as_object().ok_or_else(syntax)?;
        for (op, block) in cond {
            let block = block.as_object().ok_or_else(syntax)?;
            if block.values().any(|v| condition_values(v).is_none()) {
                return Err(syntax());
            }
            if mode == Mode::Write && !block.is_empty() && !condition::is_operator(op) {
                return Err(syntax());
            }
        }
    }
    Ok(())
}

/// The legacy checks that run before resource formats: exact Effect casing, date values.
fn legacy_statements_ok(statements: &[&Map<String, Value>]) -> bool {
    statements.iter().all(|s| {
        let effect_ok = matches!(
            s.get("Effect").and_then(Value::as_str),
            Some("Allow" | "Deny")
        );
        let dates_ok = s
            .get("Condition")
            .and_then(Value::as_object)
            .is_none_or(|cond| {
                cond.iter()
                    .filter(|(op, _)| condition::is_date_operator(op))
                    .all(|(_, block)| {
                        block.as_object().is_none_or(|b| {
                            b.values()
                                .filter_map(condition_values)
                                .flatten()
                                .all(|d| legacy::date_ok(&d))
                        })
                    })
            });
        effect_ok && dates_ok
    })
}

/// The first resource-format message for one Resource/NotResource value.
fn resource_format_error(r: &str) -> Option<String> {
    if r == "*" {
        return None;
    }
    let Some((_, rest)) = r.split_once(':') else {
        return Some(format!("Resource {r} must be in ARN format or \"*\"."));
    };
    let (partition, after) = match rest.split_once(':') {
        Some((p, a)) => (p, Some(a)),
        None => (rest, None),
    };
    if !PARTITIONS.contains(&partition) {
        let rem: Vec<&str> = after.unwrap_or("").split(':').collect();
        let seg = |i: usize| {
            rem.get(i)
                .copied()
                .filter(|s| !s.is_empty() || rem.len() > 1)
                .unwrap_or("*")
        };
        let tail = if rem.len() > 3 {
            rem[3..].join(":")
        } else {
            "*".to_owned()
        };
        let (a1, a2, a3) = (
            seg(0),
            rem.get(1).copied().unwrap_or("*"),
            rem.get(2).copied().unwrap_or("*"),
        );
        return Some(format!(
            "Partition \"{partition}\" is not valid for resource \"arn:{partition}:{a1}:{a2}:{a3}:{tail}\"."
        ));
    }
    let Some(after) = after else {
        return Some(
            "Resource vendor must be fully qualified and cannot contain regexes.".to_owned(),
        );
    };
    let mut parts = after.splitn(4, ':');
    let service = parts.next().unwrap_or("");
    let region = parts.next().unwrap_or("");
    let _account = parts.next();
    let resource = parts.next().unwrap_or("");
    if !region.is_empty() {
        if service == "iam" {
            return Some(format!(
                "IAM resource {r} cannot contain region information."
            ));
        }
        if service == "s3" && !resource.starts_with("accesspoint/") {
            return Some(format!("Resource {r} can not contain region information."));
        }
    }
    if service == "iam" && resource != "*" && !IAM_PREFIXES.iter().any(|p| resource.starts_with(p))
    {
        return Some(format!(
            "IAM resource path must either be \"*\" or start with {}.",
            IAM_PREFIXES.join(", ")
        ));
    }
    None
}

fn action_prefix_error(a: &str) -> Option<String> {
    let parts: Vec<&str> = a.split(':').collect();
    if parts.len() == 1 && a != "*" {
        return Some(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.".to_owned(),
        );
    }
    if parts.len() > 2 {
        return Some("Actions/Condition can contain only one colon.".to_owned());
    }
    let vendor = parts[0];
    if vendor != "*"
        && !vendor
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Some(format!("Vendor {vendor} is not valid"));
    }
    None
}

fn valid_aws_principal(v: &str) -> bool {
    if v == "*" || (v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit())) {
        return true;
    }
    if v.starts_with("arn:") {
        return v.splitn(6, ':').count() == 6 && !v.contains(['*', '?']);
    }
    // A unique id (AIDA..., AROA...) that IAM stored in place of a deleted entity's ARN.
    v.len() >= 16
        && v.starts_with('A')
        && v.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn principal_error(s: &Map<String, Value>) -> Option<String> {
    for key in ["Principal", "NotPrincipal"] {
        let Some(Value::Object(m)) = s.get(key) else {
            continue;
        };
        for (kind, v) in m {
            for value in string_list(v).unwrap_or_default() {
                let ok = match kind.as_str() {
                    "AWS" => valid_aws_principal(value),
                    _ => !value.is_empty(),
                };
                if !ok {
                    return Some(format!(
                        "Invalid principal in policy: \"{kind}\":\"{value}\""
                    ));
                }
            }
        }
    }
    None
}

fn is_anyone(v: &Value) -> bool {
    match v {
        Value::String(s) => s == "*",
        Value::Object(m) => {
            m.len() == 1
                && m.get("AWS")
                    .and_then(string_list)
                    .is_some_and(|l| l == ["*"])
        }
        _ => false,
    }
}

/// Rules that depend on the policy kind.
fn kind_error(kind: PolicyKind, s: &Map<String, Value>) -> Option<&'static str> {
    let has_principal = s.contains_key("Principal") || s.contains_key("NotPrincipal");
    let has_resource = s.contains_key("Resource") || s.contains_key("NotResource");
    let allow = s.get("Effect").and_then(Value::as_str) == Some("Allow");
    if kind.requires_principal() && !has_principal {
        return Some("Missing required field Principal");
    }
    if !kind.requires_principal() && has_principal {
        return Some("Policy document should not specify a principal.");
    }
    if kind.requires_resource() && !has_resource {
        return Some("Policy statement must contain resources.");
    }
    let empty_resource = ["Resource", "NotResource"].iter().any(|k| {
        s.get(*k)
            .and_then(string_list)
            .is_some_and(|l| l.is_empty())
    });
    if empty_resource {
        return Some("Policy statement must contain resources.");
    }
    match kind {
        PolicyKind::Trust => {
            if s.contains_key("NotPrincipal") {
                return Some("NotPrincipal is not supported in a trust policy.");
            }
            if has_resource {
                return Some("Has prohibited field Resource.");
            }
            let actions = s
                .get("Action")
                .or_else(|| s.get("NotAction"))
                .and_then(string_list)
                .unwrap_or_default();
            let ok = s.contains_key("Action")
                && actions.iter().all(|a| {
                    let p = ActionPattern::compile(a);
                    TRUST_ACTIONS
                        .iter()
                        .any(|t| t.split_once(':').is_some_and(|(sv, n)| p.matches(sv, n)))
                });
            if !ok {
                return Some(
                    "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity",
                );
            }
        }
        PolicyKind::ResourceControl => {
            if s.contains_key("NotPrincipal") || !s.get("Principal").is_some_and(is_anyone) {
                return Some("The Principal element of a resource control policy must be \"*\".");
            }
            if allow {
                return Some("Resource control policies can only contain Deny statements.");
            }
            if s.get("Action")
                .and_then(string_list)
                .is_some_and(|l| l.contains(&"*"))
            {
                return Some("The Action element of a resource control policy cannot be \"*\".");
            }
        }
        _ => {}
    }
    None
}

/// Parses and validates `json` as a policy of `kind`.
pub(crate) fn parse(json: &str, kind: PolicyKind, mode: Mode) -> Result<Policy, PolicyError> {
    let write = mode == Mode::Write;
    if write && !allowed_characters(json) {
        return Err(PolicyError::syntax());
    }
    let doc: Value = serde_json::from_str(json).map_err(|_| PolicyError::syntax())?;
    let statements = check_syntax(&doc, mode)?;
    let version = match doc.get("Version").and_then(Value::as_str) {
        Some("2012-10-17") => Version::V2012,
        _ => Version::V2008,
    };
    if write {
        validate(kind, version, &statements)?;
    }
    let id = doc.get("Id").and_then(Value::as_str).map(Into::into);
    let compiled = statements
        .iter()
        .map(|s| compile_statement(s, version))
        .collect();
    Ok(Policy::from_parts(kind, version, id, compiled))
}

/// Write-time validation after the syntax checks, in IAM's reporting order.
fn validate(
    kind: PolicyKind,
    version: Version,
    statements: &[&Map<String, Value>],
) -> Result<(), PolicyError> {
    if matches!(kind, PolicyKind::Identity | PolicyKind::PermissionsBoundary)
        && version != Version::V2012
    {
        return Err(fail(
            "Policy document must be version 2012-10-17 or greater.",
        ));
    }
    if !legacy_statements_ok(statements) {
        return Err(fail(LEGACY));
    }
    // Resource formats: within a list the values are checked in reverse sorted order and a
    // later error replaces an earlier one (so the smallest erroneous value is reported);
    // the truncated-ARN legacy check runs only while no format error has been seen.
    let mut resource_error = None;
    for s in statements {
        for key in ["Resource", "NotResource"] {
            let mut values = s.get(key).and_then(string_list).unwrap_or_default();
            values.sort_unstable_by(|a, b| b.cmp(a));
            for r in &values {
                if let Some(e) = resource_format_error(r) {
                    resource_error = Some(e);
                }
            }
            if resource_error.is_none() && !values.iter().all(|r| legacy::resource_ok(r)) {
                return Err(fail(LEGACY));
            }
        }
    }
    let mut sids: Vec<&str> = Vec::new();
    for s in statements {
        if let Some(sid) = s
            .get("Sid")
            .and_then(Value::as_str)
            .filter(|sid| !sid.is_empty())
        {
            if sids.contains(&sid) {
                return Err(fail(
                    "Statement IDs (SID) in a single policy must be unique.",
                ));
            }
            sids.push(sid);
        }
    }
    for s in statements {
        let actions = s
            .get("Action")
            .or_else(|| s.get("NotAction"))
            .and_then(string_list);
        if actions.is_none_or(|a| a.is_empty()) {
            return Err(fail("Policy statement must contain actions."));
        }
    }
    if let Some(e) = resource_error {
        return Err(PolicyError::Malformed(e));
    }
    for s in statements {
        for key in ["Action", "NotAction"] {
            for a in s.get(key).and_then(string_list).unwrap_or_default() {
                if let Some(e) = action_prefix_error(a) {
                    return Err(PolicyError::Malformed(e));
                }
            }
        }
    }
    for s in statements {
        if let Some(e) = kind_error(kind, s) {
            return Err(fail(e));
        }
        if let Some(e) = principal_error(s) {
            return Err(PolicyError::Malformed(e));
        }
    }
    Ok(())
}

fn compile_principal(v: &Value) -> PrincipalPattern {
    let mut entries = Vec::new();
    match v {
        Value::String(_) => entries.push(PrincipalEntry::Anyone),
        Value::Object(m) => {
            for (kind, values) in m {
                for value in string_list(values).unwrap_or_default() {
                    entries.push(match kind.as_str() {
                        "AWS" => PrincipalEntry::aws(value),
                        "Service" => PrincipalEntry::Service(value.into()),
                        "Federated" => PrincipalEntry::Federated(value.into()),
                        _ => PrincipalEntry::CanonicalUser(value.into()),
                    });
                }
            }
        }
        _ => {}
    }
    PrincipalPattern { entries }
}

fn compile_statement(s: &Map<String, Value>, version: Version) -> Statement {
    let variables = version == Version::V2012;
    let list = |k: &str| s.get(k).and_then(string_list);
    let actions = match (list("Action"), list("NotAction")) {
        (Some(a), _) => Element {
            items: a.iter().map(|x| ActionPattern::compile(x)).collect(),
            negated: false,
        },
        (None, Some(a)) => Element {
            items: a.iter().map(|x| ActionPattern::compile(x)).collect(),
            negated: true,
        },
        (None, None) => Element {
            items: Vec::new(),
            negated: false,
        },
    };
    let compile_resources = |rs: Vec<&str>| {
        rs.iter()
            .map(|r| ResourcePattern::compile(r, variables, false))
            .collect()
    };
    let resources = match (list("Resource"), list("NotResource")) {
        (Some(r), _) => Some(Element {
            items: compile_resources(r),
            negated: false,
        }),
        (None, Some(r)) => Some(Element {
            items: compile_resources(r),
            negated: true,
        }),
        (None, None) => None,
    };
    let principals = match (s.get("Principal"), s.get("NotPrincipal")) {
        (Some(p), _) => Some(Element {
            items: vec![compile_principal(p)],
            negated: false,
        }),
        (None, Some(p)) => Some(Element {
            items: vec![compile_principal(p)],
            negated: true,
        }),
        (None, None) => None,
    };
    let mut conditions = Vec::new();
    let mut has_unknown_operator = false;
    if let Some(Value::Object(cond)) = s.get("Condition") {
        for (op, block) in cond {
            let Value::Object(block) = block else {
                continue;
            };
            for (key, values) in block {
                let values = condition_values(values).unwrap_or_default();
                let vars = variables && condition::allows_variables(op);
                match ConditionTest::compile(op, key, &values, vars) {
                    Some(test) => conditions.push(test),
                    None => has_unknown_operator = true,
                }
            }
        }
    }
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some(e) if e.eq_ignore_ascii_case("allow") => Effect::Allow,
        _ => Effect::Deny,
    };
    Statement {
        sid: s.get("Sid").and_then(Value::as_str).map(Into::into),
        effect,
        actions,
        resources,
        principals,
        conditions,
        has_unknown_operator,
    }
}

impl Policy {
    /// Parses and validates a document a customer is writing, with IAM's checks and
    /// `MalformedPolicyDocument` messages (`PolicyError`'s `Display`). Size limits are a
    /// separate check: [`PolicyKind::check_size`].
    pub fn parse(json: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        parse(json, kind, Mode::Write)
    }

    /// Parses a document that was already accepted (or is AWS-owned), checking only what
    /// evaluation needs. Use it when loading stored policies.
    pub fn parse_stored(json: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        parse(json, kind, Mode::Stored)
    }

    /// A policy of `kind` with no statement: it allows nothing and denies nothing. It stands in
    /// for a policy that must still limit but no longer exists (a deleted boundary or managed
    /// session policy), where leaving it out would lift the limit.
    pub fn allows_nothing(kind: PolicyKind, name: impl Into<String>) -> Policy {
        Policy::from_parts(kind, Version::V2012, None, Vec::new()).named(name)
    }

    /// The AWS-managed SCP `FullAWSAccess` (attached to every level by default).
    pub fn full_aws_access() -> Policy {
        builtin(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            PolicyKind::ServiceControl,
            "FullAWSAccess",
        )
    }
}

fn builtin(json: &str, kind: PolicyKind, name: &str) -> Policy {
    match parse(json, kind, Mode::Stored) {
        Ok(p) => p.named(name),
        // Unreachable for the constant documents above; an empty policy denies nothing.
        Err(_) => Policy::allows_nothing(kind, name),
    }
}

#[cfg(test)]
mod tests;
