"""WAFv2 control plane end to end, with boto3 and the AWS CLI: IP sets, regex pattern sets, rule
groups and web ACLs with lock tokens, capacity (WCU) as CheckCapacity reports it, managed rule
groups, associations with an application load balancer ARN, and authorization."""

import json

import botocore.exceptions
import pytest


def error(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response


def visibility(name):
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name}


def account_of(server):
    return server.client("sts").get_caller_identity()["Account"]


def alb_arn(account, name="app-lb", region="us-east-1"):
    return f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{name}/50dc6c495c0c9188"


def rules(ip_set_arn, regex_arn, group_arn):
    return [
        {
            "Name": "blocked-ips", "Priority": 0, "Action": {"Block": {}},
            "VisibilityConfig": visibility("blocked-ips"),
            "Statement": {"IPSetReferenceStatement": {"ARN": ip_set_arn}},
        },
        {
            "Name": "rate", "Priority": 1, "Action": {"Block": {}},
            "VisibilityConfig": visibility("rate"),
            "Statement": {"RateBasedStatement": {"Limit": 100, "EvaluationWindowSec": 60,
                                                 "AggregateKeyType": "IP"}},
        },
        {
            "Name": "sqli-group", "Priority": 2, "OverrideAction": {"Count": {}},
            "VisibilityConfig": visibility("sqli-group"),
            "Statement": {"ManagedRuleGroupStatement": {
                "VendorName": "AWS", "Name": "AWSManagedRulesSQLiRuleSet",
                "RuleActionOverrides": [{"Name": "SQLi_QUERYARGUMENTS", "ActionToUse": {"Count": {}}}]}},
        },
        {
            "Name": "admin", "Priority": 3, "Action": {"Block": {}},
            "VisibilityConfig": visibility("admin"),
            "Statement": {"RegexPatternSetReferenceStatement": {
                "ARN": regex_arn, "FieldToMatch": {"UriPath": {}},
                "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}]}},
        },
        {
            "Name": "own-group", "Priority": 4, "OverrideAction": {"None": {}},
            "VisibilityConfig": visibility("own-group"),
            "Statement": {"RuleGroupReferenceStatement": {"ARN": group_arn}},
        },
    ]


def test_cli_ip_set_with_lock_tokens(server):
    account = account_of(server)
    _, out, _ = server.aws("wafv2", "create-ip-set", "--name", "office", "--scope", "REGIONAL",
                           "--ip-address-version", "IPV4", "--addresses", "192.0.2.0/24", "198.51.100.7/32")
    summary = out["Summary"]
    assert summary["ARN"] == f"arn:aws:wafv2:us-east-1:{account}:regional/ipset/office/{summary['Id']}"
    _, got, _ = server.aws("wafv2", "get-ip-set", "--name", "office", "--scope", "REGIONAL", "--id", summary["Id"])
    assert got["IPSet"]["Addresses"] == ["192.0.2.0/24", "198.51.100.7/32"]
    assert got["LockToken"] == summary["LockToken"]
    _, upd, _ = server.aws("wafv2", "update-ip-set", "--name", "office", "--scope", "REGIONAL",
                           "--id", summary["Id"], "--addresses", "203.0.113.0/24",
                           "--lock-token", got["LockToken"])
    assert upd["NextLockToken"] != got["LockToken"]
    code, _, err = server.aws("wafv2", "update-ip-set", "--name", "office", "--scope", "REGIONAL",
                              "--id", summary["Id"], "--addresses", "203.0.113.0/25",
                              "--lock-token", got["LockToken"], check=False)
    assert code != 0 and "WAFOptimisticLockException" in err
    code, _, err = server.aws("wafv2", "create-ip-set", "--name", "bad", "--scope", "REGIONAL",
                              "--ip-address-version", "IPV4", "--addresses", "10.0.0.300/32", check=False)
    assert code != 0 and "WAFInvalidParameterException" in err and "IP_ADDRESS" in err
    _, listed, _ = server.aws("wafv2", "list-ip-sets", "--scope", "REGIONAL")
    assert [s["Name"] for s in listed["IPSets"]] == ["office"]
    server.aws("wafv2", "delete-ip-set", "--name", "office", "--scope", "REGIONAL",
               "--id", summary["Id"], "--lock-token", upd["NextLockToken"])
    code, _, err = server.aws("wafv2", "get-ip-set", "--name", "office", "--scope", "REGIONAL",
                              "--id", summary["Id"], check=False)
    assert code != 0 and "WAFNonexistentItemException" in err


def test_web_acl_with_rate_based_and_managed_rules(server):
    waf = server.client("wafv2")
    account = account_of(server)
    ips = waf.create_ip_set(Name="blocked", Scope="REGIONAL", IPAddressVersion="IPV4",
                            Addresses=["192.0.2.0/24"], Tags=[{"Key": "team", "Value": "sec"}])["Summary"]
    regex = waf.create_regex_pattern_set(Name="admin-paths", Scope="REGIONAL",
                                         RegularExpressionList=[{"RegexString": "^/admin"}])["Summary"]
    group_rules = [{
        "Name": "bad-agent", "Priority": 0, "Action": {"Block": {}},
        "VisibilityConfig": visibility("bad-agent"), "RuleLabels": [{"Name": "agent:bad"}],
        "Statement": {"ByteMatchStatement": {
            "SearchString": b"sqlmap", "FieldToMatch": {"SingleHeader": {"Name": "user-agent"}},
            "PositionalConstraint": "CONTAINS",
            "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}]}},
    }]
    # CONTAINS costs 10 WCU, its transformation 10, one label 1: 21.
    assert waf.check_capacity(Scope="REGIONAL", Rules=group_rules)["Capacity"] == 21
    too_small = error(lambda: waf.create_rule_group(Name="agents", Scope="REGIONAL", Capacity=20,
                                                     VisibilityConfig=visibility("agents"), Rules=group_rules))
    assert too_small["Error"]["Code"] == "WAFInvalidParameterException"
    assert too_small["Field"] == "RULE_GROUP" and too_small["Parameter"] == "21"
    group = waf.create_rule_group(Name="agents", Scope="REGIONAL", Capacity=50,
                                  VisibilityConfig=visibility("agents"), Rules=group_rules)["Summary"]
    got_group = waf.get_rule_group(ARN=group["ARN"])["RuleGroup"]
    assert got_group["Capacity"] == 50
    assert got_group["AvailableLabels"] == [{"Name": f"awswaf:{account}:rulegroup:agents:agent:bad"}]

    acl_rules = rules(ips["ARN"], regex["ARN"], group["ARN"])
    # IP set 1 + rate-based 2 + the SQL database group 200 + regex set 25 (+10 transformation)
    # + the rule group's declared 50.
    assert waf.check_capacity(Scope="REGIONAL", Rules=acl_rules)["Capacity"] == 288
    acl = waf.create_web_acl(Name="app", Scope="REGIONAL", DefaultAction={"Allow": {}},
                             VisibilityConfig=visibility("app"), Rules=acl_rules,
                             TokenDomains=["example.com"],
                             CustomResponseBodies={"denied": {"ContentType": "TEXT_PLAIN", "Content": "no"}},
                             Tags=[{"Key": "env", "Value": "test"}])["Summary"]
    assert acl["ARN"] == f"arn:aws:wafv2:us-east-1:{account}:regional/webacl/app/{acl['Id']}"
    got = waf.get_web_acl(Name="app", Scope="REGIONAL", Id=acl["Id"])
    web_acl = got["WebACL"]
    assert web_acl["Capacity"] == 288
    assert web_acl["LabelNamespace"] == f"awswaf:{account}:webacl:app:"
    assert [r["Name"] for r in web_acl["Rules"]] == ["blocked-ips", "rate", "sqli-group", "admin", "own-group"]
    assert web_acl["Rules"][1]["Statement"]["RateBasedStatement"]["Limit"] == 100
    assert web_acl["TokenDomains"] == ["example.com"]
    assert got["LockToken"] == acl["LockToken"]

    # Update with the current token; the old one is stale afterwards.
    update = dict(Name="app", Scope="REGIONAL", Id=acl["Id"], DefaultAction={"Block": {}},
                  VisibilityConfig=visibility("app"), Rules=acl_rules[:2], LockToken=got["LockToken"])
    next_token = waf.update_web_acl(**update)["NextLockToken"]
    assert next_token != got["LockToken"]
    stale = error(lambda: waf.update_web_acl(**update))
    assert stale["Error"]["Code"] == "WAFOptimisticLockException"
    assert waf.get_web_acl(ARN=acl["ARN"])["WebACL"]["Capacity"] == 3

    # Referenced sets cannot go while the ACL uses them.
    ip_token = waf.get_ip_set(Name="blocked", Scope="REGIONAL", Id=ips["Id"])["LockToken"]
    in_use = error(lambda: waf.delete_ip_set(Name="blocked", Scope="REGIONAL", Id=ips["Id"], LockToken=ip_token))
    assert in_use["Error"]["Code"] == "WAFAssociatedItemException"

    # Bad input: an unknown set, a malformed statement (with AWS's Field/Parameter/Reason).
    missing = f"arn:aws:wafv2:us-east-1:{account}:regional/ipset/nope/a1b2c3d4-5678-90ab-cdef-0123456789ab"
    unknown = error(lambda: waf.create_web_acl(
        Name="other", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=visibility("o"),
        Rules=[dict(acl_rules[0], Statement={"IPSetReferenceStatement": {"ARN": missing}})]))
    assert unknown["Error"]["Code"] == "WAFNonexistentItemException"
    bad = error(lambda: waf.create_web_acl(
        Name="other", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=visibility("o"),
        Rules=[acl_rules[1], dict(acl_rules[1], Priority=5)]))
    assert bad["Error"]["Code"] == "WAFInvalidParameterException"
    assert bad["Field"] == "RULE" and bad["Reason"] and bad["Parameter"] == "rate"

    # Clean up in dependency order.
    waf.delete_web_acl(Name="app", Scope="REGIONAL", Id=acl["Id"], LockToken=next_token)
    waf.delete_ip_set(Name="blocked", Scope="REGIONAL", Id=ips["Id"], LockToken=ip_token)
    group_token = waf.get_rule_group(Name="agents", Scope="REGIONAL", Id=group["Id"])["LockToken"]
    waf.delete_rule_group(Name="agents", Scope="REGIONAL", Id=group["Id"], LockToken=group_token)
    assert waf.list_web_acls(Scope="REGIONAL")["WebACLs"] == []


def test_cli_nothing_in_use_is_deleted(server):
    """DeleteIPSet, DeleteRegexPatternSet, DeleteRuleGroup and DeleteWebACL all list
    WAFAssociatedItemException in botocore's wafv2 model: a set or rule group a web ACL (or, for
    a set, a rule group) uses, or a web ACL associated with a resource, is not deleted."""
    account = account_of(server)
    lb = alb_arn(account, "in-use")

    def create(*args):
        return server.aws("wafv2", *args, "--scope", "REGIONAL")[1]["Summary"]

    ips = create("create-ip-set", "--name", "ips", "--ip-address-version", "IPV4",
                 "--addresses", "192.0.2.0/24")
    regex = create("create-regex-pattern-set", "--name", "paths",
                   "--regular-expression-list", json.dumps([{"RegexString": "^/admin"}]))
    group_rules = [{"Name": "paths", "Priority": 0, "Action": {"Block": {}},
                    "VisibilityConfig": visibility("paths"),
                    "Statement": {"RegexPatternSetReferenceStatement": {
                        "ARN": regex["ARN"], "FieldToMatch": {"UriPath": {}},
                        "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}}]
    group = create("create-rule-group", "--name", "g", "--capacity", "50",
                   "--visibility-config", json.dumps(visibility("g")), "--rules", json.dumps(group_rules))
    acl_rules = [rules(ips["ARN"], regex["ARN"], group["ARN"])[i] for i in (0, 4)]
    acl = create("create-web-acl", "--name", "app", "--default-action", json.dumps({"Allow": {}}),
                 "--visibility-config", json.dumps(visibility("app")), "--rules", json.dumps(acl_rules))
    server.aws("wafv2", "associate-web-acl", "--web-acl-arn", acl["ARN"], "--resource-arn", lb)

    def delete(kind, entity, check):
        _, got, _ = server.aws("wafv2", f"get-{kind}", "--name", entity["Name"], "--scope", "REGIONAL",
                               "--id", entity["Id"])
        return server.aws("wafv2", f"delete-{kind}", "--name", entity["Name"], "--scope", "REGIONAL",
                          "--id", entity["Id"], "--lock-token", got["LockToken"], check=check)

    in_use = [("ip-set", ips), ("regex-pattern-set", regex), ("rule-group", group), ("web-acl", acl)]
    for kind, entity in in_use:
        code, _, err = delete(kind, entity, check=False)
        assert code != 0 and "WAFAssociatedItemException" in err, kind
    # Released in dependency order, each goes.
    server.aws("wafv2", "disassociate-web-acl", "--resource-arn", lb)
    for kind, entity in (in_use[3], in_use[0], in_use[2], in_use[1]):
        delete(kind, entity, check=True)
    _, left, _ = server.aws("wafv2", "list-rule-groups", "--scope", "REGIONAL")
    assert left["RuleGroups"] == []


def test_managed_rule_groups(server):
    waf = server.client("wafv2")
    names = [g["Name"] for g in waf.list_available_managed_rule_groups(Scope="REGIONAL")["ManagedRuleGroups"]]
    assert "AWSManagedRulesCommonRuleSet" in names and "AWSManagedRulesSQLiRuleSet" in names
    described = waf.describe_managed_rule_group(VendorName="AWS", Name="AWSManagedRulesSQLiRuleSet",
                                                Scope="REGIONAL")
    assert described["Capacity"] == 200
    assert described["LabelNamespace"] == "awswaf:managed:aws:sql-database:"
    assert "SQLi_QUERYARGUMENTS" in [r["Name"] for r in described["Rules"]]
    versions = waf.list_available_managed_rule_group_versions(VendorName="AWS",
                                                              Name="AWSManagedRulesSQLiRuleSet",
                                                              Scope="REGIONAL")
    assert versions["CurrentDefaultVersion"] == versions["Versions"][0]["Name"]


def test_associate_with_a_load_balancer(server):
    waf = server.client("wafv2")
    account = account_of(server)
    lb = alb_arn(account)
    acl = waf.create_web_acl(Name="edge", Scope="REGIONAL", DefaultAction={"Allow": {}},
                             VisibilityConfig=visibility("edge"), Rules=[])["Summary"]
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=lb)
    assert waf.get_web_acl_for_resource(ResourceArn=lb)["WebACL"]["ARN"] == acl["ARN"]
    assert waf.list_resources_for_web_acl(WebACLArn=acl["ARN"], ResourceType="APPLICATION_LOAD_BALANCER")[
        "ResourceArns"] == [lb]
    token = waf.get_web_acl(ARN=acl["ARN"])["LockToken"]
    busy = error(lambda: waf.delete_web_acl(Name="edge", Scope="REGIONAL", Id=acl["Id"], LockToken=token))
    assert busy["Error"]["Code"] == "WAFAssociatedItemException"

    # Logging to a destination named aws-waf-logs-*.
    dest = f"arn:aws:logs:us-east-1:{account}:log-group:aws-waf-logs-edge"
    waf.put_logging_configuration(LoggingConfiguration={"ResourceArn": acl["ARN"], "LogDestinationConfigs": [dest]})
    assert waf.get_logging_configuration(ResourceArn=acl["ARN"])["LoggingConfiguration"][
        "LogDestinationConfigs"] == [dest]

    # The CLI sees the same association.
    _, out, _ = server.aws("wafv2", "get-web-acl-for-resource", "--resource-arn", lb)
    assert out["WebACL"]["Name"] == "edge"
    server.aws("wafv2", "disassociate-web-acl", "--resource-arn", lb)
    assert "WebACL" not in waf.get_web_acl_for_resource(ResourceArn=lb)
    waf.delete_web_acl(Name="edge", Scope="REGIONAL", Id=acl["Id"], LockToken=token)
    gone = error(lambda: waf.get_logging_configuration(ResourceArn=acl["ARN"]))
    assert gone["Error"]["Code"] == "WAFNonexistentItemException"


def test_permissions_follow_the_authorization_reference(server):
    waf = server.client("wafv2")
    account = account_of(server)
    lb = alb_arn(account)
    acl = waf.create_web_acl(Name="team", Scope="REGIONAL", DefaultAction={"Allow": {}},
                             VisibilityConfig=visibility("team"), Rules=[],
                             Tags=[{"Key": "team", "Value": "blue"}])["Summary"]
    iam = server.client("iam")
    iam.create_user(UserName="waf-op")
    key = iam.create_access_key(UserName="waf-op")["AccessKey"]
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["wafv2:GetWebACL", "wafv2:AssociateWebACL"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}},
        {"Effect": "Allow", "Action": "wafv2:AssociateWebACL", "Resource": lb},
    ]}
    iam.put_user_policy(UserName="waf-op", PolicyName="p", PolicyDocument=json.dumps(policy))
    op = server.client("wafv2", key_id=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert op.get_web_acl(ARN=acl["ARN"])["WebACL"]["Name"] == "team"
    assert error(lambda: op.list_web_acls(Scope="REGIONAL"))["Error"]["Code"] == "AccessDeniedException"
    # Associating also needs the load balancer's elasticloadbalancing:SetWebAcl.
    denied = error(lambda: op.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=lb))
    assert denied["Error"]["Code"] == "AccessDeniedException"
    assert "elasticloadbalancing:SetWebAcl" in denied["Error"]["Message"]
    policy["Statement"].append({"Effect": "Allow", "Action": "elasticloadbalancing:SetWebAcl", "Resource": "*"})
    iam.put_user_policy(UserName="waf-op", PolicyName="p", PolicyDocument=json.dumps(policy))
    op.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=lb)
    assert waf.get_web_acl_for_resource(ResourceArn=lb)["WebACL"]["Id"] == acl["Id"]


def test_cli_web_acl_from_a_rules_file(server, tmp_path):
    rules_file = tmp_path / "rules.json"
    rules_file.write_text(json.dumps([
        {"Name": "sqli", "Priority": 0, "Action": {"Block": {}}, "VisibilityConfig": visibility("sqli"),
         "Statement": {"SqliMatchStatement": {"FieldToMatch": {"AllQueryArguments": {}},
                                              "SensitivityLevel": "HIGH",
                                              "TextTransformations": [{"Priority": 0, "Type": "URL_DECODE"}]}}},
        {"Name": "geo", "Priority": 1, "Action": {"Count": {}}, "VisibilityConfig": visibility("geo"),
         "Statement": {"GeoMatchStatement": {"CountryCodes": ["US", "CA"]}}},
    ]))
    # SQLi HIGH 30 + AllQueryArguments 10 + one transformation 10; geo 1.
    _, cap, _ = server.aws("wafv2", "check-capacity", "--scope", "REGIONAL", "--rules", f"file://{rules_file}")
    assert cap["Capacity"] == 51
    _, out, _ = server.aws("wafv2", "create-web-acl", "--name", "cli-acl", "--scope", "REGIONAL",
                           "--default-action", "Allow={}", "--rules", f"file://{rules_file}",
                           "--visibility-config",
                           "SampledRequestsEnabled=true,CloudWatchMetricsEnabled=true,MetricName=cli-acl")
    summary = out["Summary"]
    _, got, _ = server.aws("wafv2", "get-web-acl", "--name", "cli-acl", "--scope", "REGIONAL", "--id", summary["Id"])
    assert got["WebACL"]["Capacity"] == 51
    assert got["WebACL"]["Rules"][0]["Statement"]["SqliMatchStatement"]["SensitivityLevel"] == "HIGH"
    _, listed, _ = server.aws("wafv2", "list-web-acls", "--scope", "REGIONAL")
    assert [a["Name"] for a in listed["WebACLs"]] == ["cli-acl"]
    _, sampled, _ = server.aws("wafv2", "get-sampled-requests", "--web-acl-arn", summary["ARN"],
                               "--rule-metric-name", "sqli", "--scope", "REGIONAL", "--max-items", "10",
                               "--time-window", f"StartTime={int(__import__('time').time()) - 600},"
                                                f"EndTime={int(__import__('time').time())}")
    assert sampled["SampledRequests"] == [] and sampled["PopulationSize"] == 0


def test_rule_group_shared_by_another_account(server):
    home = account_of(server)
    org = server.client("organizations")
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(Email="sec@example.com", AccountName="security")["CreateAccountStatus"]["AccountId"]
    creds = server.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="waf")["Credentials"]
    member_waf = server.client("wafv2", key_id=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                               token=creds["SessionToken"])
    group = member_waf.create_rule_group(
        Name="org-baseline", Scope="REGIONAL", Capacity=25, VisibilityConfig=visibility("org-baseline"),
        Rules=[{"Name": "no-trace", "Priority": 0, "Action": {"Block": {}},
                "VisibilityConfig": visibility("no-trace"),
                "Statement": {"ByteMatchStatement": {"SearchString": b"TRACE", "FieldToMatch": {"Method": {}},
                                                     "PositionalConstraint": "EXACTLY",
                                                     "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}}],
    )["Summary"]
    assert f":{member}:regional/rulegroup/org-baseline/" in group["ARN"]

    waf = server.client("wafv2")
    create = lambda name: waf.create_web_acl(
        Name=name, Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=visibility(name),
        Rules=[{"Name": "baseline", "Priority": 0, "OverrideAction": {"None": {}},
                "VisibilityConfig": visibility("baseline"),
                "Statement": {"RuleGroupReferenceStatement": {"ARN": group["ARN"]}}}])
    # Not shared yet: the other account's group is out of reach.
    assert error(lambda: create("uses-shared"))["Error"]["Code"] == "AccessDeniedException"
    bad = error(lambda: member_waf.put_permission_policy(ResourceArn=group["ARN"], Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": home},
                                                "Action": "wafv2:*"}]})))
    assert bad["Error"]["Code"] == "WAFInvalidPermissionPolicyException"
    member_waf.put_permission_policy(ResourceArn=group["ARN"], Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{home}:root"},
            "Action": ["wafv2:CreateWebACL", "wafv2:UpdateWebACL", "wafv2:PutFirewallManagerRuleGroups"]}]}))
    acl = create("uses-shared")["Summary"]
    assert waf.get_web_acl(ARN=acl["ARN"])["WebACL"]["Capacity"] == 25
    # Reading the group needs wafv2:GetRuleGroup in the owner's policy too.
    assert error(lambda: waf.get_rule_group(ARN=group["ARN"]))["Error"]["Code"] == "AccessDeniedException"
    member_waf.put_permission_policy(ResourceArn=group["ARN"], Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": home},
            "Action": ["wafv2:CreateWebACL", "wafv2:UpdateWebACL", "wafv2:PutFirewallManagerRuleGroups",
                       "wafv2:GetRuleGroup"]}]}))
    shared = waf.get_rule_group(ARN=group["ARN"])["RuleGroup"]
    assert shared["Capacity"] == 25 and shared["LabelNamespace"] == f"awswaf:{member}:rulegroup:org-baseline:"

    # The owner cannot delete its group while another account's web ACL uses it.
    token = member_waf.get_rule_group(ARN=group["ARN"])["LockToken"]
    delete_group = lambda: member_waf.delete_rule_group(Name="org-baseline", Scope="REGIONAL",
                                                        Id=group["Id"], LockToken=token)
    assert error(delete_group)["Error"]["Code"] == "WAFAssociatedItemException"
    acl_token = waf.get_web_acl(ARN=acl["ARN"])["LockToken"]
    waf.delete_web_acl(Name="uses-shared", Scope="REGIONAL", Id=acl["Id"], LockToken=acl_token)
    delete_group()
