//! Users' SSH public keys (for CodeCommit): UploadSSHPublicKey, GetSSHPublicKey (SSH or PEM
//! encoding), ListSSHPublicKeys, UpdateSSHPublicKey and DeleteSSHPublicKey. Keys are
//! `ssh-rsa` of 2,048 to 16,384 bits, fingerprinted as AWS shows them (MD5, colon-separated).

use super::entity::required;
use super::errors::{limit_exceeded, model_error, no_such_entity, store_error, validation};
use super::held;
use super::names::max_items;
use super::paging::page;
use super::records::{StoredUser, new_unique_id};
use crate::der;
use base64::Engine;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// AWS's quota of SSH public keys per user.
const KEYS_PER_USER: usize = 5;

/// A user's SSH public key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SshKey {
    /// `APKA` and 16 base32 characters.
    pub id: String,
    /// `ssh-rsa <base64>`, without the comment.
    pub body: String,
    pub fingerprint: String,
    /// `Active` or `Inactive`.
    pub status: String,
    pub upload_date: f64,
}

/// MD5 (RFC 1321): only for the key fingerprint AWS shows, never for security.
fn md5(message: &[u8]) -> [u8; 16] {
    const SHIFTS: [u32; 16] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
    let k: Vec<u32> = (1..=64)
        .map(|i: i32| (f64::from(i).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let mut state: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    let mut data = message.to_vec();
    data.push(0x80);
    while data.len() % 64 != 56 {
        data.push(0);
    }
    data.extend_from_slice(&((message.len() as u64).wrapping_mul(8)).to_le_bytes());
    for chunk in data.chunks_exact(64) {
        let m: Vec<u32> = chunk
            .chunks_exact(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let [mut a, mut b, mut c, mut d] = state;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(SHIFTS[(i / 16) * 4 + i % 4]));
        }
        for (s, v) in state.iter_mut().zip([a, b, c, d]) {
            *s = s.wrapping_add(v);
        }
    }
    let mut out = [0u8; 16];
    for (i, word) in state.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&word.to_le_bytes());
    }
    out
}

/// One SSH wire string (`uint32` length, then the bytes) and what follows.
fn ssh_string(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let rest = &bytes[4..];
    (rest.len() >= len).then(|| rest.split_at(len))
}

/// The RSA exponent and modulus of an `ssh-rsa` key blob.
fn rsa_parts(blob: &[u8]) -> Option<(&[u8], &[u8])> {
    let (kind, rest) = ssh_string(blob)?;
    let (e, rest) = ssh_string(rest)?;
    let (n, rest) = ssh_string(rest)?;
    (kind == b"ssh-rsa" && rest.is_empty()).then_some((e, n))
}

fn invalid_key() -> AwsError {
    model_error(
        "InvalidPublicKeyException",
        "The request was rejected because the public key is malformed or otherwise invalid.".into(),
    )
}

/// A key body AWS accepts: its canonical text (`ssh-rsa <base64>`) and blob.
fn parse_key(body: &str) -> Result<(String, Vec<u8>), AwsError> {
    let mut words = body.split_whitespace();
    let (Some(kind), Some(encoded)) = (words.next(), words.next()) else {
        return Err(model_error(
            "UnrecognizedPublicKeyEncodingException",
            "The request was rejected because the public key encoding format is unsupported or unrecognized.".into(),
        ));
    };
    if kind != "ssh-rsa" {
        return Err(invalid_key());
    }
    let blob = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| invalid_key())?;
    let (_, n) = rsa_parts(&blob).ok_or_else(invalid_key)?;
    let significant = n.iter().skip_while(|b| **b == 0).count();
    if !(256..=2048).contains(&significant) {
        return Err(invalid_key());
    }
    Ok((format!("ssh-rsa {encoded}"), blob))
}

