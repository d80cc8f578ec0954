//! The organization as the pipeline reads it on every request: the structure and the compiled
//! SCPs and RCPs, cached by the watermarks of the two tables (a change is seen on the very next
//! request), and each account's [`Standing`] computed once per cached view.

use super::Standing;
use super::model::{self, ORG_TABLE, Org, POLICY_TABLE, RCP, RCP_FULL_AWS_ACCESS, SCP};
use rampart_policy::{Policy, PolicyKind};
use rampart_service::Env;
use rampart_store::{Store, StoreError, space};
use rampart_types::AccountId;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError, Weak};

/// Most standings kept per view; past it they are computed afresh.
const STANDINGS_CAPACITY: usize = 10_000;

/// The organization at one pair of watermarks.
#[derive(Default)]
pub(super) struct View {
    /// The organization, if there is one.
    pub org: Option<Arc<Org>>,
    /// The SCPs and RCPs attached anywhere, compiled, by policy id.
    compiled: HashMap<String, Policy>,
    /// The organization's delegation policy, compiled.
    pub resource_policy: Option<Policy>,
    /// Standings computed from this view, by account id.
    standings: Mutex<HashMap<String, Arc<Standing>>>,
}

/// One store's cached view, with the watermarks it was read at. The store is held weakly and
/// compared by pointer, so views of different stores (tests) never mix.
struct Entry {
    store: Weak<dyn Store>,
    marks: [u64; 2],
    view: Arc<View>,
}

static CACHE: LazyLock<Mutex<Vec<Entry>>> = LazyLock::new(Mutex::default);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The organization as of now.
pub(super) fn view(env: &Env) -> Result<Arc<View>, StoreError> {
    let marks = [ORG_TABLE, POLICY_TABLE].map(|t| env.store.watermark(space::SYSTEM, t));
    let weak = Arc::downgrade(&env.store);
    if let Some(entry) = lock(&CACHE).iter().find(|e| Weak::ptr_eq(&e.store, &weak))
        && entry.marks == marks
    {
        return Ok(entry.view.clone());
    }
    let view = Arc::new(load(env)?);
    let mut cache = lock(&CACHE);
    cache.retain(|e| e.store.strong_count() > 0 && !Weak::ptr_eq(&e.store, &weak));
    cache.push(Entry {
        store: weak,
        marks,
        view: view.clone(),
    });
    Ok(view)
}

/// Reads the organization and compiles every SCP and RCP attached anywhere.
fn load(env: &Env) -> Result<View, StoreError> {
    let store = env.store.as_ref();
    let Some((org, _)) = model::read(store)? else {
        return Ok(View::default());
    };
    let arns = model::Arns {
        partition: env.partition,
        org: &org,
    };
    let mut compiled = HashMap::new();
    for id in org.attached.values().flatten() {
        if compiled.contains_key(id) {
            continue;
        }
        let kind = match org.policy_kind(id).as_deref() {
            Some(SCP) => PolicyKind::ServiceControl,
            Some(RCP) => PolicyKind::ResourceControl,
            _ => continue,
        };
        let Some(content) = model::read_content(store, id)? else {
            return Err(StoreError::Corrupt(format!("policy {id} has no content")));
        };
        let policy = Policy::parse_stored(&content, kind).map_err(|e| {
            StoreError::Corrupt(format!("stored policy {id} no longer parses: {e}"))
        })?;
        let kind_name = org.policy_kind(id).unwrap_or_default();
        compiled.insert(id.clone(), policy.named(arns.policy(id, &kind_name)));
    }
    let resource_policy = match &org.resource_policy {
        Some(id) => {
            let content = model::read_content(store, id)?.ok_or_else(|| {
                StoreError::Corrupt(format!("resource policy {id} has no content"))
            })?;
            let policy = Policy::parse_stored(&content, PolicyKind::Resource).map_err(|e| {
                StoreError::Corrupt(format!("stored resource policy no longer parses: {e}"))
            })?;
            Some(policy.named(arns.resource_policy(id)))
        }
        None => None,
    };
    Ok(View {
        org: Some(Arc::new(org)),
        compiled,
        resource_policy,
        standings: Mutex::default(),
    })
}

/// Where `account` stands: see [`super::standing`].
pub(super) fn standing_in(env: &Env, account: &AccountId) -> Result<Arc<Standing>, StoreError> {
    let view = view(env)?;
    let id = account.to_string();
    if let Some(found) = lock(&view.standings).get(&id) {
        return Ok(found.clone());
    }
    let standing = Arc::new(view.compute(env, &id));
    let mut standings = lock(&view.standings);
    if standings.len() >= STANDINGS_CAPACITY {
        standings.clear();
    }
    standings.insert(id, standing.clone());
    Ok(standing)
}

impl View {
    fn compute(&self, env: &Env, account: &str) -> Standing {
        let management = account == env.management_account.to_string();
        let Some(org) = &self.org else {
            return Standing {
                management,
                ..Standing::default()
            };
        };
        let Some(member) = org.accounts.get(account) else {
            return Standing {
                management,
                ..Standing::default()
            };
        };
        let mut levels = org.ancestors(account);
        let org_path = Some(org.container_path(&member.parent));
        let org_id = Some(org.id.clone());
        if account == org.management {
            return Standing {
                org_id,
                org_path,
                management: true,
                ..Standing::default()
            };
        }
        levels.push(account.to_owned());
        if member.status != "ACTIVE" {
            // A closed account can use nothing: one level that allows nothing denies it all.
            return Standing {
                org_id,
                org_path,
                management: false,
                scp_levels: vec![Vec::new()],
                rcp_levels: Vec::new(),
            };
        }
        let policies_at = |level: &String, kind: &str| -> Vec<Policy> {
            org.attached_of(level, kind)
                .iter()
                .filter(|id| id.as_str() != RCP_FULL_AWS_ACCESS)
                .filter_map(|id| self.compiled.get(id).cloned())
                .collect()
        };
        let scp_levels = if org.enabled(SCP) {
            levels.iter().map(|l| policies_at(l, SCP)).collect()
        } else {
            Vec::new()
        };
        let rcp_levels: Vec<Vec<Policy>> = if org.enabled(RCP) {
            levels.iter().map(|l| policies_at(l, RCP)).collect()
        } else {
            Vec::new()
        };
        Standing {
            org_id,
            org_path,
            management: false,
            scp_levels,
            // With RCPFullAWSAccess implicit, levels without customer RCPs decide nothing.
            rcp_levels: if rcp_levels.iter().all(Vec::is_empty) {
                Vec::new()
            } else {
                rcp_levels
            },
        }
    }
}
