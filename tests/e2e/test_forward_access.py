"""Forward access: when Secrets Manager decrypts through KMS on the caller's behalf, KMS sees the
caller's identity with kms:ViaService and aws:ViaAWSService, but not the caller's network
(aws:SourceIp is absent, as in AWS), so a source-IP condition on kms:Decrypt refuses it."""
import json

import botocore.exceptions
import pytest


def user_with(server, statements):
    iam = server.client("iam")
    iam.create_user(UserName="reader")
    iam.put_user_policy(UserName="reader", PolicyName="p", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    return server.client("secretsmanager", key_id=key["AccessKeyId"], secret=key["SecretAccessKey"])


def secret_under_customer_key(server):
    key = server.client("kms").create_key()["KeyMetadata"]["KeyId"]
    server.client("secretsmanager").create_secret(Name="s", SecretString="value", KmsKeyId=key)


LOOPBACK = {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}
READ = {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": LOOPBACK}


def test_a_source_ip_condition_on_kms_refuses_the_forward_call(server):
    secret_under_customer_key(server)
    reader = user_with(server, [READ, {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
                                       "Condition": LOOPBACK}])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        reader.get_secret_value(SecretId="s")
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "KMS" in e.value.response["Error"]["Message"]


def test_via_aws_service_is_how_such_a_policy_allows_it(server):
    secret_under_customer_key(server)
    reader = user_with(server, [READ, {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
                                       "Condition": {"Bool": {"aws:ViaAWSService": "true"},
                                                     "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}}])
    assert reader.get_secret_value(SecretId="s")["SecretString"] == "value"
