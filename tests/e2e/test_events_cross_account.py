"""EventBridge across accounts: a member account may put events on the management account's
bus only once the bus's policy (PutPermission) allows it; the event keeps the sender's account
and the owner's rules deliver it."""

import json

import botocore.exceptions
import pytest

from test_events import wait_for_file


def member_clients(server):
    org = server.client("organizations")
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(Email="m@example.com", AccountName="member")["CreateAccountStatus"]["AccountId"]
    credentials = server.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="member-setup",
    )["Credentials"]
    return member, lambda service: server.client(
        service, key_id=credentials["AccessKeyId"], secret=credentials["SecretAccessKey"],
        token=credentials["SessionToken"])


def test_a_bus_policy_lets_another_account_put_events(server, data_dir):
    home = server.client("sts").get_caller_identity()["Account"]
    member, as_member = member_clients(server)
    events = server.client("events")
    bus = events.describe_event_bus()["Arn"]
    group = f"arn:aws:logs:us-east-1:{home}:log-group:from-members"
    events.put_rule(Name="members", EventPattern=json.dumps({"source": ["member.app"]}))
    events.put_targets(Rule="members", Targets=[{"Id": "f", "Arn": group}])
    entry = {"Source": "member.app", "DetailType": "Hello", "Detail": '{"n": 1}', "EventBusName": bus}

    with pytest.raises(botocore.exceptions.ClientError) as e:
        as_member("events").put_events(Entries=[entry])
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"

    events.put_permission(Action="events:PutEvents", Principal=member, StatementId="member")
    assert json.loads(events.describe_event_bus()["Policy"])["Statement"][0]["Sid"] == "member"
    out = as_member("events").put_events(Entries=[entry])
    assert out["FailedEntryCount"] == 0
    event = wait_for_file(data_dir / "events" / "logs" / home / "us-east-1" / "from-members.log")[0]
    assert event["account"] == member
    assert event["detail"] == {"n": 1}

    events.remove_permission(StatementId="member")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        as_member("events").put_events(Entries=[entry])
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"
