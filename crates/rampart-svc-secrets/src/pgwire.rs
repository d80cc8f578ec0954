//! A minimal PostgreSQL client (frontend/backend protocol 3.0 over plain TCP): log in with
//! SCRAM-SHA-256 or a cleartext password, run simple queries, read rows as text. Enough for
//! the built-in rotations; it never puts a password in an error.

use aws_lc_rs::{digest, hmac, pbkdf2};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::num::NonZeroU32;
use std::time::Duration;
use zeroize::Zeroizing;

const TIMEOUT: Duration = Duration::from_secs(10);
const PROTOCOL_3: i32 = 196_608;
const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// Where and as whom to log in.
pub(crate) struct Login<'a> {
    pub host: &'a str,
    pub port: u16,
    pub user: &'a str,
    pub password: &'a str,
    pub database: &'a str,
}

/// An open session.
pub(crate) struct Connection {
    stream: TcpStream,
}

/// One row, each column as text (`None` for NULL).
pub(crate) type Row = Vec<Option<String>>;

fn io(e: std::io::Error) -> String {
    format!("connection error: {e}")
}

/// The message of an ErrorResponse body (`S`everity, `C`ode, `M`essage fields).
fn error_text(body: &[u8]) -> String {
    let mut code = String::new();
    let mut message = String::new();
    for field in body.split(|b| *b == 0) {
        if let Some((&kind, text)) = field.split_first() {
            let text = String::from_utf8_lossy(text).into_owned();
            match kind {
                b'C' => code = text,
                b'M' => message = text,
                _ => {}
            }
        }
    }
    format!("PostgreSQL error {code}: {message}")
}

fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 5);
    out.push(kind);
    out.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .to_vec()
}

/// The SCRAM-SHA-256 exchange of one login (RFC 5802/7677 as PostgreSQL uses it).
struct Scram {
    client_first_bare: String,
    nonce: String,
    expected_server_signature: Option<Vec<u8>>,
}

impl Scram {
    fn start() -> Result<Scram, String> {
        let nonce = B64.encode(
            rampart_crypto::random_bytes::<18>().ok_or("the system random generator failed")?,
        );
        Ok(Scram {
            client_first_bare: format!("n=,r={nonce}"),
            nonce,
            expected_server_signature: None,
        })
    }

    /// The client-final message for `server_first`.
    fn answer(&mut self, server_first: &str, password: &str) -> Result<String, String> {
        let mut nonce = None;
        let mut salt = None;
        let mut iterations = None;
        for attr in server_first.split(',') {
            match attr.split_at_checked(2) {
                Some(("r=", v)) => nonce = Some(v.to_owned()),
                Some(("s=", v)) => salt = B64.decode(v).ok(),
                Some(("i=", v)) => iterations = v.parse::<u32>().ok().and_then(NonZeroU32::new),
                _ => {}
            }
        }
        let bad = || "the server's SCRAM message is malformed".to_owned();
        let nonce = nonce
            .filter(|n| n.starts_with(&self.nonce))
            .ok_or_else(bad)?;
        let salt = salt.ok_or_else(bad)?;
        let iterations = iterations.ok_or_else(bad)?;
        let mut salted = Zeroizing::new([0u8; 32]);
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            iterations,
            &salt,
            password.as_bytes(),
            salted.as_mut(),
        );
        let client_key = Zeroizing::new(hmac_sha256(salted.as_ref(), b"Client Key"));
        let stored_key = digest::digest(&digest::SHA256, &client_key);
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let signature = hmac_sha256(stored_key.as_ref(), auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(signature.iter())
            .map(|(a, b)| a ^ b)
            .collect();
        let server_key = hmac_sha256(salted.as_ref(), b"Server Key");
        self.expected_server_signature = Some(hmac_sha256(&server_key, auth_message.as_bytes()));
        Ok(format!("{without_proof},p={}", B64.encode(proof)))
    }

    fn verify(&self, server_final: &str) -> Result<(), String> {
        let given = server_final
            .strip_prefix("v=")
            .and_then(|v| B64.decode(v).ok());
        match (&self.expected_server_signature, given) {
            (Some(want), Some(got)) if *want == got => Ok(()),
            _ => Err("the server's SCRAM signature does not verify".to_owned()),
        }
    }
}

impl Connection {
    /// Connects and logs in.
    pub fn connect(login: &Login<'_>) -> Result<Connection, String> {
        let addr = (login.host, login.port)
            .to_socket_addrs()
            .map_err(io)?
            .next()
            .ok_or_else(|| format!("{} does not resolve", login.host))?;
        let stream = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(io)?;
        stream.set_read_timeout(Some(TIMEOUT)).map_err(io)?;
        stream.set_write_timeout(Some(TIMEOUT)).map_err(io)?;
        let mut conn = Connection { stream };
        let mut startup = Vec::new();
        startup.extend_from_slice(&PROTOCOL_3.to_be_bytes());
        for (k, v) in [("user", login.user), ("database", login.database)] {
            startup.extend_from_slice(k.as_bytes());
            startup.push(0);
            startup.extend_from_slice(v.as_bytes());
            startup.push(0);
        }
        startup.push(0);
        let mut first = ((startup.len() + 4) as i32).to_be_bytes().to_vec();
        first.extend_from_slice(&startup);
        conn.stream.write_all(&first).map_err(io)?;
        conn.authenticate(login.password)?;
        Ok(conn)
    }

