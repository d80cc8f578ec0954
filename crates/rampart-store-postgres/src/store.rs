//! [`PostgresStore`]: the store contract over one PostgreSQL database.

use crate::error::{from_pg, is_connection_lost, is_retryable};
use crate::listener::{self, Shared};
use crate::notice::{CHANNEL, Notice};
use crate::options::{self, Options, describe};
use crate::pool::{Conn, Pool};
use crate::scan::range_query;
use crate::schema;
use crate::schema::Migration;
use crate::target::Target;
use postgres::SimpleQueryMessage;
use postgres::types::ToSql;
use rampart_store::{Batch, Expect, Item, Key, Lease, MAX_NAME_LEN, Op, Scan, Store, StoreError};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How many times a commit runs again after a serialization failure, a deadlock or a pooled
/// connection found dead before anything was sent to commit.
const MAX_ATTEMPTS: usize = 5;

/// How long `sync` waits for one token before sending another.
const SYNC_ROUND: Duration = Duration::from_millis(500);

const GET: &str =
    "SELECT version, value FROM rampart_items WHERE space = $1 AND tbl = $2 AND id = $3";
const VERSION: &str = "SELECT version FROM rampart_items WHERE space = $1 AND tbl = $2 AND id = $3";
const PUT: &str = "INSERT INTO rampart_items (space, tbl, id, version, value) \
    VALUES ($1, $2, $3, $4, $5) ON CONFLICT (space, tbl, id) \
    DO UPDATE SET version = excluded.version, value = excluded.value";
const INSERT: &str = "INSERT INTO rampart_items (space, tbl, id, version, value) \
    VALUES ($1, $2, $3, $4, $5) ON CONFLICT (space, tbl, id) DO NOTHING";
const UPDATE: &str = "UPDATE rampart_items SET version = $4, value = $5 \
    WHERE space = $1 AND tbl = $2 AND id = $3 AND version = $6";
const DELETE_VERSION: &str =
    "DELETE FROM rampart_items WHERE space = $1 AND tbl = $2 AND id = $3 AND version = $4";
const DELETE: &str = "DELETE FROM rampart_items WHERE space = $1 AND tbl = $2 AND id = $3";
/// Takes the writers' lock and the commit's version in one statement.
const NEXT_VERSION: &str = "UPDATE rampart_version SET last = last + 1 WHERE one RETURNING last";
const NOTIFY: &str = "SELECT pg_notify($1, $2)";
/// Takes lease $1 for holder $2 for $3 seconds when it is free, expired or already this
/// holder's; a row comes back exactly when the holder has it. Times are the database's.
const LEASE: &str = "INSERT INTO rampart_leases AS l (name, holder, expires) \
    VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3)) \
    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires \
    WHERE l.holder = excluded.holder OR l.expires <= clock_timestamp() \
    RETURNING 1";
const RELEASE: &str = "DELETE FROM rampart_leases WHERE name = $1 AND holder = $2";
/// Every (space, table), one index probe each (a skip scan) rather than a pass over all items.
const TABLES: &str = "WITH RECURSIVE t (space, tbl) AS ( \
        (SELECT space, tbl FROM rampart_items ORDER BY space, tbl LIMIT 1) \
        UNION ALL \
        SELECT n.space, n.tbl FROM t, LATERAL ( \
            SELECT space, tbl FROM rampart_items WHERE (space, tbl) > (t.space, t.tbl) \
            ORDER BY space, tbl LIMIT 1) n \
    ) SELECT space, tbl FROM t";

