"""ELBv2 end to end with boto3 and the AWS CLI: an application load balancer in front of a small
HTTP app really proxies its traffic (X-Forwarded-* seen by the app), and the WAFv2 web ACL
associated with it is enforced on that traffic (a path rule with a custom response, an IP set,
the SQL database managed group, a rate-based rule, inserted headers), with sampled requests,
rate-limited keys and log records; listeners start with the server and stop when deleted."""

import http.server
import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request

import botocore.exceptions
import pytest

from conftest import Server, free_port


class App:
    """A tiny HTTP app recording what reaches it."""

    def __init__(self):
        self.seen = []
        app = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                app.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                body = f"hello from the app: {self.path}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def paths(self):
        return [p for p, _ in self.seen if p != "/health"]

    def close(self):
        self.server.shutdown()


@pytest.fixture
def app():
    a = App()
    yield a
    a.close()


def get(port, path, headers=None, method="GET", data=None):
    """(status, headers, body) of a request to the load balancer's listener."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {},
                                 method=method, data=data)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode()


def raw(port, data):
    """The first bytes a listener answers to `data` sent as is."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            s.sendall(data)
        except OSError:
            pass
        try:
            return s.recv(200)
        except OSError:
            return b""


def wait_for(predicate, what, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def healthy(elb, tg_arn):
    states = [d["TargetHealth"]["State"]
              for d in elb.describe_target_health(TargetGroupArn=tg_arn)["TargetHealthDescriptions"]]
    return states and all(s == "healthy" for s in states)


def visibility(name):
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name}


def load_balancer(server, app, port):
    """A load balancer, a target group with the app registered, and a listener on `port`."""
    _, out, _ = server.aws("elbv2", "create-load-balancer", "--name", "web", "--type", "application",
                           "--subnets", "subnet-0a1", "subnet-0b2", "--security-groups", "sg-1")
    lb = out["LoadBalancers"][0]
    assert lb["State"]["Code"] == "active"
    assert lb["DNSName"].startswith("web-") and lb["DNSName"].endswith(".us-east-1.elb.amazonaws.com")
    elb = server.client("elbv2")
    tg = elb.create_target_group(Name="app", Protocol="HTTP", Port=app.port, TargetType="ip",
                                 VpcId="vpc-1", HealthCheckPath="/health",
                                 HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2)
    tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
    _, out, _ = server.aws("elbv2", "create-listener", "--load-balancer-arn", lb["LoadBalancerArn"],
                           "--protocol", "HTTP", "--port", str(port),
                           "--default-actions", f"Type=forward,TargetGroupArn={tg_arn}")
    listener_arn = out["Listeners"][0]["ListenerArn"]
    return lb["LoadBalancerArn"], tg_arn, listener_arn


def test_listener_proxies_to_healthy_targets(server, app):
    elb = server.client("elbv2")
    port = free_port()
    lb_arn, tg_arn, listener_arn = load_balancer(server, app, port)
    wait_for(lambda: port_open(port), "the listener's port")
    # No target registered: 503, as an ALB answers.
    assert get(port, "/")[0] == 503
    server.aws("elbv2", "register-targets", "--target-group-arn", tg_arn,
               "--targets", f"Id=127.0.0.1,Port={app.port}")
    wait_for(lambda: healthy(elb, tg_arn), "a healthy target")
    status, headers, body = get(port, "/hello?x=1", {"X-Forwarded-For": "198.51.100.1"})
    assert (status, body) == (200, "hello from the app: /hello?x=1")
    path, seen = app.seen[-1]
    assert path == "/hello?x=1"
    assert seen["x-forwarded-for"] == "198.51.100.1, 127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-forwarded-port"] == str(port)
    assert seen["x-amzn-trace-id"].startswith("Root=1-")
    assert seen["host"] == f"127.0.0.1:{port}"
    # Malformed and oversized requests are refused without reaching the app.
    reached = len(app.seen)
    assert raw(port, b"NOT HTTP AT ALL\r\n\r\n").startswith(b"HTTP/1.1 400")
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(150))
    assert raw(port, b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n").split(b" ")[1] in (b"431", b"400")
    huge = b"X-Big: " + b"a" * 100_000 + b"\r\n"
    assert raw(port, b"GET / HTTP/1.1\r\nHost: x\r\n" + huge + b"\r\n").split(b" ")[1] in (b"431", b"400")
    assert len(app.seen) == reached
    described = elb.describe_target_groups(LoadBalancerArn=lb_arn)["TargetGroups"]
    assert described[0]["LoadBalancerArns"] == [lb_arn]

    # A target that stops answering turns unhealthy and the load balancer answers 503... once
    # deregistered, there is nothing to forward to at all.
    elb.deregister_targets(TargetGroupArn=tg_arn, Targets=[{"Id": "127.0.0.1", "Port": app.port}])
    wait_for(lambda: get(port, "/")[0] == 503, "503 without targets")

    # Errors are AWS's.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        elb.create_listener(LoadBalancerArn=lb_arn, Protocol="HTTP", Port=port,
                            DefaultActions=[{"Type": "fixed-response",
                                             "FixedResponseConfig": {"StatusCode": "200"}}])
    assert e.value.response["Error"]["Code"] == "DuplicateListener"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        elb.describe_load_balancers(Names=["nope"])
    assert e.value.response["Error"]["Code"] == "LoadBalancerNotFound"

    # Deleting the listener closes its port.
    server.aws("elbv2", "delete-listener", "--listener-arn", listener_arn)
    wait_for(lambda: not port_open(port), "the port to close")


