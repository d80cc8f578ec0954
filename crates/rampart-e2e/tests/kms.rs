//! KMS through the AWS SDK for Rust against a real rampart server: symmetric keys (Encrypt,
//! Decrypt, GenerateDataKey) and an ECDSA key (Sign, Verify, GetPublicKey).
//!
//! The server is the crate's shared harness (`RAMPART_BIN`, or the target directory's binary).

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeySpec, KeySpec, KeyUsageType, MessageType, SigningAlgorithmSpec};
use rampart_e2e::Server;

const KEY_ID: &str = "AKIARUSTSDKKMSKEY001";
const SECRET: &str = "rustSdkKmsSecretKey/0123456789abcdefghij";

/// A KMS client of a fresh server, signing as its root user.
async fn kms(server: &Server) -> aws_sdk_kms::Client {
    aws_sdk_kms::Client::new(&server.root_config().await)
}

#[tokio::test]
async fn symmetric_keys_encrypt_decrypt_and_make_data_keys() {
    let server = Server::start(KEY_ID, SECRET);
    let kms = kms(&server).await;
    let key = kms
        .create_key()
        .description("rust sdk")
        .send()
        .await
        .unwrap();
    let meta = key.key_metadata().unwrap();
    assert_eq!(meta.key_spec(), Some(&KeySpec::SymmetricDefault));
    let key_id = meta.key_id().to_owned();

    let sealed = kms
        .encrypt()
        .key_id(&key_id)
        .plaintext(Blob::new(b"from the rust sdk".to_vec()))
        .encryption_context("purpose", "e2e")
        .send()
        .await
        .unwrap();
    let blob = sealed.ciphertext_blob().unwrap().clone();
    let opened = kms
        .decrypt()
        .ciphertext_blob(blob.clone())
        .encryption_context("purpose", "e2e")
        .send()
        .await
        .unwrap();
    assert_eq!(opened.plaintext().unwrap().as_ref(), b"from the rust sdk");
    assert_eq!(opened.key_id(), meta.arn());

    let err = kms
        .decrypt()
        .ciphertext_blob(blob)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_ciphertext_exception(), "{err:?}");

    let data_key = kms
        .generate_data_key()
        .key_id(&key_id)
        .key_spec(DataKeySpec::Aes256)
        .send()
        .await
        .unwrap();
    let plaintext = data_key.plaintext().unwrap().as_ref().to_vec();
    assert_eq!(plaintext.len(), 32);
    let reopened = kms
        .decrypt()
        .ciphertext_blob(data_key.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(reopened.plaintext().unwrap().as_ref(), plaintext.as_slice());
}

#[tokio::test]
async fn ecdsa_keys_sign_and_verify() {
    let server = Server::start(KEY_ID, SECRET);
    let kms = kms(&server).await;
    let key = kms
        .create_key()
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_owned();
    let signed = kms
        .sign()
        .key_id(&key_id)
        .message(Blob::new(b"signed by rampart".to_vec()))
        .message_type(MessageType::Raw)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
    let signature = signed.signature().unwrap().clone();
    let verified = kms
        .verify()
        .key_id(&key_id)
        .message(Blob::new(b"signed by rampart".to_vec()))
        .signature(signature.clone())
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
    assert!(verified.signature_valid());
    let err = kms
        .verify()
        .key_id(&key_id)
        .message(Blob::new(b"something else".to_vec()))
        .signature(signature)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_kms_invalid_signature_exception(), "{err:?}");
    let public = kms.get_public_key().key_id(&key_id).send().await.unwrap();
    assert_eq!(public.public_key().unwrap().as_ref().len(), 91);
    assert_eq!(
        public.signing_algorithms(),
        &[SigningAlgorithmSpec::EcdsaSha256]
    );
}
