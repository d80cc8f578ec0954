//! The pattern language as AWS documents it ("Content filtering in Amazon EventBridge event
//! patterns", "Comparison operators for use in event patterns") and the reasons EventBridge
//! gives for refusing patterns, plus a differential check of the structural matcher against a
//! flattening oracle.

use crate::Pattern;
use serde_json::{Value, json};

fn matches(pattern: Value, event: Value) -> bool {
    Pattern::parse(&pattern.to_string())
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
        .matches(&event)
}

fn reason(pattern: &str) -> String {
    Pattern::parse(pattern)
        .map(|_| String::from("<accepted>"))
        .unwrap_or_else(|e| e.reason().to_owned())
}

/// The EC2 example event of the EventBridge user guide, with a few extra fields.
fn ec2_event() -> Value {
    json!({
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "EC2 Instance State-change Notification",
        "source": "aws.ec2",
        "account": "111122223333",
        "time": "2017-12-22T18:43:48Z",
        "region": "us-west-1",
        "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
        "detail": {
            "instance-id": "i-1234567890abcdef0",
            "state": "terminated",
            "c-count": 5,
            "d-count": 3,
            "x-limit": 301.8,
            "source-ip": "10.0.0.123",
            "FileName": "image.PNG",
            "Location": null,
            "enabled": true
        }
    })
}

#[test]
fn fields_and_nesting_are_anded() {
    let e = ec2_event();
    assert!(matches(json!({"source": ["aws.ec2"]}), e.clone()));
    assert!(matches(
        json!({"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"], "detail": {"state": ["terminated"]}}),
        e.clone()
    ));
    assert!(!matches(
        json!({"source": ["aws.ec2"], "detail": {"state": ["running"]}}),
        e.clone()
    ));
    // A field the event lacks fails the match.
    assert!(!matches(json!({"detail": {"missing": ["x"]}}), e.clone()));
    // Matching is case-sensitive and exact.
    assert!(!matches(json!({"source": ["AWS.EC2"]}), e.clone()));
    assert!(!matches(json!({"source": ["aws.ec"]}), e));
}

#[test]
fn values_of_an_array_are_ored() {
    let e = ec2_event();
    assert!(matches(
        json!({"source": ["aws.ec2", "aws.fargate"]}),
        e.clone()
    ));
    assert!(!matches(json!({"source": ["aws.s3", "aws.fargate"]}), e));
}

#[test]
fn event_arrays_match_when_any_element_does() {
    let e = ec2_event();
    assert!(matches(
        json!({"resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0", "other"]}),
        e.clone()
    ));
    let e = json!({"detail": {"tags": ["a", "b", "c"]}});
    assert!(matches(json!({"detail": {"tags": ["b"]}}), e.clone()));
    assert!(!matches(json!({"detail": {"tags": ["d"]}}), e));
}

#[test]
fn fields_of_one_pattern_object_match_within_one_array_element() {
    let e = json!({"items": [{"k": "a", "v": 1}, {"k": "b", "v": 2}]});
    assert!(matches(json!({"items": {"k": ["a"], "v": [1]}}), e.clone()));
    assert!(!matches(json!({"items": {"k": ["a"], "v": [2]}}), e));
}

#[test]
fn literals_of_every_json_type() {
    let e = ec2_event();
    assert!(matches(json!({"detail": {"c-count": [5]}}), e.clone()));
    assert!(matches(json!({"detail": {"c-count": [5.0]}}), e.clone()));
    assert!(!matches(json!({"detail": {"c-count": ["5"]}}), e.clone()));
    assert!(matches(json!({"detail": {"Location": [null]}}), e.clone()));
    assert!(matches(json!({"detail": {"enabled": [true]}}), e.clone()));
    assert!(!matches(json!({"detail": {"enabled": [false]}}), e.clone()));
    assert!(!matches(
        json!({"detail": {"enabled": ["true"]}}),
        e.clone()
    ));
    // null matches a null value, not a missing field.
    assert!(!matches(json!({"detail": {"nothing": [null]}}), e));
    // The empty string matches an empty string.
    assert!(matches(json!({"LastName": [""]}), json!({"LastName": ""})));
    assert!(!matches(
        json!({"LastName": [""]}),
        json!({"LastName": "x"})
    ));
}

