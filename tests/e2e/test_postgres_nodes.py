"""Two rampart nodes on one PostgreSQL store (`--store postgres://...`, issue 9): what one node
writes, the other serves, and a deny added through one is enforced by the other on its next
request. The cluster is the throw-away one of the Secrets Manager rotation tests."""
import base64
import json
import os

import botocore.exceptions
import pytest

from conftest import Server
from test_secrets_postgres import SUPERUSER_PASSWORD, postgres  # noqa: F401 (the fixture)

MASTER_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture
def nodes(postgres, tmp_path):  # noqa: F811
    url = f"postgres://postgres:{SUPERUSER_PASSWORD}@127.0.0.1:{postgres.port}/postgres"
    env = {"RAMPART_STORE": url, "RAMPART_MASTER_KEY": MASTER_KEY}
    started = []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            started.append(Server(tmp_path / name / "data", env=env).start())
        yield started
    finally:
        for node in started:
            node.stop()


def test_a_deny_added_through_one_node_is_enforced_by_the_other(nodes):
    a, b = nodes
    iam = a.client("iam")
    iam.create_user(UserName="reader")
    iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    reader_b = b.client("iam", key_id=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert [u["UserName"] for u in reader_b.list_users()["Users"]] == ["reader"]

    iam.put_user_policy(UserName="reader", PolicyName="deny", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"}]}))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        reader_b.list_users()
    assert e.value.response["Error"]["Code"] == "AccessDenied"


def test_a_kms_key_made_on_one_node_decrypts_on_the_other(nodes):
    a, b = nodes
    key = a.client("kms").create_key()["KeyMetadata"]["KeyId"]
    blob = a.client("kms").encrypt(KeyId=key, Plaintext=b"shared")["CiphertextBlob"]
    assert b.client("kms").decrypt(CiphertextBlob=blob)["Plaintext"] == b"shared"
    b.client("kms").disable_key(KeyId=key)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        a.client("kms").encrypt(KeyId=key, Plaintext=b"again")
    assert e.value.response["Error"]["Code"] == "DisabledException"


def test_an_unreachable_database_stops_the_start_with_a_clear_error(tmp_path):
    node = Server(tmp_path / "data", env={"RAMPART_STORE": "postgres://rampart:pw@127.0.0.1:1/rampart",
                                          "RAMPART_MASTER_KEY": MASTER_KEY})
    with pytest.raises(RuntimeError) as failure:
        node.start()
    message = str(failure.value)
    assert "PostgreSQL" in message and "pw@" not in message
