"""KMS through the services that use it, and this increment's KMS operations, with real clients:
AWS managed keys made on first use by Secrets Manager and Parameter Store (KeyManager AWS,
AWS's key policy, changes refused), keys of another account used by ARN, GetKeyLastUsage
(the KMS request id is the CloudTrail record's requestID), and Ed25519 signatures verified with
the Python `cryptography` package."""

import json

import botocore.exceptions
import pytest
from helpers import clients_for, error_of, policy

crypto = pytest.importorskip("cryptography")
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: E402


def test_ed25519_signatures_verify_with_cryptography(server):
    kms = server.client("kms")
    meta = kms.create_key(KeySpec="ECC_NIST_EDWARDS25519", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    assert meta["SigningAlgorithms"] == ["ED25519_SHA_512", "ED25519_PH_SHA_512"]
    key_id = meta["KeyId"]
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
    assert isinstance(public, ed25519.Ed25519PublicKey)
    message = b"rampart signs this with Ed25519"
    signed = kms.sign(KeyId=key_id, Message=message, SigningAlgorithm="ED25519_SHA_512")
    assert signed["SigningAlgorithm"] == "ED25519_SHA_512"
    public.verify(signed["Signature"], message)
    with pytest.raises(InvalidSignature):
        public.verify(signed["Signature"], message + b"!")
    assert kms.verify(KeyId=key_id, Message=message, Signature=signed["Signature"],
                      SigningAlgorithm="ED25519_SHA_512")["SignatureValid"]

    # A signature made by `cryptography` with a foreign key does not verify.
    foreign = ed25519.Ed25519PrivateKey.generate().sign(message)
    assert error_of(lambda: kms.verify(KeyId=key_id, Message=message, Signature=foreign,
                                       SigningAlgorithm="ED25519_SHA_512"))["Code"] == "KMSInvalidSignatureException"
    # ED25519_SHA_512 takes RAW messages only; ED25519_PH_SHA_512 is refused by name.
    assert error_of(lambda: kms.sign(KeyId=key_id, Message=b"\0" * 64, MessageType="DIGEST",
                                     SigningAlgorithm="ED25519_SHA_512"))["Code"] == "ValidationException"
    assert error_of(lambda: kms.sign(KeyId=key_id, Message=b"\0" * 64, MessageType="DIGEST",
                                     SigningAlgorithm="ED25519_PH_SHA_512"))["Code"] == "UnsupportedOperationException"

    # An Ed25519 data key pair: the private key is PKCS #8 that `cryptography` loads.
    symmetric = kms.create_key()["KeyMetadata"]["KeyId"]
    pair = kms.generate_data_key_pair(KeyId=symmetric, KeyPairSpec="ECC_NIST_EDWARDS25519")
    private = serialization.load_der_private_key(pair["PrivateKeyPlaintext"], password=None)
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    public = serialization.load_der_public_key(pair["PublicKey"])
    public.verify(private.sign(b"x"), b"x")
    opened = kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"])["Plaintext"]
    assert opened == pair["PrivateKeyPlaintext"]


def test_get_key_last_usage_names_the_operation_and_its_request_id(server):
    kms = server.client("kms")
    key = kms.create_key()["KeyMetadata"]
    fresh = kms.get_key_last_usage(KeyId=key["KeyId"])
    assert fresh["KeyId"] == key["KeyId"]
    assert fresh["KeyCreationDate"] == key["CreationDate"]
    assert fresh["TrackingStartDate"] >= key["CreationDate"]
    assert fresh.get("KeyLastUsage", {}) == {}

    encrypted = kms.encrypt(KeyId=key["Arn"], Plaintext=b"data")
    used = kms.get_key_last_usage(KeyId=key["Arn"])["KeyLastUsage"]
    assert used["Operation"] == "Encrypt"
    assert used["KmsRequestId"] == encrypted["ResponseMetadata"]["RequestId"]
    assert "CloudTrailEventId" not in used

    decrypted = kms.decrypt(CiphertextBlob=encrypted["CiphertextBlob"])
    used = kms.get_key_last_usage(KeyId=key["KeyId"])["KeyLastUsage"]
    assert used["Operation"] == "Decrypt"
    request_id = decrypted["ResponseMetadata"]["RequestId"]
    assert used["KmsRequestId"] == request_id
    # A failure is not a use; DescribeKey is not a cryptographic operation.
    error_of(lambda: kms.decrypt(CiphertextBlob=encrypted["CiphertextBlob"], EncryptionContext={"a": "b"}))
    kms.describe_key(KeyId=key["KeyId"])
    assert kms.get_key_last_usage(KeyId=key["KeyId"])["KeyLastUsage"]["KmsRequestId"] == request_id

    # The KMS request id is the requestID of the operation's CloudTrail record.
    events = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "Decrypt"}])["Events"]
    records = [json.loads(e["CloudTrailEvent"]) for e in events]
    assert request_id in [r.get("requestID") for r in records]

    # Alias names are not accepted, as the model says.
    kms.create_alias(AliasName="alias/usage", TargetKeyId=key["KeyId"])
    assert error_of(lambda: kms.get_key_last_usage(KeyId="alias/usage"))["Code"] == "NotFoundException"


