//! Web ACLs another service keeps in an account on its own authority: Firewall Manager puts
//! its policy's rule groups first and last in a web ACL of each member account and associates
//! it with the load balancers in scope. Every change goes through this service's own
//! operations (the same validation, capacity checks and lock tokens a caller gets), called as
//! the member account's root under [`ServiceAuthority`].
//!
//! A rule group referenced from another account (the administrator's) is copied into the
//! member account with the IP sets and regex pattern sets it refers to (names prefixed
//! [`COPY_PREFIX`]), so the member's web ACL only refers to its own entities and follows a
//! change of the original at the next [`put_web_acl`].

use rampart_protocol::AwsError;
use rampart_service::{Call, Env, Principal, PrincipalKind, Registry, ServiceAuthority};
use rampart_types::{AccountId, Region};
use serde_json::{Map, Value, json};
use std::net::IpAddr;
use std::sync::OnceLock;

/// The name prefix of rules a manager puts first in a web ACL.
pub const PRE_PREFIX: &str = "PREFMManaged-";
/// The name prefix of rules a manager puts last in a web ACL.
pub const POST_PREFIX: &str = "POSTFMManaged-";
/// The name prefix of the copies of another account's rule groups and sets.
pub const COPY_PREFIX: &str = "FMManaged-";

/// One rule group a manager puts first or last: its rule's name, the group statement
/// (`{"RuleGroupReferenceStatement": ...}` or `{"ManagedRuleGroupStatement": ...}`) and the
/// override action (`{"None": {}}` or `{"Count": {}}`).
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedRule {
    /// The rule's name (starting with [`PRE_PREFIX`] or [`POST_PREFIX`]).
    pub name: String,
    /// The group statement.
    pub statement: Value,
    /// The override action.
    pub override_action: Value,
}

/// The web ACL a manager wants in one account and region.
#[derive(Debug, Clone)]
pub struct ManagedWebAcl {
    /// The member account.
    pub account: AccountId,
    /// The region.
    pub region: Region,
    /// Every name of this manager's web ACL starts with it (`FMManagedWebACLV2-<policy>-`).
    pub name_prefix: String,
    /// The name of the web ACL when one has to be created.
    pub new_name: String,
    /// The default action (`{"Allow": {}}` or `{"Block": {}}`).
    pub default_action: Value,
    /// Rule groups evaluated before the account's own rules, in order.
    pub pre: Vec<ManagedRule>,
    /// Rule groups evaluated after them, in order.
    pub post: Vec<ManagedRule>,
}

/// What [`protect`] found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protected {
    /// The resource already had this web ACL.
    Already,
    /// The web ACL was associated now.
    Associated,
    /// Another web ACL protects the resource and was left in place (its ARN).
    Other(String),
}

/// Creates or updates `want`'s web ACL: the pre rules, then the rules the account added
/// itself, then the post rules, renumbered in that order. Returns the web ACL's ARN. Nothing
/// is written when the stored web ACL (and the copies it refers to) already match.
pub fn put_web_acl(env: &Env, want: &ManagedWebAcl) -> Result<String, AwsError> {
    let at = Place::new(env, &want.account, &want.region);
    let pre = at.localize(&want.pre)?;
    let post = at.localize(&want.post)?;
    match at.find("ListWebACLs", "WebACLs", |n| {
        n.starts_with(&want.name_prefix)
    })? {
        Some(found) => {
            let got = at.op("GetWebACL", json!({"ARN": found.arn}))?;
            let acl = &got["WebACL"];
            let own: Vec<Value> = acl["Rules"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|r| !is_managers(r))
                .cloned()
                .collect();
            let rules = ordered(&pre, &own, &post);
            if acl["Rules"] == Value::Array(rules.clone())
                && acl["DefaultAction"] == want.default_action
            {
                return Ok(found.arn);
            }
            let mut input = keep_members(acl);
            input.insert("Name".into(), json!(found.name));
            input.insert("Scope".into(), json!("REGIONAL"));
            input.insert("Id".into(), json!(found.id));
            input.insert("LockToken".into(), got["LockToken"].clone());
            input.insert("DefaultAction".into(), want.default_action.clone());
            input.insert("Rules".into(), Value::Array(rules));
            at.op("UpdateWebACL", Value::Object(input))?;
            Ok(found.arn)
        }
        None => {
            let out = at.op(
                "CreateWebACL",
                json!({
                    "Name": want.new_name,
                    "Scope": "REGIONAL",
                    "DefaultAction": want.default_action,
                    "Description": "Managed by AWS Firewall Manager",
                    "Rules": ordered(&pre, &[], &post),
                    "VisibilityConfig": visibility(&want.new_name),
                }),
            )?;
            text(&out["Summary"], "ARN")
        }
    }
}

