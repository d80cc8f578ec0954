//! Differential test of rampart-policy against the independent oracle
//! `@cloud-copilot/iam-simulate` (AGPL: run as a separate `node` process, never linked).
//!
//! ```text
//! crates/rampart-policy/differential/run.sh [N] [SEED]      # default N=2000, SEED=1
//! ```
//!
//! Generates N random (policies, request) cases, asks the oracle and our engine, and
//! classifies every case: agreement; a known oracle error (iam.md section 13, with the AWS
//! documentation fact that decides it), counted only when neutralizing the known features
//! makes both engines agree (see `known.rs`); inconclusive (the oracle dropped context keys
//! or rejected the input); or unexplained. Exits non-zero on any unexplained disagreement.
//! Also reports both engines' throughput on the same cases.

#[path = "../../tests/common/mod.rs"]
mod common;
mod generate;
mod known;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

use common::{Case, outcome_name, parse_outcome};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rampart_policy::{Outcome, evaluate};
use serde_json::{Value, json};

struct Args {
    cases: usize,
    seed: u64,
    oracle_dir: String,
    dump: Option<String>,
    show: usize,
    corpus: bool,
}

fn args() -> Args {
    let mut a = Args {
        cases: 2000,
        seed: 1,
        oracle_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/differential").to_owned(),
        dump: None,
        show: 5,
        corpus: false,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        if argv[i] == "--corpus" {
            a.corpus = true;
            i += 1;
            continue;
        }
        let value = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--cases" => a.cases = value.parse().unwrap_or(a.cases),
            "--seed" => a.seed = value.parse().unwrap_or(a.seed),
            "--oracle-dir" => a.oracle_dir = value,
            "--dump" => a.dump = Some(value),
            "--show" => a.show = value.parse().unwrap_or(a.show),
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
        i += 2;
    }
    a
}

/// Writes the principal-derived keys into the case's context so both engines see the same
/// context (the oracle derives nothing by itself).
fn with_derived_context(mut raw: Value) -> Value {
    let mut probe = raw.clone();
    probe["context"] = json!({});
    probe["deriveContext"] = json!(true);
    if let Ok(case) = Case::from_json(&probe) {
        let canonical = [
            "aws:PrincipalArn",
            "aws:PrincipalAccount",
            "aws:PrincipalType",
            "aws:username",
            "aws:PrincipalIsAWSService",
        ];
        for key in canonical {
            if let Some(v) = case.request.context.single(key) {
                raw["context"][key] = json!(v);
            }
        }
    }
    raw["deriveContext"] = json!(false);
    raw
}

/// The hand-written corpus (tests/corpus/*.json) instead of generated cases.
fn corpus() -> Vec<Value> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read corpus");
        let cases: Value = serde_json::from_str(&text).expect("corpus json");
        out.extend(
            cases
                .as_array()
                .into_iter()
                .flatten()
                .cloned()
                .map(with_derived_context),
        );
    }
    out
}

fn generate(n: usize, seed: u64) -> Vec<Value> {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let strategy = generate::case();
    (0..n)
        .map(|i| {
            let mut v = match strategy.new_tree(&mut runner) {
                Ok(tree) => tree.current(),
                Err(e) => panic!("generator failed: {e}"),
            };
            v["name"] = json!(format!("gen-{seed}-{i}"));
            with_derived_context(v)
        })
        .collect()
}

struct OracleAnswer {
    decision: Option<Outcome>,
    error: Option<String>,
    ignored: Vec<String>,
}

