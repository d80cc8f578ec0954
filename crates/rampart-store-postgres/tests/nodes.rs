//! Several store handles ("nodes") on one database, schema management and faults, on a real
//! PostgreSQL cluster (see `support`). Each test skips, saying so, without PostgreSQL.

mod support;

use rampart_store::{Batch, Expect, Key, Scan, Store, StoreError};
use rampart_store_postgres::{Migration, Options, PostgresStore, SCHEMA_VERSION};
use std::net::TcpListener;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);

fn key(table: &str, id: &str) -> Key {
    Key::new("acct/123456789012", table, id)
}

/// Two handles on one fresh database, or `None` (skipped) without PostgreSQL.
fn two_nodes() -> Option<(String, PostgresStore, PostgresStore)> {
    let Some(cluster) = support::cluster() else {
        eprintln!("SKIPPED: PostgreSQL is not installed");
        return None;
    };
    let url = cluster.fresh_database();
    let a = PostgresStore::connect(&url).unwrap();
    let b = PostgresStore::connect(&url).unwrap();
    Some((url, a, b))
}

/// Closes every session of the database behind `url` (the listeners' and the pools').
fn kill_sessions(url: &str, only_listeners: bool) {
    let cluster = support::cluster().unwrap();
    let database = url.rsplit('/').next().unwrap();
    let filter = if only_listeners {
        " AND application_name = 'rampart listener'"
    } else {
        ""
    };
    cluster
        .admin()
        .query(
            &format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = $1 AND pid <> pg_backend_pid(){filter}"
            ),
            &[&database],
        )
        .unwrap();
}

fn allow_connections(url: &str, allow: bool) {
    let database = url.rsplit('/').next().unwrap();
    support::cluster()
        .unwrap()
        .admin()
        .batch_execute(&format!(
            "ALTER DATABASE {database} ALLOW_CONNECTIONS {allow}"
        ))
        .unwrap();
}

#[test]
fn a_write_through_one_node_moves_the_other_nodes_watermark_of_that_table_only() {
    let Some((_, a, b)) = two_nodes() else { return };
    let (users, roles) = (
        b.watermark("acct/123456789012", "iam.user"),
        b.watermark("acct/123456789012", "iam.role"),
    );
    a.commit(Batch::new().put(key("iam.user", "alice"), "deny-all"))
        .unwrap();
    b.sync(WAIT).unwrap();
    assert!(b.watermark("acct/123456789012", "iam.user") > users);
    assert_eq!(b.watermark("acct/123456789012", "iam.role"), roles);
    assert_eq!(
        b.get(&key("iam.user", "alice")).unwrap().unwrap().value,
        b"deny-all"
    );
    // A batch of checks and a failed batch notify nobody.
    let users = b.watermark("acct/123456789012", "iam.user");
    a.commit(Batch::new().check(key("iam.user", "alice"), Expect::Any))
        .unwrap();
    assert!(
        a.commit(
            Batch::new()
                .put(key("iam.user", "bob"), "x")
                .check(key("iam.user", "alice"), Expect::Absent)
        )
        .is_err()
    );
    b.sync(WAIT).unwrap();
    assert_eq!(b.watermark("acct/123456789012", "iam.user"), users);
}

#[test]
fn compare_and_swap_is_exact_across_nodes() {
    let Some((_, a, b)) = two_nodes() else { return };
    let counter = key("t", "counter");
    std::thread::scope(|scope| {
        for node in [&a, &b, &a, &b] {
            let counter = &counter;
            scope.spawn(move || {
                for _ in 0..50 {
                    loop {
                        let (n, expect) = match node.get(counter).unwrap() {
                            Some(item) => (
                                String::from_utf8(item.value)
                                    .unwrap()
                                    .parse::<u64>()
                                    .unwrap(),
                                Expect::Version(item.version),
                            ),
                            None => (0, Expect::Absent),
                        };
                        match node.commit(Batch::new().put_if(
                            counter.clone(),
                            (n + 1).to_string(),
                            expect,
                        )) {
                            Ok(_) => break,
                            Err(StoreError::Conflict { .. }) => continue,
                            Err(other) => panic!("{other}"),
                        }
                    }
                }
            });
        }
    });
    assert_eq!(a.get(&counter).unwrap().unwrap().value, b"200");
}