/// Associates `web_acl_arn` with `resource_arn` (both in `account`'s `region`) unless another
/// web ACL protects it and `replace` is false.
pub fn protect(
    env: &Env,
    account: &AccountId,
    region: &Region,
    web_acl_arn: &str,
    resource_arn: &str,
    replace: bool,
) -> Result<Protected, AwsError> {
    let at = Place::new(env, account, region);
    let current = at.op("GetWebACLForResource", json!({"ResourceArn": resource_arn}))?;
    match current["WebACL"]["ARN"].as_str() {
        Some(arn) if arn == web_acl_arn => return Ok(Protected::Already),
        Some(arn) if !replace => return Ok(Protected::Other(arn.to_owned())),
        _ => {}
    }
    at.op(
        "AssociateWebACL",
        json!({"WebACLArn": web_acl_arn, "ResourceArn": resource_arn}),
    )?;
    Ok(Protected::Associated)
}

/// The web ACL protecting `resource_arn` in `account`'s `region`, if any.
pub fn web_acl_of(
    env: &Env,
    account: &AccountId,
    region: &Region,
    resource_arn: &str,
) -> Result<Option<String>, AwsError> {
    let at = Place::new(env, account, region);
    let current = at.op("GetWebACLForResource", json!({"ResourceArn": resource_arn}))?;
    Ok(current["WebACL"]["ARN"].as_str().map(str::to_owned))
}

/// Removes the manager's web ACL named with `name_prefix` from `account`'s `region`: its
/// associations first, then the web ACL. Nothing happens when there is none.
pub fn remove_web_acl(
    env: &Env,
    account: &AccountId,
    region: &Region,
    name_prefix: &str,
) -> Result<(), AwsError> {
    let at = Place::new(env, account, region);
    let Some(found) = at.find("ListWebACLs", "WebACLs", |n| n.starts_with(name_prefix))? else {
        return Ok(());
    };
    let resources = at.op("ListResourcesForWebACL", json!({"WebACLArn": found.arn}))?;
    for arn in resources["ResourceArns"].as_array().into_iter().flatten() {
        at.op("DisassociateWebACL", json!({"ResourceArn": arn}))?;
    }
    at.op(
        "DeleteWebACL",
        json!({"Name": found.name, "Scope": "REGIONAL", "Id": found.id, "LockToken": found.lock_token}),
    )?;
    Ok(())
}

/// Whether a rule of a web ACL is one a manager put there.
fn is_managers(rule: &Value) -> bool {
    rule["Name"]
        .as_str()
        .is_some_and(|n| n.starts_with(PRE_PREFIX) || n.starts_with(POST_PREFIX))
}

/// The rules of a managed web ACL, priorities 0, 1, ... in evaluation order.
fn ordered(pre: &[ManagedRule], own: &[Value], post: &[ManagedRule]) -> Vec<Value> {
    let mut own: Vec<Value> = own.to_vec();
    own.sort_by_key(|r| r["Priority"].as_i64().unwrap_or_default());
    let rule = |r: &ManagedRule| {
        json!({
            "Name": r.name,
            "Statement": r.statement,
            "OverrideAction": r.override_action,
            "VisibilityConfig": visibility(&r.name),
        })
    };
    pre.iter()
        .map(rule)
        .chain(own)
        .chain(post.iter().map(rule))
        .enumerate()
        .map(|(i, mut r)| {
            r["Priority"] = json!(i);
            r
        })
        .collect()
}

