"""Snapshots and reset of the whole state through the administration API and the CLI
(issue 10)."""
import json
import os
import subprocess

import pytest

from conftest import BIN, ROOT_KEY_ID, ROOT_SECRET


def user_names(server):
    return sorted(u["UserName"] for u in server.client("iam").list_users()["Users"])


def cli(server, *args):
    """Runs `rampart ARGS` as an operator would: the endpoint and data dir in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=ROOT_KEY_ID, AWS_SECRET_ACCESS_KEY=ROOT_SECRET,
               RAMPART_ENDPOINT=server.endpoint, RAMPART_DATA_DIR=str(server.data_dir))
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=120)


def test_restore_brings_back_the_saved_state(server):
    iam, kms = server.client("iam"), server.client("kms")
    iam.create_user(UserName="kept")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"kept")["CiphertextBlob"]
    status, saved = server.admin("/_rampart/snapshots", {"Name": "before"})
    assert status == 200 and saved["Items"] > 0

    iam.create_user(UserName="later")
    iam.delete_user(UserName="kept")
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)

    status, restored = server.admin("/_rampart/snapshots/before/restore")
    assert status == 200 and restored["Items"] == saved["Items"]
    assert user_names(server) == ["kept"]
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"kept"


def test_reset_returns_to_the_state_the_data_directory_started_with(server):
    iam = server.client("iam")
    iam.create_user(UserName="temporary")
    server.client("kms").create_key()
    status, _ = server.admin("/_rampart/reset")
    assert status == 200
    assert user_names(server) == []
    assert server.client("kms").list_keys()["Keys"] == []
    # The root key of the first start still signs.
    assert server.client("sts").get_caller_identity()["Arn"].endswith(":root")


def test_bad_names_and_missing_snapshots(server):
    status, body = server.admin("/_rampart/snapshots/nothing-here/restore")
    assert status == 404 and "ResourceNotFound" in json.dumps(body)
    for name in ("initial", "../escape", ""):
        status, _ = server.admin("/_rampart/snapshots", {"Name": name})
        assert status == 400, name


def test_only_the_management_root_may_snapshot_or_reset(server):
    iam = server.client("iam")
    iam.create_user(UserName="admin")
    iam.attach_user_policy(UserName="admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    as_admin = dict(key_id=key["AccessKeyId"], secret=key["SecretAccessKey"])
    for path, body in (("/_rampart/snapshots", {"Name": "x"}), ("/_rampart/reset", None),
                       ("/_rampart/snapshots/initial/restore", None)):
        status, answer = server.admin(path, body, **as_admin)
        assert status == 403 and "AccessDenied" in json.dumps(answer), path
    for path in ("/_rampart/snapshots", "/_rampart/clock"):
        status, answer = server.admin(path, method="GET", **as_admin)
        assert status == 403 and "AccessDenied" in json.dumps(answer), path
    # A member account's root is not the management account's root either.
    org = server.client("organizations")
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(Email="m@example.com", AccountName="m")["CreateAccountStatus"]["AccountId"]
    role = server.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="xx")["Credentials"]
    status, _ = server.admin("/_rampart/reset", key_id=role["AccessKeyId"], secret=role["SecretAccessKey"],
                             token=role["SessionToken"])
    assert status == 403
    assert user_names(server) == ["admin"]


def test_the_cli_saves_restores_lists_and_resets(server):
    iam = server.client("iam")
    iam.create_user(UserName="one")
    done = cli(server, "snapshot", "save", "one-user")
    assert done.returncode == 0, done.stderr
    iam.create_user(UserName="two")
    done = cli(server, "snapshot", "restore", "one-user")
    assert done.returncode == 0, done.stderr
    assert user_names(server) == ["one"]
    done = cli(server, "snapshot", "list")
    assert done.returncode == 0, done.stderr
    assert [line.split("\t")[0] for line in done.stdout.splitlines()] == ["initial", "one-user"]
    done = cli(server, "reset")
    assert done.returncode == 0, done.stderr
    assert user_names(server) == []
