//! The KMS port ([`crate::Keys`]) as Secrets Manager and Parameter Store use it: the accesses it
//! asks on the caller's behalf, AWS managed keys, and key policies that name `kms:ViaService`
//! decided by the identity service's enforcer.

use crate::Keys;
use rampart_policy::Context;
use rampart_protocol::AwsError;
use rampart_service::testkit::{ACCOUNT, World};
use rampart_service::{
    Access, Call, EncryptionContext, Guard, KeyService, OnBehalf, Principal, internal_error,
};
use serde_json::{Value, json};

fn world() -> World {
    World::new(|r| {
        rampart_svc_identity::register(r);
        crate::register(r);
    })
}

/// A request of `principal` in us-east-1 whose on-behalf accesses `guard` decides.
fn call<'a>(
    w: &'a World,
    principal: &'a Principal,
    region: &'a rampart_types::Region,
    guard: &'a dyn Guard,
) -> Call<'a> {
    Call {
        request_id: "port-request",
        principal,
        region,
        source_ip: std::net::IpAddr::from([127, 0, 0, 1]),
        user_agent: "rampart-test",
        env: &w.env,
        guard,
    }
}

fn us_east_1() -> rampart_types::Region {
    "us-east-1".parse().unwrap()
}

fn kms(w: &World, op: &str, input: Value) -> Result<Value, AwsError> {
    w.call_as(&w.root(), "kms", op, input)
}

fn ok(w: &World, op: &str, input: Value) -> Value {
    kms(w, op, input).unwrap_or_else(|e| panic!("{op}: {} {}", e.code, e.message))
}

/// A new key the root creates with `input`: its KeyMetadata `field` (`KeyId` or `Arn`).
fn new_key(w: &World, input: Value, field: &str) -> String {
    ok(w, "CreateKey", input)["KeyMetadata"][field]
        .as_str()
        .unwrap()
        .to_owned()
}

fn secret_context() -> EncryptionContext {
    EncryptionContext::from([
        (
            "SecretARN".to_owned(),
            format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:s-AbCdEf"),
        ),
        ("SecretVersionId".to_owned(), "v1".to_owned()),
    ])
}

fn on_behalf<'a>(
    service: &'a str,
    key_id: Option<&'a str>,
    context: &'a EncryptionContext,
) -> OnBehalf<'a> {
    OnBehalf {
        service,
        key_id,
        context,
    }
}

/// A guard that decides as the pipeline does: the identity service's enforcer for the caller.
struct Enforcing(rampart_svc_identity::Enforcer);

impl Enforcing {
    fn new(w: &World, principal: &Principal) -> Enforcing {
        let context = Context::new().with("aws:ViaAWSService", "false");
        Enforcing(rampart_svc_identity::Enforcer::new(&w.env, principal, context).unwrap())
    }
}

impl Guard for Enforcing {
    fn check(&self, access: &Access) -> Result<(), AwsError> {
        self.0
            .check(access)
            .map_err(|m| AwsError::new("AccessDeniedException", 400, m))
    }
}

/// A guard that refuses everything, to show the check comes before the cryptography.
struct Refusing;

impl Guard for Refusing {
    fn check(&self, _: &Access) -> Result<(), AwsError> {
        Err(internal_error())
    }
}

/// Calls KMS directly as the root, deciding the table's accesses with the enforcer first.
fn direct(w: &World, op: &str, input: Value) -> Result<Value, AwsError> {
    let root = w.root();
    let guard = Enforcing::new(w, &root);
    for access in w.accesses(&root, "kms", op, &input)? {
        guard.check(&access)?;
    }
    kms(w, op, input)
}

fn single<'a>(access: &'a Access, key: &str) -> Option<&'a str> {
    access.context.single(key)
}

