//! Rotation: RotateSecret, CancelRotateSecret, the four-step contract (createSecret,
//! setSecret, testSecret, finishSecret) run against the secret's rotation function, and the
//! rotations the schedule makes due.
//!
//! A rotation succeeds when every step succeeded and the new version (the rotation's
//! ClientRequestToken) carries AWSCURRENT afterwards; its AWSPENDING label is then removed.
//! A failure at any step leaves AWSCURRENT where it was, records the failure and emits
//! `RotationFailed`; an AWSPENDING version left by a failed rotation is retried by the next
//! scheduled rotation, while RotateSecret refuses to start another one, as AWS does.

use crate::errors;
use crate::input::{self, text};
use crate::model::{self, CURRENT, PENDING, Secret};
use crate::resolve::resolve;
use crate::{events, rotators, schedule, versions};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use serde_json::{Value, json};

pub(crate) fn register(registry: &mut Registry) {
    registry.register("secretsmanager", "RotateSecret", false, rotate_secret);
    registry.register(
        "secretsmanager",
        "CancelRotateSecret",
        false,
        cancel_rotate_secret,
    );
}

/// The version an unfinished rotation left with AWSPENDING (not also AWSCURRENT).
pub(crate) fn unfinished(secret: &Secret) -> Option<String> {
    secret
        .versions
        .iter()
        .find(|(_, v)| {
            v.stages.iter().any(|s| s == PENDING) && !v.stages.iter().any(|s| s == CURRENT)
        })
        .map(|(id, _)| id.clone())
}

fn rotate_secret(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let found = resolve(call, input::secret_id(&input)?)?;
    let secret = found.secret().clone();
    secret.require_live()?;
    if secret.is_replica(call.region.as_str()) {
        return Err(errors::replica_read_only());
    }
    let lambda = match text(&input, "RotationLambdaARN") {
        Some(l) if l.chars().count() > 2048 => {
            return Err(errors::validation(
                "rotationLambdaARN",
                "Member must have length less than or equal to 2048",
            ));
        }
        Some(l) => Some(l.to_owned()),
        None => secret.rotation.lambda_arn.clone(),
    };
    let Some(lambda) = lambda else {
        return Err(errors::invalid_request(
            "No Lambda rotation function ARN is associated with this secret.",
        ));
    };
    rotators::Rotator::for_function(&lambda).map_err(errors::invalid_parameter)?;
    let rules = match input.get("RotationRules") {
        Some(r) => Some(schedule::check_rules(r)?.0),
        None => secret.rotation.rules.clone(),
    };
    let token = input::token(&input)?;
    let immediately = input::flag(&input, "RotateImmediately").unwrap_or(true);
    let now = model::now_ms(call.env);
    model::update(call.env, &found.space, &secret.name, |s, _| {
        if unfinished(s).is_some() {
            return Err(errors::invalid_request(
                "A previous rotation isn't complete. That rotation will be reattempted.",
            ));
        }
        s.rotation.lambda_arn = Some(lambda.clone());
        s.rotation.enabled = rules.is_some();
        s.rotation.next = rules
            .as_ref()
            .and_then(schedule::of_rules)
            .and_then(|sch| schedule::next_after(&sch, now));
        s.rotation.rules = rules.clone();
        Ok(())
    })?;
    crate::replication::sync(call, &found.space, &secret.name)?;
    let mut out = json!({"ARN": secret.arn, "Name": secret.name});
    if immediately {
        rotate(call, &found.space, &secret.name, &token);
        out["VersionId"] = token.into();
    } else {
        test_configuration(call, &found.space, &secret.name, &token);
    }
    Ok(out)
}

