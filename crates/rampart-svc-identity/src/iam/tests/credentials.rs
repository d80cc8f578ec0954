//! Signing and server certificates, service-specific credentials, STS token preferences.

use super::*;
use crate::iam::certificates::tests::CERTIFICATE;

/// A throw-away P-256 key (made for these tests; it protects nothing).
const PRIVATE_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgtestonlytestonlytest
-----END PRIVATE KEY-----
";

#[test]
fn signing_certificates_belong_to_users() {
    let w = world();
    w.call("CreateUser", json!({"UserName": "alice"})).unwrap();
    let out = w
        .call(
            "UploadSigningCertificate",
            json!({"UserName": "alice", "CertificateBody": CERTIFICATE}),
        )
        .unwrap();
    let id = out["Certificate"]["CertificateId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(id.len() >= 24);
    assert_eq!(out["Certificate"]["Status"], "Active");
    let e = w
        .call(
            "UploadSigningCertificate",
            json!({"UserName": "alice", "CertificateBody": CERTIFICATE}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("DuplicateCertificate", 409));
    assert_eq!(
        code(w.call(
            "UploadSigningCertificate",
            json!({"UserName": "alice", "CertificateBody": "junk"})
        )),
        "MalformedCertificate"
    );
    w.call(
        "UpdateSigningCertificate",
        json!({"UserName": "alice", "CertificateId": id, "Status": "Inactive"}),
    )
    .unwrap();
    let listed = w
        .call("ListSigningCertificates", json!({"UserName": "alice"}))
        .unwrap();
    assert_eq!(listed["Certificates"][0]["Status"], "Inactive");
    w.assert_user_undeletable(
        "alice",
        "Cannot delete entity, must delete signing certificates first.",
    );
    w.call(
        "DeleteSigningCertificate",
        json!({"UserName": "alice", "CertificateId": id}),
    )
    .unwrap();
    assert_eq!(
        code(w.call(
            "DeleteSigningCertificate",
            json!({"UserName": "alice", "CertificateId": id})
        )),
        "NoSuchEntity"
    );
    w.call("DeleteUser", json!({"UserName": "alice"})).unwrap();
}

#[test]
fn server_certificates_keep_their_key_sealed() {
    let w = world();
    let out = w
        .call(
            "UploadServerCertificate",
            json!({"ServerCertificateName": "web", "Path": "/cloudfront/",
                   "CertificateBody": CERTIFICATE, "PrivateKey": PRIVATE_KEY}),
        )
        .unwrap();
    let meta = &out["ServerCertificateMetadata"];
    assert_eq!(
        meta["Arn"],
        "arn:aws:iam::123456789012:server-certificate/cloudfront/web"
    );
    assert!(
        meta["ServerCertificateId"]
            .as_str()
            .unwrap()
            .starts_with("ASCA")
    );
    assert_eq!(meta["Expiration"], 2_110_753_202.0);
    assert_eq!(
        code(w.call(
            "UploadServerCertificate",
            json!({"ServerCertificateName": "WEB", "CertificateBody": CERTIFICATE,
                   "PrivateKey": PRIVATE_KEY})
        )),
        "EntityAlreadyExists"
    );
    let got = w
        .call(
            "GetServerCertificate",
            json!({"ServerCertificateName": "web"}),
        )
        .unwrap();
    assert_eq!(got["ServerCertificate"]["CertificateBody"], CERTIFICATE);
    assert!(!got.to_string().contains("PRIVATE KEY"));
    let account = ACCOUNT.parse().unwrap();
    let stored = w
        .env
        .store
        .scan(
            &rampart_store::space::account(&account),
            "iam.server-certificate",
            &rampart_store::Scan::all(),
        )
        .unwrap();
    assert!(!String::from_utf8_lossy(&stored[0].value).contains("testonly"));
    w.call(
        "UpdateServerCertificate",
        json!({"ServerCertificateName": "web", "NewServerCertificateName": "site", "NewPath": "/"}),
    )
    .unwrap();
    let listed = w.call("ListServerCertificates", json!({})).unwrap();
    assert_eq!(
        listed["ServerCertificateMetadataList"][0]["ServerCertificateName"],
        "site"
    );
    let access = w
        .base
        .accesses(
            &w.root,
            "iam",
            "GetServerCertificate",
            &json!({"ServerCertificateName": "site"}),
        )
        .unwrap();
    assert_eq!(
        access[0].resource,
        "arn:aws:iam::123456789012:server-certificate/site"
    );
    assert_eq!(
        w.call("GetAccountSummary", json!({})).unwrap()["SummaryMap"]["ServerCertificates"],
        1
    );
    w.call(
        "DeleteServerCertificate",
        json!({"ServerCertificateName": "site"}),
    )
    .unwrap();
    assert_eq!(
        code(w.call(
            "GetServerCertificate",
            json!({"ServerCertificateName": "site"})
        )),
        "NoSuchEntity"
    );
}

#[test]
fn service_specific_credentials_show_their_password_once() {
    let w = world();
    w.call("CreateUser", json!({"UserName": "dev"})).unwrap();
    let out = w
        .call(
            "CreateServiceSpecificCredential",
            json!({"UserName": "dev", "ServiceName": "codecommit.amazonaws.com"}),
        )
        .unwrap();
    let credential = &out["ServiceSpecificCredential"];
    let id = credential["ServiceSpecificCredentialId"]
        .as_str()
        .unwrap()
        .to_owned();
    let password = credential["ServicePassword"].as_str().unwrap().to_owned();
    assert!(id.starts_with("ACCA"));
    assert_eq!(credential["ServiceUserName"], "dev-at-123456789012");
    assert_eq!(password.len(), 44);
    let listed = w
        .call("ListServiceSpecificCredentials", json!({"UserName": "dev"}))
        .unwrap();
    assert!(!listed.to_string().contains(&password));
    assert_eq!(
        listed["ServiceSpecificCredentials"][0]["ServiceSpecificCredentialId"],
        id
    );
    let reset = w
        .call(
            "ResetServiceSpecificCredential",
            json!({"UserName": "dev", "ServiceSpecificCredentialId": id}),
        )
        .unwrap();
    assert_ne!(
        reset["ServiceSpecificCredential"]["ServicePassword"],
        password
    );
    w.call(
        "CreateServiceSpecificCredential",
        json!({"UserName": "dev", "ServiceName": "codecommit.amazonaws.com"}),
    )
    .unwrap();
    let e = w
        .call(
            "CreateServiceSpecificCredential",
            json!({"UserName": "dev", "ServiceName": "codecommit.amazonaws.com"}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("LimitExceeded", 409));
    let e = w
        .call(
            "CreateServiceSpecificCredential",
            json!({"UserName": "dev", "ServiceName": "s3.amazonaws.com"}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("NotSupportedService", 404));
    w.call(
        "UpdateServiceSpecificCredential",
        json!({"UserName": "dev", "ServiceSpecificCredentialId": id, "Status": "Inactive"}),
    )
    .unwrap();
    assert_eq!(
        code(w.call("DeleteUser", json!({"UserName": "dev"}))),
        "DeleteConflict"
    );
    w.call(
        "DeleteServiceSpecificCredential",
        json!({"UserName": "dev", "ServiceSpecificCredentialId": id}),
    )
    .unwrap();
    let all = w
        .call("ListServiceSpecificCredentials", json!({"AllUsers": true}))
        .unwrap();
    assert_eq!(
        all["ServiceSpecificCredentials"].as_array().unwrap().len(),
        1
    );
}

#[test]
fn the_sts_token_preference_shows_in_the_summary() {
    let w = world();
    let version = |w: &World| {
        w.call("GetAccountSummary", json!({})).unwrap()["SummaryMap"]["GlobalEndpointTokenVersion"]
            .clone()
    };
    assert_eq!(version(&w), 1);
    w.call(
        "SetSecurityTokenServicePreferences",
        json!({"GlobalEndpointTokenVersion": "v2Token"}),
    )
    .unwrap();
    assert_eq!(version(&w), 2);
    assert_eq!(
        code(w.call(
            "SetSecurityTokenServicePreferences",
            json!({"GlobalEndpointTokenVersion": "v3Token"})
        )),
        "ValidationError"
    );
}

#[test]
fn ssh_public_keys_belong_to_users() {
    use crate::iam::ssh_keys::tests::{FINGERPRINT, KEY};
    let w = world();
    w.call("CreateUser", json!({"UserName": "dev"})).unwrap();
    let out = w
        .call(
            "UploadSSHPublicKey",
            json!({"UserName": "dev", "SSHPublicKeyBody": KEY}),
        )
        .unwrap();
    let key = &out["SSHPublicKey"];
    assert_eq!(key["Fingerprint"], FINGERPRINT);
    assert_eq!(key["Status"], "Active");
    let id = key["SSHPublicKeyId"].as_str().unwrap().to_owned();
    assert!(id.starts_with("APKA"));
    assert_eq!(
        code(w.call(
            "UploadSSHPublicKey",
            json!({"UserName": "dev", "SSHPublicKeyBody": KEY})
        )),
        "DuplicateSSHPublicKey"
    );
    let pem = w
        .call(
            "GetSSHPublicKey",
            json!({"UserName": "dev", "SSHPublicKeyId": id, "Encoding": "PEM"}),
        )
        .unwrap();
    assert!(
        pem["SSHPublicKey"]["SSHPublicKeyBody"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    w.call(
        "UpdateSSHPublicKey",
        json!({"UserName": "dev", "SSHPublicKeyId": id, "Status": "Inactive"}),
    )
    .unwrap();
    assert_eq!(
        w.call("ListSSHPublicKeys", json!({"UserName": "dev"}))
            .unwrap()["SSHPublicKeys"][0]["Status"],
        "Inactive"
    );
    w.assert_user_undeletable(
        "dev",
        "Cannot delete entity, must delete SSH public keys first.",
    );
    w.call(
        "DeleteSSHPublicKey",
        json!({"UserName": "dev", "SSHPublicKeyId": id}),
    )
    .unwrap();
    w.call("DeleteUser", json!({"UserName": "dev"})).unwrap();
}
