//! IAM's validation of identity policies, checked against recorded AWS results: each
//! document of `tests/validation/aws_messages.json` must be accepted ("OK") or rejected
//! with exactly AWS's `MalformedPolicyDocument` message.

use rampart_policy::{Policy, PolicyKind};
use serde_json::Value;

#[test]
fn aws_validation_messages() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validation/aws_messages.json");
    let data: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = data["cases"].as_array().unwrap();
    let mut failures = Vec::new();
    for case in cases {
        let document = case["document"].as_str().unwrap();
        let expected = case["expected"].as_str().unwrap();
        let got = match Policy::parse(document, PolicyKind::Identity) {
            Ok(_) => "OK".to_owned(),
            Err(e) => e.to_string(),
        };
        if got != expected {
            failures.push(format!("{document}\n  expected: {expected}\n  got: {got}"));
        }
    }
    assert!(cases.len() >= 130);
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
