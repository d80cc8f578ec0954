"""AssumeRoleWithSAML with real clients: an identity provider's metadata registered in IAM, a
SAML response whose assertion is signed by an independent XML-signature implementation
(signxml over lxml), and the role's trust policy deciding with the saml:* keys. Tampered,
re-signed-by-someone-else and wrapped responses are refused."""

import base64
import datetime
import json
import uuid

import boto3
import botocore
import botocore.exceptions
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner, methods

ENTITY = "https://idp.example.test/saml"
AWS_SAML = "https://signin.aws.amazon.com/saml"


def key_and_cert(common_name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    return key, cert


def metadata(cert):
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    return (
        f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{ENTITY}">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
        f'<ds:X509Data><ds:X509Certificate>{der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>'
        '</md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
        'Location="https://idp.example.test/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>'
    )


def iso(delta_seconds):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def assertion_xml(role_arn, provider_arn, subject="alice@example.test", session="alice", lifetime=300):
    aid = "_" + uuid.uuid4().hex
    return aid, (
        f'<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{aid}" Version="2.0" IssueInstant="{iso(0)}">'
        f'<saml:Issuer>{ENTITY}</saml:Issuer>'
        '<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">'
        f'{subject}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        f'<saml:SubjectConfirmationData NotOnOrAfter="{iso(lifetime)}" Recipient="{AWS_SAML}"/>'
        '</saml:SubjectConfirmation></saml:Subject>'
        f'<saml:Conditions NotBefore="{iso(-60)}" NotOnOrAfter="{iso(lifetime)}"><saml:AudienceRestriction>'
        f'<saml:Audience>{AWS_SAML}</saml:Audience></saml:AudienceRestriction></saml:Conditions>'
        '<saml:AttributeStatement>'
        '<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">'
        f'<saml:AttributeValue>{role_arn},{provider_arn}</saml:AttributeValue></saml:Attribute>'
        '<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">'
        f'<saml:AttributeValue>{session}</saml:AttributeValue></saml:Attribute>'
        '</saml:AttributeStatement></saml:Assertion>'
    )


def signed_response(key, cert, role_arn, provider_arn, **claims):
    aid, xml = assertion_xml(role_arn, provider_arn, **claims)
    assertion = etree.fromstring(xml.encode())
    signed = XMLSigner(
        method=methods.enveloped, signature_algorithm="rsa-sha256", digest_algorithm="sha256",
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    ).sign(assertion, key=key, cert=[cert], reference_uri=aid, id_attribute="ID")
    response = etree.fromstring(
        f'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r{uuid.uuid4().hex}" '
        f'Version="2.0" IssueInstant="{iso(0)}"><samlp:Status><samlp:StatusCode '
        'Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:Response>'.encode())
    response.append(signed)
    return etree.tostring(response)


def encode(xml_bytes):
    return base64.b64encode(xml_bytes).decode()


def unsigned_sts(server):
    return boto3.client(
        "sts", endpoint_url=server.endpoint, region_name="us-east-1",
        config=botocore.config.Config(signature_version=botocore.UNSIGNED, retries={"max_attempts": 1}),
    )


@pytest.fixture
def federation(server):
    key, cert = key_and_cert("corp idp")
    iam = server.client("iam")
    provider = iam.create_saml_provider(SAMLMetadataDocument=metadata(cert), Name="corp-idp")["SAMLProviderArn"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"saml:aud": AWS_SAML}},
    }]}
    role = iam.create_role(RoleName="saml-engineer", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.attach_role_policy(RoleName="saml-engineer", PolicyArn="arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser")
    return key, cert, provider, role["Arn"]


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response["Error"]


def test_a_signed_assertion_becomes_a_role_session(server, federation):
    key, cert, provider, role_arn = federation
    response = signed_response(key, cert, role_arn, provider)
    out = unsigned_sts(server).assume_role_with_saml(
        RoleArn=role_arn, PrincipalArn=provider, SAMLAssertion=encode(response))
    assert out["Subject"] == "alice@example.test"
    assert out["SubjectType"] == "persistent"
    assert out["Issuer"] == ENTITY
    assert out["Audience"] == AWS_SAML
    assert out["AssumedRoleUser"]["Arn"].endswith(":assumed-role/saml-engineer/alice")
    credentials = out["Credentials"]
    kms = server.client("kms", key_id=credentials["AccessKeyId"], secret=credentials["SecretAccessKey"],
                        token=credentials["SessionToken"])
    assert "Keys" in kms.list_keys()


def test_the_cli_does_it_too(server, federation):
    key, cert, provider, role_arn = federation
    _, out, _ = server.aws("sts", "assume-role-with-saml", "--role-arn", role_arn, "--principal-arn", provider,
                           "--saml-assertion", encode(signed_response(key, cert, role_arn, provider)))
    assert out["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_tampered_foreign_and_wrapped_responses_are_refused(server, federation):
    key, cert, provider, role_arn = federation
    sts = unsigned_sts(server)
    assume = lambda xml: sts.assume_role_with_saml(RoleArn=role_arn, PrincipalArn=provider, SAMLAssertion=encode(xml))

    tampered = signed_response(key, cert, role_arn, provider).replace(b"alice@example.test", b"mallory@example.test")
    assert error_of(lambda: assume(tampered))["Code"] == "InvalidIdentityToken"

    other_key, other_cert = key_and_cert("someone else")
    foreign = signed_response(other_key, other_cert, role_arn, provider)
    assert error_of(lambda: assume(foreign))["Code"] == "InvalidIdentityToken"

    # Signature wrapping: a second, unsigned assertion beside the signed one.
    genuine = etree.fromstring(signed_response(key, cert, role_arn, provider, subject="bob@example.test"))
    _, evil = assertion_xml(role_arn, provider, subject="admin@example.test", session="admin")
    genuine.insert(1, etree.fromstring(evil.encode()))
    assert error_of(lambda: assume(etree.tostring(genuine)))["Code"] == "InvalidIdentityToken"

    # A session for a role the assertion does not name.
    iam = server.client("iam")
    other_role = iam.create_role(RoleName="not-granted", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": provider},
                                                "Action": "sts:AssumeRoleWithSAML"}]}))["Role"]["Arn"]
    err = error_of(lambda: sts.assume_role_with_saml(
        RoleArn=other_role, PrincipalArn=provider, SAMLAssertion=encode(signed_response(key, cert, role_arn, provider))))
    assert (err["Code"], err["Message"]) == ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML")

    expired = signed_response(key, cert, role_arn, provider, lifetime=-600)
    assert error_of(lambda: assume(expired))["Code"] in ("ExpiredTokenException", "InvalidIdentityToken")


def test_cloudtrail_names_the_saml_user(server, federation):
    key, cert, provider, role_arn = federation
    out = unsigned_sts(server).assume_role_with_saml(
        RoleArn=role_arn, PrincipalArn=provider, SAMLAssertion=encode(signed_response(key, cert, role_arn, provider)))
    trail = server.client("cloudtrail")
    found = trail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AssumeRoleWithSAML"}])
    identity = json.loads(found["Events"][0]["CloudTrailEvent"])["userIdentity"]
    assert identity["type"] == "SAMLUser"
    assert identity["userName"] == "alice@example.test"
    assert identity["identityProvider"] == out["NameQualifier"]
    assert identity["principalId"] == f"{out['NameQualifier']}:alice@example.test"
