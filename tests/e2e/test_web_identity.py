"""AssumeRoleWithWebIdentity with real clients against a small local OpenID Connect issuer:
rampart discovers the issuer's keys over HTTPS (trusting its self-signed certificate only by
the thumbprint registered with IAM), verifies the token, and lets the role's trust policy
decide with the provider's condition keys."""

import base64
import datetime
import hashlib
import http.server
import json
import ssl
import threading
import time

import boto3
import botocore
import botocore.exceptions
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Issuer:
    """An HTTPS OpenID Connect issuer on 127.0.0.1 with one RSA signing key."""

    def __init__(self, tmp_path):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        tls_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test issuer")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(tls_key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=1))
                .sign(tls_key, hashes.SHA256()))
        der = cert.public_bytes(serialization.Encoding.DER)
        self.thumbprint = hashlib.sha1(der).hexdigest()
        (tmp_path / "issuer.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (tmp_path / "issuer.key").write_bytes(tls_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        issuer = self
        numbers = self.key.public_key().public_numbers()
        jwks = {"keys": [{
            "kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
            "n": b64url(numbers.n.to_bytes(256, "big")), "e": b64url(numbers.e.to_bytes(3, "big")),
        }]}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": issuer.url, "jwks_uri": issuer.url + "/keys"}
                elif self.path == "/keys":
                    body = jwks
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tmp_path / "issuer.crt", tmp_path / "issuer.key")
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.url = f"https://{self.host}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, sub="repo:acme/app:ref:refs/heads/main", aud="sts.amazonaws.com", lifetime=300, kid="k1"):
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "kid": kid}
        claims = {"iss": self.url, "sub": sub, "aud": aud, "iat": now, "exp": now + lifetime}
        signing = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        signature = self.key.sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing}.{b64url(signature)}"


@pytest.fixture
def issuer(tmp_path):
    issuer = Issuer(tmp_path)
    yield issuer
    issuer.server.shutdown()


def unsigned_sts(server):
    """An STS client with no credentials at all, as a CI job before it has any."""
    return boto3.client(
        "sts", endpoint_url=server.endpoint, region_name="us-east-1",
        config=botocore.config.Config(signature_version=botocore.UNSIGNED, retries={"max_attempts": 1}),
    )


def setup_role(server, issuer, thumbprint=None):
    iam = server.client("iam")
    provider = iam.create_open_id_connect_provider(
        Url=issuer.url, ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=[thumbprint or issuer.thumbprint])["OpenIDConnectProviderArn"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {f"{issuer.host}:aud": "sts.amazonaws.com"},
            "StringLike": {f"{issuer.host}:sub": "repo:acme/app:*"},
        },
    }]}
    role = iam.create_role(RoleName="ci-deploy", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.attach_role_policy(RoleName="ci-deploy", PolicyArn="arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser")
    return provider, role


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response["Error"]


def test_a_ci_job_trades_its_oidc_token_for_a_role_session(server, issuer):
    provider, role = setup_role(server, issuer)
    out = unsigned_sts(server).assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="build-42", WebIdentityToken=issuer.token())
    assert out["SubjectFromWebIdentityToken"] == "repo:acme/app:ref:refs/heads/main"
    assert out["Provider"] == provider
    assert out["Audience"] == "sts.amazonaws.com"
    assert out["AssumedRoleUser"]["Arn"].endswith(":assumed-role/ci-deploy/build-42")
    credentials = out["Credentials"]
    kms = server.client("kms", key_id=credentials["AccessKeyId"], secret=credentials["SecretAccessKey"],
                        token=credentials["SessionToken"])
    assert "Keys" in kms.list_keys()


def test_the_cli_does_it_too(server, issuer):
    _, role = setup_role(server, issuer)
    _, out, _ = server.aws("sts", "assume-role-with-web-identity", "--role-arn", role["Arn"],
                           "--role-session-name", "cli", "--web-identity-token", issuer.token())
    assert out["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_tokens_the_trust_policy_or_provider_reject_are_refused(server, issuer):
    _, role = setup_role(server, issuer)
    sts = unsigned_sts(server)
    assume = lambda token: sts.assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="s1", WebIdentityToken=token)
    err = error_of(lambda: assume(issuer.token(sub="repo:evil/app:ref:main")))
    assert (err["Code"], err["Message"]) == ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
    err = error_of(lambda: assume(issuer.token(aud="someone-else")))
    assert (err["Code"], err["Message"]) == ("InvalidIdentityToken", "Incorrect token audience")
    err = error_of(lambda: assume(issuer.token(lifetime=-10)))
    assert err["Code"] == "ExpiredTokenException"
    token = issuer.token()
    head, body, signature = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(body + "=="))
    forged["sub"] = "repo:acme/app:ref:refs/heads/release"
    err = error_of(lambda: assume(f"{head}.{b64url(json.dumps(forged).encode())}.{signature}"))
    assert err["Code"] == "InvalidIdentityToken"


def test_an_issuer_whose_certificate_is_not_pinned_is_not_trusted(server, issuer):
    _, role = setup_role(server, issuer, thumbprint="0" * 40)
    err = error_of(lambda: unsigned_sts(server).assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="s1", WebIdentityToken=issuer.token()))
    assert err["Code"] == "IDPCommunicationError"


def test_cloudtrail_names_the_web_identity_user(server, issuer):
    provider, role = setup_role(server, issuer)
    unsigned_sts(server).assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="build-42", WebIdentityToken=issuer.token())
    trail = server.client("cloudtrail")
    found = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AssumeRoleWithWebIdentity"}])
    identity = json.loads(found["Events"][0]["CloudTrailEvent"])["userIdentity"]
    subject = "repo:acme/app:ref:refs/heads/main"
    assert identity == {
        "type": "WebIdentityUser",
        "principalId": f"{provider}:sts.amazonaws.com:{subject}",
        "userName": subject,
        "identityProvider": provider,
    }


def test_cloudtrail_names_the_provider_of_a_web_identity_session(server, issuer):
    provider, role = setup_role(server, issuer)
    credentials = unsigned_sts(server).assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="build-43", WebIdentityToken=issuer.token())["Credentials"]
    server.client("sts", key_id=credentials["AccessKeyId"], secret=credentials["SecretAccessKey"],
                  token=credentials["SessionToken"]).get_caller_identity()
    found = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "GetCallerIdentity"}])["Events"]
    context = json.loads(found[0]["CloudTrailEvent"])["userIdentity"]["sessionContext"]
    assert context["webIdFederationData"] == {"federatedProvider": provider, "attributes": {}}
    assert context["sessionIssuer"]["arn"] == role["Arn"]