fn visibility(name: &str) -> Value {
    let metric: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(128)
        .collect();
    json!({"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": metric})
}

/// The members of a described web ACL that an update sends back unchanged.
fn keep_members(acl: &Value) -> Map<String, Value> {
    const KEEP: [&str; 8] = [
        "Description",
        "VisibilityConfig",
        "CustomResponseBodies",
        "CaptchaConfig",
        "ChallengeConfig",
        "TokenDomains",
        "AssociationConfig",
        "DataProtectionConfig",
    ];
    KEEP.iter()
        .filter_map(|k| acl.get(*k).map(|v| ((*k).to_owned(), v.clone())))
        .collect()
}

fn text(v: &Value, member: &str) -> Result<String, AwsError> {
    v[member].as_str().map(str::to_owned).ok_or_else(internal)
}

fn internal() -> AwsError {
    AwsError::new(
        "WAFInternalErrorException",
        500,
        "Your request is valid, but WAF couldn\u{2019}t perform the operation because of a system problem. Retry your request.",
    )
}

/// The service's own operations, to call on a member's behalf.
fn operations() -> &'static Registry {
    static OPS: OnceLock<Registry> = OnceLock::new();
    OPS.get_or_init(|| {
        let mut r = Registry::new();
        crate::register(&mut r);
        r
    })
}

/// An entity found by listing: its name, id, ARN and lock token.
struct Found {
    name: String,
    id: String,
    arn: String,
    lock_token: String,
}

/// One account and region, where the manager acts as the account's root.
struct Place<'a> {
    env: &'a Env,
    account: &'a AccountId,
    region: &'a Region,
}

