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
    # Without MFA such a session may call no IAM operation at all (its token is "invalid" there).
    err = error_of(lambda: session_client(server, "iam", credentials).list_users())
    assert err["Error"]["Code"] == "InvalidClientTokenId"
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
        {"Effect": "Allow", "Action": ["sts:GetFederationToken", "kms:ListKeys", "kms:ListAliases"], "Resource": "*"},
    ])
    sts = server.client("sts", key_id=key_id, secret=secret)
    session_policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kms:ListKeys", "cloudtrail:ListTrails"], "Resource": "*"},
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
    assert "Keys" in session_client(server, "kms", credentials).list_keys()
    # Federated users call no IAM operation at all.
    err = error_of(lambda: session_client(server, "iam", credentials).list_users())
    assert err["Error"]["Code"] == "InvalidClientTokenId"
    # The user may list aliases but the session policy does not allow it ...
    err = error_of(lambda: session_client(server, "kms", credentials).list_aliases())
    assert err["Error"]["Code"] == "AccessDeniedException"
    assert "because no session policy allows the kms:ListAliases action" in err["Error"]["Message"]
    # ... and the session policy allows trails, which the user may not list.
    err = error_of(lambda: session_client(server, "cloudtrail", credentials).list_trails())
    assert err["Error"]["Code"] == "AccessDeniedException"
    # Without a session policy a federated user may do nothing.
    bare = sts.get_federation_token(Name="bare")["Credentials"]
    err = error_of(lambda: session_client(server, "kms", bare).list_keys())
    assert err["Error"]["Code"] == "AccessDeniedException"


def test_session_calls_are_recorded_with_their_session_context(server):
    key_id, secret = user_with_policy(server, "fed", [
        {"Effect": "Allow", "Action": ["sts:GetFederationToken", "kms:ListKeys"], "Resource": "*"},
    ])
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:ListKeys", "Resource": "*"}]}
    credentials = server.client("sts", key_id=key_id, secret=secret).get_federation_token(
        Name="visitor", Policy=json.dumps(policy))["Credentials"]
    session_client(server, "kms", credentials).list_keys()
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


TRUST_ACCOUNT = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole",
}]}


def make_role(server, name, trust, policies=(), **extra):
    iam = server.client("iam")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), **extra)["Role"]
    for arn in policies:
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    return role


def account_of(server):
    return server.client("sts").get_caller_identity()["Account"]


def trust_for(account, **condition):
    trust = json.loads(json.dumps(TRUST_ACCOUNT).replace("{account}", account))
    if condition:
        trust["Statement"][0]["Condition"] = condition
    return trust


def test_assuming_a_role_gives_the_role_permissions_and_drops_the_callers(server):
    account = account_of(server)
    role = make_role(server, "reader", trust_for(account),
                     ["arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser"])
    key_id, secret = user_with_policy(server, "worker", [
        {"Effect": "Allow", "Action": ["sts:AssumeRole", "cloudtrail:ListTrails"], "Resource": "*"},
    ])
    assert "Trails" in server.client("cloudtrail", key_id=key_id, secret=secret).list_trails()
    out = server.client("sts", key_id=key_id, secret=secret).assume_role(
        RoleArn=role["Arn"], RoleSessionName="job-1", DurationSeconds=900)
    assert out["AssumedRoleUser"] == {
        "AssumedRoleId": f"{role['RoleId']}:job-1",
        "Arn": f"arn:aws:sts::{account}:assumed-role/reader/job-1",
    }
    credentials = out["Credentials"]
    who = session_client(server, "sts", credentials).get_caller_identity()
    assert who["UserId"] == f"{role['RoleId']}:job-1"
    assert who["Arn"] == f"arn:aws:sts::{account}:assumed-role/reader/job-1"
    assert "Keys" in session_client(server, "kms", credentials).list_keys()
    # The caller's own permission to list trails does not travel into the role session.
    err = error_of(lambda: session_client(server, "cloudtrail", credentials).list_trails())
    assert err["Error"]["Code"] == "AccessDeniedException"
    assert "assumed-role/reader/job-1 is not authorized to perform: cloudtrail:ListTrails" in err["Error"]["Message"]


