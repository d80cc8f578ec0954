use super::*;
use crate::rotators::TEST_FUNCTIONS;
use rampart_service::testkit::World;
use rampart_service::{Answer, AwsEvent, Env, EventBus, Outbound, Post, TlsTrust};
use std::sync::{Mutex, Weak};
use std::time::Duration;

const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:rot";

/// A rotation function served "over HTTP": it does what a Lambda rotation function does,
/// through the Secrets Manager API of the same world.
struct FakeLambda {
    world: Weak<World>,
    state: Arc<LambdaState>,
}

#[derive(Default)]
struct LambdaState {
    fail_at: Mutex<Option<&'static str>>,
    /// Answers 200 to every step without doing anything.
    lazy: AtomicBool,
    steps: Mutex<Vec<(String, String)>>,
}

impl Outbound for FakeLambda {
    fn get(&self, _: &str, _: &TlsTrust, _: usize) -> Result<Vec<u8>, String> {
        Err("no".into())
    }

    fn post(&self, post: &Post<'_>) -> Result<Answer, String> {
        assert_eq!(post.url, "http://lambda.test/rot");
        let event: Value = serde_json::from_slice(post.body).unwrap();
        let step = event["Step"].as_str().unwrap().to_owned();
        let id = event["SecretId"].as_str().unwrap().to_owned();
        let token = event["ClientRequestToken"].as_str().unwrap().to_owned();
        assert!(event["RotationToken"].is_string());
        self.state
            .steps
            .lock()
            .unwrap()
            .push((step.clone(), token.clone()));
        let fail = *self.state.fail_at.lock().unwrap();
        if fail == Some(step.as_str()) {
            return Ok(Answer {
                status: 500,
                body: b"boom".to_vec(),
            });
        }
        if self.state.lazy.load(Ordering::SeqCst) {
            return Ok(Answer {
                status: 200,
                body: Vec::new(),
            });
        }
        let w = self.world.upgrade().unwrap();
        let pending = json!({"SecretId": id, "VersionId": token, "VersionStage": "AWSPENDING"});
        match step.as_str() {
            "createSecret" if call(&w, "GetSecretValue", pending).is_err() => {
                ok(
                    &w,
                    "PutSecretValue",
                    json!({"SecretId": id, "ClientRequestToken": token,
                    "SecretString": format!("rotated-{token}"), "VersionStages": ["AWSPENDING"]}),
                );
            }
            "finishSecret" => {
                let stages = stages(&w, &id);
                let current = stages
                    .as_object()
                    .unwrap()
                    .iter()
                    .find(|(_, s)| s.as_array().unwrap().iter().any(|x| x == "AWSCURRENT"))
                    .map(|(v, _)| v.clone())
                    .unwrap();
                if current != token {
                    ok(
                        &w,
                        "UpdateSecretVersionStage",
                        json!({"SecretId": id, "VersionStage": "AWSCURRENT",
                        "MoveToVersionId": token, "RemoveFromVersionId": current}),
                    );
                }
            }
            _ => {}
        }
        Ok(Answer {
            status: 200,
            body: Vec::new(),
        })
    }
}

#[derive(Default)]
struct Events(Mutex<Vec<AwsEvent>>);

impl EventBus for Events {
    fn emit(&self, _env: &Env, event: AwsEvent) -> Result<(), AwsError> {
        self.0.lock().unwrap().push(event);
        Ok(())
    }
}

fn rotating_world() -> (Arc<World>, Arc<LambdaState>, Arc<Events>) {
    TEST_FUNCTIONS.with(|f| *f.borrow_mut() = "rot=http://lambda.test/rot".to_owned());
    let state = Arc::new(LambdaState::default());
    let events = Arc::new(Events::default());
    let (s, e) = (state.clone(), events.clone());
    let world = Arc::new_cyclic(move |weak| {
        let (mut w, _) = world();
        w.env.outbound = Arc::new(FakeLambda {
            world: weak.clone(),
            state: s,
        });
        w.env.events = e;
        w
    });
    (world, state, events)
}

