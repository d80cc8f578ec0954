//! Key policies and grants decided as the pipeline decides them: the authorization table's
//! accesses checked by the identity service's enforcer (IAM policies, key policy, grants),
//! then the handler.

use rampart_policy::Context;
use rampart_protocol::AwsError;
use rampart_service::Principal;
use rampart_service::testkit::{ACCOUNT, World as Base};
use serde_json::{Value, json};

struct World {
    base: Base,
}

const ALLOW_KMS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#;

impl World {
    fn new() -> World {
        World {
            base: Base::new(|r| {
                rampart_svc_identity::register(r);
                crate::register(r);
            }),
        }
    }

    /// Calls KMS as `who`, deciding every access first (AccessDeniedException otherwise).
    fn as_(&self, who: &Principal, op: &str, input: Value) -> Result<Value, AwsError> {
        let accesses = self.base.accesses(who, "kms", op, &input)?;
        let enforcer =
            rampart_svc_identity::Enforcer::new(&self.base.env, who, Context::new()).unwrap();
        for access in &accesses {
            enforcer
                .check(access)
                .map_err(|m| AwsError::new("AccessDeniedException", 400, m))?;
        }
        self.base.call_as(who, "kms", op, input)
    }

    /// Calls KMS as `who`, expecting a refusal: the error.
    #[track_caller]
    fn refused(&self, who: &Principal, op: &str, input: Value) -> AwsError {
        match self.as_(who, op, input) {
            Ok(v) => panic!("{op} succeeded: {v}"),
            Err(e) => e,
        }
    }

    /// The root's CreateGrant on `key` to the user `grantee`, with the rest of the input in
    /// `more` (Operations, Constraints, Name, ...).
    fn grant(&self, key: &Value, grantee: &str, more: Value) -> Value {
        let mut input = json!({"KeyId": key, "GranteePrincipal": user_arn(grantee)});
        for (member, value) in more.as_object().unwrap() {
            input[member] = value.clone();
        }
        self.root("CreateGrant", input)
    }

    /// A new key the root creates with `input`: its KeyId.
    fn key(&self, input: Value) -> Value {
        self.root("CreateKey", input)["KeyMetadata"]["KeyId"].clone()
    }

    fn root(&self, op: &str, input: Value) -> Value {
        let root = self.base.root();
        self.as_(&root, op, input)
            .unwrap_or_else(|e| panic!("{op}: {} {}", e.code, e.message))
    }

    fn iam(&self, op: &str, input: Value) -> Value {
        self.base
            .call_as(&self.base.root(), "iam", op, input)
            .unwrap_or_else(|e| panic!("{op}: {} {}", e.code, e.message))
    }

    /// A new IAM user, optionally allowed `kms:*` by an inline policy.
    fn user(&self, name: &str, allow_kms: bool) -> Principal {
        self.iam("CreateUser", json!({"UserName": name}));
        if allow_kms {
            self.iam(
                "PutUserPolicy",
                json!({"UserName": name, "PolicyName": "kms", "PolicyDocument": ALLOW_KMS}),
            );
        }
        let key = self.iam("CreateAccessKey", json!({"UserName": name}));
        let id = key["AccessKey"]["AccessKeyId"].as_str().unwrap();
        rampart_svc_identity::resolve_access_key(&self.base.env, id)
            .unwrap()
            .unwrap()
            .principal
    }
}

fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A policy that keeps the root in charge and adds `extra` statements.
fn policy_with(extra: Value) -> String {
    let mut statements = vec![json!({
        "Sid": "root", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
        "Action": "kms:*", "Resource": "*"
    })];
    statements.extend(extra.as_array().cloned().unwrap_or_default());
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

#[test]
fn keys_without_a_policy_answer_the_default_one() {
    let w = World::new();
    let key = w.key(json!({}));
    let got = w.root(
        "GetKeyPolicy",
        json!({"KeyId": key, "PolicyName": "default"}),
    );
    assert_eq!(got["PolicyName"], "default");
    assert_eq!(
        got["Policy"],
        crate::policy::default_policy("aws", ACCOUNT).as_str()
    );
    assert_eq!(
        w.root("ListKeyPolicies", json!({"KeyId": key})),
        json!({"PolicyNames": ["default"], "Truncated": false})
    );
    let root = w.base.root();
    let e = w.refused(
        &root,
        "GetKeyPolicy",
        json!({"KeyId": key, "PolicyName": "other"}),
    );
    assert_eq!(e.code, "NotFoundException");
}

#[test]
fn malformed_policies_are_refused_with_the_engines_text() {
    let w = World::new();
    let root = w.base.root();
    let key = w.key(json!({}));
    let e = w.refused(
        &root,
        "PutKeyPolicy",
        json!({"KeyId": key, "Policy": "{not json"}),
    );
    assert_eq!(e.code, "MalformedPolicyDocumentException");
    assert_eq!(e.message, "Syntax errors in policy.");
    let e = w.refused(&root, "CreateKey", json!({"Policy": "[]"}));
    assert_eq!(e.code, "MalformedPolicyDocumentException");
}

#[test]
fn the_lockout_safety_check_needs_put_key_policy_for_the_caller() {
    let w = World::new();
    let root = w.base.root();
    let key = w.key(json!({}));
    // A policy naming only someone else locks the caller (root) out.
    let others = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": user_arn("bob")},
        "Action": "kms:*", "Resource": "*"}]})
    .to_string();
    let e = w.refused(
        &root,
        "PutKeyPolicy",
        json!({"KeyId": key, "Policy": others}),
    );
    assert_eq!(
        (e.code.as_ref(), e.message.as_str()),
        (
            "MalformedPolicyDocumentException",
            "The new key policy will not allow you to update the key policy in the future."
        )
    );
    let e = w.refused(&root, "CreateKey", json!({"Policy": others}));
    assert_eq!(e.code, "MalformedPolicyDocumentException");
    // Bypassed, it is accepted, and the root is then really locked out.
    w.root(
        "PutKeyPolicy",
        json!({"KeyId": key, "Policy": others, "BypassPolicyLockoutSafetyCheck": true}),
    );
    assert_eq!(
        w.refused(&root, "DescribeKey", json!({"KeyId": key})).code,
        "AccessDeniedException"
    );
}

#[test]
fn a_key_policy_deny_beats_iam_and_a_direct_allow_needs_no_iam() {
    let w = World::new();
    let alice = w.user("alice", true);
    let bob = w.user("bob", false);
    let policy = policy_with(json!([
        {"Effect": "Deny", "Principal": {"AWS": user_arn("alice")},
         "Action": "kms:Encrypt", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": user_arn("bob")},
         "Action": ["kms:Encrypt", "kms:DescribeKey"], "Resource": "*"},
    ]));
    let key = w.key(json!({"Policy": policy}));
    let encrypt = json!({"KeyId": key, "Plaintext": b64(b"x")});
    // alice's IAM policy allows kms:*, but the key policy denies her Encrypt.
    assert_eq!(
        w.refused(&alice, "Encrypt", encrypt.clone()).code,
        "AccessDeniedException"
    );
    assert!(w.as_(&alice, "DescribeKey", json!({"KeyId": key})).is_ok());
    // bob has no IAM policy; the key policy names him directly.
    assert!(w.as_(&bob, "Encrypt", encrypt).is_ok());
    assert_eq!(
        w.refused(&bob, "GetKeyPolicy", json!({"KeyId": key})).code,
        "AccessDeniedException"
    );
    // A key with the default policy leaves bob (no IAM policy) out, alice in.
    let default = w.key(json!({}));
    let encrypt = json!({"KeyId": default, "Plaintext": b64(b"x")});
    assert_eq!(
        w.refused(&bob, "Encrypt", encrypt.clone()).code,
        "AccessDeniedException"
    );
    assert!(w.as_(&alice, "Encrypt", encrypt).is_ok());
}

