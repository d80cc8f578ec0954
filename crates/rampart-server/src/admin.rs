//! rampart's own endpoints under `/_rampart/`, not AWS APIs: the unsigned health check, and the
//! administration API (service `rampart`, modelled like an AWS service in
//! `rampart-protocol/models/rampart.json`), which goes through the whole pipeline: SigV4, the
//! authorization table below (the root user of the management account only) and CloudTrail:
//! the clock ([`AdvanceClock`](advance_clock)) and snapshots of the whole state.

use crate::scheduler::Ticker;
use crate::snapshot;
use bytes::Bytes;
use http::{Method, Response, StatusCode};
use http_body_util::Full;
use rampart_protocol::AwsError;
use rampart_service::{
    Access, Call, Env, PrincipalKind, Registry, epoch_seconds, from_input, internal_error,
};
use rampart_store::{Batch, Key};
use rampart_types::{AdjustableClock, Clock};
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The unsigned health check.
pub(crate) const HEALTH: &str = "/_rampart/health";

/// Where the clock's advance is kept, so that a restart does not move time back.
fn clock_key() -> Key {
    Key::new("rampart", "clock", "advanced-by-millis")
}

/// Answers the health check: the version, and per service the operations it serves.
pub(crate) fn health(registry: &Registry) -> Response<Full<Bytes>> {
    let mut services = std::collections::BTreeMap::<&str, usize>::new();
    for (service, _) in registry.operations() {
        *services.entry(service).or_default() += 1;
    }
    let services: serde_json::Map<String, Value> = services
        .into_iter()
        .map(|(name, operations)| {
            (
                name.to_owned(),
                json!({ "status": "ok", "operations": operations }),
            )
        })
        .collect();
    json_response(
        StatusCode::OK,
        &json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "enforcement": "on",
            "services": services,
        }),
    )
}

fn json_response(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// The unsigned prefix under which outbound web identity issuers publish their documents.
const OIDC: &str = "/_rampart/oidc/";

/// The discovery document or JWKS of an outbound web identity issuer (`GET /_rampart/oidc/
/// <issuer id>/.well-known/...`): public, like any OpenID Connect issuer's. `None` when `path`
/// is not under that prefix.
pub(crate) fn issuer_document(
    env: &Env,
    method: &Method,
    path: &str,
) -> Option<Response<Full<Bytes>>> {
    let rest = path.strip_prefix(OIDC)?;
    if method != Method::GET {
        return Some(json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            &json!({ "error": "only GET" }),
        ));
    }
    Some(
        match rampart_svc_identity::outbound_issuer_document(env, rest) {
            Some(document) => json_response(StatusCode::OK, &document),
            None => json_response(
                StatusCode::NOT_FOUND,
                &json!({ "error": "no such issuer document" }),
            ),
        },
    )
}

/// Whether `method` and `path` ask for the health check.
pub(crate) fn is_health(method: &Method, path: &str) -> bool {
    method == Method::GET && path == HEALTH
}

/// What the administration API acts on.
pub struct Admin {
    /// The server's clock.
    pub clock: Arc<AdjustableClock>,
    /// Runs the scheduled work after the clock moved.
    pub ticker: Ticker,
    /// Where snapshots are saved.
    pub snapshots: PathBuf,
}

/// Moves `clock` forward by what `store` says it was advanced before a restart.
pub fn restore_clock(env: &Env, clock: &AdjustableClock) -> Result<(), String> {
    let stored = env
        .store
        .get(&clock_key())
        .map_err(|e| format!("cannot read the clock's advance: {e}"))?;
    if let Some(item) = stored {
        let millis = std::str::from_utf8(&item.value)
            .ok()
            .and_then(|text| text.parse::<u64>().ok())
            .ok_or("the stored clock advance is not a number")?;
        clock.advance(Duration::from_millis(millis));
    }
    Ok(())
}

