//! Rotation functions. AWS names a rotation function by its Lambda ARN
//! (`RotationLambdaARN`); rampart runs no Lambda, so the ARN's function name chooses:
//!
//! - `rampart-postgresql-single-user` and `rampart-postgresql-alternating-users`: the
//!   built-in PostgreSQL rotations (the RDS strategies, module `pg_rotation`);
//! - any other function: an HTTP rotator. The operator maps function names (or full Lambda
//!   ARNs) to URLs in `RAMPART_ROTATION_FUNCTIONS`, `name=url` pairs separated by commas
//!   (`my-rotator=http://127.0.0.1:9000/rotate`); for each step rampart POSTs AWS's rotation
//!   event `{"Step", "SecretId", "ClientRequestToken", "RotationToken"}` as JSON, and the
//!   function does the work with its own credentials through the Secrets Manager API, exactly
//!   as a Lambda rotation function does. A status other than 2xx fails the step.

use crate::model::Secret;
use rampart_service::{Call, Post, TlsTrust};
use serde_json::json;

/// The four steps, in order.
pub(crate) const STEPS: [&str; 4] = ["createSecret", "setSecret", "testSecret", "finishSecret"];

/// The function name of the built-in single-user PostgreSQL rotation.
pub(crate) const PG_SINGLE: &str = "rampart-postgresql-single-user";
/// The function name of the built-in alternating-users PostgreSQL rotation.
pub(crate) const PG_ALTERNATING: &str = "rampart-postgresql-alternating-users";

/// The variable that maps function names to URLs.
const FUNCTIONS_VAR: &str = "RAMPART_ROTATION_FUNCTIONS";

/// What runs a rotation's steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rotator {
    /// POST the rotation event to this URL.
    Http(String),
    /// The built-in PostgreSQL rotation; `true` for alternating users.
    Postgres { alternating: bool },
}

/// The function name of a Lambda ARN (`arn:aws:lambda:<region>:<account>:function:<name>`,
/// optionally with a `:qualifier`), or the text itself when it is a bare name.
fn function_name(lambda: &str) -> &str {
    match lambda.split_once(":function:") {
        Some((_, rest)) => rest.split(':').next().unwrap_or(rest),
        None => lambda,
    }
}

#[cfg(test)]
thread_local! {
    /// The function map of unit tests, which cannot set environment variables.
    pub(crate) static TEST_FUNCTIONS: std::cell::RefCell<String> =
        const { std::cell::RefCell::new(String::new()) };
}

fn function_map() -> String {
    #[cfg(test)]
    {
        TEST_FUNCTIONS.with(|f| f.borrow().clone())
    }
    #[cfg(not(test))]
    {
        std::env::var(FUNCTIONS_VAR).unwrap_or_default()
    }
}

/// The URL `map` (`name=url,...`) gives `lambda`, by full ARN or by function name.
fn url_in(map: &str, lambda: &str) -> Option<String> {
    let name = function_name(lambda);
    map.split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .find(|(k, _)| *k == lambda || *k == name)
        .map(|(_, url)| url.to_owned())
}

impl Rotator {
    /// The rotator of the function `lambda`, or why there is none.
    pub fn for_function(lambda: &str) -> Result<Rotator, String> {
        match function_name(lambda) {
            PG_SINGLE => Ok(Rotator::Postgres { alternating: false }),
            PG_ALTERNATING => Ok(Rotator::Postgres { alternating: true }),
            name => url_in(&function_map(), lambda).map(Rotator::Http).ok_or_else(|| {
                format!(
                    "No rotation function named {name} is configured: set {FUNCTIONS_VAR} to map it to a URL."
                )
            }),
        }
    }

    /// Runs `step` of the rotation to version `token` of `secret` (in `space`).
    pub fn step(
        &self,
        call: &Call<'_>,
        space: &str,
        secret: &Secret,
        step: &str,
        token: &str,
    ) -> Result<(), String> {
        match self {
            Rotator::Http(url) => {
                let rotation_token =
                    rampart_crypto::random_uuid().ok_or("the system random generator failed")?;
                let body = json!({
                    "Step": step,
                    "SecretId": secret.arn,
                    "ClientRequestToken": token,
                    "RotationToken": rotation_token,
                })
                .to_string();
                let headers = [("Content-Type".to_owned(), "application/json".to_owned())];
                let answer = call.env.outbound.post(&Post {
                    url,
                    trust: &TlsTrust::Thumbprints(Vec::new()),
                    headers: &headers,
                    body: body.as_bytes(),
                    limit: 64 * 1024,
                })?;
                if (200..300).contains(&answer.status) {
                    Ok(())
                } else {
                    Err(format!(
                        "the rotation function answered HTTP {}",
                        answer.status
                    ))
                }
            }
            Rotator::Postgres { alternating } => {
                crate::pg_rotation::step(call, space, secret, step, token, *alternating)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_by_name_or_arn() {
        let map = "rot=http://127.0.0.1:1/a, arn:aws:lambda:us-east-1:123456789012:function:other=http://h/b";
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:rot";
        assert_eq!(url_in(map, arn).as_deref(), Some("http://127.0.0.1:1/a"));
        assert_eq!(url_in(map, "rot").as_deref(), Some("http://127.0.0.1:1/a"));
        assert_eq!(
            url_in(map, &format!("{arn}:$LATEST")).as_deref(),
            Some("http://127.0.0.1:1/a")
        );
        assert_eq!(
            url_in(map, "arn:aws:lambda:us-east-1:123456789012:function:other").as_deref(),
            Some("http://h/b")
        );
        assert_eq!(url_in(map, "missing"), None);
        assert_eq!(
            Rotator::for_function(
                "arn:aws:lambda:us-east-1:123456789012:function:rampart-postgresql-single-user"
            ),
            Ok(Rotator::Postgres { alternating: false })
        );
        assert!(Rotator::for_function("nothing-here").is_err());
    }
}
