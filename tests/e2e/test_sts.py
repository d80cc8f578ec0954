"""STS temporary credentials with real clients: session tokens authenticate their ASIA key, carry
the session's limits, and are refused when altered."""

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


def session_client(server, service, credentials):
    return server.client(
        service,
        key_id=credentials["AccessKeyId"],
        secret=credentials["SecretAccessKey"],
        token=credentials["SessionToken"],
    )


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response


def test_get_session_token_gives_the_user_its_own_permissions(server):
    key_id, secret = user_with_policy(server, "dev", [
        {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"},
    ])
    sts = server.client("sts", key_id=key_id, secret=secret)
    credentials = sts.get_session_token(DurationSeconds=900)["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA") and len(credentials["AccessKeyId"]) == 20
    assert len(credentials["SecretAccessKey"]) == 40
    who = session_client(server, "sts", credentials).get_caller_identity()
    assert who["Arn"].endswith(":user/dev")
    iam = session_client(server, "iam", credentials)
    assert "Users" in iam.list_users()
    assert error_of(lambda: iam.get_user())["Error"]["Code"] == "AccessDenied"
    # Session credentials cannot ask for more session credentials.
    again = error_of(lambda: session_client(server, "sts", credentials).get_session_token())
    assert again["Error"]["Code"] == "AccessDenied"
    # The account a key belongs to, for the long-term key and the session key alike.
    account = who["Account"]
    root_sts = server.client("sts")
    assert root_sts.get_access_key_info(AccessKeyId=key_id)["Account"] == account
    assert root_sts.get_access_key_info(AccessKeyId=credentials["AccessKeyId"])["Account"] == account


def test_durations_follow_aws_bounds(server):
    sts = server.client("sts")
    unchecked = server.client("sts", parameter_validation=False)
    err = error_of(lambda: unchecked.get_session_token(DurationSeconds=899))
    assert err["Error"]["Code"] == "ValidationError"
    assert err["Error"]["Message"] == (
        "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: "
        "Member must have value greater than or equal to 900"
    )
    # The root user's sessions last at most one hour.
    credentials = sts.get_session_token(DurationSeconds=7200)["Credentials"]
    issued = session_client(server, "sts", credentials)
    assert issued.get_caller_identity()["Arn"].endswith(":root")


def test_an_altered_or_foreign_token_is_refused(server):
    credentials = server.client("sts").get_session_token()["Credentials"]
    token = credentials["SessionToken"]
    flipped = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    for bad in [flipped, "not-a-token", ""]:
        altered = dict(credentials, SessionToken=bad)
        err = error_of(lambda: session_client(server, "sts", altered).get_caller_identity())
        assert err["Error"]["Code"] == "InvalidClientTokenId", bad
    other = server.client("sts").get_session_token()["Credentials"]
    swapped = dict(credentials, SessionToken=other["SessionToken"])
    err = error_of(lambda: session_client(server, "sts", swapped).get_caller_identity())
    assert err["Error"]["Code"] == "InvalidClientTokenId"
    # Without its token an ASIA key is unknown.
    err = error_of(lambda: server.client(
        "sts", key_id=credentials["AccessKeyId"], secret=credentials["SecretAccessKey"]
    ).get_caller_identity())
    assert err["Error"]["Code"] == "InvalidClientTokenId"


def test_a_federated_user_gets_only_what_user_and_session_policy_both_allow(server):
    key_id, secret = user_with_policy(server, "broker", [
        {"Effect": "Allow", "Action": ["sts:GetFederationToken", "iam:ListUsers", "kms:ListKeys"], "Resource": "*"},
    ])
    sts = server.client("sts", key_id=key_id, secret=secret)
    session_policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:ListUsers", "cloudtrail:ListTrails"], "Resource": "*"},
    ]}
    out = sts.get_federation_token(Name="partner", Policy=json.dumps(session_policy), DurationSeconds=900)
    account = server.client("sts").get_caller_identity()["Account"]
    assert out["FederatedUser"] == {
        "FederatedUserId": f"{account}:partner",
        "Arn": f"arn:aws:sts::{account}:federated-user/partner",
    }
    assert 0 < out["PackedPolicySize"] <= 100
    credentials = out["Credentials"]
    who = session_client(server, "sts", credentials).get_caller_identity()
    assert who["Arn"] == f"arn:aws:sts::{account}:federated-user/partner"
    assert "Users" in session_client(server, "iam", credentials).list_users()
    # The user may list keys but the session policy does not allow it ...
    err = error_of(lambda: session_client(server, "kms", credentials).list_keys())
    assert err["Error"]["Code"] == "AccessDeniedException"
    assert "because no session policy allows the kms:ListKeys action" in err["Error"]["Message"]
    # ... and the session policy allows trails, which the user may not list.
    err = error_of(lambda: session_client(server, "cloudtrail", credentials).list_trails())
    assert err["Error"]["Code"] == "AccessDeniedException"
    # Without a session policy a federated user may do nothing.
    bare = sts.get_federation_token(Name="bare")["Credentials"]
    assert error_of(lambda: session_client(server, "iam", bare).list_users())["Error"]["Code"] == "AccessDenied"


def test_session_calls_are_recorded_with_their_session_context(server):
    key_id, secret = user_with_policy(server, "fed", [
        {"Effect": "Allow", "Action": ["sts:GetFederationToken", "iam:ListUsers"], "Resource": "*"},
    ])
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}
    credentials = server.client("sts", key_id=key_id, secret=secret).get_federation_token(
        Name="visitor", Policy=json.dumps(policy))["Credentials"]
    session_client(server, "iam", credentials).list_users()
    events = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "AccessKeyId", "AttributeValue": credentials["AccessKeyId"]}]
    )["Events"]
    record = json.loads(events[0]["CloudTrailEvent"])
    identity = record["userIdentity"]
    assert identity["type"] == "FederatedUser"
    assert identity["sessionContext"]["sessionIssuer"]["userName"] == "fed"
    assert identity["sessionContext"]["attributes"]["mfaAuthenticated"] == "false"
    assert "SessionToken" not in events[0]["CloudTrailEvent"]
    assert credentials["SecretAccessKey"] not in events[0]["CloudTrailEvent"]
