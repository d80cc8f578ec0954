//! What an entity's policies grant, by service: ListPoliciesGrantingServiceAccess (which of a
//! user's (with its groups'), group's or role's policies allow some action of each service
//! asked about) and the service last accessed reports (GenerateServiceLastAccessedDetails,
//! GetServiceLastAccessedDetails, GetServiceLastAccessedDetailsWithEntities): every service
//! the entity's (or managed policy's) policies allow. rampart does not track when services were
//! last used, so the reports show none as accessed, as AWS does for services unused within
//! its tracking period.
//!
//! A policy grants a service when one of its `Allow` statements names an action of it (`*`,
//! `svc:*`, `svc:Get*`...), or uses `NotAction` without excluding the whole service.
//! Conditions and resources are not weighed, as AWS's answer does not weigh them either.

use super::errors::{invalid_input, no_such_entity, store_error, validation};
use super::managed::{ManagedRef, resolve_in};
use super::names::max_items;
use super::paging::page;
use super::records::{encode, get_group, get_record, get_role, get_user};
use crate::governing::EntityKind;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use rampart_store::{Batch, Expect, Key, space};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// One policy that may grant access, with its document.
struct Source {
    output: Value,
    document: String,
}

/// The `Action`/`NotAction` patterns of a statement, as a list.
fn patterns(statement: &Value, member: &str) -> Option<Vec<String>> {
    match statement.get(member)? {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        _ => None,
    }
}

/// Whether an action pattern can match an action of `service`.
fn names_service(pattern: &str, service: &str) -> bool {
    pattern == "*"
        || pattern
            .split_once(':')
            .is_some_and(|(prefix, _)| prefix.eq_ignore_ascii_case(service))
}

/// Whether an action pattern matches every action of `service`.
fn covers_service(pattern: &str, service: &str) -> bool {
    pattern == "*"
        || pattern
            .split_once(':')
            .is_some_and(|(prefix, action)| prefix.eq_ignore_ascii_case(service) && action == "*")
}

/// Whether `document` allows some action of `service`.
pub(super) fn grants(document: &str, service: &str) -> bool {
    let Ok(policy) = serde_json::from_str::<Value>(document) else {
        return false;
    };
    let statements = match policy.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => return false,
    };
    statements.iter().any(|s| {
        if s.get("Effect").and_then(Value::as_str) != Some("Allow") {
            return false;
        }
        if let Some(actions) = patterns(s, "Action") {
            return actions.iter().any(|p| names_service(p, service));
        }
        patterns(s, "NotAction")
            .is_some_and(|excluded| !excluded.iter().any(|p| covers_service(p, service)))
    })
}

/// Inline policies of an entity as sources.
fn inline_sources(
    policies: &BTreeMap<String, String>,
    entity_type: &str,
    entity_name: &str,
) -> Vec<Source> {
    policies
        .iter()
        .map(|(name, document)| Source {
            output: json!({
                "PolicyName": name,
                "PolicyType": "INLINE",
                "EntityType": entity_type,
                "EntityName": entity_name,
            }),
            document: document.clone(),
        })
        .collect()
}

/// Attached managed policies as sources (their default versions).
fn managed_sources(call: &Call<'_>, arns: &[String]) -> Result<Vec<Source>, AwsError> {
    let mut sources = Vec::new();
    for arn in arns {
        let document = match resolve_in(call.env, &call.principal.account, arn)? {
            Some(ManagedRef::Aws(policy)) => policy.document().to_owned(),
            Some(ManagedRef::Customer(policy, _)) => {
                policy.default_document().unwrap_or_default().to_owned()
            }
            None => continue,
        };
        sources.push(Source {
            output: json!({
                "PolicyName": arn.rsplit('/').next().unwrap_or_default(),
                "PolicyType": "MANAGED",
                "PolicyArn": arn,
            }),
            document,
        });
    }
    Ok(sources)
}