/// Adds the administration API to `registry`.
pub fn register(registry: &mut Registry, admin: Admin) {
    let admin = Arc::new(admin);
    registry.authorize("rampart", only_management_root);
    let for_advance = admin.clone();
    registry.register("rampart", "AdvanceClock", false, move |call, input| {
        advance_clock(&for_advance, call, input)
    });
    let for_clock = admin.clone();
    registry.register("rampart", "GetClock", true, move |_call, _input| {
        Ok(clock_state(&for_clock.clock, None))
    });
    let for_create = admin.clone();
    registry.register("rampart", "CreateSnapshot", false, move |call, input| {
        create_snapshot(&for_create, call, input)
    });
    let for_restore = admin.clone();
    registry.register("rampart", "RestoreSnapshot", false, move |call, input| {
        let input: SnapshotInput = from_input(input, "ValidationException")?;
        restore_snapshot(&for_restore, call, &input.name)
    });
    let for_reset = admin.clone();
    registry.register("rampart", "ResetState", false, move |call, _input| {
        restore_snapshot(&for_reset, call, snapshot::INITIAL)
    });
    registry.register_waiting_read("rampart", "ListSnapshots", move |_call, _input| {
        let found = snapshot::list(&admin.snapshots).map_err(failed)?;
        let summaries: Vec<Value> = found
            .into_iter()
            .map(|(name, bytes)| json!({ "Name": name, "Bytes": bytes }))
            .collect();
        Ok(json!({ "Snapshots": summaries }))
    });
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SnapshotInput {
    name: String,
}

fn create_snapshot(admin: &Admin, call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: SnapshotInput = from_input(input, "ValidationException")?;
    check_name(&input.name)?;
    if input.name == snapshot::INITIAL {
        return Err(AwsError::new(
            "ValidationException",
            400,
            "The snapshot name 'initial' is reserved for the state the data directory started with.",
        ));
    }
    let items =
        snapshot::save(call.env.store.as_ref(), &admin.snapshots, &input.name).map_err(failed)?;
    Ok(json!({ "Name": input.name, "Items": items }))
}

fn restore_snapshot(admin: &Admin, call: &Call<'_>, name: &str) -> Result<Value, AwsError> {
    check_name(name)?;
    match snapshot::restore(call.env.store.as_ref(), &admin.snapshots, name).map_err(failed)? {
        Some(items) => Ok(json!({ "Name": name, "Items": items })),
        None => Err(AwsError::new(
            "ResourceNotFoundException",
            404,
            format!("There is no snapshot named '{name}'."),
        )),
    }
}

fn check_name(name: &str) -> Result<(), AwsError> {
    match snapshot::valid_name(name) {
        true => Ok(()),
        false => Err(AwsError::new(
            "ValidationException",
            400,
            "A snapshot name is 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'.",
        )),
    }
}

/// A failure of the data directory or the store: logged, and answered as an internal error.
fn failed(message: String) -> AwsError {
    tracing::error!(error = %message, "administration API");
    internal_error()
}

/// The administration API serves the root user of the management account and nobody else.
fn only_management_root(
    call: &Call<'_>,
    operation: &str,
    _input: &Value,
) -> Result<Vec<Access>, AwsError> {
    let principal = call.principal;
    if principal.kind == PrincipalKind::Root && principal.account == call.env.management_account {
        return Ok(Vec::new());
    }
    Err(AwsError::new(
        "AccessDeniedException",
        403,
        format!(
            "User: {} is not authorized to perform: rampart:{operation} (only the root user of the management account may administer rampart)",
            principal.arn()
        ),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AdvanceClockInput {
    seconds: i64,
}

/// The longest single advance: ten years.
const MAX_ADVANCE_SECONDS: i64 = 315_360_000;

fn advance_clock(admin: &Admin, call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: AdvanceClockInput = from_input(input, "ValidationException")?;
    if !(1..=MAX_ADVANCE_SECONDS).contains(&input.seconds) {
        return Err(AwsError::new(
            "ValidationException",
            400,
            format!(
                "1 validation error detected: Value '{}' at 'seconds' failed to satisfy constraint: Member must have value between 1 and {MAX_ADVANCE_SECONDS}",
                input.seconds
            ),
        ));
    }
    let by = Duration::from_secs(input.seconds.unsigned_abs());
    let total = admin.clock.advanced_by() + by;
    let millis = u64::try_from(total.as_millis()).unwrap_or(u64::MAX);
    call.env
        .store
        .commit(Batch::new().put(clock_key(), millis.to_string()))
        .map_err(|e| {
            tracing::error!(error = %e, "cannot store the clock's advance");
            internal_error()
        })?;
    admin.clock.advance(by);
    tracing::info!(
        seconds = input.seconds,
        "the clock was advanced; running the scheduled work"
    );
    let ran = admin.ticker.run_all().map_err(|e| {
        tracing::error!(error = %e, "scheduled work after a clock advance");
        internal_error()
    })?;
    Ok(clock_state(&admin.clock, Some(ran)))
}

fn clock_state(clock: &AdjustableClock, duties_run: Option<usize>) -> Value {
    let mut state = json!({
        "Now": epoch_seconds(clock.now()),
        "AdvancedBySeconds": clock.advanced_by().as_secs(),
    });
    if let Some(ran) = duties_run {
        state["DutiesRun"] = json!(ran);
    }
    state
}
