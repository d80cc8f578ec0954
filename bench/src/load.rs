//! The load generator: N connections, each sending one request at a time (closed loop) for a
//! fixed duration; every request freshly signed, so the generator's cost is the same for every
//! target. Prints one JSON line.

use crate::workload::{ITEMS_PER_CONNECTION, Inputs, Template, Workload};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use rampart_sigv4::Credentials;
use std::time::{Duration, Instant};

/// What to drive, how hard and how long.
#[derive(clap::Args)]
pub struct Args {
    /// Target as host:port; several, comma-separated, spread the connections over them in
    /// turn (nodes of one cluster behind no load balancer).
    #[arg(long)]
    target: String,
    /// A label for the output.
    #[arg(long, default_value = "target")]
    label: String,
    /// The request to send.
    #[arg(long, value_enum)]
    workload: Workload,
    /// What the workload needs from the target.
    #[command(flatten)]
    inputs: Inputs,
    /// Concurrent connections, each with one request in flight.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Seconds to measure (after one second of warm-up).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Access key id to sign with.
    #[arg(long, env = "AWS_ACCESS_KEY_ID")]
    access_key_id: String,
    /// Secret access key to sign with.
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    secret_access_key: String,
    /// Region of the signature scope.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Open loop: send this many requests per second in total, on schedule whatever the
    /// answers; latency counts from each request's scheduled time when its connection was
    /// still busy then (no coordinated omission), else from when it was sent.
    /// Without it the loop is closed: each connection sends when the last answer came.
    #[arg(long)]
    rate: Option<f64>,
}

/// An open-loop connection's timetable.
struct Schedule {
    next: Instant,
    every: Duration,
}

struct Tally {
    latencies: Histogram<u64>,
    ok: u64,
    errors: u64,
}

/// Runs the load and prints the result.
pub async fn run(args: Args) -> Result<(), String> {
    let credentials = Credentials::new(
        args.access_key_id.clone(),
        args.secret_access_key.clone(),
        None,
    );
    let warmup = Duration::from_secs(1);
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    // In open loop each connection owns every Nth slot of the schedule.
    let interval = args
        .rate
        .filter(|r| *r > 0.0)
        .map(|r| Duration::from_secs_f64(args.concurrency as f64 / r));
    for i in 0..args.concurrency {
        let targets: Vec<&str> = args.target.split(',').collect();
        let target = targets[i % targets.len()].to_owned();
        let credentials = credentials.clone();
        let region = args.region.clone();
        let templates = args.workload.templates(&args.inputs)?;
        let schedule = interval.map(|every| Schedule {
            next: start + every.mul_f64(i as f64 / args.concurrency as f64),
            every,
        });
        tasks.push(tokio::spawn(async move {
            connection_loop(
                &target,
                &templates,
                i,
                &credentials,
                &region,
                schedule,
                measure_from,
                end,
            )
            .await
        }));
    }
    let mut total = Tally {
        latencies: new_histogram()?,
        ok: 0,
        errors: 0,
    };
    for task in tasks {
        let tally = task.await.map_err(|e| format!("worker failed: {e}"))??;
        total
            .latencies
            .add(&tally.latencies)
            .map_err(|e| e.to_string())?;
        total.ok += tally.ok;
        total.errors += tally.errors;
    }
    let secs = args.seconds as f64;
    let us = |q: f64| total.latencies.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "{}",
        serde_json::json!({
            "label": args.label,
            "workload": format!("{:?}", args.workload),
            "concurrency": args.concurrency,
            "seconds": args.seconds,
            "ok": total.ok,
            "errors": total.errors,
            "rps": total.ok as f64 / secs,
            "mode": if args.rate.is_some() { "open" } else { "closed" },
            "p50_ms": us(0.5),
            "p99_ms": us(0.99),
            "p999_ms": us(0.999),
        })
    );
    Ok(())
}

fn new_histogram() -> Result<Histogram<u64>, String> {
    Histogram::new_with_bounds(1, 60_000_000, 3).map_err(|e| e.to_string())
}

/// One connection's loop over `templates` in turn (starting at `first`, so that connections
/// interleave a mixed workload); latencies in microseconds. A server that closes the
/// connection (as Python's development servers do after each response) is reconnected to;
/// a request that fails on a broken connection counts as an error.
#[allow(clippy::too_many_arguments)]
async fn connection_loop(
    target: &str,
    templates: &[Template],
    first: usize,
    credentials: &Credentials,
    region: &str,
    mut schedule: Option<Schedule>,
    measure_from: Instant,
    end: Instant,
) -> Result<Tally, String> {
    let mut tally = Tally {
        latencies: new_histogram()?,
        ok: 0,
        errors: 0,
    };
    let mut sender = connect(target).await?;
    let mut turn = first;
    while Instant::now() < end {
        if sender.is_closed() {
            sender = connect(target).await?;
        }
        let item = first * ITEMS_PER_CONNECTION + (turn / templates.len()) % ITEMS_PER_CONNECTION;
        let prepared =
            templates[turn % templates.len()].request(target, credentials, region, item)?;
        turn += 1;
        let mut request = http::Request::new(Full::new(prepared.body));
        *request.method_mut() = prepared.method;
        *request.uri_mut() = http::Uri::from_static("/");
        *request.headers_mut() = prepared.headers;
        let sent = match &mut schedule {
            Some(s) => {
                let due = s.next;
                s.next += s.every;
                if Instant::now() < due {
                    // The connection is free before the request is due, so the request starts
                    // when it is sent: the timer wakes up to a millisecond late, and that delay
                    // is the generator's, not the target's.
                    tokio::time::sleep_until(due.into()).await;
                    Instant::now()
                } else {
                    // Still busy with the last answer when this one was due: the wait counts,
                    // so a slow target cannot hide behind its own slowness.
                    due
                }
            }
            None => Instant::now(),
        };
        let ok = match sender.send_request(request).await {
            Ok(response) => {
                let status_ok = response.status().is_success();
                response.into_body().collect().await.is_ok() && status_ok
            }
            Err(_) => {
                sender = connect(target).await?;
                false
            }
        };
        if sent >= measure_from {
            let micros = sent.elapsed().as_micros() as u64;
            let _ = tally.latencies.record(micros.max(1));
            if ok {
                tally.ok += 1;
            } else {
                tally.errors += 1;
            }
        }
    }
    Ok(tally)
}

/// Opens an HTTP/1.1 connection to `target`.
async fn connect(target: &str) -> Result<http1::SendRequest<Full<bytes::Bytes>>, String> {
    let stream = tokio::net::TcpStream::connect(target)
        .await
        .map_err(|e| format!("cannot connect to {target}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(connection);
    Ok(sender)
}
