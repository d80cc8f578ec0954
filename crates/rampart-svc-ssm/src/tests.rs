//! Parameter Store through its registered operations, with KMS's real port (`Keys`) and a
//! recording event bus.

use rampart_protocol::AwsError;
use rampart_service::testkit::{ACCOUNT, World, sar_violation};
use rampart_service::{
    AwsEvent, Call, DataKey, EventBus, KeyService, OnBehalf, Principal, PrincipalKind,
};
use rampart_store::{Key, Scan, space};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zeroize::Zeroizing;

#[derive(Default)]
struct Recorder(Mutex<Vec<AwsEvent>>);

impl Recorder {
    fn take(&self) -> Vec<AwsEvent> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl EventBus for Recorder {
    fn emit(&self, _env: &rampart_service::Env, event: AwsEvent) -> Result<(), AwsError> {
        self.0.lock().unwrap().push(event);
        Ok(())
    }
}

/// KMS's port, except that every Decrypt is refused as KMS refuses a caller without
/// `kms:Decrypt`.
struct NoDecrypt(rampart_svc_kms::Keys);

impl KeyService for NoDecrypt {
    fn key_arn(&self, call: &Call<'_>, request: &OnBehalf<'_>) -> Result<String, AwsError> {
        self.0.key_arn(call, request)
    }
    fn generate_data_key(
        &self,
        call: &Call<'_>,
        request: &OnBehalf<'_>,
    ) -> Result<DataKey, AwsError> {
        self.0.generate_data_key(call, request)
    }
    fn encrypt(
        &self,
        call: &Call<'_>,
        request: &OnBehalf<'_>,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, AwsError> {
        self.0.encrypt(call, request, plaintext)
    }
    fn decrypt(
        &self,
        call: &Call<'_>,
        _request: &OnBehalf<'_>,
        _blob: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, AwsError> {
        Err(AwsError::new(
            "AccessDeniedException",
            400,
            format!(
                "User: {} is not authorized to perform: kms:Decrypt on this resource because no identity-based policy allows the kms:Decrypt action",
                call.principal.arn()
            ),
        ))
    }
}

fn world() -> (World, Arc<Recorder>) {
    let mut w = World::new(|r| {
        crate::register(r);
        rampart_svc_kms::register(r);
    });
    w.env.keys = Arc::new(rampart_svc_kms::Keys::new());
    let events = Arc::new(Recorder::default());
    w.env.events = events.clone();
    (w, events)
}

fn call(w: &World, op: &str, input: Value) -> Result<Value, AwsError> {
    w.call_as(&w.root(), "ssm", op, input)
}

fn ok(w: &World, op: &str, input: Value) -> Value {
    call(w, op, input).unwrap_or_else(|e| panic!("{op}: {e}"))
}

fn code(w: &World, op: &str, input: Value) -> String {
    match call(w, op, input) {
        Ok(v) => panic!("{op} succeeded: {v}"),
        Err(e) => e.code.to_string(),
    }
}

fn put(w: &World, name: &str, value: &str) -> Value {
    ok(
        w,
        "PutParameter",
        json!({"Name": name, "Value": value, "Type": "String"}),
    )
}

fn get(w: &World, name: &str) -> Value {
    ok(w, "GetParameter", json!({"Name": name}))["Parameter"].clone()
}

fn region_space() -> String {
    format!("acct/{ACCOUNT}/us-east-1")
}

/// Everything Parameter Store stored, to show that a refused request changed nothing.
fn snapshot(w: &World) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (space, table) in [
        (region_space(), crate::record::TABLE),
        (region_space(), "ssm.count"),
        (space::SYSTEM.to_owned(), crate::due::TABLE),
    ] {
        for item in w.env.store.scan(&space, table, &Scan::all()).unwrap() {
            out.push((format!("{space}|{table}|{}", item.key.id), item.value));
        }
    }
    out
}

/// Asserts that `op` fails with `expected` and leaves the store as it was.
fn refused(w: &World, op: &str, input: Value, expected: &str) {
    let before = snapshot(w);
    assert_eq!(code(w, op, input), expected, "{op}");
    assert_eq!(
        snapshot(w),
        before,
        "{op} changed the store although it failed"
    );
}

fn arn(name: &str) -> String {
    format!(
        "arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/{}",
        name.trim_start_matches('/')
    )
}

#[test]
fn every_operation_has_an_authorization_rule() {
    let (w, _) = world();
    assert!(w.operations_without_rules().is_empty());
}

#[test]
fn put_then_get_a_string() {
    let (w, _) = world();
    let out = put(&w, "/app/db/host", "db.internal");
    assert_eq!(out, json!({"Version": 1, "Tier": "Standard"}));
    let p = get(&w, "/app/db/host");
    assert_eq!(p["Name"], "/app/db/host");
    assert_eq!(p["Type"], "String");
    assert_eq!(p["Value"], "db.internal");
    assert_eq!(p["Version"], 1);
    assert_eq!(p["DataType"], "text");
    assert_eq!(p["ARN"], arn("/app/db/host"));
    assert_eq!(p["LastModifiedDate"], 1_700_000_000.0);
    assert!(p.get("Selector").is_none());
    let missing = call(&w, "GetParameter", json!({"Name": "/app/nothing"})).unwrap_err();
    assert_eq!(missing.code, "ParameterNotFound");
    assert_eq!(missing.message, "", "AWS's GetParameter names nothing");
}

#[test]
fn names_are_trimmed_and_checked() {
    let (w, _) = world();
    put(&w, "  /trim/me ", "v");
    assert_eq!(get(&w, "/trim/me")["Name"], "/trim/me");
    assert_eq!(get(&w, " /trim/me  ")["Name"], "/trim/me");
    assert_eq!(
        code(&w, "GetParameter", json!({"Name": "/trim /me"})),
        "ValidationException"
    );
    let deep = "/l".repeat(16);
    refused(
        &w,
        "PutParameter",
        json!({"Name": deep, "Value": "v", "Type": "String"}),
        "HierarchyLevelLimitExceededException",
    );
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/aws/mine", "Value": "v", "Type": "String"}),
        "AccessDeniedException",
    );
    refused(
        &w,
        "PutParameter",
        json!({"Name": "ssm-thing", "Value": "v", "Type": "String"}),
        "ValidationException",
    );
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/has space/x", "Value": "v", "Type": "String"}),
        "ValidationException",
    );
}

