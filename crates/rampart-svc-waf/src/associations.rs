//! Associations of web ACLs with protected resources: AssociateWebACL, DisassociateWebACL,
//! GetWebACLForResource, ListResourcesForWebACL.
//!
//! The protected resources are application load balancers (the ELBv2 data plane comes later):
//! any well-formed ALB ARN of the caller's account and region is accepted today, without
//! checking that the load balancer exists. A resource has at most one web ACL; associating
//! another replaces it, as in AWS.

use crate::entity;
use crate::errors::{self, REASON_INVALID};
use crate::input;
use crate::scope::{Kind, Location, Scope, caller_space};
use crate::web_acls::{self, WebAclBody};
use rampart_protocol::AwsError;
use rampart_service::{Call, Env, Registry};
use rampart_store::{Batch, Expect, Key, Scan, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The store table of associations, keyed by the protected resource's ARN.
pub(crate) const TABLE: &str = "wafv2.association";

/// AWS's quota of application load balancers per web ACL.
const MAX_PER_WEB_ACL: usize = 100;

/// One association.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Association {
    /// The web ACL protecting the resource.
    pub web_acl_arn: String,
}

/// The resource type (`APPLICATION_LOAD_BALANCER`) of a protected resource's ARN with its
/// account and region, when it is one rampart can protect:
/// `arn:<partition>:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>`
/// (name 1-32 alphanumerics and inner hyphens, id 16 hex digits).
pub(crate) fn protected_resource(arn: &str) -> Option<(&'static str, &str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (
        Some("arn"),
        Some(_),
        Some("elasticloadbalancing"),
        Some(region),
        Some(account),
        Some(res),
    ) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    )
    else {
        return None;
    };
    let rest = res.strip_prefix("loadbalancer/app/")?;
    let (name, id) = rest.split_once('/')?;
    let name_ok = (1..=32).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    let id_ok = id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit());
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    (name_ok && id_ok && account_ok && !region.is_empty()).then_some((
        "APPLICATION_LOAD_BALANCER",
        region,
        account,
    ))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("wafv2", "AssociateWebACL", false, associate);
    registry.register("wafv2", "DisassociateWebACL", false, disassociate);
    registry.register("wafv2", "GetWebACLForResource", true, get_for_resource);
    registry.register("wafv2", "ListResourcesForWebACL", true, list_resources);
}

/// Checks a protected resource's ARN and that it is the caller's.
fn caller_resource(call: &Call<'_>, arn: &str) -> Result<(), AwsError> {
    let (_, region, account) = protected_resource(arn)
        .ok_or_else(|| errors::invalid("RESOURCE_ARN", arn, REASON_INVALID))?;
    if region != call.region.as_str() || account != call.principal.account.as_str() {
        return Err(errors::nonexistent());
    }
    Ok(())
}

