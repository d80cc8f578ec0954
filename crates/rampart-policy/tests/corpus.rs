//! Runs every case of `tests/corpus/*.json`: (policies, request, expected decision) cases
//! written from the documented facts of iam.md sections 2, 7, 9, 10, 11 and 15. Each case
//! names the fact it checks in its `fact` field.

mod common;

use common::{Case, outcome_name};
use serde_json::Value;

#[test]
fn corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let (mut total, mut failures) = (0, Vec::new());
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "json"))
    {
        let cases: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        for raw in cases.as_array().unwrap() {
            total += 1;
            let case = Case::from_json(raw).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let decision = case.decide();
            let all = rampart_policy::evaluate_all_statements(&case.request, &case.policies);
            assert_eq!(
                (all.outcome, all.reason),
                (decision.outcome, decision.reason),
                "{}",
                case.name
            );
            let expected = case
                .expected
                .expect("every corpus case has an expected outcome");
            if decision.outcome != expected {
                failures.push(format!(
                    "{}: expected {}, got {} ({})\n    fact: {}",
                    case.name,
                    outcome_name(expected),
                    outcome_name(decision.outcome),
                    decision.explain(),
                    raw["fact"].as_str().unwrap_or("")
                ));
            }
            if let Some(message) = &case.expected_message {
                let got = decision.access_denied_message(&case.request);
                if got.as_deref() != Some(message.as_str()) {
                    failures.push(format!(
                        "{}: message {got:?}, expected {message:?}",
                        case.name
                    ));
                }
            }
        }
    }
    assert!(total >= 100, "corpus has only {total} cases");
    assert!(
        failures.is_empty(),
        "{} of {total} corpus cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