#[test]
fn overwrite_adds_versions_and_keeps_metadata() {
    let (w, events) = world();
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/p", "Value": "1", "Type": "String", "Description": "the port",
               "AllowedPattern": "^\\d+$", "Tags": [{"Key": "team", "Value": "core"}]}),
    );
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/p", "Value": "2", "Type": "String"}),
        "ParameterAlreadyExists",
    );
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/p", "Value": "2", "Overwrite": true,
               "Tags": [{"Key": "a", "Value": "b"}]}),
        "ValidationException",
    );
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/p", "Value": "not-a-number", "Overwrite": true}),
        "ParameterPatternMismatchException",
    );
    let out = ok(
        &w,
        "PutParameter",
        json!({"Name": "/p", "Value": "2", "Overwrite": true}),
    );
    assert_eq!(out["Version"], 2);
    let described = ok(&w, "DescribeParameters", json!({}))["Parameters"][0].clone();
    assert_eq!(described["Description"], "the port");
    assert_eq!(described["AllowedPattern"], "^\\d+$");
    assert_eq!(described["Type"], "String");
    assert_eq!(
        described["LastModifiedUser"],
        format!("arn:aws:iam::{ACCOUNT}:root")
    );
    let operations: Vec<String> = events
        .take()
        .iter()
        .filter(|e| e.detail_type == "Parameter Store Change")
        .map(|e| e.detail["operation"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(operations, ["Create", "Update"]);
}

#[test]
fn a_type_is_required_on_create_only() {
    let (w, _) = world();
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/t", "Value": "v"}),
        "ValidationException",
    );
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/t", "Value": "v", "Type": "Str"}),
        "ValidationException",
    );
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/t", "Value": "a,b", "Type": "StringList"}),
    );
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/t", "Value": "c,d", "Overwrite": true}),
    );
    assert_eq!(get(&w, "/t")["Type"], "StringList");
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/t", "Value": "{{ssm:/other}}", "Overwrite": true}),
        "ValidationException",
    );
}

#[test]
fn selectors_pick_versions_and_labels() {
    let (w, _) = world();
    put(&w, "/s", "one");
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/s", "Value": "two", "Overwrite": true}),
    );
    ok(
        &w,
        "LabelParameterVersion",
        json!({"Name": "/s", "ParameterVersion": 1, "Labels": ["prod"]}),
    );
    let v1 = get(&w, "/s:1");
    assert_eq!(v1["Value"], "one");
    assert_eq!(v1["Selector"], ":1");
    assert_eq!(v1["Name"], "/s");
    let prod = get(&w, "/s:prod");
    assert_eq!(prod["Value"], "one");
    assert_eq!(prod["Selector"], ":prod");
    assert_eq!(get(&w, "/s")["Value"], "two");
    assert_eq!(
        code(&w, "GetParameter", json!({"Name": "/s:9"})),
        "ParameterVersionNotFound"
    );
    assert_eq!(
        code(&w, "GetParameter", json!({"Name": "/s:staging"})),
        "ParameterVersionNotFound"
    );
    let many = ok(
        &w,
        "GetParameters",
        json!({"Names": ["/s", "/s:1", "/s:9", "/missing"]}),
    );
    let values: Vec<&str> = many["Parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["Value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["two", "one"]);
    assert_eq!(many["InvalidParameters"], json!(["/s:9", "/missing"]));
    let eleven: Vec<String> = (0..11).map(|i| format!("/n{i}")).collect();
    assert_eq!(
        code(&w, "GetParameters", json!({"Names": eleven})),
        "ValidationException"
    );
}

#[test]
fn secure_strings_go_through_kms_with_the_parameter_arn_as_context() {
    let (w, _) = world();
    w.guard.take();
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/db/password", "Value": "hunter2", "Type": "SecureString"}),
    );
    let accesses = w.guard.take();
    let encrypt = accesses
        .iter()
        .find(|a| a.action == "kms:Encrypt")
        .expect("an Encrypt on the caller's behalf");
    assert_eq!(
        encrypt
            .context
            .single("kms:EncryptionContext:PARAMETER_ARN"),
        Some(arn("/db/password").as_str())
    );
    assert_eq!(
        encrypt.context.single("kms:ViaService"),
        Some("ssm.us-east-1.amazonaws.com")
    );
    for access in &accesses {
        assert_eq!(sar_violation(access), None);
    }
    let bytes: Vec<u8> = snapshot(&w).into_iter().flat_map(|(_, v)| v).collect();
    assert!(
        !bytes.windows(7).any(|win| win == b"hunter2"),
        "the plaintext is stored"
    );

    let hidden = get(&w, "/db/password");
    assert_eq!(hidden["Type"], "SecureString");
    assert_ne!(hidden["Value"], "hunter2");
    assert!(base64_decodes(hidden["Value"].as_str().unwrap()));
    let shown = ok(
        &w,
        "GetParameter",
        json!({"Name": "/db/password", "WithDecryption": true}),
    );
    assert_eq!(shown["Parameter"]["Value"], "hunter2");
    let decrypt = w
        .guard
        .take()
        .into_iter()
        .find(|a| a.action == "kms:Decrypt")
        .expect("a Decrypt on the caller's behalf");
    assert_eq!(
        decrypt
            .context
            .single("kms:EncryptionContext:PARAMETER_ARN"),
        Some(arn("/db/password").as_str())
    );
    let described = ok(&w, "DescribeParameters", json!({}))["Parameters"][0].clone();
    assert_eq!(described["KeyId"], "alias/aws/ssm");
}

fn base64_decodes(text: &str) -> bool {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .is_ok()
}

