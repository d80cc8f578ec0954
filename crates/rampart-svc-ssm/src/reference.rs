//! `/aws/reference/secretsmanager/<secret-id>[:<version-id or staging label>]`: Secrets Manager
//! secrets read through GetParameter and GetParameters, as AWS serves them. Only with
//! `WithDecryption` true; the secret is read for the caller through `Env::secrets`, so the
//! caller needs `secretsmanager:GetSecretValue` on it (and the KMS key's permissions) besides
//! `ssm:GetParameter`. The parameter is the secret's: `Type` SecureString, `Value` the secret
//! string (or the base64 of a binary secret), `Version` 0, `ARN` the secret's ARN,
//! `LastModifiedDate` when the version was made, `SourceResult` DescribeSecret's answer as
//! JSON text, and `Selector` echoing a `:version-id` or `:label` suffix. Nothing is stored.

use crate::errors;
use rampart_protocol::AwsError;
use rampart_service::{Call, SecretVersion};
use serde_json::{Value, json};

/// Where Parameter Store shows Secrets Manager secrets.
pub(crate) const PREFIX: &str = "/aws/reference/secretsmanager/";

/// AWS's refusal of a reference read without decryption.
pub(crate) fn needs_decryption() -> AwsError {
    errors::validation("WithDecryption flag must be True for retrieving a Secret Manager secret.")
}

/// The version a selector names: a version id when it has the shape of one (a UUID), else a
/// staging label.
fn version_of(selector: Option<&str>) -> SecretVersion<'_> {
    match selector {
        None => SecretVersion::Current,
        Some(s) if is_uuid(s) => SecretVersion::Id(s),
        Some(s) => SecretVersion::Stage(s),
    }
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The parameter `reference` (what follows [`PREFIX`]) names; `None` when there is no such
/// secret or version.
pub(crate) fn find(call: &Call<'_>, reference: &str) -> Result<Option<Value>, AwsError> {
    let (secret_id, selector) = match reference.rsplit_once(':') {
        Some((id, selector)) if !selector.is_empty() => (id, Some(selector)),
        _ => (reference, None),
    };
    if secret_id.is_empty() {
        return Ok(None);
    }
    let reading = match call.env.secrets.read(call, secret_id, version_of(selector)) {
        Ok(reading) => reading,
        Err(e) if e.code == "ResourceNotFoundException" => return Ok(None),
        Err(e) => return Err(e),
    };
    let value = reading
        .value
        .get("SecretString")
        .or_else(|| reading.value.get("SecretBinary"))
        .cloned()
        .unwrap_or(Value::Null);
    let mut parameter = json!({
        "Name": format!("{PREFIX}{secret_id}"),
        "Type": "SecureString",
        "Value": value,
        "Version": 0,
        "SourceResult": reading.description.to_string(),
        "LastModifiedDate": reading.value.get("CreatedDate").cloned().unwrap_or(Value::Null),
        "ARN": reading.value.get("ARN").cloned().unwrap_or(Value::Null),
        "DataType": "text",
    });
    if let Some(selector) = selector {
        parameter["Selector"] = json!(format!(":{selector}"));
    }
    Ok(Some(parameter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_name_a_version_id_or_a_label() {
        let id = "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE";
        assert_eq!(version_of(None), SecretVersion::Current);
        assert_eq!(
            version_of(Some("a1b2c3d4-5678-90ab-cdef-EXAMPLE11111")),
            SecretVersion::Stage("a1b2c3d4-5678-90ab-cdef-EXAMPLE11111")
        );
        assert_eq!(
            version_of(Some("a1b2c3d4-5678-90ab-cdef-0123456789ab")),
            SecretVersion::Id("a1b2c3d4-5678-90ab-cdef-0123456789ab")
        );
        assert_eq!(
            version_of(Some("AWSPREVIOUS")),
            SecretVersion::Stage("AWSPREVIOUS")
        );
        assert_eq!(version_of(Some(id)), SecretVersion::Stage(id));
    }
}
