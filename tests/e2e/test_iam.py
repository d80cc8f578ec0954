"""IAM users, access keys and policies: a user authenticates with its own key and is authorized
by its own policies, with AWS's errors for bad input."""

import json
import urllib.parse

import botocore.exceptions
import pytest

LIST_USERS_ALLOW = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}],
}
LIST_USERS_DENY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"}],
}


def new_user(server, name="alice"):
    """Root creates a user and an access key; returns (user, key id, secret)."""
    _, out, _ = server.aws("iam", "create-user", "--user-name", name)
    _, key, _ = server.aws("iam", "create-access-key", "--user-name", name)
    key = key["AccessKey"]
    assert key["Status"] == "Active" and key["UserName"] == name
    return out["User"], key["AccessKeyId"], key["SecretAccessKey"]


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response


def test_a_user_signs_as_itself(server):
    user, key_id, secret = new_user(server)
    _, me, _ = server.aws("sts", "get-caller-identity")
    assert user["Arn"] == f"arn:aws:iam::{me['Account']}:user/alice"
    assert user["UserId"].startswith("AIDA") and len(user["UserId"]) == 20
    _, who, _ = server.aws("sts", "get-caller-identity", key_id=key_id, secret=secret)
    assert who == {"UserId": user["UserId"], "Account": me["Account"], "Arn": user["Arn"]}


def test_user_crud_and_errors(server):
    iam = server.client("iam")
    iam.create_user(UserName="bob", Path="/ops/")
    assert iam.get_user(UserName="BOB")["User"]["Path"] == "/ops/"
    err = error_of(lambda: iam.create_user(UserName="bob"))
    assert err["Error"]["Code"] == "EntityAlreadyExists"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert err["Error"]["Message"] == "User with name bob already exists."
    err = error_of(lambda: iam.get_user(UserName="nobody"))
    assert err["Error"]["Code"] == "NoSuchEntity"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 404
    err = error_of(lambda: iam.create_user(UserName="no spaces"))
    assert err["Error"]["Code"] == "ValidationError"
    assert err["Error"]["Message"] == (
        "1 validation error detected: Value 'no spaces' at 'userName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )
    for name in ["carol", "dave", "erin"]:
        iam.create_user(UserName=name)
    names = [u["UserName"] for page in iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 2}) for u in page["Users"]]
    assert names == ["bob", "carol", "dave", "erin"]
    assert [u["UserName"] for u in iam.list_users(PathPrefix="/ops/")["Users"]] == ["bob"]
    iam.update_user(UserName="erin", NewUserName="erika")
    assert iam.get_user(UserName="erika")["User"]["Arn"].endswith(":user/erika")
    iam.delete_user(UserName="erika")
    assert error_of(lambda: iam.get_user(UserName="erika"))["Error"]["Code"] == "NoSuchEntity"


def test_policies_decide_what_a_user_may_do(server):
    user, key_id, secret = new_user(server)
    root = server.client("iam")
    me = server.client("iam", key_id=key_id, secret=secret)

    err = error_of(me.list_users)
    assert err["Error"]["Code"] == "AccessDenied"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert err["Error"]["Message"].startswith(f"User: {user['Arn']} is not authorized to perform: iam:ListUsers")

    root.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert "alice" in [u["UserName"] for u in me.list_users()["Users"]]
    err = error_of(lambda: me.create_user(UserName="mallory"))
    assert err["Error"]["Code"] == "AccessDenied"
    assert "iam:CreateUser" in err["Error"]["Message"]

    root.put_user_policy(UserName="alice", PolicyName="no-list", PolicyDocument=json.dumps(LIST_USERS_DENY))
    err = error_of(me.list_users)
    assert err["Error"]["Code"] == "AccessDenied"
    assert "explicit deny" in err["Error"]["Message"]

    root.delete_user_policy(UserName="alice", PolicyName="no-list")
    me.list_users()  # the very next request sees the change

    root.detach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert error_of(me.list_users)["Error"]["Code"] == "AccessDenied"

    arn = root.create_policy(PolicyName="lister", PolicyDocument=json.dumps(LIST_USERS_ALLOW))["Policy"]["Arn"]
    root.attach_user_policy(UserName="alice", PolicyArn=arn)
    me.list_users()


