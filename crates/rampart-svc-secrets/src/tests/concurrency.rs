use super::*;

#[test]
fn fifty_concurrent_puts_leave_one_current_and_a_consistent_history() {
    let (w, _) = world();
    create(&w, "race", "start");
    std::thread::scope(|s| {
        for i in 0..50u32 {
            let w = &w;
            s.spawn(move || {
                ok(w, "PutSecretValue", json!({"SecretId": "race", "SecretString": format!("v{i}"), "ClientRequestToken": tok(100 + i)}));
            });
        }
    });
    let all = ok(
        &w,
        "ListSecretVersionIds",
        json!({"SecretId": "race", "IncludeDeprecated": true}),
    );
    let versions = all["Versions"].as_array().unwrap();
    assert_eq!(versions.len(), 51);
    let with = |label: &str| {
        versions
            .iter()
            .filter(|v| {
                v["VersionStages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s == label)
            })
            .count()
    };
    assert_eq!(with("AWSCURRENT"), 1);
    assert_eq!(with("AWSPREVIOUS"), 1);
    // Every version's value is stored and opens, and AWSCURRENT is the newest.
    assert_eq!(
        w.env
            .store
            .scan(SPACE, model::VALUES, &Scan::all())
            .unwrap()
            .len(),
        51
    );
    let newest = versions[0]["VersionId"].as_str().unwrap();
    let cur = ok(&w, "GetSecretValue", json!({"SecretId": "race"}));
    assert_eq!(cur["VersionId"], newest);
    for v in versions {
        ok(
            &w,
            "GetSecretValue",
            json!({"SecretId": "race", "VersionId": v["VersionId"]}),
        );
    }
}
