//! The Organizations access report: GenerateOrganizationsAccessReport and
//! GetOrganizationsAccessReport. For an entity of the organization (its root, an OU or an
//! account, by `EntityPath`) the report lists every service the SCPs governing it allow (every
//! level from the root down must allow some action of the service), or the services one SCP
//! allows. rampart does not record when services were last used, so no service reads as
//! accessed, as AWS reports services unused in its tracking period.

use super::errors::validation;
use super::grants::{allowed_services, load_report, save_report};
use super::names::max_items;
use super::paging::page;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

const REPORT_TABLE: &str = "iam.organizations-access-report";

/// A generated report: the services the policies allow, as (name, namespace).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrgReport {
    entity_path: String,
    created: f64,
    services: Vec<(String, String)>,
}

fn generate(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let path = super::entity::required(&input, "EntityPath", "entityPath")?.to_owned();
    if !(19..=427).contains(&path.len()) {
        return Err(validation(format!(
            "1 validation error detected: Value '{path}' at 'entityPath' failed to satisfy constraint: Member must have length between 19 and 427"
        )));
    }
    let policy = input.get("OrganizationsPolicyId").and_then(Value::as_str);
    let levels = crate::organizations::scp_levels(call, &path, policy)?;
    let report = OrgReport {
        entity_path: path,
        created: rampart_service::epoch_seconds(call.env.clock.now()),
        services: allowed_services(&levels),
    };
    Ok(json!({ "JobId": save_report(call, REPORT_TABLE, &report)? }))
}

fn get(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let job_id = super::entity::required(&input, "JobId", "jobId")?;
    let max = max_items(input.get("MaxItems").and_then(Value::as_i64))?;
    let report: OrgReport = load_report(call, REPORT_TABLE, job_id)?;
    let mut services = report.services.clone();
    services.sort_by(|a, b| a.1.cmp(&b.1));
    if input.get("SortKey").and_then(Value::as_str) == Some("SERVICE_NAMESPACE_DESCENDING") {
        services.reverse();
    }
    let count = services.len();
    let items = services
        .into_iter()
        .map(|(name, namespace)| {
            let detail = json!({
                "ServiceName": name,
                "ServiceNamespace": namespace,
                "TotalAuthenticatedEntities": 0,
            });
            (namespace, detail)
        })
        .collect();
    let mut output = Map::new();
    let marker = input.get("Marker").and_then(Value::as_str);
    let details = page(items, marker, max, &mut output)?;
    output.insert("JobStatus".into(), json!("COMPLETED"));
    output.insert("JobCreationDate".into(), json!(report.created));
    output.insert("JobCompletionDate".into(), json!(report.created));
    output.insert("NumberOfServicesAccessible".into(), json!(count));
    output.insert("NumberOfServicesNotAccessed".into(), json!(count));
    output.insert("AccessDetails".into(), Value::Array(details));
    Ok(Value::Object(output))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "GenerateOrganizationsAccessReport", false, generate);
    registry.register("iam", "GetOrganizationsAccessReport", true, get);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_is_allowed_when_every_level_allows_it() {
        let all = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#.to_owned();
        let s3 = r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#.to_owned();
        let namespaces = |levels: &[Vec<String>]| -> Vec<String> {
            allowed_services(levels)
                .into_iter()
                .map(|(_, ns)| ns)
                .collect()
        };
        assert_eq!(
            namespaces(&[vec![all.clone()], vec![s3.clone()]]),
            vec!["s3"]
        );
        assert!(namespaces(&[vec![all.clone()]]).len() > 100);
        assert!(namespaces(&[vec![all], vec![]]).is_empty());
    }
}
