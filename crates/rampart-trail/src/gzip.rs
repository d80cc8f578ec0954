//! Gzip in and out, as CloudTrail writes every log and digest file.

use flate2::Compression;
use flate2::bufread::GzDecoder;
use flate2::write::GzEncoder;
use std::io::{Read, Write};

/// Gzips `data`.
pub fn compress(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// Un-gzips one gzip member; `None` when the bytes are not gzip, are truncated, or carry
/// data after the end of the compressed stream (as `validate-logs` refuses them).
pub fn decompress(data: &[u8]) -> Option<Vec<u8>> {
    let mut decoder = GzDecoder::new(data);
    let mut out = Vec::new();
    decoder.read_to_end(&mut out).ok()?;
    let rest = decoder.into_inner();
    rest.is_empty().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let data = b"{\"Records\":[]}";
        assert_eq!(decompress(&compress(data)).as_deref(), Some(&data[..]));
    }

    #[test]
    fn refuses_garbage_truncation_and_trailing_data() {
        let gz = compress(b"hello world");
        assert_eq!(decompress(b"plain text"), None);
        assert_eq!(decompress(&gz[..gz.len() - 3]), None);
        let mut longer = gz.clone();
        longer.extend_from_slice(b"junk");
        assert_eq!(decompress(&longer), None);
    }
}
