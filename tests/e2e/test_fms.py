"""Firewall Manager end to end with boto3 and the AWS CLI: the management account makes a member
account the Firewall Manager administrator; the administrator puts a WAFV2 policy whose
pre-process rule group blocks an IP set; a load balancer created afterwards in another member
account gets the policy's web ACL within a minute of the admin clock (ManagedByFirewallManager,
the administrator's rule group in PreProcessFirewallManagerRuleGroups, the account's own Rules
apart), and traffic from the blocked address through the load balancer's listener is answered
403 while other traffic reaches the app. The member edits its own rules but cannot delete the
web ACL; the administrator's change to its IP set reaches the member's load balancer. The
administrator cannot delete the policy's rule group while a member's web ACL uses it; after
DeletePolicy (without its resources) it can, and the member's load balancer serves throughout."""

import http.client
import json

import botocore.exceptions
import pytest

from conftest import free_port
from test_elb import App, healthy, port_open, visibility, wait_for

ROLE = "OrganizationAccountAccessRole"
LB_TYPE = "AWS::ElasticLoadBalancingV2::LoadBalancer"
BLOCKED = "127.0.0.2"
ALSO_BLOCKED = "127.0.0.3"


@pytest.fixture
def app():
    a = App()
    yield a
    a.close()


def member_client(server, account, service):
    credentials = server.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="fms-e2e"
    )["Credentials"]
    return server.client(service, key_id=credentials["AccessKeyId"],
                         secret=credentials["SecretAccessKey"], token=credentials["SessionToken"])


def status_from(source, port, path="/"):
    """The HTTP status of a GET to the listener sent from the loopback address `source`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response["Error"]


def organization(server):
    """An organization with two member accounts: (security, app)."""
    org = server.client("organizations")
    org.create_organization(FeatureSet="ALL")
    ids = []
    for name in ("security", "app"):
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        assert status["State"] == "SUCCEEDED"
        ids.append(status["AccountId"])
    return ids


def policy_data(group_arn):
    return json.dumps({
        "type": "WAFV2",
        "preProcessRuleGroups": [{"ruleGroupArn": group_arn, "overrideAction": {"type": "NONE"},
                                  "ruleGroupType": "RuleGroup", "excludeRules": []}],
        "postProcessRuleGroups": [],
        "defaultAction": {"type": "ALLOW"},
        "overrideCustomerWebACLAssociation": False,
    })


def blocking_group(waf):
    """The administrator's IP set holding BLOCKED and a rule group blocking it: their summaries."""
    ip = waf.create_ip_set(Name="blocked", Scope="REGIONAL", IPAddressVersion="IPV4",
                           Addresses=[f"{BLOCKED}/32"])["Summary"]
    group = waf.create_rule_group(
        Name="org-block", Scope="REGIONAL", Capacity=10, VisibilityConfig=visibility("org-block"),
        Rules=[{"Name": "blocked-ip", "Priority": 0, "Action": {"Block": {}},
                "Statement": {"IPSetReferenceStatement": {"ARN": ip["ARN"]}},
                "VisibilityConfig": visibility("blocked-ip")}])["Summary"]
    return ip, group


def put_policy(admin_fms, group):
    """The administrator's policy `org-waf` putting `group` first on every load balancer."""
    return admin_fms.put_policy(Policy={
        "PolicyName": "org-waf",
        "SecurityServicePolicyData": {"Type": "WAFV2", "ManagedServiceData": policy_data(group["ARN"])},
        "ResourceType": LB_TYPE,
        "ExcludeResourceTags": False,
        "RemediationEnabled": True,
    })


def load_balancer(server, member, app):
    """A load balancer of `member` whose listener forwards to `app`, serving: (ARN, port)."""
    elb = member_client(server, member, "elbv2")
    port = free_port()
    lb_arn = elb.create_load_balancer(Name="web", Type="application",
                                      Subnets=["subnet-0a1", "subnet-0b2"])["LoadBalancers"][0]["LoadBalancerArn"]
    tg_arn = elb.create_target_group(Name="app", Protocol="HTTP", Port=app.port, TargetType="ip",
                                     VpcId="vpc-1", HealthCheckPath="/health",
                                     HealthCheckIntervalSeconds=5,
                                     HealthCheckTimeoutSeconds=2)["TargetGroups"][0]["TargetGroupArn"]
    elb.create_listener(LoadBalancerArn=lb_arn, Protocol="HTTP", Port=port,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}])
    elb.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": "127.0.0.1", "Port": app.port}])
    wait_for(lambda: port_open(port), "the listener's port")
    wait_for(lambda: healthy(elb, tg_arn), "a healthy target")
    return lb_arn, port