def test_inline_and_managed_policy_reads(server):
    new_user(server)
    iam = server.client("iam")
    iam.put_user_policy(UserName="alice", PolicyName="list", PolicyDocument=json.dumps(LIST_USERS_ALLOW))
    got = iam.get_user_policy(UserName="alice", PolicyName="list")
    assert got["PolicyDocument"] == LIST_USERS_ALLOW  # botocore decodes the URL-encoded document
    assert iam.list_user_policies(UserName="alice")["PolicyNames"] == ["list"]
    policy = iam.create_policy(PolicyName="lister", Path="/team/", PolicyDocument=json.dumps(LIST_USERS_ALLOW))["Policy"]
    assert policy["PolicyId"].startswith("ANPA") and policy["DefaultVersionId"] == "v1"
    assert policy["Arn"].endswith(":policy/team/lister")
    version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId="v1")["PolicyVersion"]
    assert version["Document"] == LIST_USERS_ALLOW and version["IsDefaultVersion"]
    iam.attach_user_policy(UserName="alice", PolicyArn=policy["Arn"])
    attached = iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"]
    assert attached == [{"PolicyName": "lister", "PolicyArn": policy["Arn"]}]
    assert iam.get_policy(PolicyArn=policy["Arn"])["Policy"]["AttachmentCount"] == 1
    err = error_of(lambda: iam.delete_policy(PolicyArn=policy["Arn"]))
    assert err["Error"]["Code"] == "DeleteConflict"
    local = iam.list_policies(Scope="Local")["Policies"]
    assert [p["PolicyName"] for p in local] == ["lister"]
    aws = iam.list_policies(Scope="AWS", MaxItems=5)
    assert len(aws["Policies"]) == 5 and aws["IsTruncated"]
    read_only = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")["Policy"]
    assert read_only["PolicyName"] == "ReadOnlyAccess"


def test_a_malformed_policy_is_refused_with_no_state_change(server):
    new_user(server)
    iam = server.client("iam")
    bad = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers"}]})
    err = error_of(lambda: iam.put_user_policy(UserName="alice", PolicyName="bad", PolicyDocument=bad))
    assert err["Error"]["Code"] == "MalformedPolicyDocument"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err["Error"]["Message"] == "Policy statement must contain resources."
    assert iam.list_user_policies(UserName="alice")["PolicyNames"] == []
    err = error_of(lambda: iam.create_policy(PolicyName="bad", PolicyDocument="{not json"))
    assert err["Error"]["Code"] == "MalformedPolicyDocument"
    assert err["Error"]["Message"] == "Syntax errors in policy."
    assert iam.list_policies(Scope="Local")["Policies"] == []


def test_keys_are_limited_deactivated_and_block_user_deletion(server):
    _, key_id, secret = new_user(server)
    iam = server.client("iam")
    iam.create_access_key(UserName="alice")
    err = error_of(lambda: iam.create_access_key(UserName="alice"))
    assert err["Error"]["Code"] == "LimitExceeded"
    assert err["Error"]["Message"] == "Cannot exceed quota for AccessKeysPerUser: 2"
    assert len(iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]) == 2

    iam.update_access_key(UserName="alice", AccessKeyId=key_id, Status="Inactive")
    sts = server.client("sts", key_id=key_id, secret=secret)
    err = error_of(sts.get_caller_identity)
    assert err["Error"]["Code"] == "InvalidClientTokenId"
    iam.update_access_key(UserName="alice", AccessKeyId=key_id, Status="Active")
    assert sts.get_caller_identity()["Arn"].endswith(":user/alice")
    last = iam.get_access_key_last_used(AccessKeyId=key_id)
    assert last["UserName"] == "alice"

    err = error_of(lambda: iam.delete_user(UserName="alice"))
    assert err["Error"]["Code"] == "DeleteConflict"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 409
    for key in iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]:
        iam.delete_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"])
    assert error_of(sts.get_caller_identity)["Error"]["Code"] == "InvalidClientTokenId"
    iam.delete_user(UserName="alice")


def test_cloudtrail_records_the_users_calls(server):
    user, key_id, secret = new_user(server)
    server.aws("sts", "get-caller-identity", key_id=key_id, secret=secret)
    server.aws("iam", "list-users", key_id=key_id, secret=secret, check=False)
    _, out, _ = server.aws("cloudtrail", "lookup-events")
    mine = [json.loads(e["CloudTrailEvent"]) for e in out["Events"] if e.get("AccessKeyId") == key_id]
    names = {r["eventName"] for r in mine}
    assert {"GetCallerIdentity", "ListUsers"} <= names
    for record in mine:
        assert record["userIdentity"]["type"] == "IAMUser"
        assert record["userIdentity"]["userName"] == "alice"
        assert record["userIdentity"]["arn"] == user["Arn"]
        assert record["userIdentity"]["principalId"] == user["UserId"]
    denied = [r for r in mine if r["eventName"] == "ListUsers"]
    assert denied[0]["errorCode"] == "AccessDenied"


def test_a_new_default_version_changes_permissions_at_once(server):
    _, key_id, secret = new_user(server)
    root = server.client("iam")
    me = server.client("iam", key_id=key_id, secret=secret)
    arn = root.create_policy(PolicyName="lister", PolicyDocument=json.dumps(LIST_USERS_ALLOW))["Policy"]["Arn"]
    root.attach_user_policy(UserName="alice", PolicyArn=arn)
    me.list_users()
    get_user_only = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}]}
    v2 = root.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(get_user_only), SetAsDefault=True)
    assert v2["PolicyVersion"]["VersionId"] == "v2"
    assert error_of(me.list_users)["Error"]["Code"] == "AccessDenied"
    assert me.get_user()["User"]["UserName"] == "alice"
    versions = root.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [("v2", True), ("v1", False)]
    root.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    me.list_users()
    err = error_of(lambda: root.delete_policy_version(PolicyArn=arn, VersionId="v1"))
    assert err["Error"]["Code"] == "DeleteConflict"
