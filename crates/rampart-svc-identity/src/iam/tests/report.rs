//! The credential report.

use super::*;
use base64::Engine;

#[test]
fn the_credential_report_has_aws_columns_and_a_row_per_user() {
    let w = world();
    let e = w.call("GetCredentialReport", json!({})).unwrap_err();
    assert_eq!((&*e.code, e.status), ("ReportNotPresent", 410));
    w.user_with_key("alice");
    w.call(
        "CreateLoginProfile",
        json!({"UserName": "alice", "Password": "Sup3r-Secret!"}),
    )
    .unwrap();
    w.call("CreateUser", json!({"UserName": "bob"})).unwrap();
    assert_eq!(
        w.call("GenerateCredentialReport", json!({})).unwrap()["State"],
        "COMPLETE"
    );
    let out = w.call("GetCredentialReport", json!({})).unwrap();
    assert_eq!(out["ReportFormat"], "text/csv");
    let csv = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(out["Content"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("user,arn,user_creation_time,password_enabled,"));
    assert_eq!(lines[0].split(',').count(), 22);
    assert!(lines[1].starts_with("<root_account>,arn:aws:iam::123456789012:root,"));
    let alice: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(alice[0], "alice");
    assert_eq!(alice[3], "true", "password_enabled");
    assert_eq!(alice[8], "true", "access_key_1_active");
    assert_eq!(alice[13], "false", "access_key_2_active");
    let bob: Vec<&str> = lines[3].split(',').collect();
    assert_eq!((bob[0], bob[3], bob[8]), ("bob", "false", "false"));
    assert!(!csv.contains("Sup3r"));
    w.base
        .clock
        .advance(std::time::Duration::from_secs(5 * 3600));
    assert_eq!(
        code(w.call("GetCredentialReport", json!({}))),
        "ReportExpired"
    );
}
