//! EventBridge over an in-memory world: the API's behaviour and errors, routing and delivery
//! (with a recording outbound), dead letters, the EventBus port and the authorization table.

use crate::{Bus, dead_letters, run_due};
use rampart_protocol::AwsError;
use rampart_service::testkit::{ACCOUNT, World, sar_violation};
use rampart_service::{Answer, AwsEvent, EventBus, Outbound, Post, TlsTrust};
use rampart_store::{Scan, Store, space};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the outbound saw.
#[derive(Debug, Clone)]
struct Sent {
    url: String,
    headers: Vec<(String, String)>,
    body: String,
}

/// An outbound that records POSTs and answers with queued statuses (200 when none is queued).
#[derive(Default)]
struct Recorder {
    sent: Mutex<Vec<Sent>>,
    statuses: Mutex<VecDeque<u16>>,
}

impl Outbound for Recorder {
    fn get(&self, url: &str, _trust: &TlsTrust, _limit: usize) -> Result<Vec<u8>, String> {
        Err(format!("no GET in these tests ({url})"))
    }
    fn post(&self, post: &Post<'_>) -> Result<Answer, String> {
        self.sent.lock().unwrap().push(Sent {
            url: post.url.to_owned(),
            headers: post.headers.to_vec(),
            body: String::from_utf8_lossy(post.body).into_owned(),
        });
        let status = self.statuses.lock().unwrap().pop_front().unwrap_or(200);
        Ok(Answer {
            status,
            body: Vec::new(),
        })
    }
}

struct T {
    world: World,
    outbound: Arc<Recorder>,
    /// The world's data directory, removed with the test.
    dir: tempfile::TempDir,
}

impl T {
    fn new() -> T {
        let mut world = World::new(crate::register);
        let outbound = Arc::new(Recorder::default());
        world.env.outbound = outbound.clone();
        world.env.events = Arc::new(Bus::new());
        let dir = tempfile::tempdir().unwrap();
        world.env.data_dir = dir.path().to_owned();
        T {
            world,
            outbound,
            dir,
        }
    }

    fn call(&self, operation: &str, input: Value) -> Result<Value, AwsError> {
        let root = self.world.root();
        self.world.call_as(&root, "events", operation, input)
    }

    fn ok(&self, operation: &str, input: Value) -> Value {
        self.call(operation, input)
            .unwrap_or_else(|e| panic!("{operation}: {e}"))
    }

    fn err(&self, operation: &str, input: Value) -> AwsError {
        self.call(operation, input)
            .expect_err("the call should fail")
    }

    fn deliver(&self) -> crate::Report {
        run_due(&self.world.env).unwrap()
    }

    fn sent(&self) -> Vec<Sent> {
        self.outbound.sent.lock().unwrap().clone()
    }

    /// A connection, an API destination to `url` and a rule on the default bus selecting
    /// `pattern` that targets it; returns the destination's ARN.
    fn rule_to_endpoint(&self, rule: &str, pattern: Value, url: &str) -> String {
        let connection = self.ok(
            "CreateConnection",
            json!({"Name": format!("{rule}-conn"), "AuthorizationType": "API_KEY",
                   "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cr3t-value"}}}),
        )["ConnectionArn"]
            .as_str()
            .unwrap()
            .to_owned();
        let destination = self.ok(
            "CreateApiDestination",
            json!({"Name": format!("{rule}-dest"), "ConnectionArn": connection,
                   "InvocationEndpoint": url, "HttpMethod": "POST"}),
        )["ApiDestinationArn"]
            .as_str()
            .unwrap()
            .to_owned();
        self.ok(
            "PutRule",
            json!({"Name": rule, "EventPattern": pattern.to_string()}),
        );
        self.ok(
            "PutTargets",
            json!({"Rule": rule, "Targets": [{"Id": "t1", "Arn": destination}]}),
        );
        destination
    }

    fn put_event(&self, source: &str, detail: Value) -> Value {
        self.ok(
            "PutEvents",
            json!({"Entries": [{"Source": source, "DetailType": "Thing Happened", "Detail": detail.to_string()}]}),
        )
    }
}

#[test]
fn every_operation_has_an_authorization_rule() {
    let t = T::new();
    assert_eq!(t.world.operations_without_rules(), Vec::<String>::new());
}

#[test]
fn the_default_bus_exists_everywhere_and_cannot_be_deleted() {
    let t = T::new();
    let bus = t.ok("DescribeEventBus", json!({}));
    assert_eq!(bus["Name"], "default");
    assert_eq!(
        bus["Arn"],
        format!("arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default")
    );
    let e = t.err("DeleteEventBus", json!({"Name": "default"}));
    assert_eq!(e.code, "ValidationException");
    assert_eq!(e.message, "Cannot delete event bus default.");
}

