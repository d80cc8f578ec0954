//! DER encoding, the little of it that public keys need (SSH keys shown as PEM, JWKs read
//! by aws-lc-rs).

/// One DER element: `tag`, the definite length of `contents`, then `contents`.
pub(crate) fn element(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(contents);
    out
}

#[cfg(test)]
mod tests {
    use super::element;

    #[test]
    fn short_and_long_lengths() {
        assert_eq!(element(0x02, &[1]), [0x02, 1, 1]);
        assert_eq!(element(0x04, &[7; 0x7f])[..2], [0x04, 0x7f]);
        assert_eq!(element(0x04, &[7; 0x80])[..3], [0x04, 0x81, 0x80]);
        assert_eq!(element(0x30, &[0; 0x1234])[..4], [0x30, 0x82, 0x12, 0x34]);
    }
}
