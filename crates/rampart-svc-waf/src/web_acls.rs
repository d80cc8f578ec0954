//! Web ACLs: CreateWebACL, GetWebACL, UpdateWebACL, DeleteWebACL, ListWebACLs, and
//! CheckCapacity. Rules are parsed, resolved and compiled by the engine
//! ([`rampart_waf::WebAcl::compile`]): the ACL's `Capacity` is the engine's WCU, at most 5,000
//! (above: `WAFInvalidParameterException`, field `WEB_ACL`, parameter the WCU needed, as AWS
//! answers; AWS prices WCU above 1,500 but accepts them).
//!
//! A web ACL Firewall Manager keeps ([`crate::managed_by`]) also holds the policy's rule
//! groups, shown as `PreProcessFirewallManagerRuleGroups` and
//! `PostProcessFirewallManagerRuleGroups` and evaluated before and after the account's own
//! `Rules` in one evaluation; the account's UpdateWebACL keeps them, and its DeleteWebACL is
//! refused (`WAFInvalidOperationException`) while `ManagedByFirewallManager` is true.

use crate::associations;
use crate::config;
use crate::entity::{self, Entity};
use crate::errors::{self, REASON_INVALID};
use crate::input;
use crate::ip_sets::{ListInput, list_of};
use crate::logging;
use crate::references;
use crate::resolver::StoreResolver;
use crate::scope::{Kind, Location, Scope};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use rampart_store::{Item, Store};
use rampart_types::AccountId;
use rampart_waf::model::{self, Rule, WebAclDef};
use rampart_waf::{
    CompileOptions, MAX_WEB_ACL_CAPACITY, WafError, WebAcl, check_capacity, web_acl_namespace,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The definitional members of a web ACL, as sent.
const MEMBERS: [&str; 11] = [
    "DefaultAction",
    "Rules",
    "VisibilityConfig",
    "DataProtectionConfig",
    "CustomResponseBodies",
    "CaptchaConfig",
    "ChallengeConfig",
    "TokenDomains",
    "AssociationConfig",
    "OnSourceDDoSProtectionConfig",
    "ApplicationConfig",
];

/// AWS's quota of token domains per web ACL.
const MAX_TOKEN_DOMAINS: usize = 10;

/// What a web ACL stores.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct WebAclBody {
    /// The definitional members as sent.
    pub config: Map<String, Value>,
    /// The WCU its rules use (Firewall Manager's rule groups included).
    pub capacity: u64,
    /// The ARNs its rules refer to.
    pub references: Vec<String>,
    /// Firewall Manager's part, when it keeps this web ACL.
    #[serde(default)]
    pub fms: FirewallManaged,
}

/// What Firewall Manager keeps in a web ACL: its rule groups (`FirewallManagerRuleGroup`
/// shapes: `Name`, `Priority`, `FirewallManagerStatement`, `OverrideAction`,
/// `VisibilityConfig`), run before and after the account's own rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct FirewallManaged {
    /// Firewall Manager created the web ACL and manages it.
    #[serde(default)]
    pub managed: bool,
    /// The rule groups run first, in priority order.
    #[serde(default)]
    pub pre: Vec<Value>,
    /// The rule groups run last, in priority order.
    #[serde(default)]
    pub post: Vec<Value>,
}

impl WebAclBody {
    /// The engine's definition of the ACL named `name` as evaluated: Firewall Manager's first
    /// rule groups, the account's own rules, Firewall Manager's last rule groups, numbered in
    /// that order.
    pub(crate) fn def(&self, name: &str) -> Result<WebAclDef, WafError> {
        if self.fms.pre.is_empty() && self.fms.post.is_empty() {
            return self.own_def(name);
        }
        let own = self
            .config
            .get("Rules")
            .cloned()
            .unwrap_or_else(|| json!([]));
        let rules = evaluation_order(&self.fms.pre, &own, &self.fms.post);
        model::parse(
            &config::with(&self.config, &[("Name", json!(name)), ("Rules", rules)]),
            "WEB_ACL",
        )
    }

