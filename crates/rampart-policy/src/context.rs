//! Request condition keys: a case-insensitive map from key name to an absent, single or
//! multivalued value. Absent, single and multivalued are different states (iam.md 7.5).

use crate::keyhash::{Key, hash_lower};

/// The value of one condition key in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    /// A single-valued key (`aws:SourceIp`, `aws:PrincipalTag/team`, ...).
    Single(String),
    /// A multivalued key (`aws:TagKeys`, `aws:CalledVia`, ...); may be empty.
    Multi(Vec<String>),
}

impl ContextValue {
    /// The values as a slice-like iterator (one element for a single value).
    pub fn values(&self) -> impl Iterator<Item = &str> {
        let (single, multi): (Option<&str>, &[String]) = match self {
            ContextValue::Single(s) => (Some(s.as_str()), &[]),
            ContextValue::Multi(v) => (None, v.as_slice()),
        };
        single.into_iter().chain(multi.iter().map(String::as_str))
    }

    /// True for a multivalued key with no values.
    pub fn is_empty(&self) -> bool {
        matches!(self, ContextValue::Multi(v) if v.is_empty())
    }
}

/// Condition keys of a request. Key names are matched case-insensitively.
///
/// The engine reads no clock: time keys (`aws:CurrentTime`, `aws:EpochTime`,
/// `aws:TokenIssueTime`) must be supplied here by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// Sorted by key (hash first): a canonical order for equality and iteration.
    keys: Vec<(Key, ContextValue)>,
    /// Open-addressing index into `keys` by hash (power-of-two size, `EMPTY` = free slot),
    /// rebuilt on every change: contexts are built once and read many times.
    table: Vec<u32>,
}

