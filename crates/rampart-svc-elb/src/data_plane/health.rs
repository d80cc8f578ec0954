//! Target health: every target of a target group that a running listener forwards to is
//! checked over HTTP at the group's interval; state changes (not every check) are written to
//! the store for DescribeTargetHealth. The proxy picks healthy targets round robin.
//!
//! A new target leaves `initial` on its first check (healthy when it passes); afterwards the
//! group's healthy and unhealthy thresholds of consecutive results apply.

use crate::records::{self, Health, HealthCheck, Target, TargetGroup};
use crate::target_groups;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One target's state as the checks found it.
#[derive(Debug, Clone)]
struct Status {
    target: Target,
    health: Health,
    passes: u32,
    fails: u32,
    last_check: Option<Instant>,
    checking: bool,
}

/// The targets of one group.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    targets: Mutex<Vec<Status>>,
    next: AtomicUsize,
}

impl Pool {
    /// The next healthy target, round robin; `None` when no target is healthy.
    pub(crate) fn pick(&self) -> Option<SocketAddr> {
        let targets = self.targets.lock().unwrap_or_else(|p| p.into_inner());
        let healthy: Vec<SocketAddr> = targets
            .iter()
            .filter(|s| s.health.state == "healthy")
            .filter_map(|s| address(&s.target))
            .collect();
        if healthy.is_empty() {
            return None;
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % healthy.len();
        Some(healthy[i])
    }
}

fn address(t: &Target) -> Option<SocketAddr> {
    t.id.parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, t.port))
}

/// The pools of every target group in use, by ARN.
#[derive(Debug, Default)]
pub(crate) struct Pools {
    groups: RwLock<HashMap<String, (TargetGroup, Arc<Pool>)>>,
}

/// A check that came due: which group and target, with the group's settings.
pub(crate) struct Due {
    pub group: TargetGroup,
    pub pool: Arc<Pool>,
    pub target: Target,
}

impl Pools {
    /// The pool of the target group `arn`, if it is in use.
    pub(crate) fn pool(&self, arn: &str) -> Option<Arc<Pool>> {
        let groups = self.groups.read().unwrap_or_else(|p| p.into_inner());
        groups.get(arn).map(|(_, p)| p.clone())
    }

    /// Replaces the set of groups in use with `groups`, keeping the state of targets still
    /// registered, and returns the checks that are due at `now`.
    pub(crate) fn refresh(&self, groups: Vec<TargetGroup>, now: Instant) -> Vec<Due> {
        let mut map = self.groups.write().unwrap_or_else(|p| p.into_inner());
        let mut next: HashMap<String, (TargetGroup, Arc<Pool>)> = HashMap::new();
        let mut due = Vec::new();
        for g in groups {
            let pool = map.get(&g.arn).map(|(_, p)| p.clone()).unwrap_or_default();
            {
                let mut targets = pool.targets.lock().unwrap_or_else(|p| p.into_inner());
                targets.retain(|s| g.targets.contains(&s.target));
                for t in &g.targets {
                    if !targets.iter().any(|s| &s.target == t) {
                        targets.push(Status {
                            target: t.clone(),
                            health: target_groups::initial(),
                            passes: 0,
                            fails: 0,
                            last_check: None,
                            checking: false,
                        });
                    }
                }
                let interval = Duration::from_secs(g.health.interval_secs);
                for s in targets.iter_mut() {
                    let is_due = !s.checking
                        && s.last_check
                            .is_none_or(|at| now.duration_since(at) >= interval);
                    if is_due && g.health.enabled {
                        s.checking = true;
                        due.push(Due {
                            group: g.clone(),
                            pool: pool.clone(),
                            target: s.target.clone(),
                        });
                    } else if !g.health.enabled && s.health.state != "healthy" {
                        // Checks disabled: targets take traffic (AWS reports them unavailable).
                        s.health.state = "healthy".into();
                    }
                }
            }
            next.insert(g.arn.clone(), (g, pool));
        }
        *map = next;
        due
    }
}

/// Applies one check result to the target's state; returns the new health when it changed.
pub(crate) fn record(due: &Due, outcome: Result<u16, String>, now: Instant) -> Option<Health> {
    let mut targets = due.pool.targets.lock().unwrap_or_else(|p| p.into_inner());
    let s = targets.iter_mut().find(|s| s.target == due.target)?;
    s.checking = false;
    s.last_check = Some(now);
    let hc = &due.group.health;
    let passed = matches!(outcome, Ok(code) if target_groups::matches(&hc.matcher, code));
    if passed {
        s.passes += 1;
        s.fails = 0;
    } else {
        s.fails += 1;
        s.passes = 0;
    }
    let next = next_state(&s.health.state, passed, s.passes, s.fails, hc);
    let health = match next {
        "healthy" => Health {
            state: "healthy".into(),
            reason: None,
            description: None,
        },
        "unhealthy" => {
            let (reason, description) = match &outcome {
                Ok(code) => (
                    "Target.ResponseCodeMismatch",
                    format!("Health checks failed with these codes: [{code}]"),
                ),
                Err(why) => ("Target.FailedHealthChecks", why.clone()),
            };
            Health {
                state: "unhealthy".into(),
                reason: Some(reason.into()),
                description: Some(description),
            }
        }
        _ => return None,
    };
    if health == s.health {
        return None;
    }
    s.health = health.clone();
    Some(health)
}

