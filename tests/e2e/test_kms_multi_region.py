"""KMS multi-Region keys end to end: boto3 replicates a key, a ciphertext of one Region
decrypts in the other, and the AWS Encryption SDK's MRK-aware provider decrypts with the
replica what it encrypted with the primary."""

import botocore.exceptions
import pytest


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_replicate_and_decrypt_in_the_other_region(server):
    east = server.client("kms", region="us-east-1")
    west = server.client("kms", region="eu-west-1")
    key = east.create_key(MultiRegion=True, Description="primary")["KeyMetadata"]
    assert key["KeyId"].startswith("mrk-") and key["MultiRegion"]
    replica = east.replicate_key(KeyId=key["KeyId"], ReplicaRegion="eu-west-1", Description="replica")
    assert replica["ReplicaKeyMetadata"]["Arn"] == key["Arn"].replace("us-east-1", "eu-west-1")
    blob = east.encrypt(KeyId=key["KeyId"], Plaintext=b"multi", EncryptionContext={"r": "1"})["CiphertextBlob"]
    assert west.decrypt(CiphertextBlob=blob, EncryptionContext={"r": "1"})["Plaintext"] == b"multi"
    config = west.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["MultiRegionConfiguration"]
    assert config["MultiRegionKeyType"] == "REPLICA"
    assert config["PrimaryKey"] == {"Arn": key["Arn"], "Region": "us-east-1"}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        west.replicate_key(KeyId=key["KeyId"], ReplicaRegion="ap-south-1")
    assert error_code(e) == "UnsupportedOperationException"
    east.update_primary_region(KeyId=key["KeyId"], PrimaryRegion="eu-west-1")
    assert west.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"


def test_encryption_sdk_mrk_aware_provider_uses_the_replica(server, monkeypatch):
    esdk = pytest.importorskip("aws_encryption_sdk")
    from aws_encryption_sdk.key_providers.kms import MRKAwareStrictAwsKmsMasterKeyProvider
    from conftest import ROOT_KEY_ID, ROOT_SECRET

    east = server.client("kms", region="us-east-1")
    arn = east.create_key(MultiRegion=True)["KeyMetadata"]["Arn"]
    replica_arn = east.replicate_key(KeyId=arn, ReplicaRegion="us-west-2")["ReplicaKeyMetadata"]["Arn"]
    for name, value in {
        "AWS_ENDPOINT_URL": server.endpoint,
        "AWS_ACCESS_KEY_ID": ROOT_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": ROOT_SECRET,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }.items():
        monkeypatch.setenv(name, value)
    client = esdk.EncryptionSDKClient(commitment_policy=esdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
    message = b"sealed in one Region, opened in another " * 10
    ciphertext, _ = client.encrypt(source=message, key_provider=MRKAwareStrictAwsKmsMasterKeyProvider(key_ids=[arn]))
    plaintext, _ = client.decrypt(
        source=ciphertext, key_provider=MRKAwareStrictAwsKmsMasterKeyProvider(key_ids=[replica_arn])
    )
    assert plaintext == message
