//! The rest of the model. The notification channel is kept; resources are discovered through
//! the inventory port; applications lists, protocols lists, resource sets and third-party
//! firewalls belong to policy types rampart does not offer: their writes are refused with
//! `InvalidOperationException`, their lists are empty and their reads find nothing.

use crate::admin::caller_is_admin;
use crate::errors;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use rampart_store::{Batch, Key, space};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const CHANNEL: &str = "fms.channel";

pub(crate) fn register(registry: &mut Registry) {
    registry.register("fms", "PutNotificationChannel", false, put_channel);
    registry.register("fms", "GetNotificationChannel", true, get_channel);
    registry.register("fms", "DeleteNotificationChannel", false, delete_channel);
    registry.register("fms", "ListDiscoveredResources", true, discovered);
    for (op, what) in [
        ("PutAppsList", "an applications list"),
        ("PutProtocolsList", "a protocols list"),
        ("PutResourceSet", "a resource set"),
        ("AssociateThirdPartyFirewall", "a third-party firewall"),
        ("DisassociateThirdPartyFirewall", "a third-party firewall"),
    ] {
        registry.register("fms", op, false, move |call, _| {
            caller_is_admin(call)?;
            Err(errors::unsupported(what))
        });
    }
    registry.register(
        "fms",
        "GetThirdPartyFirewallAssociationStatus",
        true,
        |call, _| {
            caller_is_admin(call)?;
            Err(errors::unsupported("a third-party firewall"))
        },
    );
    registry.register(
        "fms",
        "ListThirdPartyFirewallFirewallPolicies",
        true,
        |call, _| {
            caller_is_admin(call)?;
            Err(errors::unsupported("a third-party firewall"))
        },
    );
    for (op, member) in [
        ("ListAppsLists", "AppsLists"),
        ("ListProtocolsLists", "ProtocolsLists"),
        ("ListResourceSets", "ResourceSets"),
    ] {
        registry.register("fms", op, true, move |call, _| {
            caller_is_admin(call)?;
            Ok(json!({ member: [] }))
        });
    }
    for (op, what, read_only) in [
        ("GetAppsList", "applications list", true),
        ("DeleteAppsList", "applications list", false),
        ("GetProtocolsList", "protocols list", true),
        ("DeleteProtocolsList", "protocols list", false),
        ("GetResourceSet", "resource set", true),
        ("DeleteResourceSet", "resource set", false),
        ("ListResourceSetResources", "resource set", true),
        ("BatchAssociateResource", "resource set", false),
        ("BatchDisassociateResource", "resource set", false),
    ] {
        registry.register("fms", op, read_only, move |call, _| {
            caller_is_admin(call)?;
            Err(errors::not_found(format!("The {what} does not exist.")))
        });
    }
}

/// The administrator's notification channel.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Channel {
    sns_topic_arn: String,
    sns_role_name: String,
}

fn channel_key(call: &Call<'_>) -> Key {
    Key::new(
        space::account_region(&call.principal.account, call.region),
        CHANNEL,
        "channel",
    )
}

fn put_channel(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    caller_is_admin(call)?;
    let c: Channel = from_input(input, "InvalidInputException")?;
    if !c.sns_topic_arn.starts_with("arn:") || c.sns_role_name.is_empty() {
        return Err(errors::invalid_input(
            "SnsTopicArn must be an ARN and SnsRoleName a role ARN or name.",
        ));
    }
    let value = serde_json::to_vec(&c).map_err(|_| errors::internal())?;
    call.env
        .store
        .commit(Batch::new().put(channel_key(call), value))
        .map_err(errors::store)?;
    Ok(json!({}))
}

fn get_channel(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    caller_is_admin(call)?;
    let Some(item) = call
        .env
        .store
        .get(&channel_key(call))
        .map_err(errors::store)?
    else {
        return Err(errors::not_found("No notification channel is set."));
    };
    let c: Channel = serde_json::from_slice(&item.value).map_err(|_| errors::internal())?;
    Ok(json!({"SnsTopicArn": c.sns_topic_arn, "SnsRoleName": c.sns_role_name}))
}

fn delete_channel(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    caller_is_admin(call)?;
    let key = channel_key(call);
    if call.env.store.get(&key).map_err(errors::store)?.is_none() {
        return Err(errors::not_found("No notification channel is set."));
    }
    call.env
        .store
        .commit(Batch::new().delete(key))
        .map_err(errors::store)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DiscoverInput {
    member_account_ids: Vec<String>,
    resource_type: String,
}

fn discovered(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    caller_is_admin(call)?;
    let i: DiscoverInput = from_input(input, "InvalidInputException")?;
    let org = crate::org::read(call.env.store.as_ref())?;
    let mut items = Vec::new();
    for account in &i.member_account_ids {
        if !org.as_ref().is_some_and(|o| o.has(account)) {
            return Err(errors::invalid_input(format!(
                "Account {account} is not a member of your organization."
            )));
        }
        let id = account.parse().map_err(|_| errors::internal())?;
        for r in call
            .env
            .inventory
            .list(call.env, &i.resource_type, &id, call.region)?
        {
            let name = r.arn.rsplit('/').nth(1).unwrap_or_default().to_owned();
            items.push(
                json!({"URI": r.arn, "AccountId": account, "Type": i.resource_type, "Name": name}),
            );
        }
    }
    Ok(json!({ "Items": items }))
}
