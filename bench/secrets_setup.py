"""Prepares a target for the Secrets Manager, SSM and mixed workloads: a secret of 256
characters and a SecureString parameter, both under the AWS managed keys; prints the secret's
ARN and the parameter's name, one per line."""

import sys

import boto3

endpoint, key_id, secret = sys.argv[1:4]
session = dict(endpoint_url=endpoint, region_name="us-east-1",
               aws_access_key_id=key_id, aws_secret_access_key=secret)
arn = boto3.client("secretsmanager", **session).create_secret(
    Name="bench/secret", SecretString="s" * 256)["ARN"]
boto3.client("ssm", **session).put_parameter(
    Name="/bench/parameter", Value="p" * 256, Type="SecureString")
print(arn)
print("/bench/parameter")