/// Every policy of the entity `name` of `kind` (a user's groups' too).
fn sources(call: &Call<'_>, kind: EntityKind, name: &str) -> Result<Vec<Source>, AwsError> {
    let store = call.env.store.as_ref();
    let account = &call.principal.account;
    let missing =
        |noun: &str| no_such_entity(format!("The {noun} with name {name} cannot be found."));
    let mut all = Vec::new();
    match kind {
        EntityKind::User => {
            let (user, _) = get_user(store, account, name)
                .map_err(store_error)?
                .ok_or_else(|| missing("user"))?;
            all.extend(inline_sources(&user.inline_policies, "USER", &user.name));
            all.extend(managed_sources(call, &user.attached_policies)?);
            for group_name in &user.groups {
                if let Some((group, _)) =
                    get_group(store, account, group_name).map_err(store_error)?
                {
                    all.extend(inline_sources(&group.inline_policies, "GROUP", &group.name));
                    all.extend(managed_sources(call, &group.attached_policies)?);
                }
            }
        }
        EntityKind::Group => {
            let (group, _) = get_group(store, account, name)
                .map_err(store_error)?
                .ok_or_else(|| missing("group"))?;
            all.extend(inline_sources(&group.inline_policies, "GROUP", &group.name));
            all.extend(managed_sources(call, &group.attached_policies)?);
        }
        EntityKind::Role => {
            let (role, _) = get_role(store, account, name)
                .map_err(store_error)?
                .ok_or_else(|| missing("role"))?;
            all.extend(inline_sources(&role.inline_policies, "ROLE", &role.name));
            all.extend(managed_sources(call, &role.attached_policies)?);
        }
    }
    // A managed policy attached to the user and to one of its groups counts once.
    let mut seen = std::collections::HashSet::new();
    all.retain(
        |s| match s.output.get("PolicyArn").and_then(Value::as_str) {
            Some(arn) => seen.insert(arn.to_owned()),
            None => true,
        },
    );
    Ok(all)
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let arn = super::entity::required(&input, "Arn", "arn")?;
    let (kind, name) = super::simulate::parse_source(call, arn)?;
    let namespaces = super::entity::strings(&input, "ServiceNamespaces");
    if namespaces.is_empty() || namespaces.len() > 200 {
        return Err(invalid_input(
            "ServiceNamespaces must name 1 to 200 services.",
        ));
    }
    let sources = sources(call, kind, &name)?;
    let entries: Vec<Value> = namespaces
        .iter()
        .map(|service| {
            let policies: Vec<&Value> = sources
                .iter()
                .filter(|s| grants(&s.document, service))
                .map(|s| &s.output)
                .collect();
            json!({ "ServiceNamespace": service, "Policies": policies })
        })
        .collect();
    Ok(json!({ "PoliciesGrantingServiceAccess": entries, "IsTruncated": false }))
}

/// The service access reports, in the account's space, keyed by job id.
const REPORT_TABLE: &str = "iam.access-report";

/// A generated service last accessed report.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccessReport {
    arn: String,
    job_type: String,
    created: f64,
    /// (service name, namespace) of every service the policies allow.
    services: Vec<(String, String)>,
}

fn report_key(call: &Call<'_>, table: &str, job_id: &str) -> Key {
    Key::new(
        space::account(&call.principal.account),
        table,
        job_id.to_owned(),
    )
}

/// Stores a generated report in the account's `table` under a fresh job id; returns the id.
pub(super) fn save_report<T: Serialize>(
    call: &Call<'_>,
    table: &str,
    report: &T,
) -> Result<String, AwsError> {
    let job_id = rampart_crypto::random_uuid().ok_or_else(rampart_service::internal_error)?;
    call.env
        .store
        .commit(Batch::new().put_if(
            report_key(call, table, &job_id),
            encode(report).map_err(store_error)?,
            Expect::Absent,
        ))
        .map_err(store_error)?;
    Ok(job_id)
}

/// The report `job_id` of the account's `table`, or AWS's NoSuchEntity.
pub(super) fn load_report<T: serde::de::DeserializeOwned>(
    call: &Call<'_>,
    table: &str,
    job_id: &str,
) -> Result<T, AwsError> {
    let found: Option<(T, u64)> =
        get_record(call.env.store.as_ref(), &report_key(call, table, job_id))
            .map_err(store_error)?;
    found
        .map(|(r, _)| r)
        .ok_or_else(|| no_such_entity(format!("The job with id {job_id} cannot be found.")))
}

/// The services (name, namespace) every level of `levels` allows: a level allows a service
/// when one of its policy documents grants some action of it.
pub(super) fn allowed_services(levels: &[Vec<String>]) -> Vec<(String, String)> {
    rampart_policy::Catalog::get()
        .services()
        .iter()
        .filter(|s| {
            levels
                .iter()
                .all(|level| level.iter().any(|document| grants(document, &s.prefix)))
        })
        .map(|s| (s.name.clone(), s.prefix.clone()))
        .collect()
}