#[test]
fn secure_strings_under_a_customer_key_and_in_the_advanced_tier() {
    let (w, _) = world();
    let key = w.call_as(&w.root(), "kms", "CreateKey", json!({})).unwrap()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/k", "Value": "s3cret", "Type": "SecureString", "KeyId": key}),
    );
    let big = "x".repeat(5000);
    let out = ok(
        &w,
        "PutParameter",
        json!({"Name": "/big", "Value": big, "Type": "SecureString", "Tier": "Advanced", "KeyId": key}),
    );
    assert_eq!(out["Tier"], "Advanced");
    w.guard.take();
    let got = ok(
        &w,
        "GetParameters",
        json!({"Names": ["/k", "/big"], "WithDecryption": true}),
    );
    // GetParameters lists by name.
    assert_eq!(got["Parameters"][0]["Value"], big);
    assert_eq!(got["Parameters"][1]["Value"], "s3cret");
    assert!(
        w.guard
            .take()
            .iter()
            .filter(|a| a.action == "kms:Decrypt")
            .all(|a| a.resource.ends_with(&key))
    );
    let described = ok(
        &w,
        "DescribeParameters",
        json!({"ParameterFilters": [{"Key": "KeyId", "Values": [key]}]}),
    );
    assert_eq!(described["Parameters"].as_array().unwrap().len(), 2);
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/bad-key", "Value": "v", "Type": "SecureString", "KeyId": "alias/none"}),
        "InvalidKeyId",
    );
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/plain-key", "Value": "v", "Type": "String", "KeyId": key}),
        "ValidationException",
    );
}

#[test]
fn a_caller_without_kms_decrypt_is_refused_as_aws_does() {
    let (mut w, _) = world();
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/locked", "Value": "v", "Type": "SecureString"}),
    );
    w.env.keys = Arc::new(NoDecrypt(rampart_svc_kms::Keys::new()));
    let e = call(
        &w,
        "GetParameter",
        json!({"Name": "/locked", "WithDecryption": true}),
    )
    .unwrap_err();
    assert_eq!(e.code, "AccessDeniedException");
    assert!(e.message.contains("kms:Decrypt"), "{}", e.message);
    assert!(e.message.contains("(Service: AWSKMS;"), "{}", e.message);
    assert_eq!(
        code(
            &w,
            "GetParametersByPath",
            json!({"Path": "/", "WithDecryption": true})
        ),
        "AccessDeniedException"
    );
    assert_ne!(get(&w, "/locked")["Value"], "v");
}

#[test]
fn tiers_and_their_limits() {
    let (w, _) = world();
    let big = "x".repeat(4097);
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/big", "Value": big, "Type": "String"}),
        "ValidationException",
    );
    let out = ok(
        &w,
        "PutParameter",
        json!({"Name": "/big", "Value": big, "Type": "String", "Tier": "Intelligent-Tiering"}),
    );
    assert_eq!(out["Tier"], "Advanced");
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/big", "Value": "small", "Overwrite": true, "Tier": "Standard"}),
        "ValidationException",
    );
    let out = ok(
        &w,
        "PutParameter",
        json!({"Name": "/big", "Value": "small", "Overwrite": true}),
    );
    assert_eq!(out["Tier"], "Advanced");
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/huge", "Value": "x".repeat(8193), "Type": "String", "Tier": "Advanced"}),
        "ValidationException",
    );
    let out = ok(
        &w,
        "PutParameter",
        json!({"Name": "/small", "Value": "v", "Type": "String", "Tier": "Intelligent-Tiering"}),
    );
    assert_eq!(out["Tier"], "Standard");
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/pol", "Value": "v", "Type": "String", "Tier": "Standard",
               "Policies": expiration_in(3600)}),
        "ValidationException",
    );
}

#[test]
fn parameter_count_quotas() {
    let (w, _) = world();
    put(&w, "/first", "v");
    // The region holds as many standard parameters as it may: the first count shard makes up
    // what the others (the one counting /first) do not.
    let others: u64 = counted(&w, |id| id != "tiers").0;
    let key = Key::new(region_space(), "ssm.count", "tiers");
    let full = json!({"standard": crate::put::MAX_STANDARD - others, "advanced": 0});
    w.env
        .store
        .commit(rampart_store::Batch::new().put(key, serde_json::to_vec(&full).unwrap()))
        .unwrap();
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/one-more", "Value": "v", "Type": "String"}),
        "ParameterLimitExceeded",
    );
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/first", "Value": "v2", "Overwrite": true}),
    );
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/adv", "Value": "v", "Type": "String", "Tier": "Advanced"}),
    );
    ok(&w, "DeleteParameter", json!({"Name": "/first"}));
    put(&w, "/now-fits", "v");
}

/// The region's stored count shards.
fn count_shards(w: &World) -> Vec<rampart_store::Item> {
    w.env
        .store
        .scan(
            &region_space(),
            "ssm.count",
            &rampart_store::Scan::new("", 100),
        )
        .unwrap()
}

/// The (standard, advanced) counts of the count shards whose ids pass `which`.
fn counted(w: &World, which: impl Fn(&str) -> bool) -> (u64, u64) {
    count_shards(w)
        .iter()
        .filter(|item| which(&item.key.id))
        .map(|item| serde_json::from_slice::<Value>(&item.value).unwrap())
        .fold((0, 0), |(s, a), c| {
            (
                s + c["standard"].as_u64().unwrap(),
                a + c["advanced"].as_u64().unwrap(),
            )
        })
}

#[test]
fn concurrent_creations_spread_over_count_shards_and_stay_counted() {
    let (w, _) = world();
    std::thread::scope(|scope| {
        for t in 0..8 {
            let w = &w;
            scope.spawn(move || {
                for i in 0..20 {
                    put(w, &format!("/many/{t}/{i}"), "v");
                }
            });
        }
    });
    assert_eq!(counted(&w, |_| true), (160, 0));
    let shards = count_shards(&w).len();
    assert!(shards > 8, "{shards} shards");
    for i in 0..10 {
        ok(
            &w,
            "DeleteParameter",
            json!({"Name": format!("/many/0/{i}")}),
        );
    }
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/many/1/0", "Value": "v", "Tier": "Advanced", "Overwrite": true}),
    );
    assert_eq!(counted(&w, |_| true), (149, 1));
}