fn key(call: &Call<'_>, resource: &str) -> Key {
    Key::new(caller_space(call), TABLE, resource)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AssociateInput {
    #[serde(rename = "WebACLArn")]
    web_acl_arn: String,
    resource_arn: String,
}

fn associate(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: AssociateInput = input::read(input, "RESOURCE_ARN")?;
    caller_resource(call, &i.resource_arn)?;
    let loc = Location::caller_arn(call, &i.web_acl_arn, Kind::WebAcl)?;
    if loc.scope != Scope::Regional {
        return Err(errors::invalid(
            "RESOURCE_ARN",
            &i.web_acl_arn,
            REASON_INVALID,
        ));
    }
    let acl = entity::load::<WebAclBody>(call, loc)?;
    let protected = resources_of(call, &acl.entity.arn)?;
    if protected.len() >= MAX_PER_WEB_ACL && !protected.contains(&i.resource_arn) {
        return Err(errors::limits(format!(
            "AWS WAF couldn\u{2019}t perform the operation because you exceeded your resource limit of {MAX_PER_WEB_ACL} load balancers per web ACL."
        )));
    }
    let value = serde_json::to_vec(&Association {
        web_acl_arn: acl.entity.arn.clone(),
    })
    .map_err(|_| errors::internal())?;
    // Rewrite the web ACL unchanged at the version read: a concurrent DeleteWebACL (which
    // expects the version it read before looking for associations) then fails one commit.
    let acl_value = serde_json::to_vec(&acl.entity).map_err(|_| errors::internal())?;
    let batch = Batch::new()
        .put_if(
            Key::new(acl.loc.space(), Kind::WebAcl.table(), acl.loc.key_id()),
            acl_value,
            Expect::Version(acl.version),
        )
        .put(key(call, &i.resource_arn), value);
    match call.env.store.commit(batch) {
        Ok(_) => Ok(json!({})),
        Err(StoreError::Conflict { .. }) => Err(errors::nonexistent()),
        Err(e) => Err(errors::store(e)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ResourceInput {
    resource_arn: String,
}

fn disassociate(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ResourceInput = input::read(input, "RESOURCE_ARN")?;
    caller_resource(call, &i.resource_arn)?;
    call.env
        .store
        .commit(Batch::new().delete(key(call, &i.resource_arn)))
        .map_err(errors::store)?;
    Ok(json!({}))
}

/// Removes whatever web ACL association `resource` (a protected resource's ARN) has, as the
/// owning service does when it deletes the resource; nothing to remove is not an error.
pub fn disassociate_resource(env: &Env, resource: &str) -> Result<(), AwsError> {
    let Some((_, region, account)) = protected_resource(resource) else {
        return Ok(());
    };
    let space = format!("acct/{account}/{region}");
    env.store
        .commit(Batch::new().delete(Key::new(space, TABLE, resource)))
        .map_err(errors::store)?;
    Ok(())
}

/// The web ACL ARN protecting `resource` (an ARN), read from `space`.
pub(crate) fn web_acl_of(
    store: &dyn Store,
    space: &str,
    resource: &str,
) -> Result<Option<String>, AwsError> {
    let Some(item) = store
        .get(&Key::new(space, TABLE, resource))
        .map_err(errors::store)?
    else {
        return Ok(None);
    };
    let a: Association = serde_json::from_slice(&item.value).map_err(|_| errors::internal())?;
    Ok(Some(a.web_acl_arn))
}

fn get_for_resource(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ResourceInput = input::read(input, "RESOURCE_ARN")?;
    caller_resource(call, &i.resource_arn)?;
    let Some(acl) = web_acl_of(
        call.env.store.as_ref(),
        &caller_space(call),
        &i.resource_arn,
    )?
    else {
        return Ok(json!({}));
    };
    Ok(match web_acls::describe_arn(call, &acl)? {
        Some(web_acl) => json!({ "WebACL": web_acl }),
        None => json!({}),
    })
}

/// The resources `web_acl_arn` protects, in the caller's account and region.
fn resources_of(call: &Call<'_>, web_acl_arn: &str) -> Result<Vec<String>, AwsError> {
    let items = call
        .env
        .store
        .scan(&caller_space(call), TABLE, &Scan::all())
        .map_err(errors::store)?;
    let mut out = Vec::new();
    for item in items {
        let a: Association = serde_json::from_slice(&item.value).map_err(|_| errors::internal())?;
        if a.web_acl_arn == web_acl_arn {
            out.push(item.key.id);
        }
    }
    Ok(out)
}

/// Whether `web_acl_arn` protects any resource.
pub(crate) fn is_associated(call: &Call<'_>, web_acl_arn: &str) -> Result<bool, AwsError> {
    Ok(!resources_of(call, web_acl_arn)?.is_empty())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    #[serde(rename = "WebACLArn")]
    web_acl_arn: String,
    resource_type: Option<String>,
}

fn list_resources(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ListInput = input::read(input, "RESOURCE_ARN")?;
    let loc = Location::caller_arn(call, &i.web_acl_arn, Kind::WebAcl)?;
    entity::load::<WebAclBody>(call, loc)?;
    let kind = i
        .resource_type
        .as_deref()
        .unwrap_or("APPLICATION_LOAD_BALANCER");
    let arns: Vec<String> = resources_of(call, &i.web_acl_arn)?
        .into_iter()
        .filter(|a| protected_resource(a).is_some_and(|(t, _, _)| t == kind))
        .collect();
    Ok(json!({ "ResourceArns": arns }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alb_arns() {
        let arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-lb/50dc6c495c0c9188";
        assert_eq!(
            protected_resource(arn),
            Some(("APPLICATION_LOAD_BALANCER", "us-east-1", "123456789012"))
        );
        for bad in [
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/my-lb/50dc6c495c0c9188",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-lb/xyz",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/-lb/50dc6c495c0c9188",
            "arn:aws:elasticloadbalancing:us-east-1:12345:loadbalancer/app/lb/50dc6c495c0c9188",
            "arn:aws:apigateway:us-east-1::/restapis/a/stages/b",
        ] {
            assert!(protected_resource(bad).is_none(), "{bad}");
        }
    }
}
