#!/usr/bin/env python3
"""Wire fixtures for rampart-protocol, made and checked by botocore itself.

    generate  botocore's serializers turn each request case into an HTTP request
              (requests.json) and list output/error cases (outputs.json); the
              parameters are also written in rampart's canonical JSON form.
    check     read the responses rampart encoded for outputs.json and parse them
              with botocore's parsers; every parsed value must equal the expected one.

Documented command (from the repository root):

    /tmp/venv/bin/python crates/rampart-protocol/testdata/fixtures.py generate
    RAMPART_PROTOCOL_ENCODINGS=/tmp/rampart-encodings \\
        cargo test -p rampart-protocol --test fixtures
    /tmp/venv/bin/python crates/rampart-protocol/testdata/fixtures.py check /tmp/rampart-encodings
"""

import base64
import datetime
import json
import os
import sys
import types
import urllib.parse

import botocore.session
from botocore.awsrequest import create_request_object, prepare_request_dict
from botocore.handlers import parse_get_bucket_location
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator

HERE = os.path.dirname(os.path.abspath(__file__))
UTC = datetime.timezone.utc
T1 = datetime.datetime(2015, 1, 1, tzinfo=UTC)
T2 = datetime.datetime(2024, 2, 29, 12, 30, 45, 500000, tzinfo=UTC)
UNICODE = "ünïcødé ✓ 日本語 & <xml> \"quotes\""

