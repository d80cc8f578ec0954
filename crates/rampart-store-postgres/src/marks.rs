//! Per-table watermarks of one store handle, as a local logical clock.
//!
//! Watermarks are not store versions: every change this handle learns of (its own commit or
//! a notification from another node) gives its tables a new tick, and a "bump all" (after the
//! notification stream was interrupted) moves every table at once by raising a floor. A
//! table's watermark is the larger of its tick and the floor, so it only grows, moves with
//! every change of the table, and never moves for another table's change.

use std::collections::HashMap;

/// The watermark state; the caller holds it behind a mutex.
#[derive(Debug, Default)]
pub(crate) struct Marks {
    tick: u64,
    floor: u64,
    /// Space → table → tick, nested so a lookup borrows the names instead of copying them.
    tables: HashMap<String, HashMap<String, u64>>,
}

impl Marks {
    /// Records a change of each of `tables`.
    pub(crate) fn changed<'a>(&mut self, tables: impl IntoIterator<Item = (&'a str, &'a str)>) {
        self.tick += 1;
        for (space, table) in tables {
            self.tables
                .entry(space.to_owned())
                .or_default()
                .insert(table.to_owned(), self.tick);
        }
    }

    /// Moves every table's watermark (changes may have been missed).
    pub(crate) fn bump_all(&mut self) {
        self.tick += 1;
        self.floor = self.tick;
    }

    /// The watermark of (space, table).
    pub(crate) fn get(&self, space: &str, table: &str) -> u64 {
        let own = self
            .tables
            .get(space)
            .and_then(|tables| tables.get(table))
            .copied()
            .unwrap_or(0);
        own.max(self.floor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_change_moves_only_its_tables() {
        let mut marks = Marks::default();
        let (a, b) = (marks.get("s", "a"), marks.get("s", "b"));
        marks.changed([("s", "a")]);
        assert!(marks.get("s", "a") > a);
        assert_eq!(marks.get("s", "b"), b);
        assert_eq!(marks.get("t", "a"), b);
    }

    #[test]
    fn bump_all_moves_every_table_and_later_changes_still_move() {
        let mut marks = Marks::default();
        marks.changed([("s", "a")]);
        let (a, b) = (marks.get("s", "a"), marks.get("s", "b"));
        marks.bump_all();
        assert!(marks.get("s", "a") > a);
        assert!(marks.get("s", "b") > b);
        let before = marks.get("s", "a");
        marks.changed([("s", "a")]);
        assert!(marks.get("s", "a") > before);
    }

    proptest! {
        /// Whatever happens, a watermark never goes back, and it moves on every change of its
        /// table and on every bump.
        #[test]
        fn watermarks_only_grow(steps in proptest::collection::vec(0u8..4, 0..60)) {
            let mut marks = Marks::default();
            let names = [("s", "a"), ("s", "b"), ("t", "a")];
            let mut last: Vec<u64> = names.iter().map(|(s, t)| marks.get(s, t)).collect();
            for step in steps {
                let touched = match step {
                    3 => { marks.bump_all(); None }
                    n => { marks.changed([names[n as usize]]); Some(n as usize) }
                };
                for (i, (s, t)) in names.iter().enumerate() {
                    let now = marks.get(s, t);
                    prop_assert!(now >= last[i]);
                    if touched.is_none() || touched == Some(i) {
                        prop_assert!(now > last[i]);
                    } else {
                        prop_assert_eq!(now, last[i]);
                    }
                    last[i] = now;
                }
            }
        }
    }
}
