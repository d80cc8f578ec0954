//! The data plane: every stored listener accepts HTTP on its port at the bind address, and
//! three background tasks keep it in step with the store: listeners follow the server-wide
//! listener index (started when created, stopped when deleted, restarted on a port change),
//! targets are health-checked, and WAF samples, rate-limited keys and logs are flushed (with
//! Shield's monitor, which turns floods on protected load balancers into attacks). HTTPS
//! listeners terminate TLS first.
//!
//! Settings (environment): `RAMPART_DATA_PLANE_ADDR` (the bind address, default 127.0.0.1),
//! `RAMPART_GEO_DB` (a country database), and `RAMPART_DATA_PLANE_RATE_LIMIT`, the Shield
//! Standard-style request-rate limit per source address: `<rate>` or `<rate>,<burst>`
//! (requests per second, positive integers; the burst defaults to twice the rate) or `off`;
//! default `1000,2000`; an invalid value is warned about and the default used. A request over
//! it is answered 429 with `Retry-After` before anything else sees it (see `limits`).

mod health;
mod inspect;
mod interstitial;
mod limits;
mod proxy;
mod routing;
#[cfg(test)]
mod tests;
mod tls;
mod token;
mod upstream;

pub use limits::DATA_PLANE_RATE_LIMIT_VAR;

use crate::records::{self, LISTENER_INDEX, TARGET_GROUP_INDEX, TargetGroup};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use rampart_service::{Env, Registry};
use rampart_store::Scan;
use rampart_store::space::SYSTEM;
use rampart_svc_waf::Evaluators;
use rampart_waf::{GeoLookup, MmdbGeo, NoGeo};
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, UNIX_EPOCH};
use tokio::task::JoinHandle;

/// The environment variable naming the data plane's bind address.
pub const DATA_PLANE_ADDR_VAR: &str = "RAMPART_DATA_PLANE_ADDR";
/// The environment variable naming a MaxMind DB country database (such as the CC0
/// `geo-whois-asn-country.mmdb`) for geo match rules and sample countries.
pub const GEO_DB_VAR: &str = "RAMPART_GEO_DB";
/// How often the listener index is compared with what runs.
const RECONCILE_EVERY: Duration = Duration::from_millis(200);
/// How long before a listener whose port was taken is tried again.
const BIND_RETRY: Duration = Duration::from_secs(5);
/// How often health checks are scheduled.
const HEALTH_EVERY: Duration = Duration::from_secs(1);
/// How often samples, rate-limited keys and logs are flushed.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// State shared by every listener and background task.
pub(crate) struct Shared {
    env: Env,
    bind: IpAddr,
    waf: inspect::Waf,
    pools: health::Pools,
    tokens: token::TokenKey,
    clients: Arc<limits::Clients>,
    /// The per-source request-rate limit (none when off).
    rate: Option<limits::Buckets>,
    upstreams: upstream::Upstreams,
    /// Shield's request counting for protected load balancers.
    shield: rampart_svc_shield::Monitor,
    /// Requests forwarded, for weighted target group selection.
    requests: std::sync::atomic::AtomicU64,
    running: Mutex<HashMap<String, Arc<Running>>>,
}

/// A listener being served.
pub(crate) struct Running {
    port: u16,
    config: RwLock<Arc<routing::Routed>>,
    task: JoinHandle<()>,
}

impl Running {
    /// The listener's current settings.
    fn config(&self) -> Arc<routing::Routed> {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The running data plane; dropping it (or [`DataPlane::stop`]) stops every listener and task.
pub struct DataPlane {
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for DataPlane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataPlane")
            .field("bind", &self.shared.bind)
            .finish_non_exhaustive()
    }
}

impl DataPlane {
    /// The address listeners bind.
    pub fn bind_address(&self) -> IpAddr {
        self.shared.bind
    }