#[test]
fn data_keys_ask_what_a_direct_call_asks_plus_the_via_service_keys() {
    let w = world();
    let key = new_key(&w, json!({}), "Arn");
    let root = w.root();
    let region = us_east_1();
    let c = call(&w, &root, &region, &w.guard);
    let context = secret_context();
    let data_key = Keys
        .generate_data_key(&c, &on_behalf("secretsmanager", Some(&key), &context))
        .unwrap();
    assert_eq!(data_key.plaintext.len(), 32);
    assert_eq!(data_key.key_arn, key);
    assert!(!format!("{data_key:?}").contains("plaintext: ["));

    let asked = w.guard.take();
    assert_eq!(asked.len(), 1);
    let access = &asked[0];
    assert_eq!(access.action, "kms:GenerateDataKey");
    assert_eq!(access.resource, key);
    assert!(access.resource_policy.is_some() && access.resource_policy_required);
    assert_eq!(
        single(access, "kms:ViaService"),
        Some("secretsmanager.us-east-1.amazonaws.com")
    );
    assert_eq!(single(access, "aws:ViaAWSService"), Some("true"));
    assert_eq!(
        single(access, "aws:CalledViaFirst"),
        Some("secretsmanager.amazonaws.com")
    );
    assert_eq!(
        single(access, "aws:CalledViaLast"),
        Some("secretsmanager.amazonaws.com")
    );
    assert!(access.context.contains("aws:CalledVia"));
    assert_eq!(single(access, "kms:CallerAccount"), Some(ACCOUNT));
    assert_eq!(
        single(access, "kms:EncryptionContext:SecretVersionId"),
        Some("v1")
    );
    assert!(access.context.contains("kms:EncryptionContextKeys"));

    // The same accesses as the direct call's, plus the via-service keys.
    let direct = w
        .accesses(
            &root,
            "kms",
            "GenerateDataKey",
            &json!({"KeyId": key, "KeySpec": "AES_256", "EncryptionContext": context}),
        )
        .unwrap();
    assert_eq!(direct.len(), 1);
    for (name, value) in direct[0].context.iter() {
        assert_eq!(access.context.get(name), Some(value), "{name}");
    }
    assert!(!direct[0].context.contains("kms:ViaService"));

    // The blob is an ordinary KMS ciphertext: the port and a direct Decrypt both open it.
    let opened = Keys
        .decrypt(
            &c,
            &on_behalf("secretsmanager", Some(&key), &context),
            &data_key.ciphertext_blob,
        )
        .unwrap();
    assert_eq!(*opened, *data_key.plaintext);
    let asked = w.guard.take();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].action, "kms:Decrypt");
    assert_eq!(
        single(&asked[0], "kms:ViaService"),
        Some("secretsmanager.us-east-1.amazonaws.com")
    );
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let out = ok(
        &w,
        "Decrypt",
        json!({"CiphertextBlob": b64.encode(&data_key.ciphertext_blob), "EncryptionContext": context}),
    );
    assert_eq!(out["Plaintext"], b64.encode(&*data_key.plaintext));
}

#[test]
fn encrypt_and_decrypt_through_the_port_bind_the_context() {
    let w = world();
    let key = new_key(&w, json!({}), "KeyId");
    ok(
        &w,
        "CreateAlias",
        json!({"AliasName": "alias/params", "TargetKeyId": key}),
    );
    let root = w.root();
    let region = us_east_1();
    let c = call(&w, &root, &region, &w.guard);
    let context = EncryptionContext::from([(
        "PARAMETER_ARN".to_owned(),
        format!("arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/p"),
    )]);
    let request = on_behalf("ssm", Some("alias/params"), &context);
    let blob = Keys.encrypt(&c, &request, b"hunter2").unwrap();
    let asked = w.guard.take();
    assert_eq!(asked[0].action, "kms:Encrypt");
    assert_eq!(single(&asked[0], "kms:RequestAlias"), Some("alias/params"));
    let aliases = asked[0].context.get("kms:ResourceAliases").unwrap();
    assert_eq!(aliases.values().collect::<Vec<_>>(), ["alias/params"]);
    assert_eq!(
        single(&asked[0], "kms:ViaService"),
        Some("ssm.us-east-1.amazonaws.com")
    );
    let used = ok(&w, "GetKeyLastUsage", json!({"KeyId": key}))["KeyLastUsage"].clone();
    assert_eq!(used["Operation"], "Encrypt");
    assert_eq!(used["KmsRequestId"], "port-request");
    assert_eq!(*Keys.decrypt(&c, &request, &blob).unwrap(), *b"hunter2");
    let used = ok(&w, "GetKeyLastUsage", json!({"KeyId": key}))["KeyLastUsage"].clone();
    assert_eq!(used["Operation"], "Decrypt");
    // Without a key id, the blob names its key.
    let by_blob = on_behalf("ssm", None, &context);
    assert_eq!(*Keys.decrypt(&c, &by_blob, &blob).unwrap(), *b"hunter2");

    let other = EncryptionContext::new();
    let e = Keys
        .decrypt(&c, &on_behalf("ssm", Some(&key), &other), &blob)
        .unwrap_err();
    assert_eq!(e.code, "InvalidCiphertextException");
    let e = Keys.encrypt(&c, &request, &[0; 4097]).unwrap_err();
    assert_eq!(e.code, "ValidationException");
    // The guard decides before any cryptography.
    let refusing = call(&w, &root, &region, &Refusing);
    assert!(Keys.encrypt(&refusing, &request, b"x").is_err());
    assert!(Keys.decrypt(&refusing, &request, &blob).is_err());
}

