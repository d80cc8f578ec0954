"""Events of work that comes due, under the administrator's clock (issue 6): a KMS key whose
scheduled deletion is carried out sends `KMS CMK Deletion`, an on-demand rotation sends
`KMS CMK Rotation`, expired imported key material `KMS Imported Key Material Expiration`, and a
cron() rule fires once at each due time."""

import datetime
import json
import os
import time

import pytest

from test_events import wait_for_file


def log_rule(server, name, **rule):
    events = server.client("events")
    account = server.client("sts").get_caller_identity()["Account"]
    events.put_rule(Name=name, **rule)
    group = f"arn:aws:logs:us-east-1:{account}:log-group:{name}"
    events.put_targets(Rule=name, Targets=[{"Id": "file", "Arn": group}])
    return account


def advance(server, seconds):
    status, body = server.admin("/_rampart/clock/advance", {"Seconds": seconds})
    assert status == 200, body


def test_a_key_deletion_that_comes_due_is_announced(server, data_dir):
    account = log_rule(server, "kms-deletions", EventPattern=json.dumps({
        "source": ["aws.kms"], "detail-type": ["KMS CMK Deletion"]}))
    kms = server.client("kms")
    key = kms.create_key()["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    path = data_dir / "events" / "logs" / account / "us-east-1" / "kms-deletions.log"
    advance(server, 3600)
    time.sleep(1.5)
    assert not path.exists(), "nothing is deleted before the window ends"
    advance(server, 7 * 86400)
    event = wait_for_file(path, 1)[0]
    assert event["source"] == "aws.kms"
    assert event["detail-type"] == "KMS CMK Deletion"
    assert event["detail"] == {"key-id": key["KeyId"]}
    assert event["resources"] == [key["Arn"]]
    assert event["account"] == account


def test_rotations_on_demand_and_automatic_are_announced(server, data_dir):
    account = log_rule(server, "kms-rotations", EventPattern=json.dumps({
        "source": ["aws.kms"], "detail-type": ["KMS CMK Rotation"]}))
    kms = server.client("kms")
    key = kms.create_key()["KeyMetadata"]
    kms.rotate_key_on_demand(KeyId=key["KeyId"])
    path = data_dir / "events" / "logs" / account / "us-east-1" / "kms-rotations.log"
    event = wait_for_file(path, 1)[0]
    assert event["detail"] == {"key-id": key["KeyId"], "key-origin": "AWS_KMS",
                               "rotation-type": "ON_DEMAND"}
    assert event["resources"] == [key["Arn"]]
    # Automatic rotation, when its period has passed.
    kms.enable_key_rotation(KeyId=key["KeyId"], RotationPeriodInDays=90)
    advance(server, 91 * 86400)
    automatic = wait_for_file(path, 2)[1]
    assert automatic["detail"]["rotation-type"] == "AUTOMATIC"
    assert automatic["detail"]["key-id"] == key["KeyId"]


def test_a_cron_rule_fires_once_at_each_due_time(server, data_dir):
    account = log_rule(server, "noon", ScheduleExpression="cron(0 12 * * ? *)")
    rule = server.client("events").describe_rule(Name="noon")
    assert rule["ScheduleExpression"] == "cron(0 12 * * ? *)"
    path = data_dir / "events" / "logs" / account / "us-east-1" / "noon.log"
    advance(server, 86400 + 1)
    first = wait_for_file(path, 1)
    assert first[0]["detail-type"] == "Scheduled Event"
    assert first[0]["source"] == "aws.events"
    assert first[0]["time"].endswith("T12:00:00Z")
    # The duty runs every second; the noon that passed does not fire again.
    time.sleep(2.5)
    assert len(wait_for_file(path, 1)) == 1
    # Three days away: one firing, not three.
    advance(server, 3 * 86400)
    assert len(wait_for_file(path, 2)) == 2
    time.sleep(1.5)
    assert len(wait_for_file(path, 2)) == 2


def test_cron_syntax_is_checked(server):
    events = server.client("events")
    for good in ["cron(0 8 ? * MON#1 *)", "cron(0 0 LW * ? *)", "cron(15 10 ? * 6L 2030-2035)"]:
        events.put_rule(Name="ok", ScheduleExpression=good)
    for bad in ["cron(0 8 * * * *)", "cron(0 25 * * ? *)", "cron(0 8 ? * 3#6 *)"]:
        try:
            events.put_rule(Name="bad", ScheduleExpression=bad)
        except events.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == "ValidationException", bad
        else:
            raise AssertionError(f"{bad} was accepted")


def test_expired_imported_key_material_is_announced(server, data_dir):
    pytest.importorskip("cryptography")
    from test_kms_import import import_material

    account = log_rule(server, "kms-expiry", EventPattern=json.dumps({
        "source": ["aws.kms"], "detail-type": ["KMS Imported Key Material Expiration"]}))
    kms = server.client("kms")
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    valid_to = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    import_material(kms, key["KeyId"], "RSAES_OAEP_SHA_256", "RSA_2048", os.urandom(32),
                    ValidTo=valid_to)
    path = data_dir / "events" / "logs" / account / "us-east-1" / "kms-expiry.log"
    advance(server, 2 * 86400)
    event = wait_for_file(path, 1)[0]
    assert event["detail-type"] == "KMS Imported Key Material Expiration"
    assert event["detail"] == {"key-id": key["KeyId"]}
    assert event["resources"] == [key["Arn"]]
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingImport"
