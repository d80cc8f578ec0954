//! A custom key store over a real SoftHSM2 token (skipped where SoftHSM2 is not installed):
//! the store's lifecycle and a key whose material opens only while the store is connected.

use rampart_protocol::AwsError;
use rampart_service::testkit::World;
use serde_json::{Value, json};
use std::process::Command;

const SO_PIN: &str = "so-pin-1234";
const PIN: &str = "user-pin-5678";

fn softhsm_util() -> Option<&'static str> {
    let util = "softhsm2-util";
    let present = Command::new(util).arg("--version").output().is_ok()
        && std::path::Path::new(crate::token::DEFAULT_MODULE).exists();
    present.then_some(util)
}

/// A fresh token with a label that fits `CloudHsmClusterId` (`cluster-[2-7a-zA-Z]{11,16}`).
fn new_token(util: &str) -> String {
    let bytes = rampart_crypto::random_bytes::<12>().unwrap();
    let letters: String = bytes.iter().map(|b| (b'a' + b % 26) as char).collect();
    let label = format!("cluster-{letters}");
    let status = Command::new(util)
        .args([
            "--init-token",
            "--free",
            "--label",
            &label,
            "--so-pin",
            SO_PIN,
            "--pin",
            PIN,
        ])
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    label
}

fn call(w: &World, op: &str, input: Value) -> Result<Value, AwsError> {
    w.call_as(&w.root(), "kms", op, input)
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn a_custom_key_store_on_softhsm_holds_keys_that_work_only_while_connected() {
    let Some(util) = softhsm_util() else {
        eprintln!("SoftHSM2 is not installed: skipping the custom key store test");
        return;
    };
    let label = new_token(util);
    let w = World::new(crate::register);
    let store = call(
        &w,
        "CreateCustomKeyStore",
        json!({"CustomKeyStoreName": "hsm", "CloudHsmClusterId": label,
               "TrustAnchorCertificate": "-----BEGIN CERTIFICATE-----", "KeyStorePassword": PIN}),
    )
    .unwrap()["CustomKeyStoreId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(store.starts_with("cks-") && store.len() == 21, "{store}");
    let state = |w: &World| {
        call(
            w,
            "DescribeCustomKeyStores",
            json!({"CustomKeyStoreId": store}),
        )
        .unwrap()["CustomKeyStores"][0]
            .clone()
    };
    assert_eq!(state(&w)["ConnectionState"], "DISCONNECTED");
    let e = call(
        &w,
        "CreateCustomKeyStore",
        json!({"CustomKeyStoreName": "hsm", "CloudHsmClusterId": "cluster-otherotherot",
               "TrustAnchorCertificate": "x", "KeyStorePassword": PIN}),
    )
    .unwrap_err();
    assert_eq!(e.code, "CustomKeyStoreNameInUseException");
    let create = json!({"Origin": "AWS_CLOUDHSM", "CustomKeyStoreId": store});
    let e = call(&w, "CreateKey", create.clone()).unwrap_err();
    assert_eq!(e.code, "CustomKeyStoreInvalidStateException");

    // A store whose token does not exist fails to connect, by name.
    let lost = call(
        &w,
        "CreateCustomKeyStore",
        json!({"CustomKeyStoreName": "lost", "CloudHsmClusterId": "cluster-nosuchtokenhere",
               "TrustAnchorCertificate": "x", "KeyStorePassword": PIN}),
    )
    .unwrap()["CustomKeyStoreId"]
        .clone();
    call(
        &w,
        "ConnectCustomKeyStore",
        json!({"CustomKeyStoreId": lost}),
    )
    .unwrap();
    let lost_state = call(
        &w,
        "DescribeCustomKeyStores",
        json!({"CustomKeyStoreId": lost}),
    )
    .unwrap();
    assert_eq!(
        lost_state["CustomKeyStores"][0]["ConnectionState"],
        "FAILED"
    );
    assert_eq!(
        lost_state["CustomKeyStores"][0]["ConnectionErrorCode"],
        "CLUSTER_NOT_FOUND"
    );

    call(
        &w,
        "ConnectCustomKeyStore",
        json!({"CustomKeyStoreId": store}),
    )
    .unwrap();
    assert_eq!(state(&w)["ConnectionState"], "CONNECTED");
    let meta = call(&w, "CreateKey", create).unwrap()["KeyMetadata"].clone();
    assert_eq!(meta["Origin"], "AWS_CLOUDHSM");
    assert_eq!(meta["CustomKeyStoreId"], store.as_str());
    assert_eq!(meta["CloudHsmClusterId"], label.as_str());
    let id = meta["KeyId"].clone();
    let blob = call(
        &w,
        "Encrypt",
        json!({"KeyId": id, "Plaintext": b64(b"in the hsm")}),
    )
    .unwrap()["CiphertextBlob"]
        .clone();
    let random = call(
        &w,
        "GenerateRandom",
        json!({"NumberOfBytes": 32, "CustomKeyStoreId": store}),
    )
    .unwrap();
    assert_eq!(random["Plaintext"].as_str().unwrap().len(), 44);

    // Disconnected, the key is unavailable; connected again, it decrypts.
    call(
        &w,
        "DisconnectCustomKeyStore",
        json!({"CustomKeyStoreId": store}),
    )
    .unwrap();
    let e = call(&w, "Decrypt", json!({"CiphertextBlob": blob})).unwrap_err();
    assert_eq!(e.code, "KMSInvalidStateException");
    assert_eq!(
        call(&w, "DescribeKey", json!({"KeyId": id})).unwrap()["KeyMetadata"]["KeyState"],
        "Unavailable"
    );
    let e = call(
        &w,
        "DeleteCustomKeyStore",
        json!({"CustomKeyStoreId": store}),
    )
    .unwrap_err();
    assert_eq!(e.code, "CustomKeyStoreHasCMKsException");
    call(
        &w,
        "ConnectCustomKeyStore",
        json!({"CustomKeyStoreId": store}),
    )
    .unwrap();
    assert_eq!(
        call(&w, "Decrypt", json!({"CiphertextBlob": blob})).unwrap()["Plaintext"],
        b64(b"in the hsm")
    );
    let e = call(&w, "EnableKeyRotation", json!({"KeyId": id})).unwrap_err();
    assert_eq!(e.code, "UnsupportedOperationException");

    let _ = Command::new(util)
        .args(["--delete-token", "--token", &label])
        .output();
}
