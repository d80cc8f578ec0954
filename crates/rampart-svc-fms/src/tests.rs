//! Firewall Manager over an in-memory store with Organizations and WAFv2 registered and a
//! fixed inventory of load balancers: the administrator, policies, their application to the
//! member accounts in scope, compliance, and the model's coverage.

use crate::apply::{account_in_scope, resource_in_scope};
use rampart_protocol::AwsError;
use rampart_service::testkit::{World, root_of};
use rampart_service::{Env, LOAD_BALANCER_TYPE, Principal, Resource, ResourceInventory};
use rampart_types::{AccountId, Region};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// Load balancers by account, as a test sets them.
#[derive(Default)]
struct Lbs(Mutex<Vec<(String, Resource)>>);

impl Lbs {
    fn add(&self, account: &str, name: &str, tags: &[(&str, &str)]) -> String {
        let arn = format!(
            "arn:aws:elasticloadbalancing:us-east-1:{account}:loadbalancer/app/{name}/50dc6c495c0c9188"
        );
        self.0.lock().unwrap().push((
            account.to_owned(),
            Resource {
                arn: arn.clone(),
                tags: tags
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            },
        ));
        arn
    }
}

impl ResourceInventory for Lbs {
    fn list(
        &self,
        _env: &Env,
        resource_type: &str,
        account: &AccountId,
        region: &Region,
    ) -> Result<Vec<Resource>, AwsError> {
        assert_eq!(resource_type, LOAD_BALANCER_TYPE);
        if region.as_str() != "us-east-1" {
            return Ok(Vec::new());
        }
        Ok(self
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|(a, _)| a == account.as_str())
            .map(|(_, r)| r.clone())
            .collect())
    }
}

struct T {
    w: World,
    lbs: Arc<Lbs>,
    /// The management account's root.
    mgmt: Principal,
    /// The administrator account (a member).
    admin: String,
    /// Another member account, holding the load balancers.
    member: String,
}

fn visibility(name: &str) -> Value {
    json!({"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": name})
}

