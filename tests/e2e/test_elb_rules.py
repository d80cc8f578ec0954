"""ELBv2 listener rules end to end with the AWS CLI: path, host, header, method, query-string
and source-ip conditions route to fixed responses, weighted target groups and redirects (with
#{host}/#{path}/#{query} substitution), the default rule answers the rest, priorities can be
swapped, AWS's errors come back, and the web ACL runs before the rules, as on an ALB."""

import json

import botocore.exceptions
import pytest

from conftest import free_port
from test_elb import App, get, healthy, visibility, wait_for, port_open


@pytest.fixture
def apps():
    a, b = App(), App()
    yield a, b
    a.close()
    b.close()


def fixed(status, body):
    return [{"Type": "fixed-response",
             "FixedResponseConfig": {"StatusCode": status, "ContentType": "text/plain", "MessageBody": body}}]


def test_rules_route_the_traffic(server, apps):
    a, b = apps
    elb = server.client("elbv2")
    port = free_port()
    lb_arn = elb.create_load_balancer(Name="routed", Subnets=["subnet-1", "subnet-2"])["LoadBalancers"][0]["LoadBalancerArn"]
    groups = []
    for name, app in (("blue", a), ("green", b)):
        tg = elb.create_target_group(Name=name, Protocol="HTTP", Port=app.port, TargetType="ip",
                                     HealthCheckPath="/health", HealthCheckIntervalSeconds=5,
                                     HealthCheckTimeoutSeconds=2)["TargetGroups"][0]["TargetGroupArn"]
        elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": "127.0.0.1", "Port": app.port}])
        groups.append(tg)
    blue, green = groups
    _, out, _ = server.aws("elbv2", "create-listener", "--load-balancer-arn", lb_arn, "--protocol", "HTTP",
                           "--port", str(port), "--default-actions",
                           json.dumps(fixed("404", "no route")))
    listener = out["Listeners"][0]["ListenerArn"]

    def rule(priority, conditions, actions):
        _, out, _ = server.aws("elbv2", "create-rule", "--listener-arn", listener, "--priority", str(priority),
                               "--conditions", json.dumps(conditions), "--actions", json.dumps(actions))
        return out["Rules"][0]["RuleArn"]

    api = rule(10, [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
               [{"Type": "forward", "TargetGroupArn": blue}])
    rule(20, [{"Field": "host-header", "HostHeaderConfig": {"Values": ["*.green.example"]}}],
         [{"Type": "forward", "TargetGroupArn": green}])
    rule(30, [{"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Canary", "Values": ["yes"]}},
              {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["POST"]}}],
         fixed("202", "canary post"))
    rule(40, [{"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "mode", "Value": "t*"}]}}],
         fixed("200", "query matched"))
    rule(50, [{"Field": "source-ip", "SourceIpConfig": {"Values": ["203.0.113.0/24"]}}],
         fixed("403", "not from here"))
    rule(60, [{"Field": "path-pattern", "Values": ["/old/*"]}],
         [{"Type": "redirect", "RedirectConfig": {"Host": "new.#{host}", "Path": "/v2/#{path}",
                                                  "Query": "#{query}&moved=1", "StatusCode": "HTTP_301"}}])
    rule(70, [{"Field": "path-pattern", "Values": ["/split"]}],
         [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
             {"TargetGroupArn": blue, "Weight": 1}, {"TargetGroupArn": green, "Weight": 1}]}}])

    wait_for(lambda: port_open(port), "the listener's port")
    wait_for(lambda: healthy(elb, blue) and healthy(elb, green), "healthy targets")
    # The data plane picks up rule changes within a few hundred milliseconds (its reconcile
    # loop), as an ALB propagates them within seconds: wait until the last rule is live.
    wait_for(lambda: get(port, "/split")[0] == 200, "the last rule to be live")

    assert get(port, "/api/users")[0] == 200 and a.paths()[-1] == "/api/users"
    assert get(port, "/x", {"Host": "www.green.example"})[0] == 200 and b.paths()[-1] == "/x"
    assert get(port, "/c", {"X-Canary": "yes"}, method="POST", data=b"")[2] == "canary post"
    assert get(port, "/c", {"X-Canary": "yes"})[2] == "no route"
    assert get(port, "/q?mode=TURBO")[2] == "query matched"
    assert get(port, "/nothing") == (404, get(port, "/nothing")[1], "no route")
    status, headers, _ = get_no_follow(port, "/old/page?a=1")
    assert status == 301
    assert headers["location"] == f"http://new.127.0.0.1:{port}/v2/old/page?a=1&moved=1"
    before_a, before_b = len(a.paths()), len(b.paths())
    for _ in range(4):
        assert get(port, "/split")[0] == 200
    assert len(a.paths()) - before_a == 2 and len(b.paths()) - before_b == 2

    rules = elb.describe_rules(ListenerArn=listener)["Rules"]
    assert [r["Priority"] for r in rules] == ["10", "20", "30", "40", "50", "60", "70", "default"]
    assert rules[-1]["IsDefault"] is True

    # Errors are AWS's.
    for prio, expected in ((10, "PriorityInUse"),):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            elb.create_rule(ListenerArn=listener, Priority=prio, Actions=fixed("200", "x"),
                            Conditions=[{"Field": "path-pattern", "Values": ["/dup"]}])
        assert e.value.response["Error"]["Code"] == expected
    with pytest.raises(botocore.exceptions.ClientError) as e:
        elb.create_rule(ListenerArn=listener, Priority=99, Actions=fixed("200", "x"),
                        Conditions=[{"Field": "path-pattern", "Values": ["/a", "/b", "/c", "/d"]}])
    assert e.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        elb.delete_rule(RuleArn=rules[-1]["RuleArn"])
    assert e.value.response["Error"]["Code"] == "OperationNotPermitted"

    # A priority change takes effect: the catch-all rule moved ahead of /api/*.
    catch_all = rule(80, [{"Field": "path-pattern", "Values": ["*"]}], fixed("200", "catch all"))
    elb.set_rule_priorities(RulePriorities=[{"RuleArn": catch_all, "Priority": 5}])
    wait_for(lambda: get(port, "/api/users")[2] == "catch all", "the new priorities")
    elb.delete_rule(RuleArn=catch_all)
    elb.modify_rule(RuleArn=api, Actions=fixed("200", "api moved"))
    wait_for(lambda: get(port, "/api/users")[2] == "api moved", "the modified rule")


