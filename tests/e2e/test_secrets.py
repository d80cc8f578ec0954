"""Secrets Manager end to end with boto3 and the AWS CLI: create/get/put, versions and labels,
deletion with a recovery window (purged when due) and restore, resource policy denial, a caller
refused by KMS, and rotation through an HTTP rotation function served by the test."""

import http.server
import json
import threading

import botocore.exceptions
import pytest

from conftest import Server

DAY = 86_400


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def new_user(server, name, statements=None):
    iam = server.client("iam")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    if statements:
        document = {"Version": "2012-10-17", "Statement": statements}
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(document))
    return arn, key


def test_create_get_put_with_boto3_and_the_cli(server):
    sm = server.client("secretsmanager")
    created = sm.create_secret(Name="prod/db", SecretString='{"password":"one"}', Description="db",
                               Tags=[{"Key": "team", "Value": "red"}])
    arn = created["ARN"]
    assert arn.startswith("arn:aws:secretsmanager:us-east-1:") and ":secret:prod/db-" in arn
    assert len(arn.rsplit("-", 1)[1]) == 6
    assert sm.get_secret_value(SecretId="prod/db")["SecretString"] == '{"password":"one"}'
    assert sm.get_secret_value(SecretId=arn)["VersionStages"] == ["AWSCURRENT"]
    assert sm.get_secret_value(SecretId=arn[:-7])["ARN"] == arn

    _, put, _ = server.aws("secretsmanager", "put-secret-value", "--secret-id", "prod/db",
                           "--secret-string", '{"password":"two"}')
    assert put["VersionStages"] == ["AWSCURRENT"]
    _, got, _ = server.aws("secretsmanager", "get-secret-value", "--secret-id", "prod/db")
    assert got["SecretString"] == '{"password":"two"}'
    previous = sm.get_secret_value(SecretId="prod/db", VersionStage="AWSPREVIOUS")
    assert previous["SecretString"] == '{"password":"one"}'
    assert previous["VersionId"] == created["VersionId"]

    described = sm.describe_secret(SecretId="prod/db")
    assert described["Description"] == "db"
    assert described["Tags"] == [{"Key": "team", "Value": "red"}]
    assert sorted(described["VersionIdsToStages"].values()) == [["AWSCURRENT"], ["AWSPREVIOUS"]]
    versions = sm.list_secret_version_ids(SecretId="prod/db")["Versions"]
    assert len(versions) == 2
    sm.create_secret(Name="binary", SecretBinary=b"\x00\xffbytes")
    assert sm.get_secret_value(SecretId="binary")["SecretBinary"] == b"\x00\xffbytes"
    assert [s["Name"] for s in sm.list_secrets(Filters=[{"Key": "name", "Values": ["prod/"]}])["SecretList"]] == ["prod/db"]

    # The same token with the same value is a no-op; with another value it is refused.
    token = "a" * 32
    sm.put_secret_value(SecretId="prod/db", SecretString="three", ClientRequestToken=token)
    sm.put_secret_value(SecretId="prod/db", SecretString="three", ClientRequestToken=token)
    with pytest.raises(sm.exceptions.ResourceExistsException):
        sm.put_secret_value(SecretId="prod/db", SecretString="four", ClientRequestToken=token)
    with pytest.raises(sm.exceptions.ResourceExistsException):
        sm.create_secret(Name="prod/db", SecretString="x")
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.get_secret_value(SecretId="nope")
    password = sm.get_random_password(PasswordLength=40, ExcludePunctuation=True)["RandomPassword"]
    assert len(password) == 40 and password.isalnum()
    batch = sm.batch_get_secret_value(SecretIdList=["prod/db", "nope"])
    assert [v["SecretString"] for v in batch["SecretValues"]] == ["three"]
    assert batch["Errors"][0]["ErrorCode"] == "ResourceNotFoundException"


