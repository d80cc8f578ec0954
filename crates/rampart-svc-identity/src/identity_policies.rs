//! The identity-based policies that apply to a principal, compiled and cached for the pipeline.

use crate::iam::{POLICY_TABLE, USER_TABLE, get_policy, get_user};
use rampart_policy::{ManagedPolicies, Policy, PolicyKind};
use rampart_service::{Env, Principal, PrincipalKind};
use rampart_store::{StoreError, space};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

/// The most users whose policies are kept compiled; past it the cache starts afresh.
const CACHE_CAPACITY: usize = 10_000;

/// Compiled policies per user id, with the watermarks of the users and policies tables of its
/// account when they were read: an entry is used only while both stand still, so a policy change
/// is seen on the very next request.
type Entry = ((u64, u64), Vec<Policy>);
static CACHE: LazyLock<Mutex<HashMap<String, Entry>>> = LazyLock::new(Mutex::default);

/// The identity-based policies of `principal`: for an IAM user, its inline policies (named by
/// policy name) and its attached managed policies (named by ARN; customer ones at their default
/// version, AWS ones from the engine's catalogue). The root user has none (it is not governed by
/// identity policies).
pub fn identity_policies(env: &Env, principal: &Principal) -> Result<Vec<Policy>, StoreError> {
    let PrincipalKind::User { name, .. } = &principal.kind else {
        return Ok(Vec::new());
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
    let policies = load(env, principal, name)?;
    let mut cache = lock();
    if cache.len() >= CACHE_CAPACITY {
        cache.clear();
    }
    cache.insert(cache_key, (marks, policies.clone()));
    Ok(policies)
}

fn lock() -> std::sync::MutexGuard<'static, HashMap<String, Entry>> {
    CACHE.lock().unwrap_or_else(PoisonError::into_inner)
}

fn corrupt(what: &str, e: &rampart_policy::PolicyError) -> StoreError {
    StoreError::Corrupt(format!("stored policy {what} no longer parses: {e}"))
}

/// Reads and compiles a user's policies. A user that no longer exists (or is another user of the
/// same name) has none.
fn load(env: &Env, principal: &Principal, name: &str) -> Result<Vec<Policy>, StoreError> {
    let store = env.store.as_ref();
    let Some((user, _)) = get_user(store, &principal.account, name)? else {
        return Ok(Vec::new());
    };
    if user.user_id != principal.principal_id {
        return Ok(Vec::new());
    }
    let mut policies = Vec::new();
    for (policy_name, document) in &user.inline_policies {
        let policy = Policy::parse_stored(document, PolicyKind::Identity)
            .map_err(|e| corrupt(policy_name, &e))?;
        policies.push(policy.named(policy_name.clone()));
    }
    for arn in &user.attached_policies {
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
        if let Some((stored, _)) = get_policy(store, &principal.account, policy_name)?
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
