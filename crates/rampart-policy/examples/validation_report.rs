//! Reports how the validator answers a corpus of recorded AWS results: a JSON file
//! `{"cases": [{"document": "...", "expected": "OK" | "<AWS's MalformedPolicyDocument message>"}]}`.
//!
//! The corpus recorded against AWS lives in other projects (moto's IAM policy tests hold one);
//! it is not committed here. Convert one to this shape and run
//! `cargo run -p rampart-policy --example validation_report -- FILE`: the report lists every
//! document whose answer differs and exits non-zero if any does.

use rampart_policy::{Policy, PolicyKind};
use serde_json::Value;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: validation_report FILE");
        return ExitCode::FAILURE;
    };
    let data: Value = match std::fs::read_to_string(&path).map(|t| serde_json::from_str(&t)) {
        Ok(Ok(v)) => v,
        _ => {
            eprintln!("cannot read {path} as JSON");
            return ExitCode::FAILURE;
        }
    };
    let cases = data["cases"].as_array().cloned().unwrap_or_default();
    let mut differ = 0;
    for case in &cases {
        let document = case["document"].as_str().unwrap_or_default();
        let expected = case["expected"].as_str().unwrap_or_default();
        let got = match Policy::parse(document, PolicyKind::Identity) {
            Ok(_) => "OK".to_owned(),
            Err(e) => e.to_string(),
        };
        if got != expected {
            differ += 1;
            println!("{document}\n  expected: {expected}\n  got:      {got}");
        }
    }
    println!(
        "{} of {} cases answered as AWS did",
        cases.len() - differ,
        cases.len()
    );
    if differ == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
