//! The slow-request and connection limits of every listener (what an ALB and Shield Standard
//! impose before a request reaches the web ACL).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a client may take to send a request's header block.
pub(crate) const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client may take to send a request's body.
pub(crate) const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest header block read (request line and headers), bytes.
pub(crate) const MAX_HEADER_BYTES: usize = 64 * 1024;
/// The most header fields a request may carry.
pub(crate) const MAX_HEADERS: usize = 100;
/// The largest body buffered, bytes (the request is refused with 413 beyond it).
pub(crate) const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// The most connections one client address may hold open on the data plane at once.
pub(crate) const MAX_CONNECTIONS_PER_CLIENT: usize = 256;
/// How long connecting to a target may take (then the answer is 502).
pub(crate) const TARGET_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a target may take to answer before the answer is 504.
pub(crate) const TARGET_RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);

/// Open connections per client address, capped.
#[derive(Debug, Default)]
pub(crate) struct Clients {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One admitted connection; its drop frees the slot.
#[derive(Debug)]
pub(crate) struct Slot {
    clients: Arc<Clients>,
    ip: IpAddr,
}

impl Clients {
    /// Admits one more connection from `ip`, or `None` when it holds `max` already.
    pub(crate) fn admit(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(ip).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot {
            clients: self.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.clients.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_capped_and_slots_free_on_drop() {
        let clients = Arc::new(Clients::default());
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let a = clients.admit(ip, 2).unwrap();
        let _b = clients.admit(ip, 2).unwrap();
        assert!(clients.admit(ip, 2).is_none());
        assert!(clients.admit(other, 2).is_some());
        drop(a);
        assert!(clients.admit(ip, 2).is_some());
    }
}
