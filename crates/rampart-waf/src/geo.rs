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

/// A country database in MaxMind DB format, read from bytes the caller loaded (rampart's pure
/// engine does no I/O). Records are read as `{"country_code": "US"}` (the CC0
/// `geo-whois-asn-country` database) or GeoIP2-style `{"country": {"iso_code": "US"},
/// "subdivisions": [{"iso_code": "CA"}]}`.
pub struct MmdbGeo {
    reader: maxminddb::Reader<Vec<u8>>,
}

/// A database that could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeoDbError(pub String);

impl std::fmt::Display for GeoDbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid MaxMind DB: {}", self.0)
    }
}

impl std::error::Error for GeoDbError {}

impl std::fmt::Debug for MmdbGeo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MmdbGeo")
            .field("database_type", &self.reader.metadata().database_type)
            .finish()
    }
}

impl MmdbGeo {
    /// Opens a database from its bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<MmdbGeo, GeoDbError> {
        maxminddb::Reader::from_source(bytes)
            .map(|reader| MmdbGeo { reader })
            .map_err(|e| GeoDbError(e.to_string()))
    }
}

#[derive(serde::Deserialize)]
struct Record {
    country_code: Option<String>,
    country: Option<IsoCode>,
    subdivisions: Option<Vec<IsoCode>>,
}

#[derive(serde::Deserialize)]
struct IsoCode {
    iso_code: Option<String>,
}

impl GeoLookup for MmdbGeo {
    fn lookup(&self, ip: IpAddr) -> Option<GeoInfo> {
        let record: Record = self.reader.lookup(ip).ok()?.decode().ok()??;
        let country = record
            .country_code
            .or_else(|| record.country.and_then(|c| c.iso_code))?;
        if country.len() != 2 {
            return None;
        }
        let region = record
            .subdivisions
            .and_then(|s| s.into_iter().next())
            .and_then(|s| s.iso_code);
        Some(GeoInfo {
            country: country.to_ascii_uppercase(),
            region,
        })
    }
}

#[cfg(test)]
mod tests;
