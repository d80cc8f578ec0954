//! IP addresses and `cidr` blocks as EventBridge reads them. A pattern string that is an IP
//! address matches the same address however an event spells it; a `cidr` block matches every
//! address inside it. Mask bits must be below the address width (`/32` and `/128` are refused).

use crate::error::{PatternError, refuse};
use std::net::IpAddr;

/// A block of addresses: the network's first address as a number, its width and mask bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    network: u128,
    v6: bool,
    bits: u32,
}

/// Whether `text` has the shape of an address literal (dotted quad, or hex digits and colons).
fn looks_like_ip(text: &str) -> bool {
    let v4 = {
        let parts: Vec<&str> = text.split('.').collect();
        parts.len() == 4
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    let v6 = text.contains(':') && text.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
    v4 || v6
}

/// `text` as an address when it is an address literal.
pub(crate) fn ip(text: &str) -> Option<IpAddr> {
    if looks_like_ip(text) {
        text.parse().ok()
    } else {
        None
    }
}

fn as_number(addr: IpAddr) -> (u128, bool) {
    match addr {
        IpAddr::V4(a) => (u128::from(u32::from(a)), false),
        IpAddr::V6(a) => (u128::from(a), true),
    }
}

impl Cidr {
    /// Parses `a.b.c.d/n` or `x:y::z/n`.
    pub(crate) fn parse(text: &str) -> Result<Cidr, PatternError> {
        let parts: Vec<&str> = text.split('/').collect();
        let [address, bits] = parts.as_slice() else {
            return refuse("Malformed CIDR, one '/' required");
        };
        let Ok(bits) = bits.parse::<i64>() else {
            return refuse("Malformed CIDR, mask bits must be an integer");
        };
        if bits < 0 {
            return refuse("Malformed CIDR, mask bits must not be negative");
        }
        if !looks_like_ip(address) {
            return refuse(format!("Nonstandard IP address: {address}"));
        }
        let Ok(addr) = address.parse::<IpAddr>() else {
            return refuse(format!("Invalid IP address: {address}"));
        };
        let (value, v6) = as_number(addr);
        let width = if v6 { 128 } else { 32 };
        if bits >= width {
            return refuse(if v6 {
                "IPv6 mask bits must be < 128"
            } else {
                "IPv4 mask bits must be < 32"
            });
        }
        let bits = bits as u32;
        Ok(Cidr {
            network: value & mask(width as u32, bits),
            v6,
            bits,
        })
    }

    /// Whether `text` is an address inside the block.
    pub(crate) fn contains(&self, text: &str) -> bool {
        let Some(addr) = ip(text) else {
            return false;
        };
        let (value, v6) = as_number(addr);
        let width = if v6 { 128 } else { 32 };
        v6 == self.v6 && value & mask(width, self.bits) == self.network
    }
}

/// The mask of `bits` leading ones in a `width`-bit address.
fn mask(width: u32, bits: u32) -> u128 {
    if bits == 0 {
        0
    } else {
        let all = if width == 128 {
            u128::MAX
        } else {
            (1u128 << width) - 1
        };
        all & !((1u128 << (width - bits)) - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ipv4_blocks() {
        let c = Cidr::parse("10.0.0.0/24").unwrap();
        assert!(c.contains("10.0.0.0"));
        assert!(c.contains("10.0.0.255"));
        assert!(!c.contains("10.0.1.0"));
        assert!(!c.contains("not an ip"));
        assert!(!c.contains("::ffff:10.0.0.1"));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("255.255.255.255")
        );
    }

    #[test]
    fn ipv6_blocks() {
        let c = Cidr::parse("2001:db8::/32").unwrap();
        assert!(c.contains("2001:db8::1"));
        assert!(c.contains("2001:0db8:ffff::"));
        assert!(!c.contains("2001:db9::1"));
        assert!(!c.contains("10.0.0.1"));
    }

    #[test]
    fn refusals() {
        let reason = |t: &str| Cidr::parse(t).unwrap_err().reason().to_owned();
        assert_eq!(reason("10.0.0.0"), "Malformed CIDR, one '/' required");
        assert_eq!(reason("10.0.0.0/1/2"), "Malformed CIDR, one '/' required");
        assert_eq!(
            reason("10.0.0.0/x"),
            "Malformed CIDR, mask bits must be an integer"
        );
        assert_eq!(
            reason("10.0.0.0/-1"),
            "Malformed CIDR, mask bits must not be negative"
        );
        assert_eq!(reason("10.0.0.0/32"), "IPv4 mask bits must be < 32");
        assert_eq!(reason("::/128"), "IPv6 mask bits must be < 128");
        assert_eq!(
            reason("host.example/8"),
            "Nonstandard IP address: host.example"
        );
        assert_eq!(reason("10.0.0.999/8"), "Invalid IP address: 10.0.0.999");
    }

    #[test]
    fn addresses_compare_by_value() {
        assert_eq!(ip("2001:db8::1"), ip("2001:0db8:0:0::1"));
        assert_eq!(ip("example.com"), None);
    }

    proptest! {
        #[test]
        fn membership_is_the_shared_prefix(net in any::<u32>(), host in any::<u32>(), bits in 0u32..32) {
            let block = Cidr::parse(&format!("{}/{bits}", std::net::Ipv4Addr::from(net))).unwrap();
            let shift = 32 - bits;
            let same_prefix = bits == 0 || (u64::from(net) >> shift) == (u64::from(host) >> shift);
            prop_assert_eq!(block.contains(&std::net::Ipv4Addr::from(host).to_string()), same_prefix);
        }
    }
}