/// RotateImmediately=false: tests the configuration as AWS does, running only the function's
/// testSecret step against a temporary AWSPENDING copy of AWSCURRENT, removed afterwards;
/// emits `TestRotationStarted` and `TestRotationSucceeded` or `TestRotationFailed`.
fn test_configuration(call: &Call<'_>, space: &str, name: &str, token: &str) {
    let Ok(Some(stored)) = model::load(call.env, space, name) else {
        return;
    };
    let secret = stored.secret;
    let Some(current) = secret.version_with(CURRENT).map(str::to_owned) else {
        return;
    };
    events::emit(
        call,
        "TestRotationStarted",
        &secret.arn,
        json!({"ClientRequestToken": token}),
    );
    let outcome = (|| -> Result<(), String> {
        let lambda = secret
            .rotation
            .lambda_arn
            .clone()
            .ok_or("no rotation function")?;
        let rotator = rotators::Rotator::for_function(&lambda)?;
        let plain = versions::read_value(call, space, &secret, &current).map_err(|e| e.message)?;
        versions::add_version(call, space, name, token, &plain, &[PENDING.to_owned()])
            .map_err(|e| e.message)?;
        let with_pending = model::load(call.env, space, name)
            .map_err(|e| e.message)?
            .ok_or("the secret is gone")?
            .secret;
        rotator
            .step(call, space, &with_pending, "testSecret", token)
            .map_err(|why| format!("testSecret: {why}"))
    })();
    let removed = model::update(call.env, space, name, |s, batch| {
        if s.versions.remove(token).is_some() {
            *batch = std::mem::take(batch).delete(model::value_key(space, &s.arn, token));
        }
        Ok(())
    });
    if removed.is_ok() {
        let _ = crate::replication::sync(call, space, name);
    }
    match outcome {
        Ok(()) => events::emit(
            call,
            "TestRotationSucceeded",
            &secret.arn,
            json!({"ClientRequestToken": token}),
        ),
        Err(why) => {
            tracing::warn!(secret = name, reason = %why, "secretsmanager: rotation test failed");
            events::emit(
                call,
                "TestRotationFailed",
                &secret.arn,
                json!({"ClientRequestToken": token, "FailureReason": why}),
            );
        }
    }
}

fn cancel_rotate_secret(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let found = resolve(call, input::secret_id(&input)?)?;
    let secret = found.secret().clone();
    secret.require_live()?;
    if secret.is_replica(call.region.as_str()) {
        return Err(errors::replica_read_only());
    }
    model::update(call.env, &found.space, &secret.name, |s, _| {
        s.rotation.enabled = false;
        s.rotation.next = None;
        Ok(())
    })?;
    crate::replication::sync(call, &found.space, &secret.name)?;
    let mut out = json!({"ARN": secret.arn, "Name": secret.name});
    if let Some(pending) = unfinished(&secret) {
        out["VersionId"] = pending.into();
    }
    Ok(out)
}

/// Runs a rotation of the secret `name` in `space` with version `token`, records its outcome
/// and emits it; returns whether it succeeded.
pub(crate) fn rotate(call: &Call<'_>, space: &str, name: &str, token: &str) -> bool {
    if let Ok(Some(stored)) = model::load(call.env, space, name) {
        let arn = &stored.secret.arn;
        events::emit(
            call,
            "RotationStarted",
            arn,
            json!({"ClientRequestToken": token}),
        );
    }
    let outcome = run_steps(call, space, name, token);
    let now = model::now_ms(call.env);
    let failure = outcome.as_ref().err().cloned();
    if let Some(why) = &failure {
        tracing::warn!(secret = name, reason = %why, "secretsmanager: rotation failed");
    }
    let recorded = model::update(call.env, space, name, |s, _| {
        match &failure {
            None => {
                s.last_rotated = Some(now);
                s.rotation.last_failure = None;
                if let Some(v) = s.versions.get_mut(token) {
                    v.stages.retain(|x| x != PENDING);
                }
            }
            Some(why) => s.rotation.last_failure = Some(why.clone()),
        }
        Ok(s.arn.clone())
    });
    let _ = crate::replication::sync(call, space, name);
    if let Ok(arn) = recorded {
        let (name, extra) = match &failure {
            None => ("RotationSucceeded", json!({"ClientRequestToken": token})),
            Some(why) => (
                "RotationFailed",
                json!({"ClientRequestToken": token, "FailureReason": why}),
            ),
        };
        events::emit(call, name, &arn, extra);
    }
    failure.is_none()
}

fn run_steps(call: &Call<'_>, space: &str, name: &str, token: &str) -> Result<(), String> {
    let secret = model::load(call.env, space, name)
        .map_err(|e| e.message)?
        .ok_or("the secret is gone")?
        .secret;
    let lambda = secret
        .rotation
        .lambda_arn
        .clone()
        .ok_or("no rotation function is associated with the secret")?;
    let rotator = rotators::Rotator::for_function(&lambda)?;
    for step in rotators::STEPS {
        rotator
            .step(call, space, &secret, step, token)
            .map_err(|why| format!("{step}: {why}"))?;
    }
    let after = model::load(call.env, space, name)
        .map_err(|e| e.message)?
        .ok_or("the secret is gone")?
        .secret;
    if after.version_with(CURRENT) != Some(token) {
        return Err(format!(
            "finishSecret did not make version {token} AWSCURRENT"
        ));
    }
    Ok(())
}
