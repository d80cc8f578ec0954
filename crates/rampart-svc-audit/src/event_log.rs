//! The recorded-event log: how events sit in the store, and the one way to read them.
//!
//! Events are stored in segments, one store item per (account-and-region space, recorder
//! batch): the item's id is the segment number (20 digits, so ids sort by number) and its value
//! the events' JSON records, one per line, LZ4-compressed (see [`segment_value`]; segments
//! written before compression are plain lines and read as such). Segment numbers strictly
//! increase in the order the
//! recorder commits them, so a [`Position`] (segment, line) orders every event of a space by
//! recording order, which is what delivery follows and what LookupEvents pages through.
//! Packing a batch into one item keeps the cost of recording a call far below that of a row
//! per event.

use rampart_store::{Batch, Expect, Key, Scan, Store, StoreError};
use rampart_trail::Event;
use serde::{Deserialize, Serialize};

/// The table segments live in, in each account-and-region space.
pub(crate) const SEGMENT_TABLE: &str = "cloudtrail.segment";
/// How many segments one store read returns.
const READ_CHUNK: usize = 16;
/// The first byte of a compressed segment: a plain segment starts with a record's `{`.
const COMPRESSED: u8 = 1;
/// The largest decompressed segment read (the recorder writes at most a few MiB): a corrupt
/// length cannot make a reader allocate more.
const MAX_SEGMENT_TEXT: usize = 64 * 1024 * 1024;

/// Where an event sits in its space's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct Position {
    /// The segment number.
    pub segment: u64,
    /// The event's line within the segment.
    pub line: u32,
}

/// Whether a reader wants more.
pub(crate) enum Flow {
    /// Go on.
    More,
    /// Stop here.
    Stop,
}

/// The id of segment `n`.
pub(crate) fn segment_id(n: u64) -> String {
    format!("{n:020}")
}

/// The key of segment `n` of `space`.
pub(crate) fn segment_key(space: &str, n: u64) -> Key {
    Key::new(space, SEGMENT_TABLE, segment_id(n))
}

/// The stored value of a segment holding `lines` (events' JSON records, each ending in a
/// newline): [`COMPRESSED`], the text's length (4 bytes, little-endian), then the text as one
/// LZ4 block. JSON records repeat their keys and identities, so a segment shrinks several
/// times over, and so do the store's writes, which are most of what recording costs.
pub(crate) fn segment_value(lines: &[u8]) -> Vec<u8> {
    let mut value = vec![COMPRESSED];
    value.extend_from_slice(&lz4_flex::block::compress_prepend_size(lines));
    value
}

/// The JSON lines of a stored segment; `None` when a compressed one is corrupt.
fn segment_text(value: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
    let Some((&COMPRESSED, rest)) = value.split_first() else {
        return Some(std::borrow::Cow::Borrowed(value));
    };
    let (length, block) = rest.split_first_chunk::<4>()?;
    let length = usize::try_from(u32::from_le_bytes(*length)).ok()?;
    if length > MAX_SEGMENT_TEXT {
        return None;
    }
    let text = lz4_flex::block::decompress(block, length).ok()?;
    (text.len() == length).then_some(std::borrow::Cow::Owned(text))
}

/// Adds segment `n` of `space`, holding `value` (see [`segment_value`]), to `batch`; the
/// commit fails with a conflict rather than replace a segment already stored.
pub(crate) fn add_segment(batch: Batch, space: &str, n: u64, value: Vec<u8>) -> Batch {
    batch.put_if(segment_key(space, n), value, Expect::Absent)
}

/// The highest segment number in `space`, if any.
pub(crate) fn last_segment(store: &dyn Store, space: &str) -> Result<Option<u64>, StoreError> {
    let items = store.scan(space, SEGMENT_TABLE, &Scan::new("", 1).reversed())?;
    Ok(items.first().and_then(|item| item.key.id.parse().ok()))
}