    /// The engine's definition of the ACL named `name` with only the account's own rules.
    fn own_def(&self, name: &str) -> Result<WebAclDef, WafError> {
        model::parse(
            &config::with(&self.config, &[("Name", json!(name))]),
            "WEB_ACL",
        )
    }
}

/// The rules of one evaluation: `pre` groups, `own` rules, `post` groups, each set in its
/// priority order, numbered 0, 1, ... (a `FirewallManagerRuleGroup` becomes a rule whose
/// statement is its `FirewallManagerStatement`).
fn evaluation_order(pre: &[Value], own: &Value, post: &[Value]) -> Value {
    let by_priority = |rules: &mut Vec<Value>| {
        rules.sort_by_key(|r| r["Priority"].as_i64().unwrap_or_default());
    };
    let as_rule = |g: &Value| {
        let mut rule = g.clone();
        if let Some(o) = rule.as_object_mut()
            && let Some(statement) = o.remove("FirewallManagerStatement")
        {
            o.insert("Statement".to_owned(), statement);
        }
        rule
    };
    let (mut pre, mut post) = (pre.to_vec(), post.to_vec());
    let mut own = own.as_array().cloned().unwrap_or_default();
    for set in [&mut pre, &mut own, &mut post] {
        by_priority(set);
    }
    let all = pre
        .iter()
        .map(as_rule)
        .chain(own)
        .chain(post.iter().map(as_rule))
        .enumerate()
        .map(|(i, mut r)| {
            r["Priority"] = json!(i);
            r
        });
    Value::Array(all.collect())
}

/// A compiled web ACL with what it was compiled from.
pub(crate) struct Compiled {
    /// The compiled web ACL.
    pub acl: WebAcl,
    /// The entities it refers to (the account's and other accounts'), as read.
    pub touched: Vec<Item>,
    /// The other accounts whose rule groups and sets it uses.
    pub foreign_accounts: Vec<String>,
}

/// Compiles the web ACL `def` of `account` in `region` and `scope` with `opts`.
pub(crate) fn compile(
    store: &dyn Store,
    account: &AccountId,
    region: &str,
    scope: Scope,
    def: &WebAclDef,
    opts: &CompileOptions,
) -> Result<Compiled, AwsError> {
    let resolver = StoreResolver::new(store, account.as_str(), region, scope).with_shared_groups();
    let result = WebAcl::compile(def, &resolver, opts);
    if let Some(failure) = resolver.failure() {
        return Err(failure);
    }
    Ok(Compiled {
        acl: result.map_err(errors::from_engine)?,
        touched: resolver.touched(),
        foreign_accounts: resolver.foreign_accounts(),
    })
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("wafv2", "CreateWebACL", false, create);
    registry.register("wafv2", "GetWebACL", true, get);
    registry.register("wafv2", "UpdateWebACL", false, update);
    registry.register("wafv2", "DeleteWebACL", false, delete);
    registry.register("wafv2", "ListWebACLs", true, list);
    registry.register("wafv2", "CheckCapacity", true, check);
}

pub(crate) fn token_domains(v: Option<&Value>) -> Result<(), AwsError> {
    let Some(v) = v else { return Ok(()) };
    let domains: Vec<String> = serde_json::from_value(v.clone())
        .map_err(|e| errors::invalid("TOKEN_DOMAIN", e.to_string(), REASON_INVALID))?;
    if domains.len() > MAX_TOKEN_DOMAINS {
        return Err(errors::limits(
            "AWS WAF couldn\u{2019}t perform the operation because you exceeded your resource limit. A web ACL has at most 10 token domains.",
        ));
    }
    for d in &domains {
        let ok = (1..=253).contains(&d.len())
            && d.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-/".contains(&b));
        if !ok {
            return Err(errors::invalid("TOKEN_DOMAIN", d.clone(), REASON_INVALID));
        }
    }
    Ok(())
}

