#!/usr/bin/env python3
"""Signs a set of varied requests with botocore's own SigV4 signers and writes them to
botocore_fixtures.json, which tests/botocore_fixtures.rs verifies one by one.

Run with the venv that has botocore: /tmp/venv/bin/python gen_botocore_fixtures.py
The output is deterministic (fixed credentials and time).
"""

import datetime
import json
import os
from urllib.parse import urlsplit

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.utils import percent_encode_sequence

SIGNING_TIME = datetime.datetime(2026, 1, 1, 0, 0, 0, tzinfo=datetime.timezone.utc)
AMZ_DATE = "20260101T000000Z"
ACCESS_KEY = "AKIDFIXTURE0000000001"
SECRET_KEY = "fixture/secret+key/0123456789abcdefghijklmn"
TOKEN = "FwoGZXIvYXdzEFixtureSessionToken//+==AbC"

# botocore reads the signing time through this module-level function.
botocore.auth.get_current_datetime = lambda: SIGNING_TIME.replace(tzinfo=None)


def host_of(url):
    return botocore.auth._host_from_url(url)


def case(name, signer_cls, service, method, url, headers=(), body=b"", token=False,
         region="us-east-1", expires=None, context=None):
    creds = Credentials(ACCESS_KEY, SECRET_KEY, TOKEN if token else None)
    if expires is None:
        signer = signer_cls(creds, service, region)
    else:
        signer = signer_cls(creds, service, region, expires=expires)
    req = AWSRequest(method=method, url=url, data=body)
    for k, v in headers:
        # HTTPHeaders keeps repeated names as separate entries.
        req.headers[k] = v
    if context:
        req.context.update(context)
    signer.add_auth(req)
    wire_headers = [[k, v] for k, v in req.headers.items()]
    if not any(k.lower() == "host" for k, _ in wire_headers):
        wire_headers.insert(0, ["Host", host_of(req.url)])
    return {
        "name": name,
        "method": method,
        "url": req.url,
        "headers": wire_headers,
        "body_hex": (body if isinstance(body, bytes) else body.encode()).hex(),
        "access_key_id": ACCESS_KEY,
        "secret_access_key": SECRET_KEY,
        "security_token": TOKEN if token else None,
        "region": region,
        "service": service,
        "now": AMZ_DATE,
        "presigned": expires is not None,
    }


def qs(params):
    return percent_encode_sequence(params)


def main():
    v4, s3, q, s3q = (botocore.auth.SigV4Auth, botocore.auth.S3SigV4Auth,
                      botocore.auth.SigV4QueryAuth, botocore.auth.S3SigV4QueryAuth)
    form = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
    cases = [
        case("sts-get-caller-identity", v4, "sts", "POST", "https://sts.amazonaws.com/", form,
             qs({"Action": "GetCallerIdentity", "Version": "2011-06-15"})),
        case("sts-with-session-token", v4, "sts", "POST", "http://127.0.0.1:4599/", form,
             qs({"Action": "GetCallerIdentity", "Version": "2011-06-15"}), token=True),
        case("iam-list-users-get", v4, "iam", "GET",
             "https://iam.amazonaws.com/?" + qs({"Action": "ListUsers", "Version": "2010-05-08"}),
             form),
        case("iam-unicode-form-body", v4, "iam", "POST", "https://iam.amazonaws.com/", form,
             qs({"Action": "CreateUser", "UserName": "caf\u00e9-\u2713", "Path": "/a b/"})),
        case("kms-json", v4, "kms", "POST", "https://kms.eu-west-1.amazonaws.com/",
             [("Content-Type", "application/x-amz-json-1.1"),
              ("X-Amz-Target", "TrentService.ListKeys")],
             b'{"Limit": 10}', region="eu-west-1"),
        case("non-default-port", v4, "secretsmanager", "POST", "http://localhost:4599/",
             [("Content-Type", "application/x-amz-json-1.1"),
              ("X-Amz-Target", "secretsmanager.ListSecrets")], b"{}"),
        case("dot-segments-and-double-slashes", v4, "execute-api", "GET",
             "https://api.example.com/a/./b/../c//d/"),
        case("encoded-path-double-encoded", v4, "guardduty", "GET",
             "https://guardduty.us-east-1.amazonaws.com/detector/ab%20cd/%E2%9C%93caf%C3%A9"),
        case("tilde-and-reserved-path", v4, "lambda", "GET",
             "https://lambda.us-east-1.amazonaws.com/~user/a-b_c.d/%21%27%28%29%2A"),
        case("repeated-and-bare-query-keys", v4, "execute-api", "GET",
             "https://api.example.com/items?b=2&a=2&a=1&c=&z"),
        case("unicode-query-values", v4, "execute-api", "GET",
             "https://api.example.com/search?" + qs({"q": "caf\u00e9 \u2713", "x y": "a/b+c=d",
                                                      "empty": ""})),
        case("multi-value-and-spaces-headers", v4, "execute-api", "GET",
             "https://api.example.com/",
             [("X-Custom", "  a   b  "), ("X-Custom", "c\t d"), ("X-Other", "single"),
              ("User-Agent", "not-signed/1.0")]),
        case("date-header-instead-of-x-amz-date", v4, "sts", "POST", "https://sts.amazonaws.com/",
             form + [("Date", "Thu, 01 Jan 2026 00:00:00 GMT")],
             qs({"Action": "GetCallerIdentity", "Version": "2011-06-15"})),
        case("s3-put-object", s3, "s3", "PUT",
             "https://bucket.s3.amazonaws.com/dir/my%20key%2Bplus/caf%C3%A9.txt",
             [("Content-Type", "text/plain")], b"hello, world\n"),
        case("s3-no-normalization", s3, "s3", "GET",
             "https://s3.us-east-1.amazonaws.com/bucket/a/./b/../c//d"),
        case("s3-list-objects-query", s3, "s3", "GET",
             "https://bucket.s3.amazonaws.com/?" + qs({"list-type": "2", "prefix": "a/b c",
                                                        "delimiter": "/"})),
        case("s3-bare-acl-query", s3, "s3", "GET", "https://bucket.s3.amazonaws.com/key?acl"),
        case("s3-unsigned-payload", s3, "s3", "PUT", "https://bucket.s3.amazonaws.com/big",
             [("Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww==")], b"hello world",
             context={"client_config": Config(s3={"payload_signing_enabled": False})}),
        case("s3-with-token", s3, "s3", "DELETE", "https://bucket.s3.amazonaws.com/k", token=True),
        case("presigned-sts", q, "sts", "GET",
             "https://sts.amazonaws.com/?" + qs({"Action": "GetCallerIdentity",
                                                 "Version": "2011-06-15"}),
             expires=900),
        case("presigned-sts-with-token", q, "sts", "GET", "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
             token=True, expires=3600),
        case("presigned-s3-get", s3q, "s3", "GET",
             "https://bucket.s3.amazonaws.com/some%20dir/obj.txt", expires=604800),
        case("presigned-s3-put-with-header", s3q, "s3", "PUT",
             "https://bucket.s3.amazonaws.com/upload?x-id=PutObject",
             [("X-Amz-Meta-Owner", "  alice  ")], expires=60),
    ]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "botocore_fixtures.json")
    with open(out, "w") as f:
        json.dump(cases, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
