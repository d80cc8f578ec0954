"""EventBridge end to end through boto3: a rule whose pattern selects events delivers them to an
API destination served by the test (with the connection's API key), to a log-group file and to
another bus; failures become dead letters; TestEventPattern agrees with AWS's documented
examples; bad patterns are refused with InvalidEventPatternException; access is enforced with
the events:source condition key."""

import http.server
import json
import threading
import time

import botocore.exceptions
import pytest


class Receiver:
    """A local HTTP endpoint that records every POST and answers with `status`."""

    def __init__(self, status=200):
        received = self.received = []
        answer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                received.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                self.send_response(answer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.status = status
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def wait(self, count=1, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return self.received
            time.sleep(0.1)
        raise AssertionError(f"expected {count} requests, got {len(self.received)}")

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def wait_for_file(path, lines=1, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            content = [json.loads(l) for l in path.read_text().splitlines() if l.strip()]
            if len(content) >= lines:
                return content
        time.sleep(0.1)
    raise AssertionError(f"{path} did not get {lines} lines")


def api_destination(events, name, url, key_value="s3cr3t-key"):
    connection = events.create_connection(
        Name=f"{name}-conn", AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": key_value}},
    )["ConnectionArn"]
    return events.create_api_destination(
        Name=f"{name}-dest", ConnectionArn=connection, InvocationEndpoint=url, HttpMethod="POST",
    )["ApiDestinationArn"]


def test_a_rule_delivers_matching_events_to_an_api_destination(server, receiver):
    events = server.client("events")
    destination = api_destination(events, "orders", receiver.url + "/hook")
    rule_arn = events.put_rule(
        Name="big-orders",
        EventPattern=json.dumps({"source": ["com.example.shop"], "detail": {"total": [{"numeric": [">", 100]}]}}),
    )["RuleArn"]
    account = server.client("sts").get_caller_identity()["Account"]
    assert rule_arn == f"arn:aws:events:us-east-1:{account}:rule/big-orders"
    events.put_targets(Rule="big-orders", Targets=[{"Id": "hook", "Arn": destination}])

    put = events.put_events(Entries=[
        {"Source": "com.example.shop", "DetailType": "Order Placed", "Detail": json.dumps({"total": 250})},
        {"Source": "com.example.shop", "DetailType": "Order Placed", "Detail": json.dumps({"total": 5})},
        {"Source": "other.app", "DetailType": "Order Placed", "Detail": json.dumps({"total": 900})},
    ])
    assert put["FailedEntryCount"] == 0
    request = receiver.wait(1)[0]
    assert request["path"] == "/hook"
    assert request["headers"]["x-api-key"] == "s3cr3t-key"
    event = json.loads(request["body"])
    assert event["id"] == put["Entries"][0]["EventId"]
    assert event["source"] == "com.example.shop"
    assert event["detail-type"] == "Order Placed"
    assert event["account"] == account
    assert event["region"] == "us-east-1"
    assert event["detail"] == {"total": 250}
    time.sleep(2)
    assert len(receiver.received) == 1, "only the matching event is delivered, once"

    # The connection's key is never shown.
    described = events.describe_connection(Name="orders-conn")
    assert described["AuthParameters"] == {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key"}}
    assert "s3cr3t-key" not in json.dumps(described, default=str)


def test_cloudtrail_does_not_record_a_connection_key(server):
    events = server.client("events")
    events.create_connection(
        Name="c", AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cr3t-key"}},
    )
    trail = server.client("cloudtrail").lookup_events(MaxResults=50)["Events"]
    assert "CreateConnection" in [e["EventName"] for e in trail]
    assert "s3cr3t-key" not in json.dumps(trail, default=str)


def test_disabled_rules_and_input_transformers(server, receiver):
    events = server.client("events")
    destination = api_destination(events, "t", receiver.url + "/t")
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["my.app"]}), State="DISABLED")
    events.put_targets(Rule="r", Targets=[{
        "Id": "t", "Arn": destination,
        "InputTransformer": {"InputPathsMap": {"who": "$.detail.user"}, "InputTemplate": '{"greeting": "hello <who>"}'},
    }])
    events.put_events(Entries=[{"Source": "my.app", "DetailType": "x", "Detail": '{"user": "ana"}'}])
    time.sleep(2)
    assert receiver.received == []
    events.enable_rule(Name="r")
    events.put_events(Entries=[{"Source": "my.app", "DetailType": "x", "Detail": '{"user": "bo"}'}])
    body = json.loads(receiver.wait(1)[0]["body"])
    assert body == {"greeting": "hello bo"}


def test_log_group_targets_and_other_buses(server, data_dir):
    events = server.client("events")
    account = server.client("sts").get_caller_identity()["Account"]
    audit = events.create_event_bus(Name="audit")["EventBusArn"]
    events.put_rule(Name="forward", EventPattern=json.dumps({"source": [{"prefix": "com.example."}]}))
    events.put_targets(Rule="forward", Targets=[{"Id": "audit", "Arn": audit}])
    group = f"arn:aws:logs:us-east-1:{account}:log-group:/rampart/audit:*"
    events.put_rule(Name="keep", EventBusName="audit", EventPattern=json.dumps({"detail-type": ["Login"]}))
    events.put_targets(Rule="keep", EventBusName="audit", Targets=[{"Id": "file", "Arn": group}])
    events.put_events(Entries=[
        {"Source": "com.example.auth", "DetailType": "Login", "Detail": '{"user": "ana"}'},
        {"Source": "com.example.auth", "DetailType": "Logout", "Detail": '{"user": "ana"}'},
    ])
    path = data_dir / "events" / "logs" / account / "us-east-1" / "_rampart_audit.log"
    lines = wait_for_file(path, 1)
    assert lines[0]["detail-type"] == "Login"
    assert lines[0]["detail"] == {"user": "ana"}
    time.sleep(1.5)
    assert len(wait_for_file(path, 1)) == 1


def test_refused_deliveries_become_dead_letters(server, data_dir):
    refusing = Receiver(status=400)
    try:
        events = server.client("events")
        account = server.client("sts").get_caller_identity()["Account"]
        destination = api_destination(events, "bad", refusing.url + "/no")
        dlq = f"arn:aws:logs:us-east-1:{account}:log-group:dead-letters"
        events.put_rule(Name="r", EventPattern=json.dumps({"source": ["my.app"]}))
        events.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": destination, "DeadLetterConfig": {"Arn": dlq}}])
        events.put_events(Entries=[{"Source": "my.app", "DetailType": "x", "Detail": '{"n": 1}'}])
        record = wait_for_file(data_dir / "events" / "logs" / account / "us-east-1" / "dead-letters.log")[0]
        assert record["TARGET_ARN"] == destination
        assert record["ERROR_MESSAGE"] == "the endpoint answered 400"
        assert record["event"]["detail"] == {"n": 1}
        assert len(refusing.received) == 1
    finally:
        refusing.close()


EVENT = {
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-abcd1111", "state": "pending", "c-count": 5, "source-ip": "10.0.0.123"},
}


@pytest.mark.parametrize("pattern,expected", [
    ({"source": ["aws.ec2"]}, True),
    ({"source": ["aws.s3"]}, False),
    ({"detail": {"state": ["pending", "running"]}}, True),
    ({"detail": {"state": [{"anything-but": "pending"}]}}, False),
    ({"detail": {"state": [{"anything-but": {"prefix": "run"}}]}}, True),
    ({"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}, True),
    ({"detail": {"c-count": [{"numeric": ["<", 5]}]}}, False),
    ({"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}}, True),
    ({"detail": {"instance-id": [{"wildcard": "i-*1111"}]}}, True),
    ({"detail": {"missing": [{"exists": False}]}}, True),
    ({"detail": {"state": [{"exists": False}]}}, False),
    ({"detail-type": [{"equals-ignore-case": "ec2 instance state-change notification"}]}, True),
    ({"resources": [{"suffix": "1111"}]}, True),
    ({"$or": [{"source": ["aws.s3"]}, {"detail": {"c-count": [5]}}]}, True),
])
def test_test_event_pattern_agrees_with_aws(server, pattern, expected):
    events = server.client("events")
    result = events.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(EVENT))
    assert result["Result"] is expected


@pytest.mark.parametrize("pattern,reason", [
    ('{"source": "aws.ec2"}', '"source" must be an object or an array'),
    ('{"source": ["aws.health"], "detail": {}}', "Empty objects are not allowed"),
    ('{"source": []}', "Empty arrays are not allowed"),
    ('{"a": [{"numeric": [">", 5, "<", 1]}]}', "Bottom must be less than top"),
    ('{"a": [{"wildcard": "a**"}]}', "Consecutive wildcard characters at pos 2"),
    ('{"a": [{"cidr": "10.0.0.0/33"}]}', "IPv4 mask bits must be < 32"),
    ('{"a": [{"nope": 1}]}', "Unrecognized match type nope"),
])
def test_bad_patterns_are_refused(server, pattern, reason):
    events = server.client("events")
    for call in (
        lambda: events.put_rule(Name="bad", EventPattern=pattern),
        lambda: events.test_event_pattern(EventPattern=pattern, Event=json.dumps(EVENT)),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        assert e.value.response["Error"]["Code"] == "InvalidEventPatternException"
        assert e.value.response["Error"]["Message"] == f"Event pattern is not valid. Reason: {reason}"
    with pytest.raises(events.exceptions.ResourceNotFoundException):
        events.describe_rule(Name="bad")


def test_rule_and_bus_management(server):
    events = server.client("events")
    assert events.describe_event_bus()["Name"] == "default"
    events.create_event_bus(Name="orders", Tags=[{"Key": "team", "Value": "shop"}])
    assert [b["Name"] for b in events.list_event_buses()["EventBuses"]] == ["default", "orders"]
    for name in ["a1", "a2", "a3", "b1"]:
        events.put_rule(Name=name, EventBusName="orders", EventPattern='{"source": ["x"]}')
    page = events.list_rules(EventBusName="orders", NamePrefix="a", Limit=2)
    assert [r["Name"] for r in page["Rules"]] == ["a1", "a2"]
    rest = events.list_rules(EventBusName="orders", NamePrefix="a", Limit=2, NextToken=page["NextToken"])
    assert [r["Name"] for r in rest["Rules"]] == ["a3"]
    rule = events.describe_rule(Name="a1", EventBusName="orders")
    assert rule["Arn"].endswith(":rule/orders/a1")
    assert rule["State"] == "ENABLED"
    events.put_targets(Rule="a1", EventBusName="orders",
                       Targets=[{"Id": "t", "Arn": rule["Arn"].replace(":rule/orders/a1", ":event-bus/default")}])
    assert len(events.list_targets_by_rule(Rule="a1", EventBusName="orders")["Targets"]) == 1
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.delete_rule(Name="a1", EventBusName="orders")
    assert e.value.response["Error"]["Message"] == "Rule can't be deleted since it has targets."
    events.remove_targets(Rule="a1", EventBusName="orders", Ids=["t"])
    events.delete_rule(Name="a1", EventBusName="orders")
    events.tag_resource(ResourceARN=rule["Arn"].replace(":rule/orders/a1", ":rule/orders/a2"),
                        Tags=[{"Key": "k", "Value": "v"}])
    assert events.list_tags_for_resource(ResourceARN=rule["Arn"].replace("a1", "a2"))["Tags"] == [{"Key": "k", "Value": "v"}]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.delete_event_bus(Name="default")
    assert e.value.response["Error"]["Message"] == "Cannot delete event bus default."
    events.put_rule(Name="nightly", ScheduleExpression="cron(0 3 * * ? *)")
    assert events.describe_rule(Name="nightly")["ScheduleExpression"] == "cron(0 3 * * ? *)"


def test_put_events_is_authorized_by_source(server):
    iam = server.client("iam")
    account = server.client("sts").get_caller_identity()["Account"]
    iam.create_user(UserName="publisher")
    key = iam.create_access_key(UserName="publisher")["AccessKey"]
    iam.put_user_policy(UserName="publisher", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Action": "events:PutEvents",
            "Resource": f"arn:aws:events:us-east-1:{account}:event-bus/default",
            "Condition": {"StringEquals": {"events:source": "com.example.allowed"}},
        }],
    }))
    publisher = server.client("events", key_id=key["AccessKeyId"], secret=key["SecretAccessKey"])
    ok = publisher.put_events(Entries=[{"Source": "com.example.allowed", "DetailType": "x", "Detail": "{}"}])
    assert ok["FailedEntryCount"] == 0
    with pytest.raises(botocore.exceptions.ClientError) as e:
        publisher.put_events(Entries=[{"Source": "com.example.other", "DetailType": "x", "Detail": "{}"}])
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        publisher.put_rule(Name="r", EventPattern='{"source": ["a"]}')
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"
