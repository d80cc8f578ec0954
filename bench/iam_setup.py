"""Prepares the IAM workload on a target: a user whose access to ListUsers depends on ten
attached customer managed policies (nine about other things, with conditions and a deny, and
one that allows listing users). Prints the user's access key (id and secret, one per line).

usage: iam_setup.py ENDPOINT ACCESS_KEY_ID SECRET_ACCESS_KEY
"""

import json
import sys

import boto3

endpoint, key_id, secret = sys.argv[1:4]
iam = boto3.client(
    "iam", endpoint_url=endpoint, region_name="us-east-1",
    aws_access_key_id=key_id, aws_secret_access_key=secret,
)
iam.create_user(UserName="lister", Path="/bench/")
for i in range(10):
    if i == 9:
        statements = [
            {"Effect": "Allow", "Action": ["iam:ListUsers", "iam:GetUser"], "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"},
        ]
    else:
        statements = [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": f"arn:aws:s3:::bench-bucket-{i}/${{aws:username}}/*",
                "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}},
            },
            {
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:EncryptionContext:team": f"team-{i}"}},
            },
        ]
    arn = iam.create_policy(
        PolicyName=f"bench-policy-{i}",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )["Policy"]["Arn"]
    iam.attach_user_policy(UserName="lister", PolicyArn=arn)
key = iam.create_access_key(UserName="lister")["AccessKey"]
print(key["AccessKeyId"])
print(key["SecretAccessKey"])
