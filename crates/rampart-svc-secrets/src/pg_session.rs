//! Sessions with a PostgreSQL server for the built-in rotations, on the `postgres` crate: log
//! in, check that a login works, and set a role's password. Connections are plain TCP (no
//! TLS, no Unix sockets) with a connect timeout and a statement timeout.
//!
//! A new password leaves rampart only as a SCRAM-SHA-256 verifier computed here (what psql's
//! `\password` sends), so no statement carries it in clear and the server cannot log it; no
//! error names a password. This needs PostgreSQL 10 or later.
//!
//! The `postgres` client drives a tokio runtime of its own, which cannot start on a thread that
//! already runs one (an async worker, or a seed applied at start-up): every session therefore
//! runs on a thread of its own, whoever asks for it.

use postgres::{Client, Config, NoTls};
use postgres_protocol::escape::{escape_identifier, escape_literal};
use postgres_protocol::password::scram_sha_256;
use std::time::Duration;
use zeroize::Zeroizing;

/// How long to wait for a connection, for the server to acknowledge data, and for one
/// statement.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Where and as whom to log in.
pub(crate) struct Login<'a> {
    pub host: &'a str,
    pub port: u16,
    pub user: &'a str,
    pub password: &'a str,
    pub database: &'a str,
}

/// A logged-in session.
pub(crate) struct Session {
    client: Client,
}

/// Logs in with `login` and runs `work` in that session, on a thread of its own.
pub(crate) fn with<T: Send>(
    login: Result<Login<'_>, String>,
    work: impl FnOnce(&mut Session) -> Result<T, String> + Send,
) -> Result<T, String> {
    with_first(&[login], work)
}

/// Logs in with the first of `logins` the server accepts and runs `work` in that session, on
/// a thread of its own. A login may already be an error (its secret could not be read); when
/// none is accepted, the error is the first one's.
pub(crate) fn with_first<T: Send>(
    logins: &[Result<Login<'_>, String>],
    work: impl FnOnce(&mut Session) -> Result<T, String> + Send,
) -> Result<T, String> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("rampart-postgres".into())
            .spawn_scoped(scope, || {
                let mut first_error = None;
                for login in logins {
                    match login.as_ref().map_err(Clone::clone).and_then(Session::open) {
                        Ok(mut session) => return work(&mut session),
                        Err(e) => {
                            first_error.get_or_insert(e);
                        }
                    }
                }
                Err(first_error.unwrap_or_else(|| "there is no login to try".to_owned()))
            })
            .map_err(|e| format!("cannot start a thread for the PostgreSQL session: {e}"))?
            .join()
            .map_err(|_| "the PostgreSQL session failed".to_owned())?
    })
}

/// What went wrong, in words that never include a password: the server's SQLSTATE and
/// message, or the client's own description and cause.
fn described(e: &postgres::Error) -> String {
    match (e.as_db_error(), std::error::Error::source(e)) {
        (Some(db), _) => format!("PostgreSQL error {}: {}", db.code().code(), db.message()),
        (None, Some(cause)) => format!("PostgreSQL: {e}: {cause}"),
        (None, None) => format!("PostgreSQL: {e}"),
    }
}

impl Session {
    fn open(login: &Login<'_>) -> Result<Session, String> {
        if login.host.starts_with('/') {
            return Err("the secret's host must be a TCP host name or address".to_owned());
        }
        let client = Config::new()
            .host(login.host)
            .port(login.port)
            .user(login.user)
            .password(login.password)
            .dbname(login.database)
            .application_name("rampart secretsmanager rotation")
            .connect_timeout(TIMEOUT)
            .tcp_user_timeout(TIMEOUT)
            .connect(NoTls)
            .map_err(|e| described(&e))?;
        let mut session = Session { client };
        session.execute(&format!("SET statement_timeout = {}", TIMEOUT.as_millis()))?;
        Ok(session)
    }

    fn execute(&mut self, sql: &str) -> Result<(), String> {
        self.client.batch_execute(sql).map_err(|e| described(&e))
    }

    /// Runs `SELECT 1`: the login works and the session answers.
    pub fn ping(&mut self) -> Result<(), String> {
        self.execute("SELECT 1")
    }

