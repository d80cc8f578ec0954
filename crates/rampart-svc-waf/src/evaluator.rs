//! What the data plane asks: which compiled web ACL protects this resource? The ELBv2 data
//! plane calls [`Evaluators::for_resource`] per request (cheap when nothing changed: the
//! answer is cached until a watermark moves in one of the tables the compiled ACL depends on:
//! those of the resource's account and region, and the rule group and set tables of every
//! other account whose rule groups it uses, such as a Firewall Manager administrator's).

use crate::associations::{self, protected_resource};
use crate::entity;
use crate::errors;
use crate::scope::{Kind, Location};
use crate::web_acls::{self, WebAclBody};
use rampart_protocol::AwsError;
use rampart_store::Store;
use rampart_types::AccountId;
use rampart_waf::{CompileOptions, GeoLookup, MAX_WEB_ACL_CAPACITY, WebAcl, body_inspection_limit};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The web ACL protecting a resource, compiled and ready for [`rampart_waf::evaluate`].
#[derive(Debug, Clone)]
pub struct Protection {
    /// The web ACL's ARN (keys the caller's rate trackers and logs).
    pub web_acl_arn: String,
    /// The lock token of the compiled version (changes with every update).
    pub lock_token: String,
    /// The compiled web ACL.
    pub acl: Arc<WebAcl>,
}

/// The tables a compiled web ACL depends on.
const TABLES: [&str; 5] = [
    associations::TABLE,
    "wafv2.webacl",
    "wafv2.ipset",
    "wafv2.regexpatternset",
    "wafv2.rulegroup",
];

/// The tables of another account a compiled web ACL depends on (its rule groups and sets).
const FOREIGN_TABLES: [&str; 3] = ["wafv2.ipset", "wafv2.regexpatternset", "wafv2.rulegroup"];

/// Compiles the web ACL associated with `resource_arn` (an application load balancer's ARN),
/// reading the store once; `None` when the resource has no web ACL (or is not one rampart
/// protects). Errors are the store's, or a stored ACL that no longer compiles.
pub fn compile_for_resource(
    store: &dyn Store,
    geo: Arc<dyn GeoLookup>,
    resource_arn: &str,
) -> Result<Option<Protection>, AwsError> {
    Ok(compile_watching(store, geo, resource_arn)?.map(|(p, _)| p))
}

/// [`compile_for_resource`], with the store spaces of the other accounts the ACL uses.
fn compile_watching(
    store: &dyn Store,
    geo: Arc<dyn GeoLookup>,
    resource_arn: &str,
) -> Result<Option<(Protection, Vec<String>)>, AwsError> {
    let Some((resource_type, region, account)) = protected_resource(resource_arn) else {
        return Ok(None);
    };
    let space = format!("acct/{account}/{region}");
    let Some(acl_arn) = associations::web_acl_of(store, &space, resource_arn)? else {
        return Ok(None);
    };
    let Some(loc) = Location::parse_arn(&acl_arn).filter(|l| l.kind == Kind::WebAcl) else {
        return Ok(None);
    };
    let Some((e, _)) = entity::read::<WebAclBody>(store, &loc)? else {
        return Ok(None);
    };
    let def = e.body.def(&e.name).map_err(errors::from_engine)?;
    let account: AccountId = account.parse().map_err(|_| errors::internal())?;
    let opts = CompileOptions {
        account: account.clone(),
        body_limit: body_inspection_limit(&def, resource_type),
        geo,
        max_capacity: MAX_WEB_ACL_CAPACITY,
    };
    let compiled = web_acls::compile(store, &account, region, loc.scope, &def, &opts)?;
    let foreign = compiled
        .foreign_accounts
        .iter()
        .map(|a| format!("acct/{a}/{region}"))
        .collect();
    Ok(Some((
        Protection {
            web_acl_arn: e.arn,
            lock_token: e.lock_token,
            acl: Arc::new(compiled.acl),
        },
        foreign,
    )))
}

/// A cache of [`compile_for_resource`] answers, one per resource, each kept while the
/// watermarks of its account and region's WAF tables stand still.
pub struct Evaluators {
    geo: Arc<dyn GeoLookup>,
    cache: Mutex<HashMap<String, Cached>>,
}

struct Cached {
    marks: [u64; TABLES.len()],
    /// The other accounts' spaces the answer depends on, with their marks as read before
    /// compiling (`None`: not read then, so the next request compiles again).
    foreign: Vec<(String, Option<[u64; FOREIGN_TABLES.len()]>)>,
    answer: Option<Protection>,
}

/// The marks of the foreign tables in `space`.
fn foreign_marks(store: &dyn Store, space: &str) -> [u64; FOREIGN_TABLES.len()] {
    FOREIGN_TABLES.map(|t| store.watermark(space, t))
}

impl std::fmt::Debug for Evaluators {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluators").finish_non_exhaustive()
    }
}

impl Evaluators {
    /// An empty cache whose ACLs look countries up in `geo`.
    pub fn new(geo: Arc<dyn GeoLookup>) -> Evaluators {
        Evaluators {
            geo,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The compiled web ACL protecting `resource_arn`, recompiled only after a change.
    pub fn for_resource(
        &self,
        store: &dyn Store,
        resource_arn: &str,
    ) -> Result<Option<Protection>, AwsError> {
        let Some((_, region, account)) = protected_resource(resource_arn) else {
            return Ok(None);
        };
        let space = format!("acct/{account}/{region}");
        // Read the marks before the data: a change after this point moves them again.
        let marks = TABLES.map(|t| store.watermark(&space, t));
        let watched: Vec<String> = {
            let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            match cache.get(resource_arn).filter(|c| c.marks == marks) {
                Some(c) => {
                    let unchanged = c.foreign.iter().all(|(space, seen)| {
                        seen.is_some_and(|seen| seen == foreign_marks(store, space))
                    });
                    if unchanged {
                        return Ok(c.answer.clone());
                    }
                    c.foreign.iter().map(|(space, _)| space.clone()).collect()
                }
                None => Vec::new(),
            }
        };
        // The other accounts the previous answer used, read before compiling again.
        let before: Vec<(String, [u64; FOREIGN_TABLES.len()])> = watched
            .into_iter()
            .map(|space| {
                let m = foreign_marks(store, &space);
                (space, m)
            })
            .collect();
        let compiled = compile_watching(store, self.geo.clone(), resource_arn)?;
        let (answer, foreign) = match compiled {
            Some((p, spaces)) => {
                let foreign = spaces
                    .into_iter()
                    .map(|space| {
                        let seen = before.iter().find(|(s, _)| *s == space).map(|(_, m)| *m);
                        (space, seen)
                    })
                    .collect();
                (Some(p), foreign)
            }
            None => (None, Vec::new()),
        };
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).insert(
            resource_arn.to_owned(),
            Cached {
                marks,
                foreign,
                answer: answer.clone(),
            },
        );
        Ok(answer)
    }
}
