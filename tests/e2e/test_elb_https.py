"""ELBv2 HTTPS listeners end to end: the AWS CLI uploads a self-signed certificate to IAM and
creates an HTTPS listener with it; Python's urllib, trusting only that certificate, reaches the
app through the listener (X-Forwarded-Proto https) with the web ACL enforced; a new default
certificate (ModifyListener) is served on the next connection; listed certificates are chosen
by SNI (AddListenerCertificates); a TLS 1.3-only policy refuses
TLS 1.2; an ACM ARN is refused with CertificateNotFound."""

import datetime
import ipaddress
import json
import socket
import ssl
import urllib.error
import urllib.request

import botocore.exceptions
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import free_port
from test_elb import App, healthy, visibility, wait_for, port_open


@pytest.fixture
def app():
    a = App()
    yield a
    a.close()


def self_signed(tmp_path, name, names="DNS:localhost,IP:127.0.0.1"):
    """(certificate path, key path) of a fresh self-signed P-256 certificate for `names`, made
    with the pinned `cryptography` package (no openssl binary needed)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    alternatives = []
    for entry in names.split(","):
        kind, value = entry.split(":", 1)
        alternatives.append(x509.DNSName(value) if kind == "DNS" else x509.IPAddress(ipaddress.ip_address(value)))
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder()
                   .subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=2))
                   .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def fetch(port, path, cafile):
    ctx = ssl.create_default_context(cafile=str(cafile))
    req = urllib.request.Request(f"https://127.0.0.1:{port}{path}")
    try:
        with urllib.request.urlopen(req, timeout=10, context=ctx) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def served_certificate(port, sni=None):
    """The DER certificate the listener presents (to a client asking for `sni`)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname=sni) as t:
            return t.getpeercert(binary_form=True)


def pem_to_der(path):
    return ssl.PEM_cert_to_DER_cert(path.read_text())


def test_https_listener_terminates_tls_with_an_iam_certificate(server, app, tmp_path):
    elb = server.client("elbv2")
    waf = server.client("wafv2")
    cert, key = self_signed(tmp_path, "first")
    _, out, _ = server.aws("iam", "upload-server-certificate", "--server-certificate-name", "web",
                           "--certificate-body", f"file://{cert}", "--private-key", f"file://{key}")
    cert_arn = out["ServerCertificateMetadata"]["Arn"]
    assert cert_arn.endswith(":server-certificate/web")

    lb_arn = elb.create_load_balancer(Name="secure", Subnets=["subnet-1"])["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(Name="app", Protocol="HTTP", Port=app.port, TargetType="ip",
                                 HealthCheckPath="/health", HealthCheckIntervalSeconds=5,
                                 HealthCheckTimeoutSeconds=2)["TargetGroups"][0]["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": "127.0.0.1", "Port": app.port}])

    port = free_port()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        elb.create_listener(LoadBalancerArn=lb_arn, Protocol="HTTPS", Port=port,
                            Certificates=[{"CertificateArn": "arn:aws:acm:us-east-1:000000000000:certificate/abc"}],
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    assert e.value.response["Error"]["Code"] == "CertificateNotFound"

    _, out, _ = server.aws("elbv2", "create-listener", "--load-balancer-arn", lb_arn, "--protocol", "HTTPS",
                           "--port", str(port), "--certificates", f"CertificateArn={cert_arn}",
                           "--default-actions", f"Type=forward,TargetGroupArn={tg}")
    listener = out["Listeners"][0]
    assert listener["Protocol"] == "HTTPS"
    assert listener["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    wait_for(lambda: port_open(port), "the HTTPS listener's port")
    wait_for(lambda: healthy(elb, tg), "a healthy target")

    assert fetch(port, "/hello", cert) == (200, "hello from the app: /hello")
    _, seen = app.seen[-1]
    assert seen["x-forwarded-proto"] == "https"
    assert seen["x-forwarded-port"] == str(port)

    # The web ACL is enforced behind TLS.
    acl = waf.create_web_acl(
        Name="edge", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=visibility("edge"),
        Rules=[{"Name": "no-admin", "Priority": 0, "Action": {"Block": {}}, "VisibilityConfig": visibility("n"),
                "Statement": {"ByteMatchStatement": {"SearchString": "/admin", "FieldToMatch": {"UriPath": {}},
                                                     "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
                                                     "PositionalConstraint": "STARTS_WITH"}}}])["Summary"]
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=lb_arn)
    wait_for(lambda: fetch(port, "/admin", cert)[0] == 403, "the web ACL on HTTPS traffic")
    assert fetch(port, "/public", cert)[0] == 200

    # A new default certificate is served on the next connection.
    cert2, key2 = self_signed(tmp_path, "second")
    _, out, _ = server.aws("iam", "upload-server-certificate", "--server-certificate-name", "web-2",
                           "--certificate-body", f"file://{cert2}", "--private-key", f"file://{key2}")
    cert2_arn = out["ServerCertificateMetadata"]["Arn"]
    assert served_certificate(port) == pem_to_der(cert)
    server.aws("elbv2", "modify-listener", "--listener-arn", listener["ListenerArn"],
               "--certificates", f"CertificateArn={cert2_arn}")
    wait_for(lambda: served_certificate(port) == pem_to_der(cert2), "the new certificate")
    assert fetch(port, "/again", cert2)[0] == 200
    server.aws("elbv2", "add-listener-certificates", "--listener-arn", listener["ListenerArn"],
               "--certificates", f"CertificateArn={cert_arn}")
    listed = elb.describe_listener_certificates(ListenerArn=listener["ListenerArn"])["Certificates"]
    assert {(c["CertificateArn"], c["IsDefault"]) for c in listed} == {(cert2_arn, True), (cert_arn, False)}

    # SNI: a listed certificate valid for the name the client asks for, else the default.
    cert3, key3 = self_signed(tmp_path, "third", names="DNS:sni.example")
    _, out, _ = server.aws("iam", "upload-server-certificate", "--server-certificate-name", "web-3",
                           "--certificate-body", f"file://{cert3}", "--private-key", f"file://{key3}")
    elb.add_listener_certificates(ListenerArn=listener["ListenerArn"],
                                  Certificates=[{"CertificateArn": out["ServerCertificateMetadata"]["Arn"]}])
    wait_for(lambda: served_certificate(port, "sni.example") == pem_to_der(cert3), "the SNI certificate")
    assert served_certificate(port, "localhost") == pem_to_der(cert)
    assert served_certificate(port, "unknown.example") == pem_to_der(cert2)
    assert served_certificate(port) == pem_to_der(cert2)

    # A TLS 1.3-only policy refuses a TLS 1.2 client.
    elb.modify_listener(ListenerArn=listener["ListenerArn"], SslPolicy="ELBSecurityPolicy-TLS13-1-3-2021-06")

    def tls12_refused():
        ctx = ssl.create_default_context(cafile=str(cert2))
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                with ctx.wrap_socket(s, server_hostname="localhost"):
                    return False
        except ssl.SSLError:
            return True

    wait_for(tls12_refused, "TLS 1.2 refused")
    assert fetch(port, "/tls13", cert2)[0] == 200
    policies = elb.describe_ssl_policies(Names=["ELBSecurityPolicy-TLS13-1-3-2021-06"])["SslPolicies"]
    assert policies[0]["SslProtocols"] == ["TLSv1.3"]