#[test]
fn custom_buses() {
    let t = T::new();
    let created = t.ok(
        "CreateEventBus",
        json!({"Name": "orders", "Description": "orders bus", "Tags": [{"Key": "team", "Value": "a"}]}),
    );
    assert_eq!(
        created["EventBusArn"],
        format!("arn:aws:events:us-east-1:{ACCOUNT}:event-bus/orders")
    );
    let e = t.err("CreateEventBus", json!({"Name": "orders"}));
    assert_eq!(e.code, "ResourceAlreadyExistsException");
    assert_eq!(e.message, "Event bus orders already exists.");
    assert_eq!(
        t.err("CreateEventBus", json!({"Name": "a b"})).code,
        "ValidationException"
    );
    let names: Vec<Value> = t.ok("ListEventBuses", json!({}))["EventBuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["Name"].clone())
        .collect();
    assert_eq!(names, vec![json!("default"), json!("orders")]);
    let prefixed = t.ok("ListEventBuses", json!({"NamePrefix": "ord"}));
    assert_eq!(prefixed["EventBuses"].as_array().unwrap().len(), 1);
    assert_eq!(
        t.ok("DescribeEventBus", json!({"Name": "orders"}))["Description"],
        "orders bus"
    );
    t.ok(
        "PutRule",
        json!({"Name": "r", "EventBusName": "orders", "EventPattern": "{\"source\":[\"a\"]}"}),
    );
    t.ok("DeleteEventBus", json!({"Name": "orders"}));
    let e = t.err("DescribeEventBus", json!({"Name": "orders"}));
    assert_eq!(e.code, "ResourceNotFoundException");
    assert_eq!(e.message, "Event bus orders does not exist.");
    // Its rules went with it.
    t.ok("CreateEventBus", json!({"Name": "orders"}));
    assert_eq!(
        t.ok("ListRules", json!({"EventBusName": "orders"}))["Rules"],
        json!([])
    );
}

#[test]
fn put_rule_validates_as_aws() {
    let t = T::new();
    let e = t.err("PutRule", json!({"Name": "r"}));
    assert_eq!(e.code, "ValidationException");
    assert_eq!(
        e.message,
        "Parameter(s) EventPattern or ScheduleExpression must be specified."
    );
    let e = t.err(
        "PutRule",
        json!({"Name": "r", "EventPattern": "{\"source\": \"aws.ec2\"}"}),
    );
    assert_eq!(e.code, "InvalidEventPatternException");
    assert_eq!(
        e.message,
        "Event pattern is not valid. Reason: \"source\" must be an object or an array"
    );
    let e = t.err(
        "PutRule",
        json!({"Name": "r", "ScheduleExpression": "rate(5 minute)"}),
    );
    assert_eq!(e.message, "Parameter ScheduleExpression is not valid.");
    t.ok("CreateEventBus", json!({"Name": "custom"}));
    let e = t.err(
        "PutRule",
        json!({"Name": "r", "EventBusName": "custom", "ScheduleExpression": "rate(5 minutes)"}),
    );
    assert_eq!(
        e.message,
        "ScheduleExpression is supported only on the default event bus."
    );
    let e = t.err(
        "PutRule",
        json!({"Name": "r", "EventBusName": "nope", "EventPattern": "{\"a\":[1]}"}),
    );
    assert_eq!(e.code, "ResourceNotFoundException");
    assert_eq!(e.message, "Event bus nope does not exist.");
    let e = t.err(
        "PutRule",
        json!({"Name": "bad name", "EventPattern": "{\"a\":[1]}"}),
    );
    assert_eq!(e.code, "ValidationException");
    let long = format!("{{\"a\":[\"{}\"]}}", "x".repeat(4100));
    assert_eq!(
        t.err("PutRule", json!({"Name": "r", "EventPattern": long}))
            .code,
        "ValidationException"
    );
}

#[test]
fn rules_describe_list_enable_disable_delete() {
    let t = T::new();
    let arn = t.ok(
        "PutRule",
        json!({"Name": "r1", "EventPattern": "{\"source\":[\"my.app\"]}", "Description": "d"}),
    )["RuleArn"]
        .clone();
    assert_eq!(arn, format!("arn:aws:events:us-east-1:{ACCOUNT}:rule/r1"));
    t.ok(
        "PutRule",
        json!({"Name": "r2", "ScheduleExpression": "rate(1 hour)", "State": "DISABLED"}),
    );
    t.ok(
        "PutRule",
        json!({"Name": "other", "ScheduleExpression": "cron(0 12 * * ? *)"}),
    );
    let r1 = t.ok("DescribeRule", json!({"Name": "r1"}));
    assert_eq!(r1["State"], "ENABLED");
    assert_eq!(r1["EventBusName"], "default");
    assert_eq!(r1["CreatedBy"], ACCOUNT);
    assert_eq!(r1["Description"], "d");
    let listed = t.ok("ListRules", json!({"NamePrefix": "r", "Limit": 1}));
    assert_eq!(listed["Rules"][0]["Name"], "r1");
    let token = listed["NextToken"].clone();
    let next = t.ok(
        "ListRules",
        json!({"NamePrefix": "r", "Limit": 1, "NextToken": token}),
    );
    assert_eq!(next["Rules"][0]["Name"], "r2");
    assert_eq!(next["Rules"][0]["ScheduleExpression"], "rate(1 hour)");
    assert!(next.get("NextToken").is_none());
    t.ok("DisableRule", json!({"Name": "r1"}));
    assert_eq!(
        t.ok("DescribeRule", json!({"Name": "r1"}))["State"],
        "DISABLED"
    );
    t.ok("EnableRule", json!({"Name": "r1"}));
    assert_eq!(
        t.ok("DescribeRule", json!({"Name": "r1"}))["State"],
        "ENABLED"
    );
    let e = t.err("DescribeRule", json!({"Name": "missing"}));
    assert_eq!(e.code, "ResourceNotFoundException");
    assert_eq!(
        e.message,
        "Rule missing does not exist on EventBus default."
    );
    // Targets must be removed first.
    t.ok("PutTargets", json!({"Rule": "r1", "Targets": [{"Id": "a", "Arn": "arn:aws:logs:us-east-1:123456789012:log-group:g"}]}));
    let e = t.err("DeleteRule", json!({"Name": "r1"}));
    assert_eq!(e.code, "ValidationException");
    assert_eq!(e.message, "Rule can't be deleted since it has targets.");
    t.ok("RemoveTargets", json!({"Rule": "r1", "Ids": ["a"]}));
    t.ok("DeleteRule", json!({"Name": "r1"}));
    assert_eq!(
        t.err("DescribeRule", json!({"Name": "r1"})).code,
        "ResourceNotFoundException"
    );
    // Deleting what is not there succeeds.
    t.ok("DeleteRule", json!({"Name": "r1"}));
}

#[test]
fn targets_replace_by_id_and_are_limited_to_five() {
    let t = T::new();
    t.ok(
        "PutRule",
        json!({"Name": "r", "EventPattern": "{\"source\":[\"a\"]}"}),
    );
    let arn = "arn:aws:logs:us-east-1:123456789012:log-group:g";
    t.ok("PutTargets", json!({"Rule": "r", "Targets": [{"Id": "a", "Arn": arn}, {"Id": "b", "Arn": arn, "Input": "{\"k\":1}"}]}));
    t.ok(
        "PutTargets",
        json!({"Rule": "r", "Targets": [{"Id": "a", "Arn": arn, "InputPath": "$.detail"}]}),
    );
    t.ok(
        "PutRule",
        json!({"Name": "q", "EventPattern": "{\"source\":[\"b\"]}"}),
    );
    t.ok(
        "PutTargets",
        json!({"Rule": "q", "Targets": [{"Id": "z", "Arn": arn}]}),
    );
    assert_eq!(
        t.ok("ListRuleNamesByTarget", json!({"TargetArn": arn}))["RuleNames"],
        json!(["q", "r"])
    );
    let listed = t.ok("ListTargetsByRule", json!({"Rule": "r"}));
    assert_eq!(listed["Targets"].as_array().unwrap().len(), 2);
    assert_eq!(listed["Targets"][0]["InputPath"], "$.detail");
    let many: Vec<Value> = (0..4)
        .map(|i| json!({"Id": format!("x{i}"), "Arn": arn}))
        .collect();
    let e = t.err("PutTargets", json!({"Rule": "r", "Targets": many}));
    assert_eq!(e.code, "LimitExceededException");
    let e = t.err(
        "PutTargets",
        json!({"Rule": "r", "Targets": [{"Id": "c", "Arn": arn, "Input": "{}", "InputPath": "$"}]}),
    );
    assert_eq!(
        e.message,
        "Only one of Input, InputPath, or InputTransformer must be provided."
    );
    let e = t.err(
        "PutTargets",
        json!({"Rule": "nope", "Targets": [{"Id": "c", "Arn": arn}]}),
    );
    assert_eq!(e.message, "Rule nope does not exist on EventBus default.");
}

#[test]
fn put_events_checks_each_entry() {
    let t = T::new();
    let out = t.ok(
        "PutEvents",
        json!({"Entries": [
            {"Source": "my.app", "DetailType": "x", "Detail": "{}"},
            {"DetailType": "x", "Detail": "{}"},
            {"Source": "my.app", "Detail": "{}"},
            {"Source": "my.app", "DetailType": "x", "Detail": "not json"},
            {"Source": "aws.kms", "DetailType": "x", "Detail": "{}"},
            {"Source": "my.app", "DetailType": "x", "Detail": "{}", "EventBusName": "nope"}
        ]}),
    );
    assert_eq!(out["FailedEntryCount"], 5);
    let entries = out["Entries"].as_array().unwrap();
    assert!(entries[0]["EventId"].as_str().unwrap().len() == 36);
    assert_eq!(entries[1]["ErrorCode"], "InvalidArgument");
    assert_eq!(
        entries[1]["ErrorMessage"],
        "Parameter Source is not valid. Reason: Source is a required argument."
    );
    assert_eq!(
        entries[2]["ErrorMessage"],
        "Parameter DetailType is not valid. Reason: DetailType is a required argument."
    );
    assert_eq!(entries[3]["ErrorCode"], "MalformedDetail");
    assert_eq!(entries[4]["ErrorCode"], "NotAuthorizedForSourceException");
    assert_eq!(entries[5]["ErrorCode"], "ResourceNotFoundException");
    let e = t.err("PutEvents", json!({"Entries": []}));
    assert_eq!(e.code, "ValidationException");
}

#[test]
fn matching_events_reach_an_api_destination_with_the_connection_key() {
    let t = T::new();
    t.rule_to_endpoint(
        "orders",
        json!({"source": ["my.app"], "detail": {"amount": [{"numeric": [">", 100]}]}}),
        "http://127.0.0.1:9/hook",
    );
    let accepted = t.put_event("my.app", json!({"amount": 150}));
    t.put_event("my.app", json!({"amount": 50}));
    t.put_event("other.app", json!({"amount": 500}));
    assert_eq!(t.deliver().delivered, 1);
    let sent = t.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].url, "http://127.0.0.1:9/hook");
    assert!(
        sent[0]
            .headers
            .contains(&("x-api-key".into(), "s3cr3t-value".into()))
    );
    let event: Value = serde_json::from_str(&sent[0].body).unwrap();
    assert_eq!(event["id"], accepted["Entries"][0]["EventId"]);
    assert_eq!(event["source"], "my.app");
    assert_eq!(event["detail-type"], "Thing Happened");
    assert_eq!(event["account"], ACCOUNT);
    assert_eq!(event["region"], "us-east-1");
    assert_eq!(event["time"], "2023-11-14T22:13:20Z");
    assert_eq!(event["version"], "0");
    assert_eq!(event["detail"], json!({"amount": 150}));
    // Delivered once: the outbox is empty.
    assert_eq!(t.deliver(), crate::Report::default());
}

