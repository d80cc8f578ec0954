"""Secrets Manager secrets through Parameter Store (issue 6):
`/aws/reference/secretsmanager/<secret-id>` answers GetParameter and GetParameters with
WithDecryption, in AWS's shape, for callers that may read the secret itself."""

import json

import botocore.exceptions
import pytest

REF = "/aws/reference/secretsmanager/"


def new_user(server, name, actions):
    iam = server.client("iam")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    document = {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(document))
    return server.client("ssm", key_id=key["AccessKeyId"], secret=key["SecretAccessKey"])


def test_a_secret_is_read_through_parameter_store(server):
    sm = server.client("secretsmanager")
    created = sm.create_secret(Name="app/db", SecretString='{"password":"first"}')
    sm.put_secret_value(SecretId="app/db", SecretString='{"password":"second"}')
    ssm = server.client("ssm")
    p = ssm.get_parameter(Name=REF + "app/db", WithDecryption=True)["Parameter"]
    assert p["Name"] == REF + "app/db"
    assert p["Type"] == "SecureString"
    assert p["Value"] == '{"password":"second"}'
    assert p["Version"] == 0
    assert p["ARN"] == created["ARN"]
    assert p["DataType"] == "text"
    source = json.loads(p["SourceResult"])
    assert source["Name"] == "app/db"
    assert source["ARN"] == created["ARN"]
    assert "SecretString" not in source
    previous = ssm.get_parameter(Name=REF + "app/db:AWSPREVIOUS", WithDecryption=True)["Parameter"]
    assert previous["Value"] == '{"password":"first"}'
    assert previous["Selector"] == ":AWSPREVIOUS"
    by_id = ssm.get_parameter(Name=REF + "app/db:" + created["VersionId"], WithDecryption=True)
    assert by_id["Parameter"]["Value"] == '{"password":"first"}'
    many = ssm.get_parameters(Names=[REF + "app/db", REF + "missing"], WithDecryption=True)
    assert [x["Value"] for x in many["Parameters"]] == ['{"password":"second"}']
    assert many["InvalidParameters"] == [REF + "missing"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ssm.get_parameter(Name=REF + "missing", WithDecryption=True)
    assert e.value.response["Error"]["Code"] == "ParameterNotFound"
    # The AWS CLI, too.
    _, out, _ = server.aws("ssm", "get-parameter", "--name", REF + "app/db", "--with-decryption")
    assert out["Parameter"]["Value"] == '{"password":"second"}'


def test_without_decryption_the_reference_is_refused(server):
    server.client("secretsmanager").create_secret(Name="plain", SecretString="x")
    ssm = server.client("ssm")
    for call in (lambda: ssm.get_parameter(Name=REF + "plain"),
                 lambda: ssm.get_parameters(Names=[REF + "plain"], WithDecryption=False)):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        assert e.value.response["Error"]["Code"] == "ValidationException"
        assert e.value.response["Error"]["Message"] == \
            "WithDecryption flag must be True for retrieving a Secret Manager secret."


def test_the_caller_needs_get_secret_value_on_the_secret(server):
    server.client("secretsmanager").create_secret(Name="guarded", SecretString="s3cret")
    only_ssm = new_user(server, "only-ssm", ["ssm:GetParameter", "ssm:GetParameters"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        only_ssm.get_parameter(Name=REF + "guarded", WithDecryption=True)
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "s3cret" not in str(e.value)
    both = new_user(server, "both", ["ssm:GetParameter", "secretsmanager:GetSecretValue"])
    p = both.get_parameter(Name=REF + "guarded", WithDecryption=True)["Parameter"]
    assert p["Value"] == "s3cret"
    only_secrets = new_user(server, "only-secrets", ["secretsmanager:GetSecretValue"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        only_secrets.get_parameter(Name=REF + "guarded", WithDecryption=True)
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"
