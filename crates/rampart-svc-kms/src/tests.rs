//! Operation tests over an in-memory store and a fixed clock.

use rampart_protocol::AwsError;
use rampart_service::testkit::{ACCOUNT, World as Base};
use rampart_store::{Scan, Store, space};
use serde_json::{Value, json};
use std::time::Duration;

/// The shared test world with KMS registered, calling as the account's root.
struct World {
    base: Base,
}

impl World {
    fn new() -> World {
        World {
            base: Base::new(crate::register),
        }
    }

    fn try_in(&self, region: &str, op: &str, input: Value) -> Result<Value, AwsError> {
        self.base
            .call_in(&self.base.root(), region, "kms", op, input)
    }

    fn try_call(&self, op: &str, input: Value) -> Result<Value, AwsError> {
        self.try_in("us-east-1", op, input)
    }

    fn call(&self, op: &str, input: Value) -> Value {
        self.try_call(op, input)
            .unwrap_or_else(|e| panic!("{op}: {} {}", e.code, e.message))
    }

    fn error(&self, op: &str, input: Value) -> AwsError {
        self.try_call(op, input).expect_err("expected an error")
    }

    fn key(&self) -> Value {
        self.call("CreateKey", json!({}))["KeyMetadata"].clone()
    }
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn create_key_reports_aws_metadata() {
    let w = World::new();
    let meta = w.call("CreateKey", json!({"Description": "d"}))["KeyMetadata"].clone();
    let id = meta["KeyId"].as_str().unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(
        meta["Arn"],
        format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{id}")
    );
    assert_eq!(meta["AWSAccountId"], ACCOUNT);
    assert_eq!(meta["CreationDate"], 1_700_000_000.0);
    assert_eq!(meta["KeyState"], "Enabled");
    assert_eq!(meta["Enabled"], true);
    assert_eq!(meta["KeySpec"], "SYMMETRIC_DEFAULT");
    assert_eq!(meta["CustomerMasterKeySpec"], "SYMMETRIC_DEFAULT");
    assert_eq!(meta["KeyUsage"], "ENCRYPT_DECRYPT");
    assert_eq!(meta["EncryptionAlgorithms"], json!(["SYMMETRIC_DEFAULT"]));
    assert_eq!(meta["Origin"], "AWS_KMS");
    assert_eq!(meta["KeyManager"], "CUSTOMER");
    assert_eq!(meta["MultiRegion"], false);
    assert_eq!(meta["Description"], "d");
    let described = w.call("DescribeKey", json!({"KeyId": meta["Arn"]}));
    assert_eq!(described["KeyMetadata"], meta);
}

#[test]
fn create_key_refuses_what_is_not_there_by_name() {
    let w = World::new();
    let e = w.error(
        "CreateKey",
        json!({"KeySpec": "SM2", "KeyUsage": "SIGN_VERIFY"}),
    );
    assert_eq!(e.code, "UnsupportedOperationException");
    assert!(e.message.contains("SM2"));
    let e = w.error("CreateKey", json!({"KeySpec": "NOPE"}));
    assert_eq!(e.code, "ValidationException");
    let e = w.error("CreateKey", json!({"KeyUsage": "SIGN_VERIFY"}));
    assert_eq!(e.code, "ValidationException");
    let e = w.error(
        "CreateKey",
        json!({"KeySpec": "SYMMETRIC_DEFAULT", "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT"}),
    );
    assert_eq!(e.code, "ValidationException");
    let e = w.error(
        "CreateKey",
        json!({"MultiRegion": true, "Origin": "EXTERNAL"}),
    );
    assert_eq!(e.code, "UnsupportedOperationException");
}

#[test]
fn key_material_is_stored_sealed() {
    let w = World::new();
    let key = w.key();
    let space = space::account_region(&ACCOUNT.parse().unwrap(), &"us-east-1".parse().unwrap());
    let items = w
        .base
        .env
        .store
        .scan(&space, "kms.key", &Scan::all())
        .unwrap();
    let record: Value = serde_json::from_slice(&items[0].value).unwrap();
    assert_eq!(record["keyId"], key["KeyId"]);
    let sealed = record["materials"][0]["sealed"].as_str().unwrap();
    // version byte + nonce + 32 bytes + tag, base64: never the 32 raw bytes alone.
    assert_eq!(sealed.len(), (1 + 12 + 32 + 16usize).div_ceil(3) * 4);
}

#[test]
fn encrypt_decrypt_with_context() {
    let w = World::new();
    let key = w.key();
    let ctx = json!({"a": "1", "b": "2"});
    let enc = w.call(
        "Encrypt",
        json!({"KeyId": key["KeyId"], "Plaintext": b64(b"hi"), "EncryptionContext": ctx}),
    );
    assert_eq!(enc["KeyId"], key["Arn"]);
    let dec = w.call(
        "Decrypt",
        json!({"CiphertextBlob": enc["CiphertextBlob"], "EncryptionContext": ctx}),
    );
    assert_eq!(dec["Plaintext"], b64(b"hi"));
    assert_eq!(dec["KeyId"], key["Arn"]);
    assert_eq!(dec["EncryptionAlgorithm"], "SYMMETRIC_DEFAULT");
    let e = w.error(
        "Decrypt",
        json!({"CiphertextBlob": enc["CiphertextBlob"], "EncryptionContext": {"a": "1"}}),
    );
    assert_eq!(
        (e.code.as_ref(), e.message.as_str()),
        ("InvalidCiphertextException", "")
    );
}

#[test]
fn decrypt_checks_the_given_key_and_the_region() {
    let w = World::new();
    let (key, other) = (w.key(), w.key());
    let enc = w.call(
        "Encrypt",
        json!({"KeyId": key["KeyId"], "Plaintext": b64(b"x")}),
    );
    let e = w.error(
        "Decrypt",
        json!({"CiphertextBlob": enc["CiphertextBlob"], "KeyId": other["KeyId"]}),
    );
    assert_eq!(e.code, "IncorrectKeyException");
    let e = w.error(
        "Decrypt",
        json!({"CiphertextBlob": enc["CiphertextBlob"], "KeyId": "11111111-2222-3333-4444-555555555555"}),
    );
    assert_eq!(e.code, "NotFoundException");
    // The same blob in another region names a key that does not exist there.
    let e = w
        .try_in(
            "eu-west-1",
            "Decrypt",
            json!({"CiphertextBlob": enc["CiphertextBlob"]}),
        )
        .unwrap_err();
    assert_eq!(e.code, "InvalidCiphertextException");
    // A key ARN of another region is not found here.
    let arn = key["Arn"]
        .as_str()
        .unwrap()
        .replace("us-east-1", "eu-west-1");
    assert_eq!(
        w.error("DescribeKey", json!({"KeyId": arn})).code,
        "NotFoundException"
    );
}

#[test]
fn errors_never_echo_plaintext() {
    let w = World::new();
    let key = w.key();
    let secret = "S3cr3t-plaintext-".repeat(300);
    let e = w.error(
        "Encrypt",
        json!({"KeyId": key["KeyId"], "Plaintext": b64(secret.as_bytes())}),
    );
    assert_eq!(e.code, "ValidationException");
    assert!(!e.message.contains("S3cr3t") && !e.message.contains(&b64(b"S3cr3t-plaintext-")[..12]));
    let e = w.error(
        "Encrypt",
        json!({"KeyId": "alias/none", "Plaintext": b64(b"S3cr3t")}),
    );
    assert_eq!(e.code, "NotFoundException");
    assert!(!e.message.contains("S3cr3t") && !e.message.contains(&b64(b"S3cr3t")));
}

#[test]
fn data_keys_and_random_lengths() {
    let w = World::new();
    let key = w.key();
    for (input, len) in [
        (json!({"KeySpec": "AES_256"}), 32),
        (json!({"KeySpec": "AES_128"}), 16),
        (json!({"NumberOfBytes": 1}), 1),
        (json!({"NumberOfBytes": 1024}), 1024),
    ] {
        let mut input = input;
        input["KeyId"] = key["KeyId"].clone();
        let dk = w.call("GenerateDataKey", input);
        let dec = w.call("Decrypt", json!({"CiphertextBlob": dk["CiphertextBlob"]}));
        assert_eq!(dec["Plaintext"], dk["Plaintext"]);
        use base64::Engine;
        let plain = base64::engine::general_purpose::STANDARD
            .decode(dk["Plaintext"].as_str().unwrap())
            .unwrap();
        assert_eq!(plain.len(), len);
    }
    for bad in [
        json!({}),
        json!({"NumberOfBytes": 0}),
        json!({"NumberOfBytes": 1025}),
        json!({"KeySpec": "AES_512"}),
        json!({"KeySpec": "AES_256", "NumberOfBytes": 32}),
    ] {
        let mut bad = bad;
        bad["KeyId"] = key["KeyId"].clone();
        assert_eq!(w.error("GenerateDataKey", bad).code, "ValidationException");
    }
    let bare = w.call(
        "GenerateDataKeyWithoutPlaintext",
        json!({"KeyId": key["KeyId"], "KeySpec": "AES_256"}),
    );
    assert!(bare.get("Plaintext").is_none());
    let recipient =
        json!({"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": "AA=="});
    let e = w.error(
        "GenerateDataKey",
        json!({"KeyId": key["KeyId"], "KeySpec": "AES_256", "Recipient": recipient}),
    );
    assert_eq!(e.code, "UnsupportedOperationException");
    let e = w.error(
        "GenerateRandom",
        json!({"NumberOfBytes": 8, "Recipient": recipient}),
    );
    assert_eq!(e.code, "UnsupportedOperationException");
    for n in [0, 1025] {
        assert_eq!(
            w.error("GenerateRandom", json!({"NumberOfBytes": n})).code,
            "ValidationException"
        );
    }
}

#[test]
fn deletion_window_and_due_deletion() {
    let w = World::new();
    let key = w.key();
    for days in [6, 31] {
        let e = w.error(
            "ScheduleKeyDeletion",
            json!({"KeyId": key["KeyId"], "PendingWindowInDays": days}),
        );
        assert_eq!(e.code, "ValidationException");
    }
    let out = w.call("ScheduleKeyDeletion", json!({"KeyId": key["KeyId"]}));
    assert_eq!(out["PendingWindowInDays"], 30);
    assert_eq!(out["DeletionDate"], 1_700_000_000.0 + 30.0 * 86_400.0);
    let e = w.error("ScheduleKeyDeletion", json!({"KeyId": key["KeyId"]}));
    assert_eq!(e.code, "KMSInvalidStateException");
    let e = w.error(
        "TagResource",
        json!({"KeyId": key["KeyId"], "Tags": [{"TagKey": "k", "TagValue": "v"}]}),
    );
    assert_eq!(e.code, "KMSInvalidStateException");
    w.call("CancelKeyDeletion", json!({"KeyId": key["KeyId"]}));
    w.call(
        "CreateAlias",
        json!({"AliasName": "alias/doomed", "TargetKeyId": key["KeyId"]}),
    );
    w.call("ScheduleKeyDeletion", json!({"KeyId": key["KeyId"]}));
    assert_eq!(
        w.call("ListAliases", json!({}))["Aliases"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    w.base.clock.advance(Duration::from_secs(30 * 86_400));
    assert_eq!(w.call("ListAliases", json!({}))["Aliases"], json!([]));
    assert_eq!(
        w.error("DescribeKey", json!({"KeyId": "alias/doomed"}))
            .code,
        "NotFoundException"
    );
    assert_eq!(
        w.error("DescribeKey", json!({"KeyId": key["KeyId"]})).code,
        "NotFoundException"
    );
    assert_eq!(w.call("ListKeys", json!({}))["Keys"], json!([]));
}

#[test]
fn cancel_only_when_pending() {
    let w = World::new();
    let key = w.key();
    let e = w.error("CancelKeyDeletion", json!({"KeyId": key["KeyId"]}));
    assert_eq!(e.code, "KMSInvalidStateException");
    w.call(
        "ScheduleKeyDeletion",
        json!({"KeyId": key["KeyId"], "PendingWindowInDays": 7}),
    );
    w.call("CancelKeyDeletion", json!({"KeyId": key["Arn"]}));
    let meta = w.call("DescribeKey", json!({"KeyId": key["KeyId"]}))["KeyMetadata"].clone();
    assert_eq!(meta["KeyState"], "Disabled");
    assert!(meta.get("DeletionDate").is_none());
}

#[test]
fn alias_names_follow_aws_rules() {
    let w = World::new();
    let key = w.key();
    for (name, code) in [
        ("alias/aws/x", "NotAuthorizedException"),
        ("alias/", "ValidationException"),
        ("nope", "ValidationException"),
        ("alias/sp ace", "ValidationException"),
        ("alias/co:lon", "ValidationException"),
    ] {
        let e = w.error(
            "CreateAlias",
            json!({"AliasName": name, "TargetKeyId": key["KeyId"]}),
        );
        assert_eq!(e.code, code, "{name}");
    }
    w.call(
        "CreateAlias",
        json!({"AliasName": "alias/ok/a/b_c-d", "TargetKeyId": key["Arn"]}),
    );
    // An alias cannot target an alias.
    let e = w.error(
        "CreateAlias",
        json!({"AliasName": "alias/two", "TargetKeyId": "alias/ok/a/b_c-d"}),
    );
    assert_eq!(e.code, "NotFoundException");
    // Keys-only operations refuse an alias.
    let e = w.error("DisableKey", json!({"KeyId": "alias/ok/a/b_c-d"}));
    assert_eq!(e.code, "NotFoundException");
}

#[test]
fn tags_are_validated_and_paged() {
    let w = World::new();
    let key = w.key();
    let e = w.error(
        "TagResource",
        json!({"KeyId": key["KeyId"], "Tags": [{"TagKey": "aws:x", "TagValue": "v"}]}),
    );
    assert_eq!(e.code, "TagException");
    let tags: Vec<Value> = (0..5)
        .map(|i| json!({"TagKey": format!("k{i}"), "TagValue": "v"}))
        .collect();
    w.call("TagResource", json!({"KeyId": key["KeyId"], "Tags": tags}));
    let page = w.call(
        "ListResourceTags",
        json!({"KeyId": key["KeyId"], "Limit": 3}),
    );
    assert_eq!(page["Truncated"], true);
    let rest = w.call(
        "ListResourceTags",
        json!({"KeyId": key["KeyId"], "Marker": page["NextMarker"]}),
    );
    assert_eq!(rest["Tags"].as_array().unwrap().len(), 2);
    assert_eq!(rest["Truncated"], false);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn encrypt_then_decrypt_returns_the_plaintext_only_under_its_context(
            plaintext in proptest::collection::vec(any::<u8>(), 1..=4096),
            context in proptest::collection::btree_map("[a-zA-Z0-9:_-]{1,12}", ".{0,12}", 0..4),
            extra in "[a-z]{1,6}",
        ) {
            let w = World::new();
            let key = w.key();
            let enc = w.call("Encrypt", json!({
                "KeyId": key["Arn"], "Plaintext": b64(&plaintext), "EncryptionContext": context,
            }));
            let dec = w.call("Decrypt", json!({
                "CiphertextBlob": enc["CiphertextBlob"], "EncryptionContext": context,
            }));
            prop_assert_eq!(&dec["Plaintext"], &json!(b64(&plaintext)));
            let mut wrong = context.clone();
            wrong.insert(format!("x-{extra}"), extra.clone());
            let e = w.error("Decrypt", json!({
                "CiphertextBlob": enc["CiphertextBlob"], "EncryptionContext": wrong,
            }));
            prop_assert_eq!(e.code.as_ref(), "InvalidCiphertextException");
        }

        #[test]
        fn accepted_alias_names_are_well_formed(name in "(alias/)?[a-zA-Z0-9:/_ -]{0,20}") {
            let w = World::new();
            let key = w.key();
            let created = w.try_call("CreateAlias", json!({"AliasName": name, "TargetKeyId": key["KeyId"]}));
            let well_formed = name.starts_with("alias/")
                && name.len() > "alias/".len()
                && !name.starts_with("alias/aws/")
                && name.chars().all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c));
            prop_assert_eq!(created.is_ok(), well_formed);
        }
    }
}