#[test]
fn key_state_and_usage_errors_are_kms_own() {
    let w = world();
    let root = w.root();
    let region = us_east_1();
    let c = call(&w, &root, &region, &w.guard);
    let context = EncryptionContext::new();
    let encrypt_error = |key: &str| {
        Keys.encrypt(&c, &on_behalf("ssm", Some(key), &context), b"x")
            .unwrap_err()
            .code
    };
    let data_key_error = |key: &str| {
        Keys.generate_data_key(&c, &on_behalf("ssm", Some(key), &context))
            .unwrap_err()
            .code
    };

    let disabled = new_key(&w, json!({}), "KeyId");
    let blob = Keys
        .encrypt(&c, &on_behalf("ssm", Some(&disabled), &context), b"x")
        .unwrap();
    ok(&w, "DisableKey", json!({"KeyId": disabled}));
    assert_eq!(encrypt_error(&disabled), "DisabledException");
    let e = Keys
        .decrypt(&c, &on_behalf("ssm", None, &context), &blob)
        .unwrap_err();
    assert_eq!(e.code, "DisabledException");

    let pending = new_key(&w, json!({}), "KeyId");
    ok(&w, "ScheduleKeyDeletion", json!({"KeyId": pending}));
    assert_eq!(data_key_error(&pending), "KMSInvalidStateException");

    let rsa = new_key(
        &w,
        json!({"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"}),
        "KeyId",
    );
    assert_eq!(data_key_error(&rsa), "InvalidKeyUsageException");
    let hmac = new_key(
        &w,
        json!({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}),
        "KeyId",
    );
    assert_eq!(encrypt_error(&hmac), "InvalidKeyUsageException");

    let e = Keys
        .key_arn(&c, &on_behalf("ssm", Some("alias/none"), &context))
        .unwrap_err();
    assert_eq!(e.code, "NotFoundException");
    assert_eq!(
        encrypt_error("1234abcd-12ab-34cd-56ef-1234567890ab"),
        "NotFoundException"
    );
}

/// The AWS managed key policy of Secrets Manager, as AWS's documentation and GetKeyPolicy on a
/// real account show it (Id `auto-secretsmanager-2`).
fn secrets_manager_policy() -> String {
    format!(
        r#"{{
  "Version" : "2012-10-17",
  "Id" : "auto-secretsmanager-2",
  "Statement" : [ {{
    "Sid" : "Allow access through AWS Secrets Manager for all principals in the account that are authorized to use AWS Secrets Manager",
    "Effect" : "Allow",
    "Principal" : {{
      "AWS" : "*"
    }},
    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:CreateGrant", "kms:DescribeKey" ],
    "Resource" : "*",
    "Condition" : {{
      "StringEquals" : {{
        "kms:CallerAccount" : "{ACCOUNT}",
        "kms:ViaService" : "secretsmanager.us-east-1.amazonaws.com"
      }}
    }}
  }}, {{
    "Sid" : "Allow access through AWS Secrets Manager for all principals in the account that are authorized to use AWS Secrets Manager",
    "Effect" : "Allow",
    "Principal" : {{
      "AWS" : "*"
    }},
    "Action" : "kms:GenerateDataKey*",
    "Resource" : "*",
    "Condition" : {{
      "StringEquals" : {{
        "kms:CallerAccount" : "{ACCOUNT}"
      }},
      "StringLike" : {{
        "kms:ViaService" : "secretsmanager.*.amazonaws.com"
      }}
    }}
  }}, {{
    "Sid" : "Allow direct access to key metadata to the account",
    "Effect" : "Allow",
    "Principal" : {{
      "AWS" : "arn:aws:iam::{ACCOUNT}:root"
    }},
    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant" ],
    "Resource" : "*"
  }} ]
}}"#
    )
}