def protected_after_a_minute(server, member_waf, lb_arn):
    """Advances the admin clock a minute; the policy's web ACL on `lb_arn` once it is there."""
    assert server.admin("/_rampart/clock/advance", {"Seconds": 61})[0] == 200

    def protected():
        acl = member_waf.get_web_acl_for_resource(ResourceArn=lb_arn).get("WebACL")
        return acl if acl and acl["Name"].startswith("FMManagedWebACLV2-org-waf-") else None

    return wait_for(protected, "the Firewall Manager web ACL on the new load balancer")


def test_a_policy_protects_load_balancers_created_later_in_member_accounts(server, app):
    security, member = organization(server)
    fms = server.client("fms")
    fms.associate_admin_account(AdminAccount=security)
    got = fms.get_admin_account()
    assert (got["AdminAccount"], got["RoleStatus"]) == (security, "READY")

    # The administrator: an IP set and a rule group blocking it, and the policy.
    waf = member_client(server, security, "wafv2")
    ip, group = blocking_group(waf)
    admin_fms = member_client(server, security, "fms")
    out = put_policy(admin_fms, group)
    policy_id = out["Policy"]["PolicyId"]
    assert out["PolicyArn"] == f"arn:aws:fms:us-east-1:{security}:policy/{policy_id}"
    assert [p["PolicyName"] for p in admin_fms.list_policies()["PolicyList"]] == ["org-waf"]

    # Another member account creates a load balancer afterwards.
    lb_arn, port = load_balancer(server, member, app)
    assert status_from(BLOCKED, port) == 200  # not protected yet

    # Within a minute of the admin clock, Firewall Manager protects it.
    member_waf = member_client(server, member, "wafv2")
    acl = protected_after_a_minute(server, member_waf, lb_arn)
    assert acl["ManagedByFirewallManager"] is True
    assert acl["Rules"] == []
    [pre] = acl["PreProcessFirewallManagerRuleGroups"]
    assert pre["Name"].startswith("PREFMManaged-org-waf-")
    assert pre["FirewallManagerStatement"] == {"RuleGroupReferenceStatement": {"ARN": group["ARN"]}}
    assert pre["OverrideAction"] == {"None": {}}
    assert acl["PostProcessFirewallManagerRuleGroups"] == []
    assert wait_for(lambda: status_from(BLOCKED, port) == 403, "a 403 for the blocked address")
    assert status_from("127.0.0.1", port, "/hello") == 200
    assert "/hello" in app.paths()

    # The member's own rules are its own: an update keeps Firewall Manager's group, and the
    # member's rule runs after it in the same evaluation.
    got = member_waf.get_web_acl(ARN=acl["ARN"])
    member_waf.update_web_acl(
        Name=acl["Name"], Scope="REGIONAL", Id=acl["Id"], LockToken=got["LockToken"],
        DefaultAction={"Allow": {}}, VisibilityConfig=acl["VisibilityConfig"],
        Rules=[{"Name": "no-admin", "Priority": 0, "Action": {"Block": {}},
                "Statement": {"ByteMatchStatement": {
                    "SearchString": b"/admin", "FieldToMatch": {"UriPath": {}},
                    "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}],
                    "PositionalConstraint": "STARTS_WITH"}},
                "VisibilityConfig": visibility("no-admin")}])
    got = member_waf.get_web_acl(ARN=acl["ARN"])
    assert [r["Name"] for r in got["WebACL"]["Rules"]] == ["no-admin"]
    assert got["WebACL"]["PreProcessFirewallManagerRuleGroups"] == [pre]
    assert wait_for(lambda: status_from("127.0.0.1", port, "/admin/x") == 403, "the member's rule")
    assert status_from(BLOCKED, port) == 403
    # Only Firewall Manager deletes its web ACL.
    e = error_of(lambda: member_waf.delete_web_acl(
        Name=acl["Name"], Scope="REGIONAL", Id=acl["Id"], LockToken=got["LockToken"]))
    assert e["Code"] == "WAFInvalidOperationException"

    # The administrator blocks one more address: the member's load balancer follows at once
    # (the group is the administrator's, not a copy).
    assert status_from(ALSO_BLOCKED, port) == 200
    current = waf.get_ip_set(Name="blocked", Scope="REGIONAL", Id=ip["Id"])
    waf.update_ip_set(Name="blocked", Scope="REGIONAL", Id=ip["Id"], LockToken=current["LockToken"],
                      Addresses=[f"{BLOCKED}/32", f"{ALSO_BLOCKED}/32"])
    assert wait_for(lambda: status_from(ALSO_BLOCKED, port) == 403, "the administrator's change")

    # Compliance, as the administrator sees it.
    def compliant():
        rows = admin_fms.list_compliance_status(PolicyId=policy_id)["PolicyComplianceStatusList"]
        return [r for r in rows if r["MemberAccount"] == member
                and r["EvaluationResults"][0]["ComplianceStatus"] == "COMPLIANT"]

    wait_for(compliant, "the member account compliant")
    detail = admin_fms.get_compliance_detail(PolicyId=policy_id, MemberAccount=member)
    assert detail["PolicyComplianceDetail"]["Violators"] == []

    # Only the administrator manages policies; other policy types are refused.
    assert error_of(lambda: member_client(server, member, "fms").list_policies())["Code"] == \
        "InvalidOperationException"
    e = error_of(lambda: admin_fms.put_policy(Policy={
        "PolicyName": "shield", "ResourceType": LB_TYPE, "ExcludeResourceTags": False,
        "RemediationEnabled": False,
        "SecurityServicePolicyData": {"Type": "SHIELD_ADVANCED"}}))
    assert e["Code"] == "InvalidInputException" and "WAFV2" in e["Message"]

    # Deleting the policy with its resources lifts the protection.
    admin_fms.delete_policy(PolicyId=policy_id, DeleteAllPolicyResources=True)
    assert member_waf.get_web_acl_for_resource(ResourceArn=lb_arn).get("WebACL") is None
    assert wait_for(lambda: status_from(BLOCKED, port) == 200, "the blocked address let through again")


