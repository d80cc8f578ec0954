//! Web ACLs another service keeps in an account on its own authority: Firewall Manager keeps
//! a web ACL in each member account whose `PreProcessFirewallManagerRuleGroups` and
//! `PostProcessFirewallManagerRuleGroups` hold its policy's rule groups (referred to where
//! they are: the administrator's own rule group ARN, or a managed group), with
//! `ManagedByFirewallManager` true, and associates it with the load balancers in scope. The
//! account's own `Rules` stay the account's; it cannot delete the web ACL. Reads and
//! associations go through this service's own operations, called as the member account's root
//! under [`ServiceAuthority`]; the Firewall Manager part is written with the same validation,
//! capacity check and new lock token an UpdateWebACL gets.

use crate::associations;
use crate::entity::{self, About};
use crate::scope::{Kind, Location, Scope};
use crate::web_acls::{self, FirewallManaged, WebAclBody};
use rampart_protocol::AwsError;
use rampart_service::{Call, Env, Principal, PrincipalKind, Registry, ServiceAuthority};
use rampart_store::Batch;
use rampart_types::{AccountId, Region};
use serde_json::{Map, Value, json};
use std::net::IpAddr;
use std::sync::OnceLock;

/// The name prefix of the rule groups a manager puts first in a web ACL.
pub const PRE_PREFIX: &str = "PREFMManaged-";
/// The name prefix of the rule groups a manager puts last in a web ACL.
pub const POST_PREFIX: &str = "POSTFMManaged-";

