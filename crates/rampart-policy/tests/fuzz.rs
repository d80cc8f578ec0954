//! Property-based fuzzing of the parser and the evaluator: arbitrary text and arbitrary
//! JSON-shaped policies must never panic, and every accepted policy evaluates without
//! panicking against arbitrary requests. (`cargo test -p rampart-policy --test fuzz`;
//! raise `PROPTEST_CASES` for a longer run.)

use proptest::prelude::*;
use rampart_policy::{
    Context, Policy, PolicyKind, PolicySet, Principal, Request, evaluate, evaluate_all_statements,
};
use serde_json::{Value, json};

const KINDS: [PolicyKind; 7] = [
    PolicyKind::Identity,
    PolicyKind::Resource,
    PolicyKind::Trust,
    PolicyKind::PermissionsBoundary,
    PolicyKind::Session,
    PolicyKind::ServiceControl,
    PolicyKind::ResourceControl,
];

/// Strings that exercise wildcards, variables, ARN separators and odd characters.
fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9:*?/$ {}',.-]{0,24}",
        Just("*".to_owned()),
        Just("${aws:username}".to_owned()),
        Just("${aws:PrincipalTag/t, 'd'}".to_owned()),
        Just("${*}${?}${$}${".to_owned()),
        Just("arn:aws:s3:::b/*".to_owned()),
        Just("arn:aws:iam::111122223333:user/alice".to_owned()),
        Just("s3:Get*".to_owned()),
        Just("2024-01-01T00:00:00Z".to_owned()),
        Just("10.0.0.0/8".to_owned()),
        Just("::/0".to_owned()),
        Just("999999999999999999999999".to_owned()),
        Just("é✓".to_owned()),
    ]
}

fn string_or_list() -> impl Strategy<Value = Value> {
    prop_oneof![
        atom().prop_map(Value::String),
        prop::collection::vec(atom(), 0..3).prop_map(|v| json!(v)),
        Just(json!(null)),
        Just(json!(7)),
        Just(json!({"a": "b"})),
    ]
}

fn operator() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "StringEquals",
            "StringNotLike",
            "StringEqualsIgnoreCase",
            "NumericLessThan",
            "DateGreaterThan",
            "Bool",
            "BinaryEquals",
            "IpAddress",
            "NotIpAddress",
            "ArnLike",
            "ArnNotEquals",
            "Null",
            "ForAllValues:StringLike",
            "ForAnyValue:StringEqualsIfExists",
            "BoolIfExists",
            "NullIfExists",
        ])
        .prop_map(str::to_owned),
        atom(),
    ]
}

fn statement() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["Allow", "Deny", "allow", "x"]),
        prop::sample::select(vec!["Action", "NotAction"]),
        string_or_list(),
        prop::sample::select(vec!["Resource", "NotResource", "None"]),
        string_or_list(),
        prop::option::of(prop_oneof![
            Just(json!("*")),
            string_or_list().prop_map(|v| json!({"AWS": v})),
            string_or_list().prop_map(|v| json!({"Service": v, "Federated": "x"})),
        ]),
        prop::option::of((operator(), atom(), string_or_list())),
        any::<bool>(),
    )
        .prop_map(
            |(
                effect,
                action_key,
                actions,
                resource_key,
                resources,
                principal,
                condition,
                not_principal,
            )| {
                let mut s = serde_json::Map::new();
                s.insert("Effect".into(), json!(effect));
                s.insert(action_key.into(), actions);
                if resource_key != "None" {
                    s.insert(resource_key.into(), resources);
                }
                if let Some(p) = principal {
                    s.insert(
                        if not_principal {
                            "NotPrincipal"
                        } else {
                            "Principal"
                        }
                        .into(),
                        p,
                    );
                }
                if let Some((op, key, values)) = condition {
                    s.insert("Condition".into(), json!({ op: { key: values } }));
                }
                Value::Object(s)
            },
        )
}

fn document() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            Some("2012-10-17"),
            Some("2008-10-17"),
            None,
            Some("2020-01-01"),
        ]),
        prop::collection::vec(statement(), 0..4),
        any::<bool>(),
    )
        .prop_map(|(version, statements, single)| {
            let statement = if single && statements.len() == 1 {
                statements[0].clone()
            } else {
                json!(statements)
            };
            let mut d = json!({ "Statement": statement });
            if let Some(v) = version {
                d["Version"] = json!(v);
            }
            d.to_string()
        })
}

fn principal() -> impl Strategy<Value = Principal> {
    prop_oneof![
        Just(Principal::Anonymous),
        atom().prop_map(|name| Principal::Service { name }),
        (atom(), atom()).prop_map(|(arn, account)| Principal::User { arn, account }),
        (atom(), atom(), atom()).prop_map(|(role_arn, session_arn, account)| {
            Principal::AssumedRole {
                role_arn,
                session_arn,
                account,
            }
        }),
        atom().prop_map(|account| Principal::Root {
            partition: "aws".into(),
            account
        }),
    ]
}

fn context() -> impl Strategy<Value = Context> {
    prop::collection::vec(
        (atom(), prop::collection::vec(atom(), 0..3), any::<bool>()),
        0..6,
    )
    .prop_map(|entries| {
        let mut c = Context::new();
        for (k, vs, multi) in entries {
            if multi {
                c.set_multi(&k, vs);
            } else {
                c.set(&k, vs.first().cloned().unwrap_or_default());
            }
        }
        c
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics_on_text(text in "\\PC{0,200}") {
        for kind in KINDS {
            let _ = Policy::parse(&text, kind);
            let _ = Policy::parse_stored(&text, kind);
        }
    }

    #[test]
    fn parse_and_evaluate_never_panic(
        docs in prop::collection::vec(document(), 1..4),
        p in principal(),
        action in atom(),
        resource in atom(),
        ctx in context(),
    ) {
        let mut policies = Vec::new();
        for (i, d) in docs.iter().enumerate() {
            let kind = KINDS[i % KINDS.len()];
            let strict = Policy::parse(d, kind);
            if let Ok(p) = Policy::parse_stored(d, kind) {
                policies.push(p);
            }
            // Whatever the strict parser accepts, the lenient one accepts too.
            prop_assert!(strict.is_err() || Policy::parse_stored(d, kind).is_ok());
        }
        let request = Request::new(p, &action, &resource).with_context(ctx);
        let set = PolicySet {
            identity: policies.clone(),
            permissions_boundary: policies.first().cloned(),
            session: policies.clone(),
            resource: policies.last().cloned(),
            scp_levels: vec![policies.clone()],
            rcp_levels: vec![policies],
            ..PolicySet::default()
        };
        let d = evaluate(&request, &set);
        let _ = d.explain();
        // The early-exit evaluation and the exhaustive one always agree.
        let all = evaluate_all_statements(&request, &set);
        prop_assert_eq!((d.outcome, d.reason), (all.outcome, all.reason));
        prop_assert!(d.statements.len() <= all.statements.len());
        prop_assert_eq!(d.is_allowed(), d.access_denied_message(&request).is_none());
    }
}
