//! The built-in PostgreSQL rotations, the two RDS strategies, over the secret's JSON
//! (`engine`, `host`, `port`, `username`, `password`, `dbname`, `masterarn`):
//!
//! - single user: the user's password is changed (logging in as the user itself);
//! - alternating users: the secret alternates between `<user>` and `<user>_clone`; the
//!   superuser of the secret `masterarn` creates the clone (a member of the original role)
//!   and sets the new password of whichever user is next, so the current one keeps working.
//!
//! createSecret puts the new value as AWSPENDING; setSecret changes it in the database;
//! testSecret logs in with it; finishSecret moves AWSCURRENT to it. The sessions (module
//! `pg_session`) are plain TCP (no TLS): point rotations at databases reached over a trusted
//! network.

use crate::crypt::Plain;
use crate::model::{self, CURRENT, PENDING, PREVIOUS, Secret};
use crate::password::{self, Options};
use crate::pg_session::{self, Login};
use crate::versions;
use rampart_service::Call;
use serde_json::Value;
use zeroize::Zeroizing;

/// Characters AWS's rotation functions keep out of database passwords.
const EXCLUDED: &str = "/@\"'\\";
const CLONE_SUFFIX: &str = "_clone";

/// The fields of a database secret, read from its JSON.
struct DbSecret {
    json: serde_json::Map<String, Value>,
}

impl DbSecret {
    fn parse(plain: &Plain) -> Result<DbSecret, String> {
        let Plain::Text(text) = plain else {
            return Err("the secret value is binary, not the JSON of a database secret".to_owned());
        };
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(json)) => Ok(DbSecret { json }),
            _ => Err("the secret value is not the JSON of a database secret".to_owned()),
        }
    }

    fn text(&self, field: &str) -> Option<&str> {
        self.json.get(field).and_then(Value::as_str)
    }

    fn required(&self, field: &str) -> Result<&str, String> {
        self.text(field)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("the secret has no {field}"))
    }

    fn port(&self) -> u16 {
        match self.json.get("port") {
            Some(Value::Number(n)) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        }
        .unwrap_or(5432)
    }

    fn check_engine(&self) -> Result<(), String> {
        match self.text("engine") {
            Some("postgres") | Some("postgresql") | None => Ok(()),
            Some(other) => Err(format!("the secret's engine is {other}, not postgres")),
        }
    }

    fn login(&self) -> Result<Login<'_>, String> {
        Ok(Login {
            host: self.required("host")?,
            port: self.port(),
            user: self.required("username")?,
            password: self.required("password")?,
            database: self.text("dbname").unwrap_or("postgres"),
        })
    }

    fn to_plain(&self) -> Result<Plain, String> {
        serde_json::to_string(&self.json)
            .map(|t| Plain::Text(Zeroizing::new(t)))
            .map_err(|_| "the new value could not be written".to_owned())
    }
}

impl Drop for DbSecret {
    fn drop(&mut self) {
        if let Some(Value::String(p)) = self.json.get_mut("password") {
            zeroize::Zeroize::zeroize(p);
        }
    }
}

/// The version of `secret` with `stage`, read and parsed.
fn by_stage(
    call: &Call<'_>,
    space: &str,
    secret: &Secret,
    stage: &str,
) -> Result<DbSecret, String> {
    let id = secret
        .version_with(stage)
        .ok_or_else(|| format!("the secret has no {stage} version"))?;
    by_version(call, space, secret, id)
}

fn by_version(call: &Call<'_>, space: &str, secret: &Secret, id: &str) -> Result<DbSecret, String> {
    let plain = versions::read_value(call, space, secret, id).map_err(|e| e.message)?;
    let db = DbSecret::parse(&plain)?;
    db.check_engine()?;
    Ok(db)
}

/// The current record (a step may follow another that changed it).
fn fresh(call: &Call<'_>, space: &str, name: &str) -> Result<Secret, String> {
    model::load(call.env, space, name)
        .map_err(|e| e.message)?
        .map(|s| s.secret)
        .ok_or_else(|| "the secret is gone".to_owned())
}

