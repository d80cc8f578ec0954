//! Applying policies: for each active account of the organization in a policy's scope, the
//! policy's web ACL in the policy's region (created when the account has a load balancer in
//! scope, updated when the policy changed; a change of the administrator's rule groups or sets
//! reaches the members' data planes by itself), associated with every
//! load balancer in scope (replacing the account's own web ACL only when the policy says
//! `overrideCustomerWebACLAssociation`), and the account's compliance recorded. Accounts out of
//! scope lose the policy's web ACL. [`reconcile`] does this for every policy, every minute of
//! the admin clock, so load balancers created later are protected too.

use crate::admin;
use crate::errors;
use crate::model::StoredPolicy;
use crate::org::{self, Org};
use crate::policies::{self, Home};
use rampart_protocol::AwsError;
use rampart_service::{Env, LOAD_BALANCER_TYPE, Resource, epoch_seconds};
use rampart_store::{Batch, Key, Scan, Store};
use rampart_svc_waf::managed_by::{self, ManagedWebAcl, Protected};
use rampart_types::AccountId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Compliance by `<policy id>|<account>`, in the policy's home.
pub(crate) const COMPLIANCE: &str = "fms.compliance";

/// One account's compliance with one policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Compliance {
    /// The resources in scope that lack the policy's web ACL: (ARN, violation reason).
    pub violators: Vec<(String, String)>,
    /// When the evaluation last changed, in seconds since the epoch.
    pub updated: f64,
}

impl Compliance {
    /// `COMPLIANT` or `NON_COMPLIANT`.
    pub(crate) fn status(&self) -> &'static str {
        if self.violators.is_empty() {
            "COMPLIANT"
        } else {
            "NON_COMPLIANT"
        }
    }
}

pub(crate) fn compliance_key(home: &Home, policy: &str, account: &str) -> Key {
    Key::new(
        rampart_store::space::account_region(&home.account, &home.region),
        COMPLIANCE,
        format!("{policy}|{account}"),
    )
}

/// The compliance records of `policy` in `home`, by account.
pub(crate) fn compliance_of(
    store: &dyn Store,
    home: &Home,
    policy: &str,
) -> Result<Vec<(String, Compliance)>, AwsError> {
    let space = rampart_store::space::account_region(&home.account, &home.region);
    let items = store
        .scan(
            &space,
            COMPLIANCE,
            &Scan::new(format!("{policy}|"), usize::MAX),
        )
        .map_err(errors::store)?;
    let mut out = Vec::new();
    for item in items {
        let account = item
            .key
            .id
            .rsplit('|')
            .next()
            .unwrap_or_default()
            .to_owned();
        let c = serde_json::from_slice(&item.value).map_err(|_| errors::internal())?;
        out.push((account, c));
    }
    Ok(out)
}

/// Deletes of every compliance record of `policy`.
pub(crate) fn forget_compliance(
    store: &dyn Store,
    home: &Home,
    policy: &str,
) -> Result<Batch, AwsError> {
    Ok(compliance_of(store, home, policy)?
        .into_iter()
        .fold(Batch::new(), |b, (account, _)| {
            b.delete(compliance_key(home, policy, &account))
        }))
}

