//! The data plane's side of automatic application-layer mitigation: it counts every request
//! that reaches a protected load balancer ([`Monitor::record`], cheap, on the request path)
//! and regularly hands the monitor its environment ([`Monitor::flush`], off the request path)
//! to close windows of the [`crate::detector`] and act on what they mean: an attack is
//! recorded (start, end, total, peak rate, top contributors, vector `REQUEST_FLOOD`) and,
//! when the protection's automatic response is enabled, a rate-based rule with its action
//! (Block or Count) is put into the Shield-managed rule group for the attack's duration.

use crate::detector::{Change, Detector};
use crate::records::{
    self, Attack, Contributor, MitigationGroup, OPEN, OpenAttack, PROTECTED, Protected, Protection,
};
use crate::waf;
use rampart_service::Env;
use rampart_store::Scan;
use rampart_store::space::SYSTEM;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Mutex, RwLock};
use std::time::UNIX_EPOCH;

/// Counts requests to protected resources and turns floods into attacks and mitigations.
#[derive(Default)]
pub struct Monitor {
    /// The protected resources and the index watermark they were read at: read on every
    /// request, written only when the index changes.
    protected: RwLock<(HashSet<String>, Option<u64>)>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    detectors: HashMap<String, Detector>,
    /// Changes seen on the request path, applied at the next flush.
    pending: Vec<(String, Change)>,
    /// Whether attacks left open by an earlier run were ended.
    recovered: bool,
}

impl std::fmt::Debug for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor").finish_non_exhaustive()
    }
}