/// A [`Store`] in one PostgreSQL database, shared by any number of rampart nodes.
///
/// Commits run in READ COMMITTED transactions whose first statement increments the one-row
/// version counter: that row lock serializes writers across all nodes, so every expectation
/// is checked against the latest committed state, versions are gap-free and follow commit
/// order, and nothing is visible before `COMMIT`. Reads are single statements (one snapshot
/// each) on pooled connections. A connection lost before `COMMIT` was sent is retried on a
/// fresh one; lost during `COMMIT` the outcome is unknown and `commit` answers
/// [`StoreError::Unavailable`] saying so (the batch is then applied entirely or not at all).
///
/// Watermarks are in memory: this handle's own commits move them before `commit` returns,
/// other nodes' commits when their notification (sent inside the committing transaction, so
/// only for commits that happened) arrives. The freshness rule: PostgreSQL delivers
/// notifications in commit order, so when a token this handle sent at instant `t` comes back
/// (the listener sends one every [`Options::heartbeat`]), every commit acknowledged before `t`
/// is reflected. Watermarks are trusted only while the listener is connected and its last
/// proof is at most [`Options::max_lag`] old; otherwise every watermark moves on every read,
/// so caches miss and read the database. A reconnecting listener moves every watermark once,
/// covering what it missed. So a cache that reads the watermark before the data it derives is
/// stale at most for the notification delay, and never after a missed notification.
/// [`PostgresStore::sync`] waits until every commit acknowledged before the call is reflected.
///
/// Leases ([`Store::lease`], the leadership of scheduled work) are rows of
/// `rampart_leases` with an expiry set by the database's clock, renewed by their holder (this
/// handle) and taken by another handle only once expired or released. A lease row rather
/// than a session advisory lock: the holder's own clock bounds how long it may act (a
/// holder whose connection silently died cannot tell it lost an advisory lock, which the
/// server frees only once TCP keepalives notice), it survives a dropped pooled connection
/// without a change of leader, and it works through transaction poolers and
/// PostgreSQL-compatible databases without advisory locks. The price: a crashed holder is
/// replaced only after [`Options::lease_ttl`].
pub struct PostgresStore {
    pool: Pool,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("database", &describe(&self.pool.target().config))
            .finish_non_exhaustive()
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }
}

