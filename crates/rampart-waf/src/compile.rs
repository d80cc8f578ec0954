//! Compiling web ACLs and rule groups: validation with AWS's errors, reference resolution,
//! capacity (WCU), and the compiled form [`WebAcl`] that [`crate::evaluate`] runs.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use rampart_types::AccountId;

use crate::action::{Act, ActionKind, check_bodies, exactly_one};
use crate::error::{REASON_BAD_REFERENCE, REASON_INVALID, WafError};
use crate::field::Field;
use crate::geo::{GeoLookup, NoGeo};
use crate::model::{
    self, CustomResponseBody, OverrideAction, Rule, RuleGroupDef, Statement, WebAclDef,
};
use crate::rate_rule::RateRule;
use crate::resolver::{Resolver, web_acl_namespace};
use crate::statement::{Stmt, Test, inspect_stmt};
use crate::transform::Chain;

/// The most WCU a web ACL may use.
pub const MAX_WEB_ACL_CAPACITY: u64 = 5_000;
/// The WCU included in a web ACL's base price.
pub const BASE_WEB_ACL_CAPACITY: u64 = 1_500;
/// The most WCU a rule group may declare.
pub const MAX_RULE_GROUP_CAPACITY: u64 = 5_000;
/// The ALB body inspection limit (fixed), and the default for other resource types below 16 KB.
pub const DEFAULT_BODY_LIMIT: usize = 8 * 1024;
/// The default CAPTCHA and challenge immunity time, seconds.
pub const DEFAULT_IMMUNITY_SECS: u64 = 300;

/// Settings of a compilation that do not come from the definition.
#[derive(Clone)]
pub struct CompileOptions {
    /// The owning account, for label namespaces.
    pub account: AccountId,
    /// How many body bytes are inspected (see [`body_inspection_limit`]).
    pub body_limit: usize,
    /// The IP-to-country database.
    pub geo: Arc<dyn GeoLookup>,
    /// The WCU limit (5,000 for web ACLs).
    pub max_capacity: u64,
}

impl CompileOptions {
    /// Defaults for `account`: 8 KB bodies (ALB), no geo database, 5,000 WCU.
    pub fn new(account: AccountId) -> CompileOptions {
        CompileOptions {
            account,
            body_limit: DEFAULT_BODY_LIMIT,
            geo: Arc::new(NoGeo),
            max_capacity: MAX_WEB_ACL_CAPACITY,
        }
    }
}

impl std::fmt::Debug for CompileOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompileOptions")
            .field("account", &self.account)
            .field("body_limit", &self.body_limit)
            .field("max_capacity", &self.max_capacity)
            .finish_non_exhaustive()
    }
}

/// The body inspection limit of a web ACL for a resource type (`APPLICATION_LOAD_BALANCER`,
/// `CLOUDFRONT`, `API_GATEWAY`, ...): 8 KB fixed for ALB and AppSync, else 16 KB by default or
/// the `AssociationConfig` setting (`KB_16` .. `KB_64`).
pub fn body_inspection_limit(def: &WebAclDef, resource_type: &str) -> usize {
    if matches!(resource_type, "APPLICATION_LOAD_BALANCER" | "APPSYNC") {
        return DEFAULT_BODY_LIMIT;
    }
    let configured = def
        .association_config
        .as_ref()
        .and_then(|a| a.request_body.as_ref())
        .and_then(|m| m.get(resource_type))
        .map(|c| c.default_size_inspection_limit.as_str());
    match configured {
        Some("KB_32") => 32 * 1024,
        Some("KB_48") => 48 * 1024,
        Some("KB_64") => 64 * 1024,
        _ => 16 * 1024,
    }
}

/// Shared state while compiling one web ACL: the resolver and the interned
/// component+transformation slots memoised per request.
pub(crate) struct Compiler<'r> {
    pub resolver: &'r dyn Resolver,
    slots: HashMap<(Field, Chain), usize>,
}