/// Whether `account` is in the policy's account scope (IncludeMap, else ExcludeMap, by
/// account id or by an OU above it).
pub(crate) fn account_in_scope(policy: &Value, org: &Org, account: &str) -> bool {
    let units = org.units_of(account);
    let listed = |map: &Value| {
        let has = |key: &str, wanted: &dyn Fn(&str) -> bool| {
            map[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .any(wanted)
        };
        has("ACCOUNT", &|a| a == account) || has("ORG_UNIT", &|u| units.iter().any(|x| x == u))
    };
    let non_empty = |m: &Value| m.as_object().is_some_and(|o| !o.is_empty());
    if non_empty(&policy["IncludeMap"]) {
        listed(&policy["IncludeMap"])
    } else if non_empty(&policy["ExcludeMap"]) {
        !listed(&policy["ExcludeMap"])
    } else {
        true
    }
}

/// Whether a resource with `tags` is in the policy's resource scope (`ResourceTags` combined
/// with `ResourceTagLogicalOperator`, AND by default; a tag without a value matches any value;
/// `ExcludeResourceTags` turns the match into an exclusion).
pub(crate) fn resource_in_scope(policy: &Value, tags: &[(String, String)]) -> bool {
    let wanted: Vec<(&str, &str)> = policy["ResourceTags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            (
                t["Key"].as_str().unwrap_or_default(),
                t["Value"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    if wanted.is_empty() {
        return true;
    }
    let has = |(k, v): &(&str, &str)| {
        tags.iter()
            .any(|(key, value)| key == k && (v.is_empty() || value == v))
    };
    let matched = if policy["ResourceTagLogicalOperator"] == "OR" {
        wanted.iter().any(has)
    } else {
        wanted.iter().all(has)
    };
    matched != policy["ExcludeResourceTags"].as_bool().unwrap_or(false)
}

/// The name in a web ACL ARN (`.../regional/webacl/<name>/<id>`).
fn web_acl_name(arn: &str) -> &str {
    arn.rsplit('/').nth(1).unwrap_or_default()
}

/// Applies `policy` of `home` to every account of the organization; a failure in one account
/// is logged and the others still get theirs.
pub(crate) fn apply(env: &Env, home: &Home, policy: &StoredPolicy) -> Result<(), AwsError> {
    let Some(org) = org::read(env.store.as_ref())? else {
        return Ok(());
    };
    for account in org.active() {
        if let Err(e) = apply_to(env, home, policy, &org, &account) {
            tracing::warn!(%account, error = %e.message, "firewall manager policy not applied to an account");
        }
    }
    Ok(())
}

fn apply_to(
    env: &Env,
    home: &Home,
    policy: &StoredPolicy,
    org: &Org,
    account: &str,
) -> Result<(), AwsError> {
    let id = policy.text("PolicyId");
    let member: AccountId = account.parse().map_err(|_| errors::internal())?;
    let region = &home.region;
    let name = policy.web_acl_name();
    if !account_in_scope(&policy.policy, org, account) {
        managed_by::remove_web_acl(env, &member, region, &name)?;
        return record(env, home, id, account, None);
    }
    let resources: Vec<Resource> = env
        .inventory
        .list(env, LOAD_BALANCER_TYPE, &member, region)?
        .into_iter()
        .filter(|r| resource_in_scope(&policy.policy, &r.tags))
        .collect();
    let mut violators = Vec::new();
    if policy.flag("RemediationEnabled") && !resources.is_empty() {
        let data = policy.data()?;
        let (pre, post) = policy.rules()?;
        let acl = managed_by::put_web_acl(
            env,
            &ManagedWebAcl {
                account: member.clone(),
                region: region.clone(),
                name_prefix: name.clone(),
                new_name: name.clone(),
                default_action: data.default_action(),
                pre,
                post,
            },
        )?;
        let replace = data.override_customer_web_acl_association;
        for r in &resources {
            if let Protected::Other(_) =
                managed_by::protect(env, &member, region, &acl, &r.arn, replace)?
            {
                violators.push((r.arn.clone(), "RESOURCE_INCORRECT_WEB_ACL".to_owned()));
            }
        }
    } else {
        for r in &resources {
            match managed_by::web_acl_of(env, &member, region, &r.arn)? {
                Some(arn) if web_acl_name(&arn) == name => {}
                Some(_) => violators.push((r.arn.clone(), "RESOURCE_INCORRECT_WEB_ACL".to_owned())),
                None => violators.push((r.arn.clone(), "RESOURCE_MISSING_WEB_ACL".to_owned())),
            }
        }
    }
    record(env, home, id, account, Some(violators))
}

/// Writes an account's compliance (or removes it when out of scope) if it changed.
fn record(
    env: &Env,
    home: &Home,
    policy: &str,
    account: &str,
    violators: Option<Vec<(String, String)>>,
) -> Result<(), AwsError> {
    let key = compliance_key(home, policy, account);
    let store = env.store.as_ref();
    let old: Option<Compliance> = match store.get(&key).map_err(errors::store)? {
        Some(item) => serde_json::from_slice(&item.value).ok(),
        None => None,
    };
    let batch = match violators {
        None if old.is_none() => return Ok(()),
        None => Batch::new().delete(key),
        Some(v) if old.as_ref().is_some_and(|o| o.violators == v) => return Ok(()),
        Some(violators) => {
            let c = Compliance {
                violators,
                updated: epoch_seconds(env.clock.now()),
            };
            let value = serde_json::to_vec(&c).map_err(|_| errors::internal())?;
            Batch::new().put(key, value)
        }
    };
    store.commit(batch).map_err(errors::store)?;
    Ok(())
}

/// Removes `policy`'s web ACL (and its associations) from every account of the organization.
pub(crate) fn remove_everywhere(
    env: &Env,
    home: &Home,
    policy: &StoredPolicy,
) -> Result<(), AwsError> {
    let Some(org) = org::read(env.store.as_ref())? else {
        return Ok(());
    };
    let name = policy.web_acl_name();
    for account in org.active() {
        let member: AccountId = account.parse().map_err(|_| errors::internal())?;
        managed_by::remove_web_acl(env, &member, &home.region, &name)?;
    }
    Ok(())
}

/// Server-wide table of the web ACLs a policy deleted without `DeleteAllPolicyResources`
/// left in member accounts: `<account>|<region>|<policy id>` → [`Release`]. A record goes once
/// a reconciliation released every account's web ACL ([`managed_by::release_web_acl`]).
pub(crate) const RELEASES: &str = "fms.releases";

/// The web ACLs a deleted policy left behind: their region and name prefix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Release {
    /// The policy's region.
    pub region: String,
    /// The name of the policy's web ACL in every account.
    pub name: String,
}

/// Where the release of `policy`'s web ACLs is recorded until it is done.
pub(crate) fn release_key(home: &Home, policy: &str) -> Key {
    Key::new(
        rampart_store::space::SYSTEM,
        RELEASES,
        format!("{}|{}|{policy}", home.account, home.region),
    )
}

/// The release of `policy`'s web ACLs and where it is recorded: written in the same commit as
/// the policy's delete, so that the next reconciliation releases them (again) whatever
/// happens meanwhile.
pub(crate) fn pending_release(home: &Home, policy: &StoredPolicy) -> (Key, Release) {
    let record = Release {
        region: home.region.to_string(),
        name: policy.web_acl_name(),
    };
    (release_key(home, policy.text("PolicyId")), record)
}

/// Releases a deleted policy's web ACL in every account of the organization: its rule groups
/// leave the web ACL, which stays on the account's load balancers as the account's own, so the
/// administrator can then delete its rule groups.
pub(crate) fn release(env: &Env, r: &Release) -> Result<(), AwsError> {
    let Some(org) = org::read(env.store.as_ref())? else {
        return Ok(());
    };
    let region = r.region.parse().map_err(|_| errors::internal())?;
    for account in org.active() {
        let member: AccountId = account.parse().map_err(|_| errors::internal())?;
        managed_by::release_web_acl(env, &member, &region, &r.name)?;
    }
    Ok(())
}

/// Releases the web ACLs of every recorded release and forgets the record. Only here, at the
/// start of a reconciliation, is a record forgotten: an application of the deleted policy that
/// was under way when it was deleted has finished by then, and whatever it put back is
/// released again.
fn finish_releases(env: &Env) -> Result<(), AwsError> {
    let items = env
        .store
        .scan(rampart_store::space::SYSTEM, RELEASES, &Scan::all())
        .map_err(errors::store)?;
    for item in items {
        let r: Release = serde_json::from_slice(&item.value).map_err(|_| errors::internal())?;
        release(env, &r)?;
        let forget = Batch::new().delete_if(item.key, rampart_store::Expect::Version(item.version));
        env.store.commit(forget).map_err(errors::store)?;
    }
    Ok(())
}

/// Finishes the releases of deleted policies' web ACLs, then applies every policy of the
/// current administrator (policies of a former administrator wait for it to come back).
pub fn reconcile(env: &Env) -> Result<(), AwsError> {
    finish_releases(env)?;
    let store = env.store.as_ref();
    let Some(admin) = admin::read(store)? else {
        return Ok(());
    };
    for (home, id) in policies::indexed(store)? {
        if home.account.as_str() != admin.account {
            continue;
        }
        if let Some((policy, _)) = policies::read(store, &home, &id)? {
            apply(env, &home, &policy)?;
        }
    }
    Ok(())
}

/// The `PolicyComplianceStatus` shape.
pub(crate) fn status_shape(
    home: &Home,
    policy: &StoredPolicy,
    account: &str,
    c: &Compliance,
) -> Value {
    json!({
        "PolicyOwner": home.account.as_str(),
        "PolicyId": policy.text("PolicyId"),
        "PolicyName": policy.text("PolicyName"),
        "MemberAccount": account,
        "EvaluationResults": [{
            "ComplianceStatus": c.status(),
            "ViolatorCount": c.violators.len(),
            "EvaluationLimitExceeded": false,
        }],
        "LastUpdated": c.updated,
    })
}