#[test]
fn one_hundred_versions_are_kept() {
    let (w, _) = world();
    put(&w, "/v", "0");
    ok(
        &w,
        "LabelParameterVersion",
        json!({"Name": "/v", "Labels": ["first"]}),
    );
    for i in 1..100 {
        ok(
            &w,
            "PutParameter",
            json!({"Name": "/v", "Value": i.to_string(), "Overwrite": true}),
        );
    }
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/v", "Value": "100", "Overwrite": true}),
        "ParameterMaxVersionLimitExceeded",
    );
    ok(
        &w,
        "LabelParameterVersion",
        json!({"Name": "/v", "ParameterVersion": 100, "Labels": ["first"]}),
    );
    let out = ok(
        &w,
        "PutParameter",
        json!({"Name": "/v", "Value": "100", "Overwrite": true}),
    );
    assert_eq!(out["Version"], 101);
    assert_eq!(
        code(&w, "GetParameter", json!({"Name": "/v:1"})),
        "ParameterVersionNotFound"
    );
    let first = ok(&w, "GetParameterHistory", json!({"Name": "/v"}));
    assert_eq!(first["Parameters"].as_array().unwrap().len(), 50);
    assert_eq!(first["Parameters"][0]["Version"], 2);
    let token = first["NextToken"].as_str().unwrap();
    let second = ok(
        &w,
        "GetParameterHistory",
        json!({"Name": "/v", "NextToken": token}),
    );
    assert_eq!(second["Parameters"].as_array().unwrap().len(), 50);
    assert!(second.get("NextToken").is_none());
    assert_eq!(second["Parameters"][49]["Version"], 101);
    assert_eq!(second["Parameters"][48]["Labels"], json!(["first"]));
}

#[test]
fn data_types_are_validated() {
    let (w, _) = world();
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/ami", "Value": "ami-0123456789abcdef0", "Type": "String", "DataType": "aws:ec2:image"}),
    );
    assert_eq!(get(&w, "/ami")["DataType"], "aws:ec2:image");
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/ami", "Value": "not-an-ami", "Overwrite": true}),
        "ValidationException",
    );
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/x", "Value": "v", "Type": "String", "DataType": "Text"}),
        "ValidationException",
    );
}

#[test]
fn get_parameters_by_path() {
    let (w, _) = world();
    for name in [
        "/app/a",
        "/app/b",
        "/app/c",
        "/app/sub/d",
        "/apple/x",
        "/top",
    ] {
        put(&w, name, name);
    }
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/app/secret", "Value": "s", "Type": "SecureString"}),
    );
    let names = |v: &Value| -> Vec<String> {
        v["Parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["Name"].as_str().unwrap().to_owned())
            .collect()
    };
    let one_level = ok(&w, "GetParametersByPath", json!({"Path": "/app"}));
    assert_eq!(
        names(&one_level),
        ["/app/a", "/app/b", "/app/c", "/app/secret"]
    );
    let recursive = ok(
        &w,
        "GetParametersByPath",
        json!({"Path": "/app/", "Recursive": true}),
    );
    assert_eq!(names(&recursive).len(), 5);
    let typed = ok(
        &w,
        "GetParametersByPath",
        json!({"Path": "/app", "Recursive": true,
               "ParameterFilters": [{"Key": "Type", "Values": ["SecureString"]}],
               "WithDecryption": true}),
    );
    assert_eq!(names(&typed), ["/app/secret"]);
    assert_eq!(typed["Parameters"][0]["Value"], "s");
    let root = ok(&w, "GetParametersByPath", json!({"Path": "/"}));
    assert_eq!(names(&root), ["/top"]);

    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut input = json!({"Path": "/app", "Recursive": true, "MaxResults": 2});
        if let Some(t) = &token {
            input["NextToken"] = json!(t);
        }
        let page = ok(&w, "GetParametersByPath", input);
        assert!(page["Parameters"].as_array().unwrap().len() <= 2);
        seen.extend(names(&page));
        match page.get("NextToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, names(&recursive));
    assert_eq!(
        code(
            &w,
            "GetParametersByPath",
            json!({"Path": "/app", "MaxResults": 11})
        ),
        "ValidationException"
    );
    assert_eq!(
        code(
            &w,
            "GetParametersByPath",
            json!({"Path": "/app", "NextToken": "bogus"})
        ),
        "InvalidNextToken"
    );
    assert_eq!(
        code(
            &w,
            "GetParametersByPath",
            json!({"Path": "/app", "ParameterFilters": [{"Key": "Name", "Values": ["x"]}]})
        ),
        "InvalidFilterKey"
    );
}

#[test]
fn by_path_label_filter_returns_the_labelled_version() {
    let (w, _) = world();
    put(&w, "/cfg/a", "old");
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/cfg/a", "Value": "new", "Overwrite": true}),
    );
    put(&w, "/cfg/b", "unlabelled");
    ok(
        &w,
        "LabelParameterVersion",
        json!({"Name": "/cfg/a", "ParameterVersion": 1, "Labels": ["stable"]}),
    );
    let out = ok(
        &w,
        "GetParametersByPath",
        json!({"Path": "/cfg", "ParameterFilters": [{"Key": "Label", "Values": ["stable"]}]}),
    );
    let params = out["Parameters"].as_array().unwrap();
    assert_eq!(params.len(), 1);
    assert_eq!(params[0]["Value"], "old");
    assert_eq!(params[0]["Version"], 1);
}