/// The resource types whose body inspection size an `AssociationConfig` may set.
const SIZED_RESOURCE_TYPES: [&str; 6] = [
    "CLOUDFRONT",
    "API_GATEWAY",
    "COGNITO_USER_POOL",
    "APP_RUNNER_SERVICE",
    "VERIFIED_ACCESS_INSTANCE",
    "AGENTCORE_GATEWAY",
];

/// Checks `AssociationConfig.RequestBody`: known resource types, sizes `KB_16` to `KB_64`.
fn association_config(def: &WebAclDef) -> Result<(), AwsError> {
    let sizes = def
        .association_config
        .iter()
        .flat_map(|a| a.request_body.iter().flatten());
    for (resource_type, config) in sizes {
        if !SIZED_RESOURCE_TYPES.contains(&resource_type.as_str()) {
            return Err(errors::invalid(
                "ASSOCIATED_RESOURCE_TYPE",
                resource_type.clone(),
                REASON_INVALID,
            ));
        }
        let limit = config.default_size_inspection_limit.as_str();
        if !matches!(limit, "KB_16" | "KB_32" | "KB_48" | "KB_64") {
            return Err(errors::invalid(
                "ASSOCIATED_RESOURCE_TYPE",
                limit,
                REASON_INVALID,
            ));
        }
    }
    Ok(())
}

/// `WAFNonexistentItemException` when the account's own rules refer to another account's IP
/// set or regex pattern set (only a rule group of that account may).
fn own_sets_only(call: &Call<'_>, own: &WebAclDef) -> Result<(), AwsError> {
    let foreign = references::of_rules(&own.rules).into_iter().any(|arn| {
        Location::parse_arn(&arn).is_some_and(|l| {
            matches!(l.kind, Kind::IpSet | Kind::RegexPatternSet)
                && l.account != call.principal.account.as_str()
        })
    });
    if foreign {
        return Err(errors::nonexistent());
    }
    Ok(())
}

/// Validates and compiles a definition for the caller, with Firewall Manager's part `fms`;
/// returns the body to store.
pub(crate) fn validate(
    call: &Call<'_>,
    scope: Scope,
    name: &str,
    config: Map<String, Value>,
    fms: FirewallManaged,
) -> Result<(WebAclBody, Vec<Item>), AwsError> {
    config::visibility(config.get("VisibilityConfig"))?;
    token_domains(config.get("TokenDomains"))?;
    let mut body = WebAclBody {
        config,
        capacity: 0,
        references: Vec::new(),
        fms,
    };
    let own = body.own_def(name).map_err(errors::from_engine)?;
    association_config(&own)?;
    own_sets_only(call, &own)?;
    let def = body.def(name).map_err(errors::from_engine)?;
    // Compile without a limit, then refuse over 5,000 WCU as AWS does: an invalid parameter
    // naming the WCU the rules need.
    let opts = CompileOptions {
        max_capacity: u64::MAX,
        ..CompileOptions::new(call.principal.account.clone())
    };
    let Compiled { acl, touched, .. } = compile(
        call.env.store.as_ref(),
        &call.principal.account,
        call.region.as_str(),
        scope,
        &def,
        &opts,
    )?;
    if acl.capacity() > MAX_WEB_ACL_CAPACITY {
        return Err(errors::invalid(
            "WEB_ACL",
            acl.capacity().to_string(),
            errors::REASON_CAPACITY,
        ));
    }
    body.capacity = acl.capacity();
    body.references = references::of_rules(&def.rules);
    Ok((body, touched))
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (name, scope, about) = entity::create_head(call, Kind::WebAcl, &input)?;
    let members = config::pick(&input, &MEMBERS);
    let (body, touched) = validate(call, scope, &name, members, FirewallManaged::default())?;
    let e = entity::create(call, scope, Kind::WebAcl, &name, about, body, &touched)?;
    Ok(json!({ "Summary": entity::summary(&e) }))
}

