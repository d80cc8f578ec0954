//! Start-up: the data directory, the master key, the store, and the organization.

use crate::config::Config;
use rampart_crypto::MasterKey;
use rampart_service::{Env, EventBus, KeyService, SecretReader};
use rampart_store::{Batch, Expect, Key, Store};
use rampart_store_sqlite::SqliteStore;
use rampart_svc_identity::{Bootstrap, RootKey};
use rampart_types::{AdjustableClock, Clock};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zeroize::Zeroizing;

/// The file the generated root key is written to.
pub const ROOT_CREDENTIALS_FILE: &str = "root-credentials";
/// The file a generated master key is written to.
pub const MASTER_KEY_FILE: &str = "master.key";
/// The embedded store's file in the data directory.
pub const STORE_FILE: &str = "rampart.db";

/// Secrets the operator may pass through the environment at first start.
#[derive(Default)]
pub struct Secrets {
    /// `RAMPART_MASTER_KEY`: base64 of 32 bytes.
    pub master_key: Option<Zeroizing<String>>,
    /// `RAMPART_ROOT_ACCESS_KEY_ID` and `RAMPART_ROOT_SECRET_ACCESS_KEY`.
    pub root_key: Option<RootKey>,
}

/// The opened world, ready to serve.
pub struct Opened {
    /// The environment handlers run in.
    pub env: Env,
    /// Set on first start only, when the root key was generated (and written to
    /// [`ROOT_CREDENTIALS_FILE`]): the key, to show the operator once.
    pub new_root_key: Option<RootKey>,
    /// Where the root credentials file is (written only for a generated key).
    pub root_credentials_path: PathBuf,
    /// Whether the master key was generated just now.
    pub generated_master_key: bool,
    /// The clock of `env`, which the administration API moves forward.
    pub clock: Arc<AdjustableClock>,
    /// Where snapshots are saved (the initial one is there).
    pub snapshots: PathBuf,
}

/// Opens (or on first start creates) everything `rampart serve` runs on. The services that
/// other services use come from the binary: KMS (`keys`), EventBridge (`events`) and Secrets
/// Manager (`secret_reader`);
/// `public_url` is where clients reach the server (see [`Env::public_url`]).
pub fn open(
    config: &Config,
    secrets: Secrets,
    keys: Arc<dyn KeyService>,
    events: Arc<dyn EventBus>,
    secret_reader: Arc<dyn SecretReader>,
    public_url: &str,
) -> Result<Opened, String> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&config.data_dir)
        .map_err(|e| format!("cannot create data dir {}: {e}", config.data_dir.display()))?;
    let (master_key, generated_master_key) = load_master_key(config, secrets.master_key)?;
    let store = open_store(config)?;
    check_master_key(store.as_ref(), &master_key)?;
    let master_key = Arc::new(master_key);
    let adjustable = Arc::new(AdjustableClock::new());
    let clock: Arc<dyn Clock> = adjustable.clone();
    let make_env = |account| Env {
        store: store.clone(),
        clock: clock.clone(),
        master_key: master_key.clone(),
        partition: config.partition,
        management_account: account,
        outbound: Arc::new(crate::outbound::HttpsOutbound),
        keys: keys.clone(),
        events: events.clone(),
        secrets: secret_reader.clone(),
        inventory: Arc::new(rampart_service::NoInventory),
        data_dir: config.data_dir.clone(),
        public_url: public_url.trim_end_matches('/').to_owned(),
        certificates: Arc::new(rampart_svc_identity::IamServerCertificates::new(
            store.clone(),
            master_key.clone(),
        )),
    };
    let root_credentials_path = config.data_dir.join(ROOT_CREDENTIALS_FILE);
    let key_was_given = secrets.root_key.is_some();
    let outcome = rampart_svc_identity::bootstrap(store.as_ref(), make_env, secrets.root_key)
        .map_err(|e| format!("cannot bootstrap the organization: {e}"))?;
    let created = matches!(outcome, Bootstrap::Created { .. });
    let (account, new_root_key) = match outcome {
        Bootstrap::Existing { account } => (account, None),
        Bootstrap::Created { account, .. } if key_was_given => (account, None),
        Bootstrap::Created { account, root_key } => {
            write_private_file(
                &root_credentials_path,
                credentials_text(&root_key).as_bytes(),
            )?;
            (account, Some(root_key))
        }
    };
    let env = make_env(account);
    crate::admin::restore_clock(&env, &adjustable)?;
    let snapshots = crate::snapshot::dir(&config.data_dir);
    if created {
        // The state a reset returns to.
        crate::snapshot::save(env.store.as_ref(), &snapshots, crate::snapshot::INITIAL)?;
    }
    Ok(Opened {
        env,
        clock: adjustable,
        snapshots,
        new_root_key,
        root_credentials_path,
        generated_master_key,
    })
}

