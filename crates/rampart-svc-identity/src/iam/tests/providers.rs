//! OIDC and SAML providers, and the readers federation uses.

use super::*;
use crate::iam::{get_oidc_provider, get_saml_provider};

const THUMB: &str = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";

/// A SAML metadata document of AWS's minimum size.
fn metadata(entity: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}" validUntil="2030-01-01T00:00:00Z"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#,
        "A".repeat(800)
    )
}

#[test]
fn oidc_providers_keep_url_client_ids_and_thumbprints() {
    let w = world();
    let out = w
        .call(
            "CreateOpenIDConnectProvider",
            json!({"Url": "https://issuer.example.com/realm", "ClientIDList": ["app"],
                   "ThumbprintList": [THUMB]}),
        )
        .unwrap();
    let arn = out["OpenIDConnectProviderArn"].as_str().unwrap().to_owned();
    assert_eq!(
        arn,
        "arn:aws:iam::123456789012:oidc-provider/issuer.example.com/realm"
    );
    assert_eq!(
        code(w.call(
            "CreateOpenIDConnectProvider",
            json!({"Url": "https://issuer.example.com/realm"})
        )),
        "EntityAlreadyExists"
    );
    for bad in [
        json!({"Url": "http://insecure.example.com"}),
        json!({"Url": "https://x.example.com", "ThumbprintList": ["abc"]}),
        json!({"Url": "https://x.example.com", "ThumbprintList": [THUMB, THUMB, THUMB, THUMB, THUMB, THUMB]}),
    ] {
        assert!(
            w.call("CreateOpenIDConnectProvider", bad.clone()).is_err(),
            "{bad}"
        );
    }
    w.call(
        "AddClientIDToOpenIDConnectProvider",
        json!({"OpenIDConnectProviderArn": arn, "ClientID": "other"}),
    )
    .unwrap();
    w.call(
        "RemoveClientIDFromOpenIDConnectProvider",
        json!({"OpenIDConnectProviderArn": arn, "ClientID": "app"}),
    )
    .unwrap();
    w.call(
        "UpdateOpenIDConnectProviderThumbprint",
        json!({"OpenIDConnectProviderArn": arn, "ThumbprintList": [THUMB.to_uppercase()]}),
    )
    .unwrap();
    let got = w
        .call(
            "GetOpenIDConnectProvider",
            json!({"OpenIDConnectProviderArn": arn}),
        )
        .unwrap();
    assert_eq!(got["Url"], "issuer.example.com/realm");
    assert_eq!(got["ClientIDList"], json!(["other"]));
    assert_eq!(got["ThumbprintList"], json!([THUMB]));
    let account = ACCOUNT.parse().unwrap();
    let provider = get_oidc_provider(&w.env, &account, &arn).unwrap().unwrap();
    assert_eq!(provider.url, "https://issuer.example.com/realm");
    assert_eq!(
        w.call("ListOpenIDConnectProviders", json!({})).unwrap()["OpenIDConnectProviderList"],
        json!([{"Arn": arn}])
    );
    w.call(
        "TagOpenIDConnectProvider",
        json!({"OpenIDConnectProviderArn": arn, "Tags": [{"Key": "k", "Value": "v"}]}),
    )
    .unwrap();
    w.call(
        "DeleteOpenIDConnectProvider",
        json!({"OpenIDConnectProviderArn": arn}),
    )
    .unwrap();
    let e = w
        .call(
            "GetOpenIDConnectProvider",
            json!({"OpenIDConnectProviderArn": arn}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("NoSuchEntity", 404));
    assert!(get_oidc_provider(&w.env, &account, &arn).unwrap().is_none());
}

#[test]
fn saml_providers_keep_their_metadata() {
    let w = world();
    let document = metadata("https://idp.example.com");
    let out = w
        .call(
            "CreateSAMLProvider",
            json!({"Name": "corp", "SAMLMetadataDocument": document}),
        )
        .unwrap();
    let arn = out["SAMLProviderArn"].as_str().unwrap().to_owned();
    assert_eq!(arn, "arn:aws:iam::123456789012:saml-provider/corp");
    assert_eq!(
        code(w.call(
            "CreateSAMLProvider",
            json!({"Name": "corp", "SAMLMetadataDocument": document})
        )),
        "EntityAlreadyExists"
    );
    assert_eq!(
        code(w.call(
            "CreateSAMLProvider",
            json!({"Name": "x", "SAMLMetadataDocument": "short"})
        )),
        "ValidationError"
    );
    assert_eq!(
        code(w.call(
            "CreateSAMLProvider",
            json!({"Name": "x", "SAMLMetadataDocument": "x".repeat(1000)})
        )),
        "InvalidInput"
    );
    let got = w
        .call("GetSAMLProvider", json!({"SAMLProviderArn": arn}))
        .unwrap();
    assert_eq!(got["SAMLMetadataDocument"], document);
    assert_eq!(got["ValidUntil"], 1_893_456_000.0);
    let updated = metadata("https://idp2.example.com");
    w.call(
        "UpdateSAMLProvider",
        json!({"SAMLProviderArn": arn, "SAMLMetadataDocument": updated}),
    )
    .unwrap();
    let account = ACCOUNT.parse().unwrap();
    let provider = get_saml_provider(&w.env, &account, &arn).unwrap().unwrap();
    assert_eq!(provider.metadata, updated);
    assert_eq!(
        w.call("ListSAMLProviders", json!({})).unwrap()["SAMLProviderList"][0]["Arn"],
        arn
    );
    w.call("DeleteSAMLProvider", json!({"SAMLProviderArn": arn}))
        .unwrap();
    assert_eq!(
        code(w.call("GetSAMLProvider", json!({"SAMLProviderArn": arn}))),
        "NoSuchEntity"
    );
}
