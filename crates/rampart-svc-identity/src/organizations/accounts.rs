//! Accounts: CreateAccount (a member account holding a role the management account may
//! assume), DescribeCreateAccountStatus, ListCreateAccountStatus, DescribeAccount,
//! ListAccounts, ListAccountsForParent, MoveAccount, RemoveAccountFromOrganization,
//! LeaveOrganization and CloseAccount.

use super::common::{
    Need, account_id, check_caller, empty, need, page, parent_id, read_org, sized, tags, text,
};
use super::errors::{
    account_not_found, bad_pattern, constraint, error, invalid, parent_not_found, required,
};
use super::model::{Arns, Change, Creation, Member, Node, Org, existing, new_id, update};
use crate::iam::{NewRole, create_role_record};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, epoch_seconds};
use rampart_types::AccountId;
use serde_json::{Value, json};

/// Most accounts in the organization (AWS's default quota is lower and adjustable).
const MAX_ACCOUNTS: usize = 1_000;
/// The role `CreateAccount` creates when the request names none.
const DEFAULT_ROLE: &str = "OrganizationAccountAccessRole";

/// Registers the operations of this module.
pub(super) fn register(registry: &mut Registry) {
    registry.register("organizations", "CreateAccount", false, create);
    registry.register(
        "organizations",
        "DescribeCreateAccountStatus",
        true,
        describe_status,
    );
    registry.register(
        "organizations",
        "ListCreateAccountStatus",
        true,
        list_status,
    );
    registry.register("organizations", "DescribeAccount", true, describe);
    registry.register("organizations", "ListAccounts", true, list);
    registry.register(
        "organizations",
        "ListAccountsForParent",
        true,
        list_for_parent,
    );
    registry.register("organizations", "MoveAccount", false, move_account);
    registry.register(
        "organizations",
        "RemoveAccountFromOrganization",
        false,
        remove,
    );
    registry.register("organizations", "CloseAccount", false, close);
    registry.register("organizations", "LeaveOrganization", false, leave);
}

/// The model's `Account`.
pub(super) fn account_output(call: &Call<'_>, org: &Org, id: &str, member: &Member) -> Value {
    let arns = Arns {
        partition: call.env.partition,
        org,
    };
    json!({
        "Id": id,
        "Arn": arns.account(id),
        "Email": member.email,
        "Name": member.name,
        "Status": member.status,
        "State": member.status,
        "Paths": [format!("{}{id}/", org.container_path(&member.parent))],
        "JoinedMethod": member.joined_method,
        "JoinedTimestamp": member.joined,
    })
}

fn status_output(c: &Creation) -> Value {
    let mut v = json!({
        "Id": c.id,
        "AccountName": c.account_name,
        "State": c.state,
        "RequestedTimestamp": c.requested,
        "CompletedTimestamp": c.completed,
    });
    if let Some(id) = &c.account_id {
        v["AccountId"] = json!(id);
    }
    if let Some(reason) = &c.failure_reason {
        v["FailureReason"] = json!(reason);
    }
    v
}

/// `[^\s@]+@[^\s@]+\.[^\s@]+`.
fn is_email(s: &str) -> bool {
    let plain = |p: &str| !p.is_empty() && !p.contains(|c: char| c.is_whitespace() || c == '@');
    match s.split_once('@') {
        Some((local, domain)) => {
            plain(local)
                && domain
                    .rsplit_once('.')
                    .is_some_and(|(host, tld)| plain(host) && plain(tld))
        }
        None => false,
    }
}

