//! Country lookups: the caller supplies the database (the engine performs no I/O).

use std::net::IpAddr;

/// Where an address is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeoInfo {
    /// ISO 3166-1 alpha-2 country code, upper case.
    pub country: String,
    /// ISO 3166-2 subdivision code without the country (`CA` for `US-CA`), if known.
    pub region: Option<String>,
}

/// An IP-to-country database.
pub trait GeoLookup: Send + Sync {
    /// The location of `ip`, `None` when unknown (reported as `XX`).
    fn lookup(&self, ip: IpAddr) -> Option<GeoInfo>;
}

/// A lookup that knows no address (every request is from `XX`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoGeo;

impl GeoLookup for NoGeo {
    fn lookup(&self, _ip: IpAddr) -> Option<GeoInfo> {
        None
    }
}