/// The state after a check: the first check decides an `initial` target; then thresholds.
fn next_state(
    state: &str,
    passed: bool,
    passes: u32,
    fails: u32,
    hc: &HealthCheck,
) -> &'static str {
    match (state, passed) {
        ("initial", true) => "healthy",
        ("initial", false) => "unhealthy",
        ("unhealthy", true) if passes >= hc.healthy_threshold => "healthy",
        ("healthy", false) if fails >= hc.unhealthy_threshold => "unhealthy",
        ("healthy", _) => "healthy",
        _ => "unhealthy",
    }
}

/// Runs one HTTP health check of `due`'s target: the status code, or why there is none.
pub(crate) async fn check(due: &Due) -> Result<u16, String> {
    let hc = &due.group.health;
    let port = if hc.port == "traffic-port" {
        due.target.port
    } else {
        hc.port.parse().unwrap_or(due.target.port)
    };
    let ip: IpAddr = due
        .target
        .id
        .parse()
        .map_err(|_| "Target address is not valid".to_owned())?;
    let addr = SocketAddr::new(ip, port);
    let timeout = Duration::from_secs(hc.timeout_secs);
    let probe = async {
        let mut stream = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|_| "Health checks failed: connection refused".to_owned())?;
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: ELB-HealthChecker/2.0\r\nConnection: close\r\n\r\n",
            hc.path
        );
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|_| "Health checks failed".to_owned())?;
        let mut head = Vec::new();
        let mut buf = [0u8; 512];
        while !head.windows(2).any(|w| w == b"\r\n") && head.len() < 4096 {
            let n = stream
                .read(&mut buf)
                .await
                .map_err(|_| "Health checks failed".to_owned())?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        status_code(&head).ok_or_else(|| "Health checks failed: no HTTP response".to_owned())
    };
    match tokio::time::timeout(timeout, probe).await {
        Ok(r) => r,
        Err(_) => Err("Request timed out".to_owned()),
    }
}

/// The status code of an HTTP/1.x status line.
fn status_code(head: &[u8]) -> Option<u16> {
    let line = head.split(|&b| b == b'\r').next()?;
    let mut parts = line.split(|&b| b == b' ');
    let version = parts.next()?;
    if !version.starts_with(b"HTTP/1.") {
        return None;
    }
    std::str::from_utf8(parts.next()?).ok()?.parse().ok()
}

/// Writes a changed health to the store (for DescribeTargetHealth).
pub(crate) fn persist(store: &dyn rampart_store::Store, due: &Due, health: &Health) {
    let Some(name) = crate::names::Name::parse(&due.group.arn) else {
        return;
    };
    let key = records::health_key(&name, &due.target);
    let batch = records::put(
        rampart_store::Batch::new(),
        key,
        health,
        rampart_store::Expect::Any,
    );
    if let Err(e) = batch.and_then(|b| store.commit(b).map_err(crate::errors::store)) {
        tracing::warn!(error = %e.message, "cannot record a target's health");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hc() -> HealthCheck {
        HealthCheck {
            enabled: true,
            protocol: "HTTP".into(),
            port: "traffic-port".into(),
            path: "/".into(),
            interval_secs: 5,
            timeout_secs: 2,
            healthy_threshold: 3,
            unhealthy_threshold: 2,
            matcher: "200".into(),
        }
    }

    #[test]
    fn thresholds_after_the_first_check() {
        let hc = hc();
        assert_eq!(next_state("initial", true, 1, 0, &hc), "healthy");
        assert_eq!(next_state("initial", false, 0, 1, &hc), "unhealthy");
        assert_eq!(next_state("healthy", false, 0, 1, &hc), "healthy");
        assert_eq!(next_state("healthy", false, 0, 2, &hc), "unhealthy");
        assert_eq!(next_state("unhealthy", true, 2, 0, &hc), "unhealthy");
        assert_eq!(next_state("unhealthy", true, 3, 0, &hc), "healthy");
    }

    #[test]
    fn status_lines() {
        assert_eq!(status_code(b"HTTP/1.1 200 OK\r\n"), Some(200));
        assert_eq!(status_code(b"HTTP/1.0 404 Not Found\r\n"), Some(404));
        assert_eq!(status_code(b"SSH-2.0\r\n"), None);
    }

    fn group(targets: Vec<Target>) -> TargetGroup {
        TargetGroup {
            arn:
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/g/0123456789abcdef"
                    .into(),
            name: "g".into(),
            protocol: "HTTP".into(),
            port: 80,
            vpc_id: None,
            health: hc(),
            targets,
            tags: Vec::new(),
        }
    }

    #[test]
    fn round_robin_over_healthy_targets_only() {
        let pools = Pools::default();
        let t = |p| Target {
            id: "127.0.0.1".into(),
            port: p,
        };
        let now = Instant::now();
        let due = pools.refresh(vec![group(vec![t(1), t(2), t(3)])], now);
        assert_eq!(due.len(), 3);
        let pool = pools.pool(&group(vec![]).arn).unwrap();
        assert_eq!(pool.pick(), None);
        record(&due[0], Ok(200), now);
        record(&due[1], Ok(200), now);
        record(&due[2], Ok(500), now);
        let picks: Vec<u16> = (0..4).map(|_| pool.pick().unwrap().port()).collect();
        assert_eq!(picks, vec![1, 2, 1, 2]);
        // Nothing is due again before the interval; a deregistered target leaves the pool.
        assert!(
            pools
                .refresh(vec![group(vec![t(1), t(2), t(3)])], now)
                .is_empty()
        );
        pools.refresh(vec![group(vec![t(2)])], now);
        assert_eq!(pool.pick().unwrap().port(), 2);
    }
}
