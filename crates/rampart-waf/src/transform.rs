//! Text transformations (`TextTransformation.Type`), applied in ascending priority, each to the
//! previous one's output. Every transformation is linear in its input and never fails.

mod decode;
mod md5;

use crate::error::{REASON_INVALID, WafError};
use crate::model::TextTransformation;

/// One transformation type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transform {
    /// `NONE`: no change.
    None,
    /// `COMPRESS_WHITE_SPACE`: whitespace and NBSP to space, runs of spaces to one.
    CompressWhiteSpace,
    /// `HTML_ENTITY_DECODE`.
    HtmlEntityDecode,
    /// `LOWERCASE` (ASCII).
    Lowercase,
    /// `UPPERCASE` (ASCII).
    Uppercase,
    /// `CMD_LINE`: Windows/POSIX command-line normalisation.
    CmdLine,
    /// `CMD_LINE_WIN`: cmd.exe normalisation (as `CMD_LINE`).
    CmdLineWin,
    /// `CMD_LINE_UNIX`: POSIX shell normalisation (no lowercasing; backticks and `$` kept).
    CmdLineUnix,
    /// `URL_DECODE`.
    UrlDecode,
    /// `URL_DECODE_UNI`: also `%uHHHH`.
    UrlDecodeUni,
    /// `BASE64_DECODE`: strict, stops at the first character outside the alphabet.
    Base64Decode,
    /// `BASE64_DECODE_EXT`: forgiving, skips characters outside the alphabet.
    Base64DecodeExt,
    /// `HEX_DECODE`.
    HexDecode,
    /// `MD5`: the raw 16-byte digest.
    Md5,
    /// `SHA256`: the raw 32-byte digest.
    Sha256,
    /// `REPLACE_COMMENTS`: each C comment becomes one space.
    ReplaceComments,
    /// `REMOVE_COMMENTS_CHAR`: deletes `/*`, `*/`, `--` and `#`.
    RemoveCommentsChar,
    /// `ESCAPE_SEQ_DECODE`: ANSI C escapes.
    EscapeSeqDecode,
    /// `SQL_HEX_DECODE`: `0x414243` becomes `ABC`.
    SqlHexDecode,
    /// `CSS_DECODE`.
    CssDecode,
    /// `JS_DECODE`.
    JsDecode,
    /// `JS_DECODE_EXT`: also `\u{...}`, emitting UTF-8.
    JsDecodeExt,
    /// `NORMALIZE_PATH`.
    NormalizePath,
    /// `NORMALIZE_PATH_WIN`: backslashes to slashes, then `NORMALIZE_PATH`.
    NormalizePathWin,
    /// `REMOVE_NULLS`.
    RemoveNulls,
    /// `REPLACE_NULLS`: NUL to space.
    ReplaceNulls,
    /// `UTF8_TO_UNICODE`: multi-byte UTF-8 sequences to `%uHHHH`.
    Utf8ToUnicode,
    /// `REMOVE_WHITESPACE`.
    RemoveWhitespace,
    /// `TRIM`.
    Trim,
    /// `TRIM_LEFT`.
    TrimLeft,
    /// `TRIM_RIGHT`.
    TrimRight,
}

impl Transform {
    /// The transformation named by the wire value, e.g. `URL_DECODE`.
    pub fn from_name(name: &str) -> Option<Transform> {
        Some(match name {
            "NONE" => Transform::None,
            "COMPRESS_WHITE_SPACE" => Transform::CompressWhiteSpace,
            "HTML_ENTITY_DECODE" => Transform::HtmlEntityDecode,
            "LOWERCASE" => Transform::Lowercase,
            "UPPERCASE" => Transform::Uppercase,
            "CMD_LINE" => Transform::CmdLine,
            "CMD_LINE_WIN" => Transform::CmdLineWin,
            "CMD_LINE_UNIX" => Transform::CmdLineUnix,
            "URL_DECODE" => Transform::UrlDecode,
            "URL_DECODE_UNI" => Transform::UrlDecodeUni,
            "BASE64_DECODE" => Transform::Base64Decode,
            "BASE64_DECODE_EXT" => Transform::Base64DecodeExt,
            "HEX_DECODE" => Transform::HexDecode,
            "MD5" => Transform::Md5,
            "SHA256" => Transform::Sha256,
            "REPLACE_COMMENTS" => Transform::ReplaceComments,
            "REMOVE_COMMENTS_CHAR" => Transform::RemoveCommentsChar,
            "ESCAPE_SEQ_DECODE" => Transform::EscapeSeqDecode,
            "SQL_HEX_DECODE" => Transform::SqlHexDecode,
            "CSS_DECODE" => Transform::CssDecode,
            "JS_DECODE" => Transform::JsDecode,
            "JS_DECODE_EXT" => Transform::JsDecodeExt,
            "NORMALIZE_PATH" => Transform::NormalizePath,
            "NORMALIZE_PATH_WIN" => Transform::NormalizePathWin,
            "REMOVE_NULLS" => Transform::RemoveNulls,
            "REPLACE_NULLS" => Transform::ReplaceNulls,
            "UTF8_TO_UNICODE" => Transform::Utf8ToUnicode,
            "REMOVE_WHITESPACE" => Transform::RemoveWhitespace,
            "TRIM" => Transform::Trim,
            "TRIM_LEFT" => Transform::TrimLeft,
            "TRIM_RIGHT" => Transform::TrimRight,
            _ => return None,
        })
    }