#[test]
fn describe_parameters_filters() {
    let (w, _) = world();
    put(&w, "/prod/web/url", "u");
    put(&w, "/prod/db/url", "u");
    put(&w, "/dev/web/url", "u");
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/prod/key", "Value": "k", "Type": "SecureString", "Tier": "Advanced",
               "Tags": [{"Key": "team", "Value": "payments"}]}),
    );
    let names = |filters: Value| -> Vec<String> {
        let mut input = json!({"MaxResults": 50});
        if let Some(obj) = filters.as_object() {
            for (k, v) in obj {
                input[k] = v.clone();
            }
        }
        ok(&w, "DescribeParameters", input)["Parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["Name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(json!({})).len(), 4);
    assert_eq!(
        names(
            json!({"ParameterFilters": [{"Key": "Path", "Option": "Recursive", "Values": ["/prod"]}]})
        ),
        ["/prod/db/url", "/prod/key", "/prod/web/url"]
    );
    assert_eq!(
        names(json!({"ParameterFilters": [{"Key": "Path", "Values": ["/prod"]}]})),
        ["/prod/key"]
    );
    assert_eq!(
        names(
            json!({"ParameterFilters": [{"Key": "Name", "Option": "BeginsWith", "Values": ["/prod/w"]}]})
        ),
        ["/prod/web/url"]
    );
    assert_eq!(
        names(
            json!({"ParameterFilters": [{"Key": "Name", "Option": "Contains", "Values": ["web"]}]})
        ),
        ["/dev/web/url", "/prod/web/url"]
    );
    assert_eq!(
        names(json!({"ParameterFilters": [{"Key": "Name", "Values": ["prod/db/url"]}]})),
        ["/prod/db/url"]
    );
    assert_eq!(
        names(json!({"ParameterFilters": [{"Key": "Tier", "Values": ["Advanced"]}]})),
        ["/prod/key"]
    );
    assert_eq!(
        names(json!({"ParameterFilters": [{"Key": "tag:team", "Values": ["payments"]}]})),
        ["/prod/key"]
    );
    assert_eq!(
        names(json!({"ParameterFilters": [{"Key": "tag:team"}]})),
        ["/prod/key"]
    );
    assert_eq!(
        names(json!({"ParameterFilters": [{"Key": "DataType", "Values": ["text"]}]})).len(),
        4
    );
    assert_eq!(
        names(json!({"Filters": [{"Key": "Type", "Values": ["SecureString"]}]})),
        ["/prod/key"]
    );
    assert_eq!(
        code(
            &w,
            "DescribeParameters",
            json!({"Filters": [{"Key": "Type", "Values": ["String"]}],
                   "ParameterFilters": [{"Key": "Type", "Values": ["String"]}]})
        ),
        "ValidationException"
    );
    assert_eq!(
        code(
            &w,
            "DescribeParameters",
            json!({"ParameterFilters": [{"Key": "Label", "Values": ["x"]}]})
        ),
        "InvalidFilterKey"
    );
    let page = ok(&w, "DescribeParameters", json!({"MaxResults": 3}));
    assert_eq!(page["Parameters"].as_array().unwrap().len(), 3);
    let rest = ok(
        &w,
        "DescribeParameters",
        json!({"NextToken": page["NextToken"]}),
    );
    assert_eq!(rest["Parameters"].as_array().unwrap().len(), 1);
    assert!(
        page["Parameters"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p.get("Value").is_none())
    );
}

#[test]
fn labels_move_and_are_limited() {
    let (w, events) = world();
    put(&w, "/l", "1");
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/l", "Value": "2", "Overwrite": true}),
    );
    let out = ok(
        &w,
        "LabelParameterVersion",
        json!({"Name": "/l", "ParameterVersion": 1, "Labels": ["prod", "1bad", "awsx", "ok_2"]}),
    );
    assert_eq!(out["InvalidLabels"], json!(["1bad", "awsx"]));
    assert_eq!(out["ParameterVersion"], 1);
    assert!(
        events
            .take()
            .iter()
            .any(|e| e.detail["operation"] == "LabelParameterVersion")
    );
    let out = ok(
        &w,
        "LabelParameterVersion",
        json!({"Name": "/l", "Labels": ["prod"]}),
    );
    assert_eq!(out["ParameterVersion"], 2);
    assert_eq!(get(&w, "/l:prod")["Version"], 2);
    let history = ok(&w, "GetParameterHistory", json!({"Name": "/l"}));
    assert_eq!(history["Parameters"][0]["Labels"], json!(["ok_2"]));
    assert_eq!(history["Parameters"][1]["Labels"], json!(["prod"]));

    let nine: Vec<String> = (0..9).map(|i| format!("l{i}")).collect();
    ok(
        &w,
        "LabelParameterVersion",
        json!({"Name": "/l", "ParameterVersion": 2, "Labels": nine}),
    );
    refused(
        &w,
        "LabelParameterVersion",
        json!({"Name": "/l", "ParameterVersion": 2, "Labels": ["tenth-is-eleventh"]}),
        "ParameterVersionLabelLimitExceeded",
    );
    refused(
        &w,
        "LabelParameterVersion",
        json!({"Name": "/l", "ParameterVersion": 7, "Labels": ["x"]}),
        "ParameterVersionNotFound",
    );
    refused(
        &w,
        "LabelParameterVersion",
        json!({"Name": "/none", "Labels": ["x"]}),
        "ParameterNotFound",
    );
    let out = ok(
        &w,
        "UnlabelParameterVersion",
        json!({"Name": "/l", "ParameterVersion": 2, "Labels": ["prod", "ok_2"]}),
    );
    assert_eq!(out["RemovedLabels"], json!(["prod"]));
    assert_eq!(out["InvalidLabels"], json!(["ok_2"]));
    assert_eq!(
        code(&w, "GetParameter", json!({"Name": "/l:prod"})),
        "ParameterVersionNotFound"
    );
}

#[test]
fn deleting_parameters() {
    let (w, events) = world();
    put(&w, "/d1", "v");
    put(&w, "/d2", "v");
    events.take();
    ok(&w, "DeleteParameter", json!({"Name": "/d1"}));
    let deleted = events.take();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].detail["operation"], "Delete");
    assert_eq!(deleted[0].resources, [arn("/d1")]);
    assert_eq!(deleted[0].source, "aws.ssm");
    refused(
        &w,
        "DeleteParameter",
        json!({"Name": "/d1"}),
        "ParameterNotFound",
    );
    let out = ok(
        &w,
        "DeleteParameters",
        json!({"Names": ["/d1", "/d2", "/d2"]}),
    );
    assert_eq!(out["DeletedParameters"], json!(["/d2"]));
    assert_eq!(out["InvalidParameters"], json!(["/d1"]));
    put(&w, "/d2", "again");
    assert_eq!(get(&w, "/d2")["Version"], 1);
}

