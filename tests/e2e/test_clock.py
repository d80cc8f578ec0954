"""The controllable clock: the administration API moves the server's time forward and the
scheduled work that came due runs before the call returns (issue 10)."""
import json
import os
import subprocess

import pytest

from conftest import BIN, ROOT_KEY_ID, ROOT_SECRET

DAY = 86_400


def advance(server, seconds):
    status, body = server.admin("/_rampart/clock/advance", {"Seconds": seconds})
    assert status == 200, body
    return body


def test_a_year_later_the_key_has_rotated_and_clients_still_work(server):
    kms = server.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=365)
    blob = kms.encrypt(KeyId=key, Plaintext=b"before")["CiphertextBlob"]
    assert kms.list_key_rotations(KeyId=key)["Rotations"] == []

    state = advance(server, 366 * DAY)
    assert state["AdvancedBySeconds"] >= 366 * DAY
    assert state["DutiesRun"] >= 1

    # Clients sign with their own (unadvanced) clocks and keep working.
    rotations = kms.list_key_rotations(KeyId=key)["Rotations"]
    assert len(rotations) == 1 and rotations[0]["RotationType"] == "AUTOMATIC"
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"before"


def test_eight_days_later_a_key_scheduled_for_seven_days_is_gone(server):
    kms = server.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    advance(server, 6 * DAY)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    advance(server, 2 * DAY)
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.describe_key(KeyId=key)


def test_the_advance_survives_a_restart(server):
    advance(server, 3 * DAY)
    server.stop()
    server.start()
    status, state = server.admin("/_rampart/clock", method="GET")
    assert status == 200
    assert state["AdvancedBySeconds"] >= 3 * DAY


def test_only_the_management_root_may_administer(server):
    iam = server.client("iam")
    iam.create_user(UserName="admin")
    iam.attach_user_policy(UserName="admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    status, body = server.admin("/_rampart/clock/advance", {"Seconds": DAY},
                                key_id=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert status == 403
    assert "AccessDenied" in json.dumps(body)
    status, body = server.admin("/_rampart/clock/advance", {"Seconds": DAY}, secret="wrong" + ROOT_SECRET)
    assert status in (400, 403) and "Signature" in json.dumps(body)
    status, state = server.admin("/_rampart/clock", method="GET")
    assert state["AdvancedBySeconds"] == 0


def test_bad_advances_are_refused(server):
    for seconds in (0, -5, 10 * 366 * DAY):
        status, body = server.admin("/_rampart/clock/advance", {"Seconds": seconds})
        assert status == 400, body


def test_advances_are_recorded_in_cloudtrail(server):
    advance(server, 60)
    events = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AdvanceClock"}]
    )["Events"]
    assert len(events) == 1
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["eventSource"] == "rampart.amazonaws.com"
    assert record["userIdentity"]["type"] == "Root"


def test_the_cli_advances_the_clock(server):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=ROOT_KEY_ID, AWS_SECRET_ACCESS_KEY=ROOT_SECRET)
    done = subprocess.run([str(BIN), "clock", "advance", "1d12h", "--endpoint", server.endpoint],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["AdvancedBySeconds"] == 129_600
    done = subprocess.run([str(BIN), "clock", "advance", "soon", "--endpoint", server.endpoint],
                          env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and "not a duration" in done.stderr
