//! Fuzz target: any text, parsed as every policy kind (strict and stored), and every
//! accepted policy evaluated in every position of a policy set against several requests.
//! `cd crates/rampart-policy/fuzz && cargo +nightly fuzz run parse_evaluate`
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_policy::{Context, Policy, PolicyKind, PolicySet, Principal, Request, evaluate};

const KINDS: [PolicyKind; 7] = [
    PolicyKind::Identity,
    PolicyKind::Resource,
    PolicyKind::Trust,
    PolicyKind::PermissionsBoundary,
    PolicyKind::Session,
    PolicyKind::ServiceControl,
    PolicyKind::ResourceControl,
];

fn requests() -> Vec<Request> {
    let ctx = Context::new()
        .with("aws:SourceIp", "203.0.113.7")
        .with("aws:CurrentTime", "2026-01-01T00:00:00Z")
        .with("aws:username", "alice")
        .with_multi("aws:TagKeys", ["a", "b"]);
    let user = Principal::User { arn: "arn:aws:iam::111122223333:user/alice".into(), account: "111122223333".into() };
    let session = Principal::AssumedRole {
        role_arn: "arn:aws:iam::111122223333:role/R".into(),
        session_arn: "arn:aws:sts::111122223333:assumed-role/R/s".into(),
        account: "111122223333".into(),
    };
    vec![
        Request::new(user, "s3:GetObject", "arn:aws:s3:::b/alice/k").with_context(ctx.clone()),
        Request::new(session, "sts:AssumeRole", "arn:aws:iam::444455556666:role/T").with_context(ctx.clone()),
        Request::new(Principal::Anonymous, "s3:GetObject", "*").with_context(ctx),
    ]
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut accepted = Vec::new();
    for kind in KINDS {
        let strict = Policy::parse(text, kind);
        let stored = Policy::parse_stored(text, kind);
        assert!(strict.is_err() || stored.is_ok(), "strict accepted what stored rejected");
        if let Ok(p) = stored {
            accepted.push(p);
        }
    }
    if accepted.is_empty() {
        return;
    }
    let set = PolicySet {
        identity: accepted.clone(),
        permissions_boundary: accepted.first().cloned(),
        session: accepted.clone(),
        resource: accepted.last().cloned(),
        scp_levels: vec![accepted.clone()],
        rcp_levels: vec![accepted],
        ..PolicySet::default()
    };
    for r in requests() {
        let d = evaluate(&r, &set);
        assert_eq!(d.is_allowed(), d.access_denied_message(&r).is_none());
        let _ = d.explain();
    }
});
