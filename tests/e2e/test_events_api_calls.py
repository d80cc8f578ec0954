"""CloudTrail's "AWS API Call via CloudTrail" events on EventBridge (issue 6): every recorded
write call reaches the default bus of the caller's account in the call's region as its redacted
CloudTrail record; read-only calls named Describe/Get/List reach only rules in the state
ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, as AWS documents."""

import json
import time

from test_events import Receiver, api_destination, wait_for_file

API_CALL = "AWS API Call via CloudTrail"


def test_a_create_user_call_reaches_a_log_group_and_a_read_does_not(server, data_dir):
    events = server.client("events")
    account = server.client("sts").get_caller_identity()["Account"]
    events.put_rule(Name="iam-writes", EventPattern=json.dumps({
        "source": ["aws.iam"],
        "detail-type": [API_CALL],
    }))
    group = f"arn:aws:logs:us-east-1:{account}:log-group:iam-calls"
    events.put_targets(Rule="iam-writes", Targets=[{"Id": "file", "Arn": group}])
    iam = server.client("iam")
    iam.list_users()
    iam.create_user(UserName="alice")
    iam.get_user(UserName="alice")
    path = data_dir / "events" / "logs" / account / "us-east-1" / "iam-calls.log"
    event = wait_for_file(path, 1)[0]
    time.sleep(1.5)
    lines = wait_for_file(path, 1)
    assert [e["detail"]["eventName"] for e in lines] == ["CreateUser"], lines
    assert event["source"] == "aws.iam"
    assert event["detail-type"] == API_CALL
    assert event["account"] == account
    assert event["region"] == "us-east-1"
    detail = event["detail"]
    assert detail["eventSource"] == "iam.amazonaws.com"
    assert detail["eventName"] == "CreateUser"
    assert detail["eventType"] == "AwsApiCall"
    assert detail["eventCategory"] == "Management"
    assert detail["managementEvent"] is True
    assert detail["readOnly"] is False
    assert detail["recipientAccountId"] == account
    assert detail["awsRegion"] == "us-east-1"
    assert detail["userIdentity"]["type"] == "Root"
    assert detail["requestParameters"] == {"userName": "alice"}
    assert detail["responseElements"]["user"]["userName"] == "alice"
    for field in ("eventVersion", "eventTime", "sourceIPAddress", "userAgent", "requestID", "eventID"):
        assert field in detail, field


def test_an_http_endpoint_gets_the_matching_call_only(server):
    receiver = Receiver()
    try:
        events = server.client("events")
        destination = api_destination(events, "calls", receiver.url + "/calls")
        events.put_rule(Name="create-user", EventPattern=json.dumps({
            "source": ["aws.iam"],
            "detail-type": [API_CALL],
            "detail": {"eventName": ["CreateUser"]},
        }))
        events.put_targets(Rule="create-user", Targets=[{"Id": "hook", "Arn": destination}])
        iam = server.client("iam")
        iam.create_group(GroupName="ops")
        iam.create_user(UserName="bob")
        request = receiver.wait(1)[0]
        event = json.loads(request["body"])
        assert event["detail"]["eventName"] == "CreateUser"
        assert event["detail"]["requestParameters"]["userName"] == "bob"
        time.sleep(1.5)
        assert len(receiver.received) == 1
    finally:
        receiver.close()


def test_read_only_calls_reach_rules_enabled_for_all_management_events(server, data_dir):
    events = server.client("events")
    account = server.client("sts").get_caller_identity()["Account"]
    events.put_rule(Name="kms-all", State="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
                    EventPattern=json.dumps({"source": ["aws.kms"], "detail-type": [API_CALL]}))
    group = f"arn:aws:logs:us-east-1:{account}:log-group:kms-all"
    events.put_targets(Rule="kms-all", Targets=[{"Id": "file", "Arn": group}])
    kms = server.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.describe_key(KeyId=key)
    path = data_dir / "events" / "logs" / account / "us-east-1" / "kms-all.log"
    names = [e["detail"]["eventName"] for e in wait_for_file(path, 2)]
    assert names == ["CreateKey", "DescribeKey"]
    assert [e["detail"]["readOnly"] for e in wait_for_file(path, 2)] == [False, True]


def test_secret_values_are_redacted_as_in_cloudtrail(server, data_dir):
    events = server.client("events")
    account = server.client("sts").get_caller_identity()["Account"]
    events.put_rule(Name="secrets", EventPattern=json.dumps({
        "source": ["aws.secretsmanager"], "detail-type": [API_CALL]}))
    group = f"arn:aws:logs:us-east-1:{account}:log-group:secrets"
    events.put_targets(Rule="secrets", Targets=[{"Id": "file", "Arn": group}])
    server.client("secretsmanager").create_secret(Name="db", SecretString="hunter2-very-secret")
    path = data_dir / "events" / "logs" / account / "us-east-1" / "secrets.log"
    event = wait_for_file(path, 1)[0]
    assert event["detail"]["eventName"] == "CreateSecret"
    assert event["detail"]["requestParameters"]["name"] == "db"
    assert "hunter2-very-secret" not in path.read_text()
