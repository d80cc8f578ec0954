//! The decoding transformations: URL, HTML entities, JavaScript, CSS, C escapes, hex, base64.

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn hex_pair(s: &[u8], i: usize) -> Option<u8> {
    Some(hex_val(*s.get(i)?)? << 4 | hex_val(*s.get(i + 1)?)?)
}

/// Parses up to `max` hex digits at `i`: (value, digits used).
fn hex_run(s: &[u8], i: usize, max: usize) -> (u32, usize) {
    let mut v: u32 = 0;
    let mut n = 0;
    while n < max {
        match s.get(i + n).copied().and_then(hex_val) {
            Some(d) => {
                v = (v << 4) | u32::from(d);
                n += 1;
            }
            None => break,
        }
    }
    (v, n)
}

/// A 16-bit code unit of `%uHHHH`, `\uHHHH` or CSS escapes as one byte: full-width ASCII
/// (U+FF01..U+FF5E) maps to ASCII, anything else keeps its low byte.
fn unicode_unit_to_byte(v: u32) -> u8 {
    if (0xff01..=0xff5e).contains(&v) {
        (v - 0xfee0) as u8
    } else {
        (v & 0xff) as u8
    }
}

fn push_char(out: &mut Vec<u8>, v: u32) {
    match char::from_u32(v) {
        Some(c) => {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        None => out.push(b'?'),
    }
}

/// `URL_DECODE` / `URL_DECODE_UNI`: `%XX`, `+` to space; invalid escapes stay as they are.
pub(super) fn url(input: &[u8], uni: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'%' {
            if uni && matches!(input.get(i + 1), Some(b'u' | b'U')) {
                let (v, n) = hex_run(input, i + 2, 4);
                if n == 4 {
                    out.push(unicode_unit_to_byte(v));
                    i += 6;
                    continue;
                }
            }
            if let Some(v) = hex_pair(input, i + 1) {
                out.push(v);
                i += 3;
                continue;
            }
            out.push(b);
        } else if b == b'+' {
            out.push(b' ');
        } else {
            out.push(b);
        }
        i += 1;
    }
    out
}

const NAMED_ENTITIES: &[(&[u8], &[u8])] = &[
    (b"quot", b"\""),
    (b"amp", b"&"),
    (b"lt", b"<"),
    (b"gt", b">"),
    (b"apos", b"'"),
    (b"nbsp", &[0xa0]),
    (b"tab", b"\t"),
    (b"newline", b"\n"),
    (b"colon", b":"),
    (b"lpar", b"("),
    (b"rpar", b")"),
    (b"sol", b"/"),
    (b"bsol", b"\\"),
    (b"grave", b"`"),
    (b"equals", b"="),
];

/// `HTML_ENTITY_DECODE`: named entities (`&quot; &amp; &lt; &gt; &apos; &nbsp;` and a few
/// punctuation ones), `&#NNN;` and `&#xHH;` (the `;` optional), numeric ones as UTF-8.
pub(super) fn html_entities(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] != b'&' {
            out.push(input[i]);
            i += 1;
            continue;
        }
        if input.get(i + 1) == Some(&b'#') {
            let hex = matches!(input.get(i + 2), Some(b'x' | b'X'));
            let start = if hex { i + 3 } else { i + 2 };
            let mut v: u32 = 0;
            let mut n = 0;
            while let Some(&d) = input.get(start + n) {
                let digit = if hex {
                    hex_val(d).map(u32::from)
                } else {
                    d.is_ascii_digit().then(|| u32::from(d - b'0'))
                };
                match digit {
                    Some(d) => {
                        v = v
                            .saturating_mul(if hex { 16 } else { 10 })
                            .saturating_add(d);
                        n += 1;
                    }
                    None => break,
                }
            }
            if n > 0 {
                push_char(&mut out, v);
                i = start + n;
                if input.get(i) == Some(&b';') {
                    i += 1;
                }
                continue;
            }
        } else if let Some((name, value)) = NAMED_ENTITIES.iter().find(|(name, _)| {
            input
                .get(i + 1..i + 1 + name.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(name))
        }) {
            out.extend_from_slice(value);
            i += 1 + name.len();
            if input.get(i) == Some(&b';') {
                i += 1;
            }
            continue;
        }
        out.push(b'&');
        i += 1;
    }
    out
}

/// `JS_DECODE` (and `JS_DECODE_EXT`): `\uHHHH` (full-width to ASCII, else the low byte; the
/// extended form emits UTF-8 and also reads `\u{H..}`), `\xHH`, octal `\OOO`, `\b \f \n \r \t
/// \v`, and `\c` for any other `c`.
pub(super) fn js(input: &[u8], ext: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] != b'\\' || i + 1 >= input.len() {
            out.push(input[i]);
            i += 1;
            continue;
        }
        let c = input[i + 1];
        match c {
            b'u' if ext && input.get(i + 2) == Some(&b'{') => {
                let (v, n) = hex_run(input, i + 3, 6);
                if n > 0 && input.get(i + 3 + n) == Some(&b'}') {
                    push_char(&mut out, v);
                    i += 4 + n;
                } else {
                    out.push(b'u');
                    i += 2;
                }
            }
            b'u' => {
                let (v, n) = hex_run(input, i + 2, 4);
                if n == 4 {
                    if ext {
                        push_char(&mut out, v);
                    } else {
                        out.push(unicode_unit_to_byte(v));
                    }
                    i += 6;
                } else {
                    out.push(b'u');
                    i += 2;
                }
            }
            b'x' => match hex_pair(input, i + 2) {
                Some(v) => {
                    out.push(v);
                    i += 4;
                }
                None => {
                    out.push(b'x');
                    i += 2;
                }
            },
            b'0'..=b'7' => {
                let (v, n) = octal_run(input, i + 1);
                out.push(v);
                i += 1 + n;
            }
            _ => {
                out.push(simple_escape(c).unwrap_or(c));
                i += 2;
            }
        }
    }
    out
}

