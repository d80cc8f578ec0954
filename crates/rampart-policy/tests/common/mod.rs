//! The JSON case format shared by the corpus test and the differential harness: one case is
//! a request, the policies that apply to it and (optionally) the expected decision. The
//! field names follow the oracle harness format of iam.md section 13.

#![allow(dead_code)]

use rampart_policy::{
    Context, Decision, Outcome, Policy, PolicyKind, PolicySet, Principal, Request, evaluate,
};
use serde_json::Value;

/// A decoded case.
pub struct Case {
    pub name: String,
    pub request: Request,
    pub policies: PolicySet,
    pub expected: Option<Outcome>,
    pub expected_message: Option<String>,
}

/// The oracle's names for the three outcomes.
pub fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Allowed => "Allowed",
        Outcome::ExplicitDeny => "ExplicitlyDenied",
        Outcome::ImplicitDeny => "ImplicitlyDenied",
    }
}

pub fn parse_outcome(s: &str) -> Result<Outcome, String> {
    match s {
        "Allowed" | "Allow" => Ok(Outcome::Allowed),
        "ExplicitlyDenied" => Ok(Outcome::ExplicitDeny),
        "ImplicitlyDenied" => Ok(Outcome::ImplicitDeny),
        other => Err(format!("unknown outcome {other}")),
    }
}

fn principal(c: &Value) -> Result<Principal, String> {
    let text = c["principal"].as_str().ok_or("principal missing")?;
    if text == "anonymous" {
        return Ok(Principal::Anonymous);
    }
    if let Some(provider) = c["webIdentity"].as_str() {
        return Ok(Principal::WebIdentity {
            provider: provider.to_owned(),
        });
    }
    let Some(rest) = text.strip_prefix("arn:") else {
        return Ok(Principal::Service {
            name: text.to_owned(),
        });
    };
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    let [partition, service, _, account, resource] = parts.as_slice() else {
        return Err(format!("bad principal {text}"));
    };
    let account = (*account).to_owned();
    match (*service, *resource) {
        ("iam", "root") => Ok(Principal::Root {
            partition: (*partition).to_owned(),
            account,
        }),
        ("iam", r) if r.starts_with("user/") => Ok(Principal::User {
            arn: text.to_owned(),
            account,
        }),
        ("sts", r) if r.starts_with("assumed-role/") => {
            let role = r.split('/').nth(1).unwrap_or_default();
            let role_arn = c["roleArn"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("arn:{partition}:iam::{account}:role/{role}"));
            Ok(Principal::AssumedRole {
                role_arn,
                session_arn: text.to_owned(),
                account,
            })
        }
        ("sts", r) if r.starts_with("federated-user/") => {
            let parent_arn = c["parentArn"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    format!("arn:{partition}:iam::{account}:user/parent-of-federated-user")
                });
            Ok(Principal::FederatedUser {
                session_arn: text.to_owned(),
                parent_arn,
                account,
            })
        }
        _ => Err(format!("unsupported principal {text}")),
    }
}

fn policy(v: &Value, kind: PolicyKind) -> Result<Policy, String> {
    Policy::parse_stored(&v.to_string(), kind).map_err(|e| format!("{e}: {v}"))
}

fn policies(v: &Value, kind: PolicyKind) -> Result<Vec<Policy>, String> {
    v.as_array()
        .map(|a| a.iter().map(|p| policy(p, kind)).collect())
        .unwrap_or(Ok(Vec::new()))
}

fn levels(v: &Value, kind: PolicyKind) -> Result<Vec<Vec<Policy>>, String> {
    v.as_array()
        .map(|a| a.iter().map(|l| policies(l, kind)).collect())
        .unwrap_or(Ok(Vec::new()))
}

fn context(v: &Value) -> Result<Context, String> {
    let mut ctx = Context::new();
    if let Some(map) = v.as_object() {
        for (k, v) in map {
            match v {
                Value::String(s) => {
                    ctx.set(k, s.clone());
                }
                Value::Array(items) => {
                    let values: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                    ctx.set_multi(k, values.ok_or(format!("bad context value for {k}"))?);
                }
                other => {
                    ctx.set(k, other.to_string());
                }
            }
        }
    }
    Ok(ctx)
}

impl Case {
    pub fn from_json(c: &Value) -> Result<Case, String> {
        let name = c["name"].as_str().unwrap_or("unnamed").to_owned();
        let wrap = |e: String| format!("{name}: {e}");
        let principal = principal(c).map_err(wrap)?;
        let action = c["action"]
            .as_str()
            .ok_or_else(|| wrap("action missing".into()))?;
        let resource = c["resource"].as_str().unwrap_or("*");
        let mut request = Request::new(principal, action, resource)
            .with_context(context(&c["context"]).map_err(wrap)?);
        if let Some(a) = c["resourceAccount"].as_str() {
            request = request.with_resource_account(a);
        }
        if c["deriveContext"].as_bool().unwrap_or(true) {
            let p = request.principal.clone();
            p.derive_context(&mut request.context);
        }
        // The resource policy of an STS action on a role is the role's trust policy.
        let trust = action.to_ascii_lowercase().starts_with("sts:") && resource.contains(":role/");
        let resource_kind = match c["resourcePolicyKind"].as_str() {
            Some("Trust") => PolicyKind::Trust,
            Some(_) => PolicyKind::Resource,
            None if trust => PolicyKind::Trust,
            None => PolicyKind::Resource,
        };
        let flag = |k: &str| c[k].as_bool().unwrap_or(false);
        let policies = PolicySet {
            identity: policies(&c["identityPolicies"], PolicyKind::Identity).map_err(wrap)?,
            permissions_boundary: match &c["permissionBoundary"] {
                Value::Null => None,
                v => Some(policy(v, PolicyKind::PermissionsBoundary).map_err(wrap)?),
            },
            session: match &c["sessionPolicy"] {
                Value::Null => Vec::new(),
                v => vec![policy(v, PolicyKind::Session).map_err(wrap)?],
            },
            resource: match &c["resourcePolicy"] {
                Value::Null => None,
                v => Some(policy(v, resource_kind).map_err(wrap)?),
            },
            // KMS key policies must allow even in the same account (iam.md 2.3).
            resource_policy_required: c["resourcePolicyRequired"]
                .as_bool()
                .unwrap_or_else(|| action.to_ascii_lowercase().starts_with("kms:")),
            scp_levels: levels(&c["scps"], PolicyKind::ServiceControl).map_err(wrap)?,
            rcp_levels: levels(&c["rcps"], PolicyKind::ResourceControl).map_err(wrap)?,
            principal_in_management_account: flag("principalInManagementAccount"),
            service_linked_role: flag("serviceLinkedRole"),
            resource_in_management_account: flag("resourceInManagementAccount"),
        };
        let expected = c["expected"]
            .as_str()
            .map(parse_outcome)
            .transpose()
            .map_err(wrap)?;
        let expected_message = c["expectedMessage"].as_str().map(str::to_owned);
        Ok(Case {
            name,
            request,
            policies,
            expected,
            expected_message,
        })
    }

    pub fn decide(&self) -> Decision {
        evaluate(&self.request, &self.policies)
    }
}
