"""Configures a running rampart for the WAF benchmark through its AWS API (boto3): a target
group pointing at the static backend, and two application load balancers in front of it:

  bench   (listener BENCH_PORT):  a realistic web ACL: an IP set of 10,000 blocked addresses,
          a rate-based rule on POST /login, AWS's core rule set, SQL database and known bad
          inputs managed groups
  detect  (listener DETECT_PORT): every managed group but the IP reputation lists (the web ACL
          the detection table measures)

Usage: python setup.py ENDPOINT BACKEND_PORT BENCH_PORT DETECT_PORT  (root credentials in the
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY environment)."""

import ipaddress
import sys
import time

import boto3

endpoint, backend_port, bench_port, detect_port = sys.argv[1], *map(int, sys.argv[2:5])


def client(name):
    return boto3.client(name, endpoint_url=endpoint, region_name="us-east-1")


elb, waf = client("elbv2"), client("wafv2")


def visibility(name):
    return {"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": name}


def managed(name, priority):
    return {"Name": name, "Priority": priority, "OverrideAction": {"None": {}},
            "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": name}},
            "VisibilityConfig": visibility(name)}


tg = elb.create_target_group(Name="backend", Protocol="HTTP", Port=backend_port, TargetType="ip",
                             VpcId="vpc-bench", HealthCheckPath="/index.html",
                             HealthCheckIntervalSeconds=5,
                             HealthCheckTimeoutSeconds=2)["TargetGroups"][0]["TargetGroupArn"]
elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": "127.0.0.1", "Port": backend_port}])

# 10,000 blocked addresses from the benchmarking range 198.18.0.0/15.
net = ipaddress.ip_network("198.18.0.0/15")
blocked = [f"{net[i * 7 + 1]}/32" for i in range(10_000)]
ip_set = waf.create_ip_set(Name="blocklist", Scope="REGIONAL", IPAddressVersion="IPV4",
                           Addresses=blocked)["Summary"]["ARN"]

realistic = [
    {"Name": "blocklist", "Priority": 0, "Action": {"Block": {}},
     "Statement": {"IPSetReferenceStatement": {"ARN": ip_set}}, "VisibilityConfig": visibility("blocklist")},
    {"Name": "login-rate", "Priority": 1, "Action": {"Block": {}},
     "Statement": {"RateBasedStatement": {
         "Limit": 100, "EvaluationWindowSec": 60, "AggregateKeyType": "IP",
         "ScopeDownStatement": {"ByteMatchStatement": {
             "SearchString": b"/login", "FieldToMatch": {"UriPath": {}},
             "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}],
             "PositionalConstraint": "STARTS_WITH"}}}},
     "VisibilityConfig": visibility("login-rate")},
    managed("AWSManagedRulesCommonRuleSet", 2),
    managed("AWSManagedRulesSQLiRuleSet", 3),
    managed("AWSManagedRulesKnownBadInputsRuleSet", 4),
]
every_group = [g["Name"] for g in waf.list_available_managed_rule_groups(Scope="REGIONAL")["ManagedRuleGroups"]
               if not g["Name"].endswith(("IpReputationList", "AnonymousIpList"))]

for name, port, rules in [("bench", bench_port, realistic),
                          ("detect", detect_port, [managed(g, i) for i, g in enumerate(every_group)])]:
    lb = elb.create_load_balancer(Name=name, Type="application",
                                  Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]["LoadBalancerArn"]
    elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=port,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    acl = waf.create_web_acl(Name=name, Scope="REGIONAL", DefaultAction={"Allow": {}}, Rules=rules,
                             VisibilityConfig=visibility(name))["Summary"]["ARN"]
    waf.associate_web_acl(WebACLArn=acl, ResourceArn=lb)
    print(f"{name}: listener {port}, web ACL of {len(rules)} rules")

for _ in range(100):
    states = [d["TargetHealth"]["State"] for d in elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]]
    if states == ["healthy"]:
        break
    time.sleep(0.2)
else:
    sys.exit("the backend never became healthy")
