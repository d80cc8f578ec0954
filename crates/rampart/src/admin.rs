//! The administration commands: `rampart clock advance 31d`, `rampart snapshot save NAME`,
//! `rampart snapshot restore NAME`, `rampart snapshot list` and `rampart reset`, sent to a
//! running server's administration API signed with SigV4 like any AWS call.
//!
//! Credentials come from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`)
//! when set, else from the root credentials file in the data directory. The server answers
//! only the root user of its management account.

use clap::{Args, Subcommand};
use http::{HeaderMap, Method, Uri};
use rampart_server::bootstrap::ROOT_CREDENTIALS_FILE;
use rampart_service::{Outbound, Post, TlsTrust};
use rampart_sigv4::{Credentials, SigningParams};
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use zeroize::Zeroizing;

/// `rampart clock ...`
#[derive(Subcommand)]
pub enum ClockCommand {
    /// Move the server's clock forward by a duration (`90m`, `12h`, `31d`, `1d12h`) and run
    /// everything that came due before returning.
    Advance {
        /// How far: a number with a unit s, m, h or d, possibly several (`1d12h`).
        by: String,
        #[command(flatten)]
        target: Target,
    },
}

/// Which server, and where its root credentials are.
#[derive(Args)]
pub struct Target {
    /// The server's endpoint.
    #[arg(
        long,
        env = "RAMPART_ENDPOINT",
        default_value = "http://127.0.0.1:4599"
    )]
    endpoint: String,
    /// The data directory holding the root credentials file (when AWS_ACCESS_KEY_ID is unset).
    #[arg(long, env = "RAMPART_DATA_DIR", default_value = rampart_server::config::DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
}

/// `rampart snapshot ...`
#[derive(Subcommand)]
pub enum SnapshotCommand {
    /// Save the whole state of the server as snapshot NAME (replacing one of that name).
    Save {
        /// 1 to 64 letters, digits, `.`, `_` or `-`.
        name: String,
        #[command(flatten)]
        target: Target,
    },
    /// Replace the whole state of the server with snapshot NAME.
    Restore {
        /// A saved snapshot's name.
        name: String,
        #[command(flatten)]
        target: Target,
    },
    /// List the snapshots in the data directory.
    List {
        /// The data directory.
        #[arg(long, env = "RAMPART_DATA_DIR", default_value = rampart_server::config::DEFAULT_DATA_DIR)]
        data_dir: PathBuf,
    },
}

/// Runs a `rampart clock` command, printing the server's answer.
pub fn clock(command: ClockCommand) -> Result<(), String> {
    let ClockCommand::Advance { by, target } = command;
    let body = format!("{{\"Seconds\":{}}}", parse_duration(&by)?);
    send(&target, "/_rampart/clock/advance", &body)
}

/// Runs a `rampart snapshot` command, printing the server's answer.
pub fn snapshot(command: SnapshotCommand) -> Result<(), String> {
    match command {
        SnapshotCommand::Save { name, target } => send(
            &target,
            "/_rampart/snapshots",
            &serde_json::json!({ "Name": name }).to_string(),
        ),
        SnapshotCommand::Restore { name, target } => {
            if !rampart_server::snapshot::valid_name(&name) {
                return Err(format!("`{name}` is not a snapshot name"));
            }
            send(&target, &format!("/_rampart/snapshots/{name}/restore"), "")
        }
        SnapshotCommand::List { data_dir } => {
            for (name, bytes) in
                rampart_server::snapshot::list(&rampart_server::snapshot::dir(&data_dir))?
            {
                println!("{name}\t{bytes} bytes");
            }
            Ok(())
        }
    }
}

/// `rampart reset`: back to the state the data directory started with.
pub fn reset(target: Target) -> Result<(), String> {
    send(&target, "/_rampart/reset", "")
}

fn send(target: &Target, path: &str, body: &str) -> Result<(), String> {
    let credentials = credentials(&target.data_dir)?;
    let answer = post(&target.endpoint, &credentials, path, body.as_bytes())?;
    println!("{answer}");
    Ok(())
}

/// Seconds in `text`: numbers with a unit each (`s`, `m`, `h`, `d`), summed.
fn parse_duration(text: &str) -> Result<u64, String> {
    let bad = || format!("`{text}` is not a duration such as 90m, 12h, 31d or 1d12h");
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        let n: u64 = digits.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
        digits.clear();
    }
    match (digits.is_empty(), total) {
        (true, 1..) => Ok(total),
        _ => Err(bad()),
    }
}

fn credentials(data_dir: &Path) -> Result<Credentials, String> {
    if let (Ok(id), Ok(secret)) = (
        std::env::var("AWS_ACCESS_KEY_ID"),
        std::env::var("AWS_SECRET_ACCESS_KEY"),
    ) {
        return Ok(Credentials::new(
            id,
            secret,
            std::env::var("AWS_SESSION_TOKEN").ok(),
        ));
    }
    let (id, secret) = root_key(data_dir).map_err(|e| {
        format!("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or point --data-dir at the server's data directory ({e})")
    })?;
    Ok(Credentials::new(id, secret.as_str(), None))
}

/// The root key in the data directory's root credentials file: its id and secret.
pub fn root_key(data_dir: &Path) -> Result<(String, Zeroizing<String>), String> {
    let path = data_dir.join(ROOT_CREDENTIALS_FILE);
    let text = Zeroizing::new(std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "cannot read {}: {e} (a root key given through RAMPART_ROOT_ACCESS_KEY_ID is not written to disk)",
            path.display()
        )
    })?);
    let value = |name: &str| {
        text.lines()
            .filter_map(|line| line.split_once('='))
            .find(|(key, _)| key.trim() == name)
            .map(|(_, value)| Zeroizing::new(value.trim().to_owned()))
            .ok_or_else(|| format!("{} has no {name}", path.display()))
    };
    Ok((
        value("aws_access_key_id")?.to_string(),
        value("aws_secret_access_key")?,
    ))
}

/// Sends one signed `POST` to the administration API; the answer's body, or the error.
fn post(
    endpoint: &str,
    credentials: &Credentials,
    path: &str,
    body: &[u8],
) -> Result<String, String> {
    let url = format!("{}{path}", endpoint.trim_end_matches('/'));
    let uri: Uri = url.parse().map_err(|_| format!("{url} is not a URL"))?;
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    let params = SigningParams::new(credentials, "us-east-1", "rampart", SystemTime::now());
    rampart_sigv4::sign(&Method::POST, &uri, &mut headers, body, &params)
        .map_err(|e| format!("cannot sign the request: {e}"))?;
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| *name != http::header::HOST)
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
        .collect();
    let answer = rampart_server::HttpsOutbound.post(&Post {
        url: &url,
        trust: &TlsTrust::Thumbprints(Vec::new()),
        headers: &headers,
        body,
        limit: 1 << 20,
    })?;
    let text = String::from_utf8_lossy(&answer.body).into_owned();
    match answer.status {
        200 => Ok(text),
        status => Err(format!("the server answered {status}: {text}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_sum_their_parts() {
        assert_eq!(parse_duration("90m"), Ok(5_400));
        assert_eq!(parse_duration("31d"), Ok(2_678_400));
        assert_eq!(parse_duration("1d12h"), Ok(129_600));
        assert_eq!(parse_duration("45s"), Ok(45));
        for bad in ["", "31", "d", "0d", "3w", "-1d", "1.5h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
