"""KMS imported key material end to end: the caller wraps its own AES key with the public key
of GetParametersForImport using the Python `cryptography` package, as AWS documents."""

import datetime
import os

import botocore.exceptions
import pytest

pytest.importorskip("cryptography")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding  # noqa: E402


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def wrap(public_der, algorithm, material):
    public = serialization.load_der_public_key(public_der)
    hash_ = hashes.SHA256() if algorithm.endswith("SHA_256") else hashes.SHA1()
    oaep = padding.OAEP(mgf=padding.MGF1(hash_), algorithm=hash_, label=None)
    if algorithm.startswith("RSA_AES_KEY_WRAP"):
        aes = os.urandom(32)
        return public.encrypt(aes, oaep) + aes_key_wrap_with_padding(aes, material)
    return public.encrypt(material, oaep)


def import_material(kms, key_id, algorithm, spec, material, **kwargs):
    params = kms.get_parameters_for_import(KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec=spec)
    kms.import_key_material(
        KeyId=key_id,
        ImportToken=params["ImportToken"],
        EncryptedKeyMaterial=wrap(params["PublicKey"], algorithm, material),
        **kwargs,
    )


@pytest.mark.parametrize(
    "algorithm,spec",
    [("RSAES_OAEP_SHA_256", "RSA_2048"), ("RSAES_OAEP_SHA_1", "RSA_3072"), ("RSA_AES_KEY_WRAP_SHA_256", "RSA_2048")],
)
def test_import_encrypt_delete_reimport(server, algorithm, spec):
    kms = server.client("kms")
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    assert key["KeyState"] == "PendingImport"
    material = os.urandom(32)
    import_material(kms, key["KeyId"], algorithm, spec, material, ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"imported")["CiphertextBlob"]
    kms.delete_imported_key_material(KeyId=key["KeyId"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.decrypt(CiphertextBlob=blob)
    assert error_code(e) == "KMSInvalidStateException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        import_material(kms, key["KeyId"], algorithm, spec, os.urandom(32), ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert error_code(e) == "IncorrectKeyMaterialException"
    valid_to = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)
    import_material(kms, key["KeyId"], algorithm, spec, material, ValidTo=valid_to)
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"imported"
    meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert meta["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
    assert abs((meta["ValidTo"] - valid_to).total_seconds()) < 1