    /// Stops every listener and background task.
    pub fn stop(self) {}
}

impl Drop for DataPlane {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        let running = std::mem::take(&mut *lock(&self.shared.running));
        for r in running.values() {
            r.task.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The bind address: `RAMPART_DATA_PLANE_ADDR` when set and valid, else 127.0.0.1.
pub fn bind_address_from_env() -> IpAddr {
    std::env::var(DATA_PLANE_ADDR_VAR)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

/// The country database `RAMPART_GEO_DB` names, or none (every address is then `XX`).
fn geo_from_env() -> Arc<dyn GeoLookup> {
    let Some(path) = std::env::var_os(GEO_DB_VAR) else {
        return Arc::new(NoGeo);
    };
    match std::fs::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| MmdbGeo::from_bytes(bytes).map_err(|e| e.to_string()))
    {
        Ok(db) => Arc::new(db),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the geo database; countries are unknown");
            Arc::new(NoGeo)
        }
    }
}

/// Starts the data plane inside the current tokio runtime: every stored listener starts
/// serving on `bind` (countries from the database `RAMPART_GEO_DB` names, the per-source rate
/// limit `RAMPART_DATA_PLANE_RATE_LIMIT` sets), and WAF log files are written under
/// `<data_dir>/waf-logs`. `registry` is the server's (it answers wafv2 GetWebACL for rules'
/// visibility settings). Errors: the WAF token key cannot be read or created.
pub fn start_data_plane(
    env: &Env,
    registry: &Registry,
    data_dir: &Path,
    bind: IpAddr,
) -> Result<DataPlane, String> {
    start(env, registry, data_dir, bind, limits::RateLimit::from_env())
}

/// [`start_data_plane`] with the per-source rate limit given.
fn start(
    env: &Env,
    registry: &Registry,
    data_dir: &Path,
    bind: IpAddr,
    rate: Option<limits::RateLimit>,
) -> Result<DataPlane, String> {
    let tokens = token::TokenKey::load_or_create(env.store.as_ref(), &env.master_key)?;
    let geo = geo_from_env();
    let shared = Arc::new(Shared {
        env: env.clone(),
        bind,
        waf: inspect::Waf::new(
            Evaluators::new(geo.clone()),
            geo,
            registry.clone(),
            data_dir.join("waf-logs"),
        ),
        pools: health::Pools::default(),
        tokens,
        clients: Arc::new(limits::Clients::default()),
        rate: rate.map(|r| limits::Buckets::new(r, limits::MAX_TRACKED_SOURCES)),
        upstreams: upstream::Upstreams::default(),
        shield: rampart_svc_shield::Monitor::new(),
        requests: std::sync::atomic::AtomicU64::new(0),
        running: Mutex::new(HashMap::new()),
    });
    let tasks = vec![
        tokio::spawn(reconcile_loop(shared.clone())),
        tokio::spawn(health_loop(shared.clone())),
        tokio::spawn(flush_loop(shared.clone())),
    ];
    Ok(DataPlane { shared, tasks })
}

/// Reads every listener of the index, its rules compiled and (HTTPS) its TLS set up.
fn stored_listeners(env: &Env) -> Vec<routing::Routed> {
    let Ok(items) = env.store.scan(SYSTEM, LISTENER_INDEX, &Scan::all()) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| {
            records::listener(env.store.as_ref(), &i.key.id)
                .ok()
                .flatten()
        })
        .map(|(l, _)| {
            let tls = (l.protocol == "HTTPS").then(|| {
                tls::acceptor(env, &l).map_err(|why| {
                    tracing::error!(port = l.port, error = %why, "HTTPS listener cannot serve TLS");
                })
            });
            routing::Routed::new(l, tls.and_then(Result::ok))
        })
        .collect()
}

async fn reconcile_loop(shared: Arc<Shared>) {
    let mut seen = None;
    let mut retry_at: Option<Instant> = None;
    loop {
        let mark = shared.env.store.watermark(SYSTEM, LISTENER_INDEX);
        let retry = retry_at.is_some_and(|at| Instant::now() >= at);
        if seen != Some(mark) || retry {
            seen = Some(mark);
            let env = shared.env.clone();
            if let Ok(wanted) = tokio::task::spawn_blocking(move || stored_listeners(&env)).await {
                let all_started = reconcile(&shared, wanted).await;
                // A port another process holds is tried again a little later.
                retry_at = (!all_started).then(|| Instant::now() + BIND_RETRY);
            }
        }
        tokio::time::sleep(RECONCILE_EVERY).await;
    }
}

/// Starts, updates and stops listeners so that exactly `wanted` run; `false` when a
/// listener could not bind its port.
async fn reconcile(shared: &Arc<Shared>, wanted: Vec<routing::Routed>) -> bool {
    let mut all_started = true;
    let keep: HashSet<&str> = wanted.iter().map(|r| r.listener.arn.as_str()).collect();
    {
        let mut running = lock(&shared.running);
        running.retain(|arn, r| {
            let stays = keep.contains(arn.as_str());
            if !stays {
                r.task.abort();
                tracing::info!(port = r.port, "listener stopped");
            }
            stays
        });
    }
    for l in wanted {
        let current = lock(&shared.running).get(&l.listener.arn).cloned();
        match current {
            Some(r) if r.port == l.listener.port => {
                *r.config.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(l);
            }
            other => {
                if let Some(old) = other {
                    old.task.abort();
                    lock(&shared.running).remove(&l.listener.arn);
                }
                all_started &= start_listener(shared, l).await;
            }
        }
    }
    all_started
}

/// Binds and serves `l`; `false` when its port cannot be bound.
async fn start_listener(shared: &Arc<Shared>, l: routing::Routed) -> bool {
    let addr = SocketAddr::new(shared.bind, l.listener.port);
    let socket = match tokio::net::TcpListener::bind(addr).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(%addr, error = %e, "cannot start a load balancer listener");
            return false;
        }
    };
    tracing::info!(%addr, "listener started");
    let arn = l.listener.arn.clone();
    let port = l.listener.port;
    let config = RwLock::new(Arc::new(l));
    let running = Arc::new_cyclic(|weak: &std::sync::Weak<Running>| {
        let weak = weak.clone();
        let shared = shared.clone();
        Running {
            port,
            config,
            task: tokio::spawn(async move {
                // Wait until the Running is in place before serving.
                tokio::task::yield_now().await;
                if let Some(me) = weak.upgrade() {
                    accept_loop(shared, me, socket).await;
                }
            }),
        }
    });
    lock(&shared.running).insert(arn, running);
    true
}