#[test]
fn a_grant_lets_its_grantee_use_the_key_until_revoked() {
    let w = World::new();
    let bob = w.user("bob", false);
    let key = w.key(json!({}));
    let blob = w.root(
        "Encrypt",
        json!({"KeyId": key, "Plaintext": b64(b"secret"), "EncryptionContext": {"Dept": "IT"}}),
    )["CiphertextBlob"]
        .clone();
    let decrypt = json!({"CiphertextBlob": blob, "EncryptionContext": {"Dept": "IT"}});
    assert_eq!(
        w.refused(&bob, "Decrypt", decrypt.clone()).code,
        "AccessDeniedException"
    );
    let decrypt_only = json!({"Operations": ["Decrypt"], "Name": "bob-decrypt",
                              "Constraints": {"EncryptionContextSubset": {"Dept": "IT"}}});
    let grant = w.grant(&key, "bob", decrypt_only.clone());
    let grant_id = grant["GrantId"].as_str().unwrap().to_owned();
    assert_eq!(grant_id.len(), 64);
    let with_token = json!({"CiphertextBlob": blob, "EncryptionContext": {"Dept": "IT"},
                            "GrantTokens": [grant["GrantToken"]]});
    assert_eq!(
        w.as_(&bob, "Decrypt", with_token).unwrap()["Plaintext"],
        b64(b"secret")
    );
    assert!(w.as_(&bob, "Decrypt", decrypt.clone()).is_ok());
    // The grant allows Decrypt only, and only under its constraint.
    assert_eq!(
        w.refused(
            &bob,
            "Encrypt",
            json!({"KeyId": key, "Plaintext": b64(b"x")})
        )
        .code,
        "AccessDeniedException"
    );
    let other_context = w.root(
        "Encrypt",
        json!({"KeyId": key, "Plaintext": b64(b"x"), "EncryptionContext": {"Dept": "HR"}}),
    )["CiphertextBlob"]
        .clone();
    assert_eq!(
        w.refused(
            &bob,
            "Decrypt",
            json!({"CiphertextBlob": other_context, "EncryptionContext": {"Dept": "HR"}})
        )
        .code,
        "AccessDeniedException"
    );
    // Same name and parameters: the same grant.
    let again = w.grant(&key, "bob", decrypt_only);
    assert_eq!(again["GrantId"], grant_id.as_str());
    let listed = w.root("ListGrants", json!({"KeyId": key}));
    assert_eq!(listed["Grants"].as_array().unwrap().len(), 1);
    let entry = &listed["Grants"][0];
    assert_eq!(entry["GranteePrincipal"], user_arn("bob").as_str());
    assert_eq!(entry["Operations"], json!(["Decrypt"]));
    assert_eq!(
        entry["Constraints"],
        json!({"EncryptionContextSubset": {"Dept": "IT"}})
    );
    assert_eq!(
        entry["IssuingAccount"],
        format!("arn:aws:iam::{ACCOUNT}:root")
    );
    w.root("RevokeGrant", json!({"KeyId": key, "GrantId": grant_id}));
    assert_eq!(
        w.refused(&bob, "Decrypt", decrypt).code,
        "AccessDeniedException"
    );
    assert_eq!(
        w.refused(
            &w.base.root(),
            "RevokeGrant",
            json!({"KeyId": key, "GrantId": grant_id})
        )
        .code,
        "NotFoundException"
    );
}

