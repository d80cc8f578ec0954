"""Prepares moto's server for the side-by-side benchmark with its IAM enforcement on.

moto enforces IAM only after its first INITIAL_NO_AUTH_ACTION_COUNT requests; this script spends
those on creating a user with an access key and an allow-everything policy, and prints the key
(id and secret, one per line) that the load generator then signs with.
"""

import json
import sys

import boto3

endpoint = sys.argv[1]
iam = boto3.client(
    "iam", endpoint_url=endpoint, region_name="us-east-1",
    aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap",
)
iam.create_user(UserName="bench")
iam.put_user_policy(
    UserName="bench", PolicyName="all",
    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
)
key = iam.create_access_key(UserName="bench")["AccessKey"]
print(key["AccessKeyId"])
print(key["SecretAccessKey"])