def test_the_cli_manages_the_administrator(server):
    security, member = organization(server)
    server.aws("fms", "associate-admin-account", "--admin-account", security)
    _, out, _ = server.aws("fms", "get-admin-account")
    assert out["AdminAccount"] == security
    # Only the management account (or the administrator) may remove it.
    e = error_of(lambda: member_client(server, member, "fms").disassociate_admin_account())
    assert e["Code"] == "InvalidOperationException"
    e = error_of(lambda: member_client(server, member, "fms").associate_admin_account(AdminAccount=member))
    assert e["Code"] == "InvalidOperationException"
    server.aws("fms", "disassociate-admin-account")
    code, _, err = server.aws("fms", "get-admin-account", check=False)
    assert code != 0 and "ResourceNotFoundException" in err


def test_the_administrator_deletes_the_policys_rule_group_only_once_no_member_uses_it(server, app):
    """AWS refuses DeleteRuleGroup with WAFAssociatedItemException while a web ACL uses the
    group (botocore's wafv2 model lists it for DeleteRuleGroup), Firewall Manager's web ACLs in
    member accounts included. DeletePolicy without DeleteAllPolicyResources leaves the member's
    web ACL on its load balancer without the policy's group; then the group can go. The member's
    load balancer serves throughout."""
    security, member = organization(server)
    server.client("fms").associate_admin_account(AdminAccount=security)
    waf = member_client(server, security, "wafv2")
    ip, group = blocking_group(waf)
    admin_fms = member_client(server, security, "fms")
    policy_id = put_policy(admin_fms, group)["Policy"]["PolicyId"]
    lb_arn, port = load_balancer(server, member, app)
    member_waf = member_client(server, member, "wafv2")
    acl = protected_after_a_minute(server, member_waf, lb_arn)
    assert wait_for(lambda: status_from(BLOCKED, port) == 403, "a 403 for the blocked address")

    def serving():
        return status_from("127.0.0.1", port) == 200

    def delete_group():
        token = waf.get_rule_group(ARN=group["ARN"])["LockToken"]
        return waf.delete_rule_group(Name="org-block", Scope="REGIONAL", Id=group["Id"], LockToken=token)

    # In use by the member's Firewall Manager web ACL: refused, and the IP set the group uses too.
    assert error_of(delete_group)["Code"] == "WAFAssociatedItemException"
    ip_token = waf.get_ip_set(Name="blocked", Scope="REGIONAL", Id=ip["Id"])["LockToken"]
    e = error_of(lambda: waf.delete_ip_set(Name="blocked", Scope="REGIONAL", Id=ip["Id"], LockToken=ip_token))
    assert e["Code"] == "WAFAssociatedItemException"
    assert serving()

    # The policy goes, its resources stay: the member's web ACL keeps the load balancer, without
    # the administrator's group, as the member's own.
    admin_fms.delete_policy(PolicyId=policy_id)
    assert serving()
    assert server.admin("/_rampart/clock/advance", {"Seconds": 61})[0] == 200
    kept = member_waf.get_web_acl_for_resource(ResourceArn=lb_arn)["WebACL"]
    assert kept["ARN"] == acl["ARN"]
    assert kept["ManagedByFirewallManager"] is False
    assert kept["PreProcessFirewallManagerRuleGroups"] == []
    assert serving()

    # Now the administrator deletes the group, then its IP set; the member's load balancer
    # keeps serving (no 503), the blocked address let through with the group gone.
    delete_group()
    waf.delete_ip_set(Name="blocked", Scope="REGIONAL", Id=ip["Id"], LockToken=ip_token)
    assert serving()
    assert wait_for(lambda: status_from(BLOCKED, port) == 200, "the blocked address let through")
    assert serving()
