//! Certificates and security policies of HTTPS listeners: the default certificate (an IAM
//! server certificate: rampart has no ACM, and an ACM ARN is answered `CertificateNotFound`
//! saying so), the SSL policy (AWS's predefined names), and the listener's certificate list
//! (AddListenerCertificates, RemoveListenerCertificates, DescribeListenerCertificates).

use crate::errors;
use crate::listeners;
use crate::paging;
use crate::ssl_policies;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use serde::Deserialize;
use serde_json::{Value, json};

/// AWS's quota of certificates per application load balancer listener (the default one not
/// counted).
const MAX_EXTRA_CERTIFICATES: usize = 25;

/// Checks that `arn` names a server certificate the caller can put on a listener.
fn check_certificate(call: &Call<'_>, arn: &str) -> Result<(), AwsError> {
    let mut parts = arn.splitn(6, ':');
    let service = parts.nth(2).unwrap_or_default();
    let account = parts.nth(1).unwrap_or_default();
    if service == "acm" {
        return Err(errors::certificate_not_found(format!(
            "Certificate '{arn}' not found: rampart does not implement ACM; upload the certificate to IAM (UploadServerCertificate) and use its server-certificate ARN"
        )));
    }
    let ours = service == "iam" && account == call.principal.account.as_str();
    if !ours || call.env.certificates.server_certificate(arn).is_none() {
        return Err(errors::certificate_not_found(format!(
            "Certificate '{arn}' not found"
        )));
    }
    Ok(())
}

/// The certificate ARNs of a `Certificates` input.
fn arns(certificates: &[Value]) -> Result<Vec<String>, AwsError> {
    certificates
        .iter()
        .map(|c| {
            c.get("CertificateArn")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| errors::validation("A certificate must have a 'CertificateArn'"))
        })
        .collect()
}

/// The stored `Certificates` and `SslPolicy` of a listener with `protocol`: an HTTPS
/// listener has exactly one (checked) default certificate and a known policy (AWS's current
/// default when none is given); an HTTP listener has neither.
pub(crate) fn settings(
    call: &Call<'_>,
    protocol: &str,
    certificates: &[Value],
    ssl_policy: Option<String>,
) -> Result<(Vec<Value>, Option<String>), AwsError> {
    if protocol != "HTTPS" {
        return Ok((Vec::new(), None));
    }
    let arns = arns(certificates)?;
    let [arn] = arns.as_slice() else {
        return Err(if arns.is_empty() {
            errors::certificate_not_found("An HTTPS listener needs a certificate")
        } else {
            errors::validation("You must provide exactly one default certificate")
        });
    };
    check_certificate(call, arn)?;
    let policy = ssl_policy.unwrap_or_else(|| ssl_policies::DEFAULT_POLICY.to_owned());
    if ssl_policies::find(&policy).is_none() {
        return Err(ssl_policies::not_found(&policy));
    }
    Ok((vec![json!({ "CertificateArn": arn })], Some(policy)))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ChangeInput {
    listener_arn: String,
    certificates: Vec<Value>,
}

fn add(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ChangeInput = from_input(input, "ValidationError")?;
    let (mut l, version, name) = listeners::own(call, &input.listener_arn)?;
    let arns = arns(&input.certificates)?;
    if arns.len() != 1 {
        return Err(errors::validation("You can add one certificate per call"));
    }
    for arn in &arns {
        check_certificate(call, arn)?;
        if !l.extra_certificates.contains(arn) {
            l.extra_certificates.push(arn.clone());
        }
    }
    if l.extra_certificates.len() > MAX_EXTRA_CERTIFICATES {
        return Err(AwsError::new(
            "TooManyCertificates",
            400,
            "You've reached the limit on the number of certificates per load balancer",
        ));
    }
    listeners::save(call, &name, &l, version)?;
    let out: Vec<Value> = arns
        .iter()
        .map(|a| json!({"CertificateArn": a, "IsDefault": false}))
        .collect();
    Ok(json!({ "Certificates": out }))
}

fn remove(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ChangeInput = from_input(input, "ValidationError")?;
    let (mut l, version, name) = listeners::own(call, &input.listener_arn)?;
    let default: Vec<String> = arns(&l.certificates)?;
    for arn in arns(&input.certificates)? {
        if default.contains(&arn) && !l.extra_certificates.contains(&arn) {
            return Err(AwsError::new(
                "OperationNotPermitted",
                400,
                "The default certificate cannot be removed; change it with ModifyListener",
            ));
        }
        l.extra_certificates.retain(|c| *c != arn);
    }
    listeners::save(call, &name, &l, version)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeInput {
    listener_arn: String,
    marker: Option<String>,
    page_size: Option<i64>,
}

fn describe(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DescribeInput = from_input(input, "ValidationError")?;
    let (l, _, _) = listeners::own(call, &input.listener_arn)?;
    let mut items: Vec<Value> = arns(&l.certificates)?
        .into_iter()
        .map(|a| json!({"CertificateArn": a, "IsDefault": true}))
        .collect();
    items.extend(
        l.extra_certificates
            .iter()
            .map(|a| json!({"CertificateArn": a, "IsDefault": false})),
    );
    paging::page(
        "Certificates",
        items,
        input.marker.as_deref(),
        input.page_size,
    )
}

/// Registers the listener certificate operations.
pub(crate) fn register(registry: &mut Registry) {
    registry.register("elbv2", "AddListenerCertificates", false, add);
    registry.register("elbv2", "RemoveListenerCertificates", false, remove);
    registry.register("elbv2", "DescribeListenerCertificates", true, describe);
}