def test_deletion_recovery_and_purge(server):
    sm = server.client("secretsmanager")
    sm.create_secret(Name="temp", SecretString="v")
    out = sm.delete_secret(SecretId="temp", RecoveryWindowInDays=7)
    assert "DeletionDate" in out
    with pytest.raises(sm.exceptions.InvalidRequestException):
        sm.get_secret_value(SecretId="temp")
    assert "DeletedDate" in sm.describe_secret(SecretId="temp")
    sm.restore_secret(SecretId="temp")
    assert sm.get_secret_value(SecretId="temp")["SecretString"] == "v"
    with pytest.raises(sm.exceptions.InvalidParameterException):
        sm.delete_secret(SecretId="temp", RecoveryWindowInDays=3)
    sm.delete_secret(SecretId="temp", RecoveryWindowInDays=7)
    status, _ = server.admin("/_rampart/clock/advance", {"Seconds": 6 * DAY})
    assert status == 200
    assert "DeletedDate" in sm.describe_secret(SecretId="temp")
    status, _ = server.admin("/_rampart/clock/advance", {"Seconds": 2 * DAY})
    assert status == 200
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.describe_secret(SecretId="temp")
    sm.create_secret(Name="temp", SecretString="again")
    sm.delete_secret(SecretId="temp", ForceDeleteWithoutRecovery=True)
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.describe_secret(SecretId="temp")


