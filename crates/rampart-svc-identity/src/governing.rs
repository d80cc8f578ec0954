//! What governs a principal's requests from inside its account: its identity-based policies,
//! its permissions boundary and its tags, compiled and cached for the pipeline.

use crate::iam::{
    GROUP_TABLE, POLICY_TABLE, ROLE_TABLE, StoredRole, StoredUser, USER_TABLE, get_group,
    get_policy, get_role, get_user,
};
use rampart_policy::{ManagedPolicies, Policy, PolicyKind};
use rampart_service::{Env, Principal, PrincipalKind};
use rampart_store::{StoreError, space};
use rampart_types::AccountId;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

/// The most principals whose policies are kept compiled; past it the cache starts afresh.
const CACHE_CAPACITY: usize = 10_000;

/// What governs one principal from inside its account.
#[derive(Debug, Default)]
pub struct Governing {
    /// Its identity-based policies, named (inline ones by policy name, managed ones by ARN).
    pub identity: Vec<Policy>,
    /// Its permissions boundary.
    pub boundary: Option<Policy>,
    /// Its IAM tags (`aws:PrincipalTag/*`).
    pub tags: Vec<(String, String)>,
}

/// What governs each principal, by account, kind and unique id, with the watermarks of the
/// users, roles, groups and policies tables of its account when they were read: an entry is
/// used only while all stand still, so a change is seen on the very next request.
type Entry = ([u64; 4], Arc<Governing>);
static CACHE: LazyLock<Mutex<HashMap<String, Entry>>> = LazyLock::new(Mutex::default);

/// What governs `principal`:
/// - an IAM user: its inline and attached policies, its groups' inline and attached policies,
///   its permissions boundary and its tags;
/// - a role session: its role's inline and attached policies, boundary and tags (a role
///   deleted since, or re-created under the same name, governs nothing);
/// - a federated user: its parent user's identity policies and boundary (checked by id), or,
///   for a root user's session, everything in the account;
/// - the root user: nothing (it is not governed by identity policies).
///
/// Managed policies are the customer ones at their default version, AWS ones from the
/// engine's catalogue.
pub fn governing(env: &Env, principal: &Principal) -> Result<Arc<Governing>, StoreError> {
    let cache_key = match &principal.kind {
        PrincipalKind::Root | PrincipalKind::Anonymous => return Ok(Arc::default()),
        PrincipalKind::User { .. } => {
            format!("{}/user/{}", principal.account, principal.principal_id)
        }
        PrincipalKind::AssumedRole { .. } => {
            format!("{}/role/{}", principal.account, principal.principal_id)
        }
        PrincipalKind::FederatedUser { parent_id, .. } => {
            format!("{}/federated/{parent_id}", principal.account)
        }
    };
    let account_space = space::account(&principal.account);
    let marks = [USER_TABLE, ROLE_TABLE, GROUP_TABLE, POLICY_TABLE]
        .map(|table| env.store.watermark(&account_space, table));
    if let Some((seen, policies)) = lock().get(&cache_key)
        && *seen == marks
    {
        return Ok(policies.clone());
    }
    let governing = Arc::new(load(env, principal)?);
    let mut cache = lock();
    if cache.len() >= CACHE_CAPACITY {
        cache.clear();
    }
    cache.insert(cache_key, (marks, governing.clone()));
    Ok(governing)
}

fn lock() -> std::sync::MutexGuard<'static, HashMap<String, Entry>> {
    CACHE.lock().unwrap_or_else(PoisonError::into_inner)
}

fn corrupt(what: &str, e: &rampart_policy::PolicyError) -> StoreError {
    StoreError::Corrupt(format!("stored policy {what} no longer parses: {e}"))
}

/// Reads and compiles what governs a principal.
fn load(env: &Env, principal: &Principal) -> Result<Governing, StoreError> {
    let account = &principal.account;
    match &principal.kind {
        PrincipalKind::Root | PrincipalKind::Anonymous => Ok(Governing::default()),
        PrincipalKind::User { name, .. } => user(env, account, name, &principal.principal_id),
        PrincipalKind::FederatedUser { parent_id, .. } if parent_id == account.as_str() => {
            // A root user's federated session: the root may do everything in its account,
            // so its session policies alone limit the session.
            Ok(Governing {
                identity: vec![root_equivalent()?],
                ..Governing::default()
            })
        }
        PrincipalKind::FederatedUser {
            parent_name,
            parent_id,
            ..
        } => Ok(Governing {
            tags: Vec::new(),
            ..user(env, account, parent_name, parent_id)?
        }),
        PrincipalKind::AssumedRole { role_name, .. } => {
            let Some((role, _)) = get_role(env.store.as_ref(), account, role_name)? else {
                return Ok(Governing::default());
            };
            if role.role_id != principal.principal_id {
                return Ok(Governing::default());
            }
            of_role(env, account, role)
        }
    }
}

/// What the root user may do in its own account, as an identity policy.
fn root_equivalent() -> Result<Policy, StoreError> {
    const ALL: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    Policy::parse_stored(ALL, PolicyKind::Identity)
        .map(|p| p.named("root"))
        .map_err(|e| corrupt("root", &e))
}

/// The IAM entities the policy simulator can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntityKind {
    User,
    Group,
    Role,
}

