"""KMS asymmetric and HMAC keys end to end: signatures made by rampart verify with the Python
`cryptography` package from GetPublicKey's key, and RSA ciphertexts made by `cryptography`
decrypt in rampart."""

import base64
import hashlib
import json

import botocore.exceptions
import pytest

crypto = pytest.importorskip("cryptography")
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils  # noqa: E402


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def public_key(kms, key_id):
    der = kms.get_public_key(KeyId=key_id)["PublicKey"]
    return serialization.load_der_public_key(der)


@pytest.mark.parametrize(
    "spec,algorithm,hash_",
    [
        ("ECC_NIST_P256", "ECDSA_SHA_256", hashes.SHA256()),
        ("ECC_NIST_P384", "ECDSA_SHA_384", hashes.SHA384()),
        ("ECC_NIST_P521", "ECDSA_SHA_512", hashes.SHA512()),
        ("ECC_SECG_P256K1", "ECDSA_SHA_256", hashes.SHA256()),
    ],
)
def test_ecdsa_signatures_verify_with_cryptography(server, spec, algorithm, hash_):
    kms = server.client("kms")
    key_id = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    message = b"rampart signs this"
    signature = kms.sign(KeyId=key_id, Message=message, SigningAlgorithm=algorithm)["Signature"]
    public = public_key(kms, key_id)
    public.verify(signature, message, ec.ECDSA(hash_))
    with pytest.raises(InvalidSignature):
        public.verify(signature, message + b"!", ec.ECDSA(hash_))
    # MessageType=DIGEST signs a digest the caller computed.
    digest = hashlib.new(hash_.name, message).digest()
    signature = kms.sign(KeyId=key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm=algorithm)["Signature"]
    public.verify(signature, digest, ec.ECDSA(utils.Prehashed(hash_)))
    assert kms.verify(KeyId=key_id, Message=message, Signature=signature, SigningAlgorithm=algorithm)["SignatureValid"]


