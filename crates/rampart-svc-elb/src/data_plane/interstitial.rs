//! The CAPTCHA (405) and challenge (202) interstitials and the endpoints that turn a solved
//! puzzle into an `aws-waf-token` cookie. The challenge is a proof of work the page's script
//! solves silently (a SHA-256 prefix of [`WORK_BITS`] zero bits over a signed nonce); the
//! CAPTCHA is a question a person answers. Both puzzles are signed with the token key and
//! expire after [`PUZZLE_TTL_SECS`].

use super::Shared;
use super::proxy::{Body, respond};
use super::token::COOKIE;
use aws_lc_rs::digest;
use http::Response;
use http::header::HeaderValue;
use rampart_waf::Request;

/// Where the page's script posts a solved challenge.
pub(crate) const CHALLENGE_PATH: &str = "/.well-known/aws-waf-token/challenge";
/// Where the CAPTCHA form posts its answer.
pub(crate) const CAPTCHA_PATH: &str = "/.well-known/aws-waf-token/captcha";
/// The proof of work's difficulty.
const WORK_BITS: u32 = 12;
/// How long a puzzle may be solved.
const PUZZLE_TTL_SECS: u64 = 300;

fn form<'a>(body: &'a [u8], field: &str) -> Option<&'a str> {
    std::str::from_utf8(body)
        .ok()?
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == field)
        .map(|(_, v)| v)
}

fn leading_zero_bits(hash: &[u8]) -> u32 {
    let mut bits = 0;
    for b in hash {
        if *b == 0 {
            bits += 8;
        } else {
            return bits + b.leading_zeros();
        }
    }
    bits
}

/// Whether `counter` solves the challenge `nonce`.
fn solves(nonce: &str, counter: &str) -> bool {
    let h = digest::digest(&digest::SHA256, format!("{nonce}:{counter}").as_bytes());
    leading_zero_bits(h.as_ref()) >= WORK_BITS
}

/// A signed puzzle: `<kind>.<issued>.<host>.<extra>` and its MAC.
fn puzzle(shared: &Shared, kind: &str, now: u64, host: &str, extra: &str) -> String {
    let data = format!("{kind}.{now}.{extra}");
    let mac = shared
        .tokens
        .mac(&format!("{data}|{}", host.to_ascii_lowercase()));
    format!("{data}.{mac}")
}

/// The parts after the kind of a fresh, authentic puzzle.
fn open_puzzle<'a>(
    shared: &Shared,
    kind: &str,
    p: &'a str,
    host: &str,
    now: u64,
) -> Option<Vec<&'a str>> {
    let (data, mac) = p.rsplit_once('.')?;
    if !shared
        .tokens
        .check_mac(&format!("{data}|{}", host.to_ascii_lowercase()), mac)
    {
        return None;
    }
    let mut parts = data.split('.');
    if parts.next()? != kind {
        return None;
    }
    let issued: u64 = parts.next()?.parse().ok()?;
    if now < issued || now - issued > PUZZLE_TTL_SECS {
        return None;
    }
    Some(parts.collect())
}

fn with_token(mut r: Response<Body>, token: &str) -> Response<Body> {
    let cookie = format!("{COOKIE}={token}; Path=/; SameSite=Lax");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().append(http::header::SET_COOKIE, v);
    }
    r
}