#[test]
fn disabled_rules_deliver_nothing() {
    let t = T::new();
    t.rule_to_endpoint("r", json!({"source": ["my.app"]}), "http://127.0.0.1:9/");
    t.ok("DisableRule", json!({"Name": "r"}));
    t.put_event("my.app", json!({}));
    assert_eq!(t.deliver().delivered, 0);
    assert!(t.sent().is_empty());
}

#[test]
fn basic_auth_and_input_transformers() {
    let t = T::new();
    let connection = t.ok(
        "CreateConnection",
        json!({"Name": "c", "AuthorizationType": "BASIC",
               "AuthParameters": {"BasicAuthParameters": {"Username": "user", "Password": "pa55"}}}),
    )["ConnectionArn"]
        .clone();
    let destination = t.ok(
        "CreateApiDestination",
        json!({"Name": "d", "ConnectionArn": connection, "InvocationEndpoint": "http://127.0.0.1:9/x", "HttpMethod": "POST"}),
    )["ApiDestinationArn"]
        .clone();
    t.ok(
        "PutRule",
        json!({"Name": "r", "EventPattern": "{\"source\":[\"my.app\"]}"}),
    );
    t.ok(
        "PutTargets",
        json!({"Rule": "r", "Targets": [{"Id": "t", "Arn": destination,
            "InputTransformer": {"InputPathsMap": {"n": "$.detail.name"}, "InputTemplate": "{\"hello\": \"<n>\"}"}}]}),
    );
    t.put_event("my.app", json!({"name": "world"}));
    t.deliver();
    let sent = t.sent();
    // base64("user:pa55")
    assert!(
        sent[0]
            .headers
            .contains(&("Authorization".into(), "Basic dXNlcjpwYTU1".into()))
    );
    assert_eq!(
        serde_json::from_str::<Value>(&sent[0].body).unwrap(),
        json!({"hello": "world"})
    );
}