#[test]
fn versions_are_gap_free_and_follow_commit_order_across_nodes() {
    let Some((_, a, b)) = two_nodes() else { return };
    let mut last = 0;
    for round in 0..20 {
        let node = if round % 2 == 0 { &a } else { &b };
        let v = node
            .commit(Batch::new().put(key("t", &format!("k{round}")), "x"))
            .unwrap()[0]
            .unwrap();
        if last != 0 {
            assert_eq!(v, last + 1);
        }
        last = v;
    }
    // A failed batch consumes no version.
    assert!(
        a.commit(Batch::new().put_if(key("t", "k0"), "y", Expect::Absent))
            .is_err()
    );
    let v = b.commit(Batch::new().put(key("t", "next"), "x")).unwrap()[0].unwrap();
    assert_eq!(v, last + 1);
}

#[test]
fn data_and_schema_outlive_a_handle_and_migrate_is_idempotent() {
    let Some((url, a, b)) = two_nodes() else {
        return;
    };
    a.commit(Batch::new().put(key("t", "kept"), "1")).unwrap();
    assert_eq!(a.migrate().unwrap(), Migration::Current);
    drop(a);
    drop(b);
    assert_eq!(
        PostgresStore::migrate_database(&url, &Options::default()).unwrap(),
        Migration::Current
    );
    let again = PostgresStore::connect(&url).unwrap();
    assert_eq!(again.migrate().unwrap(), Migration::Current);
    let items = again.scan("acct/123456789012", "t", &Scan::all()).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].value, b"1");
}