impl<'r> Compiler<'r> {
    fn new(resolver: &'r dyn Resolver) -> Compiler<'r> {
        Compiler {
            resolver,
            slots: HashMap::new(),
        }
    }

    pub(crate) fn field(
        &mut self,
        f: &model::FieldToMatch,
        pre_parse: Option<&Vec<model::TextTransformation>>,
    ) -> Result<Field, WafError> {
        let field = Field::compile(f, pre_parse.map_or(&[][..], Vec::as_slice))?;
        if field.is_fingerprint() {
            return Err(WafError::invalid(
                "FIELD_TO_MATCH",
                "FieldToMatch",
                REASON_INVALID,
            ));
        }
        Ok(field)
    }

    /// An inspection statement on `field` after `tts`, sharing the memo slot of identical pairs.
    pub(crate) fn inspect(
        &mut self,
        field: Field,
        tts: &[model::TextTransformation],
        test: Test,
        kind: &'static str,
    ) -> Result<Stmt, WafError> {
        if tts.is_empty() {
            return Err(WafError::invalid(
                "TEXT_TRANSFORMATION",
                "TextTransformations",
                REASON_INVALID,
            ));
        }
        let chain = Chain::compile(tts)?;
        let next = self.slots.len();
        let slot = *self
            .slots
            .entry((field.clone(), chain.clone()))
            .or_insert(next);
        Ok(inspect_stmt(slot, field, chain, test, kind))
    }
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub(crate) struct CRule {
    pub name: String,
    /// Fully qualified labels added on match.
    pub labels: Vec<String>,
    pub body: RuleBody,
    pub captcha_immunity: Option<u64>,
    pub challenge_immunity: Option<u64>,
    pub capacity: u64,
}

#[derive(Debug, Clone)]
pub(crate) enum RuleBody {
    Statement { stmt: Stmt, action: Act },
    Rate { rate: Box<RateRule>, action: Act },
    Group(Box<GroupRule>),
}

/// A rule group evaluated in place, with its overrides applied.
#[derive(Debug, Clone)]
pub(crate) struct GroupRule {
    /// The group as logs name it: `<vendor>#<name>` (managed) or its ARN.
    pub group_id: String,
    pub managed: bool,
    pub rules: Vec<CRule>,
    pub scope_down: Option<Stmt>,
    /// The `OverrideAction` is Count.
    pub count_override: bool,
    /// The group's declared capacity (what a reference costs).
    pub capacity: u64,
}

/// A compiled web ACL, ready for [`crate::evaluate`]. Cheap to share (`Arc`) across threads.
pub struct WebAcl {
    pub(crate) name: String,
    pub(crate) rules: Vec<CRule>,
    pub(crate) default: Act,
    pub(crate) slots: usize,
    pub(crate) body_limit: usize,
    pub(crate) geo: Arc<dyn GeoLookup>,
    pub(crate) capacity: u64,
    pub(crate) captcha_immunity: u64,
    pub(crate) challenge_immunity: u64,
}

impl std::fmt::Debug for WebAcl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebAcl")
            .field("name", &self.name)
            .field("rules", &self.rules.len())
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl WebAcl {
    /// Validates, resolves and compiles a web ACL definition. Errors: invalid rules
    /// (`WAFInvalidParameterException`), unknown references (`WAFNonexistentItemException`),
    /// capacity above `opts.max_capacity` (`WAFLimitsExceededException`).
    pub fn compile(
        def: &WebAclDef,
        resolver: &dyn Resolver,
        opts: &CompileOptions,
    ) -> Result<WebAcl, WafError> {
        check_name(&def.name, "WEB_ACL")?;
        check_bodies(def.custom_response_bodies.as_ref())?;
        let namespace = web_acl_namespace(opts.account.as_str(), &def.name);
        let mut c = Compiler::new(resolver);
        let container = Container {
            acl: &def.name,
            group_rule: None,
            namespace: &namespace,
            bodies: def.custom_response_bodies.as_ref(),
            in_group: false,
        };
        let rules = compile_rules(&def.rules, &mut c, &container)?;
        let capacity = rules_capacity(&rules);
        if capacity > opts.max_capacity {
            return Err(WafError::limits(format!(
                "The web ACL uses {capacity} WCUs, more than the limit of {}.",
                opts.max_capacity
            )));
        }
        Ok(WebAcl {
            name: def.name.clone(),
            rules,
            default: Act::default_action(&def.default_action, def.custom_response_bodies.as_ref())?,
            slots: c.slots.len(),
            body_limit: opts.body_limit,
            geo: opts.geo.clone(),
            capacity,
            captcha_immunity: immunity(def.captcha_config.as_ref(), "CAPTCHA_CONFIG")?
                .unwrap_or(DEFAULT_IMMUNITY_SECS),
            challenge_immunity: immunity(def.challenge_config.as_ref(), "CHALLENGE_CONFIG")?
                .unwrap_or(DEFAULT_IMMUNITY_SECS),
        })
    }

    /// The web ACL's capacity in WCU.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// The web ACL's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// `CheckCapacity`: the WCU of a list of rules (validated and resolved like a web ACL's).
pub fn check_capacity(
    rules: &[Rule],
    resolver: &dyn Resolver,
    account: &AccountId,
) -> Result<u64, WafError> {
    let namespace = web_acl_namespace(account.as_str(), "capacity-check");
    let mut c = Compiler::new(resolver);
    let container = Container {
        acl: "",
        group_rule: None,
        namespace: &namespace,
        bodies: None,
        in_group: false,
    };
    Ok(rules_capacity(&compile_rules_lenient_bodies(
        rules, &mut c, &container,
    )?))
}

/// Validates a rule group definition (as `CreateRuleGroup`/`UpdateRuleGroup` do) and returns
/// the WCU its rules use; more than the declared `Capacity` is `WAFLimitsExceededException`.
pub fn validate_rule_group(
    def: &RuleGroupDef,
    resolver: &dyn Resolver,
    account: &AccountId,
) -> Result<u64, WafError> {
    check_name(&def.name, "RULE_GROUP")?;
    if def.capacity == 0 || def.capacity > MAX_RULE_GROUP_CAPACITY {
        return Err(WafError::invalid(
            "RULE_GROUP",
            def.capacity.to_string(),
            REASON_INVALID,
        ));
    }
    check_bodies(def.custom_response_bodies.as_ref())?;
    let namespace = crate::resolver::rule_group_namespace(account.as_str(), &def.name);
    let mut c = Compiler::new(resolver);
    let container = Container {
        acl: "",
        group_rule: None,
        namespace: &namespace,
        bodies: def.custom_response_bodies.as_ref(),
        in_group: true,
    };
    let used = rules_capacity(&compile_rules(&def.rules, &mut c, &container)?);
    if used > def.capacity {
        return Err(WafError::limits(format!(
            "The rules use {used} WCUs, more than the rule group's capacity of {}.",
            def.capacity
        )));
    }
    Ok(used)
}

/// A rule group's `AvailableLabels` (what its rules add) and `ConsumedLabels` (what its label
/// match statements look for), fully qualified, sorted and deduplicated.
pub fn rule_group_labels(def: &RuleGroupDef, label_namespace: &str) -> (Vec<String>, Vec<String>) {
    let mut available: Vec<String> = def
        .rules
        .iter()
        .flat_map(|r| r.rule_labels.iter().flatten())
        .map(|l| format!("{label_namespace}{}", l.name))
        .collect();
    let mut consumed = Vec::new();
    for r in &def.rules {
        label_keys(&r.statement, label_namespace, &mut consumed);
    }
    available.sort();
    available.dedup();
    consumed.sort();
    consumed.dedup();
    (available, consumed)
}

fn label_keys(s: &Statement, namespace: &str, out: &mut Vec<String>) {
    match s {
        Statement::LabelMatchStatement(l) => {
            out.push(crate::statement::qualify_label(&l.key, namespace))
        }
        Statement::AndStatement(l) | Statement::OrStatement(l) => {
            l.statements
                .iter()
                .for_each(|c| label_keys(c, namespace, out));
        }
        Statement::NotStatement(n) => label_keys(&n.statement, namespace, out),
        Statement::RateBasedStatement(r) => {
            if let Some(sd) = &r.scope_down_statement {
                label_keys(sd, namespace, out);
            }
        }
        _ => {}
    }
}

/// Where rules are being compiled.
struct Container<'a> {
    acl: &'a str,
    group_rule: Option<&'a str>,
    namespace: &'a str,
    bodies: Option<&'a BTreeMap<String, CustomResponseBody>>,
    in_group: bool,
}

fn compile_rules_lenient_bodies(
    rules: &[Rule],
    c: &mut Compiler<'_>,
    k: &Container<'_>,
) -> Result<Vec<CRule>, WafError> {
    // CheckCapacity has no response bodies to resolve keys against: check rules with a body
    // map holding every referenced key.
    let mut bodies = BTreeMap::new();
    for r in rules {
        if let Some(model::RuleAction::Block(b)) = &r.action
            && let Some(key) = b
                .custom_response
                .as_ref()
                .and_then(|r| r.custom_response_body_key.clone())
        {
            bodies.insert(
                key,
                CustomResponseBody {
                    content_type: "TEXT_PLAIN".into(),
                    content: " ".into(),
                },
            );
        }
    }
    let k = Container {
        bodies: Some(&bodies),
        ..*k
    };
    compile_rules(rules, c, &k)
}

fn compile_rules(
    rules: &[Rule],
    c: &mut Compiler<'_>,
    k: &Container<'_>,
) -> Result<Vec<CRule>, WafError> {
    let mut names = HashSet::new();
    let mut priorities = HashSet::new();
    for r in rules {
        check_name(&r.name, "RULE")?;
        if !names.insert(r.name.as_str()) {
            return Err(WafError::invalid(
                "RULE",
                r.name.clone(),
                "A rule name must be unique.",
            ));
        }
        if r.priority < 0 || !priorities.insert(r.priority) {
            return Err(WafError::invalid(
                "RULE",
                r.priority.to_string(),
                "A rule priority must be unique.",
            ));
        }
    }
    let mut ordered: Vec<&Rule> = rules.iter().collect();
    ordered.sort_by_key(|r| r.priority);
    ordered.into_iter().map(|r| compile_rule(r, c, k)).collect()
}

fn compile_rule(r: &Rule, c: &mut Compiler<'_>, k: &Container<'_>) -> Result<CRule, WafError> {
    let group_statement = matches!(
        r.statement,
        Statement::RuleGroupReferenceStatement(_) | Statement::ManagedRuleGroupStatement(_)
    );
    if let Some(v) = &r.visibility_config {
        check_metric_name(&v.metric_name)?;
    }
    let labels = r.rule_labels.as_deref().unwrap_or_default();
    let labels = labels
        .iter()
        .map(|l| check_label(&l.name).map(|()| format!("{}{}", k.namespace, l.name)))
        .collect::<Result<Vec<_>, _>>()?;
    let captcha_immunity = immunity(r.captcha_config.as_ref(), "RULE")?;
    let challenge_immunity = immunity(r.challenge_config.as_ref(), "RULE")?;
    let body = if group_statement {
        if k.in_group {
            return Err(WafError::invalid(
                "RULE_GROUP_REFERENCE_STATEMENT",
                r.name.clone(),
                REASON_BAD_REFERENCE,
            ));
        }
        if r.action.is_some() || r.override_action.is_none() {
            return Err(exactly_one("OVERRIDE_ACTION", "OverrideAction"));
        }
        if !labels.is_empty() {
            return Err(WafError::invalid("RULE", "RuleLabels", REASON_INVALID));
        }
        RuleBody::Group(Box::new(compile_group_ref(r, c, k)?))
    } else {
        if r.override_action.is_some() || r.action.is_none() {
            return Err(exactly_one("RULE_ACTION", "RuleAction"));
        }
        let action = Act::compile(
            r.action
                .as_ref()
                .ok_or_else(|| exactly_one("RULE_ACTION", "RuleAction"))?,
            k.bodies,
        )?;
        match &r.statement {
            Statement::RateBasedStatement(rb) => {
                let rate = RateRule::compile(rb, c, k.namespace, k.acl, k.group_rule, &r.name)?;
                RuleBody::Rate {
                    rate: Box::new(rate),
                    action,
                }
            }
            s => RuleBody::Statement {
                stmt: Stmt::compile(s, c, k.namespace)?,
                action,
            },
        }
    };
    let capacity = match &body {
        RuleBody::Statement { stmt, .. } => stmt.capacity(),
        RuleBody::Rate { rate, .. } => rate.capacity(),
        RuleBody::Group(g) => g.capacity + g.scope_down.as_ref().map_or(0, Stmt::capacity),
    };
    Ok(CRule {
        name: r.name.clone(),
        labels,
        body,
        captcha_immunity,
        challenge_immunity,
        capacity,
    })
}

fn compile_group_ref(
    r: &Rule,
    c: &mut Compiler<'_>,
    k: &Container<'_>,
) -> Result<GroupRule, WafError> {
    let (resolved, overrides, excluded, scope_down, group_id) = match &r.statement {
        Statement::RuleGroupReferenceStatement(g) => {
            let resolved = c
                .resolver
                .rule_group(&g.arn)
                .ok_or_else(|| WafError::nonexistent(g.arn.clone()))?;
            (
                resolved,
                g.rule_action_overrides.as_deref(),
                g.excluded_rules.as_deref(),
                None,
                None,
            )
        }
        Statement::ManagedRuleGroupStatement(m) => {
            let resolved = c
                .resolver
                .managed_rule_group(&m.vendor_name, &m.name, m.version.as_deref())
                .ok_or_else(|| WafError::nonexistent(format!("{}/{}", m.vendor_name, m.name)))?;
            let scope_down = match &m.scope_down_statement {
                Some(s) => Some(Stmt::compile(s, c, k.namespace)?),
                None => None,
            };
            (
                resolved,
                m.rule_action_overrides.as_deref(),
                m.excluded_rules.as_deref(),
                scope_down,
                Some(format!("{}#{}", m.vendor_name, m.name)),
            )
        }
        _ => {
            return Err(WafError::invalid(
                "STATEMENT",
                r.name.clone(),
                REASON_INVALID,
            ));
        }
    };
    let def = resolved.def.clone();
    let inner = Container {
        acl: k.acl,
        group_rule: Some(&r.name),
        namespace: &resolved.label_namespace,
        bodies: def.custom_response_bodies.as_ref(),
        in_group: true,
    };
    let mut rules = compile_rules(&def.rules, c, &inner)?;
    for o in overrides.unwrap_or_default() {
        let Some(rule) = rules.iter_mut().find(|x| x.name == o.name) else {
            return Err(WafError::invalid(
                "RULE_ACTION",
                o.name.clone(),
                REASON_INVALID,
            ));
        };
        let action = Act::compile(&o.action_to_use, k.bodies)?;
        set_action(rule, action);
    }
    for e in excluded.unwrap_or_default() {
        let Some(rule) = rules.iter_mut().find(|x| x.name == e.name) else {
            return Err(WafError::invalid(
                "EXCLUDED_RULE",
                e.name.clone(),
                REASON_INVALID,
            ));
        };
        set_action(rule, Act::plain(ActionKind::Count));
    }
    let count_override = match &r.override_action {
        Some(OverrideAction::Count(h)) => {
            if h.custom_request_handling.is_some() {
                return Err(WafError::invalid(
                    "OVERRIDE_ACTION",
                    "CustomRequestHandling",
                    REASON_INVALID,
                ));
            }
            true
        }
        _ => false,
    };
    Ok(GroupRule {
        managed: group_id.is_some(),
        group_id: group_id.unwrap_or_else(|| match &r.statement {
            Statement::RuleGroupReferenceStatement(g) => g.arn.clone(),
            _ => def.name.clone(),
        }),
        rules,
        scope_down,
        count_override,
        capacity: def.capacity,
    })
}

/// The WCU of a container's rules: their sum, plus 1 per 5 labels the rules define.
fn rules_capacity(rules: &[CRule]) -> u64 {
    let labels: usize = rules.iter().map(|r| r.labels.len()).sum();
    rules.iter().map(|r| r.capacity).sum::<u64>() + labels.div_ceil(5) as u64
}

fn set_action(rule: &mut CRule, new: Act) {
    match &mut rule.body {
        RuleBody::Statement { action, .. } | RuleBody::Rate { action, .. } => *action = new,
        RuleBody::Group(_) => {}
    }
}

fn immunity(
    cfg: Option<&model::ImmunityConfig>,
    field: &'static str,
) -> Result<Option<u64>, WafError> {
    match cfg
        .and_then(|c| c.immunity_time_property.as_ref())
        .map(|p| p.immunity_time)
    {
        Some(t) if !(60..=259_200).contains(&t) => {
            Err(WafError::invalid(field, t.to_string(), REASON_INVALID))
        }
        other => Ok(other),
    }
}

/// `EntityName`: `^[\w\-]+$`, 1 to 128 characters.
fn check_name(name: &str, field: &'static str) -> Result<(), WafError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(WafError::invalid(field, name, REASON_INVALID))
    }
}

/// `MetricName`: `^[\w#:\.\-/]+$`, 1 to 255 characters.
fn check_metric_name(name: &str) -> Result<(), WafError> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'#' | b':' | b'.' | b'-' | b'/')
        });
    if ok {
        Ok(())
    } else {
        Err(WafError::invalid("METRIC_NAME", name, REASON_INVALID))
    }
}

/// `LabelName`: `^[0-9A-Za-z_\-:]+$`, parts of at most 128 characters, at most 5 namespaces.
fn check_label(name: &str) -> Result<(), WafError> {
    let parts: Vec<&str> = name.split(':').collect();
    let ok = !name.is_empty()
        && name.len() <= 1024
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':'))
        && parts.len() <= 6
        && parts.iter().all(|p| !p.is_empty() && p.len() <= 128);
    if ok {
        Ok(())
    } else {
        Err(WafError::invalid("RULE", name, REASON_INVALID))
    }
}

/// A stable fingerprint of a statement's definition (rate counters reset when it changes).
pub(crate) fn fingerprint(s: &impl serde::Serialize) -> u64 {
    let mut h = DefaultHasher::new();
    serde_json::to_string(s).unwrap_or_default().hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests;