# (service, operation, params)
REQUESTS = [
    ("sts", "GetCallerIdentity", {}),
    ("sts", "AssumeRole", {
        "RoleArn": "arn:aws:iam::123456789012:role/demo", "RoleSessionName": "s-1",
        "DurationSeconds": 900, "ExternalId": "ext",
        "Policy": '{"Version":"2012-10-17","Statement":[]}',
        "Tags": [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": UNICODE}],
        "TransitiveTagKeys": ["k1"], "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
    }),
    ("sts", "AssumeRole", {"RoleArn": "arn:aws:iam::123456789012:role/demo", "RoleSessionName": "ss", "PolicyArns": []}),
    ("sts", "GetSessionToken", {"DurationSeconds": 3600, "SerialNumber": "arn:aws:iam::123456789012:mfa/u", "TokenCode": "123456"}),
    ("sts", "AssumeRoleWithWebIdentity", {"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "web", "WebIdentityToken": "a.b.c"}),
    ("iam", "CreateUser", {"UserName": "alice", "Path": "/eng/", "Tags": [{"Key": "team", "Value": "blue"}]}),
    ("iam", "ListUsers", {"PathPrefix": "/eng/", "MaxItems": 10, "Marker": "m+/="}),
    ("iam", "PutUserPolicy", {"UserName": "alice", "PolicyName": "p", "PolicyDocument": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'}),
    ("iam", "SimulatePrincipalPolicy", {
        "PolicySourceArn": "arn:aws:iam::123456789012:user/alice", "ActionNames": ["s3:GetObject", "s3:PutObject"],
        "ResourceArns": ["arn:aws:s3:::b/*"],
        "ContextEntries": [{"ContextKeyName": "aws:CurrentTime", "ContextKeyValues": ["2015-01-01T00:00:00Z"], "ContextKeyType": "date"}],
    }),
    ("iam", "UpdateAccountPasswordPolicy", {"MinimumPasswordLength": 12, "RequireSymbols": True, "RequireNumbers": False}),
    ("iam", "UploadServerCertificate", {"ServerCertificateName": "c", "CertificateBody": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "PrivateKey": "k"}),
    ("iam", "CreateOpenIDConnectProvider", {"Url": "https://example.com", "ClientIDList": ["a", "b"], "ThumbprintList": ["0" * 40]}),
    ("elbv2", "DescribeLoadBalancers", {"Names": ["a", "b"], "PageSize": 5}),
    ("kms", "Encrypt", {"KeyId": "alias/k", "Plaintext": b"\x00\x01secret\xff", "EncryptionContext": {"a": "b", "c": UNICODE}, "GrantTokens": []}),
    ("kms", "CreateKey", {"Description": UNICODE, "KeyUsage": "ENCRYPT_DECRYPT", "Tags": [{"TagKey": "k", "TagValue": "v"}], "MultiRegion": True}),
    ("kms", "ListKeys", {"Limit": 100}),
    ("kms", "Sign", {"KeyId": "k", "Message": b"hello", "SigningAlgorithm": "ECDSA_SHA_256", "MessageType": "RAW"}),
    ("cloudtrail", "LookupEvents", {"StartTime": T1, "EndTime": T2, "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}], "MaxResults": 50}),
    ("cloudtrail", "CreateTrail", {"Name": "t", "S3BucketName": "b", "IsMultiRegionTrail": True, "TagsList": [{"Key": "k", "Value": "v"}]}),
    ("organizations", "CreateAccount", {"Email": "a@example.com", "AccountName": "dev", "Tags": [{"Key": "k", "Value": "v"}]}),
    ("organizations", "CreatePolicy", {"Content": "{}", "Description": "d", "Name": "n", "Type": "SERVICE_CONTROL_POLICY"}),
    ("secretsmanager", "CreateSecret", {"Name": "s", "SecretBinary": b"\x00bin", "ClientRequestToken": "a" * 32, "AddReplicaRegions": [{"Region": "eu-west-1"}]}),
    ("ssm", "PutParameter", {"Name": "/a/b", "Value": UNICODE, "Type": "SecureString", "Overwrite": True, "Tags": [{"Key": "k", "Value": "v"}]}),
    ("ssm", "GetParametersByPath", {"Path": "/a", "Recursive": True, "ParameterFilters": [{"Key": "Type", "Values": ["String"]}]}),
    ("events", "PutEvents", {"Entries": [{"Source": "s", "DetailType": "d", "Detail": "{}", "Time": T2, "Resources": []}]}),
    ("guardduty", "CreateDetector", {"Enable": True, "FindingPublishingFrequency": "SIX_HOURS", "Tags": {"k": "v", "u": UNICODE}}),
    ("guardduty", "GetFindings", {"DetectorId": "det1", "FindingIds": ["f1", "f2"], "SortCriteria": {"AttributeName": "severity", "OrderBy": "DESC"}}),
    ("guardduty", "ListDetectors", {"MaxResults": 10, "NextToken": "t/+="}),
    ("guardduty", "ListFindings", {"DetectorId": "det 1", "FindingCriteria": {"Criterion": {"severity": {"Gte": 4}}}, "MaxResults": 5}),
    ("guardduty", "TagResource", {"ResourceArn": "arn:aws:guardduty:us-east-1:123456789012:detector/d", "Tags": {"a": "b"}}),
    ("guardduty", "UntagResource", {"ResourceArn": "arn:aws:guardduty:us-east-1:123456789012:detector/d", "TagKeys": ["a", "b c"]}),
    ("securityhub", "GetFindings", {"Filters": {"CreatedAt": [{"Start": "2015-01-01T00:00:00Z", "End": "2016-01-01T00:00:00Z"}]}, "MaxResults": 10}),
    ("accessanalyzer", "CreateAnalyzer", {"analyzerName": "a", "type": "ACCOUNT", "tags": {"k": "v"}, "clientToken": "tok"}),
    ("s3", "CreateBucket", {"Bucket": "bkt", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}),
    ("s3", "ListObjectsV2", {"Bucket": "bkt", "Prefix": "a/b", "MaxKeys": 10, "Delimiter": "/"}),
    ("s3", "PutObject", {"Bucket": "bkt", "Key": "dir/ü file+.txt", "Body": b"hello", "ContentType": "text/plain", "Metadata": {"m1": "v1"}, "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "k"}),
    ("s3", "GetObject", {"Bucket": "bkt", "Key": "k", "Range": "bytes=0-1", "IfModifiedSince": T1}),
    ("s3", "PutBucketTagging", {"Bucket": "bkt", "Tagging": {"TagSet": [{"Key": "k", "Value": UNICODE}, {"Key": "k2", "Value": ""}]}}),
    ("s3", "PutBucketPolicy", {"Bucket": "bkt", "Policy": '{"Version":"2012-10-17","Statement":[]}'}),
    ("s3", "DeleteObjects", {"Bucket": "bkt", "Delete": {"Objects": [{"Key": "a"}, {"Key": "b", "VersionId": "v"}], "Quiet": True}}),
    ("s3", "PutPublicAccessBlock", {"Bucket": "bkt", "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": False}}),
    ("s3", "CopyObject", {"Bucket": "bkt", "Key": "dst", "CopySource": "src/key"}),
    ("shield", "CreateProtection", {"Name": "p", "ResourceArn": "arn:aws:cloudfront::123456789012:distribution/d", "Tags": [{"Key": "k", "Value": "v"}]}),
    ("shield", "ListProtections", {"MaxResults": 5, "InclusionFilters": {"ResourceTypes": ["CLOUDFRONT_DISTRIBUTION"]}}),
    ("shield", "DescribeAttackStatistics", {}),
    ("shield", "ListAttacks", {"StartTime": {"FromInclusive": T1, "ToExclusive": T2}, "MaxResults": 3}),
    ("acm-pca", "IssueCertificate", {"CertificateAuthorityArn": "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/x", "Csr": b"-----BEGIN CERTIFICATE REQUEST-----", "SigningAlgorithm": "SHA256WITHRSA", "Validity": {"Value": 365, "Type": "DAYS"}}),
    ("fms", "ListPolicies", {"MaxResults": 10}),
    ("network-firewall", "ListFirewalls", {"VpcIds": ["vpc-1"], "MaxResults": 10}),
    ("s3", "GetObjectAttributes", {"Bucket": "bkt", "Key": "k", "ObjectAttributes": ["ETag", "ObjectSize"], "MaxParts": 3}),
    ("s3", "HeadObject", {"Bucket": "bkt", "Key": "a/b/c", "IfUnmodifiedSince": T2.replace(microsecond=0), "VersionId": "v1"}),
    ("s3", "ListObjectsV2", {"Bucket": "bkt", "OptionalObjectAttributes": ["RestoreStatus"], "FetchOwner": True}),
    ("s3", "PutBucketAcl", {"Bucket": "bkt", "AccessControlPolicy": {
        "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "abc"}, "Permission": "READ"},
                   {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "WRITE"}],
        "Owner": {"ID": "abc"}}}),
    ("s3", "PutBucketLifecycleConfiguration", {"Bucket": "bkt", "LifecycleConfiguration": {"Rules": [
        {"ID": "r1", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Date": T1}},
        {"ID": "r2", "Status": "Disabled", "Filter": {"And": {"Prefix": "p", "Tags": [{"Key": "a", "Value": "b"}]}},
         "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}]},
    ]}}),
    ("s3", "CompleteMultipartUpload", {"Bucket": "bkt", "Key": "k", "UploadId": "u+/=", "MultipartUpload": {
        "Parts": [{"ETag": "\"e1\"", "PartNumber": 1}, {"ETag": "\"e2\"", "PartNumber": 2}]}}),
    ("s3", "PutObjectTagging", {"Bucket": "bkt", "Key": "k", "Tagging": {"TagSet": []}}),
    ("s3", "ListBuckets", {}),
    # Older clients speak awsJson to the services botocore now serves with CBOR.
    ("network-firewall", "ListFirewalls", {"VpcIds": ["vpc-1"], "MaxResults": 10}, "json"),
    ("shield", "ListAttacks", {"StartTime": {"FromInclusive": T1}, "MaxResults": 3}, "json"),
]

# (service, operation, canonical output) — rampart encodes, botocore parses.
OUTPUTS = [
    ("sts", "GetCallerIdentity", {"UserId": "AIDA", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/alice"}),
    ("sts", "AssumeRole", {
        "Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": 1420070400},
        "AssumedRoleUser": {"AssumedRoleId": "AROA:s", "Arn": "arn:aws:sts::123456789012:assumed-role/r/s"},
        "PackedPolicySize": 6, "SourceIdentity": UNICODE,
    }),
    ("iam", "ListUsers", {"Users": [
        {"Path": "/", "UserName": "a", "UserId": "AIDA1", "Arn": "arn:aws:iam::123456789012:user/a", "CreateDate": 1709209845.5,
         "Tags": [{"Key": "k", "Value": "v"}]},
        {"Path": "/", "UserName": "b", "UserId": "AIDA2", "Arn": "arn:aws:iam::123456789012:user/b", "CreateDate": 1420070400},
    ], "IsTruncated": False}),
    ("iam", "ListUsers", {"Users": [], "IsTruncated": True, "Marker": "m"}),
    ("iam", "GetAccountSummary", {"SummaryMap": {"Users": 3, "Groups": 0}}),
    ("iam", "SimulatePrincipalPolicy", {"EvaluationResults": [{"EvalActionName": "s3:GetObject", "EvalDecision": "allowed",
        "MatchedStatements": [], "MissingContextValues": ["aws:SourceIp"], "EvalDecisionDetails": {"x": "allowed"}}], "IsTruncated": False}),
    ("iam", "DeleteUser", {}),
    ("elbv2", "DescribeLoadBalancers", {"LoadBalancers": [{"LoadBalancerName": "lb", "CreatedTime": 1420070400, "AvailabilityZones": [{"ZoneName": "a"}]}]}),
    ("kms", "Encrypt", {"CiphertextBlob": base64.b64encode(b"\x01\x02\x03").decode(), "KeyId": "arn:aws:kms:us-east-1:123456789012:key/k", "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
    ("kms", "DescribeKey", {"KeyMetadata": {"KeyId": "k", "CreationDate": 1709209845.5, "Enabled": True, "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"], "MultiRegion": False}}),
    ("cloudtrail", "LookupEvents", {"Events": [{"EventId": "e", "EventName": "CreateUser", "EventTime": 1420070400, "Resources": [{"ResourceType": "t", "ResourceName": "n"}], "CloudTrailEvent": "{}"}]}),
    ("organizations", "DescribeOrganization", {"Organization": {"Id": "o-abc", "MasterAccountId": "123456789012", "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]}}),
    ("secretsmanager", "GetSecretValue", {"ARN": "a", "Name": "n", "SecretBinary": base64.b64encode(b"\x00\xff").decode(), "VersionStages": ["AWSCURRENT"], "CreatedDate": 1709209845.5}),
    ("guardduty", "CreateDetector", {"DetectorId": "d1"}),
    ("guardduty", "GetDetector", {"CreatedAt": "2015-01-01T00:00:00Z", "ServiceRole": "r", "Status": "ENABLED", "Tags": {"k": "v"}}),
    ("guardduty", "ListDetectors", {"DetectorIds": ["a", "b"], "NextToken": "n"}),
    ("s3", "ListBuckets", {"Buckets": [{"Name": "a", "CreationDate": 1420070400}, {"Name": "b", "CreationDate": 1709209845.5}], "Owner": {"ID": "o", "DisplayName": "d"}}),
    ("s3", "ListObjectsV2", {"IsTruncated": False, "Contents": [{"Key": "a/b", "Size": 5, "ETag": "\"e\"", "LastModified": 1420070400, "StorageClass": "STANDARD"}], "Name": "bkt", "Prefix": "a", "KeyCount": 1, "CommonPrefixes": [{"Prefix": "a/"}]}),
    ("s3", "GetBucketTagging", {"TagSet": [{"Key": "k", "Value": UNICODE}]}),
    ("s3", "GetObject", {"Body": base64.b64encode(b"hello").decode(), "ContentType": "text/plain", "ContentLength": 5, "ETag": "\"e\"", "LastModified": 1420070400, "Metadata": {"m1": "v1"}, "ServerSideEncryption": "aws:kms"}),
    ("s3", "PutObject", {"ETag": "\"e\"", "VersionId": "v1"}),
    ("s3", "GetBucketPolicy", {"Policy": '{"Version":"2012-10-17"}'}),
    ("s3", "GetBucketLocation", {"LocationConstraint": "eu-west-1"}),
    ("shield", "CreateProtection", {"ProtectionId": "p1"}),
    ("shield", "ListAttacks", {"AttackSummaries": [{"AttackId": "a", "StartTime": 1420070400, "EndTime": 1709209845.5, "AttackVectors": [{"VectorType": "SYN_FLOOD"}]}]}),
    ("acm-pca", "GetCertificate", {"Certificate": "c", "CertificateChain": "cc"}),
    ("s3", "HeadObject", {"ContentLength": 5, "LastModified": 1709209845, "Metadata": {"a": "b", "c-d": "e"}, "ETag": "\"e\"",
                          "ContentType": "text/plain", "DeleteMarker": False, "MissingMeta": 2}),
    ("s3", "GetBucketAcl", {"Owner": {"ID": "abc", "DisplayName": "me"}, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": "abc"}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}]}),
    ("s3", "ListObjectVersions", {"IsTruncated": False, "Versions": [{"Key": "k", "VersionId": "v1", "IsLatest": True, "LastModified": 1420070400, "Size": 1}],
                                  "DeleteMarkers": [{"Key": "k", "VersionId": "v0", "IsLatest": False, "LastModified": 1420070400}], "Name": "bkt"}),
    ("s3", "GetBucketLifecycleConfiguration", {"Rules": [{"ID": "r1", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Date": "2015-01-01T00:00:00Z"}}]}),
    ("s3", "DeleteObjects", {"Deleted": [{"Key": "a"}], "Errors": [{"Key": "b", "Code": "AccessDenied", "Message": "no"}]}),
    ("s3", "CompleteMultipartUpload", {"Location": "l", "Bucket": "bkt", "Key": "k", "ETag": "\"e\"", "VersionId": "v"}),
    ("iam", "GetAccountAuthorizationDetails", {"UserDetailList": [{"UserName": "a", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": "{}"}],
                                               "GroupList": ["g1", "g2"], "CreateDate": 1420070400}], "IsTruncated": False}),
    ("network-firewall", "ListFirewalls", {"Firewalls": [{"FirewallName": "f", "FirewallArn": "a"}], "NextToken": "n"}),
]

# (service, operation, code, status, message)
ERRORS = [
    ("sts", "AssumeRole", "AccessDenied", 403, "User is not authorized to perform: sts:AssumeRole"),
    ("iam", "GetUser", "NoSuchEntity", 404, "The user with name x cannot be found."),
    ("kms", "Encrypt", "NotFoundException", 400, "Key 'x' does not exist"),
    ("organizations", "CreateAccount", "ConstraintViolationException", 400, "limit"),
    ("guardduty", "GetDetector", "BadRequestException", 400, UNICODE),
    ("s3", "GetObject", "NoSuchKey", 404, "The specified key does not exist."),
    ("shield", "CreateProtection", "ResourceAlreadyExistsException", 400, "exists"),
]


# Every operation of every embedded service gets generated request and output fixtures.
GENERATED_SERVICES = (
    "sts iam organizations kms secretsmanager ssm acm acm-pca wafv2 cloudtrail events guardduty "
    "securityhub config accessanalyzer macie2 shield fms elbv2 s3 inspector2 detective network-firewall"
).split()
# Operations botocore does not parse with the plain model (event streams, handlers).
GENERATED_SKIP = {("s3", "SelectObjectContent"), ("s3", "GetBucketLocation"),
                  # Its input binds the endpoint host prefix, which rampart does not decode.
                  ("s3", "WriteGetObjectResponse"),
                  # Same method and URI as the current operation, which rampart routes to.
                  ("s3", "GetBucketLifecycle"), ("s3", "PutBucketLifecycle"),
                  ("s3", "GetBucketNotification"), ("s3", "PutBucketNotification"),
                  ("s3", "ListDirectoryBuckets")}
T3 = datetime.datetime(2023, 6, 30, 8, 15, 0, tzinfo=UTC)


class Generator:
    """Fills a shape with valid, varied example values (depth-limited)."""

    def __init__(self, max_depth=4):
        self.max_depth = max_depth
        self.counter = 0

    def string(self, shape, ascii_only):
        if shape.enum:
            return shape.enum[self.counter % len(shape.enum)]
        self.counter += 1
        base = f"v{self.counter}" if ascii_only else f"v{self.counter}-ü/+ &"
        lo = shape.metadata.get("min", 1)
        hi = shape.metadata.get("max", 64)
        if len(base) < lo:
            base = base + "x" * (lo - len(base))
        return base[: max(hi, 1)]

    def value(self, shape, depth=0, location=None):
        kind = shape.type_name
        ascii_only = location in ("header", "headers", "uri")
        if kind == "structure":
            if shape.is_document_type:
                return {"a": [1, "x", True], "b": {"c": None}}
            members = shape.members
            names = list(members)
            if shape.is_tagged_union:
                names = names[:1]
            elif depth >= self.max_depth:
                names = [n for n in names if n in shape.required_members]
            out = {}
            for name in names:
                member = members[name]
                if member.serialization.get("eventstream") or getattr(member, "is_event_stream", False):
                    continue
                if member.type_name == "structure" and member.serialization.get("eventstream"):
                    continue
                out[name] = self.value(member, depth + 1, member.serialization.get("location", location if depth == 0 else None))
            return out
        if kind == "list":
            if depth > self.max_depth * 2:
                return []  # recursive shapes stop here (validation may then skip the case)
            count = 2 if depth < self.max_depth else 1
            lo = shape.metadata.get("min", 0)
            count = max(count, lo)
            return [self.value(shape.member, depth + 1, location) for _ in range(count)]
        if kind == "map":
            out = {}
            if depth > self.max_depth * 2:
                return out
            for _ in range(2 if shape.key.enum or depth < self.max_depth else 1):
                key = self.string(shape.key, True)
                out[key] = self.value(shape.value, depth + 1, location)
            return out
        if kind == "string":
            return self.string(shape, ascii_only)
        if kind in ("integer", "long", "short", "byte"):
            lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
            value = 7
            if lo is not None and value < lo:
                value = int(lo)
            if hi is not None and value > hi:
                value = int(hi)
            return value
        if kind in ("float", "double"):
            return 1.5
        if kind == "boolean":
            return True
        if kind == "timestamp":
            return T3
        if kind == "blob":
            return b"\x00\x01bin\xff"
        raise SystemExit(f"unexpected shape type {kind}")


def generated_cases(session):
    requests, outputs = [], []
    for service in GENERATED_SERVICES:
        model = session.get_service_model(service)
        for operation in model.operation_names:
            if (service, operation) in GENERATED_SKIP:
                continue
            op = model.operation_model(operation)
            if op.input_shape is not None:
                params = Generator().value(op.input_shape)
                if not ParamValidator().validate(params, op.input_shape).has_errors():
                    requests.append((service, operation, params))
            if op.output_shape is not None and not op.has_event_stream_output:
                outputs.append((service, operation, canonical(Generator().value(op.output_shape))))
    return requests, outputs


def query_visible(value):
    """What survives awsQuery encoding: empty structures and maps send no keys
    (an empty list sends `Name=`)."""
    if isinstance(value, dict):
        kept = {k: v for k, v in ((k, query_visible(v)) for k, v in value.items()) if v is not None}
        return kept or None
    if isinstance(value, list):
        kept = [v for v in (query_visible(v) for v in value) if v is not None]
        return kept if kept or not value else None
    return value


def canonical(value):
    """rampart's canonical JSON form of a botocore parameter value."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, datetime.datetime):
        seconds = value.timestamp()
        return int(seconds) if seconds == int(seconds) else seconds
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    return value


def expected_parsed(shape, value):
    """What botocore's parser should return for a canonical value of `shape`."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure":
        return {k: expected_parsed(shape.members.get(k), v) for k, v in value.items()}
    if kind == "list":
        return [expected_parsed(shape.member, v) for v in value]
    if kind == "map":
        return {k: expected_parsed(shape.value, v) for k, v in value.items()}
    if kind == "timestamp":
        if isinstance(value, str):
            return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return datetime.datetime.fromtimestamp(value, UTC)
    if kind == "blob":
        return base64.b64decode(value)
    return value


def protocol_of(model):
    return model.metadata["protocol"]


def generate():
    session = botocore.session.get_session()
    generated_requests, generated_outputs = generated_cases(session)
    write("requests.json", serialize_requests(session, REQUESTS))
    write("generated-requests.json", serialize_requests(session, generated_requests))
    outputs = [{"service": s, "operation": o, "output": out} for s, o, out in OUTPUTS + generated_outputs]
    errors = [{"service": s, "operation": o, "code": c, "status": st, "message": m} for s, o, c, st, m in ERRORS]
    write("outputs.json", {"outputs": outputs, "errors": errors})


def serialize_requests(session, cases):
    requests = []
    for service, operation, params, *override in cases:
        model = session.get_service_model(service)
        op = model.operation_model(operation)
        report = ParamValidator().validate(params, op.input_shape)
        if report.has_errors():
            raise SystemExit(f"{service}.{operation}: {report.generate_report()}")
        protocol = override[0] if override else protocol_of(model)
        request = create_serializer(protocol, include_validation=False).serialize_to_request(params, op)
        prepare_request_dict(request, "https://example.amazonaws.com")
        prepared = create_request_object(request).prepare()
        body = prepared.body or b""
        if isinstance(body, str):
            body = body.encode()
        if hasattr(body, "read"):
            body = body.read()
        parts = urllib.parse.urlsplit(prepared.url)
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        expected = canonical(params)
        if protocol == "query":
            expected = query_visible(expected) or {}
        # Content-Length is added when the request is prepared; S3 models bind it.
        for name, member in op.input_shape.members.items() if op.input_shape else []:
            header = member.serialization.get("name", "")
            if (member.serialization.get("location") == "header" and header.lower() == "content-length"
                    and name not in expected and header in prepared.headers):
                expected[name] = int(prepared.headers[header])
        requests.append({
            "service": service,
            "operation": operation,
            "protocol": protocol,
            "signing_name": model.signing_name,
            "method": prepared.method,
            "uri": url or "/",
            "headers": {k: v.decode() if isinstance(v, bytes) else v for k, v in prepared.headers.items()},
            "body_base64": base64.b64encode(body).decode(),
            "params": expected,
        })
    return requests


def write(name, value):
    """Writes JSON with one case per line (compact, yet diff-friendly)."""
    def line(v):
        return json.dumps(v, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def block(items):
        return "[\n" + ",\n".join(line(v) for v in items) + "\n]"

    if isinstance(value, list):
        text = block(value)
    else:
        text = "{\n" + ",\n".join(f"{line(k)}:{block(v)}" for k, v in sorted(value.items())) + "\n}"
    json.loads(text)
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        f.write(text + "\n")


def parse(model, op, encoded, shape):
    protocol = protocol_of(model)
    response = {
        "status_code": encoded["status"],
        "headers": botocore.awsrequest.HeadersDict(encoded["headers"]),
        "body": base64.b64decode(encoded["body_base64"]),
    }
    if shape is not None and shape.serialization.get("payload"):
        payload = shape.members[shape.serialization["payload"]]
        if payload.type_name == "blob":
            import io
            from botocore.response import StreamingBody
            raw = response["body"]
            response["body"] = StreamingBody(io.BytesIO(raw), len(raw))
    return create_parser(protocol).parse(response, shape)


def check(directory):
    session = botocore.session.get_session()
    failures = 0
    with open(os.path.join(HERE, "outputs.json"), encoding="utf-8") as f:
        cases = json.load(f)
    for i, case in enumerate(cases["outputs"]):
        model = session.get_service_model(case["service"])
        op = model.operation_model(case["operation"])
        with open(os.path.join(directory, f"output-{i}.json"), encoding="utf-8") as f:
            encoded = json.load(f)
        parsed = parse(model, op, encoded, op.output_shape)
        if (case["service"], case["operation"]) == ("s3", "GetBucketLocation"):
            # botocore parses this one with a handler instead of the model.
            raw = types.SimpleNamespace(raw=True, content=base64.b64decode(encoded["body_base64"]))
            parse_get_bucket_location(parsed, raw)
        parsed.pop("ResponseMetadata", None)
        for key, value in list(parsed.items()):
            if hasattr(value, "read"):
                parsed[key] = value.read()
        want = expected_parsed(op.output_shape, case["output"])
        if parsed != want:
            failures += 1
            print(f"FAIL output {i} {case['service']}.{case['operation']}:\n  got  {parsed!r}\n  want {want!r}")
    for i, case in enumerate(cases["errors"]):
        model = session.get_service_model(case["service"])
        op = model.operation_model(case["operation"])
        with open(os.path.join(directory, f"error-{i}.json"), encoding="utf-8") as f:
            encoded = json.load(f)
        parsed = create_parser(protocol_of(model)).parse({
            "status_code": encoded["status"],
            "headers": botocore.awsrequest.HeadersDict(encoded["headers"]),
            "body": base64.b64decode(encoded["body_base64"]),
        }, op.output_shape)
        err = parsed.get("Error", {})
        meta = parsed.get("ResponseMetadata", {})
        ok = (err.get("Code") == case["code"] and err.get("Message") == case["message"]
              and meta.get("RequestId") == "req-1" and encoded["status"] == case["status"])
        if not ok:
            failures += 1
            print(f"FAIL error {i} {case['service']}: {parsed!r}")
    total = len(cases["outputs"]) + len(cases["errors"])
    print(f"{total - failures}/{total} encodings parse as expected")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "generate":
        generate()
    elif len(sys.argv) >= 3 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2]))
    else:
        print(__doc__)
        sys.exit(2)