/// The answer of a token endpoint, when `req` is addressed to one.
pub(crate) fn token_endpoint(
    shared: &Shared,
    req: &Request,
    host: &str,
    now: u64,
) -> Option<Response<Body>> {
    if req.method != "POST"
        || !(req.path == CHALLENGE_PATH.as_bytes() || req.path == CAPTCHA_PATH.as_bytes())
    {
        return None;
    }
    let prior = req.token;
    let captcha_at = if prior.invalid {
        0
    } else {
        prior.captcha_solved_at.unwrap_or(0)
    };
    if req.path == CHALLENGE_PATH.as_bytes() {
        let (Some(nonce), Some(counter)) = (form(&req.body, "nonce"), form(&req.body, "counter"))
        else {
            return Some(respond(400, "text/plain", "bad challenge answer"));
        };
        if open_puzzle(shared, "challenge", nonce, host, now).is_none() || !solves(nonce, counter) {
            return Some(respond(403, "text/plain", "challenge failed"));
        }
        let token = shared.tokens.issue(captcha_at, now, host);
        return Some(with_token(
            respond(
                200,
                "application/json",
                format!("{{\"token\":\"{token}\"}}"),
            ),
            &token,
        ));
    }
    let (Some(q), Some(answer)) = (form(&req.body, "q"), form(&req.body, "answer")) else {
        return Some(respond(400, "text/plain", "bad CAPTCHA answer"));
    };
    let ok = open_puzzle(shared, "captcha", q, host, now).is_some_and(|parts| {
        let nums: Vec<u64> = parts.iter().filter_map(|p| p.parse().ok()).collect();
        nums.len() == 2 && answer.trim().parse::<u64>().ok() == Some(nums[0] + nums[1])
    });
    if !ok {
        return Some(captcha_page(shared, host, now));
    }
    let token = shared.tokens.issue(now, now, host);
    let back = form(&req.body, "r")
        .and_then(hex_decode)
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".to_owned());
    let mut r = respond(303, "text/plain", "");
    if let Ok(v) = HeaderValue::from_str(&back) {
        r.headers_mut().insert(http::header::LOCATION, v);
    }
    Some(with_token(r, &token))
}

fn hex_decode(s: &str) -> Option<String> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// The challenge interstitial (202): a script solves the proof of work, gets the token and
/// reloads the page.
pub(crate) fn challenge_page(host: &str, now: u64, shared: &Shared) -> Response<Body> {
    let nonce = puzzle(shared, "challenge", now, host, "0");
    let html = format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>Checking your browser</title></head>
<body><p>Checking your browser before accessing the site.</p>
<script>
(async () => {{
  const nonce = "{nonce}", bits = {WORK_BITS};
  const enc = new TextEncoder();
  for (let i = 0; ; i++) {{
    const h = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(nonce + ":" + i)));
    let z = 0; for (const b of h) {{ if (b === 0) {{ z += 8; continue; }} z += Math.clz32(b) - 24; break; }}
    if (z >= bits) {{
      await fetch("{CHALLENGE_PATH}", {{method: "POST", headers: {{"Content-Type": "application/x-www-form-urlencoded"}}, body: "nonce=" + nonce + "&counter=" + i}});
      location.reload(); return;
    }}
  }}
}})();
</script></body></html>"#
    );
    respond(202, "text/html; charset=utf-8", html)
}

/// The CAPTCHA interstitial (405): a sum to answer, posted back to [`CAPTCHA_PATH`].
pub(crate) fn captcha_page(shared: &Shared, host: &str, now: u64) -> Response<Body> {
    let r: [u8; 2] = rampart_crypto::random_bytes().unwrap_or([17, 25]);
    let (a, b) = (u64::from(r[0] % 90) + 10, u64::from(r[1] % 90) + 10);
    let q = puzzle(shared, "captcha", now, host, &format!("{a}.{b}"));
    let html = format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>Human verification</title></head>
<body><form method="POST" action="{CAPTCHA_PATH}">
<p>Let's confirm you are human: what is {a} + {b}?</p>
<input type="hidden" name="q" value="{q}"><input type="hidden" name="r" id="r" value="">
<input name="answer" autofocus> <button type="submit">Verify</button></form>
<script>document.getElementById("r").value = Array.from(new TextEncoder().encode(location.pathname + location.search)).map(b => b.toString(16).padStart(2, "0")).join("");</script>
</body></html>"#
    );
    respond(405, "text/html; charset=utf-8", html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proof_of_work() {
        assert_eq!(leading_zero_bits(&[0, 0x10, 0xff]), 11);
        let nonce = "challenge.1.0.mac";
        let counter = (0..1_000_000u32)
            .find(|c| solves(nonce, &c.to_string()))
            .unwrap();
        assert!(solves(nonce, &counter.to_string()));
    }

    #[test]
    fn forms_and_hex() {
        assert_eq!(form(b"a=1&q=x.y&answer=42", "answer"), Some("42"));
        assert_eq!(form(b"a=1", "q"), None);
        assert_eq!(hex_decode("2f613f623d31").as_deref(), Some("/a?b=1"));
        assert_eq!(hex_decode("2"), None);
    }
}
