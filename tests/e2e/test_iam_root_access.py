"""Centralized root access and outbound identity federation with real clients: the management
account turns on root sessions for its organization, an administrator opens a 15-minute root
session in a member account scoped by AWS's task policy, and an account issues JWTs that verify
against the JWKS rampart publishes for it."""

import base64
import json

import botocore.exceptions
import pytest

AUDIT = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response["Error"]


def admin_user(server, name="admin"):
    iam = server.client("iam")
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def client_of(server, service, credentials):
    return server.client(service, key_id=credentials["AccessKeyId"],
                         secret=credentials["SecretAccessKey"], token=credentials["SessionToken"])


def test_assume_root_in_a_member_account_with_a_task_policy(server):
    org = server.client("organizations")
    iam = server.client("iam")
    assert error_of(iam.list_organizations_features)["Code"] == "OrganizationNotFoundException"
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(Email="dev@example.com", AccountName="dev")["CreateAccountStatus"]["AccountId"]
    # IAM's trusted access comes first.
    assert error_of(iam.enable_organizations_root_sessions)["Code"] == "ServiceAccessNotEnabledException"
    org.enable_aws_service_access(ServicePrincipal="iam.amazonaws.com")
    assert iam.enable_organizations_root_sessions()["EnabledFeatures"] == ["RootSessions"]
    features = iam.list_organizations_features()
    assert features["OrganizationId"].startswith("o-") and features["EnabledFeatures"] == ["RootSessions"]

    key_id, secret = admin_user(server)
    sts = server.client("sts", key_id=key_id, secret=secret)
    out = sts.assume_root(TargetPrincipal=member, TaskPolicyArn={"arn": AUDIT}, DurationSeconds=900)
    credentials = out["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    who = client_of(server, "sts", credentials).get_caller_identity()
    assert who["Arn"] == f"arn:aws:iam::{member}:root" and who["Account"] == member
    # The task policy allows auditing the root's own credentials, and nothing else.
    root_iam = client_of(server, "iam", credentials)
    assert root_iam.list_access_keys()["AccessKeyMetadata"] == []
    denied = error_of(lambda: root_iam.create_user(UserName="intruder"))
    assert denied["Code"] == "AccessDenied" and "explicit deny in a session policy" in denied["Message"]
    # Longer than 15 minutes, another policy, or root credentials: refused.
    unchecked = server.client("sts", key_id=key_id, secret=secret, parameter_validation=False)
    too_long = error_of(lambda: unchecked.assume_root(TargetPrincipal=member, TaskPolicyArn={"arn": AUDIT},
                                                      DurationSeconds=901))
    assert too_long["Code"] == "ValidationError"
    other = error_of(lambda: sts.assume_root(TargetPrincipal=member,
                                             TaskPolicyArn={"arn": "arn:aws:iam::aws:policy/AdministratorAccess"}))
    assert other["Code"] == "ValidationError"
    as_root = error_of(lambda: server.client("sts").assume_root(TargetPrincipal=member, TaskPolicyArn={"arn": AUDIT}))
    assert as_root["Code"] == "AccessDenied"
    # CloudTrail (the member account's, read through its OrganizationAccountAccessRole) marks
    # the root session as one AssumeRoot opened.
    inside = sts.assume_role(RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole",
                             RoleSessionName="audit")["Credentials"]
    found = client_of(server, "cloudtrail", inside).lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "ListAccessKeys"}])["Events"]
    identity = json.loads(found[0]["CloudTrailEvent"])["userIdentity"]
    assert identity["type"] == "Root" and identity["sessionContext"]["assumedRoot"] == "true"
    # Turning root sessions off closes the door.
    iam.disable_organizations_root_sessions()
    assert error_of(lambda: sts.assume_root(TargetPrincipal=member, TaskPolicyArn={"arn": AUDIT}))["Code"] == "AccessDenied"