/// The AWS managed key policy of Parameter Store (Id `auto-ssm-1`).
fn ssm_policy() -> String {
    format!(
        r#"{{
  "Version" : "2012-10-17",
  "Id" : "auto-ssm-1",
  "Statement" : [ {{
    "Sid" : "Allow access through SSM for all principals in the account that are authorized to use SSM",
    "Effect" : "Allow",
    "Principal" : {{
      "AWS" : "*"
    }},
    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey" ],
    "Resource" : "*",
    "Condition" : {{
      "StringEquals" : {{
        "kms:ViaService" : "ssm.us-east-1.amazonaws.com",
        "kms:CallerAccount" : "{ACCOUNT}"
      }}
    }}
  }}, {{
    "Sid" : "Allow direct access to key metadata to the account",
    "Effect" : "Allow",
    "Principal" : {{
      "AWS" : "arn:aws:iam::{ACCOUNT}:root"
    }},
    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant" ],
    "Resource" : "*"
  }} ]
}}"#
    )
}

#[test]
fn aws_managed_keys_are_made_on_first_use_as_aws_makes_them() {
    let w = world();
    let root = w.root();
    let region = us_east_1();
    let c = call(&w, &root, &region, &w.guard);
    let context = secret_context();
    let arn = Keys
        .key_arn(&c, &on_behalf("secretsmanager", None, &context))
        .unwrap();
    let data_key = Keys
        .generate_data_key(&c, &on_behalf("secretsmanager", None, &context))
        .unwrap();
    assert_eq!(data_key.key_arn, arn, "one managed key per service");
    let named = Keys
        .key_arn(
            &c,
            &on_behalf("secretsmanager", Some("alias/aws/secretsmanager"), &context),
        )
        .unwrap();
    assert_eq!(named, arn);

    let meta = ok(
        &w,
        "DescribeKey",
        json!({"KeyId": "alias/aws/secretsmanager"}),
    )["KeyMetadata"]
        .clone();
    assert_eq!(meta["Arn"], arn);
    assert_eq!(meta["KeyManager"], "AWS");
    assert_eq!(
        meta["Description"],
        "Default key that protects my Secrets Manager data when no other key is defined"
    );
    assert_eq!(meta["KeySpec"], "SYMMETRIC_DEFAULT");
    assert_eq!(meta["Origin"], "AWS_KMS");
    let policy = ok(
        &w,
        "GetKeyPolicy",
        json!({"KeyId": arn, "PolicyName": "default"}),
    );
    assert_eq!(policy["Policy"], secrets_manager_policy());
    let rotation = ok(&w, "GetKeyRotationStatus", json!({"KeyId": arn}));
    assert_eq!(rotation["KeyRotationEnabled"], true);
    assert_eq!(rotation["RotationPeriodInDays"], 365);

    let ssm = Keys.key_arn(&c, &on_behalf("ssm", None, &context)).unwrap();
    assert_ne!(ssm, arn);
    let meta = ok(&w, "DescribeKey", json!({"KeyId": "alias/aws/ssm"}))["KeyMetadata"].clone();
    assert_eq!(
        meta["Description"],
        "Default key that protects my SSM parameters when no other key is defined"
    );
    let policy = ok(
        &w,
        "GetKeyPolicy",
        json!({"KeyId": ssm, "PolicyName": "default"}),
    );
    assert_eq!(policy["Policy"], ssm_policy());
    let aliases = ok(&w, "ListAliases", json!({}));
    let names: Vec<&str> = aliases["Aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["AliasName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alias/aws/secretsmanager", "alias/aws/ssm"]);
}

#[test]
fn aws_managed_keys_serve_only_through_their_service_and_refuse_changes() {
    let w = world();
    let root = w.root();
    let region = us_east_1();
    let guard = Enforcing::new(&w, &root);
    let c = call(&w, &root, &region, &guard);
    let context = secret_context();
    let request = on_behalf("secretsmanager", None, &context);
    let data_key = Keys.generate_data_key(&c, &request).unwrap();
    let opened = Keys
        .decrypt(&c, &request, &data_key.ciphertext_blob)
        .unwrap();
    assert_eq!(*opened, *data_key.plaintext);
    // Through another service, the Secrets Manager key refuses.
    let e = Keys
        .decrypt(
            &c,
            &on_behalf("ssm", Some(&data_key.key_arn), &context),
            &data_key.ciphertext_blob,
        )
        .unwrap_err();
    assert_eq!(e.code, "AccessDeniedException");

    use base64::Engine;
    let blob = base64::engine::general_purpose::STANDARD.encode(&data_key.ciphertext_blob);
    let arn = data_key.key_arn.as_str();
    let e = direct(
        &w,
        "Decrypt",
        json!({"CiphertextBlob": blob, "EncryptionContext": context}),
    )
    .unwrap_err();
    assert_eq!(e.code, "AccessDeniedException");
    direct(&w, "DescribeKey", json!({"KeyId": arn})).unwrap();
    direct(
        &w,
        "GetKeyPolicy",
        json!({"KeyId": arn, "PolicyName": "default"}),
    )
    .unwrap();
    for (op, input) in [
        ("ScheduleKeyDeletion", json!({"KeyId": arn})),
        ("DisableKey", json!({"KeyId": arn})),
        ("DisableKeyRotation", json!({"KeyId": arn})),
        (
            "UpdateKeyDescription",
            json!({"KeyId": arn, "Description": "mine"}),
        ),
        (
            "TagResource",
            json!({"KeyId": arn, "Tags": [{"TagKey": "a", "TagValue": "b"}]}),
        ),
        (
            "PutKeyPolicy",
            json!({"KeyId": arn, "PolicyName": "default", "Policy": secrets_manager_policy(),
                   "BypassPolicyLockoutSafetyCheck": true}),
        ),
    ] {
        let e = direct(&w, op, input).unwrap_err();
        assert_eq!(e.code, "AccessDeniedException", "{op}");
    }
    let e = direct(
        &w,
        "CreateAlias",
        json!({"AliasName": "alias/mine", "TargetKeyId": arn}),
    )
    .unwrap_err();
    assert_eq!(e.code, "AccessDeniedException");
}

#[test]
fn key_policies_decide_kms_via_service() {
    let w = world();
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "admin", "Effect": "Allow",
             "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
             "NotAction": "kms:Decrypt", "Resource": "*"},
            {"Sid": "decrypt via secrets manager", "Effect": "Allow",
             "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
             "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}}
        ]
    })
    .to_string();
    let key = new_key(&w, json!({"Policy": policy}), "Arn");
    let root = w.root();
    let region = us_east_1();
    let guard = Enforcing::new(&w, &root);
    let c = call(&w, &root, &region, &guard);
    let context = secret_context();
    let blob = Keys
        .encrypt(
            &c,
            &on_behalf("secretsmanager", Some(&key), &context),
            b"s3cr3t",
        )
        .unwrap();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&blob);
    let e = direct(
        &w,
        "Decrypt",
        json!({"CiphertextBlob": b64, "EncryptionContext": context}),
    )
    .unwrap_err();
    assert_eq!(e.code, "AccessDeniedException");
    let opened = Keys
        .decrypt(
            &c,
            &on_behalf("secretsmanager", Some(&key), &context),
            &blob,
        )
        .unwrap();
    assert_eq!(*opened, *b"s3cr3t");
    let e = Keys
        .decrypt(&c, &on_behalf("ssm", Some(&key), &context), &blob)
        .unwrap_err();
    assert_eq!(e.code, "AccessDeniedException");
}

