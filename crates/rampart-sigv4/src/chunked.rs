//! aws-chunked bodies: `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, its `-TRAILER` variant and
//! `STREAMING-UNSIGNED-PAYLOAD-TRAILER`.
//!
//! Signed framing: `<hex size>;chunk-signature=<sig>\r\n<data>\r\n` per chunk, then
//! `0;chunk-signature=<sig>\r\n`, then either `\r\n` or trailer lines `name:value\r\n` (the signed
//! variant ends them with `x-amz-trailer-signature:<sig>\r\n`) and a final `\r\n`. Unsigned
//! framing is the same without `;chunk-signature=...`. Each chunk signature signs
//! `AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n<previous signature>\n<sha256("")>\n<sha256(data)>`,
//! the chain starting from the request's seed signature; the trailer signature signs
//! `AWS4-HMAC-SHA256-TRAILER\n<date>\n<scope>\n<previous signature>\n<sha256(trailer lines)>`.

use std::fmt;
use std::time::SystemTime;

use http::HeaderMap;

use crate::amz_date;
use crate::error::{Error, ErrorKind};
use crate::key::{SigningKey, sha256_hex, signatures_equal};
use crate::request::{PayloadClaim, SignedRequest};

const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const TRAILER_SIGNATURE: &str = "x-amz-trailer-signature";

/// A decoded aws-chunked body. Debug prints sizes and trailer names only.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodedBody {
    /// The payload, chunk framing removed.
    pub payload: Vec<u8>,
    /// The trailers (e.g. `x-amz-checksum-crc32`), names lower-case, values trimmed; the
    /// trailer signature itself is not included.
    pub trailers: Vec<(String, String)>,
}

impl fmt::Debug for DecodedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodedBody")
            .field("payload_len", &self.payload.len())
            .field(
                "trailers",
                &self.trailers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The rolling state of a signature chain.
struct Chain<'a> {
    key: &'a SigningKey,
    amz_date: &'a str,
    previous: String,
}

impl Chain<'_> {
    fn prefix(&self, algorithm: &str) -> String {
        let mut s = String::with_capacity(256);
        s.push_str(algorithm);
        s.push('\n');
        s.push_str(self.amz_date);
        s.push('\n');
        self.key.scope().write_to(&mut s);
        s.push('\n');
        s.push_str(&self.previous);
        s.push('\n');
        s
    }

    fn chunk_signature(&self, data: &[u8]) -> String {
        let mut sts = self.prefix("AWS4-HMAC-SHA256-PAYLOAD");
        sts.push_str(EMPTY_SHA256);
        sts.push('\n');
        sts.push_str(&sha256_hex(data));
        self.key.sign_hex(sts.as_bytes())
    }

    fn trailer_signature(&self, canonical_trailers: &[u8]) -> String {
        let mut sts = self.prefix("AWS4-HMAC-SHA256-TRAILER");
        sts.push_str(&sha256_hex(canonical_trailers));
        self.key.sign_hex(sts.as_bytes())
    }
}

fn truncated() -> Error {
    Error::incomplete_body("The request body terminated unexpectedly")
}

fn bad_chunk_signature() -> Error {
    Error::new(
        ErrorKind::ChunkSignatureDoesNotMatch,
        crate::error::MISMATCH_MESSAGE,
    )
}

/// Reads one CRLF-terminated line starting at `*pos`.
fn read_line<'b>(body: &'b [u8], pos: &mut usize) -> Result<&'b [u8], Error> {
    let rest = body.get(*pos..).ok_or_else(truncated)?;
    let end = rest
        .windows(2)
        .position(|w| w == b"\r\n")
        .ok_or_else(truncated)?;
    *pos += end + 2;
    Ok(&rest[..end])
}

fn parse_size(hex: &[u8]) -> Result<usize, Error> {
    let malformed = || Error::incomplete_body("Invalid chunk size in aws-chunked body");
    if hex.is_empty() || hex.len() > 15 {
        return Err(malformed());
    }
    let s = std::str::from_utf8(hex).map_err(|_| malformed())?;
    usize::from_str_radix(s, 16).map_err(|_| malformed())
}