#[test]
fn an_explicit_deny_beats_a_grant() {
    let w = World::new();
    let bob = w.user("bob", false);
    w.iam(
        "PutUserPolicy",
        json!({"UserName": "bob", "PolicyName": "deny",
               "PolicyDocument": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:Encrypt","Resource":"*"}]}"#}),
    );
    let key = w.key(json!({}));
    w.grant(
        &key,
        "bob",
        json!({"Operations": ["Encrypt", "DescribeKey"]}),
    );
    assert_eq!(
        w.refused(
            &bob,
            "Encrypt",
            json!({"KeyId": key, "Plaintext": b64(b"x")})
        )
        .code,
        "AccessDeniedException"
    );
    assert!(w.as_(&bob, "DescribeKey", json!({"KeyId": key})).is_ok());
}

#[test]
fn the_retiring_principal_retires_without_any_policy() {
    let w = World::new();
    let carol = w.user("carol", false);
    let key = w.root("CreateKey", json!({}))["KeyMetadata"]["Arn"].clone();
    let grant = w.grant(
        &key,
        "bob",
        json!({"RetiringPrincipal": user_arn("carol"), "Operations": ["Encrypt"]}),
    );
    let retirable = w.root(
        "ListRetirableGrants",
        json!({"RetiringPrincipal": user_arn("carol")}),
    );
    assert_eq!(retirable["Grants"][0]["GrantId"], grant["GrantId"]);
    assert_eq!(retirable["Grants"][0]["KeyId"], key);
    assert!(
        w.as_(
            &carol,
            "RetireGrant",
            json!({"GrantToken": grant["GrantToken"]})
        )
        .is_ok()
    );
    assert_eq!(
        w.root("ListGrants", json!({"KeyId": key}))["Grants"],
        json!([])
    );
    assert_eq!(
        w.refused(
            &w.base.root(),
            "Decrypt",
            json!({"CiphertextBlob": b64(b"x"), "GrantTokens": ["bogus"]})
        )
        .code,
        "InvalidGrantTokenException"
    );
}

#[test]
fn create_grant_names_its_condition_keys() {
    let w = World::new();
    let key = w.key(json!({}));
    let input = json!({"KeyId": key, "GranteePrincipal": user_arn("bob"),
                       "RetiringPrincipal": user_arn("carol"),
                       "Operations": ["Decrypt", "Encrypt"],
                       "Constraints": {"EncryptionContextEquals": {"a": "b"}}});
    let root = w.base.root();
    let accesses = w
        .base
        .accesses(&root, "kms", "CreateGrant", &input)
        .unwrap();
    let c = &accesses[0].context;
    assert_eq!(
        c.get("kms:GrantOperations")
            .unwrap()
            .values()
            .collect::<Vec<_>>(),
        ["Decrypt", "Encrypt"]
    );
    assert_eq!(
        c.single("kms:GranteePrincipal"),
        Some(user_arn("bob").as_str())
    );
    assert_eq!(
        c.single("kms:RetiringPrincipal"),
        Some(user_arn("carol").as_str())
    );
    assert_eq!(c.single("kms:GrantIsForAWSResource"), Some("false"));
    assert_eq!(
        c.get("kms:GrantConstraintType")
            .unwrap()
            .values()
            .collect::<Vec<_>>(),
        ["EncryptionContextEquals"]
    );
    for access in &accesses {
        assert_eq!(rampart_service::testkit::sar_violation(access), None);
    }
}

#[test]
fn grants_must_fit_their_key() {
    let w = World::new();
    let root = w.base.root();
    let symmetric = w.key(json!({}));
    let e = w.refused(
        &root,
        "CreateGrant",
        json!({"KeyId": symmetric, "GranteePrincipal": user_arn("bob"), "Operations": ["Sign"]}),
    );
    assert_eq!(e.code, "ValidationException");
    let signing = w.key(json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}));
    let e = w.refused(
        &root,
        "CreateGrant",
        json!({"KeyId": signing, "GranteePrincipal": user_arn("bob"), "Operations": ["Sign"],
                   "Constraints": {"EncryptionContextSubset": {"a": "b"}}}),
    );
    assert_eq!(e.code, "ValidationException");
    w.grant(
        &signing,
        "bob",
        json!({"Operations": ["Sign", "GetPublicKey", "DescribeKey"]}),
    );
}

