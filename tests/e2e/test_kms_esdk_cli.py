"""The AWS Encryption SDK's own CLI (aws-encryption-cli) encrypts and decrypts a file with a
rampart KMS key, reaching rampart through AWS_ENDPOINT_URL only. scripts/test.sh installs it in a
venv of its own and names it in ESDK_CLI."""
import os
import subprocess

import pytest

from conftest import ROOT_KEY_ID, ROOT_SECRET

CLI = os.environ.get("ESDK_CLI", "")


@pytest.mark.skipif(not os.path.exists(CLI), reason="ESDK_CLI does not name aws-encryption-cli")
def test_the_encryption_sdk_cli_round_trips_a_file(server, tmp_path):
    arn = server.client("kms").create_key(Description="esdk cli")["KeyMetadata"]["Arn"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=ROOT_KEY_ID, AWS_SECRET_ACCESS_KEY=ROOT_SECRET,
               AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=server.endpoint)
    plain, sealed, opened = tmp_path / "plain.txt", tmp_path / "sealed.bin", tmp_path / "opened.txt"
    plain.write_bytes(b"a file worth protecting\n" * 1000)

    def cli(*args):
        done = subprocess.run([CLI, *args, "--wrapping-keys", f"key={arn}", "--metadata-output",
                               str(tmp_path / "metadata.json"), "--encryption-context", "purpose=test"],
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr

    cli("--encrypt", "--input", str(plain), "--output", str(sealed))
    assert b"a file worth protecting" not in sealed.read_bytes()
    cli("--decrypt", "--input", str(sealed), "--output", str(opened))
    assert opened.read_bytes() == plain.read_bytes()
    events = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "GenerateDataKey"}])["Events"]
    assert events, "the CLI's data key came from rampart's KMS"