/// Decodes an aws-chunked `body` whose request `request` has already passed
/// [`SignedRequest::verify`]: checks every chunk signature in chain from the seed signature
/// (signed variants), the trailer signature (signed `-TRAILER`), the framing, and the declared
/// `x-amz-decoded-content-length` (when present), and returns the payload and trailers.
pub fn decode_chunked(
    request: &SignedRequest,
    headers: &HeaderMap,
    body: &[u8],
    key: &SigningKey,
) -> Result<DecodedBody, Error> {
    let (signed, with_trailers) = match request.payload() {
        PayloadClaim::StreamingSigned => (true, false),
        PayloadClaim::StreamingSignedTrailer => (true, true),
        PayloadClaim::StreamingUnsignedTrailer => (false, true),
        _ => {
            return Err(Error::incomplete_body(
                "The request body is not aws-chunked (x-amz-content-sha256 is not a STREAMING value)",
            ));
        }
    };
    if signed && key.scope() != request.scope() {
        return Err(bad_chunk_signature());
    }
    let mut chain = Chain {
        key,
        amz_date: &request.amz_date,
        previous: request.signature().to_owned(),
    };
    let mut payload = Vec::with_capacity(body.len());
    let mut pos = 0;
    loop {
        let header = read_line(body, &mut pos)?;
        let (size_hex, extension) = match header.iter().position(|&b| b == b';') {
            Some(i) => (&header[..i], Some(&header[i + 1..])),
            None => (header, None),
        };
        let size = parse_size(size_hex)?;
        let data = body
            .get(pos..)
            .and_then(|rest| rest.get(..size))
            .ok_or_else(truncated)?;
        pos += size;
        if signed {
            let provided = extension
                .and_then(|e| e.strip_prefix(b"chunk-signature="))
                .ok_or_else(|| Error::incomplete_body("Chunk is missing its chunk-signature"))?;
            let expected = chain.chunk_signature(data);
            let provided = std::str::from_utf8(provided).map_err(|_| bad_chunk_signature())?;
            if !signatures_equal(&expected, provided) {
                return Err(bad_chunk_signature());
            }
            chain.previous = expected;
        }
        if size == 0 {
            break;
        }
        payload.extend_from_slice(data);
        if read_line(body, &mut pos)? != b"" {
            return Err(Error::incomplete_body("Chunk data is not followed by CRLF"));
        }
    }
    let mut trailers = Vec::new();
    let mut canonical_trailers = Vec::new();
    let mut trailer_signature = None;
    loop {
        let line = read_line(body, &mut pos)?;
        if line.is_empty() {
            break;
        }
        if !with_trailers || trailer_signature.is_some() {
            return Err(Error::incomplete_body(
                "Unexpected data after the last chunk",
            ));
        }
        let line = std::str::from_utf8(line)
            .map_err(|_| Error::incomplete_body("Trailer is not valid UTF-8"))?;
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| Error::incomplete_body("Trailer is not a name:value pair"))?;
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name == TRAILER_SIGNATURE {
            trailer_signature = Some(value.to_owned());
            continue;
        }
        canonical_trailers.extend_from_slice(name.as_bytes());
        canonical_trailers.push(b':');
        canonical_trailers.extend_from_slice(value.as_bytes());
        canonical_trailers.push(b'\n');
        trailers.push((name, value.to_owned()));
    }
    if pos != body.len() {
        return Err(Error::incomplete_body(
            "Unexpected data after the last chunk",
        ));
    }
    if signed && with_trailers {
        let provided = trailer_signature
            .ok_or_else(|| Error::incomplete_body("Missing x-amz-trailer-signature"))?;
        if !signatures_equal(&chain.trailer_signature(&canonical_trailers), &provided) {
            return Err(bad_chunk_signature());
        }
    }
    if let Some(declared) = headers.get("x-amz-decoded-content-length") {
        let declared: Option<usize> = declared.to_str().ok().and_then(|s| s.trim().parse().ok());
        if declared != Some(payload.len()) {
            return Err(Error::new(
                ErrorKind::DecodedContentLengthMismatch,
                "You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header",
            ));
        }
    }
    Ok(DecodedBody { payload, trailers })
}

