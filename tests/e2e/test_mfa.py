"""MFA with real clients: a virtual MFA device enabled with two real TOTP codes, a policy that
allows an action only with MFA, and GetSessionToken proving it (aws:MultiFactorAuthPresent)."""

import base64
import hashlib
import hmac
import json
import struct
import time

import botocore.exceptions
import pytest


def totp(seed_base32, step):
    """RFC 6238 with SHA-1, 30-second steps, 6 digits."""
    key = base64.b32decode(seed_base32)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response["Error"]


def test_an_mfa_gated_action_needs_a_session_proven_with_a_totp_code(server):
    iam = server.client("iam")
    iam.create_user(UserName="careful")
    key = iam.create_access_key(UserName="careful")["AccessKey"]
    iam.put_user_policy(UserName="careful", PolicyName="mfa", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "kms:ListKeys", "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }]}))
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="careful")["VirtualMFADevice"]
    seed = device["Base32StringSeed"].decode() if isinstance(device["Base32StringSeed"], bytes) else device["Base32StringSeed"]
    step = int(time.time()) // 30
    iam.enable_mfa_device(UserName="careful", SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=totp(seed, step - 1), AuthenticationCode2=totp(seed, step))

    as_user = dict(key_id=key["AccessKeyId"], secret=key["SecretAccessKey"])
    err = error_of(lambda: server.client("kms", **as_user).list_keys())
    assert err["Code"] == "AccessDeniedException"

    sts = server.client("sts", **as_user)
    err = error_of(lambda: sts.get_session_token(SerialNumber=device["SerialNumber"], TokenCode="000000"
                                                 if totp(seed, step + 1) != "000000" else "111111"))
    assert err["Code"] == "AccessDenied"
    credentials = sts.get_session_token(SerialNumber=device["SerialNumber"],
                                        TokenCode=totp(seed, step + 1))["Credentials"]
    session = dict(key_id=credentials["AccessKeyId"], secret=credentials["SecretAccessKey"],
                   token=credentials["SessionToken"])
    assert "Keys" in server.client("kms", **session).list_keys()
    # With MFA proven, the session may call IAM too (the user's own permissions still apply).
    err = error_of(lambda: server.client("iam", **session).list_users())
    assert err["Code"] == "AccessDenied"
    # A session without MFA stays denied.
    plain = sts.get_session_token()["Credentials"]
    err = error_of(lambda: server.client("kms", key_id=plain["AccessKeyId"], secret=plain["SecretAccessKey"],
                                         token=plain["SessionToken"]).list_keys())
    assert err["Code"] == "AccessDeniedException"
