"""Enforcement on real resources: every call is authorized on the resource ARN the Service
Authorization Reference names, with the service's condition keys, and KMS keys obey their key
policy. Denials carry AWS's message and land in CloudTrail."""

import json

import botocore.exceptions
import pytest


def user_with_policy(server, name, statements):
    iam = server.client("iam")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    document = {"Version": "2012-10-17", "Statement": statements}
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(document))
    return key["AccessKeyId"], key["SecretAccessKey"]


def denied(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response["Error"]


def test_iam_permissions_scoped_to_a_path_allow_only_users_under_it(server):
    iam = server.client("iam")
    account = server.client("sts").get_caller_identity()["Account"]
    iam.create_user(UserName="dev1", Path="/dev/")
    iam.create_user(UserName="ops1", Path="/ops/")
    key_id, secret = user_with_policy(server, "lead", [
        {"Effect": "Allow", "Action": "iam:GetUser", "Resource": f"arn:aws:iam::{account}:user/dev/*"},
    ])
    lead = server.client("iam", key_id=key_id, secret=secret)
    assert lead.get_user(UserName="dev1")["User"]["Path"] == "/dev/"
    error = denied(lambda: lead.get_user(UserName="ops1"))
    assert error["Code"] == "AccessDenied"
    assert error["Message"] == (
        f"User: arn:aws:iam::{account}:user/lead is not authorized to perform: iam:GetUser "
        f"on resource: arn:aws:iam::{account}:user/ops/ops1 because no identity-based policy "
        "allows the iam:GetUser action"
    )


def test_username_variable_lets_users_manage_only_their_own_keys(server):
    account = server.client("sts").get_caller_identity()["Account"]
    server.client("iam").create_user(UserName="someone-else")
    key_id, secret = user_with_policy(server, "carol", [{
        "Effect": "Allow",
        "Action": ["iam:ListAccessKeys", "iam:CreateAccessKey"],
        "Resource": "arn:aws:iam::*:user/${aws:username}",
    }])
    carol = server.client("iam", key_id=key_id, secret=secret)
    assert len(carol.list_access_keys()["AccessKeyMetadata"]) == 1
    assert len(carol.list_access_keys(UserName="carol")["AccessKeyMetadata"]) == 1
    error = denied(lambda: carol.list_access_keys(UserName="someone-else"))
    assert error["Code"] == "AccessDenied"
    assert f"on resource: arn:aws:iam::{account}:user/someone-else" in error["Message"]


def test_kms_permissions_follow_key_arns_and_encryption_context(server):
    kms = server.client("kms")
    allowed = kms.create_key()["KeyMetadata"]["Arn"]
    other = kms.create_key()["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/app", TargetKeyId=allowed)
    key_id, secret = user_with_policy(server, "app", [{
        "Effect": "Allow",
        "Action": ["kms:Encrypt", "kms:Decrypt"],
        "Resource": allowed,
        "Condition": {"StringEquals": {"kms:EncryptionContext:tenant": "blue"}},
    }])
    app = server.client("kms", key_id=key_id, secret=secret)
    blob = app.encrypt(KeyId="alias/app", Plaintext=b"hello", EncryptionContext={"tenant": "blue"})
    assert blob["KeyId"] == allowed
    plain = app.decrypt(CiphertextBlob=blob["CiphertextBlob"], EncryptionContext={"tenant": "blue"})
    assert plain["Plaintext"] == b"hello"
    error = denied(lambda: app.encrypt(KeyId=allowed, Plaintext=b"x", EncryptionContext={"tenant": "red"}))
    assert error["Code"] == "AccessDeniedException"
    assert f"kms:Encrypt on resource: {allowed}" in error["Message"]
    error = denied(lambda: app.encrypt(KeyId=other, Plaintext=b"x", EncryptionContext={"tenant": "blue"}))
    assert error["Code"] == "AccessDeniedException"
    assert other in error["Message"]
    # Listing keys is wildcard-only, and the policy does not grant it.
    assert denied(lambda: app.list_keys())["Code"] == "AccessDeniedException"


def test_a_denied_call_is_recorded_in_cloudtrail(server):
    key_id, secret = user_with_policy(server, "nosy", [
        {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"},
    ])
    nosy = server.client("cloudtrail", key_id=key_id, secret=secret)
    error = denied(lambda: nosy.list_trails())
    assert error["Code"] == "AccessDeniedException"
    events = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "nosy"}]
    )["Events"]
    record = json.loads(next(e for e in events if e["EventName"] == "ListTrails")["CloudTrailEvent"])
    assert record["errorCode"] == error["Code"]
    assert record["errorMessage"] == error["Message"]
    assert record["userIdentity"]["type"] == "IAMUser"


def test_get_caller_identity_needs_no_permission_even_under_an_explicit_deny(server):
    key_id, secret = user_with_policy(server, "locked", [
        {"Effect": "Deny", "Action": "*", "Resource": "*"},
    ])
    who = server.client("sts", key_id=key_id, secret=secret).get_caller_identity()
    assert who["Arn"].endswith(":user/locked")