def get_no_follow(port, path):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    r = conn.getresponse()
    out = r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode()
    conn.close()
    return out


def test_the_web_acl_runs_before_the_rules(server, apps):
    a, _ = apps
    elb = server.client("elbv2")
    waf = server.client("wafv2")
    port = free_port()
    lb_arn = elb.create_load_balancer(Name="guarded", Subnets=["subnet-1"])["LoadBalancers"][0]["LoadBalancerArn"]
    listener = elb.create_listener(LoadBalancerArn=lb_arn, Protocol="HTTP", Port=port,
                                   DefaultActions=fixed("200", "default"))["Listeners"][0]["ListenerArn"]
    elb.create_rule(ListenerArn=listener, Priority=1, Actions=fixed("200", "admin page"),
                    Conditions=[{"Field": "path-pattern", "Values": ["/admin*"]}])
    acl = waf.create_web_acl(
        Name="no-admin", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=visibility("no-admin"),
        Rules=[{"Name": "block-admin", "Priority": 0, "Action": {"Block": {}}, "VisibilityConfig": visibility("b"),
                "Statement": {"ByteMatchStatement": {"SearchString": "/admin", "FieldToMatch": {"UriPath": {}},
                                                     "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
                                                     "PositionalConstraint": "STARTS_WITH"}}}])["Summary"]
    wait_for(lambda: port_open(port), "the listener's port")
    wait_for(lambda: get(port, "/admin")[2] == "admin page", "the rule on the listener")
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=lb_arn)
    wait_for(lambda: get(port, "/admin")[0] == 403, "the web ACL before the rule")
    assert get(port, "/public")[2] == "default"

    # Deleting the load balancer removes the association and closes the port.
    elb.delete_load_balancer(LoadBalancerArn=lb_arn)
    assert waf.get_web_acl_for_resource(ResourceArn=lb_arn).get("WebACL") is None
    assert waf.list_resources_for_web_acl(WebACLArn=acl["ARN"])["ResourceArns"] == []
    wait_for(lambda: not port_open(port), "the port to close")
