//! A small connection pool: idle connections are reused, broken ones dropped, and at most
//! `size` are open at once (callers wait for one to come back).

use crate::error::is_connection_lost;
use crate::target::Target;
use postgres::{Client, Statement};
use rampart_store::StoreError;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex, PoisonError};

/// One open connection with its prepared statements.
pub(crate) struct Conn {
    /// The client.
    pub(crate) client: Client,
    statements: HashMap<String, Statement>,
}

impl Conn {
    /// A freshly opened connection.
    pub(crate) fn new(client: Client) -> Conn {
        Conn {
            client,
            statements: HashMap::new(),
        }
    }

    /// `sql` prepared on this connection (once, then reused).
    pub(crate) fn prepared(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

/// The pool.
pub(crate) struct Pool {
    target: Target,
    size: usize,
    state: Mutex<State>,
    returned: Condvar,
}

struct State {
    idle: Vec<Conn>,
    open: usize,
}

impl Pool {
    /// A pool of at most `size` connections (at least one) to `target`.
    pub(crate) fn new(target: Target, size: usize) -> Pool {
        Pool {
            target,
            size: size.max(1),
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            returned: Condvar::new(),
        }
    }

    /// Runs `work` on a pooled connection. The connection goes back to the pool unless
    /// `work` failed with an error that means it is lost. The outer error is "no connection".
    pub(crate) fn with<T: Send>(
        &self,
        work: impl FnOnce(&mut Conn) -> Result<T, postgres::Error> + Send,
    ) -> Result<Result<T, postgres::Error>, StoreError> {
        off_runtime(|| {
            let mut conn = self.take()?;
            let result = work(&mut conn);
            let keep = match &result {
                Ok(_) => true,
                Err(err) => !is_connection_lost(err),
            };
            self.give_back(keep.then_some(conn));
            Ok(result)
        })
    }

    fn take(&self) -> Result<Conn, StoreError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            while let Some(conn) = state.idle.pop() {
                if !conn.client.is_closed() {
                    return Ok(conn);
                }
                state.open -= 1;
            }
            if state.open < self.size {
                state.open += 1;
                drop(state);
                return self.target.open().inspect_err(|_| {
                    self.give_back(None);
                });
            }
            state = self
                .returned
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Returns a connection to the pool, or (`None`) frees its slot.
    fn give_back(&self, conn: Option<Conn>) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match conn {
            Some(conn) if !conn.client.is_closed() => state.idle.push(conn),
            _ => state.open -= 1,
        }
        self.returned.notify_one();
    }

    /// The database.
    pub(crate) fn target(&self) -> &Target {
        &self.target
    }
}

/// Runs `work` where the synchronous client may block: on this thread, unless this thread
/// drives a tokio runtime (the server's workers and its blocking pool), where the client's own
/// runtime cannot start; then on a thread of its own for the duration.
fn off_runtime<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return work();
    }
    std::thread::scope(|scope| {
        scope
            .spawn(work)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}
