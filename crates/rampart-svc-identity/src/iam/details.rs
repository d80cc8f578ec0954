//! GetAccountAuthorizationDetails: every user, group and role of the account with its policies
//! (documents included), and the managed policies in use, filtered and paged as one listing.

use super::entity::boundary_output;
use super::errors::{store_error, validation};
use super::managed::policy_details;
use super::names::max_items;
use super::paging::page_of_lists;
use super::profiles::profiles_of_role;
use super::records::{
    GROUP_TABLE, ROLE_TABLE, StoredGroup, StoredRole, StoredUser, USER_TABLE, list, url_encode,
};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const FILTERS: [&str; 5] = [
    "User",
    "Role",
    "Group",
    "LocalManagedPolicy",
    "AWSManagedPolicy",
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DetailsInput {
    #[serde(default)]
    filter: Vec<String>,
    max_items: Option<i64>,
    marker: Option<String>,
}

/// Inline policies as `PolicyDetail`s.
fn inline_details(policies: &BTreeMap<String, String>) -> Vec<Value> {
    policies
        .iter()
        .map(|(name, document)| json!({ "PolicyName": name, "PolicyDocument": url_encode(document) }))
        .collect()
}

/// Attached policy ARNs as `AttachedPolicy`s.
fn attached(arns: &[String]) -> Vec<Value> {
    arns.iter()
        .map(|arn| {
            json!({
                "PolicyName": arn.rsplit('/').next().unwrap_or_default(),
                "PolicyArn": arn,
            })
        })
        .collect()
}

fn user_detail(call: &Call<'_>, user: &StoredUser) -> Value {
    let mut v = json!({
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.user_id,
        "Arn": user.arn(call.env.partition, &call.principal.account),
        "CreateDate": user.create_date,
        "UserPolicyList": inline_details(&user.inline_policies),
        "GroupList": user.groups,
        "AttachedManagedPolicies": attached(&user.attached_policies),
        "Tags": user.tags,
    });
    if let Some(boundary) = &user.permissions_boundary {
        v["PermissionsBoundary"] = boundary_output(boundary);
    }
    v
}

/// The model's `GroupDetail`: its `Group` with the group's policies.
fn group_detail(call: &Call<'_>, group: &StoredGroup) -> Value {
    let mut v = super::groups::group_output(call, group);
    v["GroupPolicyList"] = json!(inline_details(&group.inline_policies));
    v["AttachedManagedPolicies"] = json!(attached(&group.attached_policies));
    v
}

fn role_detail(call: &Call<'_>, role: &StoredRole) -> Result<Value, AwsError> {
    let partition = call.env.partition;
    let account = &call.principal.account;
    let profiles: Vec<Value> = profiles_of_role(call, &role.name)?
        .iter()
        .map(|p| {
            json!({
                "Path": p.path,
                "InstanceProfileName": p.name,
                "InstanceProfileId": p.instance_profile_id,
                "Arn": p.arn(partition, account),
                "CreateDate": p.create_date,
                "Roles": [super::roles::role_output(partition, account, role, false)],
            })
        })
        .collect();
    let mut v = json!({
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.role_id,
        "Arn": role.arn(partition, account),
        "CreateDate": role.create_date,
        "AssumeRolePolicyDocument": url_encode(&role.trust_policy),
        "InstanceProfileList": profiles,
        "RolePolicyList": inline_details(&role.inline_policies),
        "AttachedManagedPolicies": attached(&role.attached_policies),
        "Tags": role.tags,
        "RoleLastUsed": match &super::roles::last_used(call.env, account, role)? {
            Some((date, region)) => json!({ "LastUsedDate": date, "Region": region }),
            None => json!({}),
        },
    });
    if let Some(boundary) = &role.permissions_boundary {
        v["PermissionsBoundary"] = boundary_output(boundary);
    }
    Ok(v)
}

fn details(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DetailsInput = from_input(input, "ValidationError")?;
    let max = max_items(input.max_items)?;
    if let Some(bad) = input.filter.iter().find(|f| !FILTERS.contains(&f.as_str())) {
        return Err(validation(format!(
            "1 validation error detected: Value '[{bad}]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]]"
        )));
    }
    let wants = |f: &str| input.filter.is_empty() || input.filter.iter().any(|x| x == f);
    let store = call.env.store.as_ref();
    let account = &call.principal.account;
    // One listing, users then groups then roles then policies, so one marker pages them all.
    let mut items: Vec<(String, (&str, Value))> = Vec::new();
    if wants("User") {
        let users: Vec<StoredUser> = list(store, account, USER_TABLE).map_err(store_error)?;
        for u in &users {
            items.push((
                format!("0{}", u.name.to_lowercase()),
                ("UserDetailList", user_detail(call, u)),
            ));
        }
    }
    if wants("Group") {
        let groups: Vec<StoredGroup> = list(store, account, GROUP_TABLE).map_err(store_error)?;
        for g in &groups {
            items.push((
                format!("1{}", g.name.to_lowercase()),
                ("GroupDetailList", group_detail(call, g)),
            ));
        }
    }
    if wants("Role") {
        let roles: Vec<StoredRole> = list(store, account, ROLE_TABLE).map_err(store_error)?;
        for r in &roles {
            items.push((
                format!("2{}", r.name.to_lowercase()),
                ("RoleDetailList", role_detail(call, r)?),
            ));
        }
    }
    let (local, aws) = (wants("LocalManagedPolicy"), wants("AWSManagedPolicy"));
    if local || aws {
        for (key, detail) in policy_details(call, local, aws)? {
            items.push((format!("3{key}"), ("Policies", detail)));
        }
    }
    page_of_lists(
        items,
        input.marker.as_deref(),
        max,
        &[
            "UserDetailList",
            "GroupDetailList",
            "RoleDetailList",
            "Policies",
        ],
    )
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "GetAccountAuthorizationDetails", true, details);
}
