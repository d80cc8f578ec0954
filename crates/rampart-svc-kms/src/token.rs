//! The PKCS #11 token behind a custom key store (the CloudHSM analog), through `cryptoki`.
//!
//! One library context per module path for the process; one logged-in session per connected
//! key store. Each KMS key of the store has a non-extractable AES-256 key in the token (found
//! by its `CKA_ID`, the key id); the KMS key's backing material is sealed by it with AES-GCM
//! inside the token, so the material opens only while the store is connected.

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::{Attribute, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The PKCS #11 module used when `RAMPART_PKCS11_MODULE` is not set (Debian's SoftHSM2).
pub(crate) const DEFAULT_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const IV_LEN: usize = 12;
const TAG_BITS: u64 = 128;

/// Why a key store did not connect, as `ConnectionErrorCode` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConnectError {
    /// No token has the store's label (`CloudHsmClusterId`).
    ClusterNotFound,
    /// The token refused the password.
    InvalidCredentials,
    /// The token locked the user out.
    UserLockedOut,
    /// Anything else (the module does not load, ...).
    Internal,
}

impl ConnectError {
    /// The `ConnectionErrorCode` value.
    pub fn code(self) -> &'static str {
        match self {
            ConnectError::ClusterNotFound => "CLUSTER_NOT_FOUND",
            ConnectError::InvalidCredentials => "INVALID_CREDENTIALS",
            ConnectError::UserLockedOut => "USER_LOCKED_OUT",
            ConnectError::Internal => "INTERNAL_ERROR",
        }
    }
}

/// Why a token operation failed; carries no data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenError;

/// A logged-in session on a key store's token.
pub(crate) struct Token {
    session: Mutex<Session>,
}

/// The module path: `RAMPART_PKCS11_MODULE`, else [`DEFAULT_MODULE`].
pub(crate) fn module_path() -> String {
    std::env::var("RAMPART_PKCS11_MODULE").unwrap_or_else(|_| DEFAULT_MODULE.to_owned())
}

/// The process's context for `module`, initialised once.
fn context(module: &str) -> Result<Pkcs11, ConnectError> {
    static CONTEXTS: OnceLock<Mutex<HashMap<String, Pkcs11>>> = OnceLock::new();
    let mut contexts = CONTEXTS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(ctx) = contexts.get(module) {
        return Ok(ctx.clone());
    }
    let ctx = Pkcs11::new(module).map_err(|_| ConnectError::Internal)?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(_) => return Err(ConnectError::Internal),
    }
    contexts.insert(module.to_owned(), ctx.clone());
    Ok(ctx)
}

impl Token {
    /// Opens a session on the token labelled `label` and logs in as the user with `pin`.
    pub fn connect(module: &str, label: &str, pin: &str) -> Result<Token, ConnectError> {
        let ctx = context(module)?;
        let slots = ctx
            .get_slots_with_initialized_token()
            .map_err(|_| ConnectError::Internal)?;
        let slot = slots
            .into_iter()
            .find(|slot| {
                ctx.get_token_info(*slot)
                    .is_ok_and(|info| info.label().trim_end() == label)
            })
            .ok_or(ConnectError::ClusterNotFound)?;
        let session = ctx
            .open_rw_session(slot)
            .map_err(|_| ConnectError::Internal)?;
        match session.login(UserType::User, Some(&AuthPin::from(pin.to_owned()))) {
            Ok(()) | Err(Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(Error::Pkcs11(RvError::PinIncorrect, _))
            | Err(Error::Pkcs11(RvError::PinInvalid, _))
            | Err(Error::Pkcs11(RvError::PinLenRange, _)) => {
                return Err(ConnectError::InvalidCredentials);
            }
            Err(Error::Pkcs11(RvError::PinLocked, _)) => return Err(ConnectError::UserLockedOut),
            Err(_) => return Err(ConnectError::Internal),
        }
        Ok(Token {
            session: Mutex::new(session),
        })
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes the non-extractable AES-256 key of the KMS key `id` in the token.
    pub fn generate_key(&self, id: &[u8], label: &str) -> Result<(), TokenError> {
        let template = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Encrypt(true),
            Attribute::Decrypt(true),
            Attribute::ValueLen(32u64.into()),
            Attribute::Id(id.to_vec()),
            Attribute::Label(label.as_bytes().to_vec()),
        ];
        self.session()
            .generate_key(&Mechanism::AesKeyGen, &template)
            .map(|_| ())
            .map_err(|_| TokenError)
    }

    fn key(session: &Session, id: &[u8]) -> Result<ObjectHandle, TokenError> {
        let found = session
            .find_objects(&[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::Id(id.to_vec()),
            ])
            .map_err(|_| TokenError)?;
        found.first().copied().ok_or(TokenError)
    }

    /// Seals `plaintext` with the token key of `id`: `iv ‖ ciphertext ‖ tag`, `aad` bound.
    pub fn seal(&self, id: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, TokenError> {
        let session = self.session();
        let key = Token::key(&session, id)?;
        let mut iv = [0u8; IV_LEN];
        session
            .generate_random_slice(&mut iv)
            .map_err(|_| TokenError)?;
        let mut iv_param = iv;
        let params = GcmParams::new(&mut iv_param, aad, TAG_BITS.into()).map_err(|_| TokenError)?;
        let sealed = session
            .encrypt(&Mechanism::AesGcm(params), key, plaintext)
            .map_err(|_| TokenError)?;
        let mut out = iv.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens what [`Token::seal`] made with the same key and `aad`.
    pub fn open(&self, id: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, TokenError> {
        if sealed.len() < IV_LEN {
            return Err(TokenError);
        }
        let (iv, body) = sealed.split_at(IV_LEN);
        let session = self.session();
        let key = Token::key(&session, id)?;
        let mut iv = iv.to_vec();
        let params = GcmParams::new(&mut iv, aad, TAG_BITS.into()).map_err(|_| TokenError)?;
        session
            .decrypt(&Mechanism::AesGcm(params), key, body)
            .map_err(|_| TokenError)
    }

    /// `len` random bytes from the token.
    pub fn random(&self, len: usize) -> Result<Vec<u8>, TokenError> {
        let mut out = vec![0u8; len];
        self.session()
            .generate_random_slice(&mut out)
            .map_err(|_| TokenError)?;
        Ok(out)
    }

    /// Destroys the token key of `id`, if it is there.
    pub fn destroy_key(&self, id: &[u8]) -> Result<(), TokenError> {
        let session = self.session();
        match Token::key(&session, id) {
            Ok(key) => session.destroy_object(key).map_err(|_| TokenError),
            Err(_) => Ok(()),
        }
    }
}

/// The connected tokens, by custom key store id.
fn connected() -> std::sync::MutexGuard<'static, HashMap<String, Arc<Token>>> {
    static CONNECTED: OnceLock<Mutex<HashMap<String, Arc<Token>>>> = OnceLock::new();
    CONNECTED
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// The connected token of store `id`, if connected in this process.
pub(crate) fn of_store(id: &str) -> Option<Arc<Token>> {
    connected().get(id).cloned()
}

/// Keeps `token` as store `id`'s connection.
pub(crate) fn keep(id: &str, token: Token) -> Arc<Token> {
    let token = Arc::new(token);
    connected().insert(id.to_owned(), token.clone());
    token
}

/// Drops store `id`'s connection (the session logs out and closes with its last holder).
pub(crate) fn drop_store(id: &str) {
    connected().remove(id);
}
