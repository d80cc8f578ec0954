"""KMS key policies and grants end to end: a key policy denies a user IAM allows, a key policy
that names a user lets it in without IAM, and a grant lets a user without IAM decrypt."""

import json

import botocore.exceptions
import pytest


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def new_user(server, name, statements=None):
    iam = server.client("iam")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    if statements:
        document = {"Version": "2012-10-17", "Statement": statements}
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(document))
    return arn, server.client("kms", key_id=key["AccessKeyId"], secret=key["SecretAccessKey"])


def root_statement(account):
    return {"Sid": "root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "kms:*", "Resource": "*"}


def test_default_policy_and_lockout_check(server):
    kms = server.client("kms")
    account = server.client("sts").get_caller_identity()["Account"]
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    assert policy == {"Version": "2012-10-17", "Id": "key-default-1", "Statement": [root_statement(account) | {"Sid": "Enable IAM User Permissions"}]}
    assert kms.list_key_policies(KeyId=key_id)["PolicyNames"] == ["default"]
    locked_out = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:user/nobody"}, "Action": "kms:*", "Resource": "*"}]}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(locked_out))
    assert error_code(e) == "MalformedPolicyDocumentException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy="{")
    assert error_code(e) == "MalformedPolicyDocumentException"


def test_key_policy_denies_what_iam_allows_and_allows_a_named_user(server):
    kms = server.client("kms")
    account = server.client("sts").get_caller_identity()["Account"]
    alice_arn, alice = new_user(server, "alice", [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}])
    bob_arn, bob = new_user(server, "bob")
    policy = {"Version": "2012-10-17", "Statement": [
        root_statement(account),
        {"Effect": "Deny", "Principal": {"AWS": alice_arn}, "Action": "kms:Encrypt", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": bob_arn}, "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"},
    ]}
    key_id = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        alice.encrypt(KeyId=key_id, Plaintext=b"x")
    assert error_code(e) == "AccessDeniedException"
    assert alice.describe_key(KeyId=key_id)["KeyMetadata"]["KeyId"] == key_id
    blob = bob.encrypt(KeyId=key_id, Plaintext=b"bob's")["CiphertextBlob"]
    assert bob.decrypt(CiphertextBlob=blob)["Plaintext"] == b"bob's"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        bob.describe_key(KeyId=key_id)
    assert error_code(e) == "AccessDeniedException"


def test_a_grant_lets_a_user_without_iam_decrypt(server):
    kms = server.client("kms")
    carol_arn, carol = new_user(server, "carol")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"granted", EncryptionContext={"app": "x"})["CiphertextBlob"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        carol.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "x"})
    assert error_code(e) == "AccessDeniedException"
    grant = kms.create_grant(KeyId=key_id, GranteePrincipal=carol_arn, Operations=["Decrypt"],
                             RetiringPrincipal=carol_arn,
                             Constraints={"EncryptionContextEquals": {"app": "x"}})
    out = carol.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "x"}, GrantTokens=[grant["GrantToken"]])
    assert out["Plaintext"] == b"granted"
    grants = kms.list_grants(KeyId=key_id)["Grants"]
    assert [g["GrantId"] for g in grants] == [grant["GrantId"]]
    assert grants[0]["Constraints"] == {"EncryptionContextEquals": {"app": "x"}}
    carol.retire_grant(GrantToken=grant["GrantToken"])
    assert kms.list_grants(KeyId=key_id)["Grants"] == []
    with pytest.raises(botocore.exceptions.ClientError) as e:
        carol.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "x"})
    assert error_code(e) == "AccessDeniedException"


def test_rotation_keeps_old_ciphertexts(server):
    kms = server.client("kms")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    old = kms.encrypt(KeyId=key_id, Plaintext=b"old")["CiphertextBlob"]
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=180)
    status = kms.get_key_rotation_status(KeyId=key_id)
    assert status["KeyRotationEnabled"] and status["RotationPeriodInDays"] == 180
    kms.rotate_key_on_demand(KeyId=key_id)
    rotations = kms.list_key_rotations(KeyId=key_id)["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["ON_DEMAND"]
    assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"old"
    new = kms.encrypt(KeyId=key_id, Plaintext=b"new")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=new)["Plaintext"] == b"new"