def test_listeners_start_again_with_the_server(server, app):
    elb = server.client("elbv2")
    port = free_port()
    _, tg_arn, _ = load_balancer(server, app, port)
    elb.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": "127.0.0.1", "Port": app.port}])
    wait_for(lambda: healthy(elb, tg_arn), "a healthy target")
    assert get(port, "/before")[0] == 200
    server.stop()
    assert not port_open(port)
    server.start()
    wait_for(lambda: port_open(port) and get(port, "/after")[0] == 200, "the listener after a restart")
    assert "/after" in app.paths()


def test_web_acl_is_enforced_on_the_traffic(server, app, data_dir):
    elb = server.client("elbv2")
    waf = server.client("wafv2")
    port = free_port()
    lb_arn, tg_arn, _ = load_balancer(server, app, port)
    elb.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": "127.0.0.1", "Port": app.port}])
    wait_for(lambda: healthy(elb, tg_arn), "a healthy target")

    ips = waf.create_ip_set(Name="bad-clients", Scope="REGIONAL", IPAddressVersion="IPV4",
                            Addresses=["203.0.113.0/24"])["Summary"]
    rules = [
        {"Name": "no-admin", "Priority": 0, "VisibilityConfig": visibility("no-admin"),
         "Action": {"Block": {"CustomResponse": {
             "ResponseCode": 429, "CustomResponseBodyKey": "denied",
             "ResponseHeaders": [{"Name": "why", "Value": "admin"}]}}},
         "Statement": {"ByteMatchStatement": {
             "SearchString": b"/admin", "FieldToMatch": {"UriPath": {}},
             "PositionalConstraint": "STARTS_WITH",
             "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}]}}},
        {"Name": "bad-ips", "Priority": 1, "Action": {"Block": {}},
         "VisibilityConfig": visibility("bad-ips"),
         "Statement": {"IPSetReferenceStatement": {
             "ARN": ips["ARN"],
             "IPSetForwardedIPConfig": {"HeaderName": "X-Client-IP", "FallbackBehavior": "NO_MATCH",
                                        "Position": "FIRST"}}}},
        {"Name": "sqli", "Priority": 2, "OverrideAction": {"None": {}},
         "VisibilityConfig": visibility("sqli"),
         "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS",
                                                     "Name": "AWSManagedRulesSQLiRuleSet"}}},
        {"Name": "rate", "Priority": 3, "Action": {"Block": {}},
         "VisibilityConfig": visibility("rate"),
         "Statement": {"RateBasedStatement": {
             "Limit": 10, "EvaluationWindowSec": 60, "AggregateKeyType": "FORWARDED_IP",
             "ForwardedIPConfig": {"HeaderName": "X-Rate-Client", "FallbackBehavior": "NO_MATCH"}}}},
        {"Name": "tag", "Priority": 4, "VisibilityConfig": visibility("tag"),
         "Action": {"Allow": {"CustomRequestHandling": {
             "InsertHeaders": [{"Name": "tagged", "Value": "yes"}]}}},
         "Statement": {"ByteMatchStatement": {
             "SearchString": b"/tagged", "FieldToMatch": {"UriPath": {}},
             "PositionalConstraint": "EXACTLY",
             "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}},
    ]
    acl = waf.create_web_acl(Name="edge", Scope="REGIONAL", DefaultAction={"Allow": {}},
                             VisibilityConfig=visibility("edge"), Rules=rules,
                             CustomResponseBodies={"denied": {"ContentType": "TEXT_PLAIN",
                                                              "Content": "not here"}})["Summary"]
    account = server.client("sts").get_caller_identity()["Account"]
    destination = f"arn:aws:logs:us-east-1:{account}:log-group:aws-waf-logs-edge"
    waf.put_logging_configuration(LoggingConfiguration={
        "ResourceArn": acl["ARN"], "LogDestinationConfigs": [destination],
        "RedactedFields": [{"SingleHeader": {"Name": "x-client-ip"}}],
        "LoggingFilter": {"DefaultBehavior": "KEEP", "Filters": [{
            "Behavior": "DROP", "Requirement": "MEETS_ANY",
            "Conditions": [{"ActionCondition": {"Action": "ALLOW"}}]}]}})
    server.aws("wafv2", "associate-web-acl", "--web-acl-arn", acl["ARN"], "--resource-arn", lb_arn)
    assert waf.get_web_acl_for_resource(ResourceArn=lb_arn)["WebACL"]["Name"] == "edge"

    before = len(app.paths())
    assert get(port, "/ok")[0] == 200
    status, headers, body = get(port, "/ADMIN/users")
    assert (status, body) == (429, "not here")
    assert headers.get("x-amzn-waf-why", headers.get("why")) == "admin"
    assert get(port, "/", {"X-Client-IP": "203.0.113.9"})[0] == 403
    assert get(port, "/", {"X-Client-IP": "192.0.2.9"})[0] == 200
    status, _, body = get(port, "/items?id=1%27%20OR%201=1--")
    assert status == 403 and "403 Forbidden" in body
    assert get(port, "/tagged")[0] == 200
    assert app.seen[-1][1].get("x-amzn-waf-tagged") == "yes"
    rate = [get(port, "/busy", {"X-Rate-Client": "198.51.100.7"})[0] for _ in range(30)]
    assert rate[0] == 200 and rate[-1] == 403
    # Blocked requests never reached the app.
    reached = app.paths()[before:]
    assert not any(p.lower().startswith("/admin") or "id=" in p for p in reached)
    assert reached.count("/") == 1
    assert reached.count("/busy") == rate.count(200)

    # Samples, rate-limited keys and log records are flushed about once a second.
    def samples(metric):
        now = time.time()
        return waf.get_sampled_requests(
            WebAclArn=acl["ARN"], RuleMetricName=metric, Scope="REGIONAL", MaxItems=100,
            TimeWindow={"StartTime": now - 600, "EndTime": now + 60})["SampledRequests"]
    blocked = wait_for(lambda: samples("no-admin"), "samples of the path rule")
    assert blocked[0]["Action"] == "BLOCK"
    assert blocked[0]["Request"]["URI"].lower() == "/admin/users"
    assert blocked[0].get("ResponseCodeSent") == 429
    allowed = wait_for(lambda: samples("edge"), "samples of the default action")
    assert all(s["Action"] == "ALLOW" for s in allowed)
    keys = wait_for(lambda: waf.get_rate_based_statement_managed_keys(
        Scope="REGIONAL", WebACLName="edge", WebACLId=acl["Id"], RuleName="rate"
    )["ManagedKeysIPV4"]["Addresses"], "rate-limited keys")
    assert keys == ["198.51.100.7/32"]
    log = data_dir / "waf-logs" / account / "aws-waf-logs-edge.log"
    lines = wait_for(lambda: log.exists() and log.read_text().splitlines(), "WAF log records")
    records = [json.loads(line) for line in lines]
    assert any(r["action"] == "BLOCK" and r["terminatingRuleId"] == "no-admin" for r in records)
    assert all(r["webaclId"] == acl["ARN"] for r in records)
    # The filter drops allowed requests; the redacted header is not logged in clear.
    assert all(r["action"] != "ALLOW" for r in records)
    ip_blocked = [r for r in records if r["terminatingRuleId"] == "bad-ips"]
    assert ip_blocked
    for r in ip_blocked:
        logged = {h["name"].lower(): h["value"] for h in r["httpRequest"]["headers"]}
        assert logged["x-client-ip"] == "REDACTED"


def test_challenge_interstitial_and_token(server, app):
    elb = server.client("elbv2")
    waf = server.client("wafv2")
    port = free_port()
    lb_arn, tg_arn, _ = load_balancer(server, app, port)
    elb.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": "127.0.0.1", "Port": app.port}])
    wait_for(lambda: healthy(elb, tg_arn), "a healthy target")
    acl = waf.create_web_acl(
        Name="gate", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=visibility("gate"),
        Rules=[{"Name": "challenge-all", "Priority": 0, "Action": {"Challenge": {}},
                "VisibilityConfig": visibility("challenge-all"),
                "Statement": {"ByteMatchStatement": {
                    "SearchString": b"/", "FieldToMatch": {"UriPath": {}},
                    "PositionalConstraint": "STARTS_WITH",
                    "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}}])["Summary"]
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=lb_arn)
    status, _, page = get(port, "/private")
    assert status == 202 and "crypto.subtle" in page
    # Solve the proof of work as the page's script does.
    import hashlib
    import re
    nonce = re.search(r'const nonce = "([^"]+)"', page).group(1)
    bits = int(re.search(r"bits = (\d+)", page).group(1))
    counter = 0
    while True:
        h = hashlib.sha256(f"{nonce}:{counter}".encode()).digest()
        if int.from_bytes(h, "big") >> (256 - bits) == 0:
            break
        counter += 1
    status, headers, _ = get(port, "/.well-known/aws-waf-token/challenge", method="POST",
                             data=f"nonce={nonce}&counter={counter}".encode(),
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200
    cookie = headers["set-cookie"].split(";")[0]
    assert cookie.startswith("aws-waf-token=")
    status, _, body = get(port, "/private", {"Cookie": cookie})
    assert (status, body) == (200, "hello from the app: /private")
    # A tampered token is refused.
    assert get(port, "/private", {"Cookie": cookie[:-2] + "xx"})[0] == 202


GEO_DB = os.environ.get("RAMPART_TEST_GEO_DB", "/tmp/geodb/package/geo-whois-asn-country.mmdb")


@pytest.mark.skipif(not os.path.exists(GEO_DB), reason="no MMDB country database (set RAMPART_TEST_GEO_DB)")
def test_geo_rule_with_a_country_database(data_dir, app):
    server = Server(data_dir, env={"RAMPART_GEO_DB": GEO_DB}).start()
    try:
        elb = server.client("elbv2")
        waf = server.client("wafv2")
        port = free_port()
        lb_arn, tg_arn, _ = load_balancer(server, app, port)
        elb.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": "127.0.0.1", "Port": app.port}])
        wait_for(lambda: healthy(elb, tg_arn), "a healthy target")
        acl = waf.create_web_acl(
            Name="geo", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=visibility("geo"),
            Rules=[{"Name": "no-au", "Priority": 0, "Action": {"Block": {}},
                    "VisibilityConfig": visibility("no-au"),
                    "Statement": {"GeoMatchStatement": {
                        "CountryCodes": ["AU"],
                        "ForwardedIPConfig": {"HeaderName": "X-Client-IP", "FallbackBehavior": "NO_MATCH"}}}}],
        )["Summary"]
        waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=lb_arn)
        # 1.1.1.1 is in Australia, 8.8.8.8 in the United States (the database's facts).
        assert get(port, "/", {"X-Client-IP": "1.1.1.1"})[0] == 403
        assert get(port, "/", {"X-Client-IP": "8.8.8.8"})[0] == 200
        assert get(port, "/")[0] == 200
    finally:
        server.stop()


def test_captcha_interstitial_and_token(server, app):
    import re
    elb = server.client("elbv2")
    waf = server.client("wafv2")
    port = free_port()
    lb_arn, tg_arn, _ = load_balancer(server, app, port)
    elb.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": "127.0.0.1", "Port": app.port}])
    wait_for(lambda: healthy(elb, tg_arn), "a healthy target")
    acl = waf.create_web_acl(
        Name="humans", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=visibility("humans"),
        CaptchaConfig={"ImmunityTimeProperty": {"ImmunityTime": 600}},
        Rules=[{"Name": "login", "Priority": 0, "Action": {"Captcha": {}},
                "VisibilityConfig": visibility("login"),
                "Statement": {"ByteMatchStatement": {
                    "SearchString": b"/login", "FieldToMatch": {"UriPath": {}},
                    "PositionalConstraint": "EXACTLY",
                    "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}}])["Summary"]
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=lb_arn)
    status, _, page = get(port, "/login")
    assert status == 405
    a, b = map(int, re.search(r"what is (\d+) \+ (\d+)\?", page).groups())
    q = re.search(r'name="q" value="([^"]+)"', page).group(1)
    # A wrong answer gets the CAPTCHA again, without a token.
    status, headers, _ = get(port, "/.well-known/aws-waf-token/captcha", method="POST",
                             data=f"q={q}&answer={a + b + 1}&r=2f6c6f67696e".encode())
    assert status == 405 and "set-cookie" not in headers
    req = urllib.request.Request(f"http://127.0.0.1:{port}/.well-known/aws-waf-token/captcha",
                                 data=f"q={q}&answer={a + b}&r=2f6c6f67696e".encode(), method="POST")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None
    try:
        urllib.request.build_opener(NoRedirect).open(req, timeout=10)
        raise AssertionError("expected a redirect")
    except urllib.error.HTTPError as e:
        assert e.code == 303 and e.headers["Location"] == "/login"
        cookie = e.headers["Set-Cookie"].split(";")[0]
    assert cookie.startswith("aws-waf-token=")
    status, _, body = get(port, "/login", {"Cookie": cookie})
    assert (status, body) == (200, "hello from the app: /login")
    assert "/login" in app.paths()
    # After the immunity time (600 s here) the token no longer passes the CAPTCHA.
    assert server.admin("/_rampart/clock/advance", {"Seconds": 601})[0] == 200
    assert get(port, "/login", {"Cookie": cookie})[0] == 405