/// Frames `chunks` as a signed aws-chunked body (the client side of [`decode_chunked`]):
/// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` when `trailers` is empty, else its `-TRAILER` variant
/// with a trailer signature. `seed_signature` is what [`crate::sign`] returned for the request,
/// `time` its signing time and `key` its signing key. A final empty chunk is added.
pub fn encode_chunked(
    key: &SigningKey,
    time: SystemTime,
    seed_signature: &str,
    chunks: &[&[u8]],
    trailers: &[(&str, &str)],
) -> Result<Vec<u8>, Error> {
    let amz_date = amz_date::format(time)?;
    let mut chain = Chain {
        key,
        amz_date: &amz_date,
        previous: seed_signature.to_owned(),
    };
    let total: usize = chunks.iter().map(|c| c.len() + 100).sum();
    let mut out = Vec::with_capacity(total + 200);
    for data in chunks.iter().filter(|c| !c.is_empty()).chain([&&b""[..]]) {
        let signature = chain.chunk_signature(data);
        out.extend_from_slice(
            format!("{:x};chunk-signature={signature}\r\n", data.len()).as_bytes(),
        );
        out.extend_from_slice(data);
        if !data.is_empty() {
            out.extend_from_slice(b"\r\n");
        }
        chain.previous = signature;
    }
    if !trailers.is_empty() {
        let mut canonical = Vec::new();
        for (name, value) in trailers {
            let line = format!("{}:{}", name.to_ascii_lowercase(), value.trim());
            canonical.extend_from_slice(line.as_bytes());
            canonical.push(b'\n');
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        let signature = chain.trailer_signature(&canonical);
        out.extend_from_slice(format!("{TRAILER_SIGNATURE}:{signature}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::parse;
    use crate::{CredentialScope, ErrorKind};
    use http::Method;

    fn request(claim: &str) -> (SignedRequest, HeaderMap) {
        let mut h = HeaderMap::new();
        h.insert("x-amz-date", "20130524T000000Z".parse().unwrap());
        h.insert("x-amz-content-sha256", claim.parse().unwrap());
        h.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=seed"
                .parse()
                .unwrap(),
        );
        let r = parse(&Method::PUT, &"/b/k".parse().unwrap(), &h).unwrap();
        (r, h)
    }

    fn key() -> SigningKey {
        SigningKey::derive("s", &CredentialScope::new("20130524", "us-east-1", "s3"))
    }

    fn t() -> SystemTime {
        amz_date::parse("20130524T000000Z").unwrap()
    }

    #[test]
    fn unsigned_trailer_as_botocore_writes_it() {
        let (r, h) = request("STREAMING-UNSIGNED-PAYLOAD-TRAILER");
        let body = b"5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
        let d = decode_chunked(&r, &h, body, &key()).unwrap();
        assert_eq!(d.payload, b"hello world");
        assert_eq!(
            d.trailers,
            [("x-amz-checksum-crc32".to_owned(), "DUoRhQ==".to_owned())]
        );
        assert!(!format!("{d:?}").contains("hello"));
    }

    #[test]
    fn framing_errors() {
        let (r, h) = request("STREAMING-UNSIGNED-PAYLOAD-TRAILER");
        for bad in [
            &b"5\r\nhello\r\n0\r\n"[..],
            b"5\r\nhelloX\r\n0\r\n\r\n",
            b"zz\r\nhello\r\n0\r\n\r\n",
            b"\r\n",
            b"",
            b"5\r\nhello\r\n0\r\n\r\ngarbage",
            b"5\r\nhello\r\n0\r\nno-colon\r\n\r\n",
            b"ffffffffffffffff\r\n",
        ] {
            let e = decode_chunked(&r, &h, bad, &key()).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::IncompleteBody, "{bad:?}");
        }
    }

    #[test]
    fn signed_without_trailers_refuses_trailers() {
        let (r, h) = request("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
        let body = encode_chunked(&key(), t(), "seed", &[b"abc"], &[("x-a", "1")]).unwrap();
        let e = decode_chunked(&r, &h, &body, &key()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IncompleteBody);
        let body = encode_chunked(&key(), t(), "seed", &[b"abc"], &[]).unwrap();
        assert_eq!(
            decode_chunked(&r, &h, &body, &key()).unwrap().payload,
            b"abc"
        );
    }

    #[test]
    fn signed_chunks_need_signatures_and_the_right_key() {
        let (r, h) = request("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
        let e = decode_chunked(&r, &h, b"3\r\nabc\r\n0\r\n\r\n", &key()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IncompleteBody);
        let body = encode_chunked(&key(), t(), "seed", &[b"abc"], &[]).unwrap();
        let other = SigningKey::derive("s2", &CredentialScope::new("20130524", "us-east-1", "s3"));
        let e = decode_chunked(&r, &h, &body, &other).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ChunkSignatureDoesNotMatch);
        let wrong_scope =
            SigningKey::derive("s", &CredentialScope::new("20130524", "eu-west-1", "s3"));
        let e = decode_chunked(&r, &h, &body, &wrong_scope).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ChunkSignatureDoesNotMatch);
    }

    #[test]
    fn signed_trailer_needs_its_signature() {
        let (r, h) = request("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
        let body = encode_chunked(&key(), t(), "seed", &[b"abc"], &[("x-a", "1")]).unwrap();
        assert_eq!(
            decode_chunked(&r, &h, &body, &key()).unwrap().payload,
            b"abc"
        );
        let text = String::from_utf8(body).unwrap();
        let cut = text.find("x-amz-trailer-signature").unwrap();
        let without = format!("{}\r\n", &text[..cut]);
        let e = decode_chunked(&r, &h, without.as_bytes(), &key()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IncompleteBody);
    }

    #[test]
    fn not_streaming_is_refused() {
        let (r, h) = request("UNSIGNED-PAYLOAD");
        let e = decode_chunked(&r, &h, b"0\r\n\r\n", &key()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IncompleteBody);
    }
}