/// Runs `step` of a PostgreSQL rotation of `secret` to version `token`.
pub(crate) fn step(
    call: &Call<'_>,
    space: &str,
    secret: &Secret,
    step: &str,
    token: &str,
    alternating: bool,
) -> Result<(), String> {
    let secret = fresh(call, space, &secret.name)?;
    match step {
        "createSecret" => create(call, space, &secret, token, alternating),
        "setSecret" => set(call, space, &secret, token, alternating),
        "testSecret" => {
            let pending = by_version(call, space, &secret, token)?;
            pg_session::with(pending.login(), |session| session.ping())
        }
        "finishSecret" => finish(call, space, &secret, token),
        other => Err(format!("unknown step {other}")),
    }
}

fn create(
    call: &Call<'_>,
    space: &str,
    secret: &Secret,
    token: &str,
    alternating: bool,
) -> Result<(), String> {
    if secret.versions.contains_key(token) {
        return Ok(());
    }
    let mut next = by_stage(call, space, secret, CURRENT)?;
    let new_password = password::generate(&Options {
        exclude: EXCLUDED.to_owned(),
        ..Options::default()
    })
    .map_err(|e| e.message)?;
    next.json
        .insert("password".into(), Value::String(new_password.to_string()));
    if alternating {
        let user = next.required("username")?.to_owned();
        let other = match user.strip_suffix(CLONE_SUFFIX) {
            Some(base) => base.to_owned(),
            None => format!("{user}{CLONE_SUFFIX}"),
        };
        next.json.insert("username".into(), Value::String(other));
    }
    versions::add_version(
        call,
        space,
        &secret.name,
        token,
        &next.to_plain()?,
        &[PENDING.to_owned()],
    )
    .map(|_| ())
    .map_err(|e| e.message)
}

fn set(
    call: &Call<'_>,
    space: &str,
    secret: &Secret,
    token: &str,
    alternating: bool,
) -> Result<(), String> {
    let pending = by_version(call, space, secret, token)?;
    if pg_session::with(pending.login(), |_| Ok(())).is_ok() {
        return Ok(());
    }
    let user = pending.required("username")?;
    let new_password = pending.required("password")?;
    if alternating {
        let master = master(call, space, secret)?;
        let base = user.strip_suffix(CLONE_SUFFIX).unwrap_or(user);
        return pg_session::with(master.login(), |session| {
            if session.role_exists(user)? {
                session.set_password(user, new_password)
            } else {
                session.create_member(user, new_password, base)
            }
        });
    }
    // As the user with its current password or, failing that, its previous one.
    let current = by_stage(call, space, secret, CURRENT);
    let previous = by_stage(call, space, secret, PREVIOUS);
    let logins = [&current, &previous].map(|db| db.as_ref().map_err(Clone::clone)?.login());
    pg_session::with_first(&logins, |session| session.set_password(user, new_password))
}

/// The superuser secret `masterarn` names, read if the caller may read it.
fn master(call: &Call<'_>, space: &str, secret: &Secret) -> Result<DbSecret, String> {
    let current = by_stage(call, space, secret, CURRENT)?;
    let arn = current
        .required("masterarn")
        .map_err(|_| "alternating-users rotation needs masterarn in the secret".to_owned())?
        .to_owned();
    let found =
        crate::resolve::resolve(call, &arn).map_err(|e| format!("masterarn: {}", e.message))?;
    call.guard
        .check(&crate::authz::secret_access(
            "secretsmanager:GetSecretValue",
            found.secret(),
        ))
        .map_err(|e| format!("masterarn: {}", e.message))?;
    let master = found.secret();
    master.require_live().map_err(|e| e.message)?;
    by_stage(call, &found.space, master, CURRENT)
}

fn finish(call: &Call<'_>, space: &str, secret: &Secret, token: &str) -> Result<(), String> {
    if !secret.versions.contains_key(token) {
        return Err(format!("version {token} does not exist"));
    }
    let now = model::now_ms(call.env);
    model::update(call.env, space, &secret.name, |s, _| {
        s.move_stage(CURRENT, token);
        if let Some(v) = s.versions.get_mut(token) {
            v.stages.retain(|x| x != PENDING);
        }
        s.last_changed = now;
        Ok(())
    })
    .map_err(|e| e.message)
}
