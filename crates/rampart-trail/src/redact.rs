//! Keeps secrets out of records: AWS's per-API rules for what a record leaves out, plus a
//! safety net that hides any member whose name says it holds a secret, at any depth.
//!
//! Records are kept for years and shown to anyone allowed `cloudtrail:LookupEvents`, so
//! no plaintext, password, private key, secret access key or secret value may reach one.

use serde_json::{Map, Value};

/// The value AWS writes in place of a hidden secret.
pub const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// Member names (lower case) whose value is always hidden, wherever they appear.
const DENIED_NAMES: &[&str] = &[
    "plaintext",
    "password",
    "oldpassword",
    "newpassword",
    "servicepassword",
    "randompassword",
    "secretaccesskey",
    "secretkey",
    "secretstring",
    "secretbinary",
    "secretvalue",
    "privatekey",
    "keymaterial",
    "encryptedkeymaterial",
    "passphrase",
    "samlassertion",
    "webidentitytoken",
    "clientsecret",
    "tokencode",
    "authenticationcode1",
    "authenticationcode2",
    "base32stringseed",
    "qrcodepng",
    "sharedsecret",
    "rotationtoken",
    "mackey",
    "tradeintoken",
    "servicecredentialsecret",
    "apikeyvalue",
];

/// Name endings (lower case) that mark a secret too, such as `masterUserPassword`.
const DENIED_SUFFIXES: &[&str] = &["password", "privatekey", "secretaccesskey", "plaintext"];

/// Redacts one call's parameters and response in place before they go into a record.
///
/// `event_source` is the record's `eventSource` (`kms.amazonaws.com`), `event_name` the
/// operation. Per-API rules follow what AWS records for that operation; then every member
/// named like a secret (see the module doc) is replaced with [`HIDDEN`], and a
/// `sessionToken` is hidden too when it sits beside a secret access key.
pub fn redact(
    event_source: &str,
    event_name: &str,
    request_parameters: &mut Value,
    response_elements: &mut Value,
) {
    let service = event_source
        .strip_suffix(".amazonaws.com")
        .unwrap_or(event_source);
    match service {
        "kms" => kms(event_name, request_parameters, response_elements),
        "secretsmanager" => secrets_manager(event_name, response_elements),
        "iam" => iam(event_name, response_elements),
        "sts" => sts(event_name, response_elements),
        "ssm" => ssm(event_name, request_parameters, response_elements),
        "acm" => acm(event_name, response_elements),
        _ => {}
    }
    hide_secrets(request_parameters);
    hide_secrets(response_elements);
}

/// KMS never records data it was handed or returned by cryptographic operations: request
/// blobs are left out and those operations' `responseElements` are `null`.
fn kms(name: &str, request: &mut Value, response: &mut Value) {
    const BLOBS: &[&str] = &[
        "plaintext",
        "ciphertextBlob",
        "message",
        "signature",
        "mac",
        "encryptedKeyMaterial",
        "importToken",
        "publicKey",
        "sharedSecretCiphertextBlob",
    ];
    const NULL_RESPONSE: &[&str] = &[
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "GenerateRandom",
        "GenerateMac",
        "VerifyMac",
        "Sign",
        "Verify",
        "DeriveSharedSecret",
        "Encapsulate",
        "Decapsulate",
        "GetParametersForImport",
    ];
    if let Value::Object(members) = request {
        for blob in BLOBS {
            members.remove(*blob);
        }
    }
    if NULL_RESPONSE.contains(&name) {
        *response = Value::Null;
    }
}

/// Secrets Manager records no response for reads of secret values; written values are
/// hidden by the safety net (`secretString`, `secretBinary`).
fn secrets_manager(name: &str, response: &mut Value) {
    if matches!(
        name,
        "GetSecretValue" | "BatchGetSecretValue" | "GetRandomPassword"
    ) {
        *response = Value::Null;
    }
}

/// IAM leaves the secret access key out of `CreateAccessKey`'s response; passwords,
/// MFA seeds and service passwords are hidden by the safety net.
fn iam(name: &str, response: &mut Value) {
    if name == "CreateAccessKey" {
        remove_path(response, &["accessKey", "secretAccessKey"]);
    }
}

/// STS records the issued credentials' access key id, session token and expiration,
/// never the secret access key. Assertions and web identity tokens are hidden by the net.
fn sts(name: &str, response: &mut Value) {
    if matches!(
        name,
        "AssumeRole"
            | "AssumeRoleWithSAML"
            | "AssumeRoleWithWebIdentity"
            | "AssumeRoot"
            | "GetSessionToken"
            | "GetFederationToken"
            | "GetDelegatedAccessToken"
    ) {
        remove_path(response, &["credentials", "secretAccessKey"]);
    }
}

