"""KMS symmetric keys end to end, with the AWS CLI and boto3."""

import base64
import json

import botocore.exceptions
import pytest

SECRET = "rampart-e2e-plaintext-Zq7Xv"


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def create_key(kms, **kwargs):
    return kms.create_key(**kwargs)["KeyMetadata"]


def test_cli_create_describe_encrypt_decrypt(server, tmp_path):
    _, out, _ = server.aws("kms", "create-key", "--description", "e2e key")
    meta = out["KeyMetadata"]
    _, me, _ = server.aws("sts", "get-caller-identity")
    assert meta["Arn"] == f"arn:aws:kms:us-east-1:{me['Account']}:key/{meta['KeyId']}"
    assert meta["AWSAccountId"] == me["Account"]
    assert meta["KeySpec"] == meta["CustomerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
    assert meta["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert meta["KeyState"] == "Enabled" and meta["Enabled"] is True
    assert meta["EncryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"]
    assert meta["Origin"] == "AWS_KMS" and meta["KeyManager"] == "CUSTOMER"
    assert meta["MultiRegion"] is False and meta["Description"] == "e2e key"
    _, described, _ = server.aws("kms", "describe-key", "--key-id", meta["Arn"])
    assert described["KeyMetadata"]["KeyId"] == meta["KeyId"]

    # AWS CLI v1 takes --plaintext as raw text and prints blobs as base64.
    _, enc, _ = server.aws(
        "kms", "encrypt", "--key-id", meta["KeyId"], "--plaintext", SECRET,
        "--encryption-context", "purpose=e2e,team=sec",
    )
    assert enc["KeyId"] == meta["Arn"] and enc["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    blob = tmp_path / "blob"
    blob.write_bytes(base64.b64decode(enc["CiphertextBlob"]))
    _, dec, _ = server.aws(
        "kms", "decrypt", "--ciphertext-blob", f"fileb://{blob}",
        "--encryption-context", "team=sec,purpose=e2e",
    )
    assert base64.b64decode(dec["Plaintext"]).decode() == SECRET
    assert dec["KeyId"] == meta["Arn"]
    code, _, err = server.aws("kms", "decrypt", "--ciphertext-blob", f"fileb://{blob}", check=False)
    assert code != 0 and "InvalidCiphertextException" in err

    _, listed, _ = server.aws("kms", "list-keys")
    assert {"KeyId": meta["KeyId"], "KeyArn": meta["Arn"]} in listed["Keys"]


def test_boto3_round_trip_contexts_and_tampering(server):
    kms = server.client("kms")
    key = create_key(kms)
    plain = bytes(range(256)) * 16  # 4096 bytes, the maximum
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=plain)["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == plain
    assert kms.decrypt(CiphertextBlob=blob, KeyId=key["Arn"])["Plaintext"] == plain

    ctx = {"bucket": "b", "object": "o"}
    blob = kms.encrypt(KeyId=key["Arn"], Plaintext=b"x", EncryptionContext=ctx)["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext=dict(reversed(ctx.items())))["Plaintext"] == b"x"
    for wrong in [{}, {"bucket": "b"}, {"bucket": "B", "object": "o"}, {"bucket": "bo", "object": ""}]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            kms.decrypt(CiphertextBlob=blob, EncryptionContext=wrong)
        assert error_code(e) == "InvalidCiphertextException"

    for i in [0, 5, 20, 30, len(blob) - 1]:
        tampered = bytearray(blob)
        tampered[i] ^= 0x01
        with pytest.raises(botocore.exceptions.ClientError) as e:
            kms.decrypt(CiphertextBlob=bytes(tampered), EncryptionContext=ctx)
        assert error_code(e) == "InvalidCiphertextException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.decrypt(CiphertextBlob=b"not a kms blob at all, far too plain")
    assert error_code(e) == "InvalidCiphertextException"

    other = create_key(kms)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.decrypt(CiphertextBlob=blob, EncryptionContext=ctx, KeyId=other["KeyId"])
    assert error_code(e) == "IncorrectKeyException"

    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x" * 4097)
    assert error_code(e) == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.describe_key(KeyId="11111111-2222-3333-4444-555555555555")
    assert error_code(e) == "NotFoundException"


def test_data_keys_re_encrypt_and_random(server):
    kms = server.client("kms")
    key = create_key(kms)
    ctx = {"app": "e2e"}
    dk = kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256", EncryptionContext=ctx)
    assert len(dk["Plaintext"]) == 32 and dk["KeyId"] == key["Arn"]
    assert kms.decrypt(CiphertextBlob=dk["CiphertextBlob"], EncryptionContext=ctx)["Plaintext"] == dk["Plaintext"]
    dk = kms.generate_data_key(KeyId=key["KeyId"], NumberOfBytes=16)
    assert len(dk["Plaintext"]) == 16
    bare = kms.generate_data_key_without_plaintext(KeyId=key["Arn"], KeySpec="AES_128")
    assert "Plaintext" not in bare
    assert len(kms.decrypt(CiphertextBlob=bare["CiphertextBlob"])["Plaintext"]) == 16
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.generate_data_key(KeyId=key["KeyId"])
    assert error_code(e) == "ValidationException"

    dest = create_key(kms)
    re = kms.re_encrypt(
        CiphertextBlob=dk["CiphertextBlob"], DestinationKeyId=dest["KeyId"],
        DestinationEncryptionContext={"moved": "yes"},
    )
    assert re["SourceKeyId"] == key["Arn"] and re["KeyId"] == dest["Arn"]
    out = kms.decrypt(CiphertextBlob=re["CiphertextBlob"], EncryptionContext={"moved": "yes"})
    assert out["Plaintext"] == dk["Plaintext"] and out["KeyId"] == dest["Arn"]

    assert len(kms.generate_random(NumberOfBytes=1024)["Plaintext"]) == 1024
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.generate_random(NumberOfBytes=1025)
    assert error_code(e) == "ValidationException"


def test_aliases(server):
    kms = server.client("kms")
    key, other = create_key(kms), create_key(kms)
    kms.create_alias(AliasName="alias/e2e", TargetKeyId=key["KeyId"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.create_alias(AliasName="alias/e2e", TargetKeyId=other["KeyId"])
    assert error_code(e) == "AlreadyExistsException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.create_alias(AliasName="alias/aws/mine", TargetKeyId=key["KeyId"])
    assert error_code(e) == "NotAuthorizedException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.create_alias(AliasName="e2e", TargetKeyId=key["KeyId"])
    assert error_code(e) == "ValidationException"

    alias_arn = key["Arn"].split(":key/")[0] + ":alias/e2e"
    assert kms.describe_key(KeyId="alias/e2e")["KeyMetadata"]["KeyId"] == key["KeyId"]
    assert kms.describe_key(KeyId=alias_arn)["KeyMetadata"]["KeyId"] == key["KeyId"]
    blob = kms.encrypt(KeyId="alias/e2e", Plaintext=b"via alias")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob, KeyId="alias/e2e")["Plaintext"] == b"via alias"

    aliases = kms.list_aliases()["Aliases"]
    assert [a for a in aliases if a["AliasName"] == "alias/e2e"][0]["AliasArn"] == alias_arn
    kms.update_alias(AliasName="alias/e2e", TargetKeyId=other["Arn"])
    assert kms.list_aliases(KeyId=other["KeyId"])["Aliases"][0]["AliasName"] == "alias/e2e"
    assert kms.list_aliases(KeyId=key["KeyId"])["Aliases"] == []
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.decrypt(CiphertextBlob=blob, KeyId="alias/e2e")
    assert error_code(e) == "IncorrectKeyException"
    kms.delete_alias(AliasName="alias/e2e")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.describe_key(KeyId="alias/e2e")
    assert error_code(e) == "NotFoundException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.delete_alias(AliasName="alias/e2e")
    assert error_code(e) == "NotFoundException"


def test_lifecycle_disable_schedule_cancel(server):
    kms = server.client("kms")
    key = create_key(kms)
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"data")["CiphertextBlob"]
    kms.disable_key(KeyId=key["KeyId"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"
    for call in (
        lambda: kms.encrypt(KeyId=key["KeyId"], Plaintext=b"data"),
        lambda: kms.decrypt(CiphertextBlob=blob),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        assert error_code(e) == "DisabledException"
    kms.enable_key(KeyId=key["Arn"])
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"data"

    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=6)
    assert error_code(e) == "ValidationException"
    out = kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    assert out["KeyState"] == "PendingDeletion" and out["PendingWindowInDays"] == 7
    meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert meta["KeyState"] == "PendingDeletion" and "DeletionDate" in meta
    for call in (
        lambda: kms.encrypt(KeyId=key["KeyId"], Plaintext=b"data"),
        lambda: kms.decrypt(CiphertextBlob=blob),
        lambda: kms.enable_key(KeyId=key["KeyId"]),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        assert error_code(e) == "KMSInvalidStateException"
    assert kms.cancel_key_deletion(KeyId=key["KeyId"])["KeyId"] == key["Arn"]
    meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert meta["KeyState"] == "Disabled" and "DeletionDate" not in meta


def test_tags_and_description(server):
    kms = server.client("kms")
    key = create_key(kms, Tags=[{"TagKey": "team", "TagValue": "sec"}])
    kms.tag_resource(KeyId=key["KeyId"], Tags=[{"TagKey": "env", "TagValue": "test"}])
    tags = kms.list_resource_tags(KeyId=key["KeyId"])["Tags"]
    assert sorted((t["TagKey"], t["TagValue"]) for t in tags) == [("env", "test"), ("team", "sec")]
    kms.untag_resource(KeyId=key["Arn"], TagKeys=["team"])
    assert kms.list_resource_tags(KeyId=key["KeyId"])["Tags"] == [{"TagKey": "env", "TagValue": "test"}]
    kms.update_key_description(KeyId=key["KeyId"], Description="new words")
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["Description"] == "new words"


def test_unsupported_specs_are_named(server):
    kms = server.client("kms")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.create_key(KeySpec="SM2", KeyUsage="SIGN_VERIFY")
    assert error_code(e) == "UnsupportedOperationException"
    assert "SM2" in e.value.response["Error"]["Message"]


def test_list_keys_pages(server):
    kms = server.client("kms")
    ids = {create_key(kms)["KeyId"] for _ in range(5)}
    page = kms.list_keys(Limit=2)
    seen = [k["KeyId"] for k in page["Keys"]]
    while page["Truncated"]:
        page = kms.list_keys(Limit=2, Marker=page["NextMarker"])
        seen += [k["KeyId"] for k in page["Keys"]]
    assert set(seen) == ids and len(seen) == 5


def test_no_plaintext_in_log_or_cloudtrail(server):
    kms = server.client("kms")
    key = create_key(kms)
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=SECRET.encode())["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == SECRET.encode()
    dk = kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256")
    with pytest.raises(botocore.exceptions.ClientError):
        kms.encrypt(KeyId=key["KeyId"], Plaintext=(SECRET * 200).encode())
    secrets = [
        SECRET,
        base64.b64encode(SECRET.encode()).decode(),
        base64.b64encode(dk["Plaintext"]).decode(),
    ]
    _, out, _ = server.aws("cloudtrail", "lookup-events")
    records = [e["CloudTrailEvent"] for e in out["Events"] if json.loads(e["CloudTrailEvent"])["eventSource"] == "kms.amazonaws.com"]
    names = {json.loads(r)["eventName"] for r in records}
    assert {"Encrypt", "Decrypt", "GenerateDataKey", "CreateKey"} <= names
    log = server.log()
    for s in secrets:
        assert s not in log
        for r in records:
            assert s not in r


def test_aws_encryption_sdk_round_trip(server, monkeypatch):
    esdk = pytest.importorskip("aws_encryption_sdk")
    from conftest import ROOT_KEY_ID, ROOT_SECRET

    kms = server.client("kms", region="us-west-2")
    arn = create_key(kms)["Arn"]
    for name, value in {
        "AWS_ENDPOINT_URL": server.endpoint,
        "AWS_ACCESS_KEY_ID": ROOT_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": ROOT_SECRET,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }.items():
        monkeypatch.setenv(name, value)
    client = esdk.EncryptionSDKClient(
        commitment_policy=esdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
    )
    provider = esdk.StrictAwsKmsMasterKeyProvider(key_ids=[arn])
    message = b"rampart encrypts with the real Encryption SDK " * 40
    ciphertext, header = client.encrypt(
        source=message, key_provider=provider, encryption_context={"purpose": "e2e"}
    )
    assert ciphertext != message and header.encryption_context["purpose"] == "e2e"
    plaintext, decrypted_header = client.decrypt(source=ciphertext, key_provider=provider)
    assert plaintext == message
    assert decrypted_header.encryption_context["purpose"] == "e2e"

    # Two keys in two regions: GenerateDataKey in one, Encrypt of the data key in the other;
    # the second key alone decrypts.
    second = create_key(server.client("kms", region="eu-central-1"))["Arn"]
    both = esdk.StrictAwsKmsMasterKeyProvider(key_ids=[arn, second])
    ciphertext, _ = client.encrypt(source=message, key_provider=both)
    only_second = esdk.StrictAwsKmsMasterKeyProvider(key_ids=[second])
    assert client.decrypt(source=ciphertext, key_provider=only_second)[0] == message
