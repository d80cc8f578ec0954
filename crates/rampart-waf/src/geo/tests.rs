//! Tests with a MaxMind DB written here (IPv4 tree, 24-bit records), the format's published
//! layout: search tree, 16 zero bytes, data section, metadata marker and metadata map.

use super::*;

fn string(s: &str) -> Vec<u8> {
    let mut out = vec![0x40 | s.len() as u8];
    out.extend_from_slice(s.as_bytes());
    out
}

fn uint(type_bits: u8, v: u64, bytes: usize) -> Vec<u8> {
    let be = v.to_be_bytes();
    let mut out = vec![type_bits | bytes as u8];
    out.extend_from_slice(&be[8 - bytes..]);
    out
}

fn map(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = vec![0xe0 | entries.len() as u8];
    for (k, v) in entries {
        out.extend(string(k));
        out.extend_from_slice(v);
    }
    out
}

fn array(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![items.len() as u8, 4]; // extended type 11 (array) = 7 + 4
    for i in items {
        out.extend_from_slice(i);
    }
    out
}

/// A database mapping each (IPv4 network, prefix length) to a record.
fn database(networks: &[([u8; 4], u8, Vec<u8>)]) -> Vec<u8> {
    // Data section: records back to back.
    let mut data = Vec::new();
    let mut offsets = Vec::new();
    for (_, _, record) in networks {
        offsets.push(data.len());
        data.extend_from_slice(record);
    }
    // Binary trie over the address bits; `None` = no data.
    enum Slot {
        Empty,
        Node(usize),
        Data(usize),
    }
    let mut nodes: Vec<[Slot; 2]> = vec![[Slot::Empty, Slot::Empty]];
    for (i, (net, len, _)) in networks.iter().enumerate() {
        let bits = u32::from_be_bytes(*net);
        let mut node = 0;
        for depth in 0..*len {
            let bit = ((bits >> (31 - depth)) & 1) as usize;
            if depth + 1 == *len {
                nodes[node][bit] = Slot::Data(offsets[i]);
            } else {
                node = match nodes[node][bit] {
                    Slot::Node(n) => n,
                    _ => {
                        nodes.push([Slot::Empty, Slot::Empty]);
                        let n = nodes.len() - 1;
                        nodes[node][bit] = Slot::Node(n);
                        n
                    }
                };
            }
        }
    }
    let count = nodes.len();
    let mut out = Vec::new();
    for pair in &nodes {
        for slot in pair {
            let v = match slot {
                Slot::Empty => count,
                Slot::Node(n) => *n,
                Slot::Data(off) => count + 16 + off,
            } as u32;
            out.extend_from_slice(&v.to_be_bytes()[1..]);
        }
    }
    out.extend_from_slice(&[0u8; 16]);
    out.extend_from_slice(&data);
    out.extend_from_slice(b"\xab\xcd\xefMaxMind.com");
    out.extend(map(&[
        ("binary_format_major_version", uint(0xa0, 2, 1)),
        ("binary_format_minor_version", uint(0xa0, 0, 0)),
        ("build_epoch", {
            let mut v = vec![0x04, 0x02]; // extended type 9 (uint64) = 7 + 2, 4 bytes
            v.extend_from_slice(&1_700_000_000u32.to_be_bytes());
            v
        }),
        ("database_type", string("rampart-test-country")),
        ("description", map(&[("en", string("test"))])),
        ("ip_version", uint(0xa0, 4, 1)),
        ("languages", array(&[string("en")])),
        ("node_count", uint(0xc0, count as u64, 4)),
        ("record_size", uint(0xa0, 24, 1)),
    ]));
    out
}

#[test]
fn country_code_records() {
    let db = database(&[
        ([192, 0, 2, 0], 24, map(&[("country_code", string("US"))])),
        (
            [198, 51, 100, 0],
            24,
            map(&[
                ("country", map(&[("iso_code", string("DE"))])),
                ("subdivisions", array(&[map(&[("iso_code", string("BE"))])])),
            ]),
        ),
    ]);
    let geo = MmdbGeo::from_bytes(db).unwrap();
    assert_eq!(
        geo.lookup(IpAddr::from([192, 0, 2, 77])),
        Some(GeoInfo {
            country: "US".into(),
            region: None
        })
    );
    assert_eq!(
        geo.lookup(IpAddr::from([198, 51, 100, 1])),
        Some(GeoInfo {
            country: "DE".into(),
            region: Some("BE".into())
        })
    );
    assert_eq!(geo.lookup(IpAddr::from([203, 0, 113, 1])), None);
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    assert!(MmdbGeo::from_bytes(b"not a database".to_vec()).is_err());
    assert!(MmdbGeo::from_bytes(Vec::new()).is_err());
}