def test_rsa_signatures_verify_with_cryptography(server):
    kms = server.client("kms")
    key_id = kms.create_key(KeySpec="RSA_3072", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    public = public_key(kms, key_id)
    assert public.key_size == 3072
    message = b"m" * 4096
    for algorithm, pad, hash_ in [
        ("RSASSA_PKCS1_V1_5_SHA_256", padding.PKCS1v15(), hashes.SHA256()),
        ("RSASSA_PSS_SHA_384", padding.PSS(padding.MGF1(hashes.SHA384()), 48), hashes.SHA384()),
        ("RSASSA_PSS_SHA_512", padding.PSS(padding.MGF1(hashes.SHA512()), 64), hashes.SHA512()),
    ]:
        signature = kms.sign(KeyId=key_id, Message=message, SigningAlgorithm=algorithm)["Signature"]
        public.verify(signature, message, pad, hash_)
    # A signature made elsewhere does not verify: KMSInvalidSignatureException.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.verify(KeyId=key_id, Message=message, Signature=b"\0" * 384, SigningAlgorithm="RSASSA_PSS_SHA_256")
    assert error_code(e) == "KMSInvalidSignatureException"


def test_rsa_ciphertexts_from_cryptography_decrypt_in_rampart(server):
    kms = server.client("kms")
    key_id = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    public = public_key(kms, key_id)
    for algorithm, hash_ in [("RSAES_OAEP_SHA_1", hashes.SHA1()), ("RSAES_OAEP_SHA_256", hashes.SHA256())]:
        oaep = padding.OAEP(mgf=padding.MGF1(hash_), algorithm=hash_, label=None)
        ciphertext = public.encrypt(b"from cryptography", oaep)
        out = kms.decrypt(KeyId=key_id, CiphertextBlob=ciphertext, EncryptionAlgorithm=algorithm)
        assert out["Plaintext"] == b"from cryptography"
        blob = kms.encrypt(KeyId=key_id, Plaintext=b"to rampart", EncryptionAlgorithm=algorithm)["CiphertextBlob"]
        assert kms.decrypt(KeyId=key_id, CiphertextBlob=blob, EncryptionAlgorithm=algorithm)["Plaintext"] == b"to rampart"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.encrypt(KeyId=key_id, Plaintext=b"x" * 191, EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert error_code(e) == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.sign(KeyId=key_id, Message=b"x", SigningAlgorithm="RSASSA_PSS_SHA_256")
    assert error_code(e) == "InvalidKeyUsageException"


def test_derive_shared_secret_matches_cryptography(server):
    kms = server.client("kms")
    key_id = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")["KeyMetadata"]["KeyId"]
    mine = ec.generate_private_key(ec.SECP256R1())
    mine_der = mine.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    secret = kms.derive_shared_secret(KeyId=key_id, KeyAgreementAlgorithm="ECDH", PublicKey=mine_der)["SharedSecret"]
    assert secret == mine.exchange(ec.ECDH(), public_key(kms, key_id))
    assert_never_recorded(server, base64.b64encode(secret).decode())


def assert_never_recorded(server, text):
    """`text` appears neither in the server's log nor in any CloudTrail record."""
    assert text not in server.log()
    _, out, _ = server.aws("cloudtrail", "lookup-events")
    for event in out["Events"]:
        assert text not in event["CloudTrailEvent"]


def test_hmac_and_data_key_pairs(server):
    kms = server.client("kms")
    key_id = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
    mac = kms.generate_mac(KeyId=key_id, Message=b"msg", MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert kms.verify_mac(KeyId=key_id, Message=b"msg", Mac=mac, MacAlgorithm="HMAC_SHA_256")["MacValid"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.verify_mac(KeyId=key_id, Message=b"other", Mac=mac, MacAlgorithm="HMAC_SHA_256")
    assert error_code(e) == "KMSInvalidMacException"

    symmetric = kms.create_key()["KeyMetadata"]["KeyId"]
    pair = kms.generate_data_key_pair(KeyId=symmetric, KeyPairSpec="RSA_2048", EncryptionContext={"p": "1"})
    private = serialization.load_der_private_key(pair["PrivateKeyPlaintext"], password=None)
    assert private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == pair["PublicKey"]
    opened = kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"], EncryptionContext={"p": "1"})
    assert opened["Plaintext"] == pair["PrivateKeyPlaintext"]
    assert_never_recorded(server, base64.b64encode(pair["PrivateKeyPlaintext"]).decode())
    mac_b64 = base64.b64encode(mac).decode()
    _, out, _ = server.aws("cloudtrail", "lookup-events")
    assert any(json.loads(e["CloudTrailEvent"])["eventName"] == "GenerateMac" for e in out["Events"])
    assert mac_b64 not in server.log()


def test_post_quantum_keys_round_trip(server):
    kms = server.client("kms")
    kem = kms.create_key(KeySpec="ML_KEM_1024", KeyUsage="ENCAPSULATE_DECAPSULATE")["KeyMetadata"]
    assert kem["EncapsulationAlgorithms"] == ["ML_KEM"]
    sealed = kms.encapsulate(KeyId=kem["KeyId"], EncapsulationAlgorithm="ML_KEM")
    opened = kms.decapsulate(
        KeyId=kem["KeyId"], EncapsulationAlgorithm="ML_KEM",
        SharedSecretCiphertextBlob=sealed["SharedSecretCiphertextBlob"],
    )
    assert opened["SharedSecret"] == sealed["SharedSecret"] and len(opened["SharedSecret"]) == 32
    dsa = kms.create_key(KeySpec="ML_DSA_44", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    assert dsa["SigningAlgorithms"] == ["ML_DSA_SHAKE_256"]
    signature = kms.sign(KeyId=dsa["KeyId"], Message=b"pq", SigningAlgorithm="ML_DSA_SHAKE_256")["Signature"]
    assert len(signature) == 2420
    assert kms.verify(KeyId=dsa["KeyId"], Message=b"pq", Signature=signature, SigningAlgorithm="ML_DSA_SHAKE_256")["SignatureValid"]