    fn read(&mut self) -> Result<(u8, Vec<u8>), String> {
        let mut head = [0u8; 5];
        self.stream.read_exact(&mut head).map_err(io)?;
        let len = i32::from_be_bytes([head[1], head[2], head[3], head[4]]);
        let len = usize::try_from(len)
            .ok()
            .filter(|l| (4..MAX_MESSAGE).contains(l))
            .ok_or("the server sent a malformed message")?;
        let mut body = vec![0u8; len - 4];
        self.stream.read_exact(&mut body).map_err(io)?;
        Ok((head[0], body))
    }

    fn send(&mut self, kind: u8, body: &[u8]) -> Result<(), String> {
        self.stream.write_all(&message(kind, body)).map_err(io)
    }

    fn authenticate(&mut self, password: &str) -> Result<(), String> {
        let mut scram: Option<Scram> = None;
        loop {
            let (kind, body) = self.read()?;
            match kind {
                b'R' => {
                    let code = body
                        .get(..4)
                        .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
                        .ok_or("the server sent a malformed message")?;
                    let data = &body[4..];
                    match code {
                        0 => {}
                        3 => {
                            let mut p = Zeroizing::new(password.as_bytes().to_vec());
                            p.push(0);
                            self.send(b'p', &p)?;
                        }
                        10 => {
                            let offered = String::from_utf8_lossy(data);
                            if !offered.split('\0').any(|m| m == "SCRAM-SHA-256") {
                                return Err("the server offers no SCRAM-SHA-256".to_owned());
                            }
                            let s = Scram::start()?;
                            let first = format!("n,,{}", s.client_first_bare);
                            let mut msg = b"SCRAM-SHA-256\0".to_vec();
                            msg.extend_from_slice(&(first.len() as i32).to_be_bytes());
                            msg.extend_from_slice(first.as_bytes());
                            self.send(b'p', &msg)?;
                            scram = Some(s);
                        }
                        11 => {
                            let s = scram.as_mut().ok_or("unexpected SCRAM message")?;
                            let answer =
                                Zeroizing::new(s.answer(&String::from_utf8_lossy(data), password)?);
                            self.send(b'p', answer.as_bytes())?;
                        }
                        12 => {
                            let s = scram.as_ref().ok_or("unexpected SCRAM message")?;
                            s.verify(&String::from_utf8_lossy(data))?;
                        }
                        other => {
                            return Err(format!(
                                "the server asks for authentication method {other}, which rampart does not speak (use scram-sha-256 or password)"
                            ));
                        }
                    }
                }
                b'E' => return Err(error_text(&body)),
                b'Z' => return Ok(()),
                _ => {}
            }
        }
    }

    /// Runs `sql` (one simple query) and returns the rows it produced.
    pub fn query(&mut self, sql: &str) -> Result<Vec<Row>, String> {
        let mut body = sql.as_bytes().to_vec();
        body.push(0);
        self.send(b'Q', &body)?;
        let mut rows = Vec::new();
        let mut failure = None;
        loop {
            let (kind, body) = self.read()?;
            match kind {
                b'D' => rows.push(parse_row(&body)?),
                b'E' => failure = Some(error_text(&body)),
                b'Z' => break,
                _ => {}
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(rows),
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let _ = self.stream.write_all(&message(b'X', &[]));
    }
}

fn parse_row(body: &[u8]) -> Result<Row, String> {
    let bad = || "the server sent a malformed row".to_owned();
    let count = body
        .get(..2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(bad)?;
    let mut at = 2;
    let mut row = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let len = body
            .get(at..at + 4)
            .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(bad)?;
        at += 4;
        if len < 0 {
            row.push(None);
            continue;
        }
        let end = at + len as usize;
        let value = body.get(at..end).ok_or_else(bad)?;
        row.push(Some(String::from_utf8_lossy(value).into_owned()));
        at = end;
    }
    Ok(row)
}

/// `name` as a quoted SQL identifier.
pub(crate) fn identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `text` as a quoted SQL string literal (standard_conforming_strings: backslashes are
/// ordinary characters).
pub(crate) fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_row(&bytes);
            let _ = error_text(&bytes);
        }
    }

    /// RFC 7677's SCRAM-SHA-256 example (user "user", password "pencil").
    #[test]
    fn scram_matches_rfc_7677() {
        let mut s = Scram {
            client_first_bare: "n=user,r=rOprNGfwEbeRWgbNEkqO".to_owned(),
            nonce: "rOprNGfwEbeRWgbNEkqO".to_owned(),
            expected_server_signature: None,
        };
        let server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let answer = s.answer(server_first, "pencil").unwrap();
        assert_eq!(
            answer,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        assert!(
            s.verify("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
                .is_ok()
        );
        assert!(s.verify("v=AAAA").is_err());
    }

    #[test]
    fn quoting() {
        assert_eq!(identifier("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's"), "'it''s'");
    }

    #[test]
    fn rows_and_errors() {
        let mut body = 2u16.to_be_bytes().to_vec();
        body.extend_from_slice(&1i32.to_be_bytes());
        body.push(b'1');
        body.extend_from_slice(&(-1i32).to_be_bytes());
        assert_eq!(parse_row(&body).unwrap(), vec![Some("1".to_owned()), None]);
        assert!(parse_row(&body[..5]).is_err());
        let e = b"SERROR\0C28P01\0Mpassword authentication failed\0\0";
        assert_eq!(
            error_text(e),
            "PostgreSQL error 28P01: password authentication failed"
        );
    }
}
