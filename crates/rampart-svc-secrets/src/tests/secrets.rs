use super::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::time::Duration;

#[test]
fn create_then_read_by_name_full_and_partial_arn() {
    let (w, _) = world();
    let out = ok(
        &w,
        "CreateSecret",
        json!({"Name": "prod/db", "SecretString": "s3cr3t", "Description": "the db",
               "ClientRequestToken": tok(1), "Tags": [{"Key": "team", "Value": "red"}]}),
    );
    let arn = out["ARN"].as_str().unwrap();
    let prefix = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-";
    assert!(arn.starts_with(prefix), "{arn}");
    let suffix = &arn[prefix.len()..];
    assert_eq!(suffix.len(), 6);
    assert!(suffix.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(out["VersionId"], tok(1));
    for id in ["prod/db", arn, &arn[..arn.len() - 7]] {
        let got = ok(&w, "GetSecretValue", json!({"SecretId": id}));
        assert_eq!(got["SecretString"], "s3cr3t", "{id}");
        assert_eq!(got["VersionStages"], json!(["AWSCURRENT"]));
        assert_eq!(got["ARN"], arn);
    }
    // A full ARN with the wrong suffix names nothing.
    let wrong = format!("{prefix}ZZZZZZ");
    assert_eq!(
        err(&w, "GetSecretValue", json!({"SecretId": wrong})).code,
        "ResourceNotFoundException"
    );
    let d = ok(&w, "DescribeSecret", json!({"SecretId": "prod/db"}));
    assert_eq!(d["Description"], "the db");
    assert_eq!(d["Tags"], json!([{"Key": "team", "Value": "red"}]));
    assert_eq!(d["VersionIdsToStages"], json!({tok(1): ["AWSCURRENT"]}));
    assert_eq!(d["PrimaryRegion"], "us-east-1");
    assert!(d.get("KmsKeyId").is_none());
    assert!(d.get("DeletedDate").is_none());
}

#[test]
fn values_are_encrypted_under_kms_with_the_secret_context() {
    let (w, _) = world();
    let arn = create(&w, "enc", "plain-text-value");
    for item in w
        .env
        .store
        .scan(SPACE, model::VALUES, &Scan::all())
        .unwrap()
    {
        let text = String::from_utf8_lossy(&item.value);
        assert!(!text.contains("plain-text-value"));
        assert!(
            text.contains("alias") || text.contains(":kms:"),
            "names its KMS key"
        );
    }
    w.guard.take();
    current(&w, "enc");
    let asked = w.guard.take();
    let decrypt = asked
        .iter()
        .find(|a| a.action == "kms:Decrypt")
        .expect("kms:Decrypt asked");
    assert_eq!(
        decrypt.context.single("kms:ViaService"),
        Some("secretsmanager.us-east-1.amazonaws.com")
    );
    assert_eq!(
        decrypt.context.single("kms:EncryptionContext:SecretARN"),
        Some(arn.as_str())
    );
    assert_eq!(
        decrypt
            .context
            .single("kms:EncryptionContext:SecretVersionId"),
        Some(tok(1).as_str())
    );
    // The AWS managed key exists now.
    let aliases = kms(&w, "ListAliases", json!({}));
    assert!(aliases.to_string().contains("alias/aws/secretsmanager"));
}

#[test]
fn binary_secrets_round_trip() {
    let (w, _) = world();
    let bytes = B64.encode([0u8, 1, 2, 255]);
    ok(
        &w,
        "CreateSecret",
        json!({"Name": "bin", "SecretBinary": bytes}),
    );
    let got = ok(&w, "GetSecretValue", json!({"SecretId": "bin"}));
    assert_eq!(got["SecretBinary"], bytes);
    assert!(got.get("SecretString").is_none());
}

#[test]
fn create_refusals_change_nothing() {
    let (w, _) = world();
    create(&w, "taken", "v");
    let before = snapshot(&w);
    let big = "x".repeat(65_537);
    let cases = [
        (json!({"Name": "bad name!"}), "InvalidParameterException"),
        (json!({"Name": ""}), "ValidationException"),
        (json!({"Name": "a".repeat(513)}), "ValidationException"),
        (
            json!({"Name": "both", "SecretString": "a", "SecretBinary": "YQ=="}),
            "InvalidParameterException",
        ),
        (
            json!({"Name": "big", "SecretString": big}),
            "ValidationException",
        ),
        (
            json!({"Name": "tok", "SecretString": "a", "ClientRequestToken": "short"}),
            "ValidationException",
        ),
        (
            json!({"Name": "tags", "Tags": [{"Key": "aws:x", "Value": "1"}]}),
            "InvalidParameterException",
        ),
        (
            json!({"Name": "taken", "SecretString": "other"}),
            "ResourceExistsException",
        ),
    ];
    for (input, code) in cases {
        let e = err(&w, "CreateSecret", input.clone());
        assert_eq!(e.code, code, "{input}: {}", e.message);
    }
    assert_eq!(snapshot(&w), before);
    // 64 KiB exactly is fine.
    ok(
        &w,
        "CreateSecret",
        json!({"Name": "max", "SecretString": "y".repeat(65_536)}),
    );
}

#[test]
fn create_is_idempotent_per_token() {
    let (w, _) = world();
    let first = ok(
        &w,
        "CreateSecret",
        json!({"Name": "idem", "SecretString": "v", "ClientRequestToken": tok(7)}),
    );
    let before = snapshot(&w);
    let again = ok(
        &w,
        "CreateSecret",
        json!({"Name": "idem", "SecretString": "v", "ClientRequestToken": tok(7)}),
    );
    assert_eq!(first, again);
    assert_eq!(snapshot(&w), before);
    let e = err(
        &w,
        "CreateSecret",
        json!({"Name": "idem", "SecretString": "w", "ClientRequestToken": tok(7)}),
    );
    assert_eq!(e.code, "ResourceExistsException");
    assert_eq!(snapshot(&w), before);
}

#[test]
fn update_secret_changes_metadata_and_adds_a_version() {
    let (w, _) = world();
    create(&w, "upd", "one");
    let out = ok(
        &w,
        "UpdateSecret",
        json!({"SecretId": "upd", "Description": "new", "SecretString": "two", "ClientRequestToken": tok(2)}),
    );
    assert_eq!(out["VersionId"], tok(2));
    assert_eq!(current(&w, "upd"), "two");
    assert_eq!(
        stages(&w, "upd"),
        json!({tok(1): ["AWSPREVIOUS"], tok(2): ["AWSCURRENT"]})
    );
    let d = ok(&w, "DescribeSecret", json!({"SecretId": "upd"}));
    assert_eq!(d["Description"], "new");
    let out = ok(
        &w,
        "UpdateSecret",
        json!({"SecretId": "upd", "Description": "only"}),
    );
    assert!(out.get("VersionId").is_none());
}

#[test]
fn a_customer_key_is_used_and_a_disabled_key_refused() {
    let (w, _) = world();
    let key = kms(&w, "CreateKey", json!({}))["KeyMetadata"]["Arn"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &w,
        "CreateSecret",
        json!({"Name": "cmk", "SecretString": "v", "KmsKeyId": key}),
    );
    let d = ok(&w, "DescribeSecret", json!({"SecretId": "cmk"}));
    assert_eq!(d["KmsKeyId"], key);
    let versions = ok(&w, "ListSecretVersionIds", json!({"SecretId": "cmk"}));
    assert_eq!(versions["Versions"][0]["KmsKeyIds"], json!([key]));
    kms(&w, "DisableKey", json!({"KeyId": key}));
    let before = snapshot(&w);
    let e = err(
        &w,
        "PutSecretValue",
        json!({"SecretId": "cmk", "SecretString": "w"}),
    );
    assert_eq!(e.code, "EncryptionFailure");
    let e = err(
        &w,
        "CreateSecret",
        json!({"Name": "cmk2", "SecretString": "w", "KmsKeyId": key}),
    );
    assert_eq!(e.code, "EncryptionFailure");
    let e = err(&w, "GetSecretValue", json!({"SecretId": "cmk"}));
    assert_eq!(e.code, "DecryptionFailure");
    assert_eq!(snapshot(&w), before);
}

#[test]
fn a_caller_kms_refuses_gets_access_denied() {
    let (w, k) = world();
    create(&w, "kmsdeny", "v");
    let before = snapshot(&w);
    k.refuse.store(true, Ordering::SeqCst);
    for (op, input) in [
        ("GetSecretValue", json!({"SecretId": "kmsdeny"})),
        (
            "PutSecretValue",
            json!({"SecretId": "kmsdeny", "SecretString": "w"}),
        ),
        (
            "CreateSecret",
            json!({"Name": "other", "SecretString": "w"}),
        ),
    ] {
        let e = err(&w, op, input);
        assert_eq!(e.code, "AccessDeniedException", "{op}");
        assert_eq!(e.message, "Access to KMS is not allowed");
    }
    assert_eq!(snapshot(&w), before);
}

#[test]
fn deletion_recovery_and_purge() {
    let (w, _) = world();
    let arn = create(&w, "del", "v");
    let before = snapshot(&w);
    for (input, code) in [
        (
            json!({"SecretId": "del", "RecoveryWindowInDays": 6}),
            "InvalidParameterException",
        ),
        (
            json!({"SecretId": "del", "RecoveryWindowInDays": 31}),
            "InvalidParameterException",
        ),
        (
            json!({"SecretId": "del", "RecoveryWindowInDays": 7, "ForceDeleteWithoutRecovery": true}),
            "InvalidParameterException",
        ),
        (json!({"SecretId": "missing"}), "ResourceNotFoundException"),
    ] {
        assert_eq!(err(&w, "DeleteSecret", input.clone()).code, code, "{input}");
    }
    assert_eq!(snapshot(&w), before);
    let out = ok(
        &w,
        "DeleteSecret",
        json!({"SecretId": "del", "RecoveryWindowInDays": 7}),
    );
    assert_eq!(out["ARN"], arn);
    assert_eq!(out["DeletionDate"], json!(1_700_000_000.0 + 7.0 * 86_400.0));
    let e = err(&w, "GetSecretValue", json!({"SecretId": "del"}));
    assert_eq!(e.code, "InvalidRequestException");
    assert_eq!(
        e.message,
        "You can't perform this operation on the secret because it was marked for deletion."
    );
    assert_eq!(
        err(
            &w,
            "PutSecretValue",
            json!({"SecretId": "del", "SecretString": "x"})
        )
        .code,
        "InvalidRequestException"
    );
    assert_eq!(
        err(
            &w,
            "CreateSecret",
            json!({"Name": "del", "SecretString": "x"})
        )
        .code,
        "InvalidRequestException"
    );
    assert_eq!(
        err(&w, "DeleteSecret", json!({"SecretId": "del"})).code,
        "InvalidRequestException"
    );
    let d = ok(&w, "DescribeSecret", json!({"SecretId": "del"}));
    assert_eq!(d["DeletedDate"], json!(1_700_000_000.0));
    assert!(
        ok(&w, "ListSecrets", json!({}))["SecretList"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ok(&w, "ListSecrets", json!({"IncludePlannedDeletion": true}))["SecretList"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    ok(&w, "RestoreSecret", json!({"SecretId": "del"}));
    assert_eq!(current(&w, "del"), "v");
    // Delete again; not yet due after 6 days, purged after 7.
    ok(
        &w,
        "DeleteSecret",
        json!({"SecretId": "del", "RecoveryWindowInDays": 7}),
    );
    w.clock.advance(Duration::from_secs(6 * 86_400));
    assert_eq!(crate::run_due(&w.env).purged, 0);
    w.clock.advance(Duration::from_secs(86_400));
    assert_eq!(crate::run_due(&w.env).purged, 1);
    assert!(snapshot(&w).is_empty(), "record and values gone");
    assert_eq!(
        err(&w, "DescribeSecret", json!({"SecretId": "del"})).code,
        "ResourceNotFoundException"
    );
    create(&w, "del", "reborn");
}

#[test]
fn force_delete_is_immediate_and_tolerates_absence() {
    let (w, _) = world();
    create(&w, "gone", "v");
    ok(
        &w,
        "DeleteSecret",
        json!({"SecretId": "gone", "ForceDeleteWithoutRecovery": true}),
    );
    assert!(snapshot(&w).is_empty());
    let out = ok(
        &w,
        "DeleteSecret",
        json!({"SecretId": "never", "ForceDeleteWithoutRecovery": true}),
    );
    assert_eq!(out["Name"], "never");
}

#[test]
fn list_secrets_filters_sorts_and_pages() {
    let (w, _) = world();
    for (i, (name, desc, tag)) in [
        ("app/one", "First app", "blue"),
        ("app/two", "second APP", "red"),
        ("db/main", "database", "red"),
    ]
    .iter()
    .enumerate()
    {
        ok(
            &w,
            "CreateSecret",
            json!({"Name": name, "Description": desc, "Tags": [{"Key": "color", "Value": tag}]}),
        );
        w.clock.advance(Duration::from_secs(i as u64 + 1));
    }
    let names = |input: Value| -> Vec<String> {
        ok(&w, "ListSecrets", input)["SecretList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(json!({})), ["app/one", "app/two", "db/main"]);
    assert_eq!(
        names(json!({"SortOrder": "desc"})),
        ["db/main", "app/two", "app/one"]
    );
    assert_eq!(
        names(json!({"Filters": [{"Key": "name", "Values": ["app/"]}]})),
        ["app/one", "app/two"]
    );
    assert_eq!(
        names(json!({"Filters": [{"Key": "name", "Values": ["App/"]}]})),
        Vec::<String>::new()
    );
    assert_eq!(
        names(json!({"Filters": [{"Key": "description", "Values": ["SECOND"]}]})),
        ["app/two"]
    );
    assert_eq!(
        names(
            json!({"Filters": [{"Key": "tag-value", "Values": ["red"]}, {"Key": "name", "Values": ["!db"]}]})
        ),
        ["app/two"]
    );
    assert_eq!(
        names(json!({"Filters": [{"Key": "tag-key", "Values": ["col"]}]})).len(),
        3
    );
    assert_eq!(
        names(json!({"Filters": [{"Key": "all", "Values": ["database"]}]})),
        ["db/main"]
    );
    let e = err(
        &w,
        "ListSecrets",
        json!({"Filters": [{"Key": "bogus", "Values": ["x"]}]}),
    );
    assert_eq!(e.code, "InvalidParameterException");
    let page = ok(&w, "ListSecrets", json!({"MaxResults": 2}));
    assert_eq!(page["SecretList"].as_array().unwrap().len(), 2);
    let next = page["NextToken"].as_str().unwrap();
    let rest = ok(
        &w,
        "ListSecrets",
        json!({"MaxResults": 2, "NextToken": next}),
    );
    assert_eq!(rest["SecretList"][0]["Name"], "db/main");
    assert!(rest.get("NextToken").is_none());
    assert_eq!(
        err(&w, "ListSecrets", json!({"NextToken": "garbage"})).code,
        "InvalidNextTokenException"
    );
    assert!(
        page["SecretList"][0]
            .get("SecretVersionsToStages")
            .is_some()
    );
}

#[test]
fn tags() {
    let (w, _) = world();
    create(&w, "t", "v");
    ok(
        &w,
        "TagResource",
        json!({"SecretId": "t", "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}),
    );
    ok(
        &w,
        "TagResource",
        json!({"SecretId": "t", "Tags": [{"Key": "a", "Value": "3"}]}),
    );
    ok(
        &w,
        "UntagResource",
        json!({"SecretId": "t", "TagKeys": ["b"]}),
    );
    let d = ok(&w, "DescribeSecret", json!({"SecretId": "t"}));
    assert_eq!(d["Tags"], json!([{"Key": "a", "Value": "3"}]));
    let many: Vec<Value> = (0..51)
        .map(|i| json!({"Key": format!("k{i}"), "Value": "v"}))
        .collect();
    let before = snapshot(&w);
    assert_eq!(
        err(&w, "TagResource", json!({"SecretId": "t", "Tags": many})).code,
        "LimitExceededException"
    );
    assert_eq!(snapshot(&w), before);
}

#[test]
fn random_passwords_honour_every_option() {
    let (w, _) = world();
    let pw = |input: Value| {
        ok(&w, "GetRandomPassword", input)["RandomPassword"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let p = pw(json!({}));
    assert_eq!(p.chars().count(), 32);
    assert!(p.chars().any(|c| c.is_ascii_lowercase()));
    assert!(p.chars().any(|c| c.is_ascii_uppercase()));
    assert!(p.chars().any(|c| c.is_ascii_digit()));
    assert!(p.chars().any(|c| c.is_ascii_punctuation()));
    assert!(!p.contains(' '));
    let p = pw(
        json!({"PasswordLength": 200, "ExcludePunctuation": true, "ExcludeNumbers": true, "ExcludeCharacters": "abcXYZ"}),
    );
    assert_eq!(p.len(), 200);
    assert!(
        p.chars()
            .all(|c| c.is_ascii_alphabetic() && !"abcXYZ".contains(c))
    );
    let p = pw(
        json!({"PasswordLength": 50, "ExcludeUppercase": true, "ExcludeLowercase": true, "ExcludePunctuation": true}),
    );
    assert!(p.chars().all(|c| c.is_ascii_digit()));
    let p = pw(
        json!({"PasswordLength": 300, "IncludeSpace": true, "ExcludeLowercase": true, "ExcludeUppercase": true, "ExcludeNumbers": true, "ExcludePunctuation": true}),
    );
    assert!(p.chars().all(|c| c == ' '));
    let p = pw(json!({"PasswordLength": 4, "RequireEachIncludedType": true}));
    assert_eq!(p.len(), 4);
    assert_ne!(pw(json!({})), pw(json!({})));
    for (input, code) in [
        (json!({"PasswordLength": 0}), "ValidationException"),
        (json!({"PasswordLength": 4097}), "ValidationException"),
        (json!({"PasswordLength": 3}), "InvalidParameterException"),
        (
            json!({"ExcludeUppercase": true, "ExcludeLowercase": true, "ExcludeNumbers": true, "ExcludePunctuation": true}),
            "InvalidParameterException",
        ),
    ] {
        assert_eq!(
            err(&w, "GetRandomPassword", input.clone()).code,
            code,
            "{input}"
        );
    }
    let p = pw(json!({"PasswordLength": 3, "RequireEachIncludedType": false}));
    assert_eq!(p.len(), 3);
}

#[test]
fn batch_get_reports_each_failure() {
    let (w, _) = world();
    create(&w, "b1", "one");
    create(&w, "b2", "two");
    ok(&w, "DeleteSecret", json!({"SecretId": "b2"}));
    let out = ok(
        &w,
        "BatchGetSecretValue",
        json!({"SecretIdList": ["b1", "b2", "nope"]}),
    );
    assert_eq!(out["SecretValues"].as_array().unwrap().len(), 1);
    assert_eq!(out["SecretValues"][0]["SecretString"], "one");
    let errors = out["Errors"].as_array().unwrap();
    assert_eq!(errors[0]["SecretId"], "b2");
    assert_eq!(errors[0]["ErrorCode"], "InvalidRequestException");
    assert_eq!(errors[1]["ErrorCode"], "ResourceNotFoundException");
    let asked = w.guard.take();
    assert!(
        asked
            .iter()
            .any(|a| a.action == "secretsmanager:GetSecretValue")
    );
    let out = ok(
        &w,
        "BatchGetSecretValue",
        json!({"Filters": [{"Key": "name", "Values": ["b"]}]}),
    );
    assert_eq!(out["SecretValues"].as_array().unwrap().len(), 1);
    for input in [
        json!({}),
        json!({"SecretIdList": ["b1"], "Filters": []}),
        json!({"SecretIdList": ["b1"], "MaxResults": 2}),
    ] {
        assert_eq!(
            err(&w, "BatchGetSecretValue", input).code,
            "InvalidParameterException"
        );
    }
}

#[test]
fn secrets_of_another_account_resolve_by_arn() {
    let (w, _) = world();
    let other = rampart_service::testkit::root_of("210987654321");
    let out = w
        .call_as(
            &other,
            "secretsmanager",
            "CreateSecret",
            json!({"Name": "shared"}),
        )
        .unwrap();
    let arn = out["ARN"].as_str().unwrap();
    assert!(arn.contains(":210987654321:"));
    let d = ok(&w, "DescribeSecret", json!({"SecretId": arn}));
    assert_eq!(d["Name"], "shared");
    assert_eq!(
        err(&w, "DescribeSecret", json!({"SecretId": "shared"})).code,
        "ResourceNotFoundException"
    );
}

#[test]
fn changing_the_kms_key_reencrypts_the_labelled_versions() {
    let (w, _) = world();
    create(&w, "rekey", "one");
    ok(
        &w,
        "PutSecretValue",
        json!({"SecretId": "rekey", "SecretString": "two", "ClientRequestToken": tok(2)}),
    );
    ok(
        &w,
        "PutSecretValue",
        json!({"SecretId": "rekey", "SecretString": "three", "ClientRequestToken": tok(3)}),
    );
    let key = kms(&w, "CreateKey", json!({}))["KeyMetadata"]["Arn"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &w,
        "UpdateSecret",
        json!({"SecretId": "rekey", "KmsKeyId": key}),
    );
    let versions = ok(
        &w,
        "ListSecretVersionIds",
        json!({"SecretId": "rekey", "IncludeDeprecated": true}),
    );
    let key_of = |id: String| {
        versions["Versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["VersionId"] == id)
            .unwrap()["KmsKeyIds"][0]
            .clone()
    };
    assert_eq!(key_of(tok(3)), key);
    assert_eq!(key_of(tok(2)), key);
    assert_ne!(key_of(tok(1)), key, "a deprecated version keeps its key");
    assert_eq!(current(&w, "rekey"), "three");
    for id in [tok(1), tok(2)] {
        ok(
            &w,
            "GetSecretValue",
            json!({"SecretId": "rekey", "VersionId": id}),
        );
    }
    // Back to the AWS managed key with an empty KmsKeyId.
    ok(
        &w,
        "UpdateSecret",
        json!({"SecretId": "rekey", "KmsKeyId": ""}),
    );
    assert!(
        ok(&w, "DescribeSecret", json!({"SecretId": "rekey"}))
            .get("KmsKeyId")
            .is_none()
    );
    assert_eq!(current(&w, "rekey"), "three");
}