#[test]
fn failures_are_retried_with_backoff_then_delivered() {
    let t = T::new();
    t.rule_to_endpoint("r", json!({"source": ["my.app"]}), "http://127.0.0.1:9/");
    t.outbound.statuses.lock().unwrap().extend([503, 429]);
    t.put_event("my.app", json!({}));
    assert_eq!(t.deliver().retried, 1);
    // Not due yet: nothing is sent again until the backoff passes.
    assert_eq!(t.deliver(), crate::Report::default());
    t.world.clock.advance(Duration::from_secs(1));
    assert_eq!(t.deliver().retried, 1);
    t.world.clock.advance(Duration::from_secs(1));
    assert_eq!(t.deliver(), crate::Report::default());
    t.world.clock.advance(Duration::from_secs(1));
    assert_eq!(t.deliver().delivered, 1);
    assert_eq!(t.sent().len(), 3);
}

#[test]
fn permanent_failures_and_exhausted_retries_become_dead_letters() {
    let t = T::new();
    let destination = t.rule_to_endpoint("r", json!({"source": ["my.app"]}), "http://127.0.0.1:9/");
    t.outbound.statuses.lock().unwrap().push_back(400);
    t.put_event("my.app", json!({"n": 1}));
    assert_eq!(t.deliver().dead, 1);
    let account = ACCOUNT.parse().unwrap();
    let region = "us-east-1".parse().unwrap();
    let dead = dead_letters(t.world.env.store.as_ref(), &account, &region).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["ERROR_MESSAGE"], "the endpoint answered 400");
    assert_eq!(dead[0]["TARGET_ARN"], destination);
    assert_eq!(dead[0]["event"]["detail"], json!({"n": 1}));
    // With no retries allowed, a 500 is given up at once.
    t.ok(
        "PutTargets",
        json!({"Rule": "r", "Targets": [{"Id": "t1", "Arn": destination, "RetryPolicy": {"MaximumRetryAttempts": 0}}]}),
    );
    t.outbound.statuses.lock().unwrap().push_back(500);
    t.put_event("my.app", json!({"n": 2}));
    assert_eq!(t.deliver().dead, 1);
    let dead = dead_letters(t.world.env.store.as_ref(), &account, &region).unwrap();
    assert_eq!(dead.len(), 2);
    assert!(
        dead.iter()
            .any(|d| d["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
                && d["event"]["detail"] == json!({"n": 2}))
    );
}

