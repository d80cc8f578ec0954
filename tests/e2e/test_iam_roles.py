"""IAM roles with the official clients: trust policies, policies, boundaries, instance profiles,
service-linked roles, and AWS's errors for bad input (with no state change)."""

import json
import urllib.parse

import botocore.exceptions
import pytest

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
S3_READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response


def test_roles_are_created_read_updated_and_listed(server):
    iam = server.client("iam")
    role = iam.create_role(
        RoleName="Deployer",
        Path="/ci/",
        AssumeRolePolicyDocument=json.dumps(TRUST),
        Description="deploys things",
        MaxSessionDuration=7200,
        Tags=[{"Key": "team", "Value": "red"}],
    )["Role"]
    assert role["RoleId"].startswith("AROA") and len(role["RoleId"]) == 20
    assert role["Arn"].endswith(":role/ci/Deployer")
    got = iam.get_role(RoleName="deployer")["Role"]
    assert got["AssumeRolePolicyDocument"] == TRUST
    assert got["MaxSessionDuration"] == 7200
    assert got["Tags"] == [{"Key": "team", "Value": "red"}]
    assert got["Description"] == "deploys things"
    iam.update_role(RoleName="Deployer", MaxSessionDuration=43200)
    assert iam.update_role_description(RoleName="Deployer", Description="new")["Role"]["Description"] == "new"
    new_trust = dict(TRUST, Statement=[dict(TRUST["Statement"][0], Principal={"Service": "lambda.amazonaws.com"})])
    iam.update_assume_role_policy(RoleName="Deployer", PolicyDocument=json.dumps(new_trust))
    got = iam.get_role(RoleName="Deployer")["Role"]
    assert got["AssumeRolePolicyDocument"] == new_trust
    assert got["MaxSessionDuration"] == 43200
    for name in ["a", "b", "c"]:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
    pages = iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 2})
    assert [r["RoleName"] for p in pages for r in p["Roles"]] == ["a", "b", "c", "Deployer"]
    assert [r["RoleName"] for r in iam.list_roles(PathPrefix="/ci/")["Roles"]] == ["Deployer"]


def test_bad_role_input_gets_aws_errors_and_changes_nothing(server):
    iam = server.client("iam")
    err = error_of(lambda: iam.create_role(RoleName="r", AssumeRolePolicyDocument="{not json"))
    assert err["Error"]["Code"] == "MalformedPolicyDocument"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    err = error_of(lambda: iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST), MaxSessionDuration=100000))
    assert err["Error"]["Code"] == "ValidationError"
    err = error_of(
        lambda: iam.create_role(
            RoleName="r",
            AssumeRolePolicyDocument=json.dumps(TRUST),
            PermissionsBoundary="arn:aws:iam::aws:policy/DoesNotExist",
        )
    )
    assert err["Error"]["Code"] == "InvalidInput"
    big = dict(TRUST, Statement=[dict(TRUST["Statement"][0], Sid="x" * 2100)])
    err = error_of(lambda: iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(big)))
    assert err["Error"]["Code"] == "LimitExceeded"
    assert err["Error"]["Message"] == "Cannot exceed quota for ACLSizePerRole: 2048"
    assert iam.list_roles()["Roles"] == []
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST))
    err = error_of(lambda: iam.create_role(RoleName="R", AssumeRolePolicyDocument=json.dumps(TRUST)))
    assert err["Error"]["Code"] == "EntityAlreadyExists"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 409
    err = error_of(lambda: iam.get_role(RoleName="nobody"))
    assert err["Error"]["Code"] == "NoSuchEntity"
    assert err["Error"]["Message"] == "The role with name nobody cannot be found."
    err = error_of(lambda: iam.update_assume_role_policy(RoleName="r", PolicyDocument='{"Statement": []}'))
    assert err["Error"]["Code"] == "MalformedPolicyDocument"
    assert iam.get_role(RoleName="r")["Role"]["AssumeRolePolicyDocument"] == TRUST


def test_role_policies_and_deletion_conflicts(server):
    iam = server.client("iam")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName="r", PolicyName="read", PolicyDocument=json.dumps(S3_READ))
    assert iam.get_role_policy(RoleName="r", PolicyName="read")["PolicyDocument"] == S3_READ
    assert iam.list_role_policies(RoleName="r")["PolicyNames"] == ["read"]
    iam.attach_role_policy(RoleName="r", PolicyArn=ADMIN)
    assert iam.list_attached_role_policies(RoleName="r")["AttachedPolicies"] == [
        {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN}
    ]
    iam.create_instance_profile(InstanceProfileName="web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="r")
    profile = iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == ["r"]
    err = error_of(lambda: iam.delete_role(RoleName="r"))
    assert err["Error"]["Code"] == "DeleteConflict"
    assert err["Error"]["Message"] == "Cannot delete entity, must delete policies first."
    iam.delete_role_policy(RoleName="r", PolicyName="read")
    err = error_of(lambda: iam.delete_role(RoleName="r"))
    assert err["Error"]["Message"] == "Cannot delete entity, must detach all policies first."
    iam.detach_role_policy(RoleName="r", PolicyArn=ADMIN)
    err = error_of(lambda: iam.delete_role(RoleName="r"))
    assert err["Error"]["Message"] == "Cannot delete entity, must remove roles from instance profile first."
    assert [p["InstanceProfileName"] for p in iam.list_instance_profiles_for_role(RoleName="r")["InstanceProfiles"]] == ["web"]
    iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="r")
    iam.tag_role(RoleName="r", Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.untag_role(RoleName="r", TagKeys=["a"])
    assert iam.list_role_tags(RoleName="r")["Tags"] == [{"Key": "b", "Value": "2"}]
    iam.delete_role(RoleName="r")
    assert error_of(lambda: iam.get_role(RoleName="r"))["Error"]["Code"] == "NoSuchEntity"


def test_role_boundaries_and_the_cli(server):
    iam = server.client("iam")
    _, out, _ = server.aws(
        "iam", "create-role", "--role-name", "bounded",
        "--assume-role-policy-document", json.dumps(TRUST),
        "--permissions-boundary", "arn:aws:iam::aws:policy/ReadOnlyAccess",
    )
    assert out["Role"]["RoleName"] == "bounded"
    got = iam.get_role(RoleName="bounded")["Role"]
    assert got["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    }
    server.aws("iam", "delete-role-permissions-boundary", "--role-name", "bounded")
    assert "PermissionsBoundary" not in iam.get_role(RoleName="bounded")["Role"]
    code, _, err = server.aws("iam", "get-role", "--role-name", "missing", check=False)
    assert code != 0 and "NoSuchEntity" in err


def test_service_linked_roles_are_protected(server):
    iam = server.client("iam")
    role = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForAutoScaling"
    assert role["Path"] == "/aws-service-role/autoscaling.amazonaws.com/"
    err = error_of(lambda: iam.delete_role(RoleName="AWSServiceRoleForAutoScaling"))
    assert err["Error"]["Code"] == "UnmodifiableEntity"
    task = iam.delete_service_linked_role(RoleName="AWSServiceRoleForAutoScaling")["DeletionTaskId"]
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
    assert error_of(lambda: iam.get_role(RoleName="AWSServiceRoleForAutoScaling"))["Error"]["Code"] == "NoSuchEntity"