#[test]
fn an_empty_database_gets_the_schema_and_a_version_1_schema_is_upgraded() {
    let Some(cluster) = support::cluster() else {
        return;
    };
    let url = cluster.fresh_database();
    assert_eq!(
        PostgresStore::migrate_database(&url, &Options::default()).unwrap(),
        Migration::Created
    );
    let database = url.rsplit('/').next().unwrap();
    let mut admin = postgres::Client::connect(&cluster.url(database), postgres::NoTls).unwrap();
    // What a version-1 rampart left: no lease table.
    admin
        .batch_execute("DROP TABLE rampart_leases; UPDATE rampart_schema SET version = 1")
        .unwrap();
    assert_eq!(
        PostgresStore::migrate_database(&url, &Options::default()).unwrap(),
        Migration::Upgraded { from: 1 }
    );
    let store = PostgresStore::connect(&url).unwrap();
    assert!(matches!(
        store.lease("scheduler").unwrap(),
        rampart_store::Lease::Held(_)
    ));
    let version: i32 = admin
        .query_one("SELECT version FROM rampart_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn a_newer_schema_is_refused_with_a_clear_error() {
    let Some((url, a, _b)) = two_nodes() else {
        return;
    };
    let database = url.rsplit('/').next().unwrap();
    let cluster = support::cluster().unwrap();
    let mut admin = postgres::Client::connect(&cluster.url(database), postgres::NoTls).unwrap();
    admin
        .execute(
            "UPDATE rampart_schema SET version = $1",
            &[&(SCHEMA_VERSION + 1)],
        )
        .unwrap();
    let err = PostgresStore::connect(&url).unwrap_err();
    match &err {
        StoreError::Unavailable(why) => assert!(why.contains("newer"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(a.migrate(), Err(StoreError::Unavailable(_))));
}

#[test]
fn a_database_without_rampart_tables_but_other_tables_is_usable() {
    let Some(cluster) = support::cluster() else {
        return;
    };
    let url = cluster.fresh_database();
    let database = url.rsplit('/').next().unwrap().to_owned();
    postgres::Client::connect(&cluster.url(&database), postgres::NoTls)
        .unwrap()
        .batch_execute("CREATE TABLE unrelated (x int)")
        .unwrap();
    PostgresStore::migrate_database(&url, &Options::default()).unwrap();
    let store = PostgresStore::connect(&url).unwrap();
    store.commit(Batch::new().put(key("t", "a"), "1")).unwrap();
}

#[test]
fn tables_skips_over_many_items_of_one_table() {
    let Some((_, a, _b)) = two_nodes() else {
        return;
    };
    let mut batch = Batch::new();
    for n in 0..300 {
        batch = batch.put(key("many", &format!("{n:04}")), "x");
    }
    batch = batch
        .put(Key::new("a", "", ""), "x")
        .put(Key::new("a", "b", "c"), "x")
        .put(Key::new("zz", "t", ""), "x");
    a.commit(batch).unwrap();
    let tables = a.tables().unwrap();
    let want = [
        ("a", ""),
        ("a", "b"),
        ("acct/123456789012", "many"),
        ("zz", "t"),
    ];
    assert_eq!(
        tables,
        want.map(|(s, t)| (s.to_owned(), t.to_owned())).to_vec()
    );
}

#[test]
fn an_unreachable_database_is_unavailable_and_names_it_without_the_password() {
    // A port nobody listens on: bound, read, released.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://rampart:hunter2@127.0.0.1:{port}/rampart");
    let err = PostgresStore::connect(&url).unwrap_err();
    let shown = err.to_string();
    assert!(matches!(err, StoreError::Unavailable(_)), "{shown}");
    assert!(shown.contains("unreachable"), "{shown}");
    assert!(shown.contains("refused"), "the cause is given: {shown}");
    assert!(shown.contains(&format!("127.0.0.1 port {port}")), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn a_lost_listener_reconnects_and_moves_every_watermark() {
    let Some((url, a, b)) = two_nodes() else {
        return;
    };
    let before = b.watermark("acct/123456789012", "untouched");
    kill_sessions(&url, true);
    a.commit(Batch::new().put(key("t", "while-away"), "x"))
        .unwrap();
    b.sync(WAIT).unwrap();
    assert!(b.watermark("acct/123456789012", "untouched") > before);
    assert!(b.get(&key("t", "while-away")).unwrap().is_some());
}

#[test]
fn a_lost_database_fails_requests_moves_watermarks_and_recovers_by_itself() {
    let Some((url, a, b)) = two_nodes() else {
        return;
    };
    a.commit(Batch::new().put(key("t", "before"), "x")).unwrap();
    allow_connections(&url, false);
    kill_sessions(&url, false);
    // Reads and writes fail as unavailable; nothing is written.
    assert!(matches!(
        a.get(&key("t", "before")),
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        a.commit(Batch::new().put(key("t", "during"), "x")),
        Err(StoreError::Unavailable(_))
    ));
    // Once the listener has noticed, watermarks move on every read: caches cannot hit.
    let deadline = Instant::now() + WAIT;
    loop {
        let first = b.watermark("acct/123456789012", "t");
        if b.watermark("acct/123456789012", "t") > first {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "watermarks kept still without a listener"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    allow_connections(&url, true);
    b.sync(WAIT).unwrap();
    assert!(b.get(&key("t", "before")).unwrap().is_some());
    assert_eq!(b.get(&key("t", "during")).unwrap(), None);
    a.commit(Batch::new().put(key("t", "after"), "x")).unwrap();
    let stable = b.watermark("acct/123456789012", "other");
    assert_eq!(
        b.watermark("acct/123456789012", "other"),
        stable,
        "trusted again"
    );
}

#[test]
fn names_with_quotes_backslashes_and_nul_are_stored_and_notified() {
    let Some((_, a, b)) = two_nodes() else { return };
    for (space, table, id) in [
        ("acct/1", "it's", "o'brien"),
        ("acct/1", "back\\slash", "\\x00"),
        ("nul\0space", "nul\0table", "nul\0id"),
    ] {
        let before = b.watermark(space, table);
        let k = Key::new(space, table, id);
        a.commit(Batch::new().put(k.clone(), "v")).unwrap();
        b.sync(WAIT).unwrap();
        assert!(b.watermark(space, table) > before, "{table:?}");
        assert_eq!(b.get(&k).unwrap().unwrap().key, k);
        let items = b.scan(space, table, &Scan::new(id, 10)).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].key, k);
    }
    let tables = b.tables().unwrap();
    assert!(tables.contains(&("nul\0space".to_owned(), "nul\0table".to_owned())));
    assert!(tables.contains(&("acct/1".to_owned(), "it's".to_owned())));
}

#[test]
fn tls_when_required_verifies_the_server_against_the_given_ca() {
    let Some(cluster) = support::cluster() else {
        return;
    };
    let Some(ca) = &cluster.ca else {
        eprintln!("SKIPPED: the test cluster has no TLS (openssl missing)");
        return;
    };
    let url = format!("{}?sslmode=require", cluster.fresh_database());
    // The system's roots do not know the test CA: refused, before any data moves.
    assert!(matches!(
        PostgresStore::connect(&url),
        Err(StoreError::Unavailable(_))
    ));
    let mut options = Options::default();
    options.tls_root_cert = Some(ca.clone());
    let store = PostgresStore::connect_with(&url, options).unwrap();
    store
        .commit(Batch::new().put(key("t", "secret"), "over tls"))
        .unwrap();
    store.sync(WAIT).unwrap();
    let database = url.rsplit('/').next().unwrap().split('?').next().unwrap();
    let row = cluster
        .admin()
        .query_one(
            "SELECT count(*) FILTER (WHERE NOT s.ssl), count(*) FROM pg_stat_activity a \
             JOIN pg_stat_ssl s USING (pid) WHERE a.datname = $1",
            &[&database],
        )
        .unwrap();
    let (plain, all): (i64, i64) = (row.get(0), row.get(1));
    assert_eq!(plain, 0, "every session of the store is encrypted");
    assert!(all >= 2, "the pool's and the listener's sessions: {all}");
}