fn fingerprint(blob: &[u8]) -> String {
    md5(blob)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A DER INTEGER from an SSH mpint (already two's complement, big-endian).
fn der_integer(mpint: &[u8]) -> Vec<u8> {
    der::element(0x02, if mpint.is_empty() { &[0] } else { mpint })
}

/// The key as a PEM `PUBLIC KEY` (X.509 SubjectPublicKeyInfo).
fn pem(blob: &[u8]) -> Option<String> {
    let (e, n) = rsa_parts(blob)?;
    let rsa_public_key = der::element(0x30, &[der_integer(n), der_integer(e)].concat());
    let algorithm = der::element(
        0x30,
        &[
            der::element(
                0x06,
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
            ),
            vec![0x05, 0x00],
        ]
        .concat(),
    );
    let bit_string = der::element(0x03, &[&[0u8][..], &rsa_public_key].concat());
    let info = der::element(0x30, &[algorithm, bit_string].concat());
    let encoded = base64::engine::general_purpose::STANDARD.encode(info);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(64)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    Some(format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    ))
}

/// The user the input names, else the calling user.
fn target(call: &Call<'_>, input: &Value) -> Result<(StoredUser, u64), AwsError> {
    held::target(call, input, 64)
}

fn key_output(user: &str, key: &SshKey, body: String) -> Value {
    json!({ "SSHPublicKey": {
        "UserName": user,
        "SSHPublicKeyId": key.id,
        "Fingerprint": key.fingerprint,
        "SSHPublicKeyBody": body,
        "Status": key.status,
        "UploadDate": key.upload_date,
    }})
}

fn no_key(id: &str) -> AwsError {
    no_such_entity(format!("The Public Key with id {id} cannot be found."))
}

fn upload(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (mut user, version) = target(call, &input)?;
    let body = required(&input, "SSHPublicKeyBody", "sSHPublicKeyBody")?;
    let (body, blob) = parse_key(body)?;
    let fingerprint = fingerprint(&blob);
    if user.ssh_keys.iter().any(|k| k.fingerprint == fingerprint) {
        return Err(model_error(
            "DuplicateSSHPublicKeyException",
            "The request was rejected because the SSH public key is already associated with the specified IAM user.".into(),
        ));
    }
    if user.ssh_keys.len() >= KEYS_PER_USER {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for KeysPerUser: {KEYS_PER_USER}"
        )));
    }
    let key = SshKey {
        id: new_unique_id("APKA").map_err(store_error)?,
        body: body.clone(),
        fingerprint,
        status: "Active".into(),
        upload_date: rampart_service::epoch_seconds(call.env.clock.now()),
    };
    let out = key_output(&user.name, &key, body);
    user.ssh_keys.push(key);
    held::save(call, &user, version)?;
    Ok(out)
}

