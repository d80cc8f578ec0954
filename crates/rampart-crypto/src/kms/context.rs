//! The encryption context's canonical byte form, bound as associated data.

use std::collections::BTreeMap;

/// The unambiguous encoding of an encryption context: the pair count, then each pair sorted by
/// key bytes, key and value each prefixed by its length (all lengths `u32` big-endian).
///
/// Pair order in the request does not matter, and no two different contexts encode alike
/// (`{"ab":"c"}` and `{"a":"bc"}` differ).
pub fn canonical_context(context: &BTreeMap<String, String>) -> Vec<u8> {
    let mut out = Vec::with_capacity(canonical_len(context));
    write_canonical(context, &mut out);
    out
}

/// The length of [`canonical_context`]'s encoding.
pub(super) fn canonical_len(context: &BTreeMap<String, String>) -> usize {
    4 + context
        .iter()
        .map(|(k, v)| 8 + k.len() + v.len())
        .sum::<usize>()
}

/// Appends [`canonical_context`]'s encoding to `out`.
pub(super) fn write_canonical(context: &BTreeMap<String, String>, out: &mut Vec<u8>) {
    push_len(out, context.len());
    for (key, value) in context {
        push_len(out, key.len());
        out.extend_from_slice(key.as_bytes());
        push_len(out, value.len());
        out.extend_from_slice(value.as_bytes());
    }
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    let len = u32::try_from(len).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn empty_context_is_a_zero_count() {
        assert_eq!(canonical_context(&BTreeMap::new()), vec![0, 0, 0, 0]);
    }

    #[test]
    fn splitting_differently_changes_the_encoding() {
        assert_ne!(
            canonical_context(&ctx(&[("ab", "c")])),
            canonical_context(&ctx(&[("a", "bc")]))
        );
        assert_ne!(
            canonical_context(&ctx(&[("a", "b"), ("c", "d")])),
            canonical_context(&ctx(&[("a", "b\0\0\0\u{1}cd")]))
        );
    }

    #[test]
    fn layout_is_count_then_length_prefixed_pairs() {
        assert_eq!(
            canonical_context(&ctx(&[("b", "2"), ("a", "1")])),
            [
                &[0, 0, 0, 2][..],
                &[0, 0, 0, 1],
                b"a",
                &[0, 0, 0, 1],
                b"1",
                &[0, 0, 0, 1],
                b"b",
                &[0, 0, 0, 1],
                b"2"
            ]
            .concat()
        );
    }
}