def test_secrets_manager_makes_the_aws_managed_key_that_only_it_can_use(server):
    secrets = server.client("secretsmanager")
    kms = server.client("kms")
    account = server.client("sts").get_caller_identity()["Account"]
    try:
        secrets.create_secret(Name="db", SecretString="hunter2")
    except botocore.exceptions.ClientError as e:  # the service is not in this build yet
        pytest.skip(f"Secrets Manager: {e.response['Error']['Code']}")
    assert secrets.get_secret_value(SecretId="db")["SecretString"] == "hunter2"

    meta = kms.describe_key(KeyId="alias/aws/secretsmanager")["KeyMetadata"]
    assert meta["KeyManager"] == "AWS"
    assert meta["Description"] == "Default key that protects my Secrets Manager data when no other key is defined"
    document = json.loads(kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="default")["Policy"])
    assert document["Id"] == "auto-secretsmanager-2"
    first = document["Statement"][0]
    assert first["Principal"] == {"AWS": "*"}
    assert first["Condition"]["StringEquals"] == {
        "kms:CallerAccount": account, "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
    assert kms.get_key_rotation_status(KeyId=meta["KeyId"])["KeyRotationEnabled"]

    # The account may read the key but not change it, nor use it directly.
    for call in [
        lambda: kms.schedule_key_deletion(KeyId=meta["KeyId"]),
        lambda: kms.disable_key(KeyId=meta["KeyId"]),
        lambda: kms.put_key_policy(KeyId=meta["KeyId"], PolicyName="default", Policy=policy(
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}),
            BypassPolicyLockoutSafetyCheck=True),
        lambda: kms.tag_resource(KeyId=meta["KeyId"], Tags=[{"TagKey": "a", "TagValue": "b"}]),
        lambda: kms.encrypt(KeyId="alias/aws/secretsmanager", Plaintext=b"x"),
    ]:
        assert error_of(call)["Code"] == "AccessDeniedException"
    # The second secret reuses the same key.
    secrets.create_secret(Name="db2", SecretString="x")
    assert secrets.describe_secret(SecretId="db2").get("KmsKeyId") in (None, "alias/aws/secretsmanager", meta["Arn"], meta["KeyId"])
    assert kms.describe_key(KeyId="alias/aws/secretsmanager")["KeyMetadata"]["KeyId"] == meta["KeyId"]


def test_a_key_of_another_account_is_used_by_its_arn(server):
    home = server.client("sts").get_caller_identity()["Account"]
    org = server.client("organizations")
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(Email="keys@example.com", AccountName="keys")["CreateAccountStatus"]["AccountId"]
    admin = clients_for(server, server.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole",
        RoleSessionName="setup")["Credentials"])
    member_kms = admin("kms")
    shared = member_kms.create_key(Policy=policy(
        {"Sid": "owner", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{member}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "home", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{home}:root"},
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], "Resource": "*"},
    ))["KeyMetadata"]
    member_kms.create_alias(AliasName="alias/shared", TargetKeyId=shared["KeyId"])
    private = member_kms.create_key()["KeyMetadata"]

    kms = server.client("kms")
    blob = kms.encrypt(KeyId=shared["Arn"], Plaintext=b"across")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob, KeyId=shared["Arn"])["Plaintext"] == b"across"
    alias_arn = f"arn:aws:kms:us-east-1:{member}:alias/shared"
    assert kms.describe_key(KeyId=alias_arn)["KeyMetadata"]["AWSAccountId"] == member
    assert kms.encrypt(KeyId=alias_arn, Plaintext=b"x")["KeyId"] == shared["Arn"]
    # The member's default key policy leaves its key to the member's own account.
    assert error_of(lambda: kms.encrypt(KeyId=private["Arn"], Plaintext=b"x"))["Code"] == "AccessDeniedException"
    # Not by bare id, and no management across accounts.
    assert error_of(lambda: kms.encrypt(KeyId=shared["KeyId"], Plaintext=b"x"))["Code"] == "NotFoundException"
    assert error_of(lambda: kms.disable_key(KeyId=shared["Arn"]))["Code"] == "NotFoundException"


def test_parameter_store_secure_strings_use_the_aws_managed_key_through_ssm(server):
    ssm = server.client("ssm")
    kms = server.client("kms")
    try:
        ssm.put_parameter(Name="/app/password", Value="s3cr3t", Type="SecureString")
    except botocore.exceptions.ClientError as e:  # the service is not in this build yet
        pytest.skip(f"Parameter Store: {e.response['Error']['Code']}")
    assert ssm.get_parameter(Name="/app/password", WithDecryption=True)["Parameter"]["Value"] == "s3cr3t"
    meta = kms.describe_key(KeyId="alias/aws/ssm")["KeyMetadata"]
    assert meta["KeyManager"] == "AWS"
    assert meta["Description"] == "Default key that protects my SSM parameters when no other key is defined"
    document = json.loads(kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="default")["Policy"])
    assert document["Id"] == "auto-ssm-1"
    assert document["Statement"][0]["Condition"]["StringEquals"]["kms:ViaService"] == "ssm.us-east-1.amazonaws.com"
    used = kms.get_key_last_usage(KeyId=meta["KeyId"])["KeyLastUsage"]
    assert used["Operation"] in ("Encrypt", "Decrypt", "GenerateDataKey")

    # A customer key whose policy allows decryption only through Parameter Store.
    account = server.client("sts").get_caller_identity()["Account"]
    key = kms.create_key(Policy=policy(
        {"Sid": "admin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
         "NotAction": "kms:Decrypt", "Resource": "*"},
        {"Sid": "via ssm", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
         "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}},
    ))["KeyMetadata"]
    ssm.put_parameter(Name="/app/token", Value="t0ken", Type="SecureString", KeyId=key["KeyId"])
    assert ssm.get_parameter(Name="/app/token", WithDecryption=True)["Parameter"]["Value"] == "t0ken"
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"direct")["CiphertextBlob"]
    assert error_of(lambda: kms.decrypt(CiphertextBlob=blob))["Code"] == "AccessDeniedException"