/// Parameter Store hides a written value unless the parameter is plainly `String` or
/// `StringList`, records no response for reads (which may carry decrypted values), and
/// hides the (sensitive) parameters of commands, associations and maintenance tasks.
fn ssm(name: &str, request: &mut Value, response: &mut Value) {
    match name {
        "PutParameter" => {
            let plain = matches!(
                request.get("type").and_then(Value::as_str),
                Some("String" | "StringList")
            );
            if !plain {
                hide_member(request, "value");
            }
        }
        "GetParameter" | "GetParameters" | "GetParametersByPath" | "GetParameterHistory" => {
            *response = Value::Null;
        }
        "SendCommand" | "CreateAssociation" | "UpdateAssociation" => {
            hide_member(request, "parameters");
        }
        "RegisterTaskWithMaintenanceWindow" | "UpdateMaintenanceWindowTask" => {
            hide_member(request, "taskParameters");
        }
        _ => {}
    }
}

/// ACM records no response for `ExportCertificate` (it holds the private key).
fn acm(name: &str, response: &mut Value) {
    if name == "ExportCertificate" {
        *response = Value::Null;
    }
}

fn hide_member(value: &mut Value, name: &str) {
    if let Some(member) = value.get_mut(name) {
        *member = Value::String(HIDDEN.to_owned());
    }
}

fn remove_path(value: &mut Value, path: &[&str]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = value;
    for step in parents {
        match at.get_mut(*step) {
            Some(next) => at = next,
            None => return,
        }
    }
    if let Value::Object(members) = at {
        members.remove(*last);
    }
}

/// Whether a member of this name holds a secret wherever it appears.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    DENIED_NAMES.contains(&lower.as_str()) || DENIED_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

fn holds_secret_key(members: &Map<String, Value>) -> bool {
    members.keys().any(|k| {
        let lower = k.to_ascii_lowercase();
        lower == "secretaccesskey" || lower == "secretkey"
    })
}

