//! The engine's [`Resolver`] over the store: the IP sets, regex pattern sets and rule groups
//! a rule refers to, in the referring entity's account, region and scope (for web ACLs, also
//! rule groups of other accounts: shared ones, for which the authorization table asked under
//! the owner's permission policy, and Firewall Manager's), and rampart's managed rule groups.
//! Another account's rule group refers to its owner's sets: those (and only those) resolve in
//! the owner's account, so a change there reaches every web ACL using the group (the accounts
//! read are given by [`StoreResolver::foreign_accounts`]). A store failure while resolving is
//! kept and reported after compilation instead of passing for a missing entity.

use crate::entity;
use crate::errors;
use crate::ip_sets::IpSetBody;
use crate::regex_sets::RegexSetBody;
use crate::rule_groups::RuleGroupBody;
use crate::scope::{Kind, Location, Scope};
use rampart_protocol::AwsError;
use rampart_store::{Item, Store};
use rampart_waf::managed::{self, MANAGED_IP_SETS, managed_ip_set_arn};
use rampart_waf::{IpSet, RegexPatternSet, ResolvedGroup, Resolver, rule_group_namespace};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

/// Resolves references of an entity in `account`/`region`/`scope`.
pub(crate) struct StoreResolver<'a> {
    store: &'a dyn Store,
    account: &'a str,
    region: &'a str,
    scope: Scope,
    shared_groups: bool,
    failure: RefCell<Option<AwsError>>,
    touched: RefCell<Vec<Item>>,
    /// The sets other accounts' rule groups resolved so far refer to.
    foreign_sets: RefCell<HashSet<String>>,
    /// The other accounts whose entities were read.
    foreign_accounts: RefCell<BTreeSet<String>>,
}

impl<'a> StoreResolver<'a> {
    /// A resolver for references made in `account`'s `region` and `scope`.
    pub(crate) fn new(
        store: &'a dyn Store,
        account: &'a str,
        region: &'a str,
        scope: Scope,
    ) -> StoreResolver<'a> {
        StoreResolver {
            store,
            account,
            region,
            scope,
            shared_groups: false,
            failure: RefCell::new(None),
            touched: RefCell::new(Vec::new()),
            foreign_sets: RefCell::new(HashSet::new()),
            foreign_accounts: RefCell::new(BTreeSet::new()),
        }
    }

    /// The other accounts whose rule groups or sets were read (their changes change the
    /// compiled web ACL too).
    pub(crate) fn foreign_accounts(&self) -> Vec<String> {
        self.foreign_accounts.borrow().iter().cloned().collect()
    }

    /// The entities resolved so far (the caller's and other accounts'), as stored (for
    /// [`crate::entity::touching`]).
    pub(crate) fn touched(&self) -> Vec<Item> {
        let mut items = self.touched.take();
        items.sort_by(|a, b| a.key.cmp(&b.key));
        items.dedup_by(|a, b| a.key == b.key);
        items
    }

    /// Also resolves rule groups of other accounts (web ACLs may use shared groups).
    pub(crate) fn with_shared_groups(mut self) -> StoreResolver<'a> {
        self.shared_groups = true;
        self
    }

    /// The first failure met while resolving (a store error, an unreadable record), which wins
    /// over whatever the engine concluded from the missing entity.
    pub(crate) fn failure(&self) -> Option<AwsError> {
        self.failure.borrow_mut().take()
    }

    fn find<T: serde::de::DeserializeOwned>(
        &self,
        arn: &str,
        kind: Kind,
    ) -> Option<entity::Entity<T>> {
        let loc = Location::parse_arn(arn)?;
        let own = loc.account == self.account;
        let account_ok = own
            || match kind {
                Kind::RuleGroup => self.shared_groups,
                Kind::IpSet | Kind::RegexPatternSet => self.foreign_sets.borrow().contains(arn),
                Kind::WebAcl => false,
            };
        if loc.kind != kind || loc.scope != self.scope || !account_ok || loc.region != self.region {
            return None;
        }
        match entity::read_item::<T>(self.store, &loc) {
            Ok(found) => found.map(|(e, item)| {
                // Another account's entity is touched too: its owner's delete must see (or
                // refuse) this new reference.
                self.touched.borrow_mut().push(item);
                if !own {
                    self.foreign_accounts
                        .borrow_mut()
                        .insert(loc.account.clone());
                }
                e
            }),
            Err(e) => {
                self.failure.borrow_mut().get_or_insert(e);
                None
            }
        }
    }

    fn keep<T>(&self, r: Result<T, AwsError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                // A stored entity that no longer compiles (engine rules tightened): report it.
                self.failure.borrow_mut().get_or_insert(e);
                None
            }
        }
    }
}

impl Resolver for StoreResolver<'_> {
    fn ip_set(&self, arn: &str) -> Option<Arc<IpSet>> {
        if MANAGED_IP_SETS.iter().any(|n| managed_ip_set_arn(n) == arn) {
            return Some(Arc::new(IpSet::default()));
        }
        let e = self.find::<IpSetBody>(arn, Kind::IpSet)?;
        self.keep(e.body.compile()).map(Arc::new)
    }

    fn regex_pattern_set(&self, arn: &str) -> Option<Arc<RegexPatternSet>> {
        let e = self.find::<RegexSetBody>(arn, Kind::RegexPatternSet)?;
        self.keep(e.body.compile()).map(Arc::new)
    }

    fn rule_group(&self, arn: &str) -> Option<ResolvedGroup> {
        let e = self.find::<RuleGroupBody>(arn, Kind::RuleGroup)?;
        let owner = Location::parse_arn(arn)?.account;
        if owner != self.account {
            // Its rules refer to its owner's sets.
            self.foreign_sets
                .borrow_mut()
                .extend(e.body.references.iter().cloned());
        }
        let def = self.keep(e.body.def(&e.name).map_err(errors::from_engine))?;
        Some(ResolvedGroup {
            def: Arc::new(def),
            label_namespace: rule_group_namespace(&owner, &e.name),
        })
    }

    fn managed_rule_group(
        &self,
        vendor: &str,
        name: &str,
        version: Option<&str>,
    ) -> Option<ResolvedGroup> {
        managed::managed_group(vendor, name, version)
    }
}