impl<'a> Place<'a> {
    fn new(env: &'a Env, account: &'a AccountId, region: &'a Region) -> Place<'a> {
        Place {
            env,
            account,
            region,
        }
    }

    /// Calls `operation` as `self.account`'s root on the service's authority.
    fn op(&self, operation: &str, input: Value) -> Result<Value, AwsError> {
        self.op_as(self.account, operation, input)
    }

    fn op_as(&self, account: &AccountId, operation: &str, input: Value) -> Result<Value, AwsError> {
        let principal = Principal {
            account: account.clone(),
            partition: self.env.partition,
            kind: PrincipalKind::Root,
            principal_id: account.to_string(),
            access_key_id: String::new(),
            session: None,
        };
        let call = Call {
            request_id: "firewall-manager",
            principal: &principal,
            region: self.region,
            source_ip: IpAddr::from([127, 0, 0, 1]),
            user_agent: "fms.amazonaws.com",
            env: self.env,
            guard: &ServiceAuthority,
        };
        let entry = operations().get("wafv2", operation).ok_or_else(internal)?;
        (entry.handler)(&call, input)
    }

    /// The first entity a `List*` operation shows whose name passes `wanted`.
    fn find(
        &self,
        operation: &str,
        member: &str,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<Option<Found>, AwsError> {
        let mut marker: Option<String> = None;
        loop {
            let mut input = json!({"Scope": "REGIONAL", "Limit": 100});
            if let Some(m) = &marker {
                input["NextMarker"] = json!(m);
            }
            let page = self.op(operation, input)?;
            for s in page[member].as_array().into_iter().flatten() {
                let name = text(s, "Name")?;
                if wanted(&name) {
                    return Ok(Some(Found {
                        name,
                        id: text(s, "Id")?,
                        arn: text(s, "ARN")?,
                        lock_token: text(s, "LockToken")?,
                    }));
                }
            }
            match page["NextMarker"].as_str() {
                Some(m) if !m.is_empty() => marker = Some(m.to_owned()),
                _ => return Ok(None),
            }
        }
    }

    /// `rules` with every rule group of another account replaced by the member's copy.
    fn localize(&self, rules: &[ManagedRule]) -> Result<Vec<ManagedRule>, AwsError> {
        let mut out = Vec::with_capacity(rules.len());
        for r in rules {
            let mut r = r.clone();
            if let Some(arn) = r.statement["RuleGroupReferenceStatement"]["ARN"].as_str()
                && let Some(owner) = foreign_owner(arn, self.account)
            {
                let copy = self.copy_rule_group(&owner, arn)?;
                r.statement["RuleGroupReferenceStatement"]["ARN"] = json!(copy);
            }
            out.push(r);
        }
        Ok(out)
    }

    /// Copies `owner`'s rule group `arn` (and the sets it refers to) into the member account,
    /// or brings the copy up to date; returns the copy's ARN.
    fn copy_rule_group(&self, owner: &AccountId, arn: &str) -> Result<String, AwsError> {
        let got = self.op_as(owner, "GetRuleGroup", json!({"ARN": arn}))?;
        let group = &got["RuleGroup"];
        let name = copy_name(&text(group, "Name")?);
        let mut rules = group["Rules"].clone();
        self.localize_sets(owner, &mut rules)?;
        match self.find("ListRuleGroups", "RuleGroups", |n| n == name)? {
            Some(found) => {
                let mine = self.op("GetRuleGroup", json!({"ARN": found.arn}))?;
                if mine["RuleGroup"]["Rules"] != rules {
                    self.op(
                        "UpdateRuleGroup",
                        json!({
                            "Name": found.name, "Scope": "REGIONAL", "Id": found.id,
                            "LockToken": mine["LockToken"], "Rules": rules,
                            "VisibilityConfig": group["VisibilityConfig"],
                        }),
                    )?;
                }
                Ok(found.arn)
            }
            None => {
                let out = self.op(
                    "CreateRuleGroup",
                    json!({
                        "Name": name, "Scope": "REGIONAL", "Capacity": group["Capacity"],
                        "Rules": rules, "VisibilityConfig": group["VisibilityConfig"],
                        "Description": "Copy kept by AWS Firewall Manager",
                    }),
                )?;
                text(&out["Summary"], "ARN")
            }
        }
    }

    /// Replaces, anywhere in `v`, references to `owner`'s IP sets and regex pattern sets by
    /// the member's up-to-date copies.
    fn localize_sets(&self, owner: &AccountId, v: &mut Value) -> Result<(), AwsError> {
        match v {
            Value::Array(items) => {
                for item in items {
                    self.localize_sets(owner, item)?;
                }
            }
            Value::Object(map) => {
                for (key, inner) in map.iter_mut() {
                    let copy = match key.as_str() {
                        "IPSetReferenceStatement" => Some(SetKind::Ip),
                        "RegexPatternSetReferenceStatement" => Some(SetKind::Regex),
                        _ => None,
                    };
                    if let Some(kind) = copy
                        && let Some(arn) = inner["ARN"].as_str()
                        && foreign_owner(arn, self.account).as_ref() == Some(owner)
                    {
                        let local = self.copy_set(owner, arn, kind)?;
                        inner["ARN"] = json!(local);
                    } else {
                        self.localize_sets(owner, inner)?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Copies (or updates the copy of) `owner`'s set `arn`; returns the copy's ARN.
    fn copy_set(&self, owner: &AccountId, arn: &str, kind: SetKind) -> Result<String, AwsError> {
        let got = self.op_as(owner, kind.get(), by_arn(arn)?)?;
        let set = &got[kind.member()];
        let name = copy_name(&text(set, "Name")?);
        let content = kind.content(set);
        match self.find(kind.list(), kind.listed(), |n| n == name)? {
            Some(found) => {
                let mine = self.op(kind.get(), by_arn(&found.arn)?)?;
                if kind.content(&mine[kind.member()]) != content {
                    let mut input = content;
                    input["Name"] = json!(found.name);
                    input["Scope"] = json!("REGIONAL");
                    input["Id"] = json!(found.id);
                    input["LockToken"] = mine["LockToken"].clone();
                    self.op(kind.update(), input)?;
                }
                Ok(found.arn)
            }
            None => {
                let mut input = content;
                input["Name"] = json!(name);
                input["Scope"] = json!("REGIONAL");
                if kind == SetKind::Ip {
                    input["IPAddressVersion"] = set["IPAddressVersion"].clone();
                }
                let out = self.op(kind.create(), input)?;
                text(&out["Summary"], "ARN")
            }
        }
    }
}

/// The kinds of set a copied rule group may refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetKind {
    Ip,
    Regex,
}

impl SetKind {
    fn get(self) -> &'static str {
        match self {
            SetKind::Ip => "GetIPSet",
            SetKind::Regex => "GetRegexPatternSet",
        }
    }
    fn create(self) -> &'static str {
        match self {
            SetKind::Ip => "CreateIPSet",
            SetKind::Regex => "CreateRegexPatternSet",
        }
    }
    fn update(self) -> &'static str {
        match self {
            SetKind::Ip => "UpdateIPSet",
            SetKind::Regex => "UpdateRegexPatternSet",
        }
    }
    fn list(self) -> &'static str {
        match self {
            SetKind::Ip => "ListIPSets",
            SetKind::Regex => "ListRegexPatternSets",
        }
    }
    fn listed(self) -> &'static str {
        match self {
            SetKind::Ip => "IPSets",
            SetKind::Regex => "RegexPatternSets",
        }
    }
    fn member(self) -> &'static str {
        match self {
            SetKind::Ip => "IPSet",
            SetKind::Regex => "RegexPatternSet",
        }
    }
    /// What an update sends: the addresses, or the patterns.
    fn content(self, set: &Value) -> Value {
        match self {
            SetKind::Ip => json!({"Addresses": set["Addresses"]}),
            SetKind::Regex => json!({"RegularExpressionList": set["RegularExpressionList"]}),
        }
    }
}