/// One rule group a manager puts first or last: its name, the group statement
/// (`{"RuleGroupReferenceStatement": ...}` or `{"ManagedRuleGroupStatement": ...}`) and the
/// override action (`{"None": {}}` or `{"Count": {}}`).
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedRule {
    /// The group's name in the web ACL (starting with [`PRE_PREFIX`] or [`POST_PREFIX`]).
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

/// Creates or updates `want`'s web ACL: the pre and post rule groups as Firewall Manager's
/// (priorities 0, 1, ... in the order given), the default action, the account's own rules
/// kept. Returns the web ACL's ARN. Nothing is written when the stored web ACL already
/// matches.
pub fn put_web_acl(env: &Env, want: &ManagedWebAcl) -> Result<String, AwsError> {
    let at = Place::new(env, &want.account, &want.region);
    let fms = FirewallManaged {
        managed: true,
        pre: groups(&want.pre),
        post: groups(&want.post),
    };
    let found = at.web_acl_named(&want.name_prefix)?;
    at.with_call(|call| match found {
        Some(found) => {
            let loc = Location::caller_arn(call, &found.arn, Kind::WebAcl)?;
            let loaded = entity::load::<WebAclBody>(call, loc)?;
            let body = &loaded.entity.body;
            let mut config = body.config.clone();
            let own = own_rules(&config);
            if body.fms == fms
                && config.get("DefaultAction") == Some(&want.default_action)
                && config.get("Rules").is_none_or(|r| *r == own)
            {
                return Ok(found.arn);
            }
            config.insert("DefaultAction".into(), want.default_action.clone());
            config.insert("Rules".into(), own);
            let (body, touched) =
                web_acls::validate(call, loaded.loc.scope, &loaded.entity.name, config, fms)?;
            let extra = entity::touching(Batch::new(), &touched);
            entity::save_with(call, loaded, None, extra, |e| e.body = body)?;
            Ok(found.arn)
        }
        None => {
            let config: Map<String, Value> = [
                ("DefaultAction", want.default_action.clone()),
                ("Rules", json!([])),
                ("VisibilityConfig", visibility(&want.new_name)),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
            let scope = Scope::Regional;
            let (body, touched) = web_acls::validate(call, scope, &want.new_name, config, fms)?;
            let about = About {
                description: Some("Managed by AWS Firewall Manager".to_owned()),
                ..About::default()
            };
            let e = entity::create(
                call,
                scope,
                Kind::WebAcl,
                &want.new_name,
                about,
                body,
                &touched,
            )?;
            Ok(e.arn)
        }
    })
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
    let Some(found) = at.web_acl_named(name_prefix)? else {
        return Ok(());
    };
    let resources = at.op("ListResourcesForWebACL", json!({"WebACLArn": found.arn}))?;
    for arn in resources["ResourceArns"].as_array().into_iter().flatten() {
        at.op("DisassociateWebACL", json!({"ResourceArn": arn}))?;
    }
    // The account may not delete a web ACL Firewall Manager manages; the manager may.
    at.on_web_acl(&found.arn, delete_loaded)
}

/// Deletes a loaded web ACL under its current lock token (refused while it protects anything).
fn delete_loaded(call: &Call<'_>, loaded: entity::Loaded<WebAclBody>) -> Result<(), AwsError> {
    let token = loaded.entity.lock_token.clone();
    web_acls::remove(call, &loaded, &token).map(|_| ())
}

/// Lets go of the manager's web ACL named with `name_prefix` in `account`'s `region` (its
/// policy was deleted without cleaning up): the manager's rule groups leave it and it becomes
/// the account's own (`ManagedByFirewallManager` false), still protecting its resources with
/// the account's rules and default action; one that protects nothing is deleted, as AWS's
/// DeletePolicy does even without `DeleteAllPolicyResources`. Afterwards nothing of the
/// account refers to the manager's rule groups, so their owner may delete them. Nothing
/// happens when there is no such web ACL, or it is no longer managed.
pub fn release_web_acl(
    env: &Env,
    account: &AccountId,
    region: &Region,
    name_prefix: &str,
) -> Result<(), AwsError> {
    let at = Place::new(env, account, region);
    let Some(found) = at.web_acl_named(name_prefix)? else {
        return Ok(());
    };
    at.on_web_acl(&found.arn, |call, loaded| {
        if !loaded.entity.body.fms.managed {
            return Ok(());
        }
        if !associations::is_associated(call, &loaded.entity.arn)? {
            return delete_loaded(call, loaded);
        }
        let config = loaded.entity.body.config.clone();
        let (body, touched) = web_acls::validate(
            call,
            loaded.loc.scope,
            &loaded.entity.name,
            config,
            FirewallManaged::default(),
        )?;
        let extra = entity::touching(Batch::new(), &touched);
        entity::save_with(call, loaded, None, extra, |e| e.body = body).map(|_| ())
    })
}

/// The `FirewallManagerRuleGroup` shapes of `rules`, priorities in their order.
fn groups(rules: &[ManagedRule]) -> Vec<Value> {
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "Name": r.name,
                "Priority": i,
                "FirewallManagerStatement": r.statement,
                "OverrideAction": r.override_action,
                "VisibilityConfig": visibility(&r.name),
            })
        })
        .collect()
}

/// The account's own rules of a stored definition (without the rules an earlier rampart put
/// among them for the manager's groups).
fn own_rules(config: &Map<String, Value>) -> Value {
    let own = config
        .get("Rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| {
            !r["Name"]
                .as_str()
                .is_some_and(|n| n.starts_with(PRE_PREFIX) || n.starts_with(POST_PREFIX))
        })
        .cloned()
        .collect();
    Value::Array(own)
}

