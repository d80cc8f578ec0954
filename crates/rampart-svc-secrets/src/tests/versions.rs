use super::*;

#[test]
fn put_moves_current_and_previous() {
    let (w, _) = world();
    create(&w, "v", "one");
    let out = ok(
        &w,
        "PutSecretValue",
        json!({"SecretId": "v", "SecretString": "two", "ClientRequestToken": tok(2)}),
    );
    assert_eq!(out["VersionStages"], json!(["AWSCURRENT"]));
    ok(
        &w,
        "PutSecretValue",
        json!({"SecretId": "v", "SecretString": "three", "ClientRequestToken": tok(3)}),
    );
    assert_eq!(
        stages(&w, "v"),
        json!({tok(2): ["AWSPREVIOUS"], tok(3): ["AWSCURRENT"]})
    );
    assert_eq!(current(&w, "v"), "three");
    let prev = ok(
        &w,
        "GetSecretValue",
        json!({"SecretId": "v", "VersionStage": "AWSPREVIOUS"}),
    );
    assert_eq!(prev["SecretString"], "two");
    let first = ok(
        &w,
        "GetSecretValue",
        json!({"SecretId": "v", "VersionId": tok(1)}),
    );
    assert_eq!(first["SecretString"], "one");
    assert_eq!(first["VersionStages"], json!([]));
    // Deprecated versions appear only when asked.
    let listed = ok(&w, "ListSecretVersionIds", json!({"SecretId": "v"}));
    assert_eq!(listed["Versions"].as_array().unwrap().len(), 2);
    let all = ok(
        &w,
        "ListSecretVersionIds",
        json!({"SecretId": "v", "IncludeDeprecated": true}),
    );
    assert_eq!(all["Versions"].as_array().unwrap().len(), 3);
    assert_eq!(all["Versions"][0]["VersionId"], tok(3));
}

#[test]
fn custom_and_pending_labels() {
    let (w, _) = world();
    create(&w, "lab", "one");
    ok(
        &w,
        "PutSecretValue",
        json!({"SecretId": "lab", "SecretString": "p", "ClientRequestToken": tok(2), "VersionStages": ["AWSPENDING", "mine"]}),
    );
    assert_eq!(current(&w, "lab"), "one");
    let got = ok(
        &w,
        "GetSecretValue",
        json!({"SecretId": "lab", "VersionStage": "mine"}),
    );
    assert_eq!(got["SecretString"], "p");
    let e = err(
        &w,
        "GetSecretValue",
        json!({"SecretId": "lab", "VersionStage": "nothing"}),
    );
    assert_eq!(e.code, "ResourceNotFoundException");
    assert_eq!(
        e.message,
        "Secrets Manager can't find the specified secret value for staging label: nothing"
    );
    let e = err(
        &w,
        "GetSecretValue",
        json!({"SecretId": "lab", "VersionId": tok(1), "VersionStage": "mine"}),
    );
    assert_eq!(e.code, "InvalidRequestException");
    let e = err(
        &w,
        "GetSecretValue",
        json!({"SecretId": "lab", "VersionId": tok(9)}),
    );
    assert_eq!(e.code, "ResourceNotFoundException");
    let labels: Vec<String> = (0..21).map(|i| format!("l{i}")).collect();
    let e = err(
        &w,
        "PutSecretValue",
        json!({"SecretId": "lab", "SecretString": "x", "VersionStages": labels}),
    );
    assert_eq!(e.code, "LimitExceededException");
}

#[test]
fn put_is_idempotent_per_token() {
    let (w, _) = world();
    create(&w, "idem", "one");
    let a = ok(
        &w,
        "PutSecretValue",
        json!({"SecretId": "idem", "SecretString": "two", "ClientRequestToken": tok(2)}),
    );
    let before = snapshot(&w);
    let b = ok(
        &w,
        "PutSecretValue",
        json!({"SecretId": "idem", "SecretString": "two", "ClientRequestToken": tok(2)}),
    );
    assert_eq!(a, b);
    assert_eq!(snapshot(&w), before);
    let e = err(
        &w,
        "PutSecretValue",
        json!({"SecretId": "idem", "SecretString": "other", "ClientRequestToken": tok(2)}),
    );
    assert_eq!(e.code, "ResourceExistsException");
    let e = err(&w, "PutSecretValue", json!({"SecretId": "idem"}));
    assert_eq!(e.code, "InvalidParameterException");
    assert_eq!(snapshot(&w), before);
}

#[test]
fn a_secret_without_value_has_no_current_version() {
    let (w, _) = world();
    ok(&w, "CreateSecret", json!({"Name": "empty"}));
    let e = err(&w, "GetSecretValue", json!({"SecretId": "empty"}));
    assert_eq!(e.code, "ResourceNotFoundException");
    assert_eq!(
        e.message,
        "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"
    );
    ok(
        &w,
        "PutSecretValue",
        json!({"SecretId": "empty", "SecretString": "now"}),
    );
    assert_eq!(current(&w, "empty"), "now");
}

