//! The Organizations operations end to end over an in-memory store, as the pipeline calls
//! them, and the standing they give the enforcer.

mod access_report;
mod accounts;
mod handshakes;
mod policies;
mod root_access;
mod standing;
mod transfers;

use rampart_protocol::AwsError;
use rampart_service::testkit::{ACCOUNT, World as Base, root_of, sar_violation};
use rampart_service::{Principal, PrincipalKind};
use serde_json::{Value, json};

/// The shared test world with the identity services registered.
struct World {
    base: Base,
    root: Principal,
}

fn world() -> World {
    let base = Base::new(crate::register);
    World {
        root: base.root(),
        base,
    }
}

/// A world with an organization (SCPs not enabled).
fn org_world() -> World {
    let w = world();
    w.call("CreateOrganization", json!({})).unwrap();
    w
}

impl World {
    fn call_as(&self, principal: &Principal, op: &str, input: Value) -> Result<Value, AwsError> {
        self.base.call_as(principal, "organizations", op, input)
    }

    fn call(&self, op: &str, input: Value) -> Result<Value, AwsError> {
        self.call_as(&self.root, op, input)
    }

    fn root_id(&self) -> String {
        self.call("ListRoots", json!({})).unwrap()["Roots"][0]["Id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn create_ou(&self, parent: &str, name: &str) -> String {
        self.call(
            "CreateOrganizationalUnit",
            json!({"ParentId": parent, "Name": name}),
        )
        .unwrap()["OrganizationalUnit"]["Id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn create_account(&self, name: &str) -> String {
        let out = self
            .call(
                "CreateAccount",
                json!({"Email": format!("{name}@example.com"), "AccountName": name}),
            )
            .unwrap();
        assert_eq!(out["CreateAccountStatus"]["State"], "SUCCEEDED");
        out["CreateAccountStatus"]["AccountId"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A member account `account` in a new OU `ou` under the root: (root, OU, account) ids.
    fn member_in_ou(&self, ou: &str, account: &str) -> (String, String, String) {
        let root = self.root_id();
        let unit = self.create_ou(&root, ou);
        let member = self.create_account(account);
        self.call(
            "MoveAccount",
            json!({"AccountId": member, "SourceParentId": root, "DestinationParentId": unit}),
        )
        .unwrap();
        (root, unit, member)
    }

    fn enable(&self, kind: &str) {
        let root = self.root_id();
        self.call(
            "EnablePolicyType",
            json!({"RootId": root, "PolicyType": kind}),
        )
        .unwrap();
    }

    fn create_policy(&self, name: &str, kind: &str, content: &str) -> String {
        self.call(
            "CreatePolicy",
            json!({"Name": name, "Type": kind, "Description": "", "Content": content}),
        )
        .unwrap()["Policy"]["PolicySummary"]["Id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn attach(&self, policy: &str, target: &str) -> Result<Value, AwsError> {
        self.call(
            "AttachPolicy",
            json!({"PolicyId": policy, "TargetId": target}),
        )
    }

    fn detach(&self, policy: &str, target: &str) -> Result<Value, AwsError> {
        self.call(
            "DetachPolicy",
            json!({"PolicyId": policy, "TargetId": target}),
        )
    }

    /// A session of `role` in `account`, as the pipeline resolves one.
    fn role_session(&self, account: &str, role: &str) -> Principal {
        let account_id = account.parse().unwrap();
        let (stored, _) = crate::iam::get_role(self.base.env.store.as_ref(), &account_id, role)
            .unwrap()
            .unwrap();
        Principal {
            account: account_id,
            partition: rampart_types::Partition::Aws,
            kind: PrincipalKind::AssumedRole {
                role_name: role.to_owned(),
                role_path: "/".to_owned(),
                session_name: "test".to_owned(),
            },
            principal_id: stored.role_id,
            access_key_id: "ASIATESTEXAMPLE00000".to_owned(),
            session: None,
        }
    }
}

fn code(r: Result<Value, AwsError>) -> String {
    r.unwrap_err().code.into_owned()
}

fn reason(e: &AwsError) -> Option<&str> {
    e.extra
        .iter()
        .find(|(k, _)| k == "Reason")
        .and_then(|(_, v)| v.as_str())
}

fn ids(v: &Value, member: &str) -> Vec<String> {
    v[member]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["Id"].as_str().unwrap().to_owned())
        .collect()
}

const DENY_CREATE_KEY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:CreateKey","Resource":"*"}]}"#;
const ALLOW_IAM: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#;

#[test]
fn every_operation_has_an_authorization_rule() {
    let w = world();
    assert_eq!(w.base.operations_without_rules(), Vec::<String>::new());
    let w = org_world();
    assert_eq!(w.base.operations_without_rules(), Vec::<String>::new());
}

#[test]
fn accesses_follow_the_service_authorization_reference() {
    let w = org_world();
    w.enable("SERVICE_CONTROL_POLICY");
    let root = w.root_id();
    let ou = w.create_ou(&root, "eng");
    let account = w.create_account("dev");
    let policy = w.create_policy("deny", "SERVICE_CONTROL_POLICY", DENY_CREATE_KEY);
    let cases = [
        ("DescribeOrganization", json!({})),
        ("ListAccounts", json!({})),
        (
            "CreateAccount",
            json!({"Email": "a@b.co", "AccountName": "x", "Tags": [{"Key": "k", "Value": "v"}]}),
        ),
        (
            "EnablePolicyType",
            json!({"RootId": root, "PolicyType": "TAG_POLICY"}),
        ),
        (
            "CreateOrganizationalUnit",
            json!({"ParentId": root, "Name": "x"}),
        ),
        (
            "CreateOrganizationalUnit",
            json!({"ParentId": ou, "Name": "x"}),
        ),
        (
            "DescribeOrganizationalUnit",
            json!({"OrganizationalUnitId": ou}),
        ),
        (
            "ListChildren",
            json!({"ParentId": ou, "ChildType": "ACCOUNT"}),
        ),
        ("ListParents", json!({"ChildId": account})),
        ("DescribeAccount", json!({"AccountId": account})),
        (
            "MoveAccount",
            json!({"AccountId": account, "SourceParentId": root, "DestinationParentId": ou}),
        ),
        (
            "CreatePolicy",
            json!({"Type": "SERVICE_CONTROL_POLICY", "Name": "n", "Description": "", "Content": "{}"}),
        ),
        ("DescribePolicy", json!({"PolicyId": policy})),
        ("AttachPolicy", json!({"PolicyId": policy, "TargetId": ou})),
        (
            "ListPoliciesForTarget",
            json!({"TargetId": account, "Filter": "SERVICE_CONTROL_POLICY"}),
        ),
        ("ListTargetsForPolicy", json!({"PolicyId": policy})),
        (
            "RegisterDelegatedAdministrator",
            json!({"AccountId": account, "ServicePrincipal": "guardduty.amazonaws.com"}),
        ),
        (
            "TagResource",
            json!({"ResourceId": ou, "Tags": [{"Key": "k", "Value": "v"}]}),
        ),
        (
            "UntagResource",
            json!({"ResourceId": policy, "TagKeys": ["k"]}),
        ),
        ("ListTagsForResource", json!({"ResourceId": account})),
        ("PutResourcePolicy", json!({"Content": "{}"})),
        ("DescribeResourcePolicy", json!({})),
        (
            "DescribeEffectivePolicy",
            json!({"PolicyType": "TAG_POLICY", "TargetId": account}),
        ),
        ("LeaveOrganization", json!({})),
    ];
    for (op, input) in cases {
        let accesses = w
            .base
            .accesses(&w.root, "organizations", op, &input)
            .unwrap();
        assert!(!accesses.is_empty(), "{op}");
        for access in &accesses {
            assert_eq!(sar_violation(access), None, "{op}");
        }
    }
    let attach = w
        .base
        .accesses(
            &w.root,
            "organizations",
            "AttachPolicy",
            &json!({"PolicyId": policy, "TargetId": ou}),
        )
        .unwrap();
    assert!(
        attach[0]
            .resource
            .ends_with(&format!("/service_control_policy/{policy}"))
    );
    assert!(attach[1].resource.ends_with(&format!(
        ":ou/{}",
        &attach[1].resource.split(":ou/").nth(1).unwrap()
    )));
    assert_eq!(
        attach[1].context.single("organizations:PolicyType"),
        Some("SERVICE_CONTROL_POLICY")
    );
    let full = w
        .base
        .accesses(
            &w.root,
            "organizations",
            "DescribePolicy",
            &json!({"PolicyId": "p-FullAWSAccess"}),
        )
        .unwrap();
    assert_eq!(
        full[0].resource,
        "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
    );
}

#[test]
fn the_organization_is_created_once_by_the_management_account() {
    let w = world();
    assert_eq!(
        code(w.call("DescribeOrganization", json!({}))),
        "AWSOrganizationsNotInUseException"
    );
    assert_eq!(
        code(w.call("ListRoots", json!({}))),
        "AWSOrganizationsNotInUseException"
    );
    let other = root_of("210987654321");
    assert_eq!(
        code(w.call_as(&other, "CreateOrganization", json!({}))),
        "AccessDeniedException"
    );
    let e = w
        .call("CreateOrganization", json!({"FeatureSet": "SOME"}))
        .unwrap_err();
    assert_eq!(
        (&*e.code, reason(&e)),
        ("InvalidInputException", Some("INVALID_ENUM"))
    );
    let org = w.call("CreateOrganization", json!({})).unwrap()["Organization"].clone();
    let id = org["Id"].as_str().unwrap();
    assert!(id.starts_with("o-") && id.len() == 12, "{id}");
    assert_eq!(org["FeatureSet"], "ALL");
    assert_eq!(org["MasterAccountId"], ACCOUNT);
    assert_eq!(
        org["Arn"],
        format!("arn:aws:organizations::{ACCOUNT}:organization/{id}")
    );
    assert_eq!(
        org["MasterAccountArn"],
        format!("arn:aws:organizations::{ACCOUNT}:account/{id}/{ACCOUNT}")
    );
    assert_eq!(
        w.call("DescribeOrganization", json!({})).unwrap()["Organization"],
        org
    );
    assert_eq!(
        code(w.call("CreateOrganization", json!({}))),
        "AlreadyInOrganizationException"
    );
    let roots = w.call("ListRoots", json!({})).unwrap();
    let root = &roots["Roots"][0];
    assert!(root["Id"].as_str().unwrap().starts_with("r-"));
    assert_eq!(root["Name"], "Root");
    assert_eq!(root["PolicyTypes"], json!([]));
    assert_eq!(
        root["Arn"],
        format!(
            "arn:aws:organizations::{ACCOUNT}:root/{id}/{}",
            root["Id"].as_str().unwrap()
        )
    );
    // The management account is the organization's first account.
    let accounts = w.call("ListAccounts", json!({})).unwrap();
    assert_eq!(ids(&accounts, "Accounts"), [ACCOUNT]);
    assert_eq!(accounts["Accounts"][0]["JoinedMethod"], "INVITED");
}

#[test]
fn an_organization_with_members_cannot_be_deleted() {
    let w = org_world();
    let member = w.create_account("dev");
    assert_eq!(
        code(w.call("DeleteOrganization", json!({}))),
        "OrganizationNotEmptyException"
    );
    w.call(
        "RemoveAccountFromOrganization",
        json!({"AccountId": member}),
    )
    .unwrap();
    let policy = w.create_policy("p", "SERVICE_CONTROL_POLICY", DENY_CREATE_KEY);
    w.call("DeleteOrganization", json!({})).unwrap();
    assert_eq!(
        code(w.call("DescribeOrganization", json!({}))),
        "AWSOrganizationsNotInUseException"
    );
    let content = super::model::read_content(w.base.env.store.as_ref(), &policy).unwrap();
    assert_eq!(content, None, "the policies go with the organization");
    // A new one can be created afterwards.
    w.call("CreateOrganization", json!({})).unwrap();
}

#[test]
fn policy_types_are_enabled_in_the_root_and_attach_the_aws_managed_policy_everywhere() {
    let w = org_world();
    let root = w.root_id();
    let ou = w.create_ou(&root, "eng");
    let account = w.create_account("dev");
    let out = w
        .call(
            "EnablePolicyType",
            json!({"RootId": root, "PolicyType": "SERVICE_CONTROL_POLICY"}),
        )
        .unwrap();
    assert_eq!(
        out["Root"]["PolicyTypes"],
        json!([{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}])
    );
    for target in [&root, &ou, &account, &ACCOUNT.to_owned()] {
        let listed = w
            .call(
                "ListPoliciesForTarget",
                json!({"TargetId": target, "Filter": "SERVICE_CONTROL_POLICY"}),
            )
            .unwrap();
        assert_eq!(ids(&listed, "Policies"), ["p-FullAWSAccess"], "{target}");
        assert_eq!(listed["Policies"][0]["AwsManaged"], true);
    }
    // A later OU gets it too.
    let later = w.create_ou(&ou, "later");
    let listed = w
        .call(
            "ListPoliciesForTarget",
            json!({"TargetId": later, "Filter": "SERVICE_CONTROL_POLICY"}),
        )
        .unwrap();
    assert_eq!(ids(&listed, "Policies"), ["p-FullAWSAccess"]);
    assert_eq!(
        code(w.call(
            "EnablePolicyType",
            json!({"RootId": root, "PolicyType": "SERVICE_CONTROL_POLICY"})
        )),
        "PolicyTypeAlreadyEnabledException"
    );
    assert_eq!(
        code(w.call(
            "EnablePolicyType",
            json!({"RootId": "r-zzzz", "PolicyType": "TAG_POLICY"})
        )),
        "RootNotFoundException"
    );
    let e = w
        .call(
            "EnablePolicyType",
            json!({"RootId": root, "PolicyType": "NOPE"}),
        )
        .unwrap_err();
    assert_eq!(reason(&e), Some("INVALID_ENUM_POLICY_TYPE"));
    let targets = w
        .call(
            "ListTargetsForPolicy",
            json!({"PolicyId": "p-FullAWSAccess"}),
        )
        .unwrap();
    assert_eq!(targets["Targets"].as_array().unwrap().len(), 5);
    w.call(
        "DisablePolicyType",
        json!({"RootId": root, "PolicyType": "SERVICE_CONTROL_POLICY"}),
    )
    .unwrap();
    let targets = w
        .call(
            "ListTargetsForPolicy",
            json!({"PolicyId": "p-FullAWSAccess"}),
        )
        .unwrap();
    assert_eq!(targets["Targets"], json!([]));
    assert_eq!(
        code(w.call(
            "DisablePolicyType",
            json!({"RootId": root, "PolicyType": "SERVICE_CONTROL_POLICY"})
        )),
        "PolicyTypeNotEnabledException"
    );
}

#[test]
fn ous_nest_five_levels_and_are_listed_renamed_and_deleted_when_empty() {
    let w = org_world();
    let root = w.root_id();
    let mut parent = root.clone();
    let mut chain = Vec::new();
    for level in 1..=5 {
        parent = w.create_ou(&parent, &format!("level{level}"));
        assert!(
            parent.starts_with(&format!("ou-{}-", &root[2..])),
            "{parent}"
        );
        chain.push(parent.clone());
    }
    let e = w
        .call(
            "CreateOrganizationalUnit",
            json!({"ParentId": parent, "Name": "six"}),
        )
        .unwrap_err();
    assert_eq!(
        (&*e.code, reason(&e)),
        (
            "ConstraintViolationException",
            Some("OU_DEPTH_LIMIT_EXCEEDED")
        )
    );
    let deepest = w
        .call(
            "DescribeOrganizationalUnit",
            json!({"OrganizationalUnitId": parent}),
        )
        .unwrap();
    let org_id = w.call("DescribeOrganization", json!({})).unwrap()["Organization"]["Id"].clone();
    assert_eq!(
        deepest["OrganizationalUnit"]["Path"],
        format!("{}/{root}/{}/", org_id.as_str().unwrap(), chain.join("/"))
    );
    assert_eq!(
        code(w.call(
            "CreateOrganizationalUnit",
            json!({"ParentId": root, "Name": "level1"})
        )),
        "DuplicateOrganizationalUnitException"
    );
    assert_eq!(
        code(w.call(
            "CreateOrganizationalUnit",
            json!({"ParentId": "ou-abcd-12345678", "Name": "x"})
        )),
        "ParentNotFoundException"
    );
    let e = w
        .call(
            "CreateOrganizationalUnit",
            json!({"ParentId": "bogus", "Name": "x"}),
        )
        .unwrap_err();
    assert_eq!(
        (&*e.code, reason(&e)),
        ("InvalidInputException", Some("INVALID_PATTERN"))
    );
    let children = w
        .call(
            "ListChildren",
            json!({"ParentId": root, "ChildType": "ORGANIZATIONAL_UNIT"}),
        )
        .unwrap();
    assert_eq!(
        children["Children"],
        json!([{"Id": chain[0], "Type": "ORGANIZATIONAL_UNIT"}])
    );
    let accounts = w
        .call(
            "ListChildren",
            json!({"ParentId": root, "ChildType": "ACCOUNT"}),
        )
        .unwrap();
    assert_eq!(
        accounts["Children"],
        json!([{"Id": ACCOUNT, "Type": "ACCOUNT"}])
    );
    let parents = w.call("ListParents", json!({"ChildId": chain[1]})).unwrap();
    assert_eq!(
        parents["Parents"],
        json!([{"Id": chain[0], "Type": "ORGANIZATIONAL_UNIT"}])
    );
    let parents = w.call("ListParents", json!({"ChildId": ACCOUNT})).unwrap();
    assert_eq!(parents["Parents"], json!([{"Id": root, "Type": "ROOT"}]));
    assert_eq!(
        code(w.call("ListParents", json!({"ChildId": "999999999999"}))),
        "ChildNotFoundException"
    );
    let under = w
        .call(
            "ListOrganizationalUnitsForParent",
            json!({"ParentId": chain[0]}),
        )
        .unwrap();
    assert_eq!(ids(&under, "OrganizationalUnits"), [chain[1].clone()]);
    // Renaming keeps names unique among siblings.
    w.create_ou(&root, "other");
    assert_eq!(
        code(w.call(
            "UpdateOrganizationalUnit",
            json!({"OrganizationalUnitId": chain[0], "Name": "other"})
        )),
        "DuplicateOrganizationalUnitException"
    );
    let renamed = w
        .call(
            "UpdateOrganizationalUnit",
            json!({"OrganizationalUnitId": chain[0], "Name": "top"}),
        )
        .unwrap();
    assert_eq!(renamed["OrganizationalUnit"]["Name"], "top");
    assert_eq!(
        code(w.call(
            "DeleteOrganizationalUnit",
            json!({"OrganizationalUnitId": chain[3]})
        )),
        "OrganizationalUnitNotEmptyException"
    );
    w.call(
        "DeleteOrganizationalUnit",
        json!({"OrganizationalUnitId": chain[4]}),
    )
    .unwrap();
    assert_eq!(
        code(w.call(
            "DescribeOrganizationalUnit",
            json!({"OrganizationalUnitId": chain[4]})
        )),
        "OrganizationalUnitNotFoundException"
    );
}

#[test]
fn listings_page_by_max_results_and_next_token() {
    let w = org_world();
    let root = w.root_id();
    let made: Vec<String> = (0..3)
        .map(|i| w.create_ou(&root, &format!("ou{i}")))
        .collect();
    let first = w
        .call(
            "ListOrganizationalUnitsForParent",
            json!({"ParentId": root, "MaxResults": 2}),
        )
        .unwrap();
    assert_eq!(first["OrganizationalUnits"].as_array().unwrap().len(), 2);
    let token = first["NextToken"].as_str().unwrap();
    let second = w
        .call(
            "ListOrganizationalUnitsForParent",
            json!({"ParentId": root, "MaxResults": 2, "NextToken": token}),
        )
        .unwrap();
    assert!(second.get("NextToken").is_none());
    let mut all = ids(&first, "OrganizationalUnits");
    all.extend(ids(&second, "OrganizationalUnits"));
    let mut expected = made;
    expected.sort();
    assert_eq!(all, expected);
    let e = w
        .call(
            "ListOrganizationalUnitsForParent",
            json!({"ParentId": root, "MaxResults": 21}),
        )
        .unwrap_err();
    assert_eq!(reason(&e), Some("MAX_VALUE_EXCEEDED"));
    let e = w
        .call(
            "ListOrganizationalUnitsForParent",
            json!({"ParentId": root, "NextToken": "x"}),
        )
        .unwrap_err();
    assert_eq!(reason(&e), Some("INVALID_NEXT_TOKEN"));
}

#[test]
fn resources_are_tagged_and_untagged() {
    let w = org_world();
    let root = w.root_id();
    let ou = w.create_ou(&root, "eng");
    w.call(
        "TagResource",
        json!({"ResourceId": ou, "Tags": [{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "prod"}]}),
    )
    .unwrap();
    w.call(
        "TagResource",
        json!({"ResourceId": ou, "Tags": [{"Key": "team", "Value": "b"}]}),
    )
    .unwrap();
    let tags = w
        .call("ListTagsForResource", json!({"ResourceId": ou}))
        .unwrap();
    assert_eq!(
        tags["Tags"],
        json!([{"Key": "team", "Value": "b"}, {"Key": "env", "Value": "prod"}])
    );
    // Tags become aws:ResourceTag/* of the OU's accesses.
    let accesses = w
        .base
        .accesses(
            &w.root,
            "organizations",
            "DescribeOrganizationalUnit",
            &json!({"OrganizationalUnitId": ou}),
        )
        .unwrap();
    assert_eq!(
        accesses[0].context.single("aws:ResourceTag/team"),
        Some("b")
    );
    w.call(
        "UntagResource",
        json!({"ResourceId": ou, "TagKeys": ["team"]}),
    )
    .unwrap();
    let tags = w
        .call("ListTagsForResource", json!({"ResourceId": ou}))
        .unwrap();
    assert_eq!(tags["Tags"], json!([{"Key": "env", "Value": "prod"}]));
    assert_eq!(
        code(w.call(
            "TagResource",
            json!({"ResourceId": "ou-abcd-12345678", "Tags": []})
        )),
        "TargetNotFoundException"
    );
    let e = w
        .call(
            "TagResource",
            json!({"ResourceId": ou, "Tags": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]}),
        )
        .unwrap_err();
    assert_eq!(reason(&e), Some("DUPLICATE_TAG_KEY"));
    let many: Vec<Value> = (0..51)
        .map(|i| json!({"Key": format!("k{i}"), "Value": ""}))
        .collect();
    let e = w
        .call("TagResource", json!({"ResourceId": ou, "Tags": many}))
        .unwrap_err();
    assert_eq!(reason(&e), Some("MAX_TAG_LIMIT_EXCEEDED"));
    let tags = w
        .call("ListTagsForResource", json!({"ResourceId": ou}))
        .unwrap();
    assert_eq!(tags["Tags"].as_array().unwrap().len(), 1, "no state change");
}

#[test]
fn trusted_access_and_delegated_administrators() {
    let w = org_world();
    let member = w.create_account("sec");
    let service = "guardduty.amazonaws.com";
    w.call(
        "EnableAWSServiceAccess",
        json!({"ServicePrincipal": service}),
    )
    .unwrap();
    let listed = w
        .call("ListAWSServiceAccessForOrganization", json!({}))
        .unwrap();
    assert_eq!(
        listed["EnabledServicePrincipals"][0]["ServicePrincipal"],
        service
    );
    let e = w
        .call(
            "EnableAWSServiceAccess",
            json!({"ServicePrincipal": "nope"}),
        )
        .unwrap_err();
    assert_eq!(reason(&e), Some("UNRECOGNIZED_SERVICE_PRINCIPAL"));
    let member_admin = w.role_session(&member, "OrganizationAccountAccessRole");
    assert_eq!(
        code(w.call_as(&member_admin, "ListAccounts", json!({}))),
        "AccessDeniedException"
    );
    // Any member may describe its organization.
    w.call_as(&member_admin, "DescribeOrganization", json!({}))
        .unwrap();
    let e = w
        .call(
            "RegisterDelegatedAdministrator",
            json!({"AccountId": ACCOUNT, "ServicePrincipal": service}),
        )
        .unwrap_err();
    assert_eq!(
        reason(&e),
        Some("CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR")
    );
    w.call(
        "RegisterDelegatedAdministrator",
        json!({"AccountId": member, "ServicePrincipal": service}),
    )
    .unwrap();
    assert_eq!(
        code(w.call(
            "RegisterDelegatedAdministrator",
            json!({"AccountId": member, "ServicePrincipal": service})
        )),
        "AccountAlreadyRegisteredException"
    );
    // A delegated administrator reads the organization, but does not change it.
    w.call_as(&member_admin, "ListAccounts", json!({})).unwrap();
    assert_eq!(
        code(w.call_as(
            &member_admin,
            "CreateOrganizationalUnit",
            json!({"ParentId": w.root_id(), "Name": "x"})
        )),
        "AccessDeniedException"
    );
    let admins = w
        .call(
            "ListDelegatedAdministrators",
            json!({"ServicePrincipal": service}),
        )
        .unwrap();
    assert_eq!(ids(&admins, "DelegatedAdministrators"), [member.as_str()]);
    let services = w
        .call(
            "ListDelegatedServicesForAccount",
            json!({"AccountId": member}),
        )
        .unwrap();
    assert_eq!(
        services["DelegatedServices"][0]["ServicePrincipal"],
        service
    );
    assert_eq!(
        reason(
            &w.call(
                "RemoveAccountFromOrganization",
                json!({"AccountId": member})
            )
            .unwrap_err()
        ),
        Some("CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG")
    );
    w.call(
        "DeregisterDelegatedAdministrator",
        json!({"AccountId": member, "ServicePrincipal": service}),
    )
    .unwrap();
    assert_eq!(
        code(w.call(
            "DeregisterDelegatedAdministrator",
            json!({"AccountId": member, "ServicePrincipal": service})
        )),
        "AccountNotRegisteredException"
    );
    assert_eq!(
        code(w.call_as(&member_admin, "ListAccounts", json!({}))),
        "AccessDeniedException"
    );
    w.call(
        "DisableAWSServiceAccess",
        json!({"ServicePrincipal": service}),
    )
    .unwrap();
    let listed = w
        .call("ListAWSServiceAccessForOrganization", json!({}))
        .unwrap();
    assert_eq!(listed["EnabledServicePrincipals"], json!([]));
}
