"""Cross-account access the AWS way, with real clients: a role in a member account trusts the
management account with an ExternalId (the vendor pattern), and a caller needs both the trust
policy and its own identity policy; resources stay in the account that owns them."""

from helpers import clients_for, error_of, policy


def test_cross_account_assume_role_needs_the_external_id_and_the_callers_permission(server):
    home = server.client("sts").get_caller_identity()["Account"]
    org = server.client("organizations")
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(Email="vendor@example.com", AccountName="vendor")["CreateAccountStatus"]["AccountId"]
    admin = clients_for(server, server.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole",
        RoleSessionName="setup")["Credentials"])

    # In the member account: a role that trusts the home account, with an ExternalId.
    member_iam = admin("iam")
    role_arn = member_iam.create_role(RoleName="partner-access", AssumeRolePolicyDocument=policy({
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{home}:root"},
        "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "Vendor-7731"}},
    }))["Role"]["Arn"]
    member_iam.put_role_policy(RoleName="partner-access", PolicyName="keys", PolicyDocument=policy(
        {"Effect": "Allow", "Action": ["kms:ListKeys", "kms:CreateKey"], "Resource": "*"}))
    member_key = admin("kms").create_key(Description="member's key")["KeyMetadata"]
    assert member_key["AWSAccountId"] == member

    # In the home account: a user allowed to assume exactly that role, and one who is not.
    iam = server.client("iam")
    for name, statements in [
        ("integrator", [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}]),
        ("bystander", [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]),
    ]:
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy(*statements))
    keys = {name: iam.create_access_key(UserName=name)["AccessKey"] for name in ["integrator", "bystander"]}
    sts_as = lambda name: server.client(
        "sts", key_id=keys[name]["AccessKeyId"], secret=keys[name]["SecretAccessKey"])

    assume = lambda name, **extra: sts_as(name).assume_role(RoleArn=role_arn, RoleSessionName="sync", **extra)
    assert error_of(lambda: assume("integrator"))["Code"] == "AccessDenied"
    assert error_of(lambda: assume("integrator", ExternalId="Vendor-0000"))["Code"] == "AccessDenied"
    # The trust policy names the whole home account, but across accounts the caller's own
    # policy must allow the call too.
    err = error_of(lambda: assume("bystander", ExternalId="Vendor-7731"))
    assert err["Code"] == "AccessDenied"
    assert f"is not authorized to perform: sts:AssumeRole on resource: {role_arn}" in err["Message"]

    out = assume("integrator", ExternalId="Vendor-7731")
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{member}:assumed-role/partner-access/sync"
    session = clients_for(server, out["Credentials"])
    assert session("sts").get_caller_identity()["Account"] == member
    listed = {k["KeyArn"] for k in session("kms").list_keys()["Keys"]}
    assert member_key["Arn"] in listed
    # Keys created in the session belong to the member account.
    created = session("kms").create_key()["KeyMetadata"]
    assert created["AWSAccountId"] == member
    # And the home account's root does not see them among its own.
    home_keys = {k["KeyArn"] for k in server.client("kms").list_keys()["Keys"]}
    assert created["Arn"] not in home_keys