impl T {
    /// An organization with two member accounts; the first is made the administrator.
    fn new() -> T {
        let mut w = World::new(|r| {
            rampart_svc_identity::register(r);
            rampart_svc_waf::register(r);
            crate::register(r);
        });
        let lbs = Arc::new(Lbs::default());
        w.env.inventory = lbs.clone();
        let mgmt = w.root();
        w.call_as(&mgmt, "organizations", "CreateOrganization", json!({}))
            .unwrap();
        let mut ids = Vec::new();
        for name in ["security", "app"] {
            let out = w
                .call_as(
                    &mgmt,
                    "organizations",
                    "CreateAccount",
                    json!({"Email": format!("{name}@example.com"), "AccountName": name}),
                )
                .unwrap();
            ids.push(
                out["CreateAccountStatus"]["AccountId"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        let t = T {
            w,
            lbs,
            mgmt,
            admin: ids[0].clone(),
            member: ids[1].clone(),
        };
        t.fms(
            &t.mgmt,
            "AssociateAdminAccount",
            json!({"AdminAccount": t.admin}),
        )
        .unwrap();
        t
    }

    fn fms(&self, who: &Principal, op: &str, input: Value) -> Result<Value, AwsError> {
        self.w.call_as(who, "fms", op, input)
    }

    fn as_admin(&self, op: &str, input: Value) -> Result<Value, AwsError> {
        self.fms(&root_of(&self.admin), op, input)
    }

    fn waf(&self, account: &str, op: &str, input: Value) -> Value {
        self.w
            .call_as(&root_of(account), "wafv2", op, input)
            .unwrap()
    }

    /// An IP set blocking 203.0.113.7 and a rule group using it, in the admin account.
    fn block_group(&self) -> String {
        let ip = self.waf(
            &self.admin,
            "CreateIPSet",
            json!({"Name": "blocked", "Scope": "REGIONAL", "IPAddressVersion": "IPV4", "Addresses": ["203.0.113.7/32"]}),
        );
        let g = self.waf(
            &self.admin,
            "CreateRuleGroup",
            json!({"Name": "org-block", "Scope": "REGIONAL", "Capacity": 10,
                "VisibilityConfig": visibility("org-block"),
                "Rules": [{"Name": "ip", "Priority": 0, "Action": {"Block": {}},
                    "Statement": {"IPSetReferenceStatement": {"ARN": ip["Summary"]["ARN"]}},
                    "VisibilityConfig": visibility("ip")}]}),
        );
        g["Summary"]["ARN"].as_str().unwrap().to_owned()
    }

    fn policy(&self, group: &str, extra: Value) -> Value {
        let data = json!({
            "type": "WAFV2",
            "preProcessRuleGroups": [{"ruleGroupArn": group, "overrideAction": {"type": "NONE"},
                "ruleGroupType": "RuleGroup", "excludeRules": []}],
            "postProcessRuleGroups": [],
            "defaultAction": {"type": "ALLOW"},
            "overrideCustomerWebACLAssociation": false,
        });
        let mut p = json!({
            "PolicyName": "org-waf",
            "SecurityServicePolicyData": {"Type": "WAFV2", "ManagedServiceData": data.to_string()},
            "ResourceType": LOAD_BALANCER_TYPE,
            "ExcludeResourceTags": false,
            "RemediationEnabled": true,
        });
        for (k, v) in extra.as_object().unwrap() {
            p[k] = v.clone();
        }
        p
    }

    /// The web ACL protecting `lb` in the member account, if any.
    fn acl_of(&self, lb: &str) -> Option<Value> {
        let out = self.waf(
            &self.member,
            "GetWebACLForResource",
            json!({"ResourceArn": lb}),
        );
        out.get("WebACL").cloned()
    }
}

#[test]
fn every_operation_has_a_rule_and_every_model_operation_is_registered() {
    let w = World::new(crate::register);
    assert_eq!(w.operations_without_rules(), Vec::<String>::new());
    let model: Value =
        serde_json::from_str(include_str!("../../rampart-protocol/models/fms.json")).unwrap();
    for op in model["operations"].as_object().unwrap().keys() {
        assert!(
            w.registry.get("fms", op).is_some(),
            "{op} is not registered"
        );
    }
}

#[test]
fn accesses_agree_with_the_service_authorization_reference() {
    let w = World::new(crate::register);
    let root = w.root();
    let model: Value =
        serde_json::from_str(include_str!("../../rampart-protocol/models/fms.json")).unwrap();
    let policy = "arn:aws:fms:us-east-1:123456789012:policy/0123";
    for op in model["operations"].as_object().unwrap().keys() {
        let input = json!({"PolicyId": "0123", "ResourceArn": policy, "TagList": [{"Key": "k", "Value": "v"}],
            "TagKeys": ["k"], "ListId": "l", "Identifier": "r", "ResourceSetIdentifier": "r"});
        for a in w.accesses(&root, "fms", op, &input).unwrap() {
            assert_eq!(a.action, format!("fms:{op}"));
            assert_eq!(rampart_service::testkit::sar_violation(&a), None, "{op}");
        }
    }
    let a = w
        .accesses(&root, "fms", "GetPolicy", &json!({"PolicyId": "0123"}))
        .unwrap();
    assert_eq!(a[0].resource, policy);
}

#[test]
fn only_the_management_account_sets_the_administrator_and_it_must_be_a_member() {
    let t = T::new();
    let got = t.fms(&t.mgmt, "GetAdminAccount", json!({})).unwrap();
    assert_eq!(got, json!({"AdminAccount": t.admin, "RoleStatus": "READY"}));
    let e = t
        .fms(
            &root_of(&t.member),
            "AssociateAdminAccount",
            json!({"AdminAccount": t.member}),
        )
        .unwrap_err();
    assert_eq!(e.code, "InvalidOperationException");
    let e = t
        .fms(
            &t.mgmt,
            "AssociateAdminAccount",
            json!({"AdminAccount": "999999999999"}),
        )
        .unwrap_err();
    assert_eq!(e.code, "InvalidInputException");
    // Another administrator while one is set: refused; the same one again: fine.
    let e = t
        .fms(
            &t.mgmt,
            "AssociateAdminAccount",
            json!({"AdminAccount": t.member}),
        )
        .unwrap_err();
    assert_eq!(e.code, "InvalidOperationException");
    t.fms(
        &t.mgmt,
        "AssociateAdminAccount",
        json!({"AdminAccount": t.admin}),
    )
    .unwrap();
    let members = t.as_admin("ListMemberAccounts", json!({})).unwrap();
    let members = members["MemberAccounts"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    assert!(members.contains(&json!(t.member)));
    let managing = t
        .fms(&root_of(&t.member), "ListAdminsManagingAccount", json!({}))
        .unwrap();
    assert_eq!(managing["AdminAccounts"], json!([t.admin]));
    let listed = t
        .fms(&t.mgmt, "ListAdminAccountsForOrganization", json!({}))
        .unwrap();
    assert_eq!(listed["AdminAccounts"][0]["AdminAccount"], json!(t.admin));
    // Members can't manage policies; the administrator can.
    let e = t
        .fms(&root_of(&t.member), "ListPolicies", json!({}))
        .unwrap_err();
    assert_eq!(e.code, "InvalidOperationException");
    assert_eq!(
        t.as_admin("ListPolicies", json!({})).unwrap(),
        json!({"PolicyList": []})
    );
    t.fms(&t.mgmt, "DisassociateAdminAccount", json!({}))
        .unwrap();
    assert_eq!(
        t.fms(&t.mgmt, "GetAdminAccount", json!({}))
            .unwrap_err()
            .code,
        "ResourceNotFoundException"
    );
    assert_eq!(
        t.as_admin("ListPolicies", json!({})).unwrap_err().code,
        "InvalidOperationException"
    );
}

#[test]
fn without_an_organization_nobody_sets_an_administrator() {
    let w = World::new(|r| {
        rampart_svc_identity::register(r);
        crate::register(r);
    });
    let e = w
        .call_as(
            &w.root(),
            "fms",
            "AssociateAdminAccount",
            json!({"AdminAccount": "111111111111"}),
        )
        .unwrap_err();
    assert_eq!(e.code, "InvalidOperationException");
}

#[test]
fn only_waf_v2_policies_of_load_balancers_are_accepted() {
    let t = T::new();
    let group = t.block_group();
    let mut shield = t.policy(&group, json!({}));
    shield["SecurityServicePolicyData"] =
        json!({"Type": "SHIELD_ADVANCED", "ManagedServiceData": "{\"type\":\"SHIELD_ADVANCED\"}"});
    let e = t
        .as_admin("PutPolicy", json!({"Policy": shield}))
        .unwrap_err();
    assert_eq!(e.code, "InvalidInputException");
    assert!(e.message.contains("WAFV2"), "{}", e.message);
    let cloudfront = t.policy(
        &group,
        json!({"ResourceType": "AWS::CloudFront::Distribution"}),
    );
    let e = t
        .as_admin("PutPolicy", json!({"Policy": cloudfront}))
        .unwrap_err();
    assert_eq!(e.code, "InvalidInputException");
    let both = t.policy(
        &group,
        json!({"IncludeMap": {"ACCOUNT": [t.member]}, "ExcludeMap": {"ACCOUNT": [t.admin]}}),
    );
    let e = t
        .as_admin("PutPolicy", json!({"Policy": both}))
        .unwrap_err();
    assert_eq!(e.code, "InvalidInputException");
    let e = t
        .as_admin(
            "PutAppsList",
            json!({"AppsList": {"ListName": "x", "AppsList": []}}),
        )
        .unwrap_err();
    assert_eq!(e.code, "InvalidOperationException");
    assert_eq!(
        t.as_admin("ListAppsLists", json!({"MaxResults": 10}))
            .unwrap(),
        json!({"AppsLists": []})
    );
}

#[test]
fn a_policy_protects_the_members_load_balancers_including_later_ones() {
    let t = T::new();
    let web = t.lbs.add(&t.member, "web", &[]);
    let group = t.block_group();
    let out = t
        .as_admin(
            "PutPolicy",
            json!({"Policy": t.policy(&group, json!({})), "TagList": [{"Key": "team", "Value": "sec"}]}),
        )
        .unwrap();
    let id = out["Policy"]["PolicyId"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36);
    assert_eq!(
        out["PolicyArn"],
        json!(format!("arn:aws:fms:us-east-1:{}:policy/{id}", t.admin))
    );
    assert_eq!(out["Policy"]["PolicyStatus"], "ACTIVE");

    // Applied at once: the member's web ACL, named as AWS names it, managed by Firewall
    // Manager, with the administrator's rule group first (referred to where it is).
    let acl = t.acl_of(&web).expect("the load balancer is protected");
    let name = acl["Name"].as_str().unwrap();
    assert_eq!(name, "FMManagedWebACLV2-org-waf-1700000000000");
    assert_eq!(acl["ManagedByFirewallManager"], true);
    assert_eq!(acl["Rules"], json!([]));
    let pre = &acl["PreProcessFirewallManagerRuleGroups"];
    assert_eq!(pre[0]["Name"], "PREFMManaged-org-waf-1700000000000");
    assert_eq!(
        pre[0]["FirewallManagerStatement"]["RuleGroupReferenceStatement"]["ARN"],
        json!(group)
    );
    assert_eq!(pre[0]["OverrideAction"], json!({"None": {}}));
    assert_eq!(acl["PostProcessFirewallManagerRuleGroups"], json!([]));

    let status = t
        .as_admin("ListComplianceStatus", json!({"PolicyId": id}))
        .unwrap();
    let rows = status["PolicyComplianceStatusList"].as_array().unwrap();
    let row = rows
        .iter()
        .find(|r| r["MemberAccount"] == json!(t.member))
        .unwrap();
    assert_eq!(row["EvaluationResults"][0]["ComplianceStatus"], "COMPLIANT");
    assert_eq!(row["PolicyOwner"], json!(t.admin));

    // A load balancer created later, with a web ACL of the account's own: not replaced
    // (overrideCustomerWebACLAssociation is false), so the account is not compliant.
    let api = t.lbs.add(&t.member, "api", &[]);
    let own = t.waf(
        &t.member,
        "CreateWebACL",
        json!({"Name": "own", "Scope": "REGIONAL",
        "DefaultAction": {"Allow": {}}, "VisibilityConfig": visibility("own")}),
    );
    t.waf(
        &t.member,
        "AssociateWebACL",
        json!({"WebACLArn": own["Summary"]["ARN"], "ResourceArn": api}),
    );
    let late = t.lbs.add(&t.member, "late", &[]);
    assert!(t.acl_of(&late).is_none());
    crate::reconcile(&t.w.env).unwrap();
    assert_eq!(t.acl_of(&late).unwrap()["Name"], json!(name));
    assert_eq!(t.acl_of(&api).unwrap()["Name"], "own");
    let detail = t
        .as_admin(
            "GetComplianceDetail",
            json!({"PolicyId": id, "MemberAccount": t.member}),
        )
        .unwrap();
    assert_eq!(
        detail["PolicyComplianceDetail"]["Violators"],
        json!([{"ResourceId": api, "ViolationReason": "RESOURCE_INCORRECT_WEB_ACL", "ResourceType": LOAD_BALANCER_TYPE}])
    );

    // Get, list, tags.
    let got = t.as_admin("GetPolicy", json!({"PolicyId": id})).unwrap();
    assert_eq!(got["Policy"]["PolicyName"], "org-waf");
    let list = t.as_admin("ListPolicies", json!({})).unwrap();
    assert_eq!(list["PolicyList"][0]["SecurityServiceType"], "WAFV2");
    let arn = out["PolicyArn"].clone();
    t.as_admin(
        "TagResource",
        json!({"ResourceArn": arn, "TagList": [{"Key": "env", "Value": "prod"}]}),
    )
    .unwrap();
    t.as_admin(
        "UntagResource",
        json!({"ResourceArn": arn, "TagKeys": ["team"]}),
    )
    .unwrap();
    assert_eq!(
        t.as_admin("ListTagsForResource", json!({"ResourceArn": arn}))
            .unwrap(),
        json!({"TagList": [{"Key": "env", "Value": "prod"}]})
    );

    // An update needs the current token; with it, the override now replaces the own ACL.
    let mut p = got["Policy"].clone();
    p["PolicyUpdateToken"] = json!("00000000-0000-0000-0000-000000000000");
    assert_eq!(
        t.as_admin("PutPolicy", json!({"Policy": p}))
            .unwrap_err()
            .code,
        "InvalidOperationException"
    );
    let mut p = got["Policy"].clone();
    let data = p["SecurityServicePolicyData"]["ManagedServiceData"]
        .as_str()
        .unwrap()
        .replace(
            "\"overrideCustomerWebACLAssociation\":false",
            "\"overrideCustomerWebACLAssociation\":true",
        );
    p["SecurityServicePolicyData"]["ManagedServiceData"] = json!(data);
    t.as_admin("PutPolicy", json!({"Policy": p})).unwrap();
    assert_eq!(t.acl_of(&api).unwrap()["Name"], json!(name));

    // Deleting with its resources removes the web ACL from the member.
    t.as_admin(
        "DeletePolicy",
        json!({"PolicyId": id, "DeleteAllPolicyResources": true}),
    )
    .unwrap();
    assert!(t.acl_of(&web).is_none());
    assert_eq!(
        t.as_admin("GetPolicy", json!({"PolicyId": id}))
            .unwrap_err()
            .code,
        "ResourceNotFoundException"
    );
    let left = t.waf(&t.member, "ListWebACLs", json!({"Scope": "REGIONAL"}));
    assert_eq!(left["WebACLs"].as_array().unwrap().len(), 1);
}

#[test]
fn scope_by_account_and_tags_and_without_remediation_only_compliance() {
    let t = T::new();
    let tagged = t.lbs.add(&t.member, "tagged", &[("waf", "on")]);
    let plain = t.lbs.add(&t.member, "plain", &[]);
    let admin_lb = t.lbs.add(&t.admin, "adm", &[("waf", "on")]);
    let group = t.block_group();
    let p = t.policy(
        &group,
        json!({"ExcludeMap": {"ACCOUNT": [t.admin]}, "ResourceTags": [{"Key": "waf", "Value": "on"}]}),
    );
    let out = t.as_admin("PutPolicy", json!({"Policy": p})).unwrap();
    assert!(t.acl_of(&tagged).is_some());
    assert!(t.acl_of(&plain).is_none());
    let admin_acl = t.waf(
        &t.admin,
        "GetWebACLForResource",
        json!({"ResourceArn": admin_lb}),
    );
    assert!(admin_acl.get("WebACL").is_none());

    // Without remediation nothing is created; a load balancer lacking the ACL is a violator.
    let mut p = out["Policy"].clone();
    p["RemediationEnabled"] = json!(false);
    p["ResourceTags"] = json!([]);
    t.as_admin("PutPolicy", json!({"Policy": p})).unwrap();
    let id = out["Policy"]["PolicyId"].as_str().unwrap();
    let detail = t
        .as_admin(
            "GetComplianceDetail",
            json!({"PolicyId": id, "MemberAccount": t.member}),
        )
        .unwrap();
    assert_eq!(
        detail["PolicyComplianceDetail"]["Violators"],
        json!([{"ResourceId": plain, "ViolationReason": "RESOURCE_MISSING_WEB_ACL", "ResourceType": LOAD_BALANCER_TYPE}])
    );
}

#[test]
fn account_scope_rules() {
    let org: crate::org::Org = serde_json::from_value(json!({
        "featureSet": "ALL", "management": "100000000000",
        "units": {"ou-a": {"parent": "r-1"}, "ou-b": {"parent": "ou-a"}},
        "accounts": {
            "100000000000": {"status": "ACTIVE", "parent": "r-1"},
            "200000000000": {"status": "ACTIVE", "parent": "ou-b"},
        }
    }))
    .unwrap();
    assert_eq!(org.units_of("200000000000"), vec!["ou-b", "ou-a"]);
    assert!(account_in_scope(&json!({}), &org, "100000000000"));
    let include_ou = json!({"IncludeMap": {"ORG_UNIT": ["ou-a"]}});
    assert!(account_in_scope(&include_ou, &org, "200000000000"));
    assert!(!account_in_scope(&include_ou, &org, "100000000000"));
    let exclude = json!({"ExcludeMap": {"ACCOUNT": ["100000000000"]}});
    assert!(!account_in_scope(&exclude, &org, "100000000000"));
    assert!(account_in_scope(&exclude, &org, "200000000000"));
}

#[test]
fn resource_scope_rules() {
    let tags = |t: &[(&str, &str)]| -> Vec<(String, String)> {
        t.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()
    };
    let both = json!({"ResourceTags": [{"Key": "a", "Value": "1"}, {"Key": "b"}]});
    assert!(resource_in_scope(&both, &tags(&[("a", "1"), ("b", "x")])));
    assert!(!resource_in_scope(&both, &tags(&[("a", "1")])));
    let either = json!({"ResourceTags": [{"Key": "a", "Value": "1"}, {"Key": "b"}], "ResourceTagLogicalOperator": "OR"});
    assert!(resource_in_scope(&either, &tags(&[("b", "")])));
    assert!(!resource_in_scope(&either, &tags(&[("a", "2")])));
    let excluded =
        json!({"ResourceTags": [{"Key": "a", "Value": "1"}], "ExcludeResourceTags": true});
    assert!(!resource_in_scope(&excluded, &tags(&[("a", "1")])));
    assert!(resource_in_scope(&excluded, &tags(&[])));
    assert!(resource_in_scope(&json!({}), &tags(&[])));
}

impl T {
    /// DeleteRuleGroup of the administrator's group named `name`, with its current lock token.
    fn delete_group(&self, name: &str) -> Result<Value, AwsError> {
        let groups = self.waf(&self.admin, "ListRuleGroups", json!({"Scope": "REGIONAL"}));
        let g = groups["RuleGroups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["Name"] == name)
            .unwrap()
            .clone();
        self.w.call_as(
            &root_of(&self.admin),
            "wafv2",
            "DeleteRuleGroup",
            json!({"Name": name, "Scope": "REGIONAL", "Id": g["Id"], "LockToken": g["LockToken"]}),
        )
    }

    /// The pending releases of deleted policies' web ACLs.
    fn releases(&self) -> usize {
        self.w
            .env
            .store
            .scan(
                rampart_store::space::SYSTEM,
                crate::apply::RELEASES,
                &rampart_store::Scan::all(),
            )
            .unwrap()
            .len()
    }
}

#[test]
fn the_administrator_deletes_a_policys_rule_group_only_once_members_no_longer_use_it() {
    let t = T::new();
    let web = t.lbs.add(&t.member, "web", &[]);
    let group = t.block_group();
    let spare = t.waf(
        &t.admin,
        "CreateRuleGroup",
        json!({"Name": "spare", "Scope": "REGIONAL", "Capacity": 1,
            "VisibilityConfig": visibility("spare"), "Rules": []}),
    )["Summary"]["ARN"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = t
        .as_admin("PutPolicy", json!({"Policy": t.policy(&spare, json!({}))}))
        .unwrap();
    let id = out["Policy"]["PolicyId"].as_str().unwrap().to_owned();
    let name = t.acl_of(&web).unwrap()["Name"].clone();
    assert_eq!(
        t.delete_group("spare").unwrap_err().code,
        "WAFAssociatedItemException"
    );
    // The policy's groups change: the members' web ACLs drop the old one at once.
    let mut p = out["Policy"].clone();
    let data = p["SecurityServicePolicyData"]["ManagedServiceData"]
        .as_str()
        .unwrap()
        .replace(&spare, &group);
    p["SecurityServicePolicyData"]["ManagedServiceData"] = json!(data);
    t.as_admin("PutPolicy", json!({"Policy": p})).unwrap();
    t.delete_group("spare").unwrap();
    assert_eq!(
        t.delete_group("org-block").unwrap_err().code,
        "WAFAssociatedItemException"
    );

    // Deleted without its resources: the web ACL stays on the load balancer, without the
    // policy's group, as the account's own; the group can go.
    let home = crate::policies::Home {
        account: t.admin.parse().unwrap(),
        region: "us-east-1".parse().unwrap(),
    };
    let (stored, _) = crate::policies::read(t.w.env.store.as_ref(), &home, &id)
        .unwrap()
        .unwrap();
    t.as_admin("DeletePolicy", json!({"PolicyId": id})).unwrap();
    let acl = t.acl_of(&web).expect("still protected");
    assert_eq!(acl["Name"], name);
    assert_eq!(acl["ManagedByFirewallManager"], false);
    assert_eq!(acl["PreProcessFirewallManagerRuleGroups"], json!([]));
    assert_eq!(t.releases(), 1);

    // An application of the policy under way when it was deleted puts the group back: the
    // next reconciliation releases it again, then forgets the release.
    crate::apply::apply(&t.w.env, &home, &stored).unwrap();
    assert_eq!(t.acl_of(&web).unwrap()["ManagedByFirewallManager"], true);
    assert_eq!(
        t.delete_group("org-block").unwrap_err().code,
        "WAFAssociatedItemException"
    );
    crate::reconcile(&t.w.env).unwrap();
    assert_eq!(t.releases(), 0);
    let acl = t.acl_of(&web).expect("still protected");
    assert_eq!(acl["ManagedByFirewallManager"], false);
    t.delete_group("org-block").unwrap();
}