#[test]
fn keys_of_other_accounts_serve_by_arn_when_their_policy_allows() {
    let w = world();
    let owner = rampart_service::testkit::root_of("222222222222");
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "owner", "Effect": "Allow",
             "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "use by the other account", "Effect": "Allow",
             "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
             "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
             "Resource": "*"}
        ]
    })
    .to_string();
    let made = w
        .call_as(&owner, "kms", "CreateKey", json!({"Policy": policy}))
        .unwrap();
    let key = made["KeyMetadata"]["Arn"].as_str().unwrap().to_owned();
    w.call_as(
        &owner,
        "kms",
        "CreateAlias",
        json!({"AliasName": "alias/shared", "TargetKeyId": key}),
    )
    .unwrap();
    let private = w.call_as(&owner, "kms", "CreateKey", json!({})).unwrap()["KeyMetadata"]["Arn"]
        .as_str()
        .unwrap()
        .to_owned();

    let root = w.root();
    let region = us_east_1();
    let guard = Enforcing::new(&w, &root);
    let c = call(&w, &root, &region, &guard);
    let context = secret_context();
    let by_arn = on_behalf("secretsmanager", Some(&key), &context);
    let data_key = Keys.generate_data_key(&c, &by_arn).unwrap();
    assert_eq!(data_key.key_arn, key);
    let opened = Keys
        .decrypt(&c, &by_arn, &data_key.ciphertext_blob)
        .unwrap();
    assert_eq!(*opened, *data_key.plaintext);
    let alias_arn = "arn:aws:kms:us-east-1:222222222222:alias/shared";
    let by_alias = on_behalf("secretsmanager", Some(alias_arn), &context);
    assert_eq!(Keys.key_arn(&c, &by_alias).unwrap(), key);
    assert!(Keys.encrypt(&c, &by_alias, b"x").is_ok());

    // The owner's default key policy leaves the decision to the owner's account.
    let e = Keys
        .encrypt(&c, &on_behalf("ssm", Some(&private), &context), b"x")
        .unwrap_err();
    assert_eq!(e.code, "AccessDeniedException");
    // Another account's key is never found by its bare id or alias name.
    let bare = key.rsplit_once('/').unwrap().1;
    let e = Keys
        .encrypt(&c, &on_behalf("ssm", Some(bare), &context), b"x")
        .unwrap_err();
    assert_eq!(e.code, "NotFoundException");
    // Management operations stay within the account.
    let e = w
        .call_as(&root, "kms", "DisableKey", json!({"KeyId": key}))
        .unwrap_err();
    assert_eq!(e.code, "NotFoundException");
    assert!(
        w.accesses(&root, "kms", "DisableKey", &json!({"KeyId": key}))
            .unwrap()
            .is_empty()
    );
    let described = w
        .call_as(&root, "kms", "DescribeKey", json!({"KeyId": key}))
        .unwrap();
    assert_eq!(described["KeyMetadata"]["AWSAccountId"], "222222222222");
    // Rotation status and grants are readable by key ARN (not alias ARN) across accounts.
    let status = w
        .call_as(&root, "kms", "GetKeyRotationStatus", json!({"KeyId": key}))
        .unwrap();
    assert_eq!(status["KeyRotationEnabled"], false);
    let grants = w
        .call_as(&root, "kms", "ListGrants", json!({"KeyId": key}))
        .unwrap();
    assert_eq!(grants["Grants"], json!([]));
    let e = w
        .call_as(&root, "kms", "ListGrants", json!({"KeyId": alias_arn}))
        .unwrap_err();
    assert_eq!(e.code, "NotFoundException");
}