/// Calls `visit` with every event of `space` after `after` (from the start when `None`) whose
/// segment number is at most `through` (no bound when `None`), oldest first, until it says stop.
pub(crate) fn read_forward(
    store: &dyn Store,
    space: &str,
    after: Option<Position>,
    through: Option<u64>,
    mut visit: impl FnMut(Position, Event) -> Flow,
) -> Result<(), StoreError> {
    let mut scan = Scan::new("", READ_CHUNK);
    if let Some(p) = after {
        // Start at the cursor's own segment: part of it may be unread.
        if let Some(before) = p.segment.checked_sub(1) {
            scan = scan.after(segment_id(before));
        }
    }
    loop {
        let items = store.scan(space, SEGMENT_TABLE, &scan)?;
        for item in &items {
            let Ok(segment) = item.key.id.parse::<u64>() else {
                continue;
            };
            if through.is_some_and(|t| segment > t) {
                return Ok(());
            }
            for (line, event) in events(&item.value) {
                let here = Position { segment, line };
                if after.is_some_and(|a| here <= a) {
                    continue;
                }
                if let Flow::Stop = visit(here, event) {
                    return Ok(());
                }
            }
        }
        match items.last() {
            Some(last) if items.len() == READ_CHUNK => scan = scan.after(last.key.id.clone()),
            _ => return Ok(()),
        }
    }
}

/// Calls `visit` with every event of `space` before `before` (from the newest when `None`),
/// newest first, until it says stop.
pub(crate) fn read_backward(
    store: &dyn Store,
    space: &str,
    before: Option<Position>,
    mut visit: impl FnMut(Position, Event) -> Flow,
) -> Result<(), StoreError> {
    let mut scan = Scan::new("", READ_CHUNK).reversed();
    if let Some(p) = before {
        scan = scan.after(segment_id(p.segment.saturating_add(1)));
    }
    loop {
        let items = store.scan(space, SEGMENT_TABLE, &scan)?;
        for item in &items {
            let Ok(segment) = item.key.id.parse::<u64>() else {
                continue;
            };
            let mut lines = events(&item.value);
            lines.reverse();
            for (line, event) in lines {
                let here = Position { segment, line };
                if before.is_some_and(|b| here >= b) {
                    continue;
                }
                if let Flow::Stop = visit(here, event) {
                    return Ok(());
                }
            }
        }
        match items.last() {
            Some(last) if items.len() == READ_CHUNK => scan = scan.after(last.key.id.clone()),
            _ => return Ok(()),
        }
    }
}