def b64url(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_with_published_keys(issuer, token):
    """Checks `token` the way a relying party does: discovery document, JWKS, signature."""
    import urllib.request

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    with urllib.request.urlopen(issuer + "/.well-known/openid-configuration") as r:
        discovery = json.loads(r.read())
    assert discovery["issuer"] == issuer
    with urllib.request.urlopen(discovery["jwks_uri"]) as r:
        keys = json.loads(r.read())["keys"]
    header, payload, signature = token.split(".")
    head = json.loads(b64url(header))
    key = next(k for k in keys if k["kid"] == head["kid"])
    signed, sig = f"{header}.{payload}".encode(), b64url(signature)
    number = lambda v: int.from_bytes(b64url(v), "big")
    if head["alg"] == "RS256":
        public = rsa.RSAPublicNumbers(number(key["e"]), number(key["n"])).public_key()
        public.verify(sig, signed, padding.PKCS1v15(), hashes.SHA256())
    else:
        public = ec.EllipticCurvePublicNumbers(number(key["x"]), number(key["y"]), ec.SECP384R1()).public_key()
        half = len(sig) // 2
        der = encode_dss_signature(int.from_bytes(sig[:half], "big"), int.from_bytes(sig[half:], "big"))
        public.verify(der, signed, ec.ECDSA(hashes.SHA384()))


def test_web_identity_tokens_carry_the_callers_identity(server):
    iam = server.client("iam")
    sts = server.client("sts")
    disabled = error_of(lambda: sts.get_web_identity_token(Audience=["https://api.example.com"], SigningAlgorithm="RS256"))
    assert disabled["Code"] == "OutboundWebIdentityFederationDisabledException"
    issuer = iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    info = iam.get_outbound_web_identity_federation_info()
    assert info["IssuerIdentifier"] == issuer and info["JwtVendingEnabled"] is True
    assert error_of(iam.enable_outbound_web_identity_federation)["Code"] == "FeatureEnabled"

    role = iam.create_role(RoleName="worker", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"AWS": f"arn:aws:iam::{sts.get_caller_identity()['Account']}:root"}}]}),
        Tags=[{"Key": "team", "Value": "data"}])["Role"]
    # Only tokens for the audience and lifetime the role's policy allows.
    iam.put_role_policy(RoleName="worker", PolicyName="tokens", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
            "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": "https://api.example.com"},
                          "NumericLessThanEquals": {"sts:DurationSeconds": "300"}}}]}))
    key_id, secret = admin_user(server, "caller")
    credentials = server.client("sts", key_id=key_id, secret=secret).assume_role(
        RoleArn=role["Arn"], RoleSessionName="job")["Credentials"]
    worker = client_of(server, "sts", credentials)
    for algorithm in ["RS256", "ES384"]:
        out = worker.get_web_identity_token(Audience=["https://api.example.com"], SigningAlgorithm=algorithm,
                                            DurationSeconds=120, Tags=[{"Key": "job", "Value": "7"}])
        header, payload, signature = out["WebIdentityToken"].split(".")
        assert json.loads(b64url(header))["alg"] == algorithm and b64url(signature)
        verify_with_published_keys(issuer, out["WebIdentityToken"])
        claims = json.loads(b64url(payload))
        assert claims["iss"] == issuer
        assert claims["sub"] == role["Arn"]
        assert claims["aud"] == "https://api.example.com"
        assert claims["exp"] - claims["iat"] == 120
        aws = claims["https://sts.amazonaws.com/"]
        assert aws["aws_account"] == role["Arn"].split(":")[4]
        assert aws["principal_tags"] == {"team": "data"} and aws["request_tags"] == {"job": "7"}
    # Another audience or a longer token: the policy does not allow it.
    other = error_of(lambda: worker.get_web_identity_token(Audience=["https://evil.example.com"], SigningAlgorithm="RS256"))
    assert other["Code"] == "AccessDenied"
    longer = error_of(lambda: worker.get_web_identity_token(Audience=["https://api.example.com"], SigningAlgorithm="RS256",
                                                            DurationSeconds=600))
    assert longer["Code"] == "AccessDenied"
    iam.disable_outbound_web_identity_federation()
    assert error_of(iam.get_outbound_web_identity_federation_info)["Code"] == "FeatureDisabled"


def test_account_properties_and_the_cli_reads_the_organizations_access_report(server):
    iam = server.client("iam")
    iam.put_account_properties(Properties={"RoleManager/Enabled": "true"})
    assert iam.get_account_properties()["Properties"] == {"RoleManager/Enabled": "true"}
    mixed = error_of(lambda: iam.put_account_properties(Properties={"A/x": "1", "B/y": "2"}))
    assert mixed["Code"] == "InvalidInput"
    org = server.client("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org_id = org.describe_organization()["Organization"]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    _, job, _ = server.aws("iam", "generate-organizations-access-report", "--entity-path", f"{org_id}/{root}")
    _, report, _ = server.aws("iam", "get-organizations-access-report", "--job-id", job["JobId"], "--max-items", "1000")
    assert report["JobStatus"] == "COMPLETED"
    namespaces = {d["ServiceNamespace"] for d in report["AccessDetails"]}
    assert {"iam", "kms", "s3"} <= namespaces
    assert report["NumberOfServicesAccessible"] == len(namespaces)


def test_operations_without_a_counterpart_answer_as_aws_does(server):
    org = server.client("organizations")
    org.create_organization(FeatureSet="ALL")
    gov = error_of(lambda: org.create_gov_cloud_account(Email="gov@example.com", AccountName="gov"))
    assert gov["Code"] == "ConstraintViolationException"
    assert org.list_outbound_responsibility_transfers(Type="BILLING")["ResponsibilityTransfers"] == []
    missing = error_of(lambda: org.describe_responsibility_transfer(Id="rt-abcd1234"))
    assert missing["Code"] == "ResponsibilityTransferNotFoundException"
    sts = server.client("sts")
    decoded = error_of(lambda: sts.decode_authorization_message(EncodedMessage="not-an-encoded-message"))
    assert decoded["Code"] == "InvalidAuthorizationMessageException"
    iam = server.client("iam")
    template = error_of(lambda: iam.get_role_template_version(
        TemplateArn="arn:aws:iam::aws:role-template/ec2.amazonaws.com/Web:1"))
    assert template["Code"] == "NoSuchEntity"