#[test]
fn cached_keys_follow_every_change() {
    let w = World::new();
    let key = w.key();
    let encrypt = || {
        w.try_call(
            "Encrypt",
            json!({"KeyId": key["KeyId"], "Plaintext": b64(b"x")}),
        )
    };
    assert!(encrypt().is_ok() && encrypt().is_ok());
    w.call("DisableKey", json!({"KeyId": key["KeyId"]}));
    assert_eq!(encrypt().unwrap_err().code, "DisabledException");
    w.call("EnableKey", json!({"KeyId": key["KeyId"]}));
    let blob = encrypt().unwrap()["CiphertextBlob"].clone();
    w.call(
        "ScheduleKeyDeletion",
        json!({"KeyId": key["KeyId"], "PendingWindowInDays": 7}),
    );
    assert_eq!(encrypt().unwrap_err().code, "KMSInvalidStateException");
    w.call("CancelKeyDeletion", json!({"KeyId": key["KeyId"]}));
    w.call("EnableKey", json!({"KeyId": key["KeyId"]}));
    assert_eq!(
        w.call("Decrypt", json!({"CiphertextBlob": blob}))["Plaintext"],
        b64(b"x")
    );
}

#[test]
fn every_operation_has_an_authorization_rule() {
    assert_eq!(
        World::new().base.operations_without_rules(),
        Vec::<String>::new()
    );
}