/// The events of one segment with their line numbers; a line that does not parse is skipped,
/// and so is a corrupt segment (reported in the log).
fn events(value: &[u8]) -> Vec<(u32, Event)> {
    let Some(text) = segment_text(value) else {
        tracing::error!("a CloudTrail segment is corrupt; its events are skipped");
        return Vec::new();
    };
    text.split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .enumerate()
        .filter_map(|(i, line)| {
            let line_no = u32::try_from(i).ok()?;
            let text = std::str::from_utf8(line).ok()?;
            Event::from_json(text).ok().map(|e| (line_no, e))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_store::MemStore;
    use rampart_trail::UserIdentity;
    use time::OffsetDateTime;

    /// The JSON line of an event named `name`.
    fn event(name: &str) -> Vec<u8> {
        let mut line = Event::api_call(
            UserIdentity::anonymous(),
            OffsetDateTime::UNIX_EPOCH,
            "kms.amazonaws.com",
            name,
            "us-east-1",
            "127.0.0.1",
            "123456789012",
        )
        .to_json()
        .into_bytes();
        line.push(b'\n');
        line
    }

    fn store_with(segments: &[(u64, &[&str])]) -> MemStore {
        let store = MemStore::new();
        let mut batch = Batch::new();
        for (n, names) in segments {
            let lines: Vec<u8> = names.iter().flat_map(|n| event(n)).collect();
            batch = add_segment(batch, "s", *n, segment_value(&lines));
        }
        store.commit(batch).unwrap();
        store
    }

    fn forward(store: &MemStore, after: Option<Position>, through: Option<u64>) -> Vec<String> {
        let mut out = Vec::new();
        read_forward(store, "s", after, through, |_, e| {
            out.push(e.event_name);
            Flow::More
        })
        .unwrap();
        out
    }

    fn backward(store: &MemStore, before: Option<Position>) -> Vec<(Position, String)> {
        let mut out = Vec::new();
        read_backward(store, "s", before, |p, e| {
            out.push((p, e.event_name));
            Flow::More
        })
        .unwrap();
        out
    }

    #[test]
    fn forward_reads_follow_recording_order_from_any_position() {
        let store = store_with(&[(5, &["a", "b"]), (9, &["c"]), (12, &["d", "e"])]);
        assert_eq!(forward(&store, None, None), ["a", "b", "c", "d", "e"]);
        let after_b = Some(Position {
            segment: 5,
            line: 1,
        });
        assert_eq!(forward(&store, after_b, None), ["c", "d", "e"]);
        let after_a = Some(Position {
            segment: 5,
            line: 0,
        });
        assert_eq!(forward(&store, after_a, Some(9)), ["b", "c"]);
        assert_eq!(last_segment(&store, "s").unwrap(), Some(12));
        assert_eq!(last_segment(&store, "empty").unwrap(), None);
    }

    #[test]
    fn backward_reads_are_newest_first_and_resume_before_a_position() {
        let store = store_with(&[(5, &["a", "b"]), (9, &["c"]), (12, &["d", "e"])]);
        let all = backward(&store, None);
        let names: Vec<&str> = all.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names, ["e", "d", "c", "b", "a"]);
        let before_d = all[1].0;
        let rest: Vec<String> = backward(&store, Some(before_d))
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(rest, ["c", "b", "a"]);
    }

    #[test]
    fn many_segments_are_read_across_chunks() {
        let names: Vec<String> = (0..50).map(|i| format!("e{i}")).collect();
        let segments: Vec<(u64, Vec<&str>)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (i as u64 + 1, vec![n.as_str()]))
            .collect();
        let refs: Vec<(u64, &[&str])> = segments.iter().map(|(n, v)| (*n, v.as_slice())).collect();
        let store = store_with(&refs);
        assert_eq!(forward(&store, None, None), names);
        let mut reversed = names.clone();
        reversed.reverse();
        let back: Vec<String> = backward(&store, None).into_iter().map(|(_, n)| n).collect();
        assert_eq!(back, reversed);
    }

    #[test]
    fn segments_are_compressed_and_plain_ones_still_read() {
        let lines: Vec<u8> = (0..100).flat_map(|i| event(&format!("e{i}"))).collect();
        let value = segment_value(&lines);
        assert!(
            value.len() * 4 < lines.len(),
            "{} of {}",
            value.len(),
            lines.len()
        );
        let store = MemStore::new();
        let plain: Vec<u8> = ["x", "y"].iter().flat_map(|n| event(n)).collect();
        let batch = add_segment(Batch::new(), "s", 1, plain);
        store.commit(add_segment(batch, "s", 2, value)).unwrap();
        let read = forward(&store, None, None);
        assert_eq!(read.len(), 102);
        assert_eq!(read[..3], ["x", "y", "e0"]);
    }

    #[test]
    fn a_corrupt_segment_is_skipped_not_fatal() {
        let mut truncated = segment_value(&event("lost"));
        truncated.truncate(truncated.len() - 3);
        let mut huge = vec![COMPRESSED];
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        huge.extend_from_slice(b"junk");
        let store = MemStore::new();
        let mut batch = Batch::new();
        for (n, value) in [
            (1, truncated),
            (2, huge),
            (3, segment_value(&event("kept"))),
        ] {
            batch = add_segment(batch, "s", n, value);
        }
        store.commit(batch).unwrap();
        assert_eq!(forward(&store, None, None), ["kept"]);
    }
}