    /// Whether it costs WCU (every type but `NONE`).
    pub fn is_none(self) -> bool {
        self == Transform::None
    }

    /// Applies the transformation.
    pub fn apply(self, input: &[u8]) -> Vec<u8> {
        match self {
            Transform::None => input.to_vec(),
            Transform::CompressWhiteSpace => compress_white_space(input),
            Transform::HtmlEntityDecode => decode::html_entities(input),
            Transform::Lowercase => input.to_ascii_lowercase(),
            Transform::Uppercase => input.to_ascii_uppercase(),
            Transform::CmdLine | Transform::CmdLineWin => cmd_line(input, true),
            Transform::CmdLineUnix => cmd_line(input, false),
            Transform::UrlDecode => decode::url(input, false),
            Transform::UrlDecodeUni => decode::url(input, true),
            Transform::Base64Decode => decode::base64(input, false),
            Transform::Base64DecodeExt => decode::base64(input, true),
            Transform::HexDecode => decode::hex(input),
            Transform::Md5 => md5::digest(input).to_vec(),
            Transform::Sha256 => {
                use sha2::Digest;
                sha2::Sha256::digest(input).to_vec()
            }
            Transform::ReplaceComments => replace_comments(input),
            Transform::RemoveCommentsChar => remove_comment_chars(input),
            Transform::EscapeSeqDecode => decode::escape_seq(input),
            Transform::SqlHexDecode => decode::sql_hex(input),
            Transform::CssDecode => decode::css(input),
            Transform::JsDecode => decode::js(input, false),
            Transform::JsDecodeExt => decode::js(input, true),
            Transform::NormalizePath => normalize_path(input, false),
            Transform::NormalizePathWin => normalize_path(input, true),
            Transform::RemoveNulls => input.iter().copied().filter(|&b| b != 0).collect(),
            Transform::ReplaceNulls => input
                .iter()
                .map(|&b| if b == 0 { b' ' } else { b })
                .collect(),
            Transform::Utf8ToUnicode => decode::utf8_to_unicode(input),
            Transform::RemoveWhitespace => {
                input.iter().copied().filter(|&b| !is_space(b)).collect()
            }
            Transform::Trim => trim_right(trim_left(input)).to_vec(),
            Transform::TrimLeft => trim_left(input).to_vec(),
            Transform::TrimRight => trim_right(input).to_vec(),
        }
    }
}

/// An ordered chain of transformations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Chain(Vec<Transform>);

impl Chain {
    /// Validates and orders the wire list: known types, unique non-negative priorities.
    pub fn compile(list: &[TextTransformation]) -> Result<Chain, WafError> {
        let mut items = Vec::with_capacity(list.len());
        for t in list {
            let kind = Transform::from_name(&t.kind).ok_or_else(|| {
                WafError::invalid("TEXT_TRANSFORMATION", t.kind.clone(), REASON_INVALID)
            })?;
            if t.priority < 0 || items.iter().any(|(p, _)| *p == t.priority) {
                return Err(WafError::invalid(
                    "TEXT_TRANSFORMATION",
                    t.priority.to_string(),
                    REASON_INVALID,
                ));
            }
            items.push((t.priority, kind));
        }
        items.sort_by_key(|(p, _)| *p);
        Ok(Chain(
            items
                .into_iter()
                .map(|(_, k)| k)
                .filter(|k| !k.is_none())
                .collect(),
        ))
    }

