//! Security policies of HTTPS listeners: DescribeSSLPolicies answers a realistic subset of
//! AWS's predefined policies, and the data plane serves a listener with the protocol versions
//! and cipher suites of its policy that rustls implements (TLS 1.2 and 1.3 with ECDHE and
//! AEAD suites: a policy's TLS 1.0/1.1 and its CBC or static-RSA suites are not offered).

use crate::errors;
use crate::paging;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use serde::Deserialize;
use serde_json::{Value, json};

/// The policy of an HTTPS listener created without one (AWS's current recommendation).
pub(crate) const DEFAULT_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// TLS 1.3's suites, as AWS names them.
const TLS13: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
];
/// ECDHE with AES-GCM, as AWS names them.
const ECDHE_GCM: &[&str] = &[
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
];
/// ECDHE with AES-CBC and SHA-2.
const ECDHE_CBC_SHA2: &[&str] = &[
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
];
/// The older suites of the 2016 policies.
const LEGACY: &[&str] = &[
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-RSA-AES256-SHA",
    "ECDHE-ECDSA-AES256-SHA",
    "AES128-GCM-SHA256",
    "AES128-SHA256",
    "AES128-SHA",
    "AES256-GCM-SHA384",
    "AES256-SHA256",
    "AES256-SHA",
];

/// One predefined policy.
pub(crate) struct Policy {
    /// Its name.
    pub name: &'static str,
    /// `TLSv1`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`.
    pub protocols: &'static [&'static str],
    /// Its cipher suites, in AWS's (OpenSSL) names, by priority.
    pub ciphers: Vec<&'static str>,
}

/// The predefined policies rampart knows.
pub(crate) fn all() -> Vec<Policy> {
    let cat = |parts: &[&[&'static str]]| parts.concat();
    vec![
        Policy {
            name: "ELBSecurityPolicy-TLS13-1-2-2021-06",
            protocols: &["TLSv1.2", "TLSv1.3"],
            ciphers: cat(&[TLS13, ECDHE_GCM, ECDHE_CBC_SHA2]),
        },
        Policy {
            name: "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
            protocols: &["TLSv1.2", "TLSv1.3"],
            ciphers: cat(&[TLS13, ECDHE_GCM]),
        },
        Policy {
            name: "ELBSecurityPolicy-TLS13-1-3-2021-06",
            protocols: &["TLSv1.3"],
            ciphers: TLS13.to_vec(),
        },
        Policy {
            name: "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
            protocols: &["TLSv1.2"],
            ciphers: cat(&[ECDHE_GCM, ECDHE_CBC_SHA2, LEGACY]),
        },
        Policy {
            name: "ELBSecurityPolicy-TLS-1-2-2017-01",
            protocols: &["TLSv1.2"],
            ciphers: cat(&[ECDHE_GCM, ECDHE_CBC_SHA2, &LEGACY[4..6], &LEGACY[7..9]]),
        },
        Policy {
            name: "ELBSecurityPolicy-FS-1-2-Res-2020-10",
            protocols: &["TLSv1.2"],
            ciphers: ECDHE_GCM.to_vec(),
        },
        Policy {
            name: "ELBSecurityPolicy-2016-08",
            protocols: &["TLSv1", "TLSv1.1", "TLSv1.2"],
            ciphers: cat(&[ECDHE_GCM, ECDHE_CBC_SHA2, LEGACY]),
        },
    ]
}

/// The policy named `name`.
pub(crate) fn find(name: &str) -> Option<Policy> {
    all().into_iter().find(|p| p.name == name)
}

/// `SSLPolicyNotFound`.
pub(crate) fn not_found(name: &str) -> AwsError {
    AwsError::new(
        "SSLPolicyNotFound",
        400,
        format!("SSL policy '{name}' not found"),
    )
}

fn to_api(p: &Policy) -> Value {
    let ciphers: Vec<Value> = p
        .ciphers
        .iter()
        .enumerate()
        .map(|(i, c)| json!({"Name": c, "Priority": i + 1}))
        .collect();
    json!({
        "Name": p.name,
        "SslProtocols": p.protocols,
        "Ciphers": ciphers,
        "SupportedLoadBalancerTypes": ["application", "network"],
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeInput {
    names: Option<Vec<String>>,
    marker: Option<String>,
    page_size: Option<i64>,
    load_balancer_type: Option<String>,
}

fn describe(_call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DescribeInput = from_input(input, "ValidationError")?;
    if input
        .load_balancer_type
        .as_deref()
        .is_some_and(|t| !matches!(t, "application" | "network" | "gateway"))
    {
        return Err(errors::validation("LoadBalancerType is not valid"));
    }
    let policies = match input.names {
        Some(names) => names
            .iter()
            .map(|n| find(n).ok_or_else(|| not_found(n)))
            .collect::<Result<Vec<_>, _>>()?,
        None => all(),
    };
    let items = policies.iter().map(to_api).collect();
    paging::page(
        "SslPolicies",
        items,
        input.marker.as_deref(),
        input.page_size,
    )
}

/// Registers DescribeSSLPolicies.
pub(crate) fn register(registry: &mut Registry) {
    registry.register("elbv2", "DescribeSSLPolicies", true, describe);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_known_and_names_are_unique() {
        assert!(find(DEFAULT_POLICY).is_some());
        let mut names: Vec<_> = all().iter().map(|p| p.name).collect();
        names.dedup();
        assert_eq!(names.len(), all().len());
        assert!(find("ELBSecurityPolicy-Nope").is_none());
    }
}
