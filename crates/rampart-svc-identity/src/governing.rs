//! What governs a principal's requests from inside its account: its identity-based policies,
//! its permissions boundary and its tags, compiled and cached for the pipeline.

use crate::iam::{POLICY_TABLE, USER_TABLE, get_policy, get_user};
use rampart_policy::{ManagedPolicies, Policy, PolicyKind};
use rampart_service::{Env, Principal, PrincipalKind};
use rampart_store::{StoreError, space};
use rampart_types::AccountId;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

/// The most users whose policies are kept compiled; past it the cache starts afresh.
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

/// What governs each principal, by unique id, with the watermarks of the users and policies
/// tables of its account when they were read: an entry is used only while both stand still, so
/// a policy change is seen on the very next request.
type Entry = ((u64, u64), Arc<Governing>);
static CACHE: LazyLock<Mutex<HashMap<String, Entry>>> = LazyLock::new(Mutex::default);

/// What governs `principal`: for an IAM user, its inline policies and its attached managed
/// policies (customer ones at their default version, AWS ones from the engine's catalogue) and
/// its tags. The root user has nothing (it is not governed by identity policies).
pub fn governing(env: &Env, principal: &Principal) -> Result<Arc<Governing>, StoreError> {
    let PrincipalKind::User { name, .. } = &principal.kind else {
        return Ok(Arc::default());
    };
    let account_space = space::account(&principal.account);
    let marks = (
        env.store.watermark(&account_space, USER_TABLE),
        env.store.watermark(&account_space, POLICY_TABLE),
    );
    let cache_key = format!("{}/{}", principal.account, principal.principal_id);
    if let Some((seen, policies)) = lock().get(&cache_key)
        && *seen == marks
    {
        return Ok(policies.clone());
    }
    let governing = Arc::new(load(env, principal, name)?);
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

/// Reads and compiles what governs a user. A user that no longer exists (or is another user of
/// the same name) has nothing.
fn load(env: &Env, principal: &Principal, name: &str) -> Result<Governing, StoreError> {
    let store = env.store.as_ref();
    let Some((user, _)) = get_user(store, &principal.account, name)? else {
        return Ok(Governing::default());
    };
    if user.user_id != principal.principal_id {
        return Ok(Governing::default());
    }
    let mut policies = Vec::new();
    for (policy_name, document) in &user.inline_policies {
        let policy = Policy::parse_stored(document, PolicyKind::Identity)
            .map_err(|e| corrupt(policy_name, &e))?;
        policies.push(policy.named(policy_name.clone()));
    }
    policies.extend(managed_policies(
        env,
        &principal.account,
        &user.attached_policies,
    )?);
    Ok(Governing {
        identity: policies,
        boundary: None,
        tags: user.tags.into_iter().map(|t| (t.key, t.value)).collect(),
    })
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