#[test]
fn tags() {
    let (w, _) = world();
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/t", "Value": "v", "Type": "String", "Tags": [{"Key": "a", "Value": "1"}]}),
    );
    let id = json!({"ResourceType": "Parameter", "ResourceId": "/t"});
    let mut add = id.clone();
    add["Tags"] = json!([{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}]);
    ok(&w, "AddTagsToResource", add);
    assert_eq!(
        ok(&w, "ListTagsForResource", id.clone())["TagList"],
        json!([{"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}])
    );
    let mut remove = id.clone();
    remove["TagKeys"] = json!(["a"]);
    ok(&w, "RemoveTagsFromResource", remove);
    assert_eq!(
        ok(&w, "ListTagsForResource", id.clone())["TagList"],
        json!([{"Key": "b", "Value": "2"}])
    );
    refused(
        &w,
        "ListTagsForResource",
        json!({"ResourceType": "Parameter", "ResourceId": "/none"}),
        "InvalidResourceId",
    );
    refused(
        &w,
        "ListTagsForResource",
        json!({"ResourceType": "Bucket", "ResourceId": "/t"}),
        "InvalidResourceType",
    );
    let many: Vec<Value> = (0..50)
        .map(|i| json!({"Key": format!("k{i}"), "Value": "v"}))
        .collect();
    let mut too_many = id.clone();
    too_many["Tags"] = json!(many);
    refused(&w, "AddTagsToResource", too_many, "TooManyTagsError");
}

#[test]
fn the_authorization_table_names_arns_and_condition_keys() {
    let (w, _) = world();
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/tagged", "Value": "v", "Type": "String", "Tags": [{"Key": "team", "Value": "core"}]}),
    );
    let root = w.root();
    let accesses = |op: &str, input: Value| w.accesses(&root, "ssm", op, &input).unwrap();

    let put = accesses(
        "PutParameter",
        json!({"Name": "/new", "Value": "v", "Overwrite": true, "Policies": "[]",
               "Tags": [{"Key": "env", "Value": "prod"}]}),
    );
    assert_eq!(put.len(), 1);
    assert_eq!(put[0].action, "ssm:PutParameter");
    assert_eq!(put[0].resource, arn("/new"));
    assert_eq!(put[0].context.single("ssm:Overwrite"), Some("true"));
    assert_eq!(put[0].context.single("ssm:Policies"), Some("true"));
    assert_eq!(put[0].context.single("aws:RequestTag/env"), Some("prod"));
    assert!(put[0].context.contains("aws:TagKeys"));

    let get = accesses("GetParameter", json!({"Name": "/tagged:3"}));
    assert_eq!(get[0].resource, arn("/tagged"));
    assert_eq!(get[0].context.single("aws:ResourceTag/team"), Some("core"));

    let many = accesses("GetParameters", json!({"Names": ["/a", "/b"]}));
    assert_eq!(
        many.iter().map(|a| a.resource.clone()).collect::<Vec<_>>(),
        [arn("/a"), arn("/b")]
    );
    assert!(many.iter().all(|a| a.action == "ssm:GetParameters"));

    let by_path = accesses(
        "GetParametersByPath",
        json!({"Path": "/app/", "Recursive": true}),
    );
    assert_eq!(by_path[0].resource, arn("/app"));
    assert_eq!(by_path[0].context.single("ssm:Recursive"), Some("true"));

    assert_eq!(accesses("DescribeParameters", json!({}))[0].resource, "*");

    let untag = accesses(
        "RemoveTagsFromResource",
        json!({"ResourceType": "Parameter", "ResourceId": "/tagged", "TagKeys": ["team"]}),
    );
    assert!(untag[0].context.contains("aws:TagKeys"));
    assert_eq!(
        untag[0].context.single("aws:ResourceTag/team"),
        Some("core")
    );

    let public = accesses(
        "GetParameter",
        json!({"Name": "/aws/service/global-infrastructure/regions/us-east-1"}),
    );
    assert_eq!(
        public[0].resource,
        "arn:aws:ssm:us-east-1::parameter/aws/service/global-infrastructure/regions/us-east-1"
    );
    assert_eq!(
        public[0].resource_account.as_ref().map(|a| a.as_str()),
        Some(ACCOUNT)
    );

    for (op, input) in [
        ("PutParameter", json!({"Name": "/x", "Value": "v"})),
        ("GetParameter", json!({"Name": "/x"})),
        ("GetParameters", json!({"Names": ["/x"]})),
        ("GetParameterHistory", json!({"Name": "/x"})),
        ("GetParametersByPath", json!({"Path": "/x"})),
        ("DescribeParameters", json!({})),
        (
            "LabelParameterVersion",
            json!({"Name": "/x", "Labels": ["a"]}),
        ),
        (
            "UnlabelParameterVersion",
            json!({"Name": "/x", "ParameterVersion": 1, "Labels": ["a"]}),
        ),
        ("DeleteParameter", json!({"Name": "/x"})),
        ("DeleteParameters", json!({"Names": ["/x"]})),
        (
            "AddTagsToResource",
            json!({"ResourceType": "Parameter", "ResourceId": "/x", "Tags": []}),
        ),
        (
            "RemoveTagsFromResource",
            json!({"ResourceType": "Parameter", "ResourceId": "/x", "TagKeys": []}),
        ),
        (
            "ListTagsForResource",
            json!({"ResourceType": "Parameter", "ResourceId": "/x"}),
        ),
    ] {
        for access in accesses(op, input) {
            assert_eq!(sar_violation(&access), None, "{op}");
        }
    }
}

fn expiration_in(seconds: u64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp(1_700_000_000 + seconds as i64).unwrap();
    let text = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    json!([{"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": text}}]).to_string()
}

