"""IAM groups, boundaries and AWS managed policies deciding what a real signed caller may do:
permissions through a group (gone on the very next request once removed), a permissions
boundary caging an administrator, PowerUserAccess (Allow with NotAction)."""

import json

import botocore.exceptions
import pytest

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response


def new_user(server, name):
    """Root creates a user with an access key; returns the user's IAM client and its ARN."""
    iam = server.client("iam")
    user = iam.create_user(UserName=name)["User"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return user["Arn"], key["AccessKeyId"], key["SecretAccessKey"]


def test_group_crud_and_errors(server):
    iam = server.client("iam")
    group = iam.create_group(GroupName="Admins", Path="/ops/")["Group"]
    assert group["GroupId"].startswith("AGPA")
    assert group["Arn"].endswith(":group/ops/Admins")
    err = error_of(lambda: iam.create_group(GroupName="admins"))
    assert err["Error"]["Code"] == "EntityAlreadyExists"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 409
    iam.create_user(UserName="alice")
    iam.add_user_to_group(GroupName="Admins", UserName="alice")
    got = iam.get_group(GroupName="Admins")
    assert [u["UserName"] for u in got["Users"]] == ["alice"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="alice")["Groups"]] == ["Admins"]
    iam.put_group_policy(GroupName="Admins", PolicyName="p", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    assert iam.list_group_policies(GroupName="Admins")["PolicyNames"] == ["p"]
    err = error_of(lambda: iam.delete_group(GroupName="Admins"))
    assert err["Error"]["Code"] == "DeleteConflict"
    assert err["Error"]["Message"] == "Cannot delete entity, must remove users from group first."
    err = error_of(lambda: iam.delete_user(UserName="alice"))
    assert err["Error"]["Code"] == "DeleteConflict"
    assert err["Error"]["Message"] == "Cannot delete entity, must remove users from group first."
    iam.update_group(GroupName="Admins", NewGroupName="Operators")
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="alice")["Groups"]] == ["Operators"]
    iam.remove_user_from_group(GroupName="Operators", UserName="alice")
    iam.delete_group_policy(GroupName="Operators", PolicyName="p")
    iam.delete_group(GroupName="Operators")
    assert iam.list_groups()["Groups"] == []
    err = error_of(lambda: iam.get_group(GroupName="Operators"))
    assert err["Error"]["Code"] == "NoSuchEntity"


def test_a_user_gets_permissions_through_a_group_until_removed(server):
    root = server.client("iam")
    _, key_id, secret = new_user(server, "alice")
    me = server.client("iam", key_id=key_id, secret=secret)
    assert error_of(me.list_users)["Error"]["Code"] == "AccessDenied"
    root.create_group(GroupName="readers")
    root.attach_group_policy(GroupName="readers", PolicyArn=READ_ONLY)
    root.add_user_to_group(GroupName="readers", UserName="alice")
    assert [u["UserName"] for u in me.list_users()["Users"]] == ["alice"]
    assert error_of(lambda: me.create_user(UserName="x"))["Error"]["Code"] == "AccessDenied"
    root.remove_user_from_group(GroupName="readers", UserName="alice")
    # The very next request is denied.
    assert error_of(me.list_users)["Error"]["Code"] == "AccessDenied"


def test_a_permissions_boundary_cages_an_admin(server):
    root = server.client("iam")
    arn, key_id, secret = new_user(server, "admin")
    root.attach_user_policy(UserName="admin", PolicyArn=ADMIN)
    me = server.client("iam", key_id=key_id, secret=secret)
    me.create_user(UserName="made-by-admin")
    cage = root.create_policy(PolicyName="cage", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:*", "iam:Get*"], "Resource": "*"}],
    }))["Policy"]["Arn"]
    root.put_user_permissions_boundary(UserName="admin", PermissionsBoundary=cage)
    assert root.get_user(UserName="admin")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == cage
    err = error_of(lambda: me.create_user(UserName="another"))
    assert err["Error"]["Code"] == "AccessDenied"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "permissions boundary" in err["Error"]["Message"]
    assert me.get_user(UserName="admin")["User"]["UserName"] == "admin"
    err = error_of(lambda: root.delete_policy(PolicyArn=cage))
    assert err["Error"]["Code"] == "DeleteConflict"
    root.delete_user_permissions_boundary(UserName="admin")
    me.create_user(UserName="another")


def test_power_user_access_allows_kms_but_not_iam(server):
    root = server.client("iam")
    _, key_id, secret = new_user(server, "power")
    root.attach_user_policy(UserName="power", PolicyArn="arn:aws:iam::aws:policy/PowerUserAccess")
    kms = server.client("kms", key_id=key_id, secret=secret)
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyId"] == key
    me = server.client("iam", key_id=key_id, secret=secret)
    err = error_of(lambda: me.create_user(UserName="x"))
    assert err["Error"]["Code"] == "AccessDenied"


def test_a_user_can_be_created_with_a_boundary_and_tags(server):
    iam = server.client("iam")
    user = iam.create_user(UserName="b", PermissionsBoundary=READ_ONLY, Tags=[{"Key": "t", "Value": "1"}])["User"]
    assert user["PermissionsBoundary"]["PermissionsBoundaryArn"] == READ_ONLY
    iam.tag_user(UserName="b", Tags=[{"Key": "u", "Value": "2"}])
    iam.untag_user(UserName="b", TagKeys=["t"])
    assert iam.list_user_tags(UserName="b")["Tags"] == [{"Key": "u", "Value": "2"}]
    policy = iam.get_policy(PolicyArn=READ_ONLY)["Policy"]
    assert policy["PermissionsBoundaryUsageCount"] == 1
    entities = iam.list_entities_for_policy(PolicyArn=READ_ONLY, PolicyUsageFilter="PermissionsBoundary")
    assert [u["UserName"] for u in entities["PolicyUsers"]] == ["b"]