fn visibility(name: &str) -> Value {
    let metric: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(128)
        .collect();
    json!({"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": metric})
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

/// An entity found by listing: its ARN.
struct Found {
    arn: String,
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

    /// Runs `f` with a call as `self.account`'s root on the service's authority.
    fn with_call<T>(&self, f: impl FnOnce(&Call<'_>) -> T) -> T {
        let principal = Principal {
            account: self.account.clone(),
            partition: self.env.partition,
            kind: PrincipalKind::Root,
            principal_id: self.account.to_string(),
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
        f(&call)
    }

    /// The manager's web ACL here whose name starts with `name_prefix`, if any.
    fn web_acl_named(&self, name_prefix: &str) -> Result<Option<Found>, AwsError> {
        self.find("ListWebACLs", "WebACLs", |n| n.starts_with(name_prefix))
    }

    /// Runs `f` with a call as `self.account`'s root and its web ACL `arn`, loaded.
    fn on_web_acl<T>(
        &self,
        arn: &str,
        f: impl FnOnce(&Call<'_>, entity::Loaded<WebAclBody>) -> Result<T, AwsError>,
    ) -> Result<T, AwsError> {
        self.with_call(|call| {
            let loc = Location::caller_arn(call, arn, Kind::WebAcl)?;
            f(call, entity::load::<WebAclBody>(call, loc)?)
        })
    }

    /// Calls the service's `operation` as `self.account`'s root on the service's authority.
    fn op(&self, operation: &str, input: Value) -> Result<Value, AwsError> {
        let entry = operations().get("wafv2", operation).ok_or_else(internal)?;
        self.with_call(|call| (entry.handler)(call, input))
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
                if wanted(&text(s, "Name")?) {
                    return Ok(Some(Found {
                        arn: text(s, "ARN")?,
                    }));
                }
            }
            match page["NextMarker"].as_str() {
                Some(m) if !m.is_empty() => marker = Some(m.to_owned()),
                _ => return Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_service::testkit::{World, root_of};
    use rampart_waf::{ActionKind, NoGeo, RateTracker, Request, evaluate};
    use std::sync::Arc;

    const ADMIN: &str = "111111111111";
    const MEMBER: &str = "222222222222";

    fn lb(account: &str, name: &str) -> String {
        format!(
            "arn:aws:elasticloadbalancing:us-east-1:{account}:loadbalancer/app/{name}/50dc6c495c0c9188"
        )
    }

    fn as_admin(w: &World, op: &str, input: Value) -> Value {
        w.call_as(&root_of(ADMIN), "wafv2", op, input)
            .unwrap_or_else(|e| panic!("{op}: {}", e.message))
    }

    fn as_member(w: &World, op: &str, input: Value) -> Result<Value, AwsError> {
        w.call_as(&root_of(MEMBER), "wafv2", op, input)
    }

    /// The administrator's IP set and a rule group blocking it: (IP set summary, group ARN).
    fn admin_group(w: &World, addresses: &[&str]) -> (Value, String) {
        let ip = as_admin(
            w,
            "CreateIPSet",
            json!({"Name": "blocked", "Scope": "REGIONAL", "IPAddressVersion": "IPV4", "Addresses": addresses}),
        );
        let group = as_admin(
            w,
            "CreateRuleGroup",
            json!({
                "Name": "org-block", "Scope": "REGIONAL", "Capacity": 10,
                "VisibilityConfig": visibility("org-block"),
                "Rules": [{"Name": "ip", "Priority": 1, "Action": {"Block": {}},
                    "Statement": {"IPSetReferenceStatement": {"ARN": ip["Summary"]["ARN"]}},
                    "VisibilityConfig": visibility("ip")}],
            }),
        );
        (
            ip["Summary"].clone(),
            group["Summary"]["ARN"].as_str().unwrap().to_owned(),
        )
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

    /// The member account and its region.
    fn member_place() -> (AccountId, Region) {
        (MEMBER.parse().unwrap(), "us-east-1".parse().unwrap())
    }

    /// The administrator's group (blocking 203.0.113.7) on the member's load balancer `web`
    /// through the manager's web ACL: (IP set summary, group ARN, web ACL ARN, load balancer).
    fn protected_member(w: &World) -> (Value, String, String, String) {
        let (ip, group) = admin_group(w, &["203.0.113.7/32"]);
        let arn = put_web_acl(&w.env, &want(&group)).unwrap();
        let (member, region) = member_place();
        let web = lb(MEMBER, "web");
        protect(&w.env, &member, &region, &arn, &web, false).unwrap();
        (ip, group, arn, web)
    }

    fn member_acl(w: &World, arn: &str) -> Value {
        as_member(w, "GetWebACL", json!({"ARN": arn})).unwrap()
    }

    fn own_rule(name: &str, priority: u64) -> Value {
        json!({"Name": name, "Priority": priority, "Action": {"Count": {}},
            "Statement": {"ByteMatchStatement": {"SearchString": "eA==", "FieldToMatch": {"UriPath": {}},
                "TextTransformations": [{"Priority": 0, "Type": "NONE"}], "PositionalConstraint": "CONTAINS"}},
            "VisibilityConfig": visibility(name)})
    }

    #[test]
    fn the_web_acl_shows_the_policys_groups_apart_from_the_accounts_rules() {
        let w = World::new(crate::register);
        let (_, group) = admin_group(&w, &["203.0.113.7/32"]);
        let spec = want(&group);
        let arn = put_web_acl(&w.env, &spec).unwrap();
        assert!(arn.contains(":222222222222:regional/webacl/FMManagedWebACLV2-p-1700000000000/"));
        let got = member_acl(&w, &arn);
        let acl = &got["WebACL"];
        assert_eq!(acl["ManagedByFirewallManager"], true);
        assert_eq!(acl["RetrofittedByFirewallManager"], false);
        assert_eq!(acl["Rules"], json!([]));
        assert_eq!(acl["Description"], "Managed by AWS Firewall Manager");
        // The administrator's own rule group, referred to where it is: nothing is copied.
        assert_eq!(
            acl["PreProcessFirewallManagerRuleGroups"],
            json!([{
                "Name": "PREFMManaged-p-1700000000000", "Priority": 0,
                "FirewallManagerStatement": {"RuleGroupReferenceStatement": {"ARN": group}},
                "OverrideAction": {"None": {}},
                "VisibilityConfig": visibility("PREFMManaged-p-1700000000000"),
            }])
        );
        let post = &acl["PostProcessFirewallManagerRuleGroups"][0];
        assert_eq!(post["Name"], "POSTFMManaged-p-1700000000001");
        assert_eq!(
            post["FirewallManagerStatement"]["ManagedRuleGroupStatement"]["Name"],
            "AWSManagedRulesSQLiRuleSet"
        );
        assert_eq!(post["OverrideAction"], json!({"Count": {}}));
        // The groups' capacity counts: 10 for the administrator's group, more for SQLi.
        assert!(acl["Capacity"].as_u64().unwrap() > 10);
        for (op, listed) in [("ListRuleGroups", "RuleGroups"), ("ListIPSets", "IPSets")] {
            let out = as_member(&w, op, json!({"Scope": "REGIONAL"})).unwrap();
            assert_eq!(out[listed], json!([]), "{op}");
        }
        // ListWebACLs' summaries have no such member (WebACLSummary).
        let listed = as_member(&w, "ListWebACLs", json!({"Scope": "REGIONAL"})).unwrap();
        assert!(
            listed["WebACLs"][0]
                .get("ManagedByFirewallManager")
                .is_none()
        );
    }

    #[test]
    fn the_account_edits_its_own_rules_but_cannot_remove_the_managers() {
        let w = World::new(crate::register);
        let (_, group) = admin_group(&w, &["203.0.113.7/32"]);
        let spec = want(&group);
        let arn = put_web_acl(&w.env, &spec).unwrap();
        let got = member_acl(&w, &arn);
        let (id, token) = (got["WebACL"]["Id"].clone(), got["LockToken"].clone());
        let name = "FMManagedWebACLV2-p-1700000000000";
        // An update with the account's rules only keeps Firewall Manager's groups.
        let next = as_member(
            &w,
            "UpdateWebACL",
            json!({"Name": name, "Scope": "REGIONAL", "Id": id, "LockToken": token,
                "DefaultAction": {"Allow": {}}, "Rules": [own_rule("own", 5)],
                "VisibilityConfig": visibility("x")}),
        )
        .unwrap()["NextLockToken"]
            .clone();
        let got = member_acl(&w, &arn);
        assert_eq!(got["WebACL"]["Rules"], json!([own_rule("own", 5)]));
        assert_eq!(
            got["WebACL"]["PreProcessFirewallManagerRuleGroups"][0]["Name"],
            "PREFMManaged-p-1700000000000"
        );
        assert_eq!(
            got["WebACL"]["PostProcessFirewallManagerRuleGroups"][0]["Name"],
            "POSTFMManaged-p-1700000000001"
        );
        // An unchanged policy writes nothing; the account's rule stays.
        assert_eq!(put_web_acl(&w.env, &spec).unwrap(), arn);
        assert_eq!(member_acl(&w, &arn)["LockToken"], next);
        assert_eq!(
            member_acl(&w, &arn)["WebACL"]["Rules"],
            json!([own_rule("own", 5)])
        );
        // The account's own rules may not use the administrator's IP set directly.
        let admin_set =
            as_admin(&w, "ListIPSets", json!({"Scope": "REGIONAL"}))["IPSets"][0]["ARN"].clone();
        let sneaky = json!({"Name": "sneaky", "Priority": 9, "Action": {"Block": {}},
            "Statement": {"IPSetReferenceStatement": {"ARN": admin_set}},
            "VisibilityConfig": visibility("sneaky")});
        let e = as_member(
            &w,
            "UpdateWebACL",
            json!({"Name": name, "Scope": "REGIONAL", "Id": id, "LockToken": next,
                "DefaultAction": {"Allow": {}}, "Rules": [sneaky],
                "VisibilityConfig": visibility("x")}),
        )
        .unwrap_err();
        assert_eq!(e.code, "WAFNonexistentItemException");
        // Only Firewall Manager deletes the web ACL (DeleteWebACL: "You can only use this if
        // ManagedByFirewallManager is false in the web ACL").
        let e = as_member(
            &w,
            "DeleteWebACL",
            json!({"Name": name, "Scope": "REGIONAL", "Id": id, "LockToken": next}),
        )
        .unwrap_err();
        assert_eq!(e.code, "WAFInvalidOperationException");
        let (member, region) = member_place();
        remove_web_acl(&w.env, &member, &region, "FMManagedWebACLV2-p-").unwrap();
        let left = as_member(&w, "ListWebACLs", json!({"Scope": "REGIONAL"})).unwrap();
        assert_eq!(left["WebACLs"], json!([]));
    }

    #[test]
    fn the_administrators_changes_reach_the_members_data_plane() {
        let w = World::new(crate::register);
        let (ip, group, arn, web) = protected_member(&w);
        // The account's own rule blocks what carries a label of the administrator's group.
        let got = member_acl(&w, &arn);
        let labelled = json!({"Name": "after", "Priority": 0, "Action": {"Block": {}},
            "Statement": {"LabelMatchStatement": {"Scope": "LABEL",
                "Key": format!("awswaf:{ADMIN}:rulegroup:org-block:listed")}},
            "VisibilityConfig": visibility("after")});
        as_member(
            &w,
            "UpdateWebACL",
            json!({"Name": got["WebACL"]["Name"], "Scope": "REGIONAL", "Id": got["WebACL"]["Id"],
                "LockToken": got["LockToken"], "DefaultAction": {"Allow": {}},
                "Rules": [labelled], "VisibilityConfig": visibility("x")}),
        )
        .unwrap();

        let evaluators = crate::Evaluators::new(Arc::new(NoGeo));
        let store = w.env.store.as_ref();
        let mut rate = RateTracker::default();
        let from =
            |ip: &str| Request::new("GET", b"/", ip.parse().unwrap()).with_header("Host", "x");
        let p = evaluators.for_resource(store, &web).unwrap().unwrap();
        assert_eq!(p.web_acl_arn, arn);
        let v = evaluate(&p.acl, &from("203.0.113.7"), &mut rate, 1);
        assert_eq!(v.action, ActionKind::Block);
        let by = v.terminating_rule.unwrap();
        assert_eq!(by.rule, "PREFMManaged-p-1700000000000");
        assert_eq!(by.group.as_deref(), Some(group.as_str()));
        assert_eq!(
            evaluate(&p.acl, &from("198.51.100.9"), &mut rate, 1).action,
            ActionKind::Allow
        );
        // The administrator changes its IP set: the member's compiled ACL follows at once,
        // without Firewall Manager running again.
        let token = as_admin(
            &w,
            "GetIPSet",
            json!({"Name": "blocked", "Scope": "REGIONAL", "Id": ip["Id"]}),
        )["LockToken"]
            .clone();
        as_admin(
            &w,
            "UpdateIPSet",
            json!({"Name": "blocked", "Scope": "REGIONAL", "Id": ip["Id"],
                "LockToken": token, "Addresses": ["198.51.100.0/24"]}),
        );
        let p = evaluators.for_resource(store, &web).unwrap().unwrap();
        assert_eq!(
            evaluate(&p.acl, &from("198.51.100.9"), &mut rate, 2).action,
            ActionKind::Block
        );
        assert_eq!(
            evaluate(&p.acl, &from("203.0.113.7"), &mut rate, 2).action,
            ActionKind::Allow
        );
        // And its rule group: the block becomes a count, whose label the account's own rule
        // (evaluated after the group, in the same evaluation) blocks on.
        let got = as_admin(&w, "ListRuleGroups", json!({"Scope": "REGIONAL"}));
        let g = &got["RuleGroups"][0];
        as_admin(
            &w,
            "UpdateRuleGroup",
            json!({"Name": "org-block", "Scope": "REGIONAL", "Id": g["Id"],
                "LockToken": g["LockToken"], "VisibilityConfig": visibility("org-block"),
                "Rules": [{"Name": "ip", "Priority": 1, "Action": {"Count": {}},
                    "RuleLabels": [{"Name": "listed"}],
                    "Statement": {"IPSetReferenceStatement": {"ARN": ip["ARN"]}},
                    "VisibilityConfig": visibility("ip")}]}),
        );
        let p = evaluators.for_resource(store, &web).unwrap().unwrap();
        let v = evaluate(&p.acl, &from("198.51.100.9"), &mut rate, 3);
        assert_eq!(v.action, ActionKind::Block);
        assert_eq!(v.terminating_rule.unwrap().rule, "after");
        assert!(
            v.labels
                .contains(&format!("awswaf:{ADMIN}:rulegroup:org-block:listed")),
            "{:?}",
            v.labels
        );
        assert_eq!(
            evaluate(&p.acl, &from("203.0.113.7"), &mut rate, 3).action,
            ActionKind::Allow
        );
        // Unchanged since: the compiled ACL is reused.
        let again = evaluators.for_resource(store, &web).unwrap().unwrap();
        assert!(Arc::ptr_eq(&p.acl, &again.acl));
    }

    #[test]
    fn protects_resources_and_leaves_another_web_acl_unless_told_to_replace_it() {
        let w = World::new(crate::register);
        let (_, group) = admin_group(&w, &["203.0.113.7/32"]);
        let arn = put_web_acl(&w.env, &want(&group)).unwrap();
        let (member, region) = member_place();
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
        let other = as_member(
            &w,
            "CreateWebACL",
            json!({"Name": "mine", "Scope": "REGIONAL",
                "DefaultAction": {"Allow": {}}, "VisibilityConfig": visibility("mine")}),
        )
        .unwrap()["Summary"]["ARN"]
            .as_str()
            .unwrap()
            .to_owned();
        let got = member_acl(&w, &other);
        assert_eq!(got["WebACL"]["ManagedByFirewallManager"], false);
        let api = lb(MEMBER, "api");
        as_member(
            &w,
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
        let left = as_member(&w, "ListWebACLs", json!({"Scope": "REGIONAL"})).unwrap();
        assert_eq!(left["WebACLs"].as_array().unwrap().len(), 1);
        remove_web_acl(&w.env, &member, &region, "FMManagedWebACLV2-p-").unwrap();
    }

    /// The DeleteRuleGroup input for the administrator's group, with its current lock token.
    fn group_delete(w: &World) -> Value {
        let g = &as_admin(w, "ListRuleGroups", json!({"Scope": "REGIONAL"}))["RuleGroups"][0];
        json!({"Name": g["Name"], "Scope": "REGIONAL", "Id": g["Id"], "LockToken": g["LockToken"]})
    }

    fn admin_delete(w: &World, op: &str, input: Value) -> Result<Value, AwsError> {
        w.call_as(&root_of(ADMIN), "wafv2", op, input)
    }

    #[test]
    fn a_group_members_use_is_not_deleted_until_the_manager_releases_their_web_acls() {
        let w = World::new(crate::register);
        let (ip, group, arn, web) = protected_member(&w);
        let (member, region) = member_place();
        // Another account's web ACL refers to the group: DeleteRuleGroup is refused.
        let e = admin_delete(&w, "DeleteRuleGroup", group_delete(&w)).unwrap_err();
        assert_eq!(e.code, "WAFAssociatedItemException");
        // The group refers to the IP set (within the administrator's account).
        let token = as_admin(
            &w,
            "GetIPSet",
            json!({"Name": "blocked", "Scope": "REGIONAL", "Id": ip["Id"]}),
        )["LockToken"]
            .clone();
        let ip_delete =
            json!({"Name": "blocked", "Scope": "REGIONAL", "Id": ip["Id"], "LockToken": token});
        let e = admin_delete(&w, "DeleteIPSet", ip_delete.clone()).unwrap_err();
        assert_eq!(e.code, "WAFAssociatedItemException");

        // The manager lets go: the web ACL stays on the load balancer, the account's own now.
        release_web_acl(&w.env, &member, &region, "FMManagedWebACLV2-p-").unwrap();
        let got = member_acl(&w, &arn)["WebACL"].clone();
        assert_eq!(got["ManagedByFirewallManager"], false);
        assert_eq!(got["PreProcessFirewallManagerRuleGroups"], json!([]));
        assert_eq!(got["PostProcessFirewallManagerRuleGroups"], json!([]));
        assert_eq!(
            web_acl_of(&w.env, &member, &region, &web).unwrap(),
            Some(arn.clone())
        );
        // Now the group, then its IP set, can go; the load balancer keeps an ACL that compiles.
        admin_delete(&w, "DeleteRuleGroup", group_delete(&w)).unwrap();
        admin_delete(&w, "DeleteIPSet", ip_delete).unwrap();
        let evaluators = crate::Evaluators::new(Arc::new(NoGeo));
        let p = evaluators
            .for_resource(w.env.store.as_ref(), &web)
            .unwrap()
            .unwrap();
        let request =
            Request::new("GET", b"/", "203.0.113.7".parse().unwrap()).with_header("Host", "x");
        let mut rate = RateTracker::default();
        assert_eq!(
            evaluate(&p.acl, &request, &mut rate, 1).action,
            ActionKind::Allow
        );
        // Released once: a second release changes nothing; the account may delete it now.
        release_web_acl(&w.env, &member, &region, "FMManagedWebACLV2-p-").unwrap();
        assert_eq!(
            member_acl(&w, &arn)["WebACL"]["ManagedByFirewallManager"],
            false
        );

        // A managed web ACL that protects nothing is deleted when released.
        let idle = ManagedWebAcl {
            name_prefix: "FMManagedWebACLV2-q-".into(),
            new_name: "FMManagedWebACLV2-q-1700000000000".into(),
            pre: Vec::new(),
            ..want(&group)
        };
        put_web_acl(&w.env, &idle).unwrap();
        release_web_acl(&w.env, &member, &region, "FMManagedWebACLV2-q-").unwrap();
        let left = as_member(&w, "ListWebACLs", json!({"Scope": "REGIONAL"})).unwrap();
        let names: Vec<&str> = left["WebACLs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["FMManagedWebACLV2-p-1700000000000"]);
    }

    fn shared_rule(group: &str) -> Value {
        json!({"Name": "shared", "Priority": 0, "OverrideAction": {"None": {}},
            "Statement": {"RuleGroupReferenceStatement": {"ARN": group}},
            "VisibilityConfig": visibility("shared")})
    }

    fn member_create(w: &World, name: &str, group: &str) -> Result<Value, AwsError> {
        as_member(
            w,
            "CreateWebACL",
            json!({"Name": name, "Scope": "REGIONAL", "DefaultAction": {"Allow": {}},
                "VisibilityConfig": visibility(name), "Rules": [shared_rule(group)]}),
        )
    }

    #[test]
    fn a_shared_groups_delete_sees_another_accounts_web_acl_and_never_races_with_it() {
        let w = World::new(crate::register);
        let (_, group) = admin_group(&w, &["203.0.113.7/32"]);
        let member: AccountId = MEMBER.parse().unwrap();
        let admin: AccountId = ADMIN.parse().unwrap();
        let region: Region = "us-east-1".parse().unwrap();
        // The member's own web ACL uses the shared group by ARN: the delete is refused.
        let mine = member_create(&w, "mine", &group).unwrap()["Summary"].clone();
        let e = admin_delete(&w, "DeleteRuleGroup", group_delete(&w)).unwrap_err();
        assert_eq!(e.code, "WAFAssociatedItemException");
        as_member(
            &w,
            "DeleteWebACL",
            json!({"Name": "mine", "Scope": "REGIONAL", "Id": mine["Id"], "LockToken": mine["LockToken"]}),
        )
        .unwrap();

        // A reference committed after the delete looked for references: the delete fails.
        let input = group_delete(&w);
        Place::new(&w.env, &admin, &region).with_call(|call| {
            let (loaded, token) = entity::load_for_delete::<crate::rule_groups::RuleGroupBody>(
                call,
                Kind::RuleGroup,
                input,
            )
            .unwrap();
            crate::references::require_unreferenced(call, &loaded.entity.arn).unwrap();
            member_create(&w, "late", &group).unwrap();
            let e = entity::delete(call, &loaded, &token, Batch::new()).unwrap_err();
            assert_eq!(e.code, "WAFOptimisticLockException");
        });
        let e = admin_delete(&w, "DeleteRuleGroup", group_delete(&w)).unwrap_err();
        assert_eq!(e.code, "WAFAssociatedItemException");
        let late =
            &as_member(&w, "ListWebACLs", json!({"Scope": "REGIONAL"})).unwrap()["WebACLs"][0];
        as_member(
            &w,
            "DeleteWebACL",
            json!({"Name": "late", "Scope": "REGIONAL", "Id": late["Id"], "LockToken": late["LockToken"]}),
        )
        .unwrap();

        // A delete committed after a new reference was validated: the reference is refused.
        Place::new(&w.env, &member, &region).with_call(|call| {
            let config = json!({"DefaultAction": {"Allow": {}}, "VisibilityConfig": visibility("slow"),
                "Rules": [shared_rule(&group)]});
            let config = config.as_object().unwrap().clone();
            let (body, touched) = web_acls::validate(
                call,
                Scope::Regional,
                "slow",
                config,
                FirewallManaged::default(),
            )
            .unwrap();
            admin_delete(&w, "DeleteRuleGroup", group_delete(&w)).unwrap();
            let e = entity::create(
                call,
                Scope::Regional,
                Kind::WebAcl,
                "slow",
                About::default(),
                body,
                &touched,
            )
            .unwrap_err();
            assert_eq!(e.code, "WAFOptimisticLockException");
        });
        let left = as_member(&w, "ListWebACLs", json!({"Scope": "REGIONAL"})).unwrap();
        assert_eq!(left["WebACLs"], json!([]));
    }
}