/// `[\w+=,.@-]{1,64}`.
fn is_role_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// The trust policy of the role a new account gets: the management account may assume it.
fn trust_policy(call: &Call<'_>, management: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:{}:iam::{management}:root", call.env.partition)},
            "Action": "sts:AssumeRole",
        }],
    })
    .to_string()
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let email = sized(&input, "Email", 6, 64)?
        .ok_or_else(|| required("Email"))?
        .to_owned();
    if !is_email(&email) {
        return Err(invalid(
            "INVALID_EMAIL_ADDRESS_TARGET",
            "You must specify a valid email address.",
        ));
    }
    let name = sized(&input, "AccountName", 1, 50)?
        .ok_or_else(|| required("AccountName"))?
        .to_owned();
    if !name.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(bad_pattern("AccountName", &name));
    }
    let role_name = text(&input, "RoleName").unwrap_or(DEFAULT_ROLE).to_owned();
    if !is_role_name(&role_name) {
        return Err(invalid(
            "INVALID_ROLE_NAME",
            format!("You specified an invalid value for RoleName: {role_name}"),
        ));
    }
    if let Some(billing) = text(&input, "IamUserAccessToBilling")
        && !matches!(billing, "ALLOW" | "DENY")
    {
        return Err(invalid(
            "INVALID_ENUM",
            format!("You specified an invalid value for IamUserAccessToBilling: {billing}"),
        ));
    }
    let new_tags = tags(&input)?;
    let org = read_org(call, Need::Management)?;
    if org.accounts.len() >= MAX_ACCOUNTS {
        return Err(constraint(
            "ACCOUNT_NUMBER_LIMIT_EXCEEDED",
            "You have reached the limit on the number of accounts in your organization.",
        ));
    }
    let now = epoch_seconds(call.env.clock.now());
    let request_id = new_id("car-", super::model::LOWER_ALNUM, 32)?;
    let taken = org
        .accounts
        .values()
        .any(|a| a.email.eq_ignore_ascii_case(&email));
    let account = if taken {
        None
    } else {
        Some(new_account(call, &org.management, &role_name)?)
    };
    let creation = Creation {
        id: request_id,
        account_name: name.clone(),
        state: if account.is_some() {
            "SUCCEEDED"
        } else {
            "FAILED"
        }
        .into(),
        requested: now,
        completed: now,
        account_id: account.as_ref().map(ToString::to_string),
        failure_reason: account.is_none().then(|| "EMAIL_ALREADY_EXISTS".to_owned()),
    };
    let root = org.root.clone();
    update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Management)?;
        if let Some(account) = &account {
            let id = account.to_string();
            org.accounts.insert(
                id.clone(),
                Member {
                    name: name.clone(),
                    email: email.clone(),
                    status: "ACTIVE".into(),
                    parent: root.clone(),
                    joined_method: "CREATED".into(),
                    joined: now,
                },
            );
            org.attach_defaults(&id);
            if !new_tags.is_empty() {
                org.tags.insert(id, new_tags.clone());
            }
        }
        org.creations.push(creation.clone());
        Ok((None, Change::of(())))
    })?;
    Ok(json!({ "CreateAccountStatus": status_output(&creation) }))
}

/// A fresh account id holding the role the management account assumes into it.
fn new_account(call: &Call<'_>, management: &str, role_name: &str) -> Result<AccountId, AwsError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let first = new_id("", b"123456789", 1)?;
        let id = new_id(&first, b"0123456789", 11)?;
        let account: AccountId = id.parse().map_err(|_| rampart_service::internal_error())?;
        if id == management {
            continue;
        }
        let role = NewRole {
            name: role_name.to_owned(),
            path: "/".into(),
            trust_policy: trust_policy(call, management),
            description: None,
            managed_policy_arns: vec![format!(
                "arn:{}:iam::aws:policy/AdministratorAccess",
                call.env.partition
            )],
            max_session_duration: 3600,
        };
        match create_role_record(call.env, &account, role) {
            Ok(_) => return Ok(account),
            // The id is already in use (its role exists): draw another.
            Err(e) if e.status == 409 && attempts < 5 => continue,
            Err(e) => return Err(e),
        }
    }
}