fn event_names(events: &Events) -> Vec<String> {
    events
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|e| e.detail["eventName"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn rotate_immediately_runs_the_four_steps() {
    let (w, state, events) = rotating_world();
    let arn = create(&w, "r", "old");
    let out = ok(
        &w,
        "RotateSecret",
        json!({"SecretId": "r", "RotationLambdaARN": LAMBDA, "ClientRequestToken": tok(5),
        "RotationRules": {"ScheduleExpression": "rate(10 days)", "Duration": "3h"}}),
    );
    assert_eq!(out["VersionId"], tok(5));
    let steps: Vec<String> = state
        .steps
        .lock()
        .unwrap()
        .iter()
        .map(|(s, _)| s.clone())
        .collect();
    assert_eq!(
        steps,
        ["createSecret", "setSecret", "testSecret", "finishSecret"]
    );
    assert_eq!(current(&w, "r"), format!("rotated-{}", tok(5)));
    assert_eq!(
        stages(&w, "r"),
        json!({tok(1): ["AWSPREVIOUS"], tok(5): ["AWSCURRENT"]})
    );
    let d = ok(&w, "DescribeSecret", json!({"SecretId": "r"}));
    assert_eq!(d["RotationEnabled"], true);
    assert_eq!(d["RotationLambdaARN"], LAMBDA);
    assert_eq!(
        d["RotationRules"],
        json!({"ScheduleExpression": "rate(10 days)", "Duration": "3h"})
    );
    assert_eq!(d["LastRotatedDate"], json!(1_700_000_000.0));
    // Midnight of 2023-11-24.
    assert_eq!(
        d["NextRotationDate"],
        json!(((1_700_000_000 / 86_400) + 10) as f64 * 86_400.0)
    );
    assert_eq!(
        event_names(&events),
        ["RotationStarted", "RotationSucceeded"]
    );
    let e = &events.0.lock().unwrap()[1];
    assert_eq!(e.source, "aws.secretsmanager");
    assert_eq!(e.detail_type, "AWS Service Event via CloudTrail");
    assert_eq!(e.detail["eventName"], "RotationSucceeded");
    assert_eq!(e.resources, vec![arn]);
}

#[test]
fn a_failed_step_leaves_awscurrent_untouched() {
    let (w, state, events) = rotating_world();
    create(&w, "f", "old");
    *state.fail_at.lock().unwrap() = Some("testSecret");
    let out = ok(
        &w,
        "RotateSecret",
        json!({"SecretId": "f", "RotationLambdaARN": LAMBDA, "ClientRequestToken": tok(6)}),
    );
    assert_eq!(out["VersionId"], tok(6));
    assert_eq!(current(&w, "f"), "old");
    assert_eq!(
        stages(&w, "f"),
        json!({tok(1): ["AWSCURRENT"], tok(6): ["AWSPENDING"]})
    );
    assert_eq!(event_names(&events), ["RotationStarted", "RotationFailed"]);
    assert!(
        events.0.lock().unwrap()[1].detail["additionalEventData"]["FailureReason"]
            .as_str()
            .unwrap()
            .contains("testSecret")
    );
    assert!(
        ok(&w, "DescribeSecret", json!({"SecretId": "f"}))
            .get("LastRotatedDate")
            .is_none()
    );
    let e = err(&w, "RotateSecret", json!({"SecretId": "f"}));
    assert_eq!(e.code, "InvalidRequestException");
    let cancel = ok(&w, "CancelRotateSecret", json!({"SecretId": "f"}));
    assert_eq!(cancel["VersionId"], tok(6));
    // Clearing AWSPENDING lets a new rotation start, which now succeeds.
    ok(
        &w,
        "UpdateSecretVersionStage",
        json!({"SecretId": "f", "VersionStage": "AWSPENDING", "RemoveFromVersionId": tok(6)}),
    );
    *state.fail_at.lock().unwrap() = None;
    ok(
        &w,
        "RotateSecret",
        json!({"SecretId": "f", "ClientRequestToken": tok(7)}),
    );
    assert_eq!(current(&w, "f"), format!("rotated-{}", tok(7)));
}

#[test]
fn a_function_that_does_not_finish_fails_the_rotation() {
    let (w, state, events) = rotating_world();
    create(&w, "nf", "old");
    state.lazy.store(true, Ordering::SeqCst);
    ok(
        &w,
        "RotateSecret",
        json!({"SecretId": "nf", "RotationLambdaARN": LAMBDA}),
    );
    assert_eq!(current(&w, "nf"), "old");
    assert_eq!(event_names(&events), ["RotationStarted", "RotationFailed"]);
}

#[test]
fn rotation_refusals_change_nothing() {
    let (w, _, _) = rotating_world();
    create(&w, "rf", "old");
    let before = snapshot(&w);
    let e = err(&w, "RotateSecret", json!({"SecretId": "rf"}));
    assert_eq!(e.code, "InvalidRequestException");
    let e = err(
        &w,
        "RotateSecret",
        json!({"SecretId": "rf", "RotationLambdaARN": "arn:aws:lambda:us-east-1:123456789012:function:unknown"}),
    );
    assert_eq!(e.code, "InvalidParameterException");
    for rules in [
        json!({"AutomaticallyAfterDays": 0}),
        json!({"ScheduleExpression": "cron(0 1 * * * *)"}),
        json!({"ScheduleExpression": "rate(2 hours)"}),
        json!({"AutomaticallyAfterDays": 2, "ScheduleExpression": "rate(2 days)"}),
    ] {
        let e = err(
            &w,
            "RotateSecret",
            json!({"SecretId": "rf", "RotationLambdaARN": LAMBDA, "RotationRules": rules}),
        );
        assert!(
            ["InvalidParameterException", "ValidationException"].contains(&&*e.code),
            "{}",
            e.code
        );
    }
    assert_eq!(snapshot(&w), before);
}

#[test]
fn scheduled_rotation_happens_when_due() {
    let (w, state, events) = rotating_world();
    create(&w, "s", "old");
    let out = ok(
        &w,
        "RotateSecret",
        json!({"SecretId": "s", "RotationLambdaARN": LAMBDA, "RotateImmediately": false,
        "RotationRules": {"AutomaticallyAfterDays": 1}}),
    );
    assert!(out.get("VersionId").is_none());
    // Only testSecret ran, against a temporary AWSPENDING copy that is gone again.
    let steps: Vec<String> = state
        .steps
        .lock()
        .unwrap()
        .drain(..)
        .map(|(s, _)| s)
        .collect();
    assert_eq!(steps, ["testSecret"]);
    assert_eq!(stages(&w, "s"), json!({tok(1): ["AWSCURRENT"]}));
    assert_eq!(
        ok(
            &w,
            "ListSecretVersionIds",
            json!({"SecretId": "s", "IncludeDeprecated": true})
        )["Versions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        event_names(&events),
        ["TestRotationStarted", "TestRotationSucceeded"]
    );
    events.0.lock().unwrap().clear();
    assert_eq!(crate::run_due(&w.env), crate::DueReport::default());
    w.clock.advance(Duration::from_secs(2 * 3600));
    let report = crate::run_due(&w.env);
    assert_eq!(report.rotated, 1);
    assert_ne!(current(&w, "s"), "old");
    assert_eq!(
        event_names(&events),
        ["RotationStarted", "RotationSucceeded"]
    );
    // Not due again until the next day's window.
    assert_eq!(crate::run_due(&w.env).rotated, 0);
    // A failing scheduled rotation keeps AWSCURRENT and is retried with the same token.
    *state.fail_at.lock().unwrap() = Some("setSecret");
    let before = current(&w, "s");
    w.clock.advance(Duration::from_secs(86_400));
    assert_eq!(crate::run_due(&w.env).failed, 1);
    assert_eq!(current(&w, "s"), before);
    let pending_token = state.steps.lock().unwrap().last().unwrap().1.clone();
    *state.fail_at.lock().unwrap() = None;
    w.clock.advance(Duration::from_secs(86_400));
    assert_eq!(crate::run_due(&w.env).rotated, 1);
    assert_eq!(
        ok(&w, "GetSecretValue", json!({"SecretId": "s"}))["VersionId"],
        pending_token
    );
    // CancelRotateSecret stops the schedule.
    ok(&w, "CancelRotateSecret", json!({"SecretId": "s"}));
    w.clock.advance(Duration::from_secs(3 * 86_400));
    assert_eq!(crate::run_due(&w.env).rotated, 0);
    assert_eq!(
        ok(&w, "DescribeSecret", json!({"SecretId": "s"}))["RotationEnabled"],
        false
    );
}

#[test]
fn a_new_current_version_abandons_an_unfinished_rotation() {
    let (w, state, events) = rotating_world();
    create(&w, "ab", "old");
    *state.fail_at.lock().unwrap() = Some("setSecret");
    ok(
        &w,
        "RotateSecret",
        json!({"SecretId": "ab", "RotationLambdaARN": LAMBDA, "ClientRequestToken": tok(8)}),
    );
    assert_eq!(stages(&w, "ab")[tok(8)], json!(["AWSPENDING"]));
    // A value put by hand with another label leaves the rotation pending...
    ok(
        &w,
        "PutSecretValue",
        json!({"SecretId": "ab", "SecretString": "side", "VersionStages": ["blue"]}),
    );
    assert_eq!(stages(&w, "ab")[tok(8)], json!(["AWSPENDING"]));
    // ...a new AWSCURRENT abandons it, and a new rotation may start.
    ok(
        &w,
        "PutSecretValue",
        json!({"SecretId": "ab", "SecretString": "manual", "ClientRequestToken": tok(9)}),
    );
    assert!(stages(&w, "ab").get(tok(8)).is_none());
    let names = event_names(&events);
    assert_eq!(names.last().map(String::as_str), Some("RotationAbandoned"));
    let abandoned = events.0.lock().unwrap().last().unwrap().detail.clone();
    assert_eq!(
        abandoned["additionalEventData"]["ClientRequestToken"],
        tok(8)
    );
    *state.fail_at.lock().unwrap() = None;
    ok(
        &w,
        "RotateSecret",
        json!({"SecretId": "ab", "ClientRequestToken": tok(10)}),
    );
    assert_eq!(current(&w, "ab"), format!("rotated-{}", tok(10)));
}

#[test]
fn the_deletion_lifecycle_is_emitted() {
    let (w, _, events) = rotating_world();
    let arn = create(&w, "gone", "v");
    ok(
        &w,
        "DeleteSecret",
        json!({"SecretId": "gone", "RecoveryWindowInDays": 7}),
    );
    ok(&w, "RestoreSecret", json!({"SecretId": "gone"}));
    ok(&w, "RestoreSecret", json!({"SecretId": "gone"}));
    ok(
        &w,
        "DeleteSecret",
        json!({"SecretId": "gone", "RecoveryWindowInDays": 7}),
    );
    w.clock.advance(Duration::from_secs(8 * 86_400));
    assert_eq!(crate::run_due(&w.env).purged, 1);
    assert_eq!(
        event_names(&events),
        [
            "StartSecretVersionDelete",
            "CancelSecretVersionDelete",
            "StartSecretVersionDelete",
            "EndSecretVersionDelete"
        ]
    );
    for e in events.0.lock().unwrap().iter() {
        assert_eq!(e.resources, vec![arn.clone()]);
        assert_eq!(e.detail["additionalEventData"]["SecretId"], arn);
    }
}