#[test]
fn an_expiration_policy_deletes_the_parameter_when_due() {
    let (w, events) = world();
    let policies = r#"[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2023-11-14T23:13:20Z"}},
        {"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"30","Unit":"Hours"}},
        {"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"1","Unit":"Hours"}}]"#;
    refused(
        &w,
        "PutParameter",
        json!({"Name": "/temp", "Value": "v", "Type": "String", "Tier": "Advanced",
               "Policies": r#"[{"Type":"Rotation","Version":"1.0","Attributes":{}}]"#}),
        "InvalidPolicyTypeException",
    );
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/temp", "Value": "v", "Type": "String", "Tier": "Advanced", "Policies": policies}),
    );
    let described = ok(&w, "DescribeParameters", json!({}))["Parameters"][0].clone();
    let kinds: Vec<&str> = described["Policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["PolicyType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "Expiration",
            "ExpirationNotification",
            "NoChangeNotification"
        ]
    );
    assert!(
        described["Policies"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["PolicyStatus"] == "Pending")
    );
    events.take();

    // The expiration notification (30 hours before a 1-hour expiry) is due at once.
    assert_eq!(
        crate::run_due(&w.env).unwrap(),
        crate::DueReport {
            expired: 0,
            notified: 1
        }
    );
    let first = events.take();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].detail_type, "Parameter Store Policy Action");
    assert_eq!(first[0].detail["policy-type"], "ExpirationNotification");
    assert_eq!(first[0].detail["parameter-name"], "/temp");
    assert_eq!(crate::run_due(&w.env).unwrap(), crate::DueReport::default());

    w.clock.advance(Duration::from_secs(3_601));
    let report = crate::run_due(&w.env).unwrap();
    assert_eq!(report.expired, 1);
    assert_eq!(
        code(&w, "GetParameter", json!({"Name": "/temp"})),
        "ParameterNotFound"
    );
    let last: Vec<String> = events
        .take()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e.detail_type,
                e.detail
                    .get("policy-type")
                    .or(e.detail.get("operation"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            )
        })
        .collect();
    assert!(last.contains(&"Parameter Store Policy Action:Expiration".to_owned()));
    assert!(last.contains(&"Parameter Store Change:Delete".to_owned()));
    assert!(snapshot(&w).iter().all(|(k, _)| !k.contains("ssm.due")));
}

#[test]
fn a_no_change_notification_waits_again_after_an_update() {
    let (w, events) = world();
    let policies = r#"[{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"1","Unit":"Hours"}}]"#;
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/stale", "Value": "v", "Type": "String", "Tier": "Advanced", "Policies": policies}),
    );
    w.clock.advance(Duration::from_secs(1_800));
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/stale", "Value": "v2", "Overwrite": true}),
    );
    w.clock.advance(Duration::from_secs(1_900));
    assert_eq!(crate::run_due(&w.env).unwrap().notified, 0);
    w.clock.advance(Duration::from_secs(1_800));
    events.take();
    assert_eq!(crate::run_due(&w.env).unwrap().notified, 1);
    assert_eq!(
        events.take()[0].detail["policy-type"],
        "NoChangeNotification"
    );
    let described = ok(&w, "DescribeParameters", json!({}))["Parameters"][0].clone();
    assert_eq!(described["Policies"][0]["PolicyStatus"], "Finished");
    assert_eq!(crate::run_due(&w.env).unwrap().notified, 0);
}

#[test]
fn public_parameters_are_readable() {
    let (w, _) = world();
    let region = get(
        &w,
        "/aws/service/global-infrastructure/regions/us-east-1/longName",
    );
    assert_eq!(region["Value"], "US East (N. Virginia)");
    assert_eq!(
        region["ARN"],
        "arn:aws:ssm:us-east-1::parameter/aws/service/global-infrastructure/regions/us-east-1/longName"
    );
    let ami = get(
        &w,
        "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
    );
    assert_eq!(ami["DataType"], "aws:ec2:image");
    assert!(crate::validate::is_ami_id(ami["Value"].as_str().unwrap()));
    let regions = ok(
        &w,
        "GetParametersByPath",
        json!({"Path": "/aws/service/global-infrastructure/regions", "MaxResults": 10}),
    );
    assert_eq!(regions["Parameters"].as_array().unwrap().len(), 8);
    assert_eq!(
        code(
            &w,
            "GetParameter",
            json!({"Name": "/aws/service/global-infrastructure/regions/mars-1"})
        ),
        "ParameterNotFound"
    );
}

#[test]
fn parameters_are_per_account_and_region() {
    let (w, _) = world();
    put(&w, "/where", "us-east-1");
    let root = w.root();
    assert_eq!(
        w.call_in(
            &root,
            "eu-west-1",
            "ssm",
            "GetParameter",
            json!({"Name": "/where"})
        )
        .unwrap_err()
        .code,
        "ParameterNotFound"
    );
    let other = Principal {
        account: "210987654321".parse().unwrap(),
        kind: PrincipalKind::Root,
        principal_id: "210987654321".into(),
        ..root.clone()
    };
    assert_eq!(
        w.call_as(&other, "ssm", "GetParameter", json!({"Name": "/where"}))
            .unwrap_err()
            .code,
        "ParameterNotFound"
    );
}

/// Secrets Manager with one secret, `db`, whose AWSPREVIOUS version is `old`.
struct OneSecret;

const SECRET_ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";

impl rampart_service::SecretReader for OneSecret {
    fn read(
        &self,
        _call: &Call<'_>,
        secret_id: &str,
        version: rampart_service::SecretVersion<'_>,
    ) -> Result<rampart_service::SecretReading, AwsError> {
        use rampart_service::SecretVersion;
        if secret_id != "db" {
            return rampart_service::NoSecrets.read(_call, secret_id, version);
        }
        let (value, id) = match version {
            SecretVersion::Current => ("new", "11111111-1111-1111-1111-111111111111"),
            SecretVersion::Stage("AWSPREVIOUS") => ("old", "22222222-2222-2222-2222-222222222222"),
            SecretVersion::Id("22222222-2222-2222-2222-222222222222") => {
                ("old", "22222222-2222-2222-2222-222222222222")
            }
            _ => {
                return Err(AwsError::new(
                    "ResourceNotFoundException",
                    400,
                    "Secrets Manager can't find the specified secret value.",
                ));
            }
        };
        Ok(rampart_service::SecretReading {
            value: json!({"ARN": SECRET_ARN, "Name": "db", "VersionId": id,
                          "SecretString": value, "CreatedDate": 1_700_000_000.0}),
            description: json!({"ARN": SECRET_ARN, "Name": "db"}),
        })
    }
}

