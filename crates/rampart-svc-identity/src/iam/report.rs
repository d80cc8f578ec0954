//! The credential report: GenerateCredentialReport and GetCredentialReport, a CSV with AWS's
//! columns, one row for the root user and one per IAM user.
//!
//! rampart does not record when passwords or keys were last used, so those columns read
//! `N/A` (AWS's value for "never used"). The root user has no signing certificates here.

use super::errors::{model_error, store_error};
use super::mfa::{MFA_TABLE, MfaOwner, StoredMfa};
use super::passwords::{ACCOUNT_TABLE, password_policy};
use super::records::{StoredUser, USER_TABLE, get_record, list};
use crate::access_keys::{StoredKey, read_key, root_keys};
use base64::Engine;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, internal_error};
use rampart_store::{Batch, Expect, Key, space};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const REPORT_KEY: &str = "credential-report";
/// AWS lets a report be fetched for four hours after it was generated.
const REPORT_LIFETIME: f64 = 4.0 * 3600.0;

/// AWS's columns, in order.
const COLUMNS: [&str; 22] = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

/// A generated report.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredReport {
    generated: f64,
    csv: String,
}

fn report_key(call: &Call<'_>) -> Key {
    Key::new(
        space::account(&call.principal.account),
        ACCOUNT_TABLE,
        REPORT_KEY.to_owned(),
    )
}

/// `2024-01-02T03:04:05+00:00`, as the report writes times.
fn iso(seconds: f64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds as i64)
        .ok()
        .and_then(|t| {
            t.format(&time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]+00:00"
            ))
            .ok()
        })
        .unwrap_or_else(|| "N/A".to_owned())
}

/// The eight columns of two access keys.
fn key_columns(keys: &[StoredKey]) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..2 {
        match keys.get(i) {
            Some(key) => out.extend([
                (key.status == "Active").to_string(),
                iso(key.create_date),
                "N/A".into(),
                "N/A".into(),
                "N/A".into(),
            ]),
            None => out.extend(["false", "N/A", "N/A", "N/A", "N/A"].map(String::from)),
        }
    }
    out
}

fn generate_csv(call: &Call<'_>) -> Result<String, AwsError> {
    let env = call.env;
    let account = &call.principal.account;
    let store = env.store.as_ref();
    let devices: Vec<StoredMfa> = list(store, account, MFA_TABLE).map_err(store_error)?;
    let has_mfa = |owner: &MfaOwner| devices.iter().any(|d| d.owner.as_ref() == Some(owner));
    let max_age = password_policy(call)?.and_then(|(p, _)| p.max_password_age);
    let mut rows = vec![COLUMNS.join(",")];
    let root_keys: Vec<StoredKey> = root_keys(env, account)
        .map_err(store_error)?
        .into_iter()
        .map(|(_, k)| k)
        .collect();
    let mut root = vec![
        "<root_account>".to_owned(),
        format!("arn:{}:iam::{account}:root", env.partition),
        "N/A".into(),
        "not_supported".into(),
        "N/A".into(),
        "not_supported".into(),
        "not_supported".into(),
        has_mfa(&MfaOwner::Root).to_string(),
    ];
    root.extend(key_columns(&root_keys));
    root.extend(["false", "N/A", "false", "N/A"].map(String::from));
    rows.push(root.join(","));
    let users: Vec<StoredUser> = list(store, account, USER_TABLE).map_err(store_error)?;
    for user in users {
        let certificates = user
            .signing_certificates
            .iter()
            .map(|c| (c.status == "Active").to_string())
            .chain(std::iter::repeat("false".to_owned()))
            .zip(
                user.signing_certificates
                    .iter()
                    .map(|c| iso(c.upload_date))
                    .chain(std::iter::repeat("N/A".to_owned())),
            )
            .take(2)
            .flat_map(|(active, rotated)| [active, rotated]);
        let mut keys = Vec::new();
        for id in &user.access_keys {
            if let Some((key, _)) = read_key(env, id).map_err(store_error)? {
                keys.push(key);
            }
        }
        let (enabled, changed, next) = match &user.login_profile {
            Some(profile) => (
                "true".to_owned(),
                iso(profile.password_changed),
                max_age.map_or_else(
                    || "N/A".to_owned(),
                    |days| iso(profile.password_changed + f64::from(days) * 86_400.0),
                ),
            ),
            None => ("false".to_owned(), "N/A".to_owned(), "N/A".to_owned()),
        };
        let owner = MfaOwner::User {
            name: user.name.clone(),
            user_id: user.user_id.clone(),
        };
        let mut row = vec![
            user.name.clone(),
            user.arn(env.partition, account),
            iso(user.create_date),
            enabled,
            "N/A".into(),
            changed,
            next,
            has_mfa(&owner).to_string(),
        ];
        row.extend(key_columns(&keys));
        row.extend(certificates);
        rows.push(row.join(","));
    }
    Ok(rows.join("\n"))
}

/// Generates the report at once (so it is always `COMPLETE`).
fn generate(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let report = StoredReport {
        generated: rampart_service::epoch_seconds(call.env.clock.now()),
        csv: generate_csv(call)?,
    };
    let value = serde_json::to_vec(&report).map_err(|_| internal_error())?;
    call.env
        .store
        .commit(Batch::new().put_if(report_key(call), value, Expect::Any))
        .map_err(store_error)?;
    Ok(json!({ "State": "COMPLETE", "Description": "Credential report generated." }))
}

fn get(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let stored: Option<(StoredReport, u64)> =
        get_record(call.env.store.as_ref(), &report_key(call)).map_err(store_error)?;
    let Some((report, _)) = stored else {
        return Err(model_error(
            "CredentialReportNotPresentException",
            "Unable to find a credential report for this account.".into(),
        ));
    };
    let now = rampart_service::epoch_seconds(call.env.clock.now());
    if now - report.generated > REPORT_LIFETIME {
        return Err(model_error(
            "CredentialReportExpiredException",
            "The credential report has expired. Call GenerateCredentialReport to generate a new one.".into(),
        ));
    }
    Ok(json!({
        "Content": base64::engine::general_purpose::STANDARD.encode(report.csv.as_bytes()),
        "ReportFormat": "text/csv",
        "GeneratedTime": report.generated,
    }))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "GenerateCredentialReport", false, generate);
    registry.register("iam", "GetCredentialReport", true, get);
}