def test_a_user_needs_both_the_trust_policy_and_its_own_permission(server):
    account = account_of(server)
    role = make_role(server, "guarded", trust_for(account))
    key_id, secret = user_with_policy(server, "nobody", [
        {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"},
    ])
    err = error_of(lambda: server.client("sts", key_id=key_id, secret=secret).assume_role(
        RoleArn=role["Arn"], RoleSessionName="s1"))
    assert err["Error"]["Code"] == "AccessDenied"
    assert f"not authorized to perform: sts:AssumeRole on resource: {role['Arn']}" in err["Error"]["Message"]
    # A role that does not exist is refused the same way.
    ghost = f"arn:aws:iam::{account}:role/ghost"
    err = error_of(lambda: server.client("sts").assume_role(RoleArn=ghost, RoleSessionName="s1"))
    assert err["Error"]["Code"] == "AccessDenied"


def test_external_id_is_required_when_the_trust_policy_asks_for_it(server):
    account = account_of(server)
    role = make_role(server, "vendor", trust_for(account, StringEquals={"sts:ExternalId": "Unique-42"}))
    sts = server.client("sts")
    err = error_of(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1"))
    assert err["Error"]["Code"] == "AccessDenied"
    err = error_of(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", ExternalId="wrong-id"))
    assert err["Error"]["Code"] == "AccessDenied"
    ok = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", ExternalId="Unique-42")
    assert ok["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_session_durations_and_role_chaining(server):
    account = account_of(server)
    role = make_role(server, "short", trust_for(account), MaxSessionDuration=3600)
    chained_trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": role["Arn"]}, "Action": "sts:AssumeRole"}]}
    second = make_role(server, "second", chained_trust)
    iam = server.client("iam")
    iam.put_role_policy(RoleName="short", PolicyName="chain", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": second["Arn"]}]}))
    sts = server.client("sts")
    err = error_of(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", DurationSeconds=7200))
    assert err["Error"]["Code"] == "ValidationError"
    assert err["Error"]["Message"] == "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    first = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="hop1")["Credentials"]
    chained = session_client(server, "sts", first)
    err = error_of(lambda: chained.assume_role(RoleArn=second["Arn"], RoleSessionName="hop2", DurationSeconds=7200))
    assert err["Error"]["Message"] == (
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
    )
    hop2 = chained.assume_role(RoleArn=second["Arn"], RoleSessionName="hop2")["Credentials"]
    assert session_client(server, "sts", hop2).get_caller_identity()["Arn"].endswith("assumed-role/second/hop2")


def test_revoking_older_sessions_with_token_issue_time(server):
    account = account_of(server)
    role = make_role(server, "revocable", trust_for(account),
                     ["arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser"])
    credentials = server.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="old")["Credentials"]
    kms = session_client(server, "kms", credentials)
    assert "Keys" in kms.list_keys()
    iam = server.client("iam")
    # The console's "Revoke active sessions" writes this inline policy: sessions issued before
    # now are denied everything. (A date in the future revokes every session issued so far.)
    iam.put_role_policy(RoleName="revocable", PolicyName="AWSRevokeOlderSessions", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Action": ["*"], "Resource": ["*"],
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2100-01-01T00:00:00Z"}}}]}))
    err = error_of(lambda: kms.list_keys())
    assert err["Error"]["Code"] == "AccessDeniedException"
    assert "with an explicit deny in an identity-based policy" in err["Error"]["Message"]
    iam.delete_role_policy(RoleName="revocable", PolicyName="AWSRevokeOlderSessions")
    assert "Keys" in kms.list_keys()


def test_session_policies_and_tags_narrow_a_role_session(server):
    account = account_of(server)
    trust = trust_for(account)
    trust["Statement"][0]["Action"] = ["sts:AssumeRole", "sts:TagSession"]
    role = make_role(server, "tagged", trust, ["arn:aws:iam::aws:policy/AdministratorAccess"])
    narrow = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "kms:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}]}
    out = server.client("sts").assume_role(
        RoleArn=role["Arn"], RoleSessionName="s1", Policy=json.dumps(narrow),
        Tags=[{"Key": "team", "Value": "blue"}], TransitiveTagKeys=["team"])
    assert 0 < out["PackedPolicySize"] <= 100
    credentials = out["Credentials"]
    assert "Keys" in session_client(server, "kms", credentials).list_keys()
    err = error_of(lambda: session_client(server, "iam", credentials).list_users())
    assert "because no session policy allows the iam:ListUsers action" in err["Error"]["Message"]


def test_a_deleted_managed_session_policy_still_limits_the_session(server):
    account = account_of(server)
    role = make_role(server, "admin-role", trust_for(account), ["arn:aws:iam::aws:policy/AdministratorAccess"])
    iam = server.client("iam")
    narrow = iam.create_policy(PolicyName="only-list-keys", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:ListKeys", "Resource": "*"}]}))
    credentials = server.client("sts").assume_role(
        RoleArn=role["Arn"], RoleSessionName="narrow", PolicyArns=[{"arn": narrow["Policy"]["Arn"]}])["Credentials"]
    kms = session_client(server, "kms", credentials)
    assert "Keys" in kms.list_keys()
    assert error_of(lambda: session_client(server, "iam", credentials).list_users())["Error"]["Code"] == "AccessDenied"
    iam.delete_policy(PolicyArn=narrow["Policy"]["Arn"])
    # The session does not fall back to the role's full permissions: it now may do nothing.
    assert error_of(lambda: kms.list_keys())["Error"]["Code"] == "AccessDeniedException"
    assert error_of(lambda: session_client(server, "iam", credentials).list_users())["Error"]["Code"] == "AccessDenied"


def test_the_root_user_federates_a_session_limited_by_its_policy(server):
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:ListKeys", "Resource": "*"}]}
    out = server.client("sts").get_federation_token(Name="ops", Policy=json.dumps(policy))
    account = server.client("sts").get_caller_identity()["Account"]
    assert out["FederatedUser"]["Arn"] == f"arn:aws:sts::{account}:federated-user/ops"
    credentials = out["Credentials"]
    kms = session_client(server, "kms", credentials)
    assert "Keys" in kms.list_keys()
    err = error_of(kms.list_aliases)
    assert "because no session policy allows the kms:ListAliases action" in err["Error"]["Message"]
    record = json.loads(server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "AccessKeyId", "AttributeValue": credentials["AccessKeyId"]}]
    )["Events"][0]["CloudTrailEvent"])
    issuer = record["userIdentity"]["sessionContext"]["sessionIssuer"]
    assert issuer["type"] == "Root" and issuer["arn"] == f"arn:aws:iam::{account}:root"
    assert issuer["principalId"] == account