async fn accept_loop(shared: Arc<Shared>, me: Arc<Running>, socket: tokio::net::TcpListener) {
    // Hold the listener weakly in connections: a deleted listener's port closes at once.
    let weak = Arc::downgrade(&me);
    drop(me);
    loop {
        let Ok((stream, peer)) = socket.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let Some(slot) = shared
            .clients
            .admit(peer.ip(), limits::MAX_CONNECTIONS_PER_CLIENT)
        else {
            drop(stream);
            continue;
        };
        let Some(running) = weak.upgrade() else {
            return;
        };
        let shared = shared.clone();
        let config = running.config();
        let https = config.listener.protocol == "HTTPS";
        let tls = config.tls.clone();
        tokio::spawn(async move {
            match (https, tls) {
                (false, _) => serve_connection(shared, running, peer, stream).await,
                (true, Some(tls)) => {
                    let handshake =
                        tokio::time::timeout(limits::HEADER_READ_TIMEOUT, tls.accept(stream));
                    if let Ok(Ok(stream)) = handshake.await {
                        serve_connection(shared, running, peer, stream).await;
                    }
                }
                // An HTTPS listener whose certificate cannot be used refuses connections.
                (true, None) => {}
            }
            drop(slot);
        });
    }
}

/// Serves HTTP/1.1 on one accepted connection (plain or TLS) of the listener `running`.
async fn serve_connection<S>(shared: Arc<Shared>, running: Arc<Running>, peer: SocketAddr, io: S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| proxy::handle(shared.clone(), running.clone(), peer, req));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits::HEADER_READ_TIMEOUT)
        .max_buf_size(limits::MAX_HEADER_BYTES)
        .max_headers(limits::MAX_HEADERS);
    let _ = builder.serve_connection(TokioIo::new(io), service).await;
}

/// The target groups that running listeners forward to.
fn groups_in_use(shared: &Shared) -> Vec<TargetGroup> {
    let used: HashSet<String> = lock(&shared.running)
        .values()
        .flat_map(|r| r.config().listener.target_groups())
        .collect();
    let Ok(items) = shared
        .env
        .store
        .scan(SYSTEM, TARGET_GROUP_INDEX, &Scan::all())
    else {
        return Vec::new();
    };
    items
        .iter()
        .filter(|i| used.contains(&i.key.id))
        .filter_map(|i| {
            records::target_group(shared.env.store.as_ref(), &i.key.id)
                .ok()
                .flatten()
        })
        .map(|(g, _)| g)
        .collect()
}

async fn health_loop(shared: Arc<Shared>) {
    loop {
        let s = shared.clone();
        if let Ok(groups) = tokio::task::spawn_blocking(move || groups_in_use(&s)).await {
            for due in shared.pools.refresh(groups, Instant::now()) {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let outcome = health::check(&due).await;
                    if let Some(changed) = health::record(&due, outcome, Instant::now()) {
                        let env = shared.env.clone();
                        let _ = tokio::task::spawn_blocking(move || {
                            health::persist(env.store.as_ref(), &due, &changed);
                        })
                        .await;
                    }
                });
            }
        }
        tokio::time::sleep(HEALTH_EVERY).await;
    }
}

async fn flush_loop(shared: Arc<Shared>) {
    loop {
        tokio::time::sleep(FLUSH_EVERY).await;
        let s = shared.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let now = s
                .env
                .clock
                .now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or_default();
            s.waf.flush(&s.env, now);
            s.shield.flush(&s.env);
            let throttled = s.rate.as_ref().map_or(0, limits::Buckets::take_throttled);
            if throttled > 0 {
                tracing::info!(
                    throttled,
                    "requests over the per-source rate limit answered 429"
                );
            }
        })
        .await;
    }
}
