"""SigV4 authentication as the AWS CLI and boto3 see it."""

import datetime
import json
from unittest import mock

import botocore.auth
import botocore.exceptions
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from conftest import ROOT_KEY_ID


def test_cli_get_caller_identity_prints_the_root_arn(server):
    _, out, _ = server.aws("sts", "get-caller-identity")
    account = out["Account"]
    assert len(account) == 12 and account.isdigit()
    assert out["Arn"] == f"arn:aws:iam::{account}:root"
    assert out["UserId"] == account


def test_boto3_get_caller_identity(server):
    out = server.client("sts").get_caller_identity()
    assert out["Arn"].endswith(":root")
    assert out["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]


def test_wrong_secret_is_signature_does_not_match(server):
    code, _, err = server.aws("sts", "get-caller-identity", secret="not-the-secret", check=False)
    assert code != 0
    assert "SignatureDoesNotMatch" in err
    with pytest.raises(botocore.exceptions.ClientError) as e:
        server.client("sts", secret="not-the-secret").get_caller_identity()
    assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_access_key_is_invalid_client_token_id(server):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        server.client("sts", key_id="AKIAUNKNOWNUNKNOWN00").get_caller_identity()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_access_key_on_a_json_service_is_unrecognized_client(server):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        server.client("cloudtrail", key_id="AKIAUNKNOWNUNKNOWN00").lookup_events()
    assert e.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_unsigned_request_is_missing_authentication_token(server):
    import boto3

    sts = boto3.client(
        "sts", endpoint_url=server.endpoint, region_name="us-east-1", config=Config(signature_version=UNSIGNED)
    )
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_caller_identity()
    assert e.value.response["Error"]["Code"] == "MissingAuthenticationToken"


def test_a_signature_older_than_fifteen_minutes_is_refused(server):
    sts = server.client("sts")
    stale = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=stale):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sts.get_caller_identity()
    assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert "Signature expired" in e.value.response["Error"]["Message"]


def test_a_presigned_url_authenticates(server):
    import urllib.error
    import urllib.request

    # botocore presigns query-protocol operations with their HTTP method, POST (its canonical
    # request says POST), so the URL is good for a POST and, as in AWS, not for a GET.
    url = server.client("sts").generate_presigned_url("get_caller_identity", ExpiresIn=60)
    with urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST")) as r:
        body = r.read().decode()
    assert "<Arn>arn:aws:iam::" in body and ":root</Arn>" in body
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url)
    assert e.value.code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in e.value.read()


def test_an_expired_presigned_url_is_refused(server):
    import urllib.error
    import urllib.request

    stale = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=stale):
        url = server.client("sts").generate_presigned_url("get_caller_identity", ExpiresIn=60)
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"))
    assert e.value.code == 400
    assert b"<Code>RequestExpired</Code>" in e.value.read()


def test_the_secret_never_appears_in_the_server_log(server):
    from conftest import ROOT_SECRET

    server.client("sts").get_caller_identity()
    with pytest.raises(botocore.exceptions.ClientError):
        server.client("sts", secret="wrong-secret-value").get_caller_identity()
    log = server.log()
    assert ROOT_SECRET not in log and "wrong-secret-value" not in log


def test_an_operation_rampart_lacks_says_so_by_name(server):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        server.client("detective").list_graphs()
    err = e.value.response["Error"]
    assert err["Code"] == "NotImplemented"
    assert "ListGraphs" in err["Message"]
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_generated_root_key_is_written_0600_and_printed_again(data_dir):
    import os
    import stat
    import subprocess

    from conftest import BIN, Server

    s = Server(data_dir, root_key=False).start()
    try:
        creds = data_dir / "root-credentials"
        assert stat.S_IMODE(os.stat(creds).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(data_dir / "master.key").st_mode) == 0o600
        printed = subprocess.run(
            [str(BIN), "credentials", "--data-dir", str(data_dir)], capture_output=True, text=True, check=True
        ).stdout
        assert printed == creds.read_text()
        key_id = next(l.split("=")[1].strip() for l in printed.splitlines() if "aws_access_key_id" in l)
        secret = next(l.split("=")[1].strip() for l in printed.splitlines() if "aws_secret_access_key" in l)
        assert key_id.startswith("AKIA") and len(key_id) == 20 and len(secret) == 40
        _, out, _ = s.aws("sts", "get-caller-identity", key_id=key_id, secret=secret)
        assert out["Arn"].endswith(":root")
        assert key_id != ROOT_KEY_ID
    finally:
        s.stop()


def test_credentials_profile_makes_the_aws_cli_talk_to_rampart(data_dir, tmp_path):
    import os
    import shutil
    import stat
    import subprocess
    import sys

    from conftest import BIN, Server

    s = Server(data_dir, root_key=False).start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
                   AWS_CONFIG_FILE=str(tmp_path / "config"))
        (tmp_path / "credentials").write_text("[keep]\naws_access_key_id = AKIAKEEPME\n")
        for _ in range(2):  # writing twice replaces the profile, it does not duplicate it
            subprocess.run([str(BIN), "credentials", "--data-dir", str(data_dir), "--profile", "rampart",
                            "--endpoint", s.endpoint], env=env, capture_output=True, text=True, check=True)
        credentials = (tmp_path / "credentials").read_text()
        assert credentials.count("[rampart]") == 1 and "[keep]" in credentials
        assert stat.S_IMODE(os.stat(tmp_path / "credentials").st_mode) == 0o600
        aws = shutil.which("aws", path=os.path.dirname(os.path.realpath(sys.executable))) or "aws"
        done = subprocess.run([aws, "--profile", "rampart", "sts", "get-caller-identity", "--output", "json"],
                              env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["Arn"].endswith(":root")
    finally:
        s.stop()
