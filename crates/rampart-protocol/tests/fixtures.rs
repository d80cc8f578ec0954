//! Requests serialized by botocore decode to the canonical parameters; outputs
//! and errors encode into responses botocore parses back (see testdata/fixtures.py).

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use rampart_protocol::{
    AwsError, Models, RequestHead, Response, decode_input, encode_error, encode_output, route,
};
use serde_json::{Value, json};

fn testdata(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// JSON equality where numbers compare by value (1 == 1.0).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            (x.as_f64().unwrap() - y.as_f64().unwrap()).abs() < 1e-6
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn botocore_requests_decode_to_their_parameters() {
    check_requests("requests.json");
}

#[test]
fn generated_requests_for_every_operation_decode() {
    check_requests("generated-requests.json");
}

fn check_requests(file: &str) {
    let cases = testdata(file);
    let mut failures = Vec::new();
    for case in cases.as_array().unwrap() {
        let label = format!(
            "{}.{}",
            case["service"].as_str().unwrap(),
            case["operation"].as_str().unwrap()
        );
        let method: Method = case["method"].as_str().unwrap().parse().unwrap();
        let uri: Uri = case["uri"].as_str().unwrap().parse().unwrap();
        let mut headers = HeaderMap::new();
        for (k, v) in case["headers"].as_object().unwrap() {
            headers.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v.as_str().unwrap()).unwrap(),
            );
        }
        let body = STANDARD
            .decode(case["body_base64"].as_str().unwrap())
            .unwrap();
        let head = RequestHead {
            method: &method,
            uri: &uri,
            headers: &headers,
        };
        let routed = match route(&head, &body, case["signing_name"].as_str()) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{label}: route failed: {:?}", e.error));
                continue;
            }
        };
        if routed.service.name != case["service"] || routed.operation.name != case["operation"] {
            failures.push(format!(
                "{label}: routed to {}.{}",
                routed.service.name, routed.operation.name
            ));
            continue;
        }
        match decode_input(&routed, &head, &body) {
            Ok(v) if same(&v, &case["params"]) => {}
            Ok(v) => failures.push(format!(
                "{label}: decoded\n  {v}\nwant\n  {}",
                case["params"]
            )),
            Err(e) => failures.push(format!("{label}: decode failed: {e:?}")),
        }
        // Unsigned requests route too.
        if route(&head, &body, None).is_err() {
            failures.push(format!("{label}: unsigned request did not route"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn to_json(r: &Response) -> Value {
    let headers: serde_json::Map<String, Value> = r
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), json!(v.to_str().unwrap())))
        .collect();
    json!({"status": r.status, "headers": headers, "body_base64": STANDARD.encode(&r.body)})
}

/// With RAMPART_PROTOCOL_ENCODINGS=<dir>, writes every encoding for
/// `fixtures.py check <dir>`; without it, only checks that encoding succeeds.
#[test]
fn outputs_and_errors_encode() {
    let cases = testdata("outputs.json");
    let out_dir = std::env::var_os("RAMPART_PROTOCOL_ENCODINGS").map(PathBuf::from);
    if let Some(dir) = &out_dir {
        std::fs::create_dir_all(dir).unwrap();
    }
    let models = Models::get();
    let find = |case: &Value| {
        let service = models.service(case["service"].as_str().unwrap()).unwrap();
        let operation = service
            .operation(case["operation"].as_str().unwrap())
            .unwrap();
        (service, operation)
    };
    for (i, case) in cases["outputs"].as_array().unwrap().iter().enumerate() {
        let (service, operation) = find(case);
        let r = rampart_protocol::Route {
            service,
            operation,
            protocol: service.protocol(),
        };
        let response = encode_output(&r, &case["output"], "req-1");
        assert!(response.status < 300, "{case}");
        if let Some(dir) = &out_dir {
            std::fs::write(
                dir.join(format!("output-{i}.json")),
                to_json(&response).to_string(),
            )
            .unwrap();
        }
    }
    for (i, case) in cases["errors"].as_array().unwrap().iter().enumerate() {
        let (service, _) = find(case);
        let err = AwsError::new(
            case["code"].as_str().unwrap().to_owned(),
            u16::try_from(case["status"].as_u64().unwrap()).unwrap(),
            case["message"].as_str().unwrap(),
        );
        let response = encode_error(service.protocol(), Some(service), &err, "req-1");
        assert_eq!(response.status, err.status);
        if let Some(dir) = &out_dir {
            std::fs::write(
                dir.join(format!("error-{i}.json")),
                to_json(&response).to_string(),
            )
            .unwrap();
        }
    }
}