#[test]
fn update_secret_version_stage_rules() {
    let (w, _) = world();
    create(&w, "st", "one");
    ok(
        &w,
        "PutSecretValue",
        json!({"SecretId": "st", "SecretString": "two", "ClientRequestToken": tok(2), "VersionStages": ["AWSPENDING"]}),
    );
    let before = snapshot(&w);
    let refusals = [
        (
            json!({"SecretId": "st", "VersionStage": "AWSCURRENT", "MoveToVersionId": tok(2)}),
            "InvalidParameterException",
        ),
        (
            json!({"SecretId": "st", "VersionStage": "AWSCURRENT", "RemoveFromVersionId": tok(1)}),
            "InvalidParameterException",
        ),
        (
            json!({"SecretId": "st", "VersionStage": "AWSCURRENT", "MoveToVersionId": tok(9), "RemoveFromVersionId": tok(1)}),
            "ResourceNotFoundException",
        ),
        (
            json!({"SecretId": "st", "VersionStage": "AWSPENDING", "RemoveFromVersionId": tok(1)}),
            "InvalidParameterException",
        ),
        (
            json!({"SecretId": "st", "VersionStage": "AWSCURRENT"}),
            "InvalidParameterException",
        ),
    ];
    for (input, code) in refusals {
        assert_eq!(
            err(&w, "UpdateSecretVersionStage", input.clone()).code,
            code,
            "{input}"
        );
    }
    assert_eq!(snapshot(&w), before);
    ok(
        &w,
        "UpdateSecretVersionStage",
        json!({"SecretId": "st", "VersionStage": "AWSCURRENT", "MoveToVersionId": tok(2), "RemoveFromVersionId": tok(1)}),
    );
    assert_eq!(
        stages(&w, "st"),
        json!({tok(1): ["AWSPREVIOUS"], tok(2): ["AWSPENDING", "AWSCURRENT"]})
    );
    ok(
        &w,
        "UpdateSecretVersionStage",
        json!({"SecretId": "st", "VersionStage": "AWSPENDING", "RemoveFromVersionId": tok(2)}),
    );
    assert_eq!(
        stages(&w, "st"),
        json!({tok(1): ["AWSPREVIOUS"], tok(2): ["AWSCURRENT"]})
    );
    assert_eq!(current(&w, "st"), "two");
    // A new custom label needs no RemoveFromVersionId.
    ok(
        &w,
        "UpdateSecretVersionStage",
        json!({"SecretId": "st", "VersionStage": "blue", "MoveToVersionId": tok(1)}),
    );
    assert_eq!(stages(&w, "st")[tok(1)], json!(["AWSPREVIOUS", "blue"]));
}

#[test]
fn about_a_hundred_versions_are_kept() {
    let (w, _) = world();
    create(&w, "many", "0");
    for i in 2..=120u32 {
        ok(
            &w,
            "PutSecretValue",
            json!({"SecretId": "many", "SecretString": i.to_string(), "ClientRequestToken": tok(i)}),
        );
    }
    // Versions of the last 24 hours are all kept...
    let listed = |w: &World| {
        ok(
            w,
            "ListSecretVersionIds",
            json!({"SecretId": "many", "IncludeDeprecated": true, "MaxResults": 100}),
        )
    };
    assert!(listed(&w).get("NextToken").is_some());
    // ...then the next new version brings the secret back to 100.
    w.clock.advance(std::time::Duration::from_secs(86_400));
    ok(
        &w,
        "PutSecretValue",
        json!({"SecretId": "many", "SecretString": "121", "ClientRequestToken": tok(121)}),
    );
    let all = listed(&w);
    assert_eq!(all["Versions"].as_array().unwrap().len(), 100);
    assert!(all.get("NextToken").is_none());
    let values = w
        .env
        .store
        .scan(SPACE, model::VALUES, &Scan::all())
        .unwrap();
    assert_eq!(values.len(), 100, "purged versions lose their values");
    assert_eq!(current(&w, "many"), "121");
    assert_eq!(
        err(
            &w,
            "GetSecretValue",
            json!({"SecretId": "many", "VersionId": tok(1)})
        )
        .code,
        "ResourceNotFoundException"
    );
}

#[test]
fn reads_note_the_day_of_access() {
    let (w, _) = world();
    create(&w, "seen", "v");
    assert!(
        ok(&w, "DescribeSecret", json!({"SecretId": "seen"}))
            .get("LastAccessedDate")
            .is_none()
    );
    current(&w, "seen");
    let before = snapshot(&w);
    current(&w, "seen");
    assert_eq!(snapshot(&w), before, "one write a day at most");
    let midnight = (1_700_000_000 / 86_400 * 86_400) as f64;
    let d = ok(&w, "DescribeSecret", json!({"SecretId": "seen"}));
    assert_eq!(d["LastAccessedDate"], json!(midnight));
    let v = ok(&w, "ListSecretVersionIds", json!({"SecretId": "seen"}));
    assert_eq!(v["Versions"][0]["LastAccessedDate"], json!(midnight));
    w.clock.advance(std::time::Duration::from_secs(86_400));
    current(&w, "seen");
    let d = ok(&w, "DescribeSecret", json!({"SecretId": "seen"}));
    assert_eq!(d["LastAccessedDate"], json!(midnight + 86_400.0));
}
