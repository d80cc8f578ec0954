"""Account-level IAM with the official clients: password policy and login profiles, virtual MFA
with real TOTP codes, account alias and summary, OIDC and SAML providers, the policy simulator,
authorization details and the credential report."""

import base64
import csv
import hashlib
import hmac
import io
import json
import struct
import time

import botocore.exceptions
import pytest


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response


def totp(seed_base32, at):
    """RFC 6238 code (HMAC-SHA1, 30 s, 6 digits), as an authenticator app computes it."""
    key = base64.b32decode(seed_base32 + "=" * (-len(seed_base32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def test_password_policy_and_login_profiles(server):
    iam = server.client("iam")
    err = error_of(iam.get_account_password_policy)
    assert err["Error"]["Code"] == "NoSuchEntity"
    iam.update_account_password_policy(MinimumPasswordLength=12, RequireSymbols=True, PasswordReusePrevention=2)
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 12 and policy["RequireSymbols"] is True
    unchecked = server.client("iam", parameter_validation=False)
    err = error_of(lambda: unchecked.update_account_password_policy(MinimumPasswordLength=5))
    assert err["Error"]["Code"] == "ValidationError"
    assert iam.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"] == 12
    iam.create_user(UserName="alice")
    err = error_of(lambda: iam.create_login_profile(UserName="alice", Password="short!"))
    assert err["Error"]["Code"] == "PasswordPolicyViolation"
    profile = iam.create_login_profile(UserName="alice", Password="a-long-password!", PasswordResetRequired=True)
    assert profile["LoginProfile"]["PasswordResetRequired"] is True
    err = error_of(lambda: iam.update_login_profile(UserName="alice", Password="a-long-password!"))
    assert err["Error"]["Code"] == "PasswordPolicyViolation"
    iam.update_login_profile(UserName="alice", Password="another-password!", PasswordResetRequired=False)
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["PasswordResetRequired"] is False
    err = error_of(lambda: iam.delete_user(UserName="alice"))
    assert err["Error"]["Message"] == "Cannot delete entity, must delete login profile first."
    iam.delete_login_profile(UserName="alice")
    iam.delete_account_password_policy()


def test_virtual_mfa_with_real_codes(server):
    iam = server.client("iam")
    iam.create_user(UserName="alice")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-phone")["VirtualMFADevice"]
    serial = device["SerialNumber"]
    seed = device["Base32StringSeed"].decode()
    assert len(seed) == 32
    now = time.time()
    err = error_of(lambda: iam.enable_mfa_device(
        UserName="alice", SerialNumber=serial, AuthenticationCode1="000000", AuthenticationCode2="000000"))
    assert err["Error"]["Code"] == "InvalidAuthenticationCode"
    iam.enable_mfa_device(
        UserName="alice", SerialNumber=serial,
        AuthenticationCode1=totp(seed, now - 30), AuthenticationCode2=totp(seed, now),
    )
    devices = iam.list_mfa_devices(UserName="alice")["MFADevices"]
    assert [d["SerialNumber"] for d in devices] == [serial]
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert assigned[0]["User"]["UserName"] == "alice"
    assert "Base32StringSeed" not in assigned[0]
    assert iam.get_account_summary()["SummaryMap"]["MFADevicesInUse"] == 1
    err = error_of(lambda: iam.delete_virtual_mfa_device(SerialNumber=serial))
    assert err["Error"]["Code"] == "DeleteConflict"
    iam.deactivate_mfa_device(UserName="alice", SerialNumber=serial)
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []


def test_alias_and_summary(server):
    iam = server.client("iam")
    iam.create_account_alias(AccountAlias="acme-corp")
    assert iam.list_account_aliases()["AccountAliases"] == ["acme-corp"]
    err = error_of(lambda: iam.create_account_alias(AccountAlias="Not_Valid"))
    assert err["Error"]["Code"] == "ValidationError"
    iam.delete_account_alias(AccountAlias="acme-corp")
    assert iam.list_account_aliases()["AccountAliases"] == []
    iam.create_user(UserName="u")
    iam.create_group(GroupName="g")
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["Users"] == 1 and summary["Groups"] == 1
    assert summary["RolesQuota"] == 1000 and summary["GroupsQuota"] == 300
    assert summary["AccountAccessKeysPresent"] == 1


def test_identity_providers(server):
    iam = server.client("iam")
    arn = iam.create_open_id_connect_provider(
        Url="https://token.example.com", ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
    )["OpenIDConnectProviderArn"]
    assert arn.endswith(":oidc-provider/token.example.com")
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["Url"] == "token.example.com" and got["ClientIDList"] == ["sts.amazonaws.com"]
    err = error_of(lambda: iam.create_open_id_connect_provider(Url="https://token.example.com"))
    assert err["Error"]["Code"] == "EntityAlreadyExists"
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    metadata = (
        '<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        'entityID="https://idp.example.com"><md:IDPSSODescriptor protocolSupportEnumeration='
        '"urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo '
        'xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>'
        + "A" * 900
        + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor></md:IDPSSODescriptor>"
        "</md:EntityDescriptor>"
    )
    saml = iam.create_saml_provider(Name="corp", SAMLMetadataDocument=metadata)["SAMLProviderArn"]
    assert iam.get_saml_provider(SAMLProviderArn=saml)["SAMLMetadataDocument"] == metadata
    assert [p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]] == [saml]
    iam.delete_saml_provider(SAMLProviderArn=saml)


def test_the_simulator_and_authorization_details(server):
    iam = server.client("iam")
    iam.create_user(UserName="alice")
    iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    me = iam.get_user(UserName="alice")["User"]["Arn"]
    results = iam.simulate_principal_policy(
        PolicySourceArn=me, ActionNames=["iam:ListUsers", "iam:CreateUser"]
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in results] == ["allowed", "implicitDeny"]
    assert results[0]["MatchedStatements"][0]["SourcePolicyType"] == "aws-managed"
    deny = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]})
    custom = iam.simulate_custom_policy(PolicyInputList=[deny], ActionNames=["s3:GetObject"])["EvaluationResults"]
    assert custom[0]["EvalDecision"] == "explicitDeny"
    details = iam.get_account_authorization_details(Filter=["User", "AWSManagedPolicy"])
    assert [u["UserName"] for u in details["UserDetailList"]] == ["alice"]
    assert [p["PolicyName"] for p in details["Policies"]] == ["ReadOnlyAccess"]


