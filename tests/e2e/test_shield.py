"""Shield Advanced end to end: the AWS CLI subscribes, protects an application load balancer
and enables automatic application-layer response (Block); a flood from one source through the
data plane becomes an attack (ListAttacks, DescribeAttack with its top contributor) and a
rate-based rule in the Shield-managed rule group on the web ACL, which then blocks the flood;
after the flood, once the server's clock moves on, the rule is gone and the attack has ended."""

import http.client
import threading

import pytest

from conftest import free_port
from test_elb import App, healthy, port_open, visibility, wait_for


@pytest.fixture
def app():
    a = App()
    yield a
    a.close()


def flood(port, n):
    """Sends `n` requests over one kept-alive connection; returns the statuses."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    statuses = []
    for i in range(n):
        conn.request("GET", f"/flood/{i}")
        r = conn.getresponse()
        r.read()
        statuses.append(r.status)
        if r.getheader("connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.close()
    return statuses


def advance(server, seconds):
    status, body = server.admin("/_rampart/clock/advance", {"Seconds": seconds})
    assert status == 200, body


def mitigation_rules(waf, acl_arn):
    acl = waf.get_web_acl(ARN=acl_arn)["WebACL"]
    groups = [r for r in acl["Rules"] if r["Name"].startswith("ShieldMitigationRuleGroup_")]
    assert len(groups) == 1
    arn = groups[0]["Statement"]["RuleGroupReferenceStatement"]["ARN"]
    return groups[0], waf.get_rule_group(ARN=arn)["RuleGroup"]["Rules"]


def test_a_flood_is_detected_mitigated_and_ends(server, app):
    elb = server.client("elbv2")
    waf = server.client("wafv2")
    shield = server.client("shield")
    port = free_port()
    lb = elb.create_load_balancer(Name="shielded", Subnets=["subnet-1"])["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(Name="app", Protocol="HTTP", Port=app.port, TargetType="ip",
                                 HealthCheckPath="/health", HealthCheckIntervalSeconds=5,
                                 HealthCheckTimeoutSeconds=2)["TargetGroups"][0]["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": "127.0.0.1", "Port": app.port}])
    elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=port,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    acl = waf.create_web_acl(Name="edge", Scope="REGIONAL", DefaultAction={"Allow": {}},
                             VisibilityConfig=visibility("edge"))["Summary"]
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=lb)

    assert shield.get_subscription_state()["SubscriptionState"] == "INACTIVE"
    server.aws("shield", "create-subscription")
    _, out, _ = server.aws("shield", "create-protection", "--name", "web", "--resource-arn", lb)
    protection_id = out["ProtectionId"]
    server.aws("shield", "enable-application-layer-automatic-response", "--resource-arn", lb,
               "--action", "Block={}")
    _, out, _ = server.aws("shield", "describe-protection", "--protection-id", protection_id)
    assert out["Protection"]["ApplicationLayerAutomaticResponseConfiguration"] == {
        "Status": "ENABLED", "Action": {"Block": {}}}
    group_rule, rules = mitigation_rules(waf, acl["ARN"])
    assert group_rule["Priority"] == 10_000_000 and rules == []

    wait_for(lambda: port_open(port), "the listener's port")
    wait_for(lambda: healthy(elb, tg), "a healthy target")
    assert set(flood(port, 5)) == {200}

    # A flood from one source, kept up until the mitigation rule blocks it.
    stop = threading.Event()
    statuses = []

    def keep_flooding():
        while not stop.is_set():
            statuses.extend(flood(port, 50))

    flooder = threading.Thread(target=keep_flooding, daemon=True)
    flooder.start()
    try:
        def attack_started():
            attacks = shield.list_attacks()["AttackSummaries"]
            return attacks if attacks else None

        attacks = wait_for(attack_started, "an attack", timeout=40)
        assert attacks[0]["ResourceArn"] == lb
        assert attacks[0]["AttackVectors"] == [{"VectorType": "REQUEST_FLOOD"}]
        assert "EndTime" not in attacks[0]
        attack_id = attacks[0]["AttackId"]
        detail = shield.describe_attack(AttackId=attack_id)["Attack"]
        assert detail["AttackProperties"][0]["TopContributors"][0]["Name"] == "127.0.0.1"
        _, rules = mitigation_rules(waf, acl["ARN"])
        assert rules[0]["Action"] == {"Block": {}}
        assert rules[0]["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
        # The mitigation rule blocks the flood's source.
        wait_for(lambda: 403 in statuses[-50:], "the flood blocked", timeout=40)
    finally:
        stop.set()
        flooder.join(timeout=30)

    # The flood is over; time moves on: the attack ends and the rule goes.
    advance(server, 60)
    wait_for(lambda: mitigation_rules(waf, acl["ARN"])[1] == [], "the mitigation rule to go")
    detail = wait_for(lambda: (lambda a: a if "EndTime" in a else None)(
        shield.describe_attack(AttackId=attack_id)["Attack"]), "the attack's end")
    assert detail["EndTime"] > detail["StartTime"]
    assert detail["Mitigations"][0]["MitigationName"].startswith("ShieldMitigationRateBasedRule-")

    # Disabling the automatic response removes the Shield-managed group from the web ACL.
    shield.disable_application_layer_automatic_response(ResourceArn=lb)
    assert waf.get_web_acl(ARN=acl["ARN"])["WebACL"]["Rules"] == []


def test_shield_calls_are_authorized(server):
    import json

    import botocore.exceptions

    shield = server.client("shield")
    shield.create_subscription()
    iam = server.client("iam")
    iam.create_user(UserName="watcher")
    key = iam.create_access_key(UserName="watcher")["AccessKey"]
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["shield:ListProtections", "shield:ListAttacks"], "Resource": "*"}]}
    iam.put_user_policy(UserName="watcher", PolicyName="p", PolicyDocument=json.dumps(policy))
    watcher = server.client("shield", key_id=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert watcher.list_protections()["Protections"] == []
    assert watcher.list_attacks()["AttackSummaries"] == []
    account = server.client("sts").get_caller_identity()["Account"]
    lb = f"arn:aws:elasticloadbalancing:us-east-1:{account}:loadbalancer/app/web/50dc6c495c0c9188"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        watcher.create_protection(Name="web", ResourceArn=lb)
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"
    protection = shield.create_protection(Name="web", ResourceArn=lb)["ProtectionId"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        watcher.delete_protection(ProtectionId=protection)
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"
    listed = watcher.list_protections(InclusionFilters={"ResourceArns": [lb]})["Protections"]
    assert [p["Id"] for p in listed] == [protection]
    assert watcher.list_protections(InclusionFilters={"ProtectionNames": ["other"]})["Protections"] == []