#[test]
fn authorization_names_the_key_behind_an_alias_with_its_key_policy() {
    let w = World::new();
    let key = w.key();
    let arn = key["Arn"].as_str().unwrap();
    w.call(
        "CreateAlias",
        json!({"AliasName": "alias/app", "TargetKeyId": key["KeyId"]}),
    );
    let root = w.base.root();
    let input = json!({"KeyId": "alias/app", "Plaintext": b64(b"x"), "EncryptionContext": {"purpose": "test"}});
    let accesses = w.base.accesses(&root, "kms", "Encrypt", &input).unwrap();
    assert_eq!(accesses.len(), 1);
    let access = &accesses[0];
    assert_eq!(
        (access.action.as_str(), access.resource.as_str()),
        ("kms:Encrypt", arn)
    );
    assert!(access.resource_policy_required && access.resource_policy.is_some());
    assert_eq!(access.context.single("kms:RequestAlias"), Some("alias/app"));
    assert_eq!(
        access.context.single("kms:EncryptionContext:purpose"),
        Some("test")
    );
    assert_eq!(access.context.single("kms:CallerAccount"), Some(ACCOUNT));
    assert_eq!(rampart_service::testkit::sar_violation(access), None);

    // An alias operation needs the alias and the key; ReEncrypt needs From and To.
    let alias = w
        .base
        .accesses(
            &root,
            "kms",
            "DeleteAlias",
            &json!({"AliasName": "alias/app"}),
        )
        .unwrap();
    let names: Vec<_> = alias.iter().map(|a| a.resource.as_str()).collect();
    assert_eq!(
        names,
        [
            format!("arn:aws:kms:us-east-1:{ACCOUNT}:alias/app").as_str(),
            arn
        ]
    );
    let blob =
        w.call("Encrypt", json!({"KeyId": arn, "Plaintext": b64(b"x")}))["CiphertextBlob"].clone();
    let re = w
        .base
        .accesses(
            &root,
            "kms",
            "ReEncrypt",
            &json!({"CiphertextBlob": blob, "DestinationKeyId": arn}),
        )
        .unwrap();
    let actions: Vec<_> = re.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["kms:ReEncryptFrom", "kms:ReEncryptTo"]);
    for access in &re {
        assert_eq!(
            access.context.single("kms:ReEncryptOnSameKey"),
            Some("true")
        );
    }
    for access in alias.iter().chain(&re) {
        assert_eq!(rampart_service::testkit::sar_violation(access), None);
    }
    // A key that does not exist asks for nothing: the handler says NotFoundException.
    let ghost = json!({"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"});
    assert!(
        w.base
            .accesses(&root, "kms", "DescribeKey", &ghost)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn rotation_adds_versions_and_old_ciphertexts_still_open() {
    let w = World::new();
    let key = w.key();
    let id = key["KeyId"].clone();
    let old =
        w.call("Encrypt", json!({"KeyId": id, "Plaintext": b64(b"old")}))["CiphertextBlob"].clone();
    assert_eq!(
        w.error(
            "EnableKeyRotation",
            json!({"KeyId": id, "RotationPeriodInDays": 89})
        )
        .code,
        "ValidationException"
    );
    w.call(
        "EnableKeyRotation",
        json!({"KeyId": id, "RotationPeriodInDays": 90}),
    );
    let status = w.call("GetKeyRotationStatus", json!({"KeyId": id}));
    assert_eq!(status["KeyRotationEnabled"], true);
    assert_eq!(status["RotationPeriodInDays"], 90);
    assert_eq!(
        status["NextRotationDate"],
        1_700_000_000.0 + 90.0 * 86_400.0
    );
    w.call("RotateKeyOnDemand", json!({"KeyId": id}));
    // Nothing is due yet.
    assert_eq!(
        crate::run_due(&w.base.env).unwrap(),
        crate::DueReport::default()
    );
    w.base.clock.advance(Duration::from_secs(181 * 86_400));
    assert_eq!(
        crate::run_due(&w.base.env).unwrap(),
        crate::DueReport {
            rotated: 1,
            ..Default::default()
        }
    );
    let rotations = w.call("ListKeyRotations", json!({"KeyId": id}));
    let kinds: Vec<_> = rotations["Rotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["RotationType"].as_str().unwrap(),
                r["RotationDate"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("ON_DEMAND", 1_700_000_000.0),
            ("AUTOMATIC", 1_700_000_000.0 + 90.0 * 86_400.0),
            ("AUTOMATIC", 1_700_000_000.0 + 180.0 * 86_400.0),
        ]
    );
    let new =
        w.call("Encrypt", json!({"KeyId": id, "Plaintext": b64(b"new")}))["CiphertextBlob"].clone();
    for (blob, text) in [(old, b"old"), (new, b"new")] {
        assert_eq!(
            w.call("Decrypt", json!({"CiphertextBlob": blob}))["Plaintext"],
            b64(text)
        );
    }
    w.call("DisableKeyRotation", json!({"KeyId": id}));
    assert_eq!(
        w.call("GetKeyRotationStatus", json!({"KeyId": id}))["KeyRotationEnabled"],
        false
    );
}

#[test]
fn run_due_purges_keys_whose_deletion_came_due() {
    let w = World::new();
    let key = w.key();
    let id = key["KeyId"].clone();
    w.call(
        "CreateAlias",
        json!({"AliasName": "alias/doomed", "TargetKeyId": id}),
    );
    // A key stored before the scheduler's index existed is indexed when work is scheduled.
    let index = w
        .base
        .env
        .store
        .scan(rampart_store::space::SYSTEM, "kms.key-index", &Scan::all())
        .unwrap();
    assert_eq!(index.len(), 1);
    w.base
        .env
        .store
        .commit(rampart_store::Batch::new().delete(index[0].key.clone()))
        .unwrap();
    w.call(
        "ScheduleKeyDeletion",
        json!({"KeyId": id, "PendingWindowInDays": 7}),
    );
    assert_eq!(crate::run_due(&w.base.env).unwrap().purged, 0);
    w.base.clock.advance(Duration::from_secs(7 * 86_400));
    assert_eq!(crate::run_due(&w.base.env).unwrap().purged, 1);
    let space = space::account_region(&ACCOUNT.parse().unwrap(), &"us-east-1".parse().unwrap());
    for table in ["kms.key", "kms.alias"] {
        assert!(
            w.base
                .env
                .store
                .scan(&space, table, &Scan::all())
                .unwrap()
                .is_empty(),
            "{table} still holds the key"
        );
    }
    assert_eq!(
        crate::run_due(&w.base.env).unwrap(),
        crate::DueReport::default()
    );
}

fn key_of(w: &World, spec: &str, usage: &str) -> Value {
    w.call("CreateKey", json!({"KeySpec": spec, "KeyUsage": usage}))["KeyMetadata"].clone()
}

fn unb64(v: &Value) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap())
        .unwrap()
}