fn simple_escape(c: u8) -> Option<u8> {
    Some(match c {
        b'a' => 0x07,
        b'b' => 0x08,
        b'f' => 0x0c,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'v' => 0x0b,
        _ => return None,
    })
}

/// Up to three octal digits at `i`, capped to one byte: (value, digits used).
fn octal_run(s: &[u8], i: usize) -> (u8, usize) {
    let mut v: u32 = 0;
    let mut n = 0;
    while n < 3 {
        match s.get(i + n) {
            Some(&d @ b'0'..=b'7') if v * 8 + u32::from(d - b'0') <= 0xff => {
                v = v * 8 + u32::from(d - b'0');
                n += 1;
            }
            _ => break,
        }
    }
    (v as u8, n)
}

/// `ESCAPE_SEQ_DECODE`: `\a \b \f \n \r \t \v \\ \? \' \" \xHH \OOO`; others stay as they are.
pub(super) fn escape_seq(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] != b'\\' || i + 1 >= input.len() {
            out.push(input[i]);
            i += 1;
            continue;
        }
        let c = input[i + 1];
        if let Some(v) = simple_escape(c) {
            out.push(v);
            i += 2;
        } else if matches!(c, b'\\' | b'?' | b'\'' | b'"') {
            out.push(c);
            i += 2;
        } else if c == b'x' && hex_pair(input, i + 2).is_some() {
            out.push(hex_pair(input, i + 2).unwrap_or(0));
            i += 4;
        } else if (b'0'..=b'7').contains(&c) {
            let (v, n) = octal_run(input, i + 1);
            out.push(v);
            i += 1 + n;
        } else {
            out.push(b'\\');
            i += 1;
        }
    }
    out
}

/// `CSS_DECODE`: `\` + 1 to 6 hex digits (one following whitespace eaten) becomes the
/// character (full-width to ASCII, else the low byte); `\` + newline is removed; `\` + any
/// other character is that character (`ja\vascript` becomes `javascript`).
pub(super) fn css(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] != b'\\' {
            out.push(input[i]);
            i += 1;
            continue;
        }
        let (v, n) = hex_run(input, i + 1, 6);
        if n > 0 {
            out.push(unicode_unit_to_byte(v));
            i += 1 + n;
            if matches!(input.get(i), Some(b' ' | b'\t' | b'\n' | b'\r' | 0x0c)) {
                i += 1;
            }
        } else {
            match input.get(i + 1) {
                Some(b'\n') => i += 2,
                Some(&c) => {
                    out.push(c);
                    i += 2;
                }
                None => i += 1,
            }
        }
    }
    out
}

/// `HEX_DECODE`: each pair of hex digits becomes a byte; other bytes are copied.
pub(super) fn hex(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 2 + 1);
    let mut i = 0;
    while i < input.len() {
        match hex_pair(input, i) {
            Some(v) => {
                out.push(v);
                i += 2;
            }
            None => {
                out.push(input[i]);
                i += 1;
            }
        }
    }
    out
}

/// `SQL_HEX_DECODE`: `0x` followed by pairs of hex digits becomes those bytes.
pub(super) fn sql_hex(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'0'
            && matches!(input.get(i + 1), Some(b'x' | b'X'))
            && hex_pair(input, i + 2).is_some()
        {
            i += 2;
            while let Some(v) = hex_pair(input, i) {
                out.push(v);
                i += 2;
            }
        } else {
            out.push(input[i]);
            i += 1;
        }
    }
    out
}

fn b64_val(b: u8) -> Option<u32> {
    Some(u32::from(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    }))
}

/// `BASE64_DECODE` (stops at the first byte outside the alphabet, `=` included) and
/// `BASE64_DECODE_EXT` (skips such bytes). Both accept the URL-safe alphabet.
pub(super) fn base64(input: &[u8], ext: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4 + 1);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &b in input {
        match b64_val(b) {
            Some(v) => {
                acc = (acc << 6) | v;
                bits += 6;
                if bits >= 8 {
                    bits -= 8;
                    out.push((acc >> bits) as u8);
                    acc &= (1 << bits) - 1;
                }
            }
            None if ext => {}
            None => break,
        }
    }
    out
}

/// `UTF8_TO_UNICODE`: each valid multi-byte UTF-8 sequence becomes `%uHHHH` (code points
/// above U+FFFF as their hex); ASCII and invalid bytes are copied.
pub(super) fn utf8_to_unicode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    for chunk in input.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_ascii() {
                out.push(c as u8);
            } else {
                out.extend_from_slice(format!("%u{:04x}", u32::from(c)).as_bytes());
            }
        }
        out.extend_from_slice(chunk.invalid());
    }
    out
}
