use super::*;
use proptest::prelude::*;

fn t(kind: Transform, input: &[u8]) -> Vec<u8> {
    kind.apply(input)
}

fn s(kind: Transform, input: &str) -> String {
    String::from_utf8_lossy(&kind.apply(input.as_bytes())).into_owned()
}

#[test]
fn every_wire_name_parses() {
    let names = [
        "NONE",
        "COMPRESS_WHITE_SPACE",
        "HTML_ENTITY_DECODE",
        "LOWERCASE",
        "CMD_LINE",
        "URL_DECODE",
        "BASE64_DECODE",
        "HEX_DECODE",
        "MD5",
        "REPLACE_COMMENTS",
        "ESCAPE_SEQ_DECODE",
        "SQL_HEX_DECODE",
        "CSS_DECODE",
        "JS_DECODE",
        "NORMALIZE_PATH",
        "NORMALIZE_PATH_WIN",
        "REMOVE_NULLS",
        "REPLACE_NULLS",
        "BASE64_DECODE_EXT",
        "URL_DECODE_UNI",
        "UTF8_TO_UNICODE",
        "REMOVE_WHITESPACE",
        "TRIM",
        "TRIM_LEFT",
        "TRIM_RIGHT",
        "REMOVE_COMMENTS_CHAR",
        "UPPERCASE",
        "CMD_LINE_WIN",
        "CMD_LINE_UNIX",
        "JS_DECODE_EXT",
        "SHA256",
    ];
    assert_eq!(
        names.len(),
        31,
        "botocore's TextTransformationType has 31 members"
    );
    for n in names {
        assert!(Transform::from_name(n).is_some(), "{n}");
    }
    assert!(Transform::from_name("lowercase").is_none());
}

#[test]
fn none_and_case() {
    assert_eq!(s(Transform::None, "AbC"), "AbC");
    assert_eq!(s(Transform::Lowercase, "SeLeCt É"), "select É");
    assert_eq!(s(Transform::Uppercase, "select"), "SELECT");
}

#[test]
fn compress_white_space() {
    assert_eq!(
        t(Transform::CompressWhiteSpace, b"a \t\n\r\x0b\x0c\xa0b  c"),
        b"a b c"
    );
}

#[test]
fn remove_whitespace_and_trims() {
    assert_eq!(s(Transform::RemoveWhitespace, " a b\tc\n"), "abc");
    assert_eq!(s(Transform::Trim, " \t a b \n"), "a b");
    assert_eq!(s(Transform::TrimLeft, "  a "), "a ");
    assert_eq!(s(Transform::TrimRight, "  a "), "  a");
    assert_eq!(s(Transform::Trim, "   "), "");
}

#[test]
fn html_entity_decode() {
    assert_eq!(
        s(
            Transform::HtmlEntityDecode,
            "&lt;script&gt; &quot;x&quot; &amp; &apos;"
        ),
        "<script> \"x\" & '"
    );
    assert_eq!(t(Transform::HtmlEntityDecode, b"&nbsp;"), vec![0xa0]);
    assert_eq!(
        s(Transform::HtmlEntityDecode, "&#60;&#x3c;&#X3C;&#0060"),
        "<<<<"
    );
    assert_eq!(s(Transform::HtmlEntityDecode, "&#x20AC;"), "€");
    assert_eq!(
        s(Transform::HtmlEntityDecode, "AT&T &unknown; &#;"),
        "AT&T &unknown; &#;"
    );
}

#[test]
fn url_decode() {
    assert_eq!(s(Transform::UrlDecode, "%27%20OR%201%3D1"), "' OR 1=1");
    assert_eq!(s(Transform::UrlDecode, "a+b"), "a b");
    assert_eq!(
        s(Transform::UrlDecode, "100%"),
        "100%",
        "an invalid escape stays"
    );
    assert_eq!(s(Transform::UrlDecode, "%zz%4"), "%zz%4");
    assert_eq!(
        s(Transform::UrlDecode, "%u0041"),
        "%u0041",
        "plain URL_DECODE ignores %u"
    );
}

#[test]
fn url_decode_uni() {
    assert_eq!(s(Transform::UrlDecodeUni, "%u0041%27"), "A'");
    assert_eq!(
        s(Transform::UrlDecodeUni, "%uFF1C"),
        "<",
        "full-width maps to ASCII"
    );
    assert_eq!(
        t(Transform::UrlDecodeUni, b"%u1234"),
        vec![0x34],
        "otherwise the high byte is dropped"
    );
}

