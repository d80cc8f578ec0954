//! Logging configurations of web ACLs: PutLoggingConfiguration, GetLoggingConfiguration,
//! DeleteLoggingConfiguration, ListLoggingConfigurations. The destination is validated as AWS
//! does (one Firehose stream, CloudWatch Logs log group or S3 bucket whose name starts with
//! `aws-waf-logs-`); delivering the records is the data plane's work.

use crate::entity;
use crate::errors::{self, REASON_INVALID};
use crate::input;
use crate::scope::{Kind, Location, Scope, caller_space};
use crate::web_acls::WebAclBody;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use rampart_store::{Batch, Key, Scan};
use serde::Deserialize;
use serde_json::{Value, json};

/// The store table of logging configurations, keyed by web ACL ARN.
const TABLE: &str = "wafv2.logging";

/// Where the logging configuration of the web ACL `arn` (in `space`) is kept.
pub(crate) fn key(space: &str, arn: &str) -> Key {
    Key::new(space, TABLE, arn)
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("wafv2", "PutLoggingConfiguration", false, put);
    registry.register("wafv2", "GetLoggingConfiguration", true, get);
    registry.register("wafv2", "DeleteLoggingConfiguration", false, delete);
    registry.register("wafv2", "ListLoggingConfigurations", true, list);
}

/// Whether `arn` is a log destination AWS WAF accepts.
pub(crate) fn valid_destination(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, service, _, _, resource] = parts[..] else {
        return false;
    };
    if parts[0] != "arn" {
        return false;
    }
    let name = match service {
        "firehose" => resource.strip_prefix("deliverystream/"),
        "logs" => resource
            .strip_prefix("log-group:")
            .map(|r| r.strip_suffix(":*").unwrap_or(r)),
        "s3" => Some(resource.split('/').next().unwrap_or_default()),
        _ => None,
    };
    name.is_some_and(|n| n.starts_with("aws-waf-logs-") && n.len() > "aws-waf-logs-".len())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutInput {
    logging_configuration: Value,
}

fn put(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: PutInput = input::read(input, "LOGGING_FILTER")?;
    let mut config = i.logging_configuration;
    let arn = config
        .get("ResourceArn")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let loc = Location::caller_arn(call, &arn, Kind::WebAcl)?;
    entity::load::<WebAclBody>(call, loc.clone())?;
    let destinations: Vec<String> = config
        .get("LogDestinationConfigs")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    match destinations.as_slice() {
        [one] if valid_destination(one) => {}
        [one] => return Err(errors::invalid("LOG_DESTINATION", one, REASON_INVALID)),
        [] => {
            return Err(errors::invalid(
                "LOG_DESTINATION",
                "LogDestinationConfigs",
                REASON_INVALID,
            ));
        }
        _ => {
            return Err(errors::limits(
                "AWS WAF couldn\u{2019}t perform the operation because you exceeded your resource limit. A web ACL has one log destination.",
            ));
        }
    }
    for (member, default) in [
        ("ManagedByFirewallManager", json!(false)),
        ("LogType", json!("WAF_LOGS")),
        ("LogScope", json!("CUSTOMER")),
    ] {
        if config.get(member).is_none_or(Value::is_null) {
            config[member] = default;
        }
    }
    let bytes = serde_json::to_vec(&config).map_err(|_| errors::internal())?;
    call.env
        .store
        .commit(Batch::new().put(key(&loc.space(), &arn), bytes))
        .map_err(errors::store)?;
    Ok(json!({ "LoggingConfiguration": config }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ArnInput {
    resource_arn: String,
}

fn stored(call: &Call<'_>, arn: &str) -> Result<(Location, Option<Value>), AwsError> {
    let loc = Location::caller_arn(call, arn, Kind::WebAcl)?;
    let item = call
        .env
        .store
        .get(&key(&loc.space(), arn))
        .map_err(errors::store)?;
    let config = item
        .map(|i| serde_json::from_slice(&i.value).map_err(|_| errors::internal()))
        .transpose()?;
    Ok((loc, config))
}

fn get(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ArnInput = input::read(input, "RESOURCE_ARN")?;
    let (_, config) = stored(call, &i.resource_arn)?;
    let config = config.ok_or_else(errors::nonexistent)?;
    Ok(json!({ "LoggingConfiguration": config }))
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ArnInput = input::read(input, "RESOURCE_ARN")?;
    let (loc, config) = stored(call, &i.resource_arn)?;
    if config.is_none() {
        entity::load::<WebAclBody>(call, loc.clone())?;
    }
    call.env
        .store
        .commit(Batch::new().delete(key(&loc.space(), &i.resource_arn)))
        .map_err(errors::store)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    scope: String,
    next_marker: Option<String>,
    limit: Option<i64>,
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ListInput = input::read(input, "SCOPE_VALUE")?;
    let scope = Scope::parse(call, &i.scope)?;
    let limit = input::page_limit(i.limit)?;
    let mut scan = Scan::all();
    if let Some(m) = &i.next_marker {
        scan = scan.after(m.clone());
    }
    let items = call
        .env
        .store
        .scan(&caller_space(call), TABLE, &scan)
        .map_err(errors::store)?;
    let mut configs = Vec::new();
    let mut next = None;
    for item in items {
        if Location::parse_arn(&item.key.id).is_none_or(|l| l.scope != scope) {
            continue;
        }
        if configs.len() == limit {
            next = configs
                .last()
                .and_then(|c: &Value| c.get("ResourceArn"))
                .cloned();
            break;
        }
        configs.push(serde_json::from_slice::<Value>(&item.value).map_err(|_| errors::internal())?);
    }
    let mut out = json!({ "LoggingConfigurations": configs });
    if let Some(n) = next {
        out["NextMarker"] = n;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_need_the_aws_waf_logs_prefix() {
        for ok in [
            "arn:aws:firehose:us-east-1:123456789012:deliverystream/aws-waf-logs-app",
            "arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-app",
            "arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-app:*",
            "arn:aws:s3:::aws-waf-logs-bucket",
        ] {
            assert!(valid_destination(ok), "{ok}");
        }
        for bad in [
            "arn:aws:firehose:us-east-1:123456789012:deliverystream/app-logs",
            "arn:aws:s3:::aws-waf-logs-",
            "arn:aws:sqs:us-east-1:123456789012:aws-waf-logs-q",
            "aws-waf-logs-x",
        ] {
            assert!(!valid_destination(bad), "{bad}");
        }
    }
}