#[test]
fn ecdsa_keys_sign_and_verify_raw_and_digest() {
    let w = World::new();
    let meta = key_of(&w, "ECC_NIST_P256", "SIGN_VERIFY");
    assert_eq!(meta["SigningAlgorithms"], json!(["ECDSA_SHA_256"]));
    assert!(meta.get("EncryptionAlgorithms").is_none());
    let id = meta["KeyId"].clone();
    let signed = w.call(
        "Sign",
        json!({"KeyId": id, "Message": b64(b"hello"), "SigningAlgorithm": "ECDSA_SHA_256"}),
    );
    assert_eq!(signed["SigningAlgorithm"], "ECDSA_SHA_256");
    let verified = w.call(
        "Verify",
        json!({"KeyId": id, "Message": b64(b"hello"), "Signature": signed["Signature"],
               "SigningAlgorithm": "ECDSA_SHA_256"}),
    );
    assert_eq!(verified["SignatureValid"], true);
    // The same signature verifies over the message's SHA-256 digest.
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"hello");
    let verified = w.call(
        "Verify",
        json!({"KeyId": id, "Message": b64(digest.as_ref()), "MessageType": "DIGEST",
               "Signature": signed["Signature"], "SigningAlgorithm": "ECDSA_SHA_256"}),
    );
    assert_eq!(verified["SignatureValid"], true);
    let e = w.error(
        "Verify",
        json!({"KeyId": id, "Message": b64(b"hellO"), "Signature": signed["Signature"],
               "SigningAlgorithm": "ECDSA_SHA_256"}),
    );
    assert_eq!(e.code, "KMSInvalidSignatureException");
    let e = w.error(
        "Sign",
        json!({"KeyId": id, "Message": b64(b"x"), "SigningAlgorithm": "RSASSA_PSS_SHA_256"}),
    );
    assert_eq!(e.code, "InvalidKeyUsageException");
    let e = w.error(
        "Sign",
        json!({"KeyId": id, "Message": b64(&[0; 31]), "MessageType": "DIGEST",
               "SigningAlgorithm": "ECDSA_SHA_256"}),
    );
    assert_eq!(e.code, "ValidationException");
    let e = w.error(
        "Sign",
        json!({"KeyId": id, "Message": b64(&[0; 4097]), "SigningAlgorithm": "ECDSA_SHA_256"}),
    );
    assert_eq!(e.code, "ValidationException");
    // Wrong usage for the symmetric operations, in AWS's words.
    let e = w.error("Encrypt", json!({"KeyId": id, "Plaintext": b64(b"x")}));
    assert_eq!(e.code, "InvalidKeyUsageException");
    assert_eq!(
        e.message,
        format!(
            "{} key usage is SIGN_VERIFY which is not valid for Encrypt.",
            meta["Arn"].as_str().unwrap()
        )
    );
    let e = w.error(
        "GenerateDataKey",
        json!({"KeyId": id, "KeySpec": "AES_256"}),
    );
    assert_eq!(e.code, "InvalidKeyUsageException");
    let public = w.call("GetPublicKey", json!({"KeyId": id}));
    assert_eq!(public["KeySpec"], "ECC_NIST_P256");
    assert_eq!(public["KeyUsage"], "SIGN_VERIFY");
    // DER SPKI of a P-256 key: 91 bytes.
    assert_eq!(unb64(&public["PublicKey"]).len(), 91);
    let symmetric = w.key();
    let e = w.error("GetPublicKey", json!({"KeyId": symmetric["KeyId"]}));
    assert_eq!(e.code, "UnsupportedOperationException");
}

