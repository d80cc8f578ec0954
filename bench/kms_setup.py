"""Prepares a target for the KMS workloads: creates a symmetric key and encrypts 256 bytes under
it, then prints the key id and the ciphertext (base64), one per line."""

import base64
import sys

import boto3

endpoint, key_id, secret = sys.argv[1:4]
kms = boto3.client(
    "kms", endpoint_url=endpoint, region_name="us-east-1",
    aws_access_key_id=key_id, aws_secret_access_key=secret,
)
key = kms.create_key(Description="rampart benchmark")["KeyMetadata"]["KeyId"]
blob = kms.encrypt(KeyId=key, Plaintext=b"r" * 256)["CiphertextBlob"]
print(key)
print(base64.b64encode(blob).decode())