fn seconds(env: &Env) -> u64 {
    env.clock
        .now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The mitigation group of `p` (automatic response enabled) on the web ACL protecting its
/// resource now: moved there when the resource's web ACL changed since it was enabled (saved
/// with the protection); `None` while no web ACL protects the resource.
fn current_group(
    env: &Env,
    account: &str,
    p: &Protection,
) -> Result<Option<MitigationGroup>, rampart_protocol::AwsError> {
    let acl = waf::web_acl_of(env, &p.resource_arn)?;
    if let Some(group) = &p.group {
        if acl.as_deref() == Some(group.web_acl_arn.as_str()) {
            return Ok(Some(group.clone()));
        }
        if let Err(e) = waf::uninstall(env, &p.resource_arn, group) {
            tracing::warn!(error = %e.message, "cannot remove a stale shield mitigation group");
        }
    }
    let fresh = match acl {
        Some(_) => Some(waf::install(env, &p.resource_arn)?),
        None => None,
    };
    let key = records::protection_key(account, &p.id);
    if let Some((mut stored, version)) = records::read::<Protection>(env.store.as_ref(), &key)? {
        stored.group = fresh.clone();
        let batch = records::put(
            rampart_store::Batch::new(),
            key,
            &stored,
            rampart_store::Expect::Version(version),
        )?;
        env.store.commit(batch).map_err(crate::errors::store)?;
    }
    Ok(fresh)
}

impl Monitor {
    /// A monitor that knows no protected resource until its first flush.
    pub fn new() -> Monitor {
        Monitor::default()
    }

    /// Counts one request from `source` to `resource_arn` (ignored unless it is protected).
    pub fn record(&self, env: &Env, resource_arn: &str, source: IpAddr) {
        let protected = self
            .protected
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .contains(resource_arn);
        if !protected {
            return;
        }
        let now = seconds(env);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let changes = state
            .detectors
            .entry(resource_arn.to_owned())
            .or_default()
            .record(source, now);
        state
            .pending
            .extend(changes.into_iter().map(|c| (resource_arn.to_owned(), c)));
    }

    /// Refreshes the protected resources, closes due windows and acts on every change (reads
    /// and writes the store: call it off the async workers).
    pub fn flush(&self, env: &Env) {
        let mark = env.store.watermark(SYSTEM, PROTECTED);
        let stale = self.protected.read().unwrap_or_else(|p| p.into_inner()).1 != Some(mark);
        if stale && let Ok(items) = env.store.scan(SYSTEM, PROTECTED, &Scan::all()) {
            let protected: HashSet<String> = items.into_iter().map(|i| i.key.id).collect();
            self.state
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .detectors
                .retain(|arn, _| protected.contains(arn));
            *self.protected.write().unwrap_or_else(|p| p.into_inner()) = (protected, Some(mark));
        }
        let now = seconds(env);
        let changes: Vec<(String, Change)> = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let mut changes = Vec::new();
            if !std::mem::replace(&mut state.recovered, true) {
                // Attacks open when the server stopped end now: their counts are gone.
                let open = env
                    .store
                    .scan(SYSTEM, OPEN, &Scan::all())
                    .unwrap_or_default();
                let end = now - now % crate::detector::WINDOW_SECS;
                changes.extend(open.into_iter().map(|i| (i.key.id, Change::Ended { end })));
            }
            changes.append(&mut state.pending);
            for (arn, d) in &mut state.detectors {
                changes.extend(d.advance(now).into_iter().map(|c| (arn.clone(), c)));
            }
            changes
        };
        for (arn, change) in changes {
            if let Err(e) = self.apply(env, &arn, change) {
                tracing::warn!(error = %e.message, "shield mitigation step failed");
            }
        }
    }

    fn apply(
        &self,
        env: &Env,
        resource_arn: &str,
        change: Change,
    ) -> Result<(), rampart_protocol::AwsError> {
        let store = env.store.as_ref();
        let index = records::read::<Protected>(store, &records::protected_key(resource_arn))?
            .map(|(i, _)| i);
        let protection = match &index {
            Some(i) => records::read::<Protection>(
                store,
                &records::protection_key(&i.account, &i.protection_id),
            )?
            .map(|(p, _)| p),
            None => None,
        };
        let contributors = |top: Vec<(IpAddr, u64)>| -> Vec<Contributor> {
            top.into_iter()
                .map(|(ip, n)| Contributor {
                    name: ip.to_string(),
                    value: n,
                })
                .collect()
        };
        match change {
            Change::Started {
                start,
                rate,
                total,
                top,
            } => {
                let Some(account) = index.map(|i| i.account) else {
                    return Ok(());
                };
                let id = crate::ids::uuid()?;
                let mut attack = Attack {
                    id: id.clone(),
                    account: account.clone(),
                    resource_arn: resource_arn.to_owned(),
                    start: start as f64,
                    end: None,
                    total,
                    peak_rate: rate,
                    top_contributors: contributors(top),
                    mitigation: None,
                };
                if let Some(p) = &protection
                    && let Some(action) = &p.auto_response
                    && let Some(group) = current_group(env, &account, p)?
                {
                    let name = format!("ShieldMitigationRateBasedRule-{}", &id[..8]);
                    waf::set_rules(
                        env,
                        resource_arn,
                        &group,
                        vec![waf::mitigation_rule(&name, action)],
                    )?;
                    attack.mitigation = Some(name);
                }
                let open = OpenAttack {
                    account: account.clone(),
                    attack_id: id.clone(),
                };
                let batch = records::put(
                    rampart_store::Batch::new(),
                    records::attack_key(&account, &id),
                    &attack,
                    rampart_store::Expect::Absent,
                )?;
                let batch = records::put(
                    batch,
                    records::open_key(resource_arn),
                    &open,
                    rampart_store::Expect::Any,
                )?;
                store.commit(batch).map_err(crate::errors::store)?;
            }
            Change::Continues { rate, total, top } => {
                self.update_open(env, resource_arn, |a| {
                    a.total += total;
                    a.peak_rate = a.peak_rate.max(rate);
                    let mut merged: HashMap<String, u64> = a
                        .top_contributors
                        .iter()
                        .map(|c| (c.name.clone(), c.value))
                        .collect();
                    for c in contributors(top) {
                        *merged.entry(c.name).or_default() += c.value;
                    }
                    let mut list: Vec<Contributor> = merged
                        .into_iter()
                        .map(|(name, value)| Contributor { name, value })
                        .collect();
                    list.sort_by(|x, y| y.value.cmp(&x.value).then(x.name.cmp(&y.name)));
                    list.truncate(crate::detector::TOP_CONTRIBUTORS);
                    a.top_contributors = list;
                })?;
            }
            Change::Ended { end } => {
                let attack = self.update_open(env, resource_arn, |a| a.end = Some(end as f64))?;
                if attack.is_some_and(|a| a.mitigation.is_some())
                    && let Some(p) = &protection
                    && let Some(group) = &p.group
                {
                    waf::set_rules(env, resource_arn, group, Vec::new())?;
                }
                store
                    .commit(rampart_store::Batch::new().delete(records::open_key(resource_arn)))
                    .map_err(crate::errors::store)?;
            }
        }
        Ok(())
    }

    /// Changes the open attack of `resource_arn` with `f`; the attack as it was, if any.
    fn update_open(
        &self,
        env: &Env,
        resource_arn: &str,
        f: impl FnOnce(&mut Attack),
    ) -> Result<Option<Attack>, rampart_protocol::AwsError> {
        let Some((open, _)) =
            records::read::<OpenAttack>(env.store.as_ref(), &records::open_key(resource_arn))?
        else {
            return Ok(None);
        };
        let key = records::attack_key(&open.account, &open.attack_id);
        let Some((mut attack, version)) = records::read::<Attack>(env.store.as_ref(), &key)? else {
            return Ok(None);
        };
        let before = attack.clone();
        f(&mut attack);
        let batch = records::put(
            rampart_store::Batch::new(),
            key,
            &attack,
            rampart_store::Expect::Version(version),
        )?;
        env.store.commit(batch).map_err(crate::errors::store)?;
        Ok(Some(before))
    }
}