#[test]
fn secrets_manager_references_need_with_decryption() {
    let (w, _) = world();
    assert_eq!(
        code(
            &w,
            "GetParameter",
            json!({"Name": "/aws/reference/secretsmanager/db"})
        ),
        "ValidationException"
    );
    let e = call(
        &w,
        "GetParameters",
        json!({"Names": ["/aws/reference/secretsmanager/db"], "WithDecryption": false}),
    )
    .unwrap_err();
    assert_eq!(
        e.message,
        "WithDecryption flag must be True for retrieving a Secret Manager secret."
    );
}

#[test]
fn secrets_manager_references_return_the_secret() {
    let (mut w, _) = world();
    w.env.secrets = Arc::new(OneSecret);
    let get = |name: &str| {
        call(
            &w,
            "GetParameter",
            json!({"Name": name, "WithDecryption": true}),
        )
    };
    let p = get("/aws/reference/secretsmanager/db").unwrap()["Parameter"].clone();
    assert_eq!(p["Name"], "/aws/reference/secretsmanager/db");
    assert_eq!(p["Type"], "SecureString");
    assert_eq!(p["Value"], "new");
    assert_eq!(p["Version"], 0);
    assert_eq!(p["ARN"], SECRET_ARN);
    assert_eq!(p["LastModifiedDate"], 1_700_000_000.0);
    let source: Value = serde_json::from_str(p["SourceResult"].as_str().unwrap()).unwrap();
    assert_eq!(source["Name"], "db");
    assert!(p.get("Selector").is_none());
    let p = get("/aws/reference/secretsmanager/db:AWSPREVIOUS").unwrap()["Parameter"].clone();
    assert_eq!(p["Value"], "old");
    assert_eq!(p["Selector"], ":AWSPREVIOUS");
    assert_eq!(p["Name"], "/aws/reference/secretsmanager/db");
    let by_id =
        get("/aws/reference/secretsmanager/db:22222222-2222-2222-2222-222222222222").unwrap();
    assert_eq!(by_id["Parameter"]["Value"], "old");
    assert_eq!(
        get("/aws/reference/secretsmanager/nope").unwrap_err().code,
        "ParameterNotFound"
    );
    assert_eq!(
        get("/aws/reference/secretsmanager/db:NOSUCHLABEL")
            .unwrap_err()
            .code,
        "ParameterNotFound"
    );
    let many = ok(
        &w,
        "GetParameters",
        json!({"Names": ["/aws/reference/secretsmanager/db", "/aws/reference/secretsmanager/nope"],
               "WithDecryption": true}),
    );
    assert_eq!(many["Parameters"][0]["Value"], "new");
    assert_eq!(
        many["InvalidParameters"],
        json!(["/aws/reference/secretsmanager/nope"])
    );
}

#[test]
fn concurrent_overwrites_lose_no_version() {
    let (w, _) = world();
    put(&w, "/race", "0");
    let succeeded = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for t in 0..4 {
            let (w, succeeded) = (&w, &succeeded);
            scope.spawn(move || {
                for i in 0..10 {
                    match call(
                        w,
                        "PutParameter",
                        json!({"Name": "/race", "Value": format!("{t}-{i}"), "Overwrite": true}),
                    ) {
                        Ok(_) => {
                            succeeded.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                        Err(e) => assert_eq!(e.code, "TooManyUpdates"),
                    }
                }
            });
        }
    });
    let wrote = succeeded.into_inner();
    let history = ok(&w, "GetParameterHistory", json!({"Name": "/race"}));
    let versions: Vec<u64> = history["Parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["Version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, (1..=wrote as u64 + 1).collect::<Vec<_>>());
    assert_eq!(get(&w, "/race")["Version"], wrote as u64 + 1);
}

#[test]
fn reads_accept_the_parameter_arn_and_list_by_name() {
    let (w, _) = world();
    put(&w, "/by/arn", "one");
    ok(
        &w,
        "PutParameter",
        json!({"Name": "/by/arn", "Value": "two", "Overwrite": true}),
    );
    put(&w, "plain", "top");
    assert_eq!(get(&w, &arn("/by/arn"))["Value"], "two");
    let first = get(&w, &format!("{}:1", arn("/by/arn")));
    assert_eq!(first["Value"], "one");
    assert_eq!(first["Name"], "/by/arn");
    assert_eq!(get(&w, &arn("plain"))["Name"], "plain");
    let foreign = "arn:aws:ssm:us-east-1:210987654321:parameter/by/arn";
    assert_eq!(
        code(&w, "GetParameter", json!({"Name": foreign})),
        "ParameterNotFound"
    );
    let elsewhere = format!("arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/by/arn");
    assert_eq!(
        code(&w, "GetParameter", json!({"Name": elsewhere})),
        "ParameterNotFound"
    );
    let history = ok(&w, "GetParameterHistory", json!({"Name": arn("/by/arn")}));
    assert_eq!(history["Parameters"].as_array().unwrap().len(), 2);

    let root = w.root();
    let accesses = w
        .accesses(
            &root,
            "ssm",
            "GetParameter",
            &json!({"Name": format!("{}:1", arn("/by/arn"))}),
        )
        .unwrap();
    assert_eq!(accesses[0].resource, arn("/by/arn"));
    let accesses = w
        .accesses(&root, "ssm", "GetParameter", &json!({"Name": foreign}))
        .unwrap();
    assert_eq!(accesses[0].resource, foreign);

    let many = ok(
        &w,
        "GetParameters",
        json!({"Names": ["plain", "/by/arn", arn("/by/arn")]}),
    );
    let names: Vec<&str> = many["Parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["/by/arn", "/by/arn", "plain"]);
}