    /// Whether the role `role` exists.
    pub fn role_exists(&mut self, role: &str) -> Result<bool, String> {
        self.client
            .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&role])
            .map(|row| row.is_some())
            .map_err(|e| described(&e))
    }

    /// Sets the password of the role `role`.
    pub fn set_password(&mut self, role: &str, password: &str) -> Result<(), String> {
        self.execute(&set_password_sql(role, &verifier(password)))
    }

    /// Creates the login role `role` with `password`, a member of the role `member_of`.
    pub fn create_member(
        &mut self,
        role: &str,
        password: &str,
        member_of: &str,
    ) -> Result<(), String> {
        self.execute(&create_member_sql(role, &verifier(password), member_of))
    }
}

/// The SCRAM-SHA-256 verifier of `password`, with a fresh salt.
fn verifier(password: &str) -> Zeroizing<String> {
    Zeroizing::new(scram_sha_256(password.as_bytes()))
}

fn set_password_sql(role: &str, verifier: &str) -> Zeroizing<String> {
    Zeroizing::new(format!(
        "ALTER ROLE {} WITH PASSWORD {}",
        escape_identifier(role),
        escape_literal(verifier)
    ))
}

fn create_member_sql(role: &str, verifier: &str, member_of: &str) -> Zeroizing<String> {
    Zeroizing::new(format!(
        "CREATE ROLE {} WITH LOGIN PASSWORD {} IN ROLE {}",
        escape_identifier(role),
        escape_literal(verifier),
        escape_identifier(member_of)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn login(host: &str, port: u16) -> Login<'_> {
        Login {
            host,
            port,
            user: "app",
            password: "hunter2-secret",
            database: "postgres",
        }
    }

    /// A local port nothing listens on.
    fn closed_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }

    #[test]
    fn names_and_values_are_quoted() {
        assert_eq!(
            *set_password_sql("a\"b; DROP ROLE x", "SCRAM-SHA-256$4096:c2FsdA==$a:b"),
            "ALTER ROLE \"a\"\"b; DROP ROLE x\" WITH PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$a:b'"
        );
        assert_eq!(
            *create_member_sql("app_clone", "it's\\", "app"),
            "CREATE ROLE \"app_clone\" WITH LOGIN PASSWORD  E'it''s\\\\' IN ROLE \"app\""
        );
    }

    #[test]
    fn the_password_is_sent_as_a_scram_verifier() {
        let v = verifier("hunter2-secret");
        assert!(v.starts_with("SCRAM-SHA-256$4096:"), "{}", v.as_str());
        assert!(!v.contains("hunter2"));
        assert_ne!(
            *v,
            *verifier("hunter2-secret"),
            "each verifier has its own salt"
        );
        let sql = set_password_sql("app", &v);
        assert!(!sql.contains("hunter2"));
    }

    #[test]
    fn a_refused_connection_is_an_error_without_the_password() {
        let err = with(Ok(login("127.0.0.1", closed_port())), |s| s.ping()).unwrap_err();
        assert!(err.starts_with("PostgreSQL: "), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn unix_socket_hosts_are_refused() {
        let err = with(Ok(login("/var/run/postgresql", 5432)), |s| s.ping()).unwrap_err();
        assert_eq!(err, "the secret's host must be a TCP host name or address");
    }

    #[test]
    fn the_first_error_is_reported_when_no_login_works() {
        let port = closed_port();
        let err = with_first(
            &[
                Err("the secret has no host".to_owned()),
                Ok(login("127.0.0.1", port)),
            ],
            |s| s.ping(),
        )
        .unwrap_err();
        assert_eq!(err, "the secret has no host");
        assert_eq!(
            with_first(&[], |s| s.ping()).unwrap_err(),
            "there is no login to try"
        );
    }

    /// The client's private runtime cannot start inside another one; sessions run on their
    /// own thread, so asking from an async context (a seed, an async worker) does not panic.
    #[test]
    fn sessions_can_be_asked_for_inside_a_runtime() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let port = closed_port();
        let answer = runtime.block_on(async { with(Ok(login("127.0.0.1", port)), |s| s.ping()) });
        assert!(answer.is_err());
    }
}