fn describe_status(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = need(&input, "CreateAccountRequestId")?;
    let valid = id.strip_prefix("car-").is_some_and(|r| {
        (8..=32).contains(&r.len())
            && r.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if !valid {
        return Err(bad_pattern("CreateAccountRequestId", id));
    }
    let org = read_org(call, Need::Read)?;
    let found = org.creations.iter().find(|c| c.id == id).ok_or_else(|| {
        error(
            "CreateAccountStatusNotFoundException",
            "We can't find an create account request with the CreateAccountRequestId that you specified.",
        )
    })?;
    Ok(json!({ "CreateAccountStatus": status_output(found) }))
}

fn list_status(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let states: Vec<&str> = input
        .get("States")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if let Some(bad) = states
        .iter()
        .find(|s| !matches!(**s, "IN_PROGRESS" | "SUCCEEDED" | "FAILED"))
    {
        return Err(invalid(
            "INVALID_ENUM",
            format!("You specified an invalid value for States: {bad}"),
        ));
    }
    let org = read_org(call, Need::Read)?;
    let items = org
        .creations
        .iter()
        .filter(|c| states.is_empty() || states.contains(&c.state.as_str()))
        .map(status_output)
        .collect();
    page(&input, "CreateAccountStatuses", items)
}

fn describe(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = account_id(&input, "AccountId")?;
    let org = read_org(call, Need::Read)?;
    let member = org.accounts.get(id).ok_or_else(account_not_found)?;
    Ok(json!({ "Account": account_output(call, &org, id, member) }))
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let org = read_org(call, Need::Read)?;
    let items = org
        .accounts
        .iter()
        .map(|(id, m)| account_output(call, &org, id, m))
        .collect();
    page(&input, "Accounts", items)
}

fn list_for_parent(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let parent = parent_id(&input, "ParentId")?;
    let org = read_org(call, Need::Read)?;
    if !matches!(org.node(parent), Some(Node::Root | Node::Unit)) {
        return Err(parent_not_found());
    }
    let items = org
        .accounts
        .iter()
        .filter(|(_, m)| m.parent == parent)
        .map(|(id, m)| account_output(call, &org, id, m))
        .collect();
    page(&input, "Accounts", items)
}

fn move_account(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = account_id(&input, "AccountId")?.to_owned();
    let source = parent_id(&input, "SourceParentId")?.to_owned();
    let destination = parent_id(&input, "DestinationParentId")?.to_owned();
    update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Management)?;
        let is_container = |id: &str| matches!(org.node(id), Some(Node::Root | Node::Unit));
        if !is_container(&source) {
            return Err(error(
                "SourceParentNotFoundException",
                "We can't find a source root or OU with the ParentId that you specified.",
            ));
        }
        if !is_container(&destination) {
            return Err(error(
                "DestinationParentNotFoundException",
                "We can't find the destination container (a root or OU) with the ParentId that you specified.",
            ));
        }
        let member = org.accounts.get_mut(&id).ok_or_else(account_not_found)?;
        if member.parent != source {
            return Err(account_not_found());
        }
        if source == destination {
            return Err(error(
                "DuplicateAccountException",
                "That account is already present in the specified destination.",
            ));
        }
        member.parent = destination.clone();
        Ok((None, Change::of(())))
    })?;
    Ok(empty())
}

fn remove(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = account_id(&input, "AccountId")?.to_owned();
    take_out(call, &id, Need::Management)
}

/// A member account leaves the organization on its own.
fn leave(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    take_out(call, &call.principal.account.to_string(), Need::Member)
}

/// Takes account `id` out of the organization, if the caller may (`need`).
fn take_out(call: &Call<'_>, id: &str, need: Need) -> Result<Value, AwsError> {
    let id = id.to_owned();
    update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, need)?;
        if !org.accounts.contains_key(&id) {
            return Err(account_not_found());
        }
        if id == org.management {
            return Err(error(
                "MasterCannotLeaveOrganizationException",
                "You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization of the management account.",
            ));
        }
        if org.delegated.contains_key(&id) {
            return Err(constraint(
                "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG",
                "You can't remove an account that is a delegated administrator. Deregister it first.",
            ));
        }
        org.accounts.remove(&id);
        org.forget(&id);
        Ok((None, Change::of(())))
    })?;
    Ok(empty())
}

fn close(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = account_id(&input, "AccountId")?.to_owned();
    update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Management)?;
        if id == org.management {
            return Err(constraint(
                "CANNOT_CLOSE_MANAGEMENT_ACCOUNT",
                "You can't close the management account with this operation.",
            ));
        }
        let member = org.accounts.get_mut(&id).ok_or_else(account_not_found)?;
        if member.status != "ACTIVE" {
            return Err(error(
                "AccountAlreadyClosedException",
                "You attempted to close an account that is already closed.",
            ));
        }
        member.status = "SUSPENDED".into();
        Ok((None, Change::of(())))
    })?;
    Ok(empty())
}
