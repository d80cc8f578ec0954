"""KMS custom key store (the CloudHSM analog) on a throw-away SoftHSM2 token, driven through
the AWS CLI. Skipped where SoftHSM2 (Debian package softhsm2) is not installed."""

import base64
import os
import random
import shutil
import string
import subprocess

import pytest

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "e2e-user-pin-1"


@pytest.fixture
def token_label():
    util = shutil.which("softhsm2-util")
    if util is None or not os.path.exists(MODULE):
        pytest.skip("SoftHSM2 is not installed (apt-get install softhsm2)")
    label = "cluster-" + "".join(random.choice(string.ascii_lowercase) for _ in range(12))
    subprocess.run(
        [util, "--init-token", "--free", "--label", label, "--so-pin", "e2e-so-pin-1", "--pin", PIN],
        check=True, capture_output=True,
    )
    yield label
    subprocess.run([util, "--delete-token", "--token", label], capture_output=True)


def test_custom_key_store_through_the_cli(server, token_label, tmp_path):
    _, out, _ = server.aws(
        "kms", "create-custom-key-store", "--custom-key-store-name", "e2e-hsm",
        "--cloud-hsm-cluster-id", token_label, "--trust-anchor-certificate", "anchor",
        "--key-store-password", PIN,
    )
    store = out["CustomKeyStoreId"]
    server.aws("kms", "connect-custom-key-store", "--custom-key-store-id", store)
    _, out, _ = server.aws("kms", "describe-custom-key-stores", "--custom-key-store-id", store)
    assert out["CustomKeyStores"][0]["ConnectionState"] == "CONNECTED"
    _, out, _ = server.aws("kms", "create-key", "--origin", "AWS_CLOUDHSM", "--custom-key-store-id", store)
    meta = out["KeyMetadata"]
    assert meta["Origin"] == "AWS_CLOUDHSM" and meta["CloudHsmClusterId"] == token_label
    plaintext = tmp_path / "plain.txt"
    plaintext.write_bytes(b"kept by the token")
    _, out, _ = server.aws("kms", "encrypt", "--key-id", meta["KeyId"], "--plaintext", f"fileb://{plaintext}")
    blob = tmp_path / "blob.bin"
    blob.write_bytes(base64.b64decode(out["CiphertextBlob"]))
    _, out, _ = server.aws("kms", "decrypt", "--ciphertext-blob", f"fileb://{blob}")
    assert base64.b64decode(out["Plaintext"]) == b"kept by the token"

    server.aws("kms", "disconnect-custom-key-store", "--custom-key-store-id", store)
    code, _, err = server.aws("kms", "decrypt", "--ciphertext-blob", f"fileb://{blob}", check=False)
    assert code != 0 and "KMSInvalidStateException" in err
    code, _, err = server.aws("kms", "delete-custom-key-store", "--custom-key-store-id", store, check=False)
    assert code != 0 and "CustomKeyStoreHasCMKsException" in err
    server.aws("kms", "connect-custom-key-store", "--custom-key-store-id", store)
    _, out, _ = server.aws("kms", "decrypt", "--ciphertext-blob", f"fileb://{blob}")
    assert base64.b64decode(out["Plaintext"]) == b"kept by the token"
    assert PIN not in server.log()
    _, out, _ = server.aws("cloudtrail", "lookup-events")
    events = [e["CloudTrailEvent"] for e in out["Events"]]
    assert any("CreateCustomKeyStore" in e for e in events)
    assert all(PIN not in e for e in events)
