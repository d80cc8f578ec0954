//! CIDR blocks for `IpAddress` / `NotIpAddress`. A bare address is a /32 or /128; an IPv4
//! value never matches an IPv6 block and vice versa.

use std::net::IpAddr;

/// A parsed CIDR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    v6: bool,
    network: u128,
    prefix: u8,
}

fn bits(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u128::from(u32::from(a))),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

fn mask(v6: bool, prefix: u8) -> u128 {
    let width = if v6 { 128 } else { 32 };
    if prefix == 0 {
        0
    } else {
        let ones = u128::MAX << (128 - u32::from(prefix));
        ones >> (128 - width)
    }
}

impl Cidr {
    /// Parses `a.b.c.d/n`, `a.b.c.d`, `x::y/n` or `x::y`.
    pub(crate) fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (s.trim(), None),
        };
        let (v6, value) = bits(addr.parse().ok()?);
        let width = if v6 { 128 } else { 32 };
        let prefix = prefix.unwrap_or(width);
        if prefix > width {
            return None;
        }
        Some(Cidr {
            v6,
            network: value & mask(v6, prefix),
            prefix,
        })
    }

    /// True when the address text parses and lies in the block.
    pub(crate) fn contains(&self, address: &str) -> bool {
        let Ok(ip) = address.trim().parse::<IpAddr>() else {
            return false;
        };
        let (v6, value) = bits(ip);
        v6 == self.v6 && value & mask(v6, self.prefix) == self.network
    }
}

#[cfg(test)]
mod tests {
    use super::Cidr;

    #[test]
    fn v4_blocks() {
        let c = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(c.contains("203.0.113.7"));
        assert!(!c.contains("203.0.114.7"));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains("8.8.8.8"));
        assert!(Cidr::parse("10.0.0.1").unwrap().contains("10.0.0.1"));
        assert!(!Cidr::parse("10.0.0.1").unwrap().contains("10.0.0.2"));
    }

    #[test]
    fn v6_blocks_and_family_mismatch() {
        let c = Cidr::parse("2001:db8::/32").unwrap();
        assert!(c.contains("2001:db8::1"));
        assert!(!c.contains("2001:db9::1"));
        assert!(!Cidr::parse("0.0.0.0/0").unwrap().contains("::1"));
        assert!(!Cidr::parse("::/0").unwrap().contains("1.2.3.4"));
    }

    #[test]
    fn invalid() {
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("nope").is_none());
        assert!(!Cidr::parse("10.0.0.0/8").unwrap().contains("not-an-ip"));
    }
}
