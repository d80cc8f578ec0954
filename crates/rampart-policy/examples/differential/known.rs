//! Known oracle errors (iam.md section 13, plus two found by this harness), each with the
//! AWS documentation fact that decides it, and a *neutralizer*: a rewrite of the case that
//! removes the feature (or gives the oracle the documented behaviour). A disagreement is
//! recorded as a known oracle error only when, after neutralizing every feature present,
//! the oracle and our engine agree; otherwise it stays unexplained.

use serde_json::{Value, json};

/// One known difference between the oracle and AWS's documented behaviour.
pub struct Known {
    pub label: &'static str,
    present: fn(&Value) -> bool,
    /// Rewrites (ours, oracle) in place.
    neutralize: fn(&mut Value, &mut Value),
}

fn statements(policy: &Value) -> Vec<&Value> {
    match &policy["Statement"] {
        Value::Array(s) => s.iter().collect(),
        s @ Value::Object(_) => vec![s],
        _ => Vec::new(),
    }
}

/// Every policy document of a case, mutably.
fn policies_mut(raw: &mut Value) -> Vec<&mut Value> {
    let mut out = Vec::new();
    let Some(obj) = raw.as_object_mut() else {
        return out;
    };
    for (k, v) in obj.iter_mut() {
        match k.as_str() {
            "permissionBoundary" | "sessionPolicy" | "resourcePolicy" if v.is_object() => {
                out.push(v)
            }
            "identityPolicies" => out.extend(v.as_array_mut().into_iter().flatten()),
            "scps" | "rcps" => out.extend(
                v.as_array_mut()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_array_mut)
                    .flatten(),
            ),
            _ => {}
        }
    }
    out
}

pub fn policies(raw: &Value) -> Vec<&Value> {
    let mut out: Vec<&Value> = ["permissionBoundary", "sessionPolicy", "resourcePolicy"]
        .iter()
        .map(|k| &raw[*k])
        .collect();
    out.extend(raw["identityPolicies"].as_array().into_iter().flatten());
    for k in ["scps", "rcps"] {
        out.extend(
            raw[k]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_array)
                .flatten(),
        );
    }
    out.retain(|v| v.is_object());
    out
}

fn any_statement(raw: &Value, pred: fn(&Value, &Value) -> bool) -> bool {
    policies(raw)
        .iter()
        .any(|p| statements(p).iter().any(|s| pred(p, s)))
}

/// Removes the statements matching `pred` from every policy; a policy left empty gets a
/// statement that cannot apply to any generated request.
fn strip(raw: &mut Value, pred: fn(&Value, &Value) -> bool) {
    for policy in policies_mut(raw) {
        let snapshot = policy.clone();
        let kept: Vec<Value> = statements(&snapshot)
            .into_iter()
            .filter(|s| !pred(&snapshot, s))
            .cloned()
            .collect();
        if kept.len() == statements(&snapshot).len() {
            continue;
        }
        let template = statements(&snapshot)
            .first()
            .copied()
            .cloned()
            .unwrap_or(json!({}));
        let filler = {
            let mut f = json!({"Effect": "Deny", "Action": "ec2:DescribeRegions"});
            if template.get("Resource").is_some() || template.get("NotResource").is_some() {
                f["Resource"] = json!("*");
            }
            if template.get("Principal").is_some() || template.get("NotPrincipal").is_some() {
                f["Principal"] = json!("*");
            }
            f
        };
        policy["Statement"] = json!(if kept.is_empty() { vec![filler] } else { kept });
    }
}

fn negated_with_variable(_: &Value, s: &Value) -> bool {
    s.get("NotResource")
        .is_some_and(|r| r.to_string().contains("${"))
        || s["Condition"].as_object().is_some_and(|c| {
            c.iter().any(|(op, block)| {
                op.contains("Not") && !op.starts_with("Null") && block.to_string().contains("${")
            })
        })
}

fn arn_variable_in_head(_: &Value, s: &Value) -> bool {
    s["Condition"].as_object().is_some_and(|c| {
        c.iter().any(|(op, block)| {
            op.contains("Arn")
                && block.as_object().is_some_and(|b| {
                    b.values().any(|v| {
                        let text = v.to_string();
                        text.find("${")
                            .is_some_and(|at| text[..at].matches(':').count() < 5)
                    })
                })
        })
    })
}

fn variable_in_2008(p: &Value, s: &Value) -> bool {
    p["Version"] != json!("2012-10-17") && s.to_string().contains("${")
}

fn not_principal(_: &Value, s: &Value) -> bool {
    s.get("NotPrincipal").is_some()
}

fn principal_is(raw: &Value, part: &str) -> bool {
    raw["principal"].as_str().is_some_and(|p| p.contains(part))
}

fn allow_all() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
}