/// What one attempt at a commit came to, when the database answered.
enum Attempt {
    Committed(Vec<Option<u64>>),
    Conflict(Key),
    /// The version counter row is missing or negative.
    NoCounter,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db` or a
    /// `key=value` connection string) with [`Options::default`].
    ///
    /// Creates the schema in an empty database and checks it otherwise (see
    /// [`PostgresStore::migrate`]), and starts the listener. Fails with
    /// [`StoreError::Unavailable`] when the database is unreachable (the message names host,
    /// port, database and user, never the password) or its schema is newer than this build.
    pub fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        PostgresStore::connect_with(url, Options::default())
    }

    /// [`PostgresStore::connect`] with explicit tunables.
    pub fn connect_with(url: &str, options: Options) -> Result<PostgresStore, StoreError> {
        let target = Target::new(options::config(url, &options)?, &options)?;
        let mut first = target.open()?;
        schema::migrate(&mut first)?;
        let handle: String = first
            .client
            .query_one("SELECT md5(gen_random_uuid()::text)", &[])
            .and_then(|row| row.try_get(0))
            .map_err(|err| from_pg(&err, "cannot start the store"))?;
        drop(first);
        let wait = options.connect_timeout * 2;
        let shared = Arc::new(Shared::new(handle, options.clone()));
        listener::spawn(shared.clone(), &target).map_err(|err| {
            StoreError::Unavailable(format!("cannot start the notification listener: {err}"))
        })?;
        let store = PostgresStore {
            pool: Pool::new(target, options.pool_size),
            shared,
        };
        if !store.shared.wait_connected(wait) {
            return Err(StoreError::Unavailable(format!(
                "the notification listener could not connect to {}",
                describe(&store.pool.target().config)
            )));
        }
        Ok(store)
    }

    /// Creates the schema in an empty database, upgrades an older one, or checks that the
    /// existing one is this build's ([`crate::SCHEMA_VERSION`]); [`PostgresStore::connect`]
    /// runs it too. Safe to run from several nodes at once. A newer schema is
    /// [`StoreError::Unavailable`].
    pub fn migrate(&self) -> Result<Migration, StoreError> {
        let mut conn = self.pool.target().open()?;
        schema::migrate(&mut conn)
    }

    /// [`PostgresStore::migrate`] without opening a store (no pool, no listener): for a
    /// `rampart migrate --store URL` command.
    pub fn migrate_database(url: &str, options: &Options) -> Result<Migration, StoreError> {
        let mut conn = Target::new(options::config(url, options)?, options)?.open()?;
        schema::migrate(&mut conn)
    }

    /// Waits until every commit acknowledged (by any node) before this call is reflected in
    /// this handle's watermarks; [`StoreError::Unavailable`] if that takes longer than
    /// `timeout` (the listener is down or far behind).
    pub fn sync(&self, timeout: Duration) -> Result<(), StoreError> {
        let deadline = Instant::now() + timeout;
        loop {
            // A token sent while the listener is reconnecting is never seen: send another
            // each round until one comes back.
            let (token, payload) = self.shared.new_token();
            self.read(
                |conn| {
                    let notify = conn.prepared(NOTIFY)?;
                    conn.client
                        .execute(&notify, &[&CHANNEL, &payload])
                        .map(drop)
                },
                "cannot sync",
            )?;
            let left = deadline.saturating_duration_since(Instant::now());
            if self.shared.wait_for(token, left.min(SYNC_ROUND)) {
                return Ok(());
            }
            if left <= SYNC_ROUND {
                return Err(StoreError::Unavailable(format!(
                    "store notifications did not arrive within {timeout:?}"
                )));
            }
        }
    }

    /// Runs an idempotent `work` on a pooled connection, once more on a fresh connection if
    /// the pooled one turned out dead.
    fn read<T: Send>(
        &self,
        mut work: impl FnMut(&mut Conn) -> Result<T, postgres::Error> + Send,
        what: &str,
    ) -> Result<T, StoreError> {
        match self.pool.with(&mut work)? {
            Ok(value) => Ok(value),
            Err(err) if is_connection_lost(&err) => self
                .pool
                .with(&mut work)?
                .map_err(|err| from_pg(&err, what)),
            Err(err) => Err(from_pg(&err, what)),
        }
    }
}

/// Refuses a lease name longer than the store's name limit.
fn check_lease_name(name: &str) -> Result<(), StoreError> {
    if name.len() > MAX_NAME_LEN {
        return Err(StoreError::TooLarge {
            part: "lease",
            len: name.len(),
            max: MAX_NAME_LEN,
        });
    }
    Ok(())
}

fn version_from(column: i64) -> Result<u64, StoreError> {
    u64::try_from(column)
        .map_err(|_| StoreError::Corrupt(format!("negative stored version {column}")))
}

fn id_from(bytes: Vec<u8>) -> Result<String, StoreError> {
    String::from_utf8(bytes).map_err(|_| StoreError::Corrupt("an id is not UTF-8".into()))
}

/// One attempt at `batch` in one transaction; `committing` turns true when `COMMIT` is sent.
///
/// Three round trips plus one per op: `BEGIN` with the version (and the writers' lock), each
/// op (its expectation folded into its statement where it can be), then the notification
/// with `COMMIT`.
fn attempt(
    conn: &mut Conn,
    batch: &Batch,
    notice: &str,
    committing: &mut bool,
) -> Result<Attempt, postgres::Error> {
    let result = apply(conn, batch).and_then(|outcome| match outcome {
        Attempt::Committed(versions) if batch.writes() => {
            *committing = true;
            conn.client.batch_execute(&format!(
                "SELECT pg_notify({}, {}); COMMIT",
                literal(CHANNEL),
                literal(notice)
            ))?;
            Ok(Attempt::Committed(versions))
        }
        outcome => {
            conn.client.batch_execute("ROLLBACK")?;
            Ok(outcome)
        }
    });
    if let Err(err) = &result
        && !is_connection_lost(err)
    {
        // The server refused a statement, so nothing was committed; leave the connection
        // outside any transaction before it goes back to the pool.
        *committing = false;
        conn.client.batch_execute("ROLLBACK")?;
    }
    result
}

/// `text` as an SQL string literal (standard conforming strings: only quotes double).
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The statements of one batch inside its transaction (the caller commits or rolls back).
fn apply(conn: &mut Conn, batch: &Batch) -> Result<Attempt, postgres::Error> {
    let Some((version, new_version)) =
        begin(conn)?.and_then(|v| u64::try_from(v).ok().map(|new| (v, new)))
    else {
        return Ok(Attempt::NoCounter);
    };
    let mut versions = Vec::with_capacity(batch.ops.len());
    for op in &batch.ops {
        let key = op.key();
        let (space, table, id) = (
            key.space.as_bytes(),
            key.table.as_bytes(),
            key.id.as_bytes(),
        );
        let parts: [&(dyn ToSql + Sync); 3] = [&space, &table, &id];
        let expect = op.expect();
        // Rows touched (or found) by the op's statement, and how many meet its expectation.
        let met = match (op, expect) {
            (Op::Put { value, .. }, Expect::Any) => {
                let value = value.as_slice();
                exec(conn, PUT, &[&space, &table, &id, &version, &value])?;
                true
            }
            (Op::Put { value, .. }, Expect::Absent) => {
                let value = value.as_slice();
                exec(conn, INSERT, &[&space, &table, &id, &version, &value])? == 1
            }
            (Op::Put { value, .. }, Expect::Version(want)) => match i64::try_from(want) {
                Ok(want) => {
                    let value = value.as_slice();
                    exec(
                        conn,
                        UPDATE,
                        &[&space, &table, &id, &version, &value, &want],
                    )? == 1
                }
                Err(_) => false,
            },
            (Op::Delete { .. }, Expect::Any) => {
                exec(conn, DELETE, &parts)?;
                true
            }
            (Op::Delete { .. }, Expect::Version(want)) => match i64::try_from(want) {
                Ok(want) => exec(conn, DELETE_VERSION, &[&space, &table, &id, &want])? == 1,
                Err(_) => false,
            },
            // Deleting what must be absent, or checking: only a read.
            (Op::Delete { .. } | Op::Check { .. }, expect) => {
                let statement = conn.prepared(VERSION)?;
                let current: Option<i64> = conn
                    .client
                    .query_opt(&statement, &parts)?
                    .map(|row| row.try_get(0))
                    .transpose()?;
                // A negative stored version never meets `Version`; it is present for `Absent`.
                expect.is_met_by(current.map(|v| u64::try_from(v).unwrap_or(u64::MAX)))
            }
        };
        if !met {
            return Ok(Attempt::Conflict(key.clone()));
        }
        versions.push(matches!(op, Op::Put { .. }).then_some(new_version));
    }
    Ok(Attempt::Committed(versions))
}

/// Opens the transaction and takes the writers' lock and the commit's version, in one round
/// trip.
fn begin(conn: &mut Conn) -> Result<Option<i64>, postgres::Error> {
    let messages = conn
        .client
        .simple_query(&format!("BEGIN; {NEXT_VERSION}"))?;
    let last = messages.iter().find_map(|message| match message {
        SimpleQueryMessage::Row(row) => row.get(0).and_then(|last| last.parse().ok()),
        _ => None,
    });
    Ok(last)
}

/// Runs a cached statement and answers the number of rows it touched.
fn exec(
    conn: &mut Conn,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, postgres::Error> {
    let statement = conn.prepared(sql)?;
    conn.client.execute(&statement, params)
}

/// The (space, table) pairs `batch` writes, sorted and unique.
fn written_tables(batch: &Batch) -> BTreeSet<(&str, &str)> {
    batch
        .ops
        .iter()
        .filter(|op| !matches!(op, Op::Check { .. }))
        .map(|op| (op.key().space.as_str(), op.key().table.as_str()))
        .collect()
}

impl Store for PostgresStore {
    fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        key.check_limits()?;
        let row = self.read(
            |conn| {
                let get = conn.prepared(GET)?;
                conn.client.query_opt(
                    &get,
                    &[
                        &key.space.as_bytes(),
                        &key.table.as_bytes(),
                        &key.id.as_bytes(),
                    ],
                )
            },
            "cannot read",
        )?;
        row.map(|row| {
            let version: i64 = row.try_get(0).map_err(|err| from_pg(&err, "cannot read"))?;
            let value: Vec<u8> = row.try_get(1).map_err(|err| from_pg(&err, "cannot read"))?;
            Ok(Item {
                key: key.clone(),
                version: version_from(version)?,
                value,
            })
        })
        .transpose()
    }

    fn scan(&self, space: &str, table: &str, scan: &Scan) -> Result<Vec<Item>, StoreError> {
        scan.check_limits(space, table)?;
        if scan.limit == 0 {
            return Ok(Vec::new());
        }
        let query = range_query(scan);
        let limit = i64::try_from(scan.limit).unwrap_or(i64::MAX);
        let (space_bytes, table_bytes) = (space.as_bytes(), table.as_bytes());
        let bounds: Vec<&[u8]> = query.bounds.iter().map(Vec::as_slice).collect();
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&space_bytes, &table_bytes];
        params.extend(bounds.iter().map(|bound| bound as &(dyn ToSql + Sync)));
        params.push(&limit);
        let rows = self.read(
            |conn| {
                let statement = conn.prepared(&query.sql)?;
                conn.client.query(&statement, &params)
            },
            "cannot scan",
        )?;
        rows.into_iter()
            .map(|row| {
                let failed = |err: postgres::Error| from_pg(&err, "cannot scan");
                let id: Vec<u8> = row.try_get(0).map_err(failed)?;
                let version: i64 = row.try_get(1).map_err(failed)?;
                let value: Vec<u8> = row.try_get(2).map_err(failed)?;
                Ok(Item {
                    key: Key::new(space, table, id_from(id)?),
                    version: version_from(version)?,
                    value,
                })
            })
            .collect()
    }

    fn commit(&self, batch: Batch) -> Result<Vec<Option<u64>>, StoreError> {
        batch.check_limits()?;
        if batch.ops.is_empty() {
            return Ok(Vec::new());
        }
        let tables = written_tables(&batch);
        let notice = Notice::Changed {
            from: self.shared.handle.clone(),
            tables: Some(
                tables
                    .iter()
                    .map(|(space, table)| ((*space).to_owned(), (*table).to_owned()))
                    .collect(),
            ),
        }
        .encode();
        let mut tries = 0;
        loop {
            tries += 1;
            let mut committing = false;
            let result = self
                .pool
                .with(|conn| attempt(conn, &batch, &notice, &mut committing))?;
            match result {
                Ok(Attempt::Committed(versions)) => {
                    if batch.writes() {
                        self.shared.state().marks.changed(tables.iter().copied());
                    }
                    return Ok(versions);
                }
                Ok(Attempt::Conflict(key)) => return Err(StoreError::Conflict { key }),
                Ok(Attempt::NoCounter) => {
                    return Err(StoreError::Corrupt(
                        "the store's version counter is missing or negative".into(),
                    ));
                }
                Err(err) if committing && is_connection_lost(&err) => {
                    return Err(StoreError::Unavailable(format!(
                        "connection lost while committing; the batch was applied entirely \
                         or not at all: {err}"
                    )));
                }
                Err(err)
                    if tries < MAX_ATTEMPTS
                        && (is_retryable(&err) || (!committing && is_connection_lost(&err))) => {}
                Err(err) => return Err(from_pg(&err, "cannot commit")),
            }
        }
    }

    fn watermark(&self, space: &str, table: &str) -> u64 {
        let mut state = self.shared.state();
        if !state.fresh(Instant::now(), self.shared.options.max_lag) {
            state.marks.bump_all();
        }
        state.marks.get(space, table)
    }

    /// A lease row in the database, `(name, holder, expires)`: taken when absent or expired,
    /// renewed by its holder (this handle), with the expiry computed by the database's clock
    /// when the statement runs, so after the call began. The answered promise is
    /// [`Options::lease_ttl`] less a fifth (a margin for the two clocks' rates), counted from
    /// the call's start: it ends before the database lets anyone else take the lease, even
    /// when this node loses the database right after.
    fn lease(&self, name: &str) -> Result<Lease, StoreError> {
        check_lease_name(name)?;
        let ttl = self.shared.options.lease_ttl;
        let seconds = ttl.as_secs_f64();
        let holder = self.shared.handle.as_str();
        let row = self.read(
            |conn| {
                let lease = conn.prepared(LEASE)?;
                conn.client.query_opt(&lease, &[&name, &holder, &seconds])
            },
            "cannot take a lease",
        )?;
        Ok(match row {
            Some(_) => Lease::Held(ttl - ttl / 5),
            None => Lease::Elsewhere,
        })
    }

    fn release(&self, name: &str) -> Result<(), StoreError> {
        check_lease_name(name)?;
        let holder = self.shared.handle.as_str();
        self.read(
            |conn| {
                let release = conn.prepared(RELEASE)?;
                conn.client.execute(&release, &[&name, &holder]).map(drop)
            },
            "cannot release a lease",
        )
    }

    fn tables(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self.read(
            |conn| {
                let tables = conn.prepared(TABLES)?;
                conn.client.query(&tables, &[])
            },
            "cannot list tables",
        )?;
        rows.into_iter()
            .map(|row| {
                let failed = |err: postgres::Error| from_pg(&err, "cannot list tables");
                let space: Vec<u8> = row.try_get(0).map_err(failed)?;
                let table: Vec<u8> = row.try_get(1).map_err(failed)?;
                Ok((id_from(space)?, id_from(table)?))
            })
            .collect()
    }
}
