//! AssumeRoleWithSAML: a role session for the holder of a SAML 2.0 response signed by an
//! identity provider registered in IAM.
//!
//! The response's assertion (or the response itself) must carry an enveloped XML signature
//! (RSA-SHA256 over exclusive canonicalization, SHA-256 digest) made with a certificate of the
//! provider's metadata, whose one reference names the signed element by its unique `ID`; only
//! what that signature covers is read afterwards, which closes the signature-wrapping tricks.
//! The assertion must come from the provider's entity id, be valid now, be addressed to AWS
//! (`https://signin.aws.amazon.com/saml`), name the requested role and provider in its `Role`
//! attribute and give a `RoleSessionName`; then the role's trust policy decides with the
//! `saml:*` condition keys.

use super::input::{
    PolicyArn, access_denied, check_duration, check_name, check_session_policies, now_seconds,
    packed_size,
};
use super::role_session::{federated_trust, find_role, issue};
use super::xml::{self, Element};
use crate::iam::get_saml_provider;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rampart_policy::Context;
use rampart_protocol::AwsError;
use rampart_service::{Call, Session, from_input};
use rampart_types::AccountId;
use serde::Deserialize;
use serde_json::{Value, json};

const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const AWS_SAML: &str = "https://signin.aws.amazon.com/saml";
const ROLE_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
const SESSION_NAME_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
const SESSION_DURATION_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/SessionDuration";
/// Clock skew tolerated on the assertion's validity times.
const SKEW: i64 = 300;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    role_arn: String,
    principal_arn: String,
    #[serde(rename = "SAMLAssertion")]
    saml_assertion: String,
    policy: Option<String>,
    #[serde(default)]
    policy_arns: Vec<PolicyArn>,
    duration_seconds: Option<i64>,
}

fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidIdentityToken", 400, message)
}

fn not_authorized() -> AwsError {
    access_denied("Not authorized to perform sts:AssumeRoleWithSAML")
}

/// What a verified assertion says.
struct Claims {
    issuer: String,
    subject: String,
    subject_type: String,
    session_name: String,
    session_duration: Option<i64>,
}