/// The `WebACL` shape of a stored ACL.
fn describe(e: &Entity<WebAclBody>, account: &str) -> Value {
    let mut v = config::with(
        &e.body.config,
        &[
            ("Name", json!(e.name)),
            ("Id", json!(e.id)),
            ("ARN", json!(e.arn)),
            ("Capacity", json!(e.body.capacity)),
            ("LabelNamespace", json!(web_acl_namespace(account, &e.name))),
            ("ManagedByFirewallManager", json!(e.body.fms.managed)),
            ("PreProcessFirewallManagerRuleGroups", json!(e.body.fms.pre)),
            (
                "PostProcessFirewallManagerRuleGroups",
                json!(e.body.fms.post),
            ),
            ("RetrofittedByFirewallManager", json!(false)),
        ],
    );
    v.as_object_mut()
        .map(|o| o.entry("Rules").or_insert_with(|| json!([])));
    if let Some(d) = &e.description {
        v["Description"] = d.clone().into();
    }
    v
}

fn get(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: entity::ByArnOrName = input::read(input, "WEB_ACL")?;
    let l = entity::load_by::<WebAclBody>(call, Kind::WebAcl, &i)?;
    Ok(json!({
        "WebACL": describe(&l.entity, &l.loc.account),
        "LockToken": l.entity.lock_token,
    }))
}

/// The `WebACL` shape and lock token of the stored ACL with `arn` (GetWebACLForResource).
pub(crate) fn describe_arn(call: &Call<'_>, arn: &str) -> Result<Option<Value>, AwsError> {
    let Some(loc) = crate::scope::Location::parse_arn(arn) else {
        return Ok(None);
    };
    Ok(entity::read::<WebAclBody>(call.env.store.as_ref(), &loc)?
        .map(|(e, _)| describe(&e, &loc.account)))
}

fn update(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (l, edit) = entity::load_for_update::<WebAclBody>(call, Kind::WebAcl, &input)?;
    let members = config::pick(&input, &MEMBERS);
    // Firewall Manager's rule groups are not the account's to change: they stay.
    let fms = l.entity.body.fms.clone();
    let (body, touched) = validate(call, l.loc.scope, &l.entity.name, members, fms)?;
    entity::redefine(call, l, edit, body, &touched)
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (l, token) = entity::load_for_delete::<WebAclBody>(call, Kind::WebAcl, input)?;
    if l.entity.body.fms.managed {
        return Err(errors::invalid_operation(
            "AWS WAF couldn\u{2019}t perform the operation because the web ACL is managed by Firewall Manager. Only Firewall Manager can delete it.",
        ));
    }
    remove(call, &l, &token)
}

/// Deletes the loaded web ACL under `token` (refused while it protects a resource), with its
/// samples and logging configuration.
pub(crate) fn remove(
    call: &Call<'_>,
    l: &entity::Loaded<WebAclBody>,
    token: &str,
) -> Result<Value, AwsError> {
    if associations::is_associated(call, &l.entity.arn)? {
        return Err(errors::associated());
    }
    let extra = crate::traffic::forget(call.env.store.as_ref(), &l.loc)?
        .delete(logging::key(&l.loc.space(), &l.entity.arn));
    entity::delete(call, l, token, extra)?;
    Ok(json!({}))
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ListInput = input::read(input, "WEB_ACL")?;
    list_of::<WebAclBody>(call, Kind::WebAcl, "WebACLs", i)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CheckInput {
    scope: String,
    rules: Value,
}

fn check(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: CheckInput = input::read(input, "RULE")?;
    let scope = Scope::parse(call, &i.scope)?;
    let rules: Vec<Rule> = model::parse(&i.rules, "RULE").map_err(errors::from_engine)?;
    let account = call.principal.account.to_string();
    let region = call.region.to_string();
    let resolver = StoreResolver::new(call.env.store.as_ref(), &account, &region, scope);
    let result = check_capacity(&rules, &resolver, &call.principal.account);
    if let Some(failure) = resolver.failure() {
        return Err(failure);
    }
    Ok(json!({ "Capacity": result.map_err(errors::from_engine)? }))
}
