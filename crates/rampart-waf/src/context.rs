//! Per-request evaluation state: memoised component+transformation results, the labels
//! added so far, and the details of matches inside the current rule.

use std::net::IpAddr;

use crate::field::{Extracted, Field};
use crate::geo::GeoLookup;
use crate::request::Request;
use crate::transform::Chain;

/// A component after its transformations.
#[derive(Debug, Default)]
pub(crate) struct Inspected {
    pub values: Vec<Vec<u8>>,
    pub forced: Option<bool>,
}

/// What matched inside a rule, for logs (`terminatingRuleMatchDetails`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchDetail {
    /// `SQL_INJECTION`, `XSS`, `BYTE_MATCH`, `REGEX`, `SIZE`, `GEO`, `IP_SET`, `LABEL`, ...
    pub condition_type: &'static str,
    /// The component, e.g. `QUERY_STRING`, `BODY`, `HEADER`.
    pub location: &'static str,
    /// The transformed value that matched (at most 128 bytes, lossy UTF-8).
    pub matched_data: String,
}

/// The most bytes of matched data kept in a [`MatchDetail`].
const MATCHED_DATA_MAX: usize = 128;

pub(crate) struct Ctx<'a> {
    pub req: &'a Request,
    pub body_limit: usize,
    pub geo: &'a dyn GeoLookup,
    cache: Vec<Option<Inspected>>,
    /// Labels visible to the rule being evaluated (fully qualified, in order added).
    pub labels: Vec<String>,
    /// Labels the current rule adds whether or not it matches (geo).
    pub pending_labels: Vec<String>,
    /// Details of the current rule's matching statements.
    pub details: Vec<MatchDetail>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        req: &'a Request,
        body_limit: usize,
        slots: usize,
        geo: &'a dyn GeoLookup,
    ) -> Ctx<'a> {
        let mut cache = Vec::with_capacity(slots);
        cache.resize_with(slots, || None);
        Ctx {
            req,
            body_limit,
            geo,
            cache,
            labels: Vec::new(),
            pending_labels: Vec::new(),
            details: Vec::new(),
        }
    }

    /// The component `field` after `chain`, computed once per request per `slot`.
    pub(crate) fn inspect(&mut self, slot: usize, field: &Field, chain: &Chain) -> &Inspected {
        if self.cache.get(slot).is_some_and(Option::is_none) {
            let Extracted { values, forced } = field.extract(self.req, self.body_limit);
            let values = if chain.transforms().is_empty() {
                values
            } else {
                values.iter().map(|v| chain.apply(v)).collect()
            };
            self.cache[slot] = Some(Inspected { values, forced });
        }
        match self.cache.get(slot) {
            Some(Some(ins)) => ins,
            _ => &EMPTY,
        }
    }

    pub(crate) fn detail(
        &mut self,
        condition_type: &'static str,
        location: &'static str,
        data: &[u8],
    ) {
        let data = &data[..data.len().min(MATCHED_DATA_MAX)];
        self.details.push(MatchDetail {
            condition_type,
            location,
            matched_data: String::from_utf8_lossy(data).into_owned(),
        });
    }

    pub(crate) fn has_label(&self, key: &str, namespace: bool) -> bool {
        if namespace {
            self.labels.iter().any(|l| l.starts_with(key))
        } else {
            self.labels.iter().any(|l| l == key)
        }
    }

    /// The connection address.
    pub(crate) fn source_ip(&self) -> IpAddr {
        self.req.source_ip
    }
}

static EMPTY: Inspected = Inspected {
    values: Vec::new(),
    forced: None,
};