def test_the_credential_report(server):
    iam = server.client("iam")
    err = error_of(iam.get_credential_report)
    assert err["Error"]["Code"] == "ReportNotPresent"
    iam.create_user(UserName="alice")
    iam.create_access_key(UserName="alice")
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    report = iam.get_credential_report()
    assert report["ReportFormat"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(report["Content"].decode())))
    assert [r["user"] for r in rows] == ["<root_account>", "alice"]
    assert rows[1]["access_key_1_active"] == "true"
    assert rows[1]["password_enabled"] == "false"


def test_user_credentials_and_certificates(server, tmp_path):
    import subprocess

    iam = server.client("iam")
    iam.create_user(UserName="dev")
    key_file = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-t", "rsa", "-b", "2048", "-N", "", "-q", "-f", str(key_file)], check=True)
    body = (tmp_path / "key.pub").read_text()
    key = iam.upload_ssh_public_key(UserName="dev", SSHPublicKeyBody=body)["SSHPublicKey"]
    expected = subprocess.run(
        ["ssh-keygen", "-l", "-E", "md5", "-f", str(tmp_path / "key.pub")], capture_output=True, text=True, check=True
    ).stdout.split()[1].removeprefix("MD5:")
    assert key["Fingerprint"] == expected
    pem = iam.get_ssh_public_key(UserName="dev", SSHPublicKeyId=key["SSHPublicKeyId"], Encoding="PEM")
    assert pem["SSHPublicKey"]["SSHPublicKeyBody"].startswith("-----BEGIN PUBLIC KEY-----")
    err = error_of(lambda: iam.upload_ssh_public_key(UserName="dev", SSHPublicKeyBody=body))
    assert err["Error"]["Code"] == "DuplicateSSHPublicKey"

    credential = iam.create_service_specific_credential(UserName="dev", ServiceName="codecommit.amazonaws.com")[
        "ServiceSpecificCredential"
    ]
    assert credential["ServiceUserName"].startswith("dev-at-")
    listed = iam.list_service_specific_credentials(UserName="dev")["ServiceSpecificCredentials"]
    assert "ServicePassword" not in listed[0]
    err = error_of(lambda: iam.create_service_specific_credential(UserName="dev", ServiceName="s3.amazonaws.com"))
    assert err["Error"]["Code"] == "NotSupportedService"

    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30",
         "-subj", "/CN=rampart-e2e", "-keyout", str(tmp_path / "tls.key"), "-out", str(tmp_path / "tls.crt")],
        check=True, capture_output=True,
    )
    certificate = (tmp_path / "tls.crt").read_text()
    meta = iam.upload_server_certificate(
        ServerCertificateName="site", CertificateBody=certificate, PrivateKey=(tmp_path / "tls.key").read_text()
    )["ServerCertificateMetadata"]
    assert meta["Arn"].endswith(":server-certificate/site")
    assert meta["Expiration"].year >= 2026
    got = iam.get_server_certificate(ServerCertificateName="site")["ServerCertificate"]
    assert got["CertificateBody"] == certificate
    err = error_of(lambda: iam.upload_signing_certificate(UserName="dev", CertificateBody="not a certificate"))
    assert err["Error"]["Code"] == "MalformedCertificate"
    signing = iam.upload_signing_certificate(UserName="dev", CertificateBody=certificate)["Certificate"]
    assert signing["Status"] == "Active"
    err = error_of(lambda: iam.delete_user(UserName="dev"))
    assert err["Error"]["Code"] == "DeleteConflict"


def test_the_cli_bootstraps_a_virtual_mfa_device(server, tmp_path):
    seed_file = tmp_path / "seed.txt"
    _, out, _ = server.aws(
        "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "cli-device",
        "--outfile", str(seed_file), "--bootstrap-method", "Base32StringSeed",
    )
    serial = out["VirtualMFADevice"]["SerialNumber"]
    seed = seed_file.read_text().strip()
    assert len(seed) == 32
    server.aws("iam", "create-user", "--user-name", "cli-user")
    now = time.time()
    server.aws(
        "iam", "enable-mfa-device", "--user-name", "cli-user", "--serial-number", serial,
        "--authentication-code1", totp(seed, now - 30), "--authentication-code2", totp(seed, now),
    )
    _, listed, _ = server.aws("iam", "list-mfa-devices", "--user-name", "cli-user")
    assert [d["SerialNumber"] for d in listed["MFADevices"]] == [serial]
