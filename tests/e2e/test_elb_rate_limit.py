"""The data plane's Shield Standard-style request-rate limit per source, end to end: a rampart
started with RAMPART_DATA_PLANE_RATE_LIMIT=5,10 (5 requests/s per source address, burst 10)
in front of a small app; a burst of 30 requests from one source gets 429s with Retry-After and
Connection: close that never reach the app (nor the web ACL's samples), a client-set
X-Forwarded-For does not make a new source, another source address is not affected, and
after Retry-After seconds the first source is served again."""

import http.client
import time

import pytest

from conftest import Server, free_port
from test_elb import App, healthy, load_balancer, port_open, visibility, wait_for


@pytest.fixture
def app():
    a = App()
    yield a
    a.close()


@pytest.fixture
def limited_server(data_dir):
    s = Server(data_dir, env={"RAMPART_DATA_PLANE_RATE_LIMIT": "5,10"}).start()
    yield s
    s.stop()


def request(port, path, source="127.0.0.1", headers=None):
    """(status, headers, body) of one GET on a fresh connection from `source`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode()
    finally:
        conn.close()


def test_a_source_over_its_rate_gets_429_until_retry_after(limited_server, app):
    server = limited_server
    elb = server.client("elbv2")
    waf = server.client("wafv2")
    port = free_port()
    lb_arn, tg_arn, _ = load_balancer(server, app, port)
    acl = waf.create_web_acl(Name="edge", Scope="REGIONAL", DefaultAction={"Allow": {}},
                             VisibilityConfig=visibility("edge"))["Summary"]
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=lb_arn)
    server.aws("elbv2", "register-targets", "--target-group-arn", tg_arn,
               "--targets", f"Id=127.0.0.1,Port={app.port}")
    # Wait without sending requests through the listener (each takes a token).
    wait_for(lambda: port_open(port), "the listener's port")
    wait_for(lambda: healthy(elb, tg_arn), "a healthy target")

    answers = [request(port, f"/burst/{i}") for i in range(30)]
    statuses = [status for status, _, _ in answers]
    # The full bucket admits its burst of 10 (a few more may have refilled meanwhile).
    assert statuses[:10] == [200] * 10, statuses
    refused = [(i, headers, body) for i, (status, headers, body) in enumerate(answers) if status == 429]
    assert refused, statuses
    assert set(statuses) == {200, 429}, statuses
    for _, headers, body in refused:
        assert int(headers["retry-after"]) >= 1
        assert headers["connection"].lower() == "close"
        assert "429 Too Many Requests" in body
    # None of the 429s reached the app; every 200 did.
    reached = [p for p in app.paths() if p.startswith("/burst/")]
    assert reached == [f"/burst/{i}" for i, s in enumerate(statuses) if s == 200]
    assert not any(f"/burst/{i}" in reached for i, _, _ in refused)

    # A client-set X-Forwarded-For is not a new source (a new one would have 10 tokens; the
    # drained bucket gets one back every 200 ms); another address is.
    spoofed = [request(port, f"/spoofed/{i}", headers={"X-Forwarded-For": "198.51.100.7"})[0]
               for i in range(3)]
    assert spoofed.count(429) >= 2, spoofed
    assert request(port, "/other-source", source="127.0.0.2")[0] == 200
    assert not any(f"/spoofed/{i}" in app.paths() for i, s in enumerate(spoofed) if s == 429)
    assert "/other-source" in app.paths()

    # Throttled requests never reached the web ACL: its samples hold only what it saw.
    def sampled():
        now = time.time()
        out = waf.get_sampled_requests(
            WebAclArn=acl["ARN"], RuleMetricName="edge", Scope="REGIONAL",
            TimeWindow={"StartTime": now - 600, "EndTime": now + 60}, MaxItems=500)
        paths = {s["Request"]["URI"] for s in out["SampledRequests"]}
        return paths if "/other-source" in paths else None

    sampled_paths = wait_for(sampled, "the last allowed request sampled")
    assert not any(f"/spoofed/{i}" in sampled_paths for i, s in enumerate(spoofed) if s == 429)
    assert not any(f"/burst/{i}" in sampled_paths for i, _, _ in refused)

    # After Retry-After seconds a token is back.
    time.sleep(max(int(headers["retry-after"]) for _, headers, _ in refused) + 0.1)
    status, _, body = request(port, "/again")
    assert (status, body) == (200, "hello from the app: /again")
