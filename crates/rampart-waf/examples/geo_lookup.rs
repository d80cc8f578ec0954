//! Looks addresses up in a MaxMind DB country database with [`rampart_waf::MmdbGeo`].
//!
//! `cargo run -p rampart-waf --example geo_lookup -- geo-whois-asn-country.mmdb 8.8.8.8 1.1.1.1`

use std::net::IpAddr;

use rampart_waf::{GeoLookup, MmdbGeo};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: geo_lookup DATABASE.mmdb ADDRESS...")?;
    let geo = MmdbGeo::from_bytes(std::fs::read(path)?)?;
    for a in args {
        let ip: IpAddr = a.parse()?;
        match geo.lookup(ip) {
            Some(g) => println!("{ip}\t{}\t{}", g.country, g.region.unwrap_or_default()),
            None => println!("{ip}\tXX"),
        }
    }
    Ok(())
}