#[test]
fn rsa_keys_encrypt_with_oaep_and_sign_with_pss_and_pkcs1() {
    let w = World::new();
    let enc = key_of(&w, "RSA_2048", "ENCRYPT_DECRYPT");
    assert_eq!(
        enc["EncryptionAlgorithms"],
        json!(["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"])
    );
    let id = enc["KeyId"].clone();
    let sealed = w.call(
        "Encrypt",
        json!({"KeyId": id, "Plaintext": b64(b"rsa secret"), "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}),
    );
    assert_eq!(unb64(&sealed["CiphertextBlob"]).len(), 256);
    let opened = w.call(
        "Decrypt",
        json!({"KeyId": id, "CiphertextBlob": sealed["CiphertextBlob"], "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}),
    );
    assert_eq!(opened["Plaintext"], b64(b"rsa secret"));
    assert_eq!(opened["EncryptionAlgorithm"], "RSAES_OAEP_SHA_256");
    let e = w.error(
        "Decrypt",
        json!({"KeyId": id, "CiphertextBlob": sealed["CiphertextBlob"], "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"}),
    );
    assert_eq!(e.code, "InvalidCiphertextException");
    // 190 bytes is RSA_2048's limit with SHA-256.
    let e = w.error(
        "Encrypt",
        json!({"KeyId": id, "Plaintext": b64(&[1; 191]), "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}),
    );
    assert_eq!(e.code, "ValidationException");
    let e = w.error("Encrypt", json!({"KeyId": id, "Plaintext": b64(b"x")}));
    assert_eq!(e.code, "InvalidKeyUsageException");
    let e = w.error(
        "Sign",
        json!({"KeyId": id, "Message": b64(b"x"), "SigningAlgorithm": "RSASSA_PSS_SHA_256"}),
    );
    assert_eq!(e.code, "InvalidKeyUsageException");

    let signing = key_of(&w, "RSA_2048", "SIGN_VERIFY")["KeyId"].clone();
    for algorithm in ["RSASSA_PSS_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"] {
        let s = w.call(
            "Sign",
            json!({"KeyId": signing, "Message": b64(b"m"), "SigningAlgorithm": algorithm}),
        );
        assert_eq!(unb64(&s["Signature"]).len(), 256);
        let v = w.call(
            "Verify",
            json!({"KeyId": signing, "Message": b64(b"m"), "Signature": s["Signature"], "SigningAlgorithm": algorithm}),
        );
        assert_eq!(v["SignatureValid"], true);
    }
}

#[test]
fn hmac_keys_generate_and_verify_macs() {
    let w = World::new();
    let meta = w.call(
        "CreateKey",
        json!({"KeySpec": "HMAC_384", "KeyUsage": "GENERATE_VERIFY_MAC"}),
    )["KeyMetadata"]
        .clone();
    assert_eq!(meta["MacAlgorithms"], json!(["HMAC_SHA_384"]));
    let id = meta["KeyId"].clone();
    let mac = w.call(
        "GenerateMac",
        json!({"KeyId": id, "Message": b64(b"m"), "MacAlgorithm": "HMAC_SHA_384"}),
    );
    assert_eq!(unb64(&mac["Mac"]).len(), 48);
    let ok = w.call(
        "VerifyMac",
        json!({"KeyId": id, "Message": b64(b"m"), "Mac": mac["Mac"], "MacAlgorithm": "HMAC_SHA_384"}),
    );
    assert_eq!(ok["MacValid"], true);
    let e = w.error(
        "VerifyMac",
        json!({"KeyId": id, "Message": b64(b"n"), "Mac": mac["Mac"], "MacAlgorithm": "HMAC_SHA_384"}),
    );
    assert_eq!(e.code, "KMSInvalidMacException");
    let e = w.error(
        "GenerateMac",
        json!({"KeyId": id, "Message": b64(b"m"), "MacAlgorithm": "HMAC_SHA_256"}),
    );
    assert_eq!(e.code, "InvalidKeyUsageException");
    let e = w.error("EnableKeyRotation", json!({"KeyId": id}));
    assert_eq!(e.code, "UnsupportedOperationException");
}

#[test]
fn ecdh_keys_derive_the_same_secret_as_the_peer() {
    let w = World::new();
    let a = key_of(&w, "ECC_NIST_P384", "KEY_AGREEMENT");
    assert_eq!(a["KeyAgreementAlgorithms"], json!(["ECDH"]));
    let b = key_of(&w, "ECC_NIST_P384", "KEY_AGREEMENT");
    let pub_of =
        |k: &Value| w.call("GetPublicKey", json!({"KeyId": k["KeyId"]}))["PublicKey"].clone();
    let ab = w.call(
        "DeriveSharedSecret",
        json!({"KeyId": a["KeyId"], "KeyAgreementAlgorithm": "ECDH", "PublicKey": pub_of(&b)}),
    );
    let ba = w.call(
        "DeriveSharedSecret",
        json!({"KeyId": b["KeyId"], "KeyAgreementAlgorithm": "ECDH", "PublicKey": pub_of(&a)}),
    );
    assert_eq!(ab["SharedSecret"], ba["SharedSecret"]);
    assert_eq!(unb64(&ab["SharedSecret"]).len(), 48);
    let e = w.error(
        "DeriveSharedSecret",
        json!({"KeyId": a["KeyId"], "KeyAgreementAlgorithm": "ECDH", "PublicKey": b64(b"junk")}),
    );
    assert_eq!(e.code, "ValidationException");
}

#[test]
fn data_key_pairs_are_sealed_under_a_symmetric_key() {
    let w = World::new();
    let key = w.key();
    let ctx = json!({"purpose": "pair"});
    let pair = w.call(
        "GenerateDataKeyPair",
        json!({"KeyId": key["KeyId"], "KeyPairSpec": "ECC_NIST_P256", "EncryptionContext": ctx}),
    );
    assert_eq!(pair["KeyPairSpec"], "ECC_NIST_P256");
    let opened = w.call(
        "Decrypt",
        json!({"CiphertextBlob": pair["PrivateKeyCiphertextBlob"], "EncryptionContext": ctx}),
    );
    assert_eq!(opened["Plaintext"], pair["PrivateKeyPlaintext"]);
    let private = rampart_crypto::kms::PrivateKey::from_pkcs8(
        rampart_crypto::kms::AsymmetricSpec::EccNistP256,
        &unb64(&pair["PrivateKeyPlaintext"]),
    )
    .unwrap();
    assert_eq!(private.public_key_der().unwrap(), unb64(&pair["PublicKey"]));
    let without = w.call(
        "GenerateDataKeyPairWithoutPlaintext",
        json!({"KeyId": key["KeyId"], "KeyPairSpec": "RSA_2048"}),
    );
    assert!(without.get("PrivateKeyPlaintext").is_none());
    let e = w.error(
        "GenerateDataKeyPair",
        json!({"KeyId": key["KeyId"], "KeyPairSpec": "SM2"}),
    );
    assert_eq!(e.code, "UnsupportedOperationException");
    let signing = key_of(&w, "ECC_NIST_P256", "SIGN_VERIFY");
    let e = w.error(
        "GenerateDataKeyPair",
        json!({"KeyId": signing["KeyId"], "KeyPairSpec": "ECC_NIST_P256"}),
    );
    assert_eq!(e.code, "InvalidKeyUsageException");
}

#[test]
fn ml_dsa_keys_sign_raw_messages() {
    let w = World::new();
    let meta = key_of(&w, "ML_DSA_65", "SIGN_VERIFY");
    assert_eq!(meta["SigningAlgorithms"], json!(["ML_DSA_SHAKE_256"]));
    let id = meta["KeyId"].clone();
    let s = w.call(
        "Sign",
        json!({"KeyId": id, "Message": b64(b"pq"), "SigningAlgorithm": "ML_DSA_SHAKE_256"}),
    );
    // ML-DSA-65 signatures are 3309 bytes (FIPS 204).
    assert_eq!(unb64(&s["Signature"]).len(), 3309);
    let v = w.call(
        "Verify",
        json!({"KeyId": id, "Message": b64(b"pq"), "Signature": s["Signature"], "SigningAlgorithm": "ML_DSA_SHAKE_256"}),
    );
    assert_eq!(v["SignatureValid"], true);
    let e = w.error(
        "Sign",
        json!({"KeyId": id, "Message": b64(&[0; 32]), "MessageType": "DIGEST", "SigningAlgorithm": "ML_DSA_SHAKE_256"}),
    );
    assert_eq!(e.code, "ValidationException");
    let e = w.error(
        "Sign",
        json!({"KeyId": id, "Message": b64(&[0; 64]), "MessageType": "EXTERNAL_MU", "SigningAlgorithm": "ML_DSA_SHAKE_256"}),
    );
    assert_eq!(e.code, "UnsupportedOperationException");
}

#[test]
fn key_policies_admit_only_the_models_characters() {
    let w = World::new();
    let e = w.error(
        "CreateKey",
        json!({"Policy": "{\"Version\":\"2012-10-17\",\"Id\":\"\u{263a}\"}"}),
    );
    assert_eq!(e.code, "ValidationException");
}

#[test]
fn re_encrypt_moves_between_symmetric_and_rsa_keys() {
    let w = World::new();
    let symmetric = w.key()["KeyId"].clone();
    let rsa = key_of(&w, "RSA_3072", "ENCRYPT_DECRYPT")["KeyId"].clone();
    let blob = w.call(
        "Encrypt",
        json!({"KeyId": symmetric, "Plaintext": b64(b"moving"), "EncryptionContext": {"a": "b"}}),
    )["CiphertextBlob"]
        .clone();
    let to_rsa = w.call(
        "ReEncrypt",
        json!({"CiphertextBlob": blob, "SourceEncryptionContext": {"a": "b"},
               "DestinationKeyId": rsa, "DestinationEncryptionAlgorithm": "RSAES_OAEP_SHA_256"}),
    );
    assert_eq!(to_rsa["SourceEncryptionAlgorithm"], "SYMMETRIC_DEFAULT");
    assert_eq!(
        to_rsa["DestinationEncryptionAlgorithm"],
        "RSAES_OAEP_SHA_256"
    );
    assert_eq!(unb64(&to_rsa["CiphertextBlob"]).len(), 384);
    let back = w.call(
        "ReEncrypt",
        json!({"CiphertextBlob": to_rsa["CiphertextBlob"], "SourceKeyId": rsa,
               "SourceEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "DestinationKeyId": symmetric}),
    );
    assert_eq!(
        w.call("Decrypt", json!({"CiphertextBlob": back["CiphertextBlob"]}))["Plaintext"],
        b64(b"moving")
    );
    // An RSA destination takes no encryption context.
    let e = w.error(
        "ReEncrypt",
        json!({"CiphertextBlob": back["CiphertextBlob"], "DestinationKeyId": rsa,
               "DestinationEncryptionAlgorithm": "RSAES_OAEP_SHA_1",
               "DestinationEncryptionContext": {"x": "y"}}),
    );
    assert_eq!(e.code, "ValidationException");
}

/// Wraps `material` with the public half of GetParametersForImport's answer, as a caller does:
/// the test only has the public key, so it goes through `cryptography`-like steps with
/// aws-lc-rs (RSA-OAEP SHA-256, then for RSA_AES_KEY_WRAP an AES-KWP layer).
fn wrap_for_import(public_der: &[u8], algorithm: &str, material: &[u8]) -> Vec<u8> {
    use aws_lc_rs::rsa::{OAEP_SHA256_MGF1SHA256, OaepPublicEncryptingKey, PublicEncryptingKey};
    let public =
        OaepPublicEncryptingKey::new(PublicEncryptingKey::from_der(public_der).unwrap()).unwrap();
    let encrypt = |plaintext: &[u8]| {
        let mut out = vec![0u8; public.ciphertext_size()];
        public
            .encrypt(&OAEP_SHA256_MGF1SHA256, plaintext, &mut out, None)
            .unwrap()
            .to_vec()
    };
    match algorithm {
        "RSAES_OAEP_SHA_256" => encrypt(material),
        "RSA_AES_KEY_WRAP_SHA_256" => {
            use aws_lc_rs::key_wrap::{AES_256, AesKek, KeyWrapPadded};
            let aes = [0x33u8; 32];
            let mut out = encrypt(&aes);
            let mut wrapped = vec![0u8; material.len() + 16];
            let kek = AesKek::new(&AES_256, &aes).unwrap();
            let len = kek.wrap_with_padding(material, &mut wrapped).unwrap().len();
            out.extend_from_slice(&wrapped[..len]);
            out
        }
        _ => unreachable!(),
    }
}

#[test]
fn imported_material_encrypts_expires_and_reimports_only_the_same() {
    let w = World::new();
    let meta = w.call("CreateKey", json!({"Origin": "EXTERNAL"}))["KeyMetadata"].clone();
    assert_eq!(meta["KeyState"], "PendingImport");
    assert_eq!(meta["Origin"], "EXTERNAL");
    let id = meta["KeyId"].clone();
    assert_eq!(
        w.error("Encrypt", json!({"KeyId": id, "Plaintext": b64(b"x")}))
            .code,
        "KMSInvalidStateException"
    );
    let material = [0x5cu8; 32];
    let import = |algorithm: &str, material: &[u8], extra: Value| {
        let params = w.call(
            "GetParametersForImport",
            json!({"KeyId": id, "WrappingAlgorithm": algorithm, "WrappingKeySpec": "RSA_2048"}),
        );
        let mut input = json!({
            "KeyId": id,
            "ImportToken": params["ImportToken"],
            "EncryptedKeyMaterial": b64(&wrap_for_import(&unb64(&params["PublicKey"]), algorithm, material)),
        });
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        w.try_call("ImportKeyMaterial", input)
    };
    let e = import("RSAES_OAEP_SHA_256", &material, json!({})).unwrap_err();
    assert_eq!(
        e.code, "ValidationException",
        "ValidTo is required by default"
    );
    let valid_to = 1_700_000_000.0 + 10.0 * 86_400.0;
    import(
        "RSAES_OAEP_SHA_256",
        &material,
        json!({"ValidTo": valid_to}),
    )
    .unwrap();
    let described = w.call("DescribeKey", json!({"KeyId": id}))["KeyMetadata"].clone();
    assert_eq!(described["KeyState"], "Enabled");
    assert_eq!(described["ExpirationModel"], "KEY_MATERIAL_EXPIRES");
    assert_eq!(described["ValidTo"], valid_to);
    let blob = w.call(
        "Encrypt",
        json!({"KeyId": id, "Plaintext": b64(b"imported")}),
    )["CiphertextBlob"]
        .clone();

    // The material expires: the key waits for an import again, and run_due records it.
    w.base.clock.advance(Duration::from_secs(10 * 86_400));
    assert_eq!(
        w.call("DescribeKey", json!({"KeyId": id}))["KeyMetadata"]["KeyState"],
        "PendingImport"
    );
    assert_eq!(crate::run_due(&w.base.env).unwrap().expired, 1);
    assert_eq!(
        w.error("Decrypt", json!({"CiphertextBlob": blob})).code,
        "KMSInvalidStateException"
    );
    // Only the same material comes back, and then old ciphertexts decrypt again.
    let e = import(
        "RSA_AES_KEY_WRAP_SHA_256",
        &[0x11; 32],
        json!({"ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}),
    )
    .unwrap_err();
    assert_eq!(e.code, "IncorrectKeyMaterialException");
    import(
        "RSA_AES_KEY_WRAP_SHA_256",
        &material,
        json!({"ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}),
    )
    .unwrap();
    assert_eq!(
        w.call("Decrypt", json!({"CiphertextBlob": blob}))["Plaintext"],
        b64(b"imported")
    );
    w.call("DeleteImportedKeyMaterial", json!({"KeyId": id}));
    assert_eq!(
        w.call("DescribeKey", json!({"KeyId": id}))["KeyMetadata"]["KeyState"],
        "PendingImport"
    );
    // A token of another request, a wrong-length material, a key of origin AWS_KMS.
    let e = w.error(
        "ImportKeyMaterial",
        json!({"KeyId": id, "ImportToken": b64(b"forged"), "EncryptedKeyMaterial": b64(&[0; 256]),
               "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}),
    );
    assert_eq!(e.code, "InvalidImportTokenException");
    let e = import(
        "RSAES_OAEP_SHA_256",
        &[1; 16],
        json!({"ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}),
    )
    .unwrap_err();
    assert_eq!(e.code, "IncorrectKeyMaterialException");
    let own = w.key();
    let e = w.error(
        "GetParametersForImport",
        json!({"KeyId": own["KeyId"], "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}),
    );
    assert_eq!(e.code, "UnsupportedOperationException");
    let e = w.error("EnableKeyRotation", json!({"KeyId": id}));
    assert_eq!(e.code, "UnsupportedOperationException");
}

#[test]
fn import_tokens_expire_after_a_day() {
    let w = World::new();
    let id = w.call("CreateKey", json!({"Origin": "EXTERNAL"}))["KeyMetadata"]["KeyId"].clone();
    let params = w.call(
        "GetParametersForImport",
        json!({"KeyId": id, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}),
    );
    assert_eq!(params["ParametersValidTo"], 1_700_000_000.0 + 86_400.0);
    w.base.clock.advance(Duration::from_secs(86_400));
    let e = w.error(
        "ImportKeyMaterial",
        json!({"KeyId": id, "ImportToken": params["ImportToken"],
               "EncryptedKeyMaterial": b64(&wrap_for_import(&unb64(&params["PublicKey"]), "RSAES_OAEP_SHA_256", &[7; 32])),
               "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}),
    );
    assert_eq!(e.code, "ExpiredImportTokenException");
}

#[test]
fn multi_region_keys_replicate_and_decrypt_across_regions() {
    let w = World::new();
    let meta = w.call("CreateKey", json!({"MultiRegion": true}))["KeyMetadata"].clone();
    let id = meta["KeyId"].as_str().unwrap().to_owned();
    assert!(id.starts_with("mrk-") && id.len() == 36, "{id}");
    assert_eq!(meta["MultiRegion"], true);
    assert_eq!(
        meta["MultiRegionConfiguration"],
        json!({"MultiRegionKeyType": "PRIMARY",
               "PrimaryKey": {"Arn": meta["Arn"], "Region": "us-east-1"},
               "ReplicaKeys": []})
    );
    let blob = w.call(
        "Encrypt",
        json!({"KeyId": id, "Plaintext": b64(b"everywhere"), "EncryptionContext": {"a": "b"}}),
    )["CiphertextBlob"]
        .clone();
    let replica = w.call(
        "ReplicateKey",
        json!({"KeyId": id, "ReplicaRegion": "eu-west-1", "Description": "replica",
               "Tags": [{"TagKey": "t", "TagValue": "v"}]}),
    );
    let replica_arn = format!("arn:aws:kms:eu-west-1:{ACCOUNT}:key/{id}");
    assert_eq!(replica["ReplicaKeyMetadata"]["Arn"], replica_arn.as_str());
    assert_eq!(
        replica["ReplicaKeyMetadata"]["MultiRegionConfiguration"]["MultiRegionKeyType"],
        "REPLICA"
    );
    assert_eq!(
        replica["ReplicaTags"],
        json!([{"TagKey": "t", "TagValue": "v"}])
    );
    assert!(
        replica["ReplicaPolicy"]
            .as_str()
            .unwrap()
            .contains("key-default-1")
    );
    // The primary's ciphertext decrypts in the replica's Region, and the reverse.
    let opened = w
        .try_in(
            "eu-west-1",
            "Decrypt",
            json!({"CiphertextBlob": blob, "EncryptionContext": {"a": "b"}}),
        )
        .unwrap();
    assert_eq!(opened["Plaintext"], b64(b"everywhere"));
    assert_eq!(opened["KeyId"], replica_arn.as_str());
    let back = w
        .try_in(
            "eu-west-1",
            "Encrypt",
            json!({"KeyId": id, "Plaintext": b64(b"back")}),
        )
        .unwrap()["CiphertextBlob"]
        .clone();
    assert_eq!(
        w.call("Decrypt", json!({"CiphertextBlob": back, "KeyId": id}))["Plaintext"],
        b64(b"back")
    );
    let primary =
        w.call("DescribeKey", json!({"KeyId": id}))["KeyMetadata"]["MultiRegionConfiguration"]
            .clone();
    assert_eq!(
        primary["ReplicaKeys"],
        json!([{"Arn": replica_arn, "Region": "eu-west-1"}])
    );
    // One replica per Region; a replica does not replicate; a single-Region key neither.
    let e = w.error(
        "ReplicateKey",
        json!({"KeyId": id, "ReplicaRegion": "eu-west-1"}),
    );
    assert_eq!(e.code, "AlreadyExistsException");
    let e = w
        .try_in(
            "eu-west-1",
            "ReplicateKey",
            json!({"KeyId": id, "ReplicaRegion": "ap-south-1"}),
        )
        .unwrap_err();
    assert_eq!(e.code, "UnsupportedOperationException");
    let single = w.key();
    let e = w.error(
        "ReplicateKey",
        json!({"KeyId": single["KeyId"], "ReplicaRegion": "eu-west-1"}),
    );
    assert_eq!(e.code, "UnsupportedOperationException");
    // The primary cannot go while it has replicas; the replica can.
    let e = w.error("ScheduleKeyDeletion", json!({"KeyId": id}));
    assert_eq!(e.code, "KMSInvalidStateException");

    // Swap the primary, then delete the old primary (now a replica).
    w.call(
        "UpdatePrimaryRegion",
        json!({"KeyId": id, "PrimaryRegion": "eu-west-1"}),
    );
    let here =
        w.call("DescribeKey", json!({"KeyId": id}))["KeyMetadata"]["MultiRegionConfiguration"]
            .clone();
    assert_eq!(here["MultiRegionKeyType"], "REPLICA");
    assert_eq!(here["PrimaryKey"]["Region"], "eu-west-1");
    w.call(
        "ScheduleKeyDeletion",
        json!({"KeyId": id, "PendingWindowInDays": 7}),
    );
    w.base.clock.advance(Duration::from_secs(7 * 86_400));
    assert_eq!(crate::run_due(&w.base.env).unwrap().purged, 1);
    let there = w
        .try_in("eu-west-1", "DescribeKey", json!({"KeyId": id}))
        .unwrap()["KeyMetadata"]["MultiRegionConfiguration"]
        .clone();
    assert_eq!(there["MultiRegionKeyType"], "PRIMARY");
    assert_eq!(there["ReplicaKeys"], json!([]));
}

#[test]
fn multi_region_accesses_name_their_condition_keys() {
    let w = World::new();
    let id = w.call("CreateKey", json!({"MultiRegion": true}))["KeyMetadata"]["KeyId"].clone();
    let root = w.base.root();
    let accesses = w
        .base
        .accesses(
            &root,
            "kms",
            "ReplicateKey",
            &json!({"KeyId": id, "ReplicaRegion": "eu-west-1"}),
        )
        .unwrap();
    let actions: Vec<_> = accesses.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["kms:ReplicateKey", "kms:CreateKey"]);
    assert_eq!(
        accesses[0].context.single("kms:ReplicaRegion"),
        Some("eu-west-1")
    );
    assert_eq!(
        accesses[0].context.single("kms:MultiRegionKeyType"),
        Some("PRIMARY")
    );
    for access in &accesses {
        assert_eq!(rampart_service::testkit::sar_violation(access), None);
    }
    let update = w
        .base
        .accesses(
            &root,
            "kms",
            "UpdatePrimaryRegion",
            &json!({"KeyId": id, "PrimaryRegion": "eu-west-1"}),
        )
        .unwrap();
    assert_eq!(
        update[0].context.single("kms:PrimaryRegion"),
        Some("eu-west-1")
    );
    assert_eq!(rampart_service::testkit::sar_violation(&update[0]), None);
}

#[test]
fn ml_kem_keys_encapsulate_and_decapsulate() {
    let w = World::new();
    let meta = w.call("CreateKey", json!({"KeySpec": "ML_KEM_768"}))["KeyMetadata"].clone();
    assert_eq!(meta["KeyUsage"], "ENCAPSULATE_DECAPSULATE");
    assert_eq!(meta["EncapsulationAlgorithms"], json!(["ML_KEM"]));
    let id = meta["KeyId"].clone();
    let public = w.call("GetPublicKey", json!({"KeyId": id}));
    assert_eq!(unb64(&public["PublicKey"]).len(), 1206);
    assert_eq!(public["EncapsulationAlgorithms"], json!(["ML_KEM"]));
    let sealed = w.call(
        "Encapsulate",
        json!({"KeyId": id, "EncapsulationAlgorithm": "ML_KEM"}),
    );
    let opened = w.call(
        "Decapsulate",
        json!({"KeyId": id, "EncapsulationAlgorithm": "ML_KEM",
               "SharedSecretCiphertextBlob": sealed["SharedSecretCiphertextBlob"]}),
    );
    assert_eq!(opened["SharedSecret"], sealed["SharedSecret"]);
    assert_eq!(unb64(&opened["SharedSecret"]).len(), 32);
    // The policy catalog does not know kms:Encapsulate and kms:Decapsulate yet (they are
    // newer than its Service Authorization Reference); the accesses name the key all the same.
    let root = w.base.root();
    for op in ["Encapsulate", "Decapsulate"] {
        let input = json!({"KeyId": id, "EncapsulationAlgorithm": "ML_KEM"});
        let accesses = w.base.accesses(&root, "kms", op, &input).unwrap();
        assert_eq!(accesses[0].action, format!("kms:{op}"));
        assert_eq!(accesses[0].resource, meta["Arn"].as_str().unwrap());
    }
    let e = w.error(
        "Decapsulate",
        json!({"KeyId": id, "EncapsulationAlgorithm": "ML_KEM", "SharedSecretCiphertextBlob": b64(&[0; 10])}),
    );
    assert_eq!(e.code, "InvalidCiphertextException");
    let e = w.error(
        "Sign",
        json!({"KeyId": id, "Message": b64(b"x"), "SigningAlgorithm": "ECDSA_SHA_256"}),
    );
    assert_eq!(e.code, "InvalidKeyUsageException");
}

#[test]
fn ed25519_keys_sign_raw_messages_and_name_the_prehash_variant() {
    let w = World::new();
    let e = w.error(
        "CreateKey",
        json!({"KeySpec": "ECC_NIST_EDWARDS25519", "KeyUsage": "KEY_AGREEMENT"}),
    );
    assert_eq!(e.code, "ValidationException");
    let meta = key_of(&w, "ECC_NIST_EDWARDS25519", "SIGN_VERIFY");
    assert_eq!(
        meta["SigningAlgorithms"],
        json!(["ED25519_SHA_512", "ED25519_PH_SHA_512"])
    );
    let id = meta["KeyId"].clone();
    let public = w.call("GetPublicKey", json!({"KeyId": id}));
    assert_eq!(public["KeySpec"], "ECC_NIST_EDWARDS25519");
    let der = unb64(&public["PublicKey"]);
    // SubjectPublicKeyInfo of id-Ed25519 (1.3.101.112) and the 32-byte key.
    assert_eq!(der.len(), 44);
    assert_eq!(
        &der[..12],
        &[
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
        ]
    );

    let signed = w.call(
        "Sign",
        json!({"KeyId": id, "Message": b64(b"hello"), "SigningAlgorithm": "ED25519_SHA_512"}),
    );
    let signature = unb64(&signed["Signature"]);
    assert_eq!(signature.len(), 64);
    let peer =
        aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ED25519, &der[12..]);
    peer.verify(b"hello", &signature).unwrap();
    let verified = w.call(
        "Verify",
        json!({"KeyId": id, "Message": b64(b"hello"), "Signature": signed["Signature"],
               "SigningAlgorithm": "ED25519_SHA_512"}),
    );
    assert_eq!(verified["SignatureValid"], true);
    let e = w.error(
        "Verify",
        json!({"KeyId": id, "Message": b64(b"hellO"), "Signature": signed["Signature"],
               "SigningAlgorithm": "ED25519_SHA_512"}),
    );
    assert_eq!(e.code, "KMSInvalidSignatureException");
    // Each algorithm takes one message type only.
    let e = w.error(
        "Sign",
        json!({"KeyId": id, "Message": b64(&[0; 64]), "MessageType": "DIGEST",
               "SigningAlgorithm": "ED25519_SHA_512"}),
    );
    assert_eq!(e.code, "ValidationException");
    let e = w.error(
        "Sign",
        json!({"KeyId": id, "Message": b64(b"hello"), "SigningAlgorithm": "ED25519_PH_SHA_512"}),
    );
    assert_eq!(e.code, "ValidationException");
    // Ed25519ph is refused by name (aws-lc-rs has no Ed25519ph).
    let e = w.error(
        "Sign",
        json!({"KeyId": id, "Message": b64(&[0; 64]), "MessageType": "DIGEST",
               "SigningAlgorithm": "ED25519_PH_SHA_512"}),
    );
    assert_eq!(e.code, "UnsupportedOperationException");
    let e = w.error(
        "Sign",
        json!({"KeyId": id, "Message": b64(b"x"), "SigningAlgorithm": "ECDSA_SHA_256"}),
    );
    assert_eq!(e.code, "InvalidKeyUsageException");

    // Ed25519 data key pairs: a PKCS #8 private key sealed under a symmetric key.
    let symmetric = w.key()["KeyId"].clone();
    let pair = w.call(
        "GenerateDataKeyPair",
        json!({"KeyId": symmetric, "KeyPairSpec": "ECC_NIST_EDWARDS25519"}),
    );
    assert_eq!(pair["KeyPairSpec"], "ECC_NIST_EDWARDS25519");
    let private = unb64(&pair["PrivateKeyPlaintext"]);
    let parsed = aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8(&private).unwrap();
    use aws_lc_rs::signature::KeyPair;
    assert!(unb64(&pair["PublicKey"]).ends_with(parsed.public_key().as_ref()));
}

#[test]
fn every_key_access_carries_the_keys_aliases() {
    let w = World::new();
    let id = w.key()["KeyId"].as_str().unwrap().to_owned();
    let aliases_of = |w: &World, op: &str, input: Value| -> Option<Vec<String>> {
        let accesses = w.base.accesses(&w.base.root(), "kms", op, &input).unwrap();
        accesses[0]
            .context
            .get("kms:ResourceAliases")
            .map(|v| v.values().map(str::to_owned).collect())
    };
    let encrypt = json!({"KeyId": id, "Plaintext": b64(b"x")});
    assert_eq!(aliases_of(&w, "Encrypt", encrypt.clone()), None);
    w.call(
        "CreateAlias",
        json!({"AliasName": "alias/b", "TargetKeyId": id}),
    );
    w.call(
        "CreateAlias",
        json!({"AliasName": "alias/a", "TargetKeyId": id}),
    );
    let other = w.key()["KeyId"].clone();
    w.call(
        "CreateAlias",
        json!({"AliasName": "alias/c", "TargetKeyId": other}),
    );
    let both = Some(vec!["alias/a".to_owned(), "alias/b".to_owned()]);
    assert_eq!(aliases_of(&w, "Encrypt", encrypt.clone()), both);
    assert_eq!(
        aliases_of(&w, "DescribeKey", json!({"KeyId": "alias/a"})),
        both
    );
    w.call("DeleteAlias", json!({"AliasName": "alias/a"}));
    assert_eq!(
        aliases_of(&w, "Encrypt", encrypt),
        Some(vec!["alias/b".to_owned()])
    );
}