#[test]
fn base64_decodes() {
    assert_eq!(s(Transform::Base64Decode, "PHNjcmlwdD4="), "<script>");
    assert_eq!(
        s(Transform::Base64Decode, "PHNj.cmlwdD4="),
        "<sc",
        "strict stops at invalid input"
    );
    assert_eq!(
        s(Transform::Base64DecodeExt, "PHNj.cml wdD4="),
        "<script>",
        "EXT skips invalid input"
    );
}

#[test]
fn hex_decode() {
    assert_eq!(s(Transform::HexDecode, "414243"), "ABC");
    assert_eq!(s(Transform::HexDecode, "41zz"), "Azz");
}

#[test]
fn sql_hex_decode() {
    assert_eq!(
        s(Transform::SqlHexDecode, "select 0x414243 from t"),
        "select ABC from t"
    );
    assert_eq!(s(Transform::SqlHexDecode, "0x 0xg1"), "0x 0xg1");
}

#[test]
fn md5_and_sha256_give_raw_digests() {
    // RFC 1321 test vectors.
    assert_eq!(
        hex::encode(t(Transform::Md5, b"")),
        "d41d8cd98f00b204e9800998ecf8427e"
    );
    assert_eq!(
        hex::encode(t(Transform::Md5, b"abc")),
        "900150983cd24fb0d6963f7d28e17f72"
    );
    assert_eq!(
        hex::encode(t(
            Transform::Md5,
            b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
        )),
        "57edf4a22be3c955ac49da2e2107b67a"
    );
    assert_eq!(
        hex::encode(t(Transform::Sha256, b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn replace_comments() {
    assert_eq!(
        s(Transform::ReplaceComments, "UNION/**/SELECT"),
        "UNION SELECT"
    );
    assert_eq!(s(Transform::ReplaceComments, "a/* x */b/* open"), "a b ");
    assert_eq!(
        s(Transform::ReplaceComments, "a */ b"),
        "a */ b",
        "a lone terminator stays"
    );
}

#[test]
fn remove_comments_char() {
    assert_eq!(s(Transform::RemoveCommentsChar, "a/*b*/c--d#e"), "abcde");
}

#[test]
fn cmd_line() {
    assert_eq!(
        s(Transform::CmdLine, "C^M\"D.e'x\\e /c  DiR,a;b ("),
        "cmd.exe/c dir a b("
    );
    assert_eq!(s(Transform::CmdLineWin, "NET  USER"), "net user");
    assert_eq!(
        s(Transform::CmdLineUnix, "C\"A\"T /etc/passwd"),
        "CAT/etc/passwd"
    );
}

#[test]
fn escape_seq_decode() {
    assert_eq!(
        s(Transform::EscapeSeqDecode, r"a\tb\nc\\d\?\'\x41\101\q"),
        "a\tb\nc\\d?'AA\\q"
    );
}

#[test]
fn css_decode() {
    assert_eq!(s(Transform::CssDecode, r"ja\vascript"), "javascript");
    assert_eq!(s(Transform::CssDecode, r"\6a \61 vascript"), "javascript");
    assert_eq!(s(Transform::CssDecode, "a\\\nb"), "ab");
    assert_eq!(s(Transform::CssDecode, r"\FF1C"), "<");
}

#[test]
fn js_decode() {
    assert_eq!(
        s(Transform::JsDecode, r"\u0061lert\x28\061\)\n"),
        "alert(1)\n"
    );
    assert_eq!(s(Transform::JsDecode, r"\uFF1Cscript"), "<script");
    assert_eq!(s(Transform::JsDecode, r"\q\u12"), "qu12");
    assert_eq!(s(Transform::JsDecodeExt, r"\u{61}\u00e9"), "aé");
}

#[test]
fn normalize_path() {
    assert_eq!(s(Transform::NormalizePath, "/a//b/./c/../d"), "/a/b/d");
    assert_eq!(s(Transform::NormalizePath, "/a/b/"), "/a/b/");
    assert_eq!(
        s(Transform::NormalizePath, "../../etc/passwd"),
        "../../etc/passwd",
        "a leading ../ stays"
    );
    assert_eq!(s(Transform::NormalizePath, "/../etc/passwd"), "/etc/passwd");
    assert_eq!(s(Transform::NormalizePathWin, r"C:\a\..\b\.\c"), "C:/b/c");
}

#[test]
fn nulls() {
    assert_eq!(t(Transform::RemoveNulls, b"a\0b\0"), b"ab");
    assert_eq!(t(Transform::ReplaceNulls, b"a\0b"), b"a b");
}

#[test]
fn utf8_to_unicode() {
    assert_eq!(s(Transform::Utf8ToUnicode, "aé€"), "a%u00e9%u20ac");
    assert_eq!(t(Transform::Utf8ToUnicode, b"a\xffb"), b"a\xffb");
}

#[test]
fn chains_run_in_priority_order() {
    let tts = vec![
        TextTransformation {
            priority: 5,
            kind: "LOWERCASE".into(),
        },
        TextTransformation {
            priority: 1,
            kind: "URL_DECODE".into(),
        },
        TextTransformation {
            priority: 3,
            kind: "NONE".into(),
        },
    ];
    let chain = Chain::compile(&tts).unwrap();
    assert_eq!(
        chain.transforms(),
        &[Transform::UrlDecode, Transform::Lowercase]
    );
    assert_eq!(chain.apply(b"%53ELECT"), b"select");
    // Order matters: decoding base64 then URL is not URL then base64.
    let a = Chain::of(&[Transform::UrlDecode, Transform::Base64Decode]).apply(b"PHNjcmlwdD4%3D");
    assert_eq!(a, b"<script>");
}

#[test]
fn chain_errors() {
    let dup = vec![
        TextTransformation {
            priority: 0,
            kind: "LOWERCASE".into(),
        },
        TextTransformation {
            priority: 0,
            kind: "URL_DECODE".into(),
        },
    ];
    assert_eq!(
        Chain::compile(&dup).unwrap_err().field,
        "TEXT_TRANSFORMATION"
    );
    let unknown = vec![TextTransformation {
        priority: 0,
        kind: "ROT13".into(),
    }];
    assert_eq!(Chain::compile(&unknown).unwrap_err().parameter, "ROT13");
    let negative = vec![TextTransformation {
        priority: -1,
        kind: "NONE".into(),
    }];
    assert!(Chain::compile(&negative).is_err());
}

const ALL: [Transform; 31] = [
    Transform::None,
    Transform::CompressWhiteSpace,
    Transform::HtmlEntityDecode,
    Transform::Lowercase,
    Transform::Uppercase,
    Transform::CmdLine,
    Transform::CmdLineWin,
    Transform::CmdLineUnix,
    Transform::UrlDecode,
    Transform::UrlDecodeUni,
    Transform::Base64Decode,
    Transform::Base64DecodeExt,
    Transform::HexDecode,
    Transform::Md5,
    Transform::Sha256,
    Transform::ReplaceComments,
    Transform::RemoveCommentsChar,
    Transform::EscapeSeqDecode,
    Transform::SqlHexDecode,
    Transform::CssDecode,
    Transform::JsDecode,
    Transform::JsDecodeExt,
    Transform::NormalizePath,
    Transform::NormalizePathWin,
    Transform::RemoveNulls,
    Transform::ReplaceNulls,
    Transform::Utf8ToUnicode,
    Transform::RemoveWhitespace,
    Transform::Trim,
    Transform::TrimLeft,
    Transform::TrimRight,
];

proptest! {
    #[test]
    fn transformations_never_panic_and_stay_bounded(input in proptest::collection::vec(any::<u8>(), 0..512)) {
        for t in ALL {
            let out = t.apply(&input);
            // Only UTF8_TO_UNICODE expands (at most 6 output bytes per 2 input bytes) and digests
            // have a fixed size.
            prop_assert!(out.len() <= input.len() * 3 + 32, "{:?} grew too much", t);
        }
    }

    #[test]
    fn decoders_are_identity_on_plain_text(input in "[a-zA-Z0-9 ]{0,64}") {
        for t in [Transform::UrlDecode, Transform::HtmlEntityDecode, Transform::JsDecode, Transform::CssDecode,
                  Transform::EscapeSeqDecode, Transform::ReplaceComments, Transform::RemoveNulls] {
            prop_assert_eq!(t.apply(input.as_bytes()), input.as_bytes().to_vec());
        }
    }
}