/// The owner of a WAF entity ARN when it is not `member`.
fn foreign_owner(arn: &str, member: &AccountId) -> Option<AccountId> {
    let owner = arn.split(':').nth(4)?;
    (owner != member.as_str())
        .then(|| owner.parse().ok())
        .flatten()
}

/// The `Name`, `Scope` and `Id` members naming the regional entity `arn`
/// (`arn:<partition>:wafv2:<region>:<account>:regional/<kind>/<name>/<id>`).
fn by_arn(arn: &str) -> Result<Value, AwsError> {
    let resource = arn.splitn(6, ':').nth(5).ok_or_else(internal)?;
    let mut parts = resource.split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("regional"), Some(_), Some(name), Some(id)) => {
            Ok(json!({"Name": name, "Scope": "REGIONAL", "Id": id}))
        }
        _ => Err(internal()),
    }
}

/// The name of the member's copy of an entity named `name` (at most 128 characters).
fn copy_name(name: &str) -> String {
    format!("{COPY_PREFIX}{name}").chars().take(128).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_service::testkit::{World, root_of};

    const ADMIN: &str = "111111111111";
    const MEMBER: &str = "222222222222";

    fn lb(account: &str, name: &str) -> String {
        format!(
            "arn:aws:elasticloadbalancing:us-east-1:{account}:loadbalancer/app/{name}/50dc6c495c0c9188"
        )
    }

    fn admin_group(w: &World, addresses: &[&str]) -> String {
        let admin = root_of(ADMIN);
        let ip = w
            .call_as(
                &admin,
                "wafv2",
                "CreateIPSet",
                json!({"Name": "blocked", "Scope": "REGIONAL", "IPAddressVersion": "IPV4", "Addresses": addresses}),
            )
            .unwrap();
        let group = w
            .call_as(
                &admin,
                "wafv2",
                "CreateRuleGroup",
                json!({
                    "Name": "org-block", "Scope": "REGIONAL", "Capacity": 10,
                    "VisibilityConfig": visibility("org-block"),
                    "Rules": [{"Name": "ip", "Priority": 1, "Action": {"Block": {}},
                        "Statement": {"IPSetReferenceStatement": {"ARN": ip["Summary"]["ARN"]}},
                        "VisibilityConfig": visibility("ip")}],
                }),
            )
            .unwrap();
        group["Summary"]["ARN"].as_str().unwrap().to_owned()
    }

    fn want(group: &str) -> ManagedWebAcl {
        ManagedWebAcl {
            account: MEMBER.parse().unwrap(),
            region: "us-east-1".parse().unwrap(),
            name_prefix: "FMManagedWebACLV2-p-".into(),
            new_name: "FMManagedWebACLV2-p-1700000000000".into(),
            default_action: json!({"Allow": {}}),
            pre: vec![ManagedRule {
                name: "PREFMManaged-p-1700000000000".into(),
                statement: json!({"RuleGroupReferenceStatement": {"ARN": group}}),
                override_action: json!({"None": {}}),
            }],
            post: vec![ManagedRule {
                name: "POSTFMManaged-p-1700000000001".into(),
                statement: json!({"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesSQLiRuleSet"}}),
                override_action: json!({"Count": {}}),
            }],
        }
    }

    fn member_acl(w: &World, arn: &str) -> Value {
        w.call_as(&root_of(MEMBER), "wafv2", "GetWebACL", json!({"ARN": arn}))
            .unwrap()
    }

    #[test]
    fn creates_the_web_acl_with_copies_and_keeps_the_accounts_own_rules_between() {
        let w = World::new(crate::register);
        let group = admin_group(&w, &["203.0.113.7/32"]);
        let spec = want(&group);
        let arn = put_web_acl(&w.env, &spec).unwrap();
        assert!(arn.contains(":222222222222:regional/webacl/FMManagedWebACLV2-p-1700000000000/"));
        let got = member_acl(&w, &arn);
        let rules = got["WebACL"]["Rules"].as_array().unwrap();
        assert_eq!(rules.len(), 2);
        let copied = rules[0]["Statement"]["RuleGroupReferenceStatement"]["ARN"]
            .as_str()
            .unwrap();
        assert!(copied.contains(":222222222222:regional/rulegroup/FMManaged-org-block/"));
        assert_eq!(rules[1]["Name"], "POSTFMManaged-p-1700000000001");
        assert_eq!(rules[1]["Priority"], 1);

        // The member adds a rule; the next put keeps it between the manager's groups.
        let token = got["LockToken"].clone();
        let mut mine = rules.clone();
        mine.push(json!({"Name": "own", "Priority": 5, "Action": {"Count": {}},
            "Statement": {"ByteMatchStatement": {"SearchString": "eA==", "FieldToMatch": {"UriPath": {}},
                "TextTransformations": [{"Priority": 0, "Type": "NONE"}], "PositionalConstraint": "CONTAINS"}},
            "VisibilityConfig": visibility("own")}));
        let id = got["WebACL"]["Id"].clone();
        w.call_as(
            &root_of(MEMBER),
            "wafv2",
            "UpdateWebACL",
            json!({
            "Name": "FMManagedWebACLV2-p-1700000000000", "Scope": "REGIONAL", "Id": id,
            "LockToken": token, "DefaultAction": {"Allow": {}}, "Rules": mine,
            "VisibilityConfig": visibility("x")}),
        )
        .unwrap();
        assert_eq!(put_web_acl(&w.env, &spec).unwrap(), arn);
        let names: Vec<Value> = member_acl(&w, &arn)["WebACL"]["Rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["Name"].clone())
            .collect();
        assert_eq!(
            names,
            vec![
                json!("PREFMManaged-p-1700000000000"),
                json!("own"),
                json!("POSTFMManaged-p-1700000000001")
            ]
        );
    }

    #[test]
    fn an_unchanged_put_writes_nothing_and_a_changed_original_updates_the_copy() {
        let w = World::new(crate::register);
        let group = admin_group(&w, &["203.0.113.7/32"]);
        let spec = want(&group);
        let arn = put_web_acl(&w.env, &spec).unwrap();
        let token = member_acl(&w, &arn)["LockToken"].clone();
        let groups = |w: &World| {
            w.call_as(
                &root_of(MEMBER),
                "wafv2",
                "ListRuleGroups",
                json!({"Scope": "REGIONAL"}),
            )
            .unwrap()
        };
        let copies = groups(&w);
        put_web_acl(&w.env, &spec).unwrap();
        assert_eq!(member_acl(&w, &arn)["LockToken"], token);
        assert_eq!(groups(&w), copies);

        let admin = root_of(ADMIN);
        let sets = w
            .call_as(&admin, "wafv2", "ListIPSets", json!({"Scope": "REGIONAL"}))
            .unwrap();
        let s = &sets["IPSets"][0];
        w.call_as(
            &admin,
            "wafv2",
            "UpdateIPSet",
            json!({"Name": s["Name"], "Scope": "REGIONAL",
            "Id": s["Id"], "LockToken": s["LockToken"], "Addresses": ["198.51.100.0/24"]}),
        )
        .unwrap();
        put_web_acl(&w.env, &spec).unwrap();
        let member = root_of(MEMBER);
        let copies = w
            .call_as(&member, "wafv2", "ListIPSets", json!({"Scope": "REGIONAL"}))
            .unwrap();
        assert_eq!(copies["IPSets"][0]["Name"], "FMManaged-blocked");
        let copy = w
            .call_as(
                &member,
                "wafv2",
                "GetIPSet",
                by_arn(copies["IPSets"][0]["ARN"].as_str().unwrap()).unwrap(),
            )
            .unwrap();
        assert_eq!(copy["IPSet"]["Addresses"], json!(["198.51.100.0/24"]));
    }

    #[test]
    fn protects_resources_and_leaves_another_web_acl_unless_told_to_replace_it() {
        let w = World::new(crate::register);
        let group = admin_group(&w, &["203.0.113.7/32"]);
        let spec = want(&group);
        let arn = put_web_acl(&w.env, &spec).unwrap();
        let member: AccountId = MEMBER.parse().unwrap();
        let region: Region = "us-east-1".parse().unwrap();
        let web = lb(MEMBER, "web");
        assert_eq!(
            protect(&w.env, &member, &region, &arn, &web, false).unwrap(),
            Protected::Associated
        );
        assert_eq!(
            protect(&w.env, &member, &region, &arn, &web, false).unwrap(),
            Protected::Already
        );
        assert_eq!(
            web_acl_of(&w.env, &member, &region, &web).unwrap(),
            Some(arn.clone())
        );

        let other = w
            .call_as(
                &root_of(MEMBER),
                "wafv2",
                "CreateWebACL",
                json!({"Name": "mine", "Scope": "REGIONAL",
                "DefaultAction": {"Allow": {}}, "VisibilityConfig": visibility("mine")}),
            )
            .unwrap()["Summary"]["ARN"]
            .as_str()
            .unwrap()
            .to_owned();
        let api = lb(MEMBER, "api");
        w.call_as(
            &root_of(MEMBER),
            "wafv2",
            "AssociateWebACL",
            json!({"WebACLArn": other, "ResourceArn": api}),
        )
        .unwrap();
        assert_eq!(
            protect(&w.env, &member, &region, &arn, &api, false).unwrap(),
            Protected::Other(other)
        );
        assert_eq!(
            protect(&w.env, &member, &region, &arn, &api, true).unwrap(),
            Protected::Associated
        );

        remove_web_acl(&w.env, &member, &region, "FMManagedWebACLV2-p-").unwrap();
        assert_eq!(web_acl_of(&w.env, &member, &region, &web).unwrap(), None);
        let left = w
            .call_as(
                &root_of(MEMBER),
                "wafv2",
                "ListWebACLs",
                json!({"Scope": "REGIONAL"}),
            )
            .unwrap();
        assert_eq!(left["WebACLs"].as_array().unwrap().len(), 1);
        remove_web_acl(&w.env, &member, &region, "FMManagedWebACLV2-p-").unwrap();
    }
}