pub(crate) fn assume_role_with_saml(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: Input = from_input(input, "ValidationError")?;
    let requested = check_duration(input.duration_seconds.unwrap_or(3_600), 900, 43_200)?;
    let arns = check_session_policies(input.policy.as_deref(), &input.policy_arns)?;
    let Some((account, role)) = find_role(call, &input.role_arn)? else {
        return Err(not_authorized());
    };
    let provider = get_saml_provider(call.env, &account, &input.principal_arn)?
        .ok_or_else(|| invalid("The SAML provider does not exist in the role's account."))?;
    let metadata = xml::parse(&provider.metadata)
        .map_err(|_| invalid("The SAML provider's metadata does not parse."))?;
    let entity_id = metadata.attr("entityID").unwrap_or_default().to_owned();
    let certificates = signing_certificates(&metadata);
    let decoded = B64
        .decode(input.saml_assertion.trim())
        .map_err(|_| invalid("The SAML assertion is not base64."))?;
    let text =
        String::from_utf8(decoded).map_err(|_| invalid("The SAML response is not UTF-8."))?;
    let response = xml::parse(&text)
        .map_err(|why| invalid(format!("The SAML response does not parse: {why}")))?;
    let now = now_seconds(call.env);
    let claims = verify_response(&response, &certificates, &entity_id, &input, now)?;
    check_name(&claims.session_name, "roleSessionName", 2, 64)
        .map_err(|_| invalid("The RoleSessionName attribute is not a valid session name."))?;
    federated_trust(
        call,
        &account,
        &role,
        &input.role_arn,
        &input.principal_arn,
        "sts:AssumeRoleWithSAML",
        saml_keys(&account, &input.principal_arn, &claims),
    )?;
    let duration = claims
        .session_duration
        .map_or(requested, |d| d.min(requested));
    if duration > i64::from(role.max_session_duration) {
        return Err(super::input::validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    let packed = packed_size(input.policy.as_deref(), &arns, &[])?;
    let session = Session {
        issued_at: now,
        expires_at: now + duration,
        policy: input.policy,
        policy_arns: arns,
        ..Session::default()
    };
    let mut out = issue(call, &account, &role, &claims.session_name, session)?;
    out["Subject"] = json!(claims.subject);
    out["SubjectType"] = json!(claims.subject_type);
    out["Issuer"] = json!(claims.issuer);
    out["Audience"] = json!(AWS_SAML);
    out["NameQualifier"] = json!(name_qualifier(
        &claims.issuer,
        &account,
        &input.principal_arn
    ));
    if let Some(packed) = packed {
        out["PackedPolicySize"] = json!(packed);
    }
    Ok(out)
}

/// The DER certificates the provider signs with (its `KeyDescriptor`s not limited to
/// encryption).
fn signing_certificates(metadata: &Element) -> Vec<Vec<u8>> {
    metadata
        .descendants()
        .into_iter()
        .filter(|e| {
            e.ns == METADATA && e.local == "KeyDescriptor" && e.attr("use") != Some("encryption")
        })
        .flat_map(|kd| kd.descendants())
        .filter(|e| e.ns == DSIG && e.local == "X509Certificate")
        .filter_map(|e| B64.decode(strip_spaces(&e.text())).ok())
        .collect()
}

fn strip_spaces(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Checks the response and its one assertion; returns what the signed assertion says.
fn verify_response(
    response: &Element,
    certificates: &[Vec<u8>],
    entity_id: &str,
    input: &Input,
    now: i64,
) -> Result<Claims, AwsError> {
    if response.ns != PROTOCOL || response.local != "Response" {
        return Err(invalid("The SAML document is not a SAML 2.0 Response."));
    }
    let status = response
        .only_child(PROTOCOL, "Status")
        .and_then(|s| s.only_child(PROTOCOL, "StatusCode"))
        .and_then(|c| c.attr("Value"));
    if status != Some(SUCCESS) {
        return Err(invalid("The SAML response does not report success."));
    }
    if response
        .children_named(ASSERTION, "EncryptedAssertion")
        .next()
        .is_some()
    {
        return Err(invalid("Encrypted SAML assertions are not supported."));
    }
    let assertion = response
        .only_child(ASSERTION, "Assertion")
        .ok_or_else(|| invalid("The SAML response must hold exactly one assertion."))?;
    let signed_by_assertion = assertion.only_child(DSIG, "Signature").is_some();
    let signed = if signed_by_assertion {
        assertion
    } else {
        response
    };
    verify_signature(response, signed, certificates)
        .map_err(|why| invalid(format!("Invalid SAML signature: {why}")))?;
    // From here on only the signed assertion is read.
    let issuer = assertion
        .only_child(ASSERTION, "Issuer")
        .map(Element::text)
        .unwrap_or_default();
    if issuer.trim() != entity_id {
        return Err(invalid(
            "The assertion's Issuer is not the provider's entity id.",
        ));
    }
    check_conditions(assertion, now)?;
    let subject = assertion
        .only_child(ASSERTION, "Subject")
        .ok_or_else(|| invalid("The assertion has no Subject."))?;
    let name_id = subject
        .only_child(ASSERTION, "NameID")
        .ok_or_else(|| invalid("The assertion has no NameID."))?;
    let confirmed = subject
        .children_named(ASSERTION, "SubjectConfirmation")
        .filter_map(|c| c.only_child(ASSERTION, "SubjectConfirmationData"))
        .any(|data| {
            data.attr("Recipient") == Some(AWS_SAML)
                && data
                    .attr("NotOnOrAfter")
                    .and_then(parse_time)
                    .is_some_and(|t| now < t + SKEW)
        });
    if !confirmed {
        return Err(invalid(
            "The assertion's subject is not confirmed for https://signin.aws.amazon.com/saml now.",
        ));
    }
    let attributes = attribute_values(assertion);
    let pair_named = attributes
        .iter()
        .filter(|(name, _)| name == ROLE_ATTRIBUTE)
        .any(|(_, value)| {
            let parts: Vec<&str> = value.split(',').map(str::trim).collect();
            parts.len() == 2
                && parts.contains(&input.role_arn.as_str())
                && parts.contains(&input.principal_arn.as_str())
        });
    if !pair_named {
        return Err(not_authorized());
    }
    let one = |name: &str| {
        attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_owned())
    };
    let session_name = one(SESSION_NAME_ATTRIBUTE)
        .ok_or_else(|| invalid("The assertion has no RoleSessionName attribute."))?;
    let session_duration = match one(SESSION_DURATION_ATTRIBUTE) {
        Some(text) => Some(
            text.parse::<i64>()
                .ok()
                .filter(|d| (900..=43_200).contains(d))
                .ok_or_else(|| {
                    invalid("The SessionDuration attribute must be 900 to 43200 seconds.")
                })?,
        ),
        None => None,
    };
    let format = name_id.attr("Format").unwrap_or_default();
    let subject_type = match format.rsplit(':').next() {
        Some(short @ ("persistent" | "transient")) => short.to_owned(),
        _ => format.to_owned(),
    };
    Ok(Claims {
        issuer: issuer.trim().to_owned(),
        subject: name_id.text().trim().to_owned(),
        subject_type,
        session_name,
        session_duration,
    })
}

/// `Conditions` NotBefore / NotOnOrAfter, and an audience that is AWS.
fn check_conditions(assertion: &Element, now: i64) -> Result<(), AwsError> {
    let conditions = assertion
        .only_child(ASSERTION, "Conditions")
        .ok_or_else(|| invalid("The assertion has no Conditions."))?;
    if let Some(not_before) = conditions.attr("NotBefore").and_then(parse_time)
        && now + SKEW < not_before
    {
        return Err(invalid("The assertion is not valid yet."));
    }
    if let Some(not_after) = conditions.attr("NotOnOrAfter").and_then(parse_time)
        && now >= not_after + SKEW
    {
        return Err(AwsError::new(
            "ExpiredTokenException",
            400,
            "The SAML assertion has expired.",
        ));
    }
    let audiences: Vec<String> = conditions
        .children_named(ASSERTION, "AudienceRestriction")
        .flat_map(|r| r.children_named(ASSERTION, "Audience"))
        .map(|a| a.text().trim().to_owned())
        .collect();
    if !audiences.is_empty()
        && !audiences
            .iter()
            .any(|a| a == AWS_SAML || a == "urn:amazon:webservices")
    {
        return Err(invalid("The assertion's audience is not AWS."));
    }
    Ok(())
}

/// Every (attribute name, value) of the assertion's attribute statements.
fn attribute_values(assertion: &Element) -> Vec<(String, String)> {
    assertion
        .children_named(ASSERTION, "AttributeStatement")
        .flat_map(|s| s.children_named(ASSERTION, "Attribute"))
        .flat_map(|a| {
            let name = a.attr("Name").unwrap_or_default().to_owned();
            a.children_named(ASSERTION, "AttributeValue")
                .map(move |v| (name.clone(), v.text()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Verifies the enveloped signature of `signed` (the assertion or the response) in `document`.
fn verify_signature(
    document: &Element,
    signed: &Element,
    certificates: &[Vec<u8>],
) -> Result<(), String> {
    let signature = signed
        .only_child(DSIG, "Signature")
        .ok_or("the response is not signed")?;
    let info = signature
        .only_child(DSIG, "SignedInfo")
        .ok_or("no SignedInfo")?;
    let algorithm = |parent: &Element, name: &str| {
        parent
            .only_child(DSIG, name)
            .and_then(|e| e.attr("Algorithm"))
            .map(str::to_owned)
    };
    let c14n = info
        .only_child(DSIG, "CanonicalizationMethod")
        .ok_or("no CanonicalizationMethod")?;
    if c14n.attr("Algorithm") != Some(EXC_C14N) {
        return Err("only exclusive canonicalization without comments is supported".into());
    }
    if algorithm(info, "SignatureMethod").as_deref() != Some(RSA_SHA256) {
        return Err("only RSA-SHA256 signatures are supported".into());
    }
    let reference = info
        .only_child(DSIG, "Reference")
        .ok_or("exactly one Reference is required")?;
    let id = signed.attr("ID").ok_or("the signed element has no ID")?;
    if reference.attr("URI") != Some(&format!("#{id}")) {
        return Err("the signature does not reference the signed element".into());
    }
    let same_id = document
        .descendants()
        .iter()
        .filter(|e| e.attrs.iter().any(|a| a.local == "ID" && a.value == id))
        .count();
    if same_id != 1 {
        return Err("the signed element's ID is not unique".into());
    }
    let mut prefixes = Vec::new();
    let transforms = reference
        .only_child(DSIG, "Transforms")
        .ok_or("no Transforms")?;
    let mut enveloped = false;
    for transform in transforms.children_named(DSIG, "Transform") {
        match transform.attr("Algorithm") {
            Some(ENVELOPED) => enveloped = true,
            Some(EXC_C14N) => prefixes = inclusive_prefixes(transform),
            _ => return Err("an unsupported transform".into()),
        }
    }
    if !enveloped {
        return Err("the signature must be enveloped".into());
    }
    if algorithm(reference, "DigestMethod").as_deref() != Some(SHA256) {
        return Err("only SHA-256 digests are supported".into());
    }
    let expected = reference
        .only_child(DSIG, "DigestValue")
        .map(|d| strip_spaces(&d.text()))
        .ok_or("no DigestValue")?;
    let canonical = xml::exclusive_c14n(signed, Some(signature), &prefixes);
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes());
    let expected = B64
        .decode(expected)
        .map_err(|_| "the digest is not base64")?;
    if aws_lc_rs::constant_time::verify_slices_are_equal(digest.as_ref(), &expected).is_err() {
        return Err("the digest does not match the signed content".into());
    }
    let value = signature
        .only_child(DSIG, "SignatureValue")
        .map(|v| strip_spaces(&v.text()))
        .ok_or("no SignatureValue")?;
    let value = B64
        .decode(value)
        .map_err(|_| "the signature is not base64")?;
    let signed_info = xml::exclusive_c14n(info, None, &inclusive_prefixes(c14n));
    let verified = certificates.iter().any(|der| {
        let der = rustls_pki_types::CertificateDer::from(der.as_slice());
        webpki::EndEntityCert::try_from(&der).is_ok_and(|cert| {
            cert.verify_signature(
                webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA256,
                signed_info.as_bytes(),
                &value,
            )
            .is_ok()
        })
    });
    match verified {
        true => Ok(()),
        false => Err("the signature does not verify with the provider's certificates".into()),
    }
}

/// The `InclusiveNamespaces PrefixList` of a canonicalization element.
fn inclusive_prefixes(method: &Element) -> Vec<String> {
    method
        .only_child(EXC_C14N, "InclusiveNamespaces")
        .and_then(|n| n.attr("PrefixList"))
        .map(|list| list.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// `YYYY-MM-DDThh:mm:ss[.fff]Z` in seconds since the epoch.
fn parse_time(text: &str) -> Option<i64> {
    let parsed =
        time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
            .ok()?;
    Some(parsed.unix_timestamp())
}

/// AWS's `NameQualifier`: base64 of SHA-1 over issuer, account and provider name.
fn name_qualifier(issuer: &str, account: &AccountId, provider_arn: &str) -> String {
    let name = provider_arn.rsplit('/').next().unwrap_or_default();
    let input = format!("{issuer}{account}/{name}");
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
        input.as_bytes(),
    );
    B64.encode(digest.as_ref())
}

/// The `saml:*` condition keys of a verified assertion.
fn saml_keys(account: &AccountId, provider_arn: &str, claims: &Claims) -> Context {
    Context::new()
        .with("saml:aud", AWS_SAML)
        .with("saml:iss", claims.issuer.clone())
        .with("saml:sub", claims.subject.clone())
        .with("saml:sub_type", claims.subject_type.clone())
        .with(
            "saml:namequalifier",
            name_qualifier(&claims.issuer, account, provider_arn),
        )
}