#[test]
fn numbers_match_across_notations() {
    // "3.015e2" and "301.5" are the same number.
    assert!(matches(json!({"x": [301.5]}), json!({"x": 3.015e2})));
    assert!(matches(
        json!({"x": [{"numeric": ["=", 301.5]}]}),
        json!({"x": 3.015e2})
    ));
}

#[test]
fn prefix_and_suffix() {
    let e = ec2_event();
    assert!(matches(
        json!({"time": [{"prefix": "2017-12-22"}]}),
        e.clone()
    ));
    assert!(!matches(json!({"time": [{"prefix": "2018"}]}), e.clone()));
    assert!(matches(
        json!({"detail": {"FileName": [{"suffix": ".PNG"}]}}),
        e.clone()
    ));
    assert!(!matches(
        json!({"detail": {"FileName": [{"suffix": ".png"}]}}),
        e.clone()
    ));
    assert!(matches(
        json!({"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}),
        e.clone()
    ));
    assert!(matches(
        json!({"source": [{"prefix": {"equals-ignore-case": "AWS."}}]}),
        e.clone()
    ));
    // Prefix and suffix apply to strings only.
    assert!(!matches(
        json!({"detail": {"c-count": [{"prefix": "5"}]}}),
        e
    ));
}

#[test]
fn equals_ignore_case() {
    assert!(matches(
        json!({"name": [{"equals-ignore-case": "alice"}]}),
        json!({"name": "ALICE"})
    ));
    assert!(!matches(
        json!({"name": [{"equals-ignore-case": "alice"}]}),
        json!({"name": "alicia"})
    ));
}

#[test]
fn wildcard() {
    assert!(matches(
        json!({"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}),
        json!({"EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/default"})
    ));
    assert!(!matches(
        json!({"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}),
        json!({"EventBusArn": "arn:aws:events:us-west-2:123456789012:event-bus/default"})
    ));
}

#[test]
fn anything_but() {
    let e = ec2_event();
    assert!(matches(
        json!({"detail": {"state": [{"anything-but": "initializing"}]}}),
        e.clone()
    ));
    assert!(!matches(
        json!({"detail": {"state": [{"anything-but": "terminated"}]}}),
        e.clone()
    ));
    assert!(matches(
        json!({"detail": {"x-limit": [{"anything-but": 123}]}}),
        e.clone()
    ));
    assert!(!matches(
        json!({"detail": {"c-count": [{"anything-but": [4, 5]}]}}),
        e.clone()
    ));
    assert!(!matches(
        json!({"detail": {"state": [{"anything-but": ["stopped", "terminated"]}]}}),
        e.clone()
    ));
    assert!(matches(
        json!({"region": [{"anything-but": {"prefix": "us-east"}}]}),
        e.clone()
    ));
    assert!(!matches(
        json!({"region": [{"anything-but": {"prefix": "us-"}}]}),
        e.clone()
    ));
    assert!(!matches(
        json!({"detail": {"FileName": [{"anything-but": {"suffix": ".PNG"}}]}}),
        e.clone()
    ));
    assert!(!matches(
        json!({"detail": {"state": [{"anything-but": {"equals-ignore-case": "TERMINATED"}}]}}),
        e.clone()
    ));
    assert!(!matches(
        json!({"detail": {"FileName": [{"anything-but": {"wildcard": "*.PNG"}}]}}),
        e.clone()
    ));
    assert!(matches(
        json!({"detail": {"FileName": [{"anything-but": {"wildcard": ["*/lib/*", "*.jpg"]}}]}}),
        e.clone()
    ));
    // anything-but needs the field to be there.
    assert!(!matches(
        json!({"detail": {"nothing": [{"anything-but": "x"}]}}),
        e
    ));
}

#[test]
fn numeric_ranges() {
    let e = ec2_event();
    assert!(matches(
        json!({"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}),
        e.clone()
    ));
    assert!(!matches(
        json!({"detail": {"c-count": [{"numeric": [">", 0, "<", 5]}]}}),
        e.clone()
    ));
    assert!(matches(
        json!({"detail": {"d-count": [{"numeric": ["<", 10]}]}}),
        e.clone()
    ));
    assert!(matches(
        json!({"detail": {"x-limit": [{"numeric": [">=", 301.8]}]}}),
        e.clone()
    ));
    assert!(!matches(
        json!({"detail": {"x-limit": [{"numeric": [">", 301.8]}]}}),
        e.clone()
    ));
    assert!(matches(
        json!({"detail": {"c-count": [{"numeric": ["=", 5]}]}}),
        e.clone()
    ));
    assert!(matches(
        json!({"detail": {"c-count": [{"numeric": ["<=", 5]}]}}),
        e.clone()
    ));
    // Numeric matching applies to JSON numbers only, not numeric strings.
    assert!(!matches(
        json!({"n": [{"numeric": [">", 0]}]}),
        json!({"n": "5"})
    ));
}

#[test]
fn exists() {
    let e = ec2_event();
    assert!(matches(
        json!({"detail": {"state": [{"exists": true}]}}),
        e.clone()
    ));
    assert!(!matches(
        json!({"detail": {"state": [{"exists": false}]}}),
        e.clone()
    ));
    assert!(matches(
        json!({"detail": {"missing": [{"exists": false}]}}),
        e.clone()
    ));
    assert!(!matches(
        json!({"detail": {"missing": [{"exists": true}]}}),
        e.clone()
    ));
    // exists works on leaves only: an object is not a value.
    assert!(!matches(json!({"detail": [{"exists": true}]}), e.clone()));
    // A null value exists.
    assert!(matches(
        json!({"detail": {"Location": [{"exists": true}]}}),
        e.clone()
    ));
    // A whole missing branch is absent.
    assert!(matches(json!({"nope": {"deeper": [{"exists": false}]}}), e));
}

#[test]
fn cidr_and_ip_literals() {
    let e = ec2_event();
    assert!(matches(
        json!({"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}}),
        e.clone()
    ));
    assert!(!matches(
        json!({"detail": {"source-ip": [{"cidr": "10.0.1.0/24"}]}}),
        e.clone()
    ));
    assert!(matches(
        json!({"ip": [{"cidr": "2001:db8::/32"}]}),
        json!({"ip": "2001:db8:0:0::5"})
    ));
    // An address literal matches the address however it is spelled.
    assert!(matches(
        json!({"ip": ["2001:db8::5"]}),
        json!({"ip": "2001:0db8:0:0::5"})
    ));
}

#[test]
fn or_combines_alternatives() {
    let p = json!({
        "source": ["aws.ec2"],
        "detail": {"$or": [
            {"c-count": [{"numeric": [">", 0, "<=", 5]}]},
            {"d-count": [{"numeric": ["<", 10]}]},
            {"x-limit": [{"numeric": ["=", 3.018e2]}]}
        ]}
    });
    assert!(matches(
        p.clone(),
        json!({"source": "aws.ec2", "detail": {"d-count": 3}})
    ));
    assert!(matches(
        p.clone(),
        json!({"source": "aws.ec2", "detail": {"x-limit": 301.8}})
    ));
    assert!(!matches(
        p.clone(),
        json!({"source": "aws.ec2", "detail": {"c-count": 9}})
    ));
    assert!(!matches(
        p,
        json!({"source": "aws.s3", "detail": {"d-count": 3}})
    ));
    let top = json!({"$or": [{"source": ["a"]}, {"detail-type": ["b"]}]});
    assert!(matches(
        top.clone(),
        json!({"source": "x", "detail-type": "b"})
    ));
    assert!(!matches(top, json!({"source": "x", "detail-type": "c"})));
}

#[test]
fn structural_refusals() {
    assert_eq!(reason("[]"), "Filter is not an object");
    assert_eq!(reason("\"x\""), "Filter is not an object");
    assert_eq!(
        reason(r#"{"source": "aws.ec2"}"#),
        r#""source" must be an object or an array"#
    );
    assert_eq!(
        reason(r#"{"detail": {"slug": "x"}}"#),
        r#""slug" must be an object or an array"#
    );
    assert_eq!(reason("{}"), "Empty objects are not allowed");
    assert_eq!(
        reason(r#"{"source": ["aws.health"], "detail": {}}"#),
        "Empty objects are not allowed"
    );
    assert_eq!(reason(r#"{"source": []}"#), "Empty arrays are not allowed");
    assert_eq!(
        reason(r#"{"source": [["a"]]}"#),
        "Match value must be String, number, true, false, or null"
    );
    assert_eq!(
        reason(r#"{"source": [{}]}"#),
        "Match expression name not found"
    );
    assert_eq!(
        reason(r#"{"source": [{"regex": "a"}]}"#),
        "Unrecognized match type regex"
    );
    assert!(Pattern::parse("{not json").is_err());
}

#[test]
fn expression_refusals() {
    let cases = [
        (
            r#"{"a": [{"prefix": 1}]}"#,
            "prefix match pattern must be a string",
        ),
        (
            r#"{"a": [{"suffix": null}]}"#,
            "suffix match pattern must be a string",
        ),
        (
            r#"{"a": [{"prefix": "x", "suffix": "y"}]}"#,
            "Only one key allowed in match expression",
        ),
        (
            r#"{"a": [{"prefix": {}}]}"#,
            "Prefix expression name not found",
        ),
        (
            r#"{"a": [{"suffix": {}}]}"#,
            "Suffix expression name not found",
        ),
        (
            r#"{"a": [{"prefix": {"wildcard": "x"}}]}"#,
            "Unsupported prefix pattern: wildcard",
        ),
        (
            r#"{"a": [{"suffix": {"equals-ignore-case": 3}}]}"#,
            "equals-ignore-case match pattern must be a string",
        ),
        (
            r#"{"a": [{"equals-ignore-case": 3}]}"#,
            "equals-ignore-case match pattern must be a string",
        ),
        (
            r#"{"a": [{"wildcard": 3}]}"#,
            "wildcard match pattern must be a string",
        ),
        (
            r#"{"a": [{"wildcard": "a**"}]}"#,
            "Consecutive wildcard characters at pos 2",
        ),
        (
            r#"{"a": [{"exists": "yes"}]}"#,
            "exists match pattern must be either true or false.",
        ),
        (
            r#"{"a": [{"exists": true, "prefix": "x"}]}"#,
            "Only one key allowed in match expression",
        ),
        (
            r#"{"a": [{"cidr": 10}]}"#,
            "prefix match pattern must be a string",
        ),
        (
            r#"{"a": [{"cidr": "10.0.0.0/33"}]}"#,
            "IPv4 mask bits must be < 32",
        ),
        (
            r#"{"a": [{"exactly": 1}]}"#,
            "exact match pattern must be a string",
        ),
    ];
    for (pattern, want) in cases {
        assert_eq!(reason(pattern), want, "{pattern}");
    }
}

#[test]
fn numeric_refusals() {
    let cases = [
        (
            r#"{"a": [{"numeric": 5}]}"#,
            "Value of numeric must be an array.",
        ),
        (
            r#"{"a": [{"numeric": []}]}"#,
            "Invalid member in numeric match: ]",
        ),
        (
            r#"{"a": [{"numeric": [5]}]}"#,
            "Invalid member in numeric match: 5",
        ),
        (
            r#"{"a": [{"numeric": ["=", "5"]}]}"#,
            "Value of equals must be numeric",
        ),
        (
            r#"{"a": [{"numeric": [">=", "x"]}]}"#,
            "Value of >= must be numeric",
        ),
        (
            r#"{"a": [{"numeric": ["<"]}]}"#,
            "Value of < must be numeric",
        ),
        (
            r#"{"a": [{"numeric": ["!=", 5]}]}"#,
            "Unrecognized numeric range operator: !=",
        ),
        (
            r#"{"a": [{"numeric": ["<", 5, ">", 1]}]}"#,
            "Too many elements in numeric expression",
        ),
        (
            r#"{"a": [{"numeric": [">", 5, 6]}]}"#,
            "Bad value in numeric range: 6",
        ),
        (
            r#"{"a": [{"numeric": [">", 5, ">", 6]}]}"#,
            "Bad numeric range operator: >",
        ),
        (
            r#"{"a": [{"numeric": [">", 5, "<", "x"]}]}"#,
            "Value of < must be numeric",
        ),
        (
            r#"{"a": [{"numeric": [">", 5, "<", 6, "x"]}]}"#,
            "Too many terms in numeric range expression",
        ),
        (
            r#"{"a": [{"numeric": [">", 6, "<", 5]}]}"#,
            "Bottom must be less than top",
        ),
        (
            r#"{"a": [{"numeric": [">", 1], "prefix": "x"}]}"#,
            "Too many elements in numeric expression",
        ),
        (
            r#"{"a": [{"numeric": ["=", 9007199254740993]}]}"#,
            "Cannot compare number : 9007199254740993",
        ),
    ];
    for (pattern, want) in cases {
        assert_eq!(reason(pattern), want, "{pattern}");
    }
    // A big integer as a plain value is fine: it matches as text (account ids).
    assert!(matches(
        json!({"a": [9007199254740993u64]}),
        json!({"a": 9007199254740993u64})
    ));
}

#[test]
fn anything_but_refusals() {
    let cases = [
        (
            r#"{"a": [{"anything-but": null}]}"#,
            "Value of anything-but must be an array or single string/number value.",
        ),
        (
            r#"{"a": [{"anything-but": true}]}"#,
            "Value of anything-but must be an array or single string/number value.",
        ),
        (
            r#"{"a": [{"anything-but": [null]}]}"#,
            "Inside anything but list, start|null|boolean is not supported.",
        ),
        (
            r#"{"a": [{"anything-but": ["x", 1]}]}"#,
            "Inside anything but list, either all values are number or string, mixed type is not supported",
        ),
        (
            r#"{"a": [{"anything-but": []}]}"#,
            "Inside anything but list, either all values are number or string, mixed type is not supported",
        ),
        (
            r#"{"a": [{"anything-but": {}}]}"#,
            "Anything-But expression name not found",
        ),
        (
            r#"{"a": [{"anything-but": {"numeric": [">", 1]}}]}"#,
            "Unsupported anything-but pattern: numeric",
        ),
        (
            r#"{"a": [{"anything-but": {"prefix": ""}}]}"#,
            "Null prefix/suffix not allowed",
        ),
        (
            r#"{"a": [{"anything-but": {"suffix": [""]}}]}"#,
            "Null prefix/suffix not allowed",
        ),
        (
            r#"{"a": [{"anything-but": {"prefix": 1}}]}"#,
            "prefix/suffix match pattern must be a string",
        ),
        (
            r#"{"a": [{"anything-but": {"wildcard": 1}}]}"#,
            "wildcard match pattern must be a string",
        ),
        (
            r#"{"a": [{"anything-but": {"wildcard": "x\\y"}}]}"#,
            "Invalid escape character at pos 2",
        ),
        (
            r#"{"a": [{"anything-but": {"equals-ignore-case": [1]}}]}"#,
            "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
        ),
        (
            r#"{"a": [{"anything-but": {"prefix": "x", "suffix": "y"}}]}"#,
            "Too many elements in numeric expression",
        ),
        (
            r#"{"a": [{"anything-but": "x", "prefix": "y"}]}"#,
            "Too many elements in numeric expression",
        ),
    ];
    for (pattern, want) in cases {
        assert_eq!(reason(pattern), want, "{pattern}");
    }
}

#[test]
fn or_refusals() {
    let cases = [
        (
            r#"{"$or": {"a": ["x"]}}"#,
            "It must be an Array followed with $or.",
        ),
        (
            r#"{"$or": [{"a": ["x"]}]}"#,
            "There must have at least 2 Objects in $or relationship.",
        ),
        (
            r#"{"$or": [{"a": ["x"]}, "b"]}"#,
            "Only JSON object is allowed in array of $or relationship.",
        ),
        (
            r#"{"$or": [{"a": ["x"]}, {"numeric": ["x"]}]}"#,
            "numeric is Ruler reserved fieldName which cannot be used inside $or.",
        ),
    ];
    for (pattern, want) in cases {
        assert_eq!(reason(pattern), want, "{pattern}");
    }
    // Reserved names are ordinary fields outside $or.
    assert_eq!(reason(r#"{"numeric": ["x"]}"#), "<accepted>");
}

#[test]
fn the_message_is_the_exception_text() {
    let e = Pattern::parse("{}").unwrap_err();
    assert_eq!(
        e.to_string(),
        "Event pattern is not valid. Reason: Empty objects are not allowed"
    );
}

mod differential {
    //! The structural matcher against an oracle that flattens events and patterns into
    //! paths, as the rule engine does, for events whose arrays hold only scalars (where the
    //! two descriptions must agree).

    use super::*;
    use crate::pattern::{Field, Matcher, Node};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// Every (path, matchers) of each branch of a pattern, `$or` expanded.
    fn branches(node: &Node, prefix: &str) -> Vec<Vec<(String, Vec<Matcher>)>> {
        let mut out: Vec<Vec<(String, Vec<Matcher>)>> = vec![Vec::new()];
        for (name, field) in &node.fields {
            let path = format!("{prefix}{name}");
            let subs = match field {
                Field::Leaf(ms) => vec![vec![(path, ms.clone())]],
                Field::Nested(inner) => branches(inner, &format!("{path}.")),
            };
            out = cross(&out, &subs);
        }
        for alternatives in &node.ors {
            let subs: Vec<_> = alternatives
                .iter()
                .flat_map(|a| branches(a, prefix))
                .collect();
            out = cross(&out, &subs);
        }
        out
    }

    fn cross<T: Clone>(a: &[Vec<T>], b: &[Vec<T>]) -> Vec<Vec<T>> {
        a.iter()
            .flat_map(|x| {
                b.iter().map(move |y| {
                    let mut v = x.clone();
                    v.extend(y.iter().cloned());
                    v
                })
            })
            .collect()
    }

    fn flatten(value: &Value, prefix: &str, out: &mut BTreeMap<String, Vec<Value>>) {
        match value {
            Value::Object(m) => {
                for (k, v) in m {
                    flatten(v, &format!("{prefix}{k}."), out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| flatten(i, prefix, out)),
            scalar => out
                .entry(prefix.trim_end_matches('.').to_owned())
                .or_default()
                .push(scalar.clone()),
        }
    }

    fn oracle(pattern: &Pattern, event: &Value) -> bool {
        let mut flat = BTreeMap::new();
        flatten(event, "", &mut flat);
        branches(&pattern.root, "").iter().any(|branch| {
            branch.iter().all(|(path, matchers)| match flat.get(path) {
                None => matchers.contains(&Matcher::Exists(false)),
                Some(values) => matchers.iter().any(|m| {
                    values.iter().any(|v| {
                        // One leaf through the real matcher: {"x": [m]} against {"x": v}.
                        let leaf = Node {
                            fields: vec![("x".into(), Field::Leaf(vec![m.clone()]))],
                            ors: Vec::new(),
                        };
                        crate::matching::node(&leaf, Some(&json!({ "x": v })))
                    })
                }),
            })
        })
    }

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(json!("a")),
            Just(json!("ab")),
            Just(json!("B")),
            Just(json!(1)),
            Just(json!(2.5)),
            Just(json!(null)),
            Just(json!(true)),
            Just(json!("10.0.0.1")),
        ]
    }

    fn event() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            3 => scalar(),
            1 => proptest::collection::vec(scalar(), 0..3).prop_map(Value::Array),
        ];
        leaf.prop_recursive(3, 16, 3, |inner| {
            proptest::collection::btree_map("[pqr]", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect()))
        })
        .prop_map(|v| match v {
            Value::Object(_) => v,
            other => json!({ "p": other }),
        })
    }

    fn matcher() -> impl Strategy<Value = Value> {
        prop_oneof![
            scalar(),
            Just(json!({"prefix": "a"})),
            Just(json!({"suffix": {"equals-ignore-case": "B"}})),
            Just(json!({"anything-but": "a"})),
            Just(json!({"anything-but": [1, 2]})),
            Just(json!({"numeric": [">", 0, "<=", 2]})),
            Just(json!({"exists": true})),
            Just(json!({"exists": false})),
            Just(json!({"cidr": "10.0.0.0/8"})),
            Just(json!({"wildcard": "*b"})),
            Just(json!({"equals-ignore-case": "b"})),
        ]
    }

    fn pattern() -> impl Strategy<Value = Value> {
        let leaf = proptest::collection::vec(matcher(), 1..3).prop_map(Value::Array);
        leaf.prop_recursive(3, 16, 3, |inner| {
            let object = proptest::collection::btree_map("[pqr]", inner.clone(), 1..3)
                .prop_map(|m| Value::Object(m.into_iter().collect()));
            (
                object.clone(),
                proptest::option::weighted(0.3, proptest::collection::vec(object, 2..3)),
            )
                .prop_map(|(mut object, or)| {
                    if let (Value::Object(m), Some(or)) = (&mut object, or) {
                        m.insert("$or".into(), Value::Array(or));
                    }
                    object
                })
        })
        .prop_map(|v| match v {
            Value::Object(_) => v,
            other => json!({ "p": other }),
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn structural_matcher_agrees_with_flattening(p in pattern(), e in event()) {
            let parsed = Pattern::parse(&p.to_string()).unwrap();
            prop_assert_eq!(parsed.matches(&e), oracle(&parsed, &e), "pattern {} event {}", p, e);
        }

        #[test]
        fn parsing_never_panics(text in "[\\[\\]{}\",:a-z0-9$*<>= .-]{0,40}") {
            let _ = Pattern::parse(&text);
        }

        #[test]
        fn matching_never_panics(p in pattern(), e in any::<String>()) {
            let parsed = Pattern::parse(&p.to_string()).unwrap();
            let _ = parsed.matches(&json!({ "p": e }));
        }
    }
}

#[test]
fn deep_nesting_is_refused_not_a_crash() {
    // The JSON reader stops at 128 levels: a deeper pattern is refused with a reason.
    let deep = format!("{}[\"x\"]{}", "{\"a\":".repeat(200), "}".repeat(200));
    assert!(Pattern::parse(&deep).is_err());
    let fine = format!("{}[\"x\"]{}", "{\"a\":".repeat(100), "}".repeat(100));
    let pattern = Pattern::parse(&fine).unwrap();
    let mut event = json!("x");
    for _ in 0..100 {
        event = json!({ "a": event });
    }
    assert!(pattern.matches(&event));
}

#[test]
fn anything_but_numbers_let_other_types_through() {
    // As the rule engine's own tests show: anything-but 111 matches the string "444" (and even
    // "111": a string is not the number).
    assert!(matches(
        json!({"b": [{"anything-but": [111, 222, 333]}]}),
        json!({"b": "444"})
    ));
    assert!(matches(
        json!({"d": [{"anything-but": 111}]}),
        json!({"d": "111"})
    ));
    assert!(!matches(
        json!({"d": [{"anything-but": 111}]}),
        json!({"d": 111.0})
    ));
    // Two anything-but matchers on one field: every value passes one of them.
    assert!(matches(
        json!({"bar": [{"anything-but": "a"}, {"anything-but": "b"}]}),
        json!({"bar": "b"})
    ));
}
