//! Leadership across store handles ("nodes") on one database, on a real PostgreSQL cluster
//! (see `support`): exactly one holder, a promise that ends before anyone else can take over,
//! takeover when the holder stops renewing or releases. Each test skips without PostgreSQL.

mod support;

use rampart_store::{Leadership, Lease, Store};
use rampart_store_postgres::{Options, PostgresStore};
use std::sync::Arc;
use std::time::{Duration, Instant};

const LEASE: &str = "scheduler";

fn options(ttl: Duration) -> Options {
    let mut options = Options::default();
    options.lease_ttl = ttl;
    options
}

/// Two handles on one fresh database with leases of `ttl`, or `None` without PostgreSQL.
fn two_nodes(ttl: Duration) -> Option<(String, PostgresStore, PostgresStore)> {
    let Some(cluster) = support::cluster() else {
        eprintln!("SKIPPED: PostgreSQL is not installed");
        return None;
    };
    let url = cluster.fresh_database();
    let a = PostgresStore::connect_with(&url, options(ttl)).unwrap();
    let b = PostgresStore::connect_with(&url, options(ttl)).unwrap();
    Some((url, a, b))
}

fn admin(url: &str) -> postgres::Client {
    let database = url.rsplit('/').next().unwrap();
    postgres::Client::connect(&support::cluster().unwrap().url(database), postgres::NoTls).unwrap()
}

fn held(lease: Lease) -> Duration {
    match lease {
        Lease::Held(promise) => promise,
        Lease::Elsewhere => panic!("expected to hold the lease"),
    }
}

/// Polls `b` until it holds the lease; how long that took.
fn wait_until_held(b: &PostgresStore) -> Duration {
    let start = Instant::now();
    while b.lease(LEASE).unwrap() == Lease::Elsewhere {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the lease was never taken over"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    start.elapsed()
}

#[test]
fn exactly_one_of_two_nodes_holds_a_lease_and_renewing_keeps_it() {
    let Some((_, a, b)) = two_nodes(Duration::from_secs(30)) else {
        return;
    };
    held(a.lease(LEASE).unwrap());
    assert_eq!(b.lease(LEASE).unwrap(), Lease::Elsewhere);
    held(a.lease(LEASE).unwrap());
    assert_eq!(b.lease(LEASE).unwrap(), Lease::Elsewhere);
    // Another name is another lease.
    held(b.lease("other").unwrap());
    assert_eq!(a.lease("other").unwrap(), Lease::Elsewhere);
    // Releasing hands over at once; releasing what one does not hold changes nothing.
    b.release(LEASE).unwrap();
    assert_eq!(b.lease(LEASE).unwrap(), Lease::Elsewhere);
    a.release(LEASE).unwrap();
    held(b.lease(LEASE).unwrap());
    assert_eq!(a.lease(LEASE).unwrap(), Lease::Elsewhere);
}

#[test]
fn racing_nodes_never_both_hold_a_lease() {
    let Some(cluster) = support::cluster() else {
        return;
    };
    let url = cluster.fresh_database();
    let nodes: Vec<PostgresStore> = (0..4)
        .map(|_| PostgresStore::connect_with(&url, options(Duration::from_secs(30))).unwrap())
        .collect();
    let holders = std::thread::scope(|scope| {
        let racing: Vec<_> = nodes
            .iter()
            .map(|node| scope.spawn(move || node.lease(LEASE).unwrap()))
            .collect();
        racing
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(|lease| matches!(lease, Lease::Held(_)))
            .count()
    });
    assert_eq!(holders, 1);
}

#[test]
fn the_promise_ends_before_the_database_lets_another_node_take_over() {
    let Some((url, a, b)) = two_nodes(Duration::from_secs(20)) else {
        return;
    };
    let before = Instant::now();
    let promise = held(a.lease(LEASE).unwrap());
    // What the database will wait before handing the lease to someone else, seen now.
    let left: f64 = admin(&url)
        .query_one(
            "SELECT extract(epoch FROM expires - clock_timestamp())::float8 \
             FROM rampart_leases WHERE name = $1",
            &[&LEASE],
        )
        .unwrap()
        .get(0);
    let database_end = Instant::now() + Duration::from_secs_f64(left.max(0.0));
    assert!(
        before + promise < database_end,
        "the holder's promise outlasts the database's lease"
    );
    assert_eq!(b.lease(LEASE).unwrap(), Lease::Elsewhere);
}

#[test]
fn a_node_that_stops_renewing_is_replaced_after_the_lease_runs_out() {
    let ttl = Duration::from_secs(2);
    let Some((_, a, b)) = two_nodes(ttl) else {
        return;
    };
    let taken = Instant::now();
    held(a.lease(LEASE).unwrap());
    // `a` dies without releasing (it simply never renews): `b` takes over, not before the
    // database's expiry.
    drop(a);
    wait_until_held(&b);
    assert!(taken.elapsed() >= ttl - ttl / 5);
}

#[test]
fn losing_its_connections_does_not_cost_the_holder_its_lease() {
    let Some((url, a, b)) = two_nodes(Duration::from_secs(30)) else {
        return;
    };
    let a = Arc::new(a);
    let mut leadership = Leadership::new(a.clone(), LEASE);
    assert!(leadership.leads());
    admin(&url)
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .unwrap();
    // The holder renews on a fresh connection; the other node still cannot take it.
    held(a.lease(LEASE).unwrap());
    assert_eq!(b.lease(LEASE).unwrap(), Lease::Elsewhere);
    leadership.release();
    held(b.lease(LEASE).unwrap());
    assert!(!leadership.leads(), "taken over after the release");
}

#[test]
fn a_node_cut_off_from_the_database_stops_leading_before_the_other_takes_over() {
    let Some(cluster) = support::cluster() else {
        return;
    };
    let ttl = Duration::from_secs(2);
    let url = cluster.fresh_database();
    // Node `a` logs in as a role of its own, so it alone can be cut off.
    let mut admin = admin(&url);
    admin
        .batch_execute("DROP ROLE IF EXISTS node_a; CREATE ROLE node_a SUPERUSER LOGIN")
        .unwrap();
    let b = PostgresStore::connect_with(&url, options(ttl)).unwrap();
    let url_a = url.replacen("postgres@", "node_a@", 1);
    let mut a = Leadership::new(
        Arc::new(PostgresStore::connect_with(&url_a, options(ttl)).unwrap()),
        LEASE,
    );
    assert!(a.leads());
    let (last_lead_of_a, taken_by_b) = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            wait_until_held(&b);
            Instant::now()
        });
        admin
            .batch_execute(
                "ALTER ROLE node_a NOLOGIN; \
                 SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'node_a'",
            )
            .unwrap();
        // `a` can no longer renew: it stops leading by itself once its promise runs out.
        let cut = Instant::now();
        let mut last = cut;
        while a.leads() {
            last = Instant::now();
            assert!(
                cut.elapsed() < Duration::from_secs(60),
                "never stopped leading"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        (last, watcher.join().unwrap())
    });
    assert!(
        last_lead_of_a < taken_by_b,
        "node a still led after node b took over"
    );
    admin.batch_execute("ALTER ROLE node_a LOGIN").unwrap();
}
