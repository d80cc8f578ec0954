"""EventBridge with the other services (issue 6, "done means"): a Parameter Store parameter
expires and the rule's API destination, an HTTP endpoint run by the test, receives the
`Parameter Store Policy Action` event; a rate() schedule fires when the clock moves."""

import datetime
import json
import time

from test_events import Receiver, api_destination, wait_for_file


def iso_in(seconds):
    at = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_a_parameter_expiry_reaches_an_http_endpoint(server):
    receiver = Receiver()
    try:
        events = server.client("events")
        destination = api_destination(events, "ssm", receiver.url + "/ssm")
        events.put_rule(Name="ssm-policy-actions", EventPattern=json.dumps({
            "source": ["aws.ssm"],
            "detail-type": ["Parameter Store Policy Action"],
            "detail": {"policy-type": ["Expiration"]},
        }))
        events.put_targets(Rule="ssm-policy-actions", Targets=[{"Id": "hook", "Arn": destination}])
        ssm = server.client("ssm")
        ssm.put_parameter(Name="/temp/token", Value="v", Type="String", Tier="Advanced",
                          Policies=json.dumps([{"Type": "Expiration", "Version": "1.0",
                                                "Attributes": {"Timestamp": iso_in(3600)}}]))
        status, body = server.admin("/_rampart/clock/advance", {"Seconds": 2 * 3600})
        assert status == 200, body
        request = receiver.wait(1)[0]
        event = json.loads(request["body"])
        assert event["source"] == "aws.ssm"
        assert event["detail-type"] == "Parameter Store Policy Action"
        assert event["detail"]["parameter-name"] == "/temp/token"
        assert event["detail"]["policy-type"] == "Expiration"
        assert event["resources"][0].endswith(":parameter/temp/token")
        assert request["headers"]["x-api-key"] == "s3cr3t-key"
    finally:
        receiver.close()


def test_a_rate_schedule_fires_when_the_clock_moves(server, data_dir):
    events = server.client("events")
    account = server.client("sts").get_caller_identity()["Account"]
    rule = events.put_rule(Name="tick", ScheduleExpression="rate(1 hour)")["RuleArn"]
    group = f"arn:aws:logs:us-east-1:{account}:log-group:ticks"
    events.put_targets(Rule="tick", Targets=[{"Id": "file", "Arn": group}])
    path = data_dir / "events" / "logs" / account / "us-east-1" / "ticks.log"
    time.sleep(1.5)
    assert not path.exists()
    status, body = server.admin("/_rampart/clock/advance", {"Seconds": 3601})
    assert status == 200, body
    tick = wait_for_file(path, 1)[0]
    assert tick["source"] == "aws.events"
    assert tick["detail-type"] == "Scheduled Event"
    assert tick["resources"] == [rule]