#[test]
fn aws_managed_keys_rotate_every_year_and_old_blobs_still_open() {
    let w = world();
    let root = w.root();
    let region = us_east_1();
    let c = call(&w, &root, &region, &w.guard);
    let context = secret_context();
    let request = on_behalf("ssm", None, &context);
    let before = Keys.encrypt(&c, &request, b"old").unwrap();
    let arn = Keys.key_arn(&c, &request).unwrap();
    w.clock
        .advance(std::time::Duration::from_secs(364 * 86_400));
    crate::run_due(&w.env).unwrap();
    let rotations = ok(&w, "ListKeyRotations", json!({"KeyId": arn}));
    assert_eq!(rotations["Rotations"], json!([]));
    w.clock.advance(std::time::Duration::from_secs(2 * 86_400));
    crate::run_due(&w.env).unwrap();
    let rotations = ok(&w, "ListKeyRotations", json!({"KeyId": arn}));
    assert_eq!(rotations["Rotations"].as_array().unwrap().len(), 1);
    assert_eq!(rotations["Rotations"][0]["RotationType"], "AUTOMATIC");
    let after = Keys.encrypt(&c, &request, b"new").unwrap();
    assert_eq!(*Keys.decrypt(&c, &request, &before).unwrap(), *b"old");
    assert_eq!(*Keys.decrypt(&c, &request, &after).unwrap(), *b"new");
}