/// Runs the oracle on all cases; returns the answers and the seconds spent (node start-up
/// excluded: one warm-up case is answered before the clock starts).
fn run_oracle(dir: &str, cases: &[Value]) -> (Vec<OracleAnswer>, f64) {
    let mut child = Command::new("node")
        .arg("oracle.mjs")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start node in {dir}: {e} (run npm ci there first)"));
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    writeln!(stdin, "{}", cases[0]).expect("write warm-up");
    stdin.flush().expect("flush");
    stdout.read_line(&mut line).expect("warm-up answer");
    let start = Instant::now();
    let lines: Vec<String> = cases.iter().map(Value::to_string).collect();
    let writer = std::thread::spawn(move || {
        for l in lines {
            if writeln!(stdin, "{l}").is_err() {
                break;
            }
        }
    });
    let mut answers = Vec::with_capacity(cases.len());
    for _ in cases {
        line.clear();
        if stdout.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        answers.push(OracleAnswer {
            decision: v["decision"].as_str().and_then(|d| parse_outcome(d).ok()),
            error: v["error"].as_str().map(str::to_owned),
            ignored: v["ignoredContextKeys"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|k| k.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    let secs = start.elapsed().as_secs_f64();
    let _ = writer.join();
    let _ = child.wait();
    (answers, secs)
}

fn main() {
    let args = args();
    let raw_cases = if args.corpus {
        corpus()
    } else {
        generate(args.cases, args.seed)
    };
    if let Some(path) = &args.dump {
        let text: Vec<String> = raw_cases.iter().map(Value::to_string).collect();
        std::fs::write(path, text.join("\n") + "\n").expect("write dump");
    }
    let cases: Vec<Case> = raw_cases
        .iter()
        .map(|c| Case::from_json(c).unwrap_or_else(|e| panic!("{e}")))
        .collect();

    let (answers, oracle_secs) = run_oracle(&args.oracle_dir, &raw_cases);
    if answers.len() != cases.len() {
        eprintln!("oracle answered {} of {} cases", answers.len(), cases.len());
        std::process::exit(2);
    }

    // Our throughput on exactly the same cases: one warm-up round, then whole rounds for
    // at least a second (the oracle is measured warm too).
    let mut allowed = 0usize;
    let mut round = || {
        for c in &cases {
            allowed += usize::from(evaluate(&c.request, &c.policies).is_allowed());
        }
    };
    round();
    let start = Instant::now();
    let mut rounds = 0usize;
    while rounds < 3 || start.elapsed().as_secs_f64() < 1.0 {
        round();
        rounds += 1;
    }
    let ours_secs = start.elapsed().as_secs_f64();
    std::hint::black_box(allowed);

    let mut agree = 0usize;
    let mut known: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut inconclusive: BTreeMap<String, usize> = BTreeMap::new();
    let mut outcomes: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut unexplained = Vec::new();
    // Disagreements with a known oracle error present: verified below by neutralizing.
    let mut to_verify = Vec::new();
    let mut explained = 0usize;
    for ((raw, case), answer) in raw_cases.iter().zip(&cases).zip(&answers) {
        let ours = case.decide().outcome;
        let exhaustive =
            rampart_policy::evaluate_all_statements(&case.request, &case.policies).outcome;
        assert_eq!(
            ours, exhaustive,
            "early-exit and exhaustive evaluation disagree on {raw}"
        );
        *outcomes.entry(outcome_name(ours)).or_default() += 1;
        let Some(oracle) = answer.decision else {
            let reason = answer.error.clone().unwrap_or_else(|| "no answer".into());
            *inconclusive
                .entry(format!("oracle rejected input: {reason}"))
                .or_default() += 1;
            continue;
        };
        if ours == oracle {
            agree += 1;
        } else if !answer.ignored.is_empty() {
            *inconclusive
                .entry(format!("oracle ignored context keys {:?}", answer.ignored))
                .or_default() += 1;
        } else if let Some((labels, ours_case, oracle_case)) = known::neutralize(raw) {
            to_verify.push((raw, ours, oracle, labels, ours_case, oracle_case));
        } else {
            unexplained.push((raw, ours, oracle, case.decide().explain()));
        }
    }
    let oracle_cases: Vec<Value> = to_verify.iter().map(|v| v.5.clone()).collect();
    let verified = if oracle_cases.is_empty() {
        Vec::new()
    } else {
        run_oracle(&args.oracle_dir, &oracle_cases).0
    };
    for (i, (raw, ours, oracle, labels, ours_case, _)) in to_verify.into_iter().enumerate() {
        let ours_after = Case::from_json(&ours_case).map(|c| c.decide().outcome).ok();
        let oracle_after = verified.get(i).and_then(|a| a.decision);
        if ours_after.is_some() && ours_after == oracle_after {
            explained += 1;
            for label in labels {
                *known.entry(label).or_default() += 1;
            }
        } else {
            let note = format!(
                "known errors present ({}) but neutralizing them did not reconcile",
                labels.join("; ")
            );
            unexplained.push((raw, ours, oracle, note));
        }
    }

    let n = cases.len();
    println!("differential: {n} cases, seed {}", args.seed);
    println!("  our outcomes: {outcomes:?}");
    println!("  agree: {agree}");
    println!(
        "  disagreements explained by known oracle errors (verified by neutralizing): {explained}"
    );
    for (k, v) in &known {
        println!("  known oracle error x{v}: {k}");
    }
    for (k, v) in &inconclusive {
        println!("  inconclusive x{v}: {k}");
    }
    println!("  unexplained disagreements: {}", unexplained.len());
    for (raw, ours, oracle, explain) in unexplained.iter().take(args.show) {
        println!(
            "\n  ours {} vs oracle {}\n  {raw}\n  {explain}",
            outcome_name(*ours),
            outcome_name(*oracle)
        );
    }
    let oracle_rate = n as f64 / oracle_secs;
    let ours_rate = (n * rounds) as f64 / ours_secs;
    println!("\nthroughput on the same {n} cases (one core each):");
    println!("  oracle (iam-simulate, node): {oracle_rate:.0} decisions/s");
    println!(
        "  rampart-policy:              {ours_rate:.0} decisions/s ({:.0}x)",
        ours_rate / oracle_rate
    );
    if !unexplained.is_empty() {
        std::process::exit(1);
    }
}