#[test]
fn constrained_grants_still_allow_describe_key() {
    // AWS: a grant with an encryption-context constraint may include DescribeKey and
    // RetireGrant, and the constraint does not apply to them.
    let w = World::new();
    let bob = w.user("bob", false);
    let key = w.key(json!({}));
    w.grant(
        &key,
        "bob",
        json!({"Operations": ["Encrypt", "DescribeKey"],
               "Constraints": {"EncryptionContextEquals": {"k": "v"}}}),
    );
    assert!(w.as_(&bob, "DescribeKey", json!({"KeyId": key})).is_ok());
    assert!(
        w.as_(
            &bob,
            "Encrypt",
            json!({"KeyId": key, "Plaintext": b64(b"x"), "EncryptionContext": {"K": "v"}})
        )
        .is_ok(),
        "constraint keys match case-insensitively"
    );
    for context in [
        json!({"k": "V"}),
        json!({"k": "v", "extra": "1"}),
        json!({}),
    ] {
        assert_eq!(
            w.refused(
                &bob,
                "Encrypt",
                json!({"KeyId": key, "Plaintext": b64(b"x"), "EncryptionContext": context})
            )
            .code,
            "AccessDeniedException",
            "{context}"
        );
    }
}

#[test]
fn a_grant_with_create_grant_lets_its_grantee_pass_on_only_what_it_has() {
    let w = World::new();
    let bob = w.user("bob", false);
    let key = w.key(json!({}));
    w.grant(
        &key,
        "bob",
        json!({"Operations": ["Decrypt", "CreateGrant"],
               "Constraints": {"EncryptionContextSubset": {"app": "x"}}}),
    );
    let sub = |ops: Value, constraints: Option<Value>| {
        let mut input =
            json!({"KeyId": key, "GranteePrincipal": user_arn("carol"), "Operations": ops});
        if let Some(c) = constraints {
            input["Constraints"] = c;
        }
        w.as_(&bob, "CreateGrant", input)
    };
    let constraint = json!({"EncryptionContextSubset": {"app": "x"}});
    assert!(sub(json!(["Decrypt"]), Some(constraint.clone())).is_ok());
    for (ops, constraints) in [
        (json!(["Decrypt", "Encrypt"]), Some(constraint)),
        (json!(["Decrypt"]), None),
    ] {
        let e = sub(ops.clone(), constraints).unwrap_err();
        assert_eq!(e.code, "AccessDeniedException", "{ops}");
    }
}

#[test]
fn service_principal_grants_are_refused_by_name() {
    let w = World::new();
    let root = w.base.root();
    let key = w.key(json!({}));
    let e = w.refused(
            &root,
            "CreateGrant",
            json!({"KeyId": key, "GranteeServicePrincipal": "logs.amazonaws.com", "Operations": ["Encrypt"]}),
        );
    assert_eq!(e.code, "UnsupportedOperationException");
    assert!(e.message.contains("GranteeServicePrincipal"));
}

#[test]
fn custom_key_store_operations_take_no_resource() {
    let w = World::new();
    let root = w.base.root();
    for op in [
        "CreateCustomKeyStore",
        "DescribeCustomKeyStores",
        "ConnectCustomKeyStore",
        "DisconnectCustomKeyStore",
        "UpdateCustomKeyStore",
        "DeleteCustomKeyStore",
    ] {
        let accesses = w
            .base
            .accesses(
                &root,
                "kms",
                op,
                &json!({"CustomKeyStoreId": "cks-1234567890abcdef0"}),
            )
            .unwrap();
        assert_eq!(accesses.len(), 1);
        assert_eq!(
            rampart_service::testkit::sar_violation(&accesses[0]),
            None,
            "{op}"
        );
    }
}