/// What governs the user, group or role `name` of `account` as it is stored now (a group: its
/// own policies), or `None` when it does not exist: what the policy simulator evaluates.
pub(crate) fn entity_governing(
    env: &Env,
    account: &AccountId,
    kind: EntityKind,
    name: &str,
) -> Result<Option<Governing>, StoreError> {
    let store = env.store.as_ref();
    Ok(match kind {
        EntityKind::User => match get_user(store, account, name)? {
            Some((user, _)) => Some(of_user(env, account, user)?),
            None => None,
        },
        EntityKind::Role => match get_role(store, account, name)? {
            Some((role, _)) => Some(of_role(env, account, role)?),
            None => None,
        },
        EntityKind::Group => match get_group(store, account, name)? {
            Some((group, _)) => {
                let mut identity = inline(&group.inline_policies)?;
                identity.extend(managed_policies(env, account, &group.attached_policies)?);
                Some(Governing {
                    identity,
                    ..Governing::default()
                })
            }
            None => None,
        },
    })
}

/// A role's inline and attached policies, boundary and tags.
fn of_role(env: &Env, account: &AccountId, role: StoredRole) -> Result<Governing, StoreError> {
    let mut identity = inline(&role.inline_policies)?;
    identity.extend(managed_policies(env, account, &role.attached_policies)?);
    Ok(Governing {
        identity,
        boundary: boundary(env, account, role.permissions_boundary)?,
        tags: role.tags.into_iter().map(|t| (t.key, t.value)).collect(),
    })
}

/// What governs the user `name` if its id is `user_id` (else nothing: a user deleted, or
/// re-created under the same name, is not the one the credentials were issued to).
fn user(
    env: &Env,
    account: &AccountId,
    name: &str,
    user_id: &str,
) -> Result<Governing, StoreError> {
    let store = env.store.as_ref();
    let Some((user, _)) = get_user(store, account, name)? else {
        return Ok(Governing::default());
    };
    if user.user_id != user_id {
        return Ok(Governing::default());
    }
    of_user(env, account, user)
}

/// A user's inline and attached policies, its groups' inline and attached policies, its
/// boundary and tags.
fn of_user(env: &Env, account: &AccountId, user: StoredUser) -> Result<Governing, StoreError> {
    let store = env.store.as_ref();
    let mut identity = inline(&user.inline_policies)?;
    identity.extend(managed_policies(env, account, &user.attached_policies)?);
    for group_name in &user.groups {
        if let Some((group, _)) = get_group(store, account, group_name)? {
            identity.extend(inline(&group.inline_policies)?);
            identity.extend(managed_policies(env, account, &group.attached_policies)?);
        }
    }
    Ok(Governing {
        identity,
        boundary: boundary(env, account, user.permissions_boundary)?,
        tags: user.tags.into_iter().map(|t| (t.key, t.value)).collect(),
    })
}

/// Inline policies, compiled and named by policy name.
fn inline(policies: &BTreeMap<String, String>) -> Result<Vec<Policy>, StoreError> {
    policies
        .iter()
        .map(|(name, document)| {
            Policy::parse_stored(document, PolicyKind::Identity)
                .map(|p| p.named(name.clone()))
                .map_err(|e| corrupt(name, &e))
        })
        .collect()
}

/// The permissions boundary `arn` names. A boundary policy deleted since it was set still
/// bounds: it then allows nothing (AWS refuses to delete a policy in use as a boundary, so
/// this only guards against a store edited behind IAM's back).
fn boundary(
    env: &Env,
    account: &AccountId,
    arn: Option<String>,
) -> Result<Option<Policy>, StoreError> {
    let Some(arn) = arn else {
        return Ok(None);
    };
    let found = managed_policies(env, account, std::slice::from_ref(&arn))?.pop();
    Ok(Some(found.unwrap_or_else(|| {
        Policy::allows_nothing(PolicyKind::PermissionsBoundary, arn)
    })))
}

/// The managed policies `arns` name, compiled and named by ARN: AWS ones from the engine's
/// catalogue, customer ones of `account` at their default version. ARNs that name nothing are
/// skipped (a policy deleted since it was attached or passed).
pub(crate) fn managed_policies(
    env: &Env,
    account: &AccountId,
    arns: &[String],
) -> Result<Vec<Policy>, StoreError> {
    let mut policies = Vec::new();
    for arn in arns {
        if let Some(catalogue) = crate::iam::catalogue_arn(env.partition, arn) {
            if let Some(managed) = ManagedPolicies::get().by_arn(&catalogue) {
                policies.push(
                    managed
                        .policy()
                        .map_err(|e| corrupt(arn, &e))?
                        .named(arn.clone()),
                );
            }
            continue;
        }
        let policy_name = arn.rsplit('/').next().unwrap_or_default();
        if let Some((stored, _)) = get_policy(env.store.as_ref(), account, policy_name)?
            && stored.arn == *arn
        {
            let document = stored.default_document().unwrap_or_default();
            let policy = Policy::parse_stored(document, PolicyKind::Identity)
                .map_err(|e| corrupt(arn, &e))?;
            policies.push(policy.named(arn.clone()));
        }
    }
    Ok(policies)
}