def test_resource_policy_denies_and_blocks_public_policies(server):
    sm = server.client("secretsmanager")
    arn = sm.create_secret(Name="guarded", SecretString="v")["ARN"]
    user_arn, key = new_user(server, "reader", [
        {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}])
    reader = server.client("secretsmanager", key_id=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert reader.get_secret_value(SecretId="guarded")["SecretString"] == "v"
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": {"AWS": user_arn},
                                                     "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    sm.put_resource_policy(SecretId="guarded", ResourcePolicy=json.dumps(deny), BlockPublicPolicy=True)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        reader.get_secret_value(SecretId=arn)
    assert error_code(e) == "AccessDeniedException"
    assert reader.describe_secret(SecretId="guarded")["Name"] == "guarded"
    public = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                       "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sm.put_resource_policy(SecretId="guarded", ResourcePolicy=json.dumps(public), BlockPublicPolicy=True)
    assert error_code(e) == "PublicPolicyException"
    assert json.loads(sm.get_resource_policy(SecretId="guarded")["ResourcePolicy"]) == deny
    sm.delete_resource_policy(SecretId="guarded")
    assert reader.get_secret_value(SecretId="guarded")["SecretString"] == "v"
    # A user with no permission at all is refused, whether or not the secret exists.
    _, nobody_key = new_user(server, "nobody")
    nobody = server.client("secretsmanager", key_id=nobody_key["AccessKeyId"], secret=nobody_key["SecretAccessKey"])
    for secret_id in ("guarded", "missing"):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            nobody.get_secret_value(SecretId=secret_id)
        assert error_code(e) == "AccessDeniedException"


def test_a_user_without_kms_permission_is_refused(server):
    sm = server.client("secretsmanager")
    kms = server.client("kms")
    key_id = kms.create_key()["KeyMetadata"]["Arn"]
    sm.create_secret(Name="cmk", SecretString="under a customer key", KmsKeyId=key_id)
    _, key = new_user(server, "nokms", [{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}])
    user = server.client("secretsmanager", key_id=key["AccessKeyId"], secret=key["SecretAccessKey"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        user.get_secret_value(SecretId="cmk")
    assert error_code(e) == "AccessDeniedException"
    assert "Access to KMS is not allowed" in e.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        user.create_secret(Name="mine", SecretString="x", KmsKeyId=key_id)
    assert error_code(e) == "AccessDeniedException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        user.describe_secret(SecretId="mine")
    assert error_code(e) == "ResourceNotFoundException"
    # The AWS managed key lets every principal of the account that may use Secrets Manager.
    user.create_secret(Name="managed", SecretString="fine")
    assert user.get_secret_value(SecretId="managed")["SecretString"] == "fine"
    # Disabling the customer key makes its secret unreadable even for root.
    kms.disable_key(KeyId=key_id)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sm.get_secret_value(SecretId="cmk")
    assert error_code(e) == "DecryptionFailure"


class Rotator(http.server.BaseHTTPRequestHandler):
    """A rotation function: AWS's four steps, done through the Secrets Manager API."""

    client = None
    steps = []
    fail_at = None

    def do_POST(self):
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        step, secret_id, token = event["Step"], event["SecretId"], event["ClientRequestToken"]
        type(self).steps.append(step)
        status = 200
        if step == type(self).fail_at:
            status = 500
        elif step == "createSecret":
            try:
                self.client.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage="AWSPENDING")
            except self.client.exceptions.ResourceNotFoundException:
                self.client.put_secret_value(SecretId=secret_id, ClientRequestToken=token,
                                             SecretString=f"rotated-{token}",
                                             VersionStages=["AWSPENDING"])
        elif step == "finishSecret":
            stages = self.client.describe_secret(SecretId=secret_id)["VersionIdsToStages"]
            current = next(v for v, s in stages.items() if "AWSCURRENT" in s)
            if current != token:
                self.client.update_secret_version_stage(SecretId=secret_id, VersionStage="AWSCURRENT",
                                                        MoveToVersionId=token, RemoveFromVersionId=current)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def rotating_server(data_dir):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Rotator)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/rotate"
    server = Server(data_dir, env={"RAMPART_ROTATION_FUNCTIONS": f"my-rotator={url}"}).start()
    Rotator.client = server.client("secretsmanager")
    Rotator.steps = []
    Rotator.fail_at = None
    yield server
    server.stop()
    httpd.shutdown()


def test_rotation_through_an_http_rotation_function(rotating_server):
    server = rotating_server
    sm = server.client("secretsmanager")
    account = server.client("sts").get_caller_identity()["Account"]
    lambda_arn = f"arn:aws:lambda:us-east-1:{account}:function:my-rotator"
    sm.create_secret(Name="rotated", SecretString="original")
    out = sm.rotate_secret(SecretId="rotated", RotationLambdaARN=lambda_arn,
                           RotationRules={"AutomaticallyAfterDays": 1})
    assert Rotator.steps == ["createSecret", "setSecret", "testSecret", "finishSecret"]
    current = sm.get_secret_value(SecretId="rotated")
    assert current["VersionId"] == out["VersionId"] and current["SecretString"] != "original"
    assert sm.get_secret_value(SecretId="rotated", VersionStage="AWSPREVIOUS")["SecretString"] == "original"
    described = sm.describe_secret(SecretId="rotated")
    assert described["RotationEnabled"] is True and described["RotationLambdaARN"] == lambda_arn
    assert "LastRotatedDate" in described and "NextRotationDate" in described

    # A failing step leaves AWSCURRENT where it was.
    before = sm.get_secret_value(SecretId="rotated")["SecretString"]
    Rotator.fail_at = "setSecret"
    Rotator.steps = []
    sm.rotate_secret(SecretId="rotated")
    assert Rotator.steps == ["createSecret", "setSecret"]
    assert sm.get_secret_value(SecretId="rotated")["SecretString"] == before
    with pytest.raises(sm.exceptions.InvalidRequestException):
        sm.rotate_secret(SecretId="rotated")

    # The schedule retries it once the function works again.
    Rotator.fail_at = None
    status, state = server.admin("/_rampart/clock/advance", {"Seconds": 2 * DAY})
    assert status == 200, state
    after = sm.get_secret_value(SecretId="rotated")
    assert after["SecretString"] != before and after["SecretString"] == f"rotated-{after['VersionId']}"
    assert "finishSecret" in Rotator.steps

    # An unknown function is refused up front.
    with pytest.raises(sm.exceptions.InvalidParameterException):
        sm.rotate_secret(SecretId="rotated", RotationLambdaARN=f"arn:aws:lambda:us-east-1:{account}:function:nope")
    sm.cancel_rotate_secret(SecretId="rotated")
    assert sm.describe_secret(SecretId="rotated")["RotationEnabled"] is False


def test_replication_to_another_region(server):
    sm = server.client("secretsmanager")
    out = sm.create_secret(Name="global", SecretString="v1", AddReplicaRegions=[{"Region": "eu-west-1"}])
    assert out["ReplicationStatus"][0]["Status"] == "InSync"
    eu = server.client("secretsmanager", region="eu-west-1")
    replica = eu.get_secret_value(SecretId="global")
    assert replica["SecretString"] == "v1" and ":eu-west-1:" in replica["ARN"]
    sm.put_secret_value(SecretId="global", SecretString="v2")
    assert eu.get_secret_value(SecretId="global")["SecretString"] == "v2"
    with pytest.raises(eu.exceptions.InvalidRequestException):
        eu.put_secret_value(SecretId="global", SecretString="no")
    eu.stop_replication_to_replica(SecretId="global")
    eu.put_secret_value(SecretId="global", SecretString="mine")
    assert sm.get_secret_value(SecretId="global")["SecretString"] == "v2"
    assert "ReplicationStatus" not in sm.describe_secret(SecretId="global")
