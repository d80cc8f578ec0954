//! The `aws-waf-token` cookie: when the client last solved a CAPTCHA and passed a challenge,
//! for which host, signed with HMAC-SHA256 under a key generated once and kept in the store
//! sealed by the master key. Verification is constant-time; a token for another host or
//! with a wrong signature is `invalid`.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rampart_crypto::MasterKey;
use rampart_store::space::SYSTEM;
use rampart_store::{Batch, Expect, Key, Store};
use rampart_waf::{Request, TokenState};

/// The cookie's name, as AWS WAF spells it.
pub(crate) const COOKIE: &str = "aws-waf-token";
/// Where the sealed key lives.
const TABLE: &str = "elbv2.tokenkey";
/// The sealing context of the key.
const CONTEXT: &[u8] = b"rampart elbv2 aws-waf-token hmac key v1";

/// The signing key (never shown).
pub(crate) struct TokenKey(hmac::Key);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

impl TokenKey {
    /// A key from raw bytes.
    fn from_bytes(bytes: &[u8]) -> TokenKey {
        TokenKey(hmac::Key::new(hmac::HMAC_SHA256, bytes))
    }

    /// Opens the stored key, creating and sealing one on first use.
    pub(crate) fn load_or_create(
        store: &dyn Store,
        master: &MasterKey,
    ) -> Result<TokenKey, String> {
        let key = Key::new(SYSTEM, TABLE, "v1");
        for _ in 0..3 {
            if let Some(item) = store.get(&key).map_err(|e| e.to_string())? {
                let raw = master.open(CONTEXT, &item.value).map_err(|_| {
                    "the WAF token key does not open with the master key".to_owned()
                })?;
                return Ok(TokenKey::from_bytes(&raw));
            }
            let fresh = zeroize::Zeroizing::new(
                rampart_crypto::random_bytes::<32>().ok_or("no system randomness")?,
            );
            let sealed = master
                .seal(CONTEXT, fresh.as_slice())
                .map_err(|_| "cannot seal the WAF token key".to_owned())?;
            match store.commit(Batch::new().put_if(key.clone(), sealed, Expect::Absent)) {
                Ok(_) => return Ok(TokenKey::from_bytes(fresh.as_slice())),
                Err(rampart_store::StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.to_string()),
            }
        }
        Err("cannot create the WAF token key".to_owned())
    }

    fn payload(captcha: u64, challenge: u64, host: &str) -> String {
        format!("v1.{captcha}.{challenge}.{}", host.to_ascii_lowercase())
    }

    /// A token for `host` carrying the given solve times (0 = never).
    pub(crate) fn issue(&self, captcha: u64, challenge: u64, host: &str) -> String {
        let tag = hmac::sign(&self.0, Self::payload(captcha, challenge, host).as_bytes());
        format!(
            "v1.{captcha}.{challenge}.{}",
            URL_SAFE_NO_PAD.encode(tag.as_ref())
        )
    }

    /// What `token` says for `host`.
    pub(crate) fn verify(&self, token: &str, host: &str) -> TokenState {
        let invalid = TokenState {
            invalid: true,
            ..TokenState::default()
        };
        let parts: Vec<&str> = token.split('.').collect();
        let ["v1", captcha, challenge, sig] = parts[..] else {
            return invalid;
        };
        let (Ok(captcha), Ok(challenge), Ok(sig)) = (
            captcha.parse::<u64>(),
            challenge.parse::<u64>(),
            URL_SAFE_NO_PAD.decode(sig),
        ) else {
            return invalid;
        };
        let payload = Self::payload(captcha, challenge, host);
        if hmac::verify(&self.0, payload.as_bytes(), &sig).is_err() {
            return invalid;
        }
        TokenState {
            captcha_solved_at: (captcha > 0).then_some(captcha),
            challenge_solved_at: (challenge > 0).then_some(challenge),
            invalid: false,
        }
    }

    /// A MAC of `data` (for the interstitials' signed puzzles), URL-safe base64.
    pub(crate) fn mac(&self, data: &str) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.0, data.as_bytes()).as_ref())
    }

    /// Whether `mac` is [`TokenKey::mac`] of `data` (constant-time).
    pub(crate) fn check_mac(&self, data: &str, mac: &str) -> bool {
        URL_SAFE_NO_PAD
            .decode(mac)
            .is_ok_and(|m| hmac::verify(&self.0, data.as_bytes(), &m).is_ok())
    }

    /// The token state of `req` (its `aws-waf-token` cookie, or the `x-aws-waf-token` header),
    /// with its raw solve times for re-issuing.
    pub(crate) fn state_of(&self, req: &Request, host: &str) -> TokenState {
        let cookie = req
            .cookies()
            .into_iter()
            .find(|(n, _)| *n == COOKIE.as_bytes())
            .map(|(_, v)| v.to_vec());
        let token = cookie.or_else(|| req.header("x-aws-waf-token").map(<[u8]>::to_vec));
        match token {
            None => TokenState::default(),
            Some(t) => self.verify(&String::from_utf8_lossy(&t), host),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_resist_tampering() {
        let k = TokenKey::from_bytes(&[7u8; 32]);
        let t = k.issue(100, 0, "App.Example");
        let s = k.verify(&t, "app.example");
        assert_eq!(s.captcha_solved_at, Some(100));
        assert_eq!(s.challenge_solved_at, None);
        assert!(!s.invalid);
        assert!(k.verify(&t, "other.example").invalid);
        assert!(
            k.verify(&t.replacen("v1.100", "v1.999", 1), "app.example")
                .invalid
        );
        assert!(
            TokenKey::from_bytes(&[8u8; 32])
                .verify(&t, "app.example")
                .invalid
        );
        assert!(k.verify("garbage", "app.example").invalid);
    }

    #[test]
    fn the_key_is_sealed_once_and_reopened() {
        let store = rampart_store::MemStore::new();
        let master = MasterKey::generate().unwrap();
        let a = TokenKey::load_or_create(&store, &master).unwrap();
        let b = TokenKey::load_or_create(&store, &master).unwrap();
        let t = a.issue(1, 2, "h");
        assert!(!b.verify(&t, "h").invalid);
        let stored = store.get(&Key::new(SYSTEM, TABLE, "v1")).unwrap().unwrap();
        assert_ne!(stored.value.len(), 32);
        assert!(TokenKey::load_or_create(&store, &MasterKey::generate().unwrap()).is_err());
    }
}
