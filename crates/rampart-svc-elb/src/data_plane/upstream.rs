//! Connections to targets, kept alive and reused: a request takes an idle connection that is
//! ready for another request, or opens one; after the response head arrives the connection
//! goes back to the pool (it becomes ready again once the body has been streamed).

use super::limits::TARGET_CONNECT_TIMEOUT;
use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

/// Idle connections kept per target.
const MAX_IDLE_PER_TARGET: usize = 64;

/// A connection to a target.
pub(crate) type Sender = SendRequest<Full<Bytes>>;

/// The pool of connections to every target.
#[derive(Default)]
pub(crate) struct Upstreams {
    idle: Mutex<HashMap<SocketAddr, Vec<Sender>>>,
}

impl Upstreams {
    /// A connection to `addr` ready for a request, and whether it was reused; `None` when the
    /// target cannot be reached.
    pub(crate) async fn checkout(&self, addr: SocketAddr) -> Option<(Sender, bool)> {
        {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(list) = idle.get_mut(&addr) {
                list.retain(|s| !s.is_closed());
                if let Some(i) = list.iter().position(|s| s.is_ready()) {
                    return Some((list.swap_remove(i), true));
                }
            }
        }
        connect(addr).await.map(|s| (s, false))
    }

    /// Gives `sender` back for reuse.
    pub(crate) fn checkin(&self, addr: SocketAddr, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let list = idle.entry(addr).or_default();
        if list.len() < MAX_IDLE_PER_TARGET {
            list.push(sender);
        }
    }
}

/// A new connection to `addr`.
pub(crate) async fn connect(addr: SocketAddr) -> Option<Sender> {
    let stream = tokio::time::timeout(TARGET_CONNECT_TIMEOUT, tokio::net::TcpStream::connect(addr))
        .await
        .ok()?
        .ok()?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Some(sender)
}