    /// A chain of the given transformations in this order.
    pub fn of(transforms: &[Transform]) -> Chain {
        Chain(
            transforms
                .iter()
                .copied()
                .filter(|k| !k.is_none())
                .collect(),
        )
    }

    /// The transformations in order (without `NONE`).
    pub fn transforms(&self) -> &[Transform] {
        &self.0
    }

    /// Runs the chain.
    pub fn apply(&self, input: &[u8]) -> Vec<u8> {
        let mut out = input.to_vec();
        for t in &self.0 {
            out = t.apply(&out);
        }
        out
    }
}

/// The whitespace of the transformations: space, `\t \n \v \f \r` and NBSP (0xA0).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0xa0)
}

fn trim_left(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_space(b)).unwrap_or(s.len());
    &s[start..]
}

fn trim_right(s: &[u8]) -> &[u8] {
    let end = s.iter().rposition(|&b| !is_space(b)).map_or(0, |i| i + 1);
    &s[..end]
}

fn compress_white_space(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    for &b in input {
        if is_space(b) {
            if out.last() != Some(&b' ') {
                out.push(b' ');
            }
        } else {
            out.push(b);
        }
    }
    out
}

/// `CMD_LINE`: deletes `\ " ' ^`, deletes spaces before `/` and `(`, turns `,` and `;` into
/// spaces, collapses whitespace, lowercases (`windows`); the POSIX form keeps case and `^`.
fn cmd_line(input: &[u8], windows: bool) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(input.len());
    for &b in input {
        match b {
            b'\\' | b'"' | b'\'' => {}
            b'^' if windows => {}
            b'/' | b'(' => {
                while out.last() == Some(&b' ') {
                    out.pop();
                }
                out.push(b);
            }
            b',' | b';' => {
                if out.last() != Some(&b' ') {
                    out.push(b' ');
                }
            }
            b if is_space(b) => {
                if out.last() != Some(&b' ') {
                    out.push(b' ');
                }
            }
            b => out.push(if windows { b.to_ascii_lowercase() } else { b }),
        }
    }
    out
}

/// `REPLACE_COMMENTS`: `/* ... */` (terminated or not) becomes one space; a lone `*/` stays.
fn replace_comments(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'/' && input.get(i + 1) == Some(&b'*') {
            let close = input[i + 2..].windows(2).position(|w| w == b"*/");
            out.push(b' ');
            i = match close {
                Some(p) => i + 2 + p + 2,
                None => input.len(),
            };
        } else {
            out.push(input[i]);
            i += 1;
        }
    }
    out
}

/// `REMOVE_COMMENTS_CHAR`: deletes `/*`, `*/`, `--` and `#`.
fn remove_comment_chars(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let pair = input.get(i..i + 2);
        if matches!(pair, Some(b"/*") | Some(b"*/") | Some(b"--")) {
            i += 2;
        } else if input[i] == b'#' {
            i += 1;
        } else {
            out.push(input[i]);
            i += 1;
        }
    }
    out
}

/// `NORMALIZE_PATH`: collapses `//`, drops `./` segments, resolves `../` against the previous
/// segment (a leading `../` stays).
fn normalize_path(input: &[u8], windows: bool) -> Vec<u8> {
    let src: Vec<u8> = if windows {
        input
            .iter()
            .map(|&b| if b == b'\\' { b'/' } else { b })
            .collect()
    } else {
        input.to_vec()
    };
    let absolute = src.first() == Some(&b'/');
    let trailing =
        src.len() > 1 && (src.ends_with(b"/") || src.ends_with(b"/.") || src.ends_with(b"/.."));
    let mut segments: Vec<&[u8]> = Vec::new();
    for seg in src.split(|&b| b == b'/') {
        match seg {
            b"" | b"." => {}
            b".." => {
                if matches!(segments.last(), Some(last) if *last != b"..") {
                    segments.pop();
                } else if !absolute {
                    segments.push(seg);
                }
            }
            _ => segments.push(seg),
        }
    }
    let mut out = Vec::with_capacity(src.len());
    if absolute {
        out.push(b'/');
    }
    out.extend_from_slice(&segments.join(&b'/'));
    if trailing && !segments.is_empty() {
        out.push(b'/');
    }
    out
}

#[cfg(test)]
mod tests;