pub const KNOWN: [Known; 10] = [
    Known {
        label: "oracle: a web-identity/SAML caller is treated as a cross-account IAM principal needing an identity policy (IAM guide, AssumeRoleWithWebIdentity/SAML: the trust policy alone authorizes; iam.md 10.1)",
        present: |raw| raw.get("webIdentity").is_some(),
        neutralize: |_, oracle| oracle["identityPolicies"] = json!([allow_all()]),
    },
    Known {
        label: "oracle: SCPs applied to AWS service principals (Organizations guide: SCPs affect only IAM users and roles of member accounts, and their root users)",
        present: |raw| {
            let p = raw["principal"].as_str().unwrap_or_default();
            !p.starts_with("arn:")
                && p != "anonymous"
                && raw["scps"].as_array().is_some_and(|l| !l.is_empty())
        },
        neutralize: |_, oracle| oracle["scps"] = json!([]),
    },
    Known {
        label: "oracle #8: root user's implicit full access not modelled (IAM guide: the root user has full access to its own account; SCPs, RCPs and explicit denies still apply)",
        present: |raw| principal_is(raw, ":root"),
        neutralize: |_, oracle| {
            if let Some(list) = oracle["identityPolicies"].as_array_mut() {
                list.push(allow_all());
            } else {
                oracle["identityPolicies"] = json!([allow_all()]);
            }
        },
    },
    Known {
        label: "oracle #8: SCP/RCP exemptions of the management account and service-linked roles not modelled (Organizations guide: SCPs and RCPs do not affect them)",
        present: |raw| {
            [
                "principalInManagementAccount",
                "serviceLinkedRole",
                "resourceInManagementAccount",
            ]
            .iter()
            .any(|k| raw[*k] == json!(true))
        },
        neutralize: |_, oracle| {
            if oracle["principalInManagementAccount"] == json!(true)
                || oracle["serviceLinkedRole"] == json!(true)
            {
                oracle["scps"] = json!([]);
            }
            if oracle["resourceInManagementAccount"] == json!(true)
                || oracle["serviceLinkedRole"] == json!(true)
            {
                oracle["rcps"] = json!([]);
            }
        },
    },
    Known {
        label: "oracle #3 (P11): Version 2008-10-17 ignored (IAM guide, policy variables: variables are only replaced under Version 2012-10-17)",
        present: |raw| any_statement(raw, variable_in_2008),
        neutralize: |ours, oracle| {
            strip(ours, variable_in_2008);
            strip(oracle, variable_in_2008);
        },
    },
    Known {
        label: "oracle #2 (P04): negated operator (or NotResource) with an unresolvable policy variable (IAM guide, policy variables: with a missing key, negated operators such as StringNotEquals match; NotResource treated alike, UNSURE)",
        present: |raw| any_statement(raw, negated_with_variable),
        neutralize: |ours, oracle| {
            strip(ours, negated_with_variable);
            strip(oracle, negated_with_variable);
        },
    },
    Known {
        label: "oracle: ARN operator value with a policy variable before the resource part (the oracle splits the ARN before substituting; IAM substitutes variables in condition values first; UNSURE, not in iam.md's list)",
        present: |raw| any_statement(raw, arn_variable_in_head),
        neutralize: |ours, oracle| {
            strip(ours, arn_variable_in_head);
            strip(oracle, arn_variable_in_head);
        },
    },
    Known {
        label: "oracle #1 (P15/P64): session policy applied before a resource policy naming the session (IAM guide, session policies: a resource-based policy naming the session ARN is not limited by the session policy)",
        present: |raw| {
            (principal_is(raw, ":assumed-role/") || principal_is(raw, ":federated-user/"))
                && raw.get("sessionPolicy").is_some()
                && raw.get("resourcePolicy").is_some()
        },
        // An allow-all session policy is the same as no session restriction.
        neutralize: |ours, oracle| {
            ours["sessionPolicy"] = allow_all();
            oracle["sessionPolicy"] = allow_all();
        },
    },
    Known {
        label: "oracle: federated-user session without a session policy has permissions (STS GetFederationToken reference: without a session policy the session has no permissions; iam.md 2.2.8)",
        present: |raw| principal_is(raw, ":federated-user/") && raw.get("sessionPolicy").is_none(),
        neutralize: |ours, oracle| {
            ours["sessionPolicy"] = allow_all();
            oracle["sessionPolicy"] = allow_all();
        },
    },
    Known {
        label: "iam.md 6.2 (UNSURE in AWS docs): Deny+NotPrincipal naming only the account exempts the account alone here; the oracle exempts all its principals",
        present: |raw| any_statement(raw, not_principal),
        neutralize: |ours, oracle| {
            strip(ours, not_principal);
            strip(oracle, not_principal);
        },
    },
];

/// The known errors whose feature is present, and the neutralized (ours, oracle) cases.
pub fn neutralize(raw: &Value) -> Option<(Vec<&'static str>, Value, Value)> {
    let present: Vec<&Known> = KNOWN.iter().filter(|k| (k.present)(raw)).collect();
    if present.is_empty() {
        return None;
    }
    let (mut ours, mut oracle) = (raw.clone(), raw.clone());
    for k in &present {
        (k.neutralize)(&mut ours, &mut oracle);
    }
    Some((present.iter().map(|k| k.label).collect(), ours, oracle))
}