#[test]
fn events_travel_to_another_bus_and_match_there() {
    let t = T::new();
    let bus = t.ok("CreateEventBus", json!({"Name": "audit"}))["EventBusArn"].clone();
    t.ok(
        "PutRule",
        json!({"Name": "fwd", "EventPattern": "{\"source\":[\"my.app\"]}"}),
    );
    t.ok(
        "PutTargets",
        json!({"Rule": "fwd", "Targets": [{"Id": "b", "Arn": bus}]}),
    );
    let connection = t.ok(
        "CreateConnection",
        json!({"Name": "c", "AuthorizationType": "API_KEY",
               "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}}}),
    )["ConnectionArn"]
        .clone();
    let destination = t.ok(
        "CreateApiDestination",
        json!({"Name": "d", "ConnectionArn": connection, "InvocationEndpoint": "http://127.0.0.1:9/a", "HttpMethod": "POST"}),
    )["ApiDestinationArn"]
        .clone();
    t.ok("PutRule", json!({"Name": "there", "EventBusName": "audit", "EventPattern": "{\"source\":[\"my.app\"]}"}));
    t.ok("PutTargets", json!({"Rule": "there", "EventBusName": "audit", "Targets": [{"Id": "d", "Arn": destination}]}));
    t.put_event("my.app", json!({}));
    // First onto the audit bus (which routes it to its own rules), then to the endpoint.
    assert_eq!(t.deliver().delivered, 1);
    assert!(t.sent().is_empty());
    assert_eq!(t.deliver().delivered, 1);
    assert_eq!(t.sent().len(), 1);
}

#[test]
fn log_group_targets_append_to_a_file() {
    let t = T::new();
    let dir = t.dir.path();
    let group = "arn:aws:logs:us-east-1:123456789012:log-group:/rampart/test-events:*";
    t.ok(
        "PutRule",
        json!({"Name": "log", "EventPattern": "{\"source\":[\"file.app\"]}"}),
    );
    t.ok(
        "PutTargets",
        json!({"Rule": "log", "Targets": [{"Id": "f", "Arn": group}]}),
    );
    t.put_event("file.app", json!({"line": 1}));
    t.put_event("file.app", json!({"line": 2}));
    assert_eq!(t.deliver().delivered, 2);
    let file = dir.join("events/logs/123456789012/us-east-1/_rampart_test-events.log");
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    // EventBridge does not promise an order.
    let mut seen: Vec<i64> = lines
        .iter()
        .map(|l| l["detail"]["line"].as_i64().unwrap())
        .collect();
    seen.sort();
    assert_eq!(seen, vec![1, 2]);
    // Another account's log group is not written.
    t.ok(
        "PutTargets",
        json!({"Rule": "log", "Targets": [{"Id": "f", "Arn": "arn:aws:logs:us-east-1:210987654321:log-group:x"}]}),
    );
    t.put_event("file.app", json!({"line": 3}));
    assert_eq!(t.deliver().dead, 1);
    assert!(
        !dir.join("events/logs/210987654321/us-east-1/x.log")
            .exists()
    );
}

#[test]
fn service_events_go_through_the_event_bus_port() {
    let t = T::new();
    t.rule_to_endpoint(
        "ssm",
        json!({"source": ["aws.ssm"], "detail-type": ["Parameter Store Policy Action"]}),
        "http://127.0.0.1:9/ssm",
    );
    Bus::new()
        .emit(
            &t.world.env,
            AwsEvent {
                source: "aws.ssm".into(),
                detail_type: "Parameter Store Policy Action".into(),
                account: ACCOUNT.parse().unwrap(),
                region: "us-east-1".parse().unwrap(),
                time: t.world.env.clock.now(),
                resources: vec!["arn:aws:ssm:us-east-1:123456789012:parameter/p".into()],
                detail: json!({"parameter-name": "/p", "action-status": "Deleted"}),
            },
        )
        .unwrap();
    t.deliver();
    let sent = t.sent();
    assert_eq!(sent.len(), 1);
    let event: Value = serde_json::from_str(&sent[0].body).unwrap();
    assert_eq!(event["source"], "aws.ssm");
    assert_eq!(
        event["resources"][0],
        "arn:aws:ssm:us-east-1:123456789012:parameter/p"
    );
}

#[test]
fn test_event_pattern_agrees_with_matching() {
    let t = T::new();
    let event = json!({"id": "1", "account": ACCOUNT, "source": "com.mycompany.myapp", "time": "2017-04-11T20:11:04Z",
                       "region": "us-east-1", "resources": [], "detail-type": "myDetailType", "detail": {"n": 3}}).to_string();
    let yes = t.ok(
        "TestEventPattern",
        json!({"EventPattern": "{\"source\":[\"com.mycompany.myapp\"]}", "Event": event}),
    );
    assert_eq!(yes["Result"], true);
    let no = t.ok(
        "TestEventPattern",
        json!({"EventPattern": "{\"detail\":{\"n\":[{\"numeric\":[\">\",5]}]}}", "Event": event}),
    );
    assert_eq!(no["Result"], false);
    let e = t.err(
        "TestEventPattern",
        json!({"EventPattern": "{\"source\":[]}", "Event": event}),
    );
    assert_eq!(e.code, "InvalidEventPatternException");
    assert_eq!(
        e.message,
        "Event pattern is not valid. Reason: Empty arrays are not allowed"
    );
    let e = t.err(
        "TestEventPattern",
        json!({"EventPattern": "{\"source\":[\"a\"]}", "Event": "{\"source\":\"a\"}"}),
    );
    assert_eq!(e.code, "ValidationException");
    assert_eq!(e.message, "Parameter Event is not valid.");
}

#[test]
fn tags_on_rules_and_buses() {
    let t = T::new();
    let rule = t.ok(
        "PutRule",
        json!({"Name": "r", "EventPattern": "{\"a\":[1]}", "Tags": [{"Key": "k", "Value": "v"}]}),
    )["RuleArn"]
        .clone();
    t.ok(
        "TagResource",
        json!({"ResourceARN": rule, "Tags": [{"Key": "k2", "Value": "v2"}]}),
    );
    t.ok(
        "UntagResource",
        json!({"ResourceARN": rule, "TagKeys": ["k"]}),
    );
    assert_eq!(
        t.ok("ListTagsForResource", json!({"ResourceARN": rule}))["Tags"],
        json!([{"Key": "k2", "Value": "v2"}])
    );
    let default = format!("arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default");
    t.ok(
        "TagResource",
        json!({"ResourceARN": default, "Tags": [{"Key": "env", "Value": "dev"}]}),
    );
    assert_eq!(
        t.ok("ListTagsForResource", json!({"ResourceARN": default}))["Tags"],
        json!([{"Key": "env", "Value": "dev"}])
    );
    let e = t.err(
        "ListTagsForResource",
        json!({"ResourceARN": format!("arn:aws:events:us-east-1:{ACCOUNT}:rule/none")}),
    );
    assert_eq!(e.code, "ResourceNotFoundException");
}

#[test]
fn connection_secrets_are_sealed_and_never_shown() {
    let t = T::new();
    t.ok(
        "CreateConnection",
        json!({"Name": "c", "AuthorizationType": "API_KEY",
               "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-key", "ApiKeyValue": "very-secret-value"}}}),
    );
    let shown = t.ok("DescribeConnection", json!({"Name": "c"}));
    assert_eq!(
        shown["AuthParameters"],
        json!({"ApiKeyAuthParameters": {"ApiKeyName": "x-key"}})
    );
    assert_eq!(shown["ConnectionState"], "AUTHORIZED");
    assert!(!shown.to_string().contains("very-secret-value"));
    let listed = t.ok("ListConnections", json!({}));
    assert!(!listed.to_string().contains("very-secret-value"));
    let account = ACCOUNT.parse().unwrap();
    let region = "us-east-1".parse().unwrap();
    let stored = t
        .world
        .env
        .store
        .scan(
            &space::account_region(&account, &region),
            "events.connection",
            &Scan::all(),
        )
        .unwrap();
    assert!(!String::from_utf8_lossy(&stored[0].value).contains("very-secret-value"));
    let e = t.err(
        "CreateConnection",
        json!({"Name": "c", "AuthorizationType": "API_KEY",
        "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "a", "ApiKeyValue": "b"}}}),
    );
    assert_eq!(e.code, "ResourceAlreadyExistsException");
    let e = t.err("DescribeConnection", json!({"Name": "none"}));
    assert_eq!(
        e.message,
        "Failed to describe the connection(s). Connection 'none' does not exist."
    );
    assert_eq!(
        t.ok("DeleteConnection", json!({"Name": "c"}))["ConnectionState"],
        "DELETING"
    );
}

#[test]
fn api_destinations() {
    let t = T::new();
    let e = t.err(
        "CreateApiDestination",
        json!({"Name": "d", "ConnectionArn": format!("arn:aws:events:us-east-1:{ACCOUNT}:connection/none/x"),
               "InvocationEndpoint": "http://127.0.0.1/", "HttpMethod": "POST"}),
    );
    assert_eq!(e.code, "ResourceNotFoundException");
    let destination = t.rule_to_endpoint("r", json!({"a": [1]}), "http://127.0.0.1:9/p");
    let shown = t.ok("DescribeApiDestination", json!({"Name": "r-dest"}));
    assert_eq!(shown["ApiDestinationArn"], destination);
    assert_eq!(shown["HttpMethod"], "POST");
    assert_eq!(shown["ApiDestinationState"], "ACTIVE");
    assert_eq!(
        t.ok("ListApiDestinations", json!({}))["ApiDestinations"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    t.ok("DeleteApiDestination", json!({"Name": "r-dest"}));
    let e = t.err("DescribeApiDestination", json!({"Name": "r-dest"}));
    assert_eq!(
        e.message,
        "Failed to describe the api-destination(s). An api-destination 'r-dest' does not exist."
    );
}

mod access {
    use super::*;
    use rampart_service::Access;

    fn vals(access: &Access, key: &str) -> Vec<String> {
        access
            .context
            .get(key)
            .map(|v| v.values().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    fn accesses(t: &T, operation: &str, input: Value) -> Vec<Access> {
        let root = t.world.root();
        let accesses = t
            .world
            .accesses(&root, "events", operation, &input)
            .unwrap();
        for access in &accesses {
            assert_eq!(sar_violation(access), None, "{operation}");
        }
        accesses
    }

    #[test]
    fn rules_are_authorized_on_their_arn_with_pattern_keys() {
        let t = T::new();
        let a = accesses(
            &t,
            "PutRule",
            json!({"Name": "r", "EventPattern": "{\"source\":[\"a\",\"b\"],\"detail-type\":[\"T\"]}", "Tags": [{"Key": "team", "Value": "x"}]}),
        );
        assert_eq!(a[0].action, "events:PutRule");
        assert_eq!(
            a[0].resource,
            format!("arn:aws:events:us-east-1:{ACCOUNT}:rule/r")
        );
        assert_eq!(
            vals(&a[0], "events:source"),
            vec!["a".to_owned(), "b".to_owned()]
        );
        assert_eq!(a[0].context.single("events:detail-type"), Some("T"));
        assert_eq!(vals(&a[0], "aws:RequestTag/team"), vec!["x".to_owned()]);
        assert_eq!(
            vals(&a[0], "events:creatorAccount"),
            vec![ACCOUNT.to_owned()]
        );
        let a = accesses(
            &t,
            "DescribeRule",
            json!({"Name": "r", "EventBusName": "orders"}),
        );
        assert_eq!(
            a[0].resource,
            format!("arn:aws:events:us-east-1:{ACCOUNT}:rule/orders/r")
        );
        let a = accesses(
            &t,
            "PutTargets",
            json!({"Rule": "r", "Targets": [{"Id": "1", "Arn": "arn:aws:events:us-east-1:123456789012:event-bus/x"}]}),
        );
        assert_eq!(
            vals(&a[0], "events:TargetArn"),
            vec!["arn:aws:events:us-east-1:123456789012:event-bus/x".to_owned()]
        );
    }

    #[test]
    fn put_events_is_authorized_per_bus() {
        let t = T::new();
        let a = accesses(
            &t,
            "PutEvents",
            json!({"Entries": [
                {"Source": "s1", "DetailType": "d1", "Detail": "{}"},
                {"Source": "s2", "DetailType": "d1", "Detail": "{}", "EventBusName": "orders"}
            ]}),
        );
        assert_eq!(a.len(), 2);
        assert_eq!(
            a[0].resource,
            format!("arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default")
        );
        assert_eq!(
            a[1].resource,
            format!("arn:aws:events:us-east-1:{ACCOUNT}:event-bus/orders")
        );
        assert_eq!(a[1].context.single("events:source"), Some("s2"));
        assert_eq!(a[0].context.single("events:detail-type"), Some("d1"));
        // Each kind of entry is its own access, with single values.
        let a = accesses(
            &t,
            "PutEvents",
            json!({"Entries": [
                {"Source": "s1", "DetailType": "d1", "Detail": "{}"},
                {"Source": "s2", "DetailType": "d1", "Detail": "{}"},
                {"Source": "s1", "DetailType": "d1", "Detail": "{\"x\": 1}"}
            ]}),
        );
        assert_eq!(a.len(), 2);
        assert_eq!(a[1].context.single("events:source"), Some("s2"));
    }

    #[test]
    fn resource_tags_and_wildcard_operations() {
        let t = T::new();
        t.ok("PutRule", json!({"Name": "r", "EventPattern": "{\"a\":[1]}", "Tags": [{"Key": "team", "Value": "x"}]}));
        let a = accesses(&t, "DisableRule", json!({"Name": "r"}));
        assert_eq!(vals(&a[0], "aws:ResourceTag/team"), vec!["x".to_owned()]);
        for op in [
            "ListRules",
            "ListEventBuses",
            "TestEventPattern",
            "ListConnections",
            "ListApiDestinations",
        ] {
            assert_eq!(accesses(&t, op, json!({}))[0].resource, "*");
        }
        let a = accesses(
            &t,
            "CreateApiDestination",
            json!({"Name": "d", "ConnectionArn": format!("arn:aws:events:us-east-1:{ACCOUNT}:connection/c/1")}),
        );
        assert_eq!(a.len(), 2);
        accesses(&t, "CreateConnection", json!({"Name": "c"}));
        accesses(&t, "CreateEventBus", json!({"Name": "b"}));
        accesses(
            &t,
            "UntagResource",
            json!({"ResourceARN": format!("arn:aws:events:us-east-1:{ACCOUNT}:rule/r"), "TagKeys": ["team"]}),
        );
    }
}

#[test]
fn buses_of_other_accounts_and_regions_are_not_reached() {
    let t = T::new();
    // A rule that targets another account's bus: the delivery is refused, not made.
    t.ok(
        "PutRule",
        json!({"Name": "r", "EventPattern": "{\"source\":[\"my.app\"]}"}),
    );
    t.ok(
        "PutTargets",
        json!({"Rule": "r", "Targets": [{"Id": "x", "Arn": "arn:aws:events:us-east-1:210987654321:event-bus/default"}]}),
    );
    t.put_event("my.app", json!({}));
    assert_eq!(t.deliver().dead, 1);
    let account = ACCOUNT.parse().unwrap();
    let region = "us-east-1".parse().unwrap();
    let dead = dead_letters(t.world.env.store.as_ref(), &account, &region).unwrap();
    assert_eq!(
        dead[0]["ERROR_MESSAGE"],
        "the event bus arn:aws:events:us-east-1:210987654321:event-bus/default has no policy allowing other accounts"
    );
    // Once their policy allows this account, the forwarded event arrives there.
    let other_root = rampart_service::testkit::root_of("210987654321");
    t.world
        .call_as(
            &other_root,
            "events",
            "PutPermission",
            json!({"Principal": "999999999999", "StatementId": "x"}),
        )
        .unwrap();
    t.put_event("my.app", json!({}));
    assert_eq!(t.deliver().dead, 1);
    t.world
        .call_as(
            &other_root,
            "events",
            "PutPermission",
            json!({"Principal": ACCOUNT, "StatementId": "a"}),
        )
        .unwrap();
    t.world
        .call_as(
            &other_root,
            "events",
            "PutRule",
            json!({"Name": "in", "EventPattern": "{\"source\":[\"my.app\"]}"}),
        )
        .unwrap();
    t.world
        .call_as(&other_root, "events", "PutTargets", json!({"Rule": "in", "Targets": [{"Id": "f", "Arn": "arn:aws:logs:us-east-1:210987654321:log-group:forwarded"}]}))
        .unwrap();
    let dir = t.dir.path();
    t.put_event("my.app", json!({"forwarded": true}));
    assert_eq!(t.deliver().delivered, 1);
    assert_eq!(t.deliver().delivered, 1);
    let text =
        std::fs::read_to_string(dir.join("events/logs/210987654321/us-east-1/forwarded.log"))
            .unwrap();
    assert!(text.contains("\"forwarded\":true"));
    // A bus ARN of another region is not a bus of the caller's region.
    let e = t.err(
        "DescribeRule",
        json!({"Name": "r", "EventBusName": format!("arn:aws:events:eu-west-1:{ACCOUNT}:event-bus/default")}),
    );
    assert_eq!(e.code, "ResourceNotFoundException");
    let e = t.err(
        "PutRule",
        json!({"Name": "x", "EventPattern": "{\"a\":[1]}", "EventBusName": "arn:aws:events:us-east-1:210987654321:event-bus/default"}),
    );
    assert_eq!(e.code, "ResourceNotFoundException");
}

#[test]
fn another_account_puts_events_on_a_bus_whose_policy_allows_it() {
    let t = T::new();
    let other = "210987654321";
    let other_root = rampart_service::testkit::root_of(other);
    let as_other = |op: &str, input: Value| t.world.call_as(&other_root, "events", op, input);
    let their_bus = format!("arn:aws:events:us-east-1:{other}:event-bus/default");
    let entry = json!({"Entries": [{"Source": "my.app", "DetailType": "x", "Detail": "{}", "EventBusName": their_bus}]});
    let root = t.world.root();
    // Without a policy the access carries none: only the owner's consent could allow it.
    let a = t
        .world
        .accesses(&root, "events", "PutEvents", &entry)
        .unwrap();
    assert_eq!(a[0].resource, their_bus);
    assert!(a[0].resource_policy.is_none());
    as_other(
        "PutPermission",
        json!({"Action": "events:PutEvents", "Principal": ACCOUNT, "StatementId": "from-a"}),
    )
    .unwrap();
    let described = as_other("DescribeEventBus", json!({})).unwrap();
    let policy: Value = serde_json::from_str(described["Policy"].as_str().unwrap()).unwrap();
    assert_eq!(policy["Statement"][0]["Sid"], "from-a");
    assert_eq!(
        policy["Statement"][0]["Principal"],
        json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:root")})
    );
    assert_eq!(policy["Statement"][0]["Resource"], their_bus);
    let a = t
        .world
        .accesses(&root, "events", "PutEvents", &entry)
        .unwrap();
    assert!(a[0].resource_policy.is_some());
    // Their rule sees the event, which keeps the sender's account.
    let group = format!("arn:aws:logs:us-east-1:{other}:log-group:inbox");
    as_other(
        "PutRule",
        json!({"Name": "in", "EventPattern": "{\"source\":[\"my.app\"]}"}),
    )
    .unwrap();
    as_other(
        "PutTargets",
        json!({"Rule": "in", "Targets": [{"Id": "f", "Arn": group}]}),
    )
    .unwrap();
    let dir = t.dir.path();
    let out = t.ok("PutEvents", entry.clone());
    assert_eq!(out["FailedEntryCount"], 0);
    assert_eq!(t.deliver().delivered, 1);
    let text =
        std::fs::read_to_string(dir.join(format!("events/logs/{other}/us-east-1/inbox.log")))
            .unwrap();
    let event: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(event["account"], ACCOUNT);
    // Statements are replaced by id and removed; the last one takes the policy with it.
    as_other(
        "PutPermission",
        json!({"Principal": "*", "StatementId": "org",
        "Condition": {"Type": "StringEquals", "Key": "aws:PrincipalOrgID", "Value": "o-abc123"}}),
    )
    .unwrap();
    let policy: Value = serde_json::from_str(
        as_other("DescribeEventBus", json!({})).unwrap()["Policy"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        policy["Statement"][1]["Condition"],
        json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})
    );
    let e = as_other("RemovePermission", json!({"StatementId": "nope"})).unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
    as_other("RemovePermission", json!({"StatementId": "from-a"})).unwrap();
    as_other("RemovePermission", json!({"StatementId": "org"})).unwrap();
    assert!(
        as_other("DescribeEventBus", json!({}))
            .unwrap()
            .get("Policy")
            .is_none()
    );
    let e = as_other(
        "PutPermission",
        json!({"Principal": "12", "StatementId": "x"}),
    )
    .unwrap_err();
    assert_eq!(e.code, "ValidationException");
}

#[test]
fn rate_schedules_fire_scheduled_events() {
    let t = T::new();
    let destination = t.rule_to_endpoint(
        "every5",
        json!({"source": ["unused"]}),
        "http://127.0.0.1:9/tick",
    );
    t.ok(
        "PutRule",
        json!({"Name": "every5", "ScheduleExpression": "rate(5 minutes)"}),
    );
    t.ok(
        "PutTargets",
        json!({"Rule": "every5", "Targets": [{"Id": "t1", "Arn": destination}]}),
    );
    let fire = |t: &T| crate::schedules::fire_due(&t.world.env).unwrap();
    assert_eq!(fire(&t), 0);
    t.world.clock.advance(Duration::from_secs(299));
    assert_eq!(fire(&t), 0);
    t.world.clock.advance(Duration::from_secs(1));
    assert_eq!(fire(&t), 1);
    assert_eq!(fire(&t), 0);
    t.deliver();
    let event: Value = serde_json::from_str(&t.sent()[0].body).unwrap();
    assert_eq!(event["source"], "aws.events");
    assert_eq!(event["detail-type"], "Scheduled Event");
    assert_eq!(
        event["resources"][0],
        format!("arn:aws:events:us-east-1:{ACCOUNT}:rule/every5")
    );
    assert_eq!(event["detail"], json!({}));
    // Disabled: the period passes without firing; a long outage fires once.
    t.ok("DisableRule", json!({"Name": "every5"}));
    t.world.clock.advance(Duration::from_secs(300));
    assert_eq!(fire(&t), 0);
    t.ok("EnableRule", json!({"Name": "every5"}));
    t.world.clock.advance(Duration::from_secs(3000));
    assert_eq!(fire(&t), 1);
    assert_eq!(fire(&t), 0);
    t.world.clock.advance(Duration::from_secs(299));
    assert_eq!(fire(&t), 0);
    t.world.clock.advance(Duration::from_secs(1));
    assert_eq!(fire(&t), 1);
    // A deleted rule stops firing.
    t.ok("RemoveTargets", json!({"Rule": "every5", "Ids": ["t1"]}));
    t.ok("DeleteRule", json!({"Name": "every5"}));
    t.world.clock.advance(Duration::from_secs(600));
    assert_eq!(fire(&t), 0);
}

#[test]
fn read_only_api_calls_reach_only_rules_enabled_for_all_management_events() {
    let t = T::new();
    t.rule_to_endpoint(
        "writes",
        json!({"source": ["aws.kms"]}),
        "http://127.0.0.1:9/w",
    );
    t.rule_to_endpoint(
        "all",
        json!({"source": ["aws.kms"]}),
        "http://127.0.0.1:9/a",
    );
    t.ok(
        "PutRule",
        json!({"Name": "all", "EventPattern": "{\"source\":[\"aws.kms\"]}",
               "State": "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"}),
    );
    let call = |read_only: bool| AwsEvent {
        source: "aws.kms".into(),
        detail_type: "AWS API Call via CloudTrail".into(),
        account: ACCOUNT.parse().unwrap(),
        region: "us-east-1".parse().unwrap(),
        time: t.world.env.clock.now(),
        resources: vec![],
        detail: json!({"eventName": if read_only { "DescribeKey" } else { "CreateKey" }, "readOnly": read_only}),
    };
    Bus::new().emit(&t.world.env, call(true)).unwrap();
    t.deliver();
    let urls: Vec<String> = t.sent().iter().map(|s| s.url.clone()).collect();
    assert_eq!(urls, vec!["http://127.0.0.1:9/a".to_owned()]);
    Bus::new().emit(&t.world.env, call(false)).unwrap();
    t.deliver();
    assert_eq!(t.sent().len(), 3);
}

#[test]
fn the_interest_check_follows_the_rules_of_the_default_bus() {
    let t = T::new();
    let bus = Bus::new();
    let account: rampart_types::AccountId = ACCOUNT.parse().unwrap();
    let region: rampart_types::Region = "us-east-1".parse().unwrap();
    let other: rampart_types::Region = "eu-west-1".parse().unwrap();
    let api_call = "AWS API Call via CloudTrail";
    let wants = |region: &rampart_types::Region, source: &str| {
        bus.wants(&t.world.env, &account, region, source, api_call)
    };
    assert!(!wants(&region, "aws.iam"));
    let pattern = json!({"source": ["aws.iam"], "detail-type": [api_call],
                         "detail": {"eventName": ["CreateUser"]}});
    t.ok(
        "PutRule",
        json!({"Name": "iam", "EventPattern": pattern.to_string()}),
    );
    assert!(wants(&region, "aws.iam"));
    assert!(!wants(&region, "aws.kms"));
    assert!(!wants(&other, "aws.iam"));
    t.ok("DisableRule", json!({"Name": "iam"}));
    assert!(!wants(&region, "aws.iam"));
    t.ok("EnableRule", json!({"Name": "iam"}));
    assert!(wants(&region, "aws.iam"));
    // Rules of a custom bus never see service events.
    t.ok("DeleteRule", json!({"Name": "iam"}));
    t.ok("CreateEventBus", json!({"Name": "orders"}));
    t.ok(
        "PutRule",
        json!({"Name": "iam", "EventBusName": "orders", "EventPattern": pattern.to_string()}),
    );
    assert!(!wants(&region, "aws.iam"));
    // Without EventBridge nothing is wanted.
    assert!(!rampart_service::NoEvents.wants(&t.world.env, &account, &region, "aws.iam", api_call));
}

#[test]
fn cron_rules_fire_once_at_each_due_minute() {
    // The world's clock starts at 2023-11-14T22:13:20Z.
    let t = T::new();
    let destination = t.rule_to_endpoint(
        "nightly",
        json!({"source": ["unused"]}),
        "http://127.0.0.1:9/nightly",
    );
    t.ok(
        "PutRule",
        json!({"Name": "nightly", "ScheduleExpression": "cron(30 23 * * ? *)"}),
    );
    t.ok(
        "PutTargets",
        json!({"Rule": "nightly", "Targets": [{"Id": "t1", "Arn": destination}]}),
    );
    let fire = |t: &T| crate::schedules::fire_due(&t.world.env).unwrap();
    // 23:29:59: not yet.
    t.world.clock.advance(Duration::from_secs(76 * 60 + 39));
    assert_eq!(fire(&t), 0);
    // 23:30:00: once, however often the duty runs in that minute.
    t.world.clock.advance(Duration::from_secs(1));
    assert_eq!(fire(&t), 1);
    assert_eq!(fire(&t), 0);
    t.world.clock.advance(Duration::from_secs(30));
    assert_eq!(fire(&t), 0);
    t.deliver();
    let event: Value = serde_json::from_str(&t.sent()[0].body).unwrap();
    assert_eq!(event["detail-type"], "Scheduled Event");
    assert_eq!(event["time"], "2023-11-14T23:30:00Z");
    // Three nights pass while the server is away: one firing, not three.
    t.world.clock.advance(Duration::from_secs(3 * 86_400));
    assert_eq!(fire(&t), 1);
    assert_eq!(fire(&t), 0);
    // The next night fires again.
    t.world.clock.advance(Duration::from_secs(86_400));
    assert_eq!(fire(&t), 1);
    // A cron that names only past years is never tracked.
    t.ok(
        "PutRule",
        json!({"Name": "nightly", "ScheduleExpression": "cron(0 0 1 1 ? 2020)"}),
    );
    t.world.clock.advance(Duration::from_secs(86_400 * 400));
    assert_eq!(fire(&t), 0);
}