const EMPTY: u32 = u32::MAX;

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    fn insert(&mut self, key: &str, value: ContextValue) {
        let key = Key::new(key);
        match self.keys.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => self.keys[i].1 = value,
            Err(i) => {
                self.keys.insert(i, (key, value));
                self.rebuild();
            }
        }
    }

    fn rebuild(&mut self) {
        let size = (self.keys.len() * 2).next_power_of_two().max(8);
        let mask = size - 1;
        self.table = vec![EMPTY; size];
        for (i, (k, _)) in self.keys.iter().enumerate() {
            let mut slot = k.hash() as usize & mask;
            while self.table[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            self.table[slot] = u32::try_from(i).unwrap_or(EMPTY);
        }
    }

    /// Sets a single-valued key, replacing any previous value.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.insert(key, ContextValue::Single(value.into()));
        self
    }

    /// Sets a multivalued key, replacing any previous value.
    pub fn set_multi<I, S>(&mut self, key: &str, values: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let values = values.into_iter().map(Into::into).collect();
        self.insert(key, ContextValue::Multi(values));
        self
    }

    /// Builder form of [`Context::set`].
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.set(key, value);
        self
    }

    /// Builder form of [`Context::set_multi`].
    pub fn with_multi<I, S>(mut self, key: &str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.set_multi(key, values);
        self
    }

    /// Sets `aws:CurrentTime` (ISO-8601, UTC) and `aws:EpochTime` from the request time in
    /// seconds since the Unix epoch: the engine reads no clock, the caller supplies "now".
    pub fn set_request_time(&mut self, unix_seconds: i64) -> &mut Self {
        self.set("aws:CurrentTime", iso8601(unix_seconds));
        self.set("aws:EpochTime", unix_seconds.to_string())
    }

    /// Adds every key of `other`, replacing values of keys both have.
    pub fn merge(&mut self, other: &Context) -> &mut Self {
        for (key, value) in &other.keys {
            match self.keys.binary_search_by(|(k, _)| k.cmp(key)) {
                Ok(i) => self.keys[i].1 = value.clone(),
                Err(i) => self.keys.insert(i, (key.clone(), value.clone())),
            }
        }
        self.rebuild();
        self
    }

    /// Removes a key.
    pub fn remove(&mut self, key: &str) {
        let hash = hash_lower(key);
        self.keys.retain(|(k, _)| !k.is(hash, key));
        self.rebuild();
    }

    /// True when the key is present (with any value, even an empty list).
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Looks a key up, case-insensitively.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        let hash = hash_lower(key);
        self.lookup(hash, |k| k.is(hash, key))
    }

    /// Looks up a pre-hashed key (the engine hashes policy keys when compiling).
    pub(crate) fn get_key(&self, key: &Key) -> Option<&ContextValue> {
        // Both sides are already lower-cased: compare bytes.
        self.lookup(key.hash(), |k| k == key)
    }

    fn lookup(&self, hash: u64, is_key: impl Fn(&Key) -> bool) -> Option<&ContextValue> {
        let mask = self.table.len().checked_sub(1)?;
        let mut slot = hash as usize & mask;
        // The table is at most half full, so an empty slot ends every probe.
        loop {
            let (k, v) = self.keys.get(*self.table.get(slot)? as usize)?;
            if k.hash() == hash && is_key(k) {
                return Some(v);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The value of a single-valued key, if present and single-valued.
    pub fn single(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(ContextValue::Single(s)) => Some(s),
            _ => None,
        }
    }

    /// All keys (lower-cased) and values.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.keys.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// `YYYY-MM-DDThh:mm:ssZ` for seconds since the Unix epoch (proleptic Gregorian, UTC).
pub(crate) fn iso8601(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let secs = unix_seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive() {
        let c = Context::new().with("aws:SourceIp", "10.0.0.1");
        assert_eq!(c.single("AWS:sourceip"), Some("10.0.0.1"));
        assert!(c.contains("aws:sourceIP"));
        assert!(!c.contains("aws:Referer"));
    }

    #[test]
    fn merge_adds_and_replaces() {
        let mut base = Context::new()
            .with("aws:SourceIp", "10.0.0.1")
            .with("a:b", "old");
        let more = Context::new()
            .with("A:B", "new")
            .with_multi("aws:TagKeys", ["x", "y"]);
        base.merge(&more);
        assert_eq!(base.single("a:b"), Some("new"));
        assert_eq!(base.single("aws:sourceip"), Some("10.0.0.1"));
        assert_eq!(base.get("aws:tagkeys").map(|v| v.values().count()), Some(2));
        assert_eq!(base.iter().count(), 3);
    }

    proptest::proptest! {
        /// The hashed index agrees with a plain map under any sequence of sets and removes.
        #[test]
        fn index_agrees_with_a_map(ops in proptest::collection::vec(("[a-dA-D:/]{1,4}", proptest::bool::ANY), 0..60)) {
            let mut ctx = Context::new();
            let mut reference = std::collections::HashMap::new();
            for (i, (key, remove)) in ops.iter().enumerate() {
                if *remove {
                    ctx.remove(key);
                    reference.remove(&key.to_ascii_lowercase());
                } else {
                    ctx.set(key, i.to_string());
                    reference.insert(key.to_ascii_lowercase(), i.to_string());
                }
            }
            for (key, _) in &ops {
                let want = reference.get(&key.to_ascii_lowercase()).map(String::as_str);
                proptest::prop_assert_eq!(ctx.single(key), want);
                proptest::prop_assert_eq!(ctx.single(&key.to_ascii_uppercase()), want);
            }
            proptest::prop_assert_eq!(ctx.iter().count(), reference.len());
        }
    }

    #[test]
    fn request_time_keys() {
        let mut c = Context::new();
        c.set_request_time(1_704_067_200);
        assert_eq!(c.single("aws:CurrentTime"), Some("2024-01-01T00:00:00Z"));
        assert_eq!(c.single("aws:EpochTime"), Some("1704067200"));
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400 + 3_661), "2000-02-29T01:01:01Z");
    }

    #[test]
    fn empty_multi_is_present_but_empty() {
        let c = Context::new().with_multi("aws:TagKeys", Vec::<String>::new());
        let v = c.get("aws:tagkeys");
        assert!(v.is_some_and(ContextValue::is_empty));
        assert_eq!(c.single("aws:TagKeys"), None);
    }
}