/// The safety net: hides every secret-named member at any depth.
fn hide_secrets(value: &mut Value) {
    match value {
        Value::Object(members) => {
            let paired = holds_secret_key(members);
            for (name, child) in members.iter_mut() {
                let token_beside_secret = paired && name.eq_ignore_ascii_case("sessionToken");
                if is_secret_name(name) || token_beside_secret {
                    if !child.is_null() {
                        *child = Value::String(HIDDEN.to_owned());
                    }
                } else {
                    hide_secrets(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(hide_secrets),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn run(source: &str, name: &str, mut req: Value, mut resp: Value) -> (Value, Value) {
        redact(source, name, &mut req, &mut resp);
        (req, resp)
    }

    #[test]
    fn kms_crypto_calls_keep_no_data() {
        let (req, resp) = run(
            "kms.amazonaws.com",
            "Encrypt",
            json!({"keyId": "alias/app", "plaintext": "c2VjcmV0", "encryptionContext": {"app": "x"}}),
            json!({"ciphertextBlob": "AQID", "keyId": "arn:aws:kms:us-east-1:1:key/k"}),
        );
        assert_eq!(
            req,
            json!({"keyId": "alias/app", "encryptionContext": {"app": "x"}})
        );
        assert_eq!(resp, Value::Null);
        let (req, resp) = run(
            "kms.amazonaws.com",
            "Decrypt",
            json!({"ciphertextBlob": "AQID", "encryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
            json!({"plaintext": "c2VjcmV0"}),
        );
        assert_eq!(req, json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}));
        assert_eq!(resp, Value::Null);
        let (_, resp) = run(
            "kms.amazonaws.com",
            "GenerateDataKey",
            json!({}),
            json!({"plaintext": "x", "ciphertextBlob": "y"}),
        );
        assert_eq!(resp, Value::Null);
        let (req, _) = run(
            "kms.amazonaws.com",
            "ImportKeyMaterial",
            json!({"keyId": "k", "encryptedKeyMaterial": "AAA", "importToken": "BBB", "expirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}),
            Value::Null,
        );
        assert_eq!(
            req,
            json!({"keyId": "k", "expirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"})
        );
    }

    #[test]
    fn kms_management_calls_keep_their_response() {
        let (_, resp) = run(
            "kms.amazonaws.com",
            "CreateKey",
            json!({}),
            json!({"keyMetadata": {"keyId": "k"}}),
        );
        assert_eq!(resp, json!({"keyMetadata": {"keyId": "k"}}));
    }

    #[test]
    fn secrets_manager_hides_values() {
        let (_, resp) = run(
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            json!({"secretId": "db"}),
            json!({"secretString": "hunter2", "name": "db"}),
        );
        assert_eq!(resp, Value::Null);
        for op in ["CreateSecret", "PutSecretValue", "UpdateSecret"] {
            let (req, _) = run(
                "secretsmanager.amazonaws.com",
                op,
                json!({"secretId": "db", "secretString": "hunter2", "secretBinary": "AAEC"}),
                json!({"arn": "arn:aws:secretsmanager:us-east-1:1:secret:db"}),
            );
            assert_eq!(
                req,
                json!({"secretId": "db", "secretString": HIDDEN, "secretBinary": HIDDEN})
            );
        }
    }

    #[test]
    fn iam_drops_the_new_secret_key_and_hides_passwords() {
        let (_, resp) = run(
            "iam.amazonaws.com",
            "CreateAccessKey",
            json!({"userName": "alice"}),
            json!({"accessKey": {"accessKeyId": "AKIAX", "secretAccessKey": "s3cr3t", "status": "Active", "userName": "alice"}}),
        );
        assert_eq!(
            resp,
            json!({"accessKey": {"accessKeyId": "AKIAX", "status": "Active", "userName": "alice"}})
        );
        let (req, _) = run(
            "iam.amazonaws.com",
            "CreateLoginProfile",
            json!({"userName": "alice", "password": "P@ss", "passwordResetRequired": true}),
            Value::Null,
        );
        assert_eq!(
            req,
            json!({"userName": "alice", "password": HIDDEN, "passwordResetRequired": true})
        );
        let (req, _) = run(
            "iam.amazonaws.com",
            "ChangePassword",
            json!({"oldPassword": "a", "newPassword": "b"}),
            Value::Null,
        );
        assert_eq!(req, json!({"oldPassword": HIDDEN, "newPassword": HIDDEN}));
    }

    #[test]
    fn sts_keeps_key_id_token_and_expiration_only() {
        let (_, resp) = run(
            "sts.amazonaws.com",
            "AssumeRole",
            json!({"roleArn": "arn:aws:iam::1:role/r", "roleSessionName": "s"}),
            json!({"credentials": {"accessKeyId": "ASIAX", "secretAccessKey": "s3cr3t", "sessionToken": "tok", "expiration": "Nov 22, 2026, 9:00:00 PM"}}),
        );
        assert_eq!(
            resp,
            json!({"credentials": {"accessKeyId": "ASIAX", "sessionToken": "tok", "expiration": "Nov 22, 2026, 9:00:00 PM"}})
        );
        let (req, _) = run(
            "sts.amazonaws.com",
            "AssumeRoleWithWebIdentity",
            json!({"roleArn": "r", "webIdentityToken": "eyJ..."}),
            Value::Null,
        );
        assert_eq!(req["webIdentityToken"], HIDDEN);
        let (req, _) = run(
            "sts.amazonaws.com",
            "AssumeRoleWithSAML",
            json!({"sAMLAssertion": "PHNhbWw+"}),
            Value::Null,
        );
        assert_eq!(req["sAMLAssertion"], HIDDEN);
    }

    #[test]
    fn a_full_credential_set_anywhere_loses_its_token_too() {
        let (_, resp) = run(
            "example.amazonaws.com",
            "Anything",
            Value::Null,
            json!({"creds": {"accessKeyId": "A", "secretAccessKey": "S", "sessionToken": "T"}}),
        );
        assert_eq!(
            resp,
            json!({"creds": {"accessKeyId": "A", "secretAccessKey": HIDDEN, "sessionToken": HIDDEN}})
        );
    }

    #[test]
    fn ssm_hides_secure_values_and_read_responses() {
        let (req, _) = run(
            "ssm.amazonaws.com",
            "PutParameter",
            json!({"name": "/db/pw", "type": "SecureString", "value": "hunter2"}),
            Value::Null,
        );
        assert_eq!(req["value"], HIDDEN);
        let (req, _) = run(
            "ssm.amazonaws.com",
            "PutParameter",
            json!({"name": "/n", "value": "v"}),
            Value::Null,
        );
        assert_eq!(
            req["value"], HIDDEN,
            "type unknown: could be an existing SecureString"
        );
        let (req, _) = run(
            "ssm.amazonaws.com",
            "PutParameter",
            json!({"name": "/n", "type": "String", "value": "v"}),
            Value::Null,
        );
        assert_eq!(req["value"], "v");
        let (_, resp) = run(
            "ssm.amazonaws.com",
            "GetParameter",
            json!({"name": "/db/pw", "withDecryption": true}),
            json!({"parameter": {"value": "hunter2"}}),
        );
        assert_eq!(resp, Value::Null);
        let (req, _) = run(
            "ssm.amazonaws.com",
            "SendCommand",
            json!({"documentName": "AWS-RunShellScript", "parameters": {"commands": ["echo hunter2"]}}),
            Value::Null,
        );
        assert_eq!(req["parameters"], HIDDEN);
        assert_eq!(req["documentName"], "AWS-RunShellScript");
    }

    #[test]
    fn kms_key_agreement_keeps_no_secret() {
        for op in ["Decapsulate", "Encapsulate", "DeriveSharedSecret"] {
            let (req, resp) = run(
                "kms.amazonaws.com",
                op,
                json!({"keyId": "k", "sharedSecretCiphertextBlob": "AAA", "publicKey": "BBB"}),
                json!({"sharedSecret": "c2VjcmV0"}),
            );
            assert_eq!(req, json!({"keyId": "k"}), "{op}");
            assert_eq!(resp, Value::Null, "{op}");
        }
    }

    #[test]
    fn acm_export_and_import_keep_no_private_key() {
        let (req, resp) = run(
            "acm.amazonaws.com",
            "ExportCertificate",
            json!({"certificateArn": "c", "passphrase": "cGFzcw=="}),
            json!({"privateKey": "-----BEGIN"}),
        );
        assert_eq!(req["passphrase"], HIDDEN);
        assert_eq!(resp, Value::Null);
        let (req, _) = run(
            "acm.amazonaws.com",
            "ImportCertificate",
            json!({"privateKey": "k"}),
            Value::Null,
        );
        assert_eq!(req["privateKey"], HIDDEN);
    }

    #[test]
    fn secret_names_match_case_insensitively_and_by_ending() {
        for name in [
            "Password",
            "SECRETACCESSKEY",
            "masterUserPassword",
            "certificatePrivateKey",
            "Plaintext",
            "ApiKeyValue",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "passwordResetRequired",
            "secretId",
            "keyId",
            "name",
            "sessionToken",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    const PLANT: &str = "PLANTED-SECRET";

    fn names() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("keyId".to_owned()),
            Just("name".to_owned()),
            Just("items".to_owned()),
            Just("sessionToken".to_owned()),
            Just("passwordResetRequired".to_owned()),
            prop::sample::select(DENIED_NAMES).prop_map(|n| n.to_owned()),
            (prop::sample::select(DENIED_NAMES), any::<u64>()).prop_map(|(n, mask)| {
                n.chars()
                    .enumerate()
                    .map(|(i, c)| {
                        if mask >> (i % 64) & 1 == 1 {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        }
                    })
                    .collect()
            }),
            Just("MasterUserPassword".to_owned()),
        ]
    }

    fn trees() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::String("leaf".into())),
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
        ];
        leaf.prop_recursive(5, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((names(), inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    /// Puts the planted secret in every string leaf that sits under a secret-named member
    /// (or under a session token beside a secret key); other leaves stay harmless.
    fn plant(value: &mut Value, secret: bool) {
        match value {
            Value::String(s) if secret => *s = PLANT.to_owned(),
            Value::Bool(_) if secret => *value = Value::String(PLANT.to_owned()),
            Value::Object(members) => {
                let paired = holds_secret_key(members);
                for (name, child) in members.iter_mut() {
                    let under = secret
                        || is_secret_name(name)
                        || (paired && name.eq_ignore_ascii_case("sessionToken"));
                    plant(child, under);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| plant(i, secret)),
            _ => {}
        }
    }

    proptest! {
        #[test]
        fn no_planted_secret_survives(
            mut req in trees(),
            mut resp in trees(),
            source in prop::sample::select(vec!["kms.amazonaws.com", "iam.amazonaws.com", "sts.amazonaws.com", "ssm.amazonaws.com", "s3.amazonaws.com"]),
            name in prop::sample::select(vec!["Encrypt", "CreateAccessKey", "AssumeRole", "PutParameter", "PutObject"]),
        ) {
            plant(&mut req, false);
            plant(&mut resp, false);
            redact(source, name, &mut req, &mut resp);
            let text = format!("{req}{resp}");
            prop_assert!(!text.contains(PLANT), "{}", text);
        }
    }
}