/// The store: PostgreSQL when the configuration names one (shared by every node), else the
/// embedded SQLite file in the data directory.
fn open_store(config: &Config) -> Result<Arc<dyn Store>, String> {
    if let Some(url) = &config.store {
        let store = rampart_store_postgres::PostgresStore::connect(url.expose())
            .map_err(|e| format!("cannot open the PostgreSQL store: {e}"))?;
        return Ok(Arc::new(store));
    }
    let path = config.data_dir.join(STORE_FILE);
    let store = SqliteStore::open(&path)
        .map_err(|e| format!("cannot open store {}: {e}", path.display()))?;
    Ok(Arc::new(store))
}

fn load_master_key(
    config: &Config,
    from_env: Option<Zeroizing<String>>,
) -> Result<(MasterKey, bool), String> {
    if let Some(text) = from_env {
        return MasterKey::from_base64(&text)
            .map(|k| (k, false))
            .map_err(|e| format!("RAMPART_MASTER_KEY: {e}"));
    }
    if let Some(path) = &config.master_key_file {
        return read_master_key(path).map(|k| (k, false));
    }
    let path = config.data_dir.join(MASTER_KEY_FILE);
    if path.exists() {
        return read_master_key(&path).map(|k| (k, false));
    }
    let key = MasterKey::generate().map_err(|e| e.to_string())?;
    let mut text = key.to_base64();
    text.push('\n');
    write_private_file(&path, text.as_bytes())?;
    Ok((key, true))
}

fn read_master_key(path: &Path) -> Result<MasterKey, String> {
    let text = Zeroizing::new(
        fs::read_to_string(path)
            .map_err(|e| format!("cannot read master key file {}: {e}", path.display()))?,
    );
    MasterKey::from_base64(&text).map_err(|e| format!("master key file {}: {e}", path.display()))
}

/// Stores the master key's check value on first use; afterwards refuses a key that is not the one
/// the store was sealed with.
fn check_master_key(store: &dyn Store, key: &MasterKey) -> Result<(), String> {
    let id = Key::new("system", "meta", "master-key-check");
    let existing = store.get(&id).map_err(|e| format!("store: {e}"))?;
    match existing {
        Some(item) => key
            .verify_check_value(&item.value)
            .map_err(|e| e.to_string()),
        None => {
            let check = key
                .check_value()
                .map_err(|_| "cannot seal the master key check value".to_owned())?;
            store
                .commit(Batch::new().put_if(id, check, Expect::Absent))
                .map_err(|e| format!("store: {e}"))?;
            Ok(())
        }
    }
}

/// The shared-credentials text of a root key.
pub fn credentials_text(key: &RootKey) -> Zeroizing<String> {
    Zeroizing::new(format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        key.access_key_id,
        key.secret_access_key.as_str()
    ))
}

/// Creates `path` readable by its owner only, writes `data` and syncs it to disk.
fn write_private_file(path: &Path, data: &[u8]) -> Result<(), String> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(data)
        .and_then(|_| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
