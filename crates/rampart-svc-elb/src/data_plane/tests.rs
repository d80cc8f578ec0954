//! The data plane over an in-memory store: listeners follow the store, requests reach healthy
//! targets with `X-Forwarded-For`, and a listener's port closes when it is deleted.

use rampart_service::testkit::World;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A target answering every request with the `X-Forwarded-For` it received, keeping
/// connections alive; `connections` counts those it accepted.
async fn target(connections: Arc<AtomicUsize>) -> u16 {
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = socket.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = socket.accept().await else {
                continue;
            };
            connections.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                loop {
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match s.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                    let text = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                    buf.drain(..end);
                    let xff = text
                        .lines()
                        .find_map(|l| l.strip_prefix("x-forwarded-for: "))
                        .unwrap_or("none")
                        .to_owned();
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{xff}",
                        xff.len()
                    );
                    if s.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

/// The status line and body of a GET to `port`, or `None` when nothing listens.
async fn get(port: u16) -> Option<(u16, String)> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
    s.write_all(b"GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.ok()?;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    Some((
        status,
        text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned(),
    ))
}

async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

fn ok(w: &World, op: &str, input: Value) -> Value {
    w.call_as(&w.root(), "elbv2", op, input)
        .unwrap_or_else(|e| panic!("{op}: {}", e.message))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listeners_follow_the_store_and_forward_to_healthy_targets() {
    let w = World::new(crate::register);
    let dir = std::env::temp_dir().join(format!("rampart-elb-test-{}", free_port()));
    let plane = crate::start_data_plane(&w.env, &w.registry, &dir, [127, 0, 0, 1].into()).unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let app = target(connections.clone()).await;
    let port = free_port();
    let lb =
        ok(&w, "CreateLoadBalancer", json!({"Name": "web"}))["LoadBalancers"][0]["LoadBalancerArn"]
            .as_str()
            .unwrap()
            .to_owned();
    let tg = ok(
        &w,
        "CreateTargetGroup",
        json!({"Name": "app", "Protocol": "HTTP", "Port": app, "TargetType": "ip",
               "HealthCheckIntervalSeconds": 5, "HealthCheckTimeoutSeconds": 2}),
    )["TargetGroups"][0]["TargetGroupArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let l = ok(
        &w,
        "CreateListener",
        json!({"LoadBalancerArn": lb, "Port": port,
               "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg}]}),
    )["Listeners"][0]["ListenerArn"]
        .as_str()
        .unwrap()
        .to_owned();
    // Started from the store; no target yet: 503.
    eventually("the listener", || async { get(port).await.is_some() }).await;
    assert_eq!(get(port).await.unwrap().0, 503);
    ok(
        &w,
        "RegisterTargets",
        json!({"TargetGroupArn": tg, "Targets": [{"Id": "127.0.0.1"}]}),
    );
    eventually("a healthy target", || async {
        get(port).await.is_some_and(|r| r.0 == 200)
    })
    .await;
    assert_eq!(get(port).await.unwrap(), (200, "127.0.0.1".to_owned()));
    // Connections to the target are kept alive and reused (health checks open their own).
    let before = connections.load(Ordering::SeqCst);
    for _ in 0..10 {
        assert_eq!(get(port).await.unwrap().0, 200);
    }
    assert!(connections.load(Ordering::SeqCst) - before < 5);
    let health = ok(&w, "DescribeTargetHealth", json!({"TargetGroupArn": tg}));
    assert_eq!(
        health["TargetHealthDescriptions"][0]["TargetHealth"]["State"],
        "healthy"
    );
    // Deleting the listener closes the port.
    ok(&w, "DeleteListener", json!({"ListenerArn": l}));
    eventually("the port to close", || async { get(port).await.is_none() }).await;
    drop(plane);
    let _ = std::fs::remove_dir_all(dir);
}

/// The answer to one keep-alive GET on a fresh connection, read until the data plane closes
/// the connection (or for 5 s, when it keeps the connection open); `true` when it closed it.
async fn get_until_closed(port: u16) -> (String, bool) {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out))
        .await
        .is_ok();
    (String::from_utf8_lossy(&out).into_owned(), closed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_over_the_rate_limit_gets_429_with_retry_after_and_the_connection_closes() {
    let w = World::new(crate::register);
    let dir = std::env::temp_dir().join(format!("rampart-elb-test-{}", free_port()));
    let limit = super::limits::RateLimit { rate: 1, burst: 3 };
    let plane = super::start(
        &w.env,
        &w.registry,
        &dir,
        [127, 0, 0, 1].into(),
        Some(limit),
    )
    .unwrap();
    let port = free_port();
    let lb =
        ok(&w, "CreateLoadBalancer", json!({"Name": "web"}))["LoadBalancers"][0]["LoadBalancerArn"]
            .as_str()
            .unwrap()
            .to_owned();
    ok(
        &w,
        "CreateListener",
        json!({"LoadBalancerArn": lb, "Port": port,
               "DefaultActions": [{"Type": "fixed-response",
                   "FixedResponseConfig": {"StatusCode": "200", "ContentType": "text/plain",
                                           "MessageBody": "app"}}]}),
    );
    // Wait for the port without sending requests (each would take a token).
    eventually("the listener", || async {
        tokio::net::TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port)))
            .await
            .is_ok()
    })
    .await;
    // A full bucket admits its burst of three.
    for _ in 0..3 {
        assert_eq!(get(port).await.unwrap(), (200, "app".to_owned()));
    }
    // Then (unless seconds went by) a 429 that says when to come back and ends the connection.
    let mut refused = None;
    for _ in 0..7 {
        let (answer, closed) = get_until_closed(port).await;
        if answer.starts_with("HTTP/1.1 429 ") {
            assert!(closed, "the connection stays open after a 429");
            refused = Some(answer);
            break;
        }
    }
    let refused = refused.expect("a 429");
    let head = refused.to_ascii_lowercase();
    assert!(head.contains("\r\nretry-after: 1\r\n"), "{refused}");
    assert!(head.contains("\r\nconnection: close\r\n"), "{refused}");
    assert!(refused.contains("429 Too Many Requests"), "{refused}");
    drop(plane);
    let _ = std::fs::remove_dir_all(dir);
}