/// The documents of whatever `arn` names: an entity's policies or one managed policy.
fn documents_of(call: &Call<'_>, arn: &str) -> Result<Vec<String>, AwsError> {
    if arn.contains(":policy/") {
        let document = match resolve_in(call.env, &call.principal.account, arn)? {
            Some(ManagedRef::Aws(policy)) => policy.document().to_owned(),
            Some(ManagedRef::Customer(policy, _)) => {
                policy.default_document().unwrap_or_default().to_owned()
            }
            None => return Err(super::managed::policy_not_found(arn)),
        };
        return Ok(vec![document]);
    }
    let (kind, name) = super::simulate::parse_source(call, arn)?;
    Ok(sources(call, kind, &name)?
        .into_iter()
        .map(|s| s.document)
        .collect())
}

fn generate_report(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let arn = super::entity::required(&input, "Arn", "arn")?.to_owned();
    let job_type = input
        .get("Granularity")
        .and_then(Value::as_str)
        .unwrap_or("SERVICE_LEVEL")
        .to_owned();
    if !matches!(job_type.as_str(), "SERVICE_LEVEL" | "ACTION_LEVEL") {
        return Err(validation(format!(
            "1 validation error detected: Value '{job_type}' at 'granularity' failed to satisfy constraint: Member must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]"
        )));
    }
    let documents = documents_of(call, &arn)?;
    let report = AccessReport {
        arn,
        job_type,
        created: rampart_service::epoch_seconds(call.env.clock.now()),
        services: allowed_services(&[documents]),
    };
    Ok(json!({ "JobId": save_report(call, REPORT_TABLE, &report)? }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReportInput {
    job_id: String,
    service_namespace: Option<String>,
    marker: Option<String>,
    max_items: Option<i64>,
}

fn get_report(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ReportInput =
        serde_json::from_value(input).map_err(|_| super::entity::null_member("jobId"))?;
    let max = max_items(input.max_items)?;
    let report = load_report::<AccessReport>(call, REPORT_TABLE, &input.job_id)?;
    let items = report
        .services
        .iter()
        .map(|(name, namespace)| {
            let v = json!({
                "ServiceName": name,
                "ServiceNamespace": namespace,
                "TotalAuthenticatedEntities": 0,
            });
            (namespace.clone(), v)
        })
        .collect();
    let mut output = serde_json::Map::new();
    let services = page(items, input.marker.as_deref(), max, &mut output)?;
    output.insert("JobStatus".into(), json!("COMPLETED"));
    output.insert("JobType".into(), json!(report.job_type));
    output.insert("JobCreationDate".into(), json!(report.created));
    output.insert("JobCompletionDate".into(), json!(report.created));
    output.insert("ServicesLastAccessed".into(), Value::Array(services));
    Ok(Value::Object(output))
}

fn get_report_entities(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ReportInput =
        serde_json::from_value(input).map_err(|_| super::entity::null_member("jobId"))?;
    if input.service_namespace.is_none() {
        return Err(super::entity::null_member("serviceNamespace"));
    }
    // No access is tracked, so no entity has used the service.
    let report = load_report::<AccessReport>(call, REPORT_TABLE, &input.job_id)?;
    Ok(json!({
        "JobStatus": "COMPLETED",
        "JobCreationDate": report.created,
        "JobCompletionDate": report.created,
        "EntityDetailsList": [],
        "IsTruncated": false,
    }))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "ListPoliciesGrantingServiceAccess", true, list);
    registry.register(
        "iam",
        "GenerateServiceLastAccessedDetails",
        false,
        generate_report,
    );
    registry.register("iam", "GetServiceLastAccessedDetails", true, get_report);
    registry.register(
        "iam",
        "GetServiceLastAccessedDetailsWithEntities",
        true,
        get_report_entities,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_grant_the_services_they_name() {
        let doc =
            |statement: &str| format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#);
        let s3 = doc(r#"{"Effect":"Allow","Action":["s3:Get*","kms:Decrypt"],"Resource":"*"}"#);
        assert!(grants(&s3, "s3") && grants(&s3, "KMS") && !grants(&s3, "iam"));
        let all = doc(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#);
        assert!(grants(&all, "iam"));
        let power =
            doc(r#"{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}"#);
        assert!(grants(&power, "kms") && !grants(&power, "iam"));
        let deny = doc(r#"{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#);
        assert!(!grants(&deny, "s3"));
        assert!(!grants("not json", "s3"));
    }
}