fn get(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (user, _) = target(call, &input)?;
    let id = required(&input, "SSHPublicKeyId", "sSHPublicKeyId")?;
    let encoding = required(&input, "Encoding", "encoding")?;
    let key = user
        .ssh_keys
        .iter()
        .find(|k| k.id == id)
        .ok_or_else(|| no_key(id))?;
    let body = match encoding {
        "SSH" => key.body.clone(),
        "PEM" => parse_key(&key.body)
            .ok()
            .and_then(|(_, blob)| pem(&blob))
            .ok_or_else(rampart_service::internal_error)?,
        other => {
            return Err(validation(format!(
                "1 validation error detected: Value '{other}' at 'encoding' failed to satisfy constraint: Member must satisfy enum value set: [SSH, PEM]"
            )));
        }
    };
    Ok(key_output(&user.name, key, body))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PageInput {
    marker: Option<String>,
    max_items: Option<i64>,
}

fn list_keys(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (user, _) = target(call, &input)?;
    let input: PageInput = from_input(input, "ValidationError")?;
    let max = max_items(input.max_items)?;
    let items = user
        .ssh_keys
        .iter()
        .map(|k| {
            let v = json!({
                "UserName": user.name,
                "SSHPublicKeyId": k.id,
                "Status": k.status,
                "UploadDate": k.upload_date,
            });
            (k.id.clone(), v)
        })
        .collect();
    let mut output = Map::new();
    let keys = page(items, input.marker.as_deref(), max, &mut output)?;
    output.insert("SSHPublicKeys".into(), Value::Array(keys));
    Ok(Value::Object(output))
}

fn update(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let user = target(call, &input)?;
    let id = required(&input, "SSHPublicKeyId", "sSHPublicKeyId")?;
    held::update_status(call, &input, user, id, |u| &mut u.ssh_keys, no_key)
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let user = target(call, &input)?;
    let id = required(&input, "SSHPublicKeyId", "sSHPublicKeyId")?;
    held::remove(call, user, id, |u| &mut u.ssh_keys, no_key)
}

impl held::Held for SshKey {
    fn id(&self) -> &str {
        &self.id
    }

    fn set_status(&mut self, status: &str) {
        self.status = status.to_owned();
    }
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "UploadSSHPublicKey", false, upload);
    registry.register("iam", "GetSSHPublicKey", true, get);
    registry.register("iam", "ListSSHPublicKeys", true, list_keys);
    registry.register("iam", "UpdateSSHPublicKey", false, update);
    registry.register("iam", "DeleteSSHPublicKey", false, delete);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A 2048-bit key made for these tests with ssh-keygen, with what ssh-keygen says of it.
    pub(crate) const KEY: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDXqAARtNsqYLhFKiG+2TQPuwTZFN4uXmBV00ANO/zY9EBHnD9LmP58BDDgRNh4LHvAd+Sf+/+iq63SW/IZu7vTOu2OPon5+ltfxQGg56rxRB3kGdWGofIZJ5xEYUaR2hBs6ZDUBZdI3d6urbhuyQZuJZ1+0ARISTvA0gtMZOwHutASvtK5u7kW0uoAPjXDSF+O0b45Pi12+3TX5rUXisg0dTVxZd7QHhSPWLJh8+BBIRRF4YbCj7DStfm7RB225gSvAiJ8l051Vktl+xtyqQPjpAEUIxPAXqhGRCcdMg91egZzmnu2VvnfUdflOzJdXANZ11P43Cjr5S04wUkATeet test";
    pub(crate) const FINGERPRINT: &str = "ca:e5:52:ea:22:f6:f7:f0:26:5c:7e:78:ab:41:91:d2";
    const PEM: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA16gAEbTbKmC4RSohvtk0
D7sE2RTeLl5gVdNADTv82PRAR5w/S5j+fAQw4ETYeCx7wHfkn/v/oqut0lvyGbu7
0zrtjj6J+fpbX8UBoOeq8UQd5BnVhqHyGSecRGFGkdoQbOmQ1AWXSN3erq24bskG
biWdftAESEk7wNILTGTsB7rQEr7Subu5FtLqAD41w0hfjtG+OT4tdvt01+a1F4rI
NHU1cWXe0B4Uj1iyYfPgQSEUReGGwo+w0rX5u0QdtuYErwIifJdOdVZLZfsbcqkD
46QBFCMTwF6oRkQnHTIPdXoGc5p7tlb531HX5TsyXVwDWddT+Nwo6+UtOMFJAE3n
rQIDAQAB
-----END PUBLIC KEY-----
";

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn md5_matches_rfc_1321() {
        assert_eq!(hex(&md5(b"")), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(hex(&md5(b"abc")), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            hex(&md5(b"message digest")),
            "f96b697d7cb7938d525a2f31aaf161d0"
        );
        assert_eq!(
            hex(&md5(
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
            )),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
    }

    #[test]
    fn keys_are_fingerprinted_and_converted_as_ssh_keygen_does() {
        let (body, blob) = parse_key(KEY).unwrap();
        assert!(!body.ends_with("test"));
        assert_eq!(fingerprint(&blob), FINGERPRINT);
        assert_eq!(pem(&blob).unwrap(), PEM);
    }

    #[test]
    fn bad_keys_are_refused() {
        assert_eq!(
            parse_key("nonsense").unwrap_err().code,
            "UnrecognizedPublicKeyEncoding"
        );
        assert_eq!(
            parse_key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==")
                .unwrap_err()
                .code,
            "InvalidPublicKey"
        );
        assert_eq!(
            parse_key("ssh-rsa !!!").unwrap_err().code,
            "InvalidPublicKey"
        );
    }
}
