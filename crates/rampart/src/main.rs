//! The rampart binary: `rampart serve` runs every AWS API on one listener; `rampart credentials`
//! prints the generated root key again; `rampart trail validate` checks delivered trail files;
//! `rampart clock`, `rampart snapshot` and `rampart reset` administer a running server.

mod admin;
mod migrate;
mod profile;
mod trail;

use clap::{Args, Parser, Subcommand};

/// mimalloc: every request allocates many small buffers, and glibc's allocator spent about a
/// tenth of the server's CPU on them under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The most threads of the blocking pool, where requests that wait for the disk run. Each
/// thread keeps its own allocator heap, and tokio's default (512) let a steady load of 32
/// writers grow the pool past a hundred threads and the server's memory by about 2 MiB each;
/// group commit lets this many writers share each fsync.
const BLOCKING_THREADS: usize = 64;
use rampart_server::bootstrap::{self, Secrets};
use rampart_server::delivery::{self, FsSink};
use rampart_server::scheduler::Scheduler;
use rampart_server::{Config, Overrides, Pipeline};
use rampart_service::Duty;
use rampart_service::Registry;
use rampart_svc_identity::RootKey;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// AWS's security services, self-hosted.
#[derive(Parser)]
#[command(name = "rampart", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve every AWS API on one listener.
    Serve(ServeArgs),
    /// Print the root credentials generated at first start, or write them as an AWS profile.
    Credentials(CredentialsArgs),
    /// CloudTrail files in the data directory.
    #[command(subcommand)]
    Trail(trail::TrailCommand),
    /// A running server's clock.
    #[command(subcommand)]
    Clock(admin::ClockCommand),
    /// Snapshots of a running server's whole state.
    #[command(subcommand)]
    Snapshot(admin::SnapshotCommand),
    /// Return a running server to the state its data directory started with.
    Reset(admin::Target),
    /// Create or upgrade the schema of a shared PostgreSQL store, then exit.
    Migrate(migrate::MigrateArgs),
}

#[derive(Args)]
struct CredentialsArgs {
    /// The data directory.
    #[arg(long, env = "RAMPART_DATA_DIR", default_value = rampart_server::config::DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// Write the root key as this profile of the AWS CLI and SDKs (with the endpoint and region)
    /// instead of printing it.
    #[arg(long)]
    profile: Option<String>,
    /// The endpoint the profile points at.
    #[arg(
        long,
        env = "RAMPART_ENDPOINT",
        default_value = "http://127.0.0.1:4599"
    )]
    endpoint: String,
    /// The profile's region.
    #[arg(long, default_value = "us-east-1")]
    region: String,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:4599].
    #[arg(long, env = "RAMPART_LISTEN")]
    listen: Option<SocketAddr>,
    /// Data directory: embedded store, keys, trail folders [default: ./rampart-data].
    #[arg(long, env = "RAMPART_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// A TOML configuration file; flags and RAMPART_* variables override it.
    #[arg(long, env = "RAMPART_CONFIG")]
    config: Option<PathBuf>,
    /// PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(long, env = "RAMPART_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, env = "RAMPART_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// A file holding the base64 master key (instead of DIR/master.key).
    #[arg(long, env = "RAMPART_MASTER_KEY_FILE")]
    master_key_file: Option<PathBuf>,
    /// A PostgreSQL URL (postgres://user:password@host:port/db?sslmode=require) for a store that
    /// several rampart nodes share [default: SQLite in the data directory].
    #[arg(long, env = "RAMPART_STORE", hide_env_values = true)]
    store: Option<String>,
    /// The partition of every ARN: aws, aws-cn or aws-us-gov.
    #[arg(long, env = "RAMPART_PARTITION")]
    partition: Option<rampart_types::Partition>,
    /// Seconds between CloudTrail log-file deliveries [default: 300].
    #[arg(long, env = "RAMPART_TRAIL_DELIVERY_SECONDS")]
    trail_delivery_seconds: Option<u64>,
    /// Seconds between CloudTrail digest-file deliveries [default: 3600].
    #[arg(long, env = "RAMPART_TRAIL_DIGEST_SECONDS")]
    trail_digest_seconds: Option<u64>,
    /// The URL clients reach this server at, for what it publishes (the OpenID Connect
    /// documents of outbound web identity issuers) [default: the listen address].
    #[arg(long, env = "RAMPART_PUBLIC_URL")]
    public_url: Option<String>,
    /// A seed file (YAML or JSON): API calls made once, on a fresh data directory.
    #[arg(long, env = "RAMPART_SEED")]
    seed: Option<PathBuf>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RAMPART_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(args),
        Command::Credentials(args) => credentials(&args),
        Command::Clock(command) => admin::clock(command),
        Command::Snapshot(command) => admin::snapshot(command),
        Command::Reset(target) => admin::reset(target),
        Command::Migrate(args) => migrate::run(&args),
        Command::Trail(command) => match trail::run(command) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::FAILURE,
            Err(message) => Err(message),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("rampart: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: ServeArgs) -> Result<(), String> {
    let config = Config::load(
        args.config.as_deref(),
        Overrides {
            listen: args.listen,
            data_dir: args.data_dir,
            tls_cert: args.tls_cert,
            tls_key: args.tls_key,
            master_key_file: args.master_key_file,
            partition: args.partition,
            trail_delivery_seconds: args.trail_delivery_seconds,
            trail_digest_seconds: args.trail_digest_seconds,
            store: args.store.clone().map(Into::into),
        },
    )?;
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{}", config.listen));
    let mut opened = bootstrap::open(
        &config,
        secrets_from_env()?,
        Arc::new(rampart_svc_kms::Keys),
        Arc::new(rampart_svc_events::Bus::new()),
        Arc::new(rampart_svc_secrets::Secrets::new()),
        &public_url,
    )?;
    opened.env.inventory = Arc::new(rampart_svc_elb::LoadBalancerInventory);
    let tls = config
        .tls
        .as_ref()
        .map(rampart_server::tls_acceptor)
        .transpose()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
        let recorder =
            rampart_svc_audit::Recorder::start(opened.env.store.clone(), opened.env.clock.clone());
        let mut registry = rampart_service::Registry::new();
        let (ticker, inbox) = rampart_server::scheduler::channel();
        rampart_server::admin::register(
            &mut registry,
            rampart_server::admin::Admin {
                clock: opened.clock.clone(),
                ticker,
                snapshots: opened.snapshots.clone(),
            },
        );
        rampart_svc_identity::register(&mut registry);
        rampart_svc_kms::register(&mut registry);
        rampart_svc_audit::register(&mut registry, recorder.clone());
        rampart_svc_secrets::register(&mut registry);
        rampart_svc_ssm::register(&mut registry);
        rampart_svc_events::register(&mut registry);
        rampart_svc_waf::register(&mut registry);
        rampart_svc_elb::register(&mut registry);
        rampart_svc_fms::register(&mut registry);
        rampart_svc_shield::register(&mut registry);
        if let Some(path) = &args.seed {
            seed(&opened, &registry, path)?;
        }
        let _data_plane = rampart_svc_elb::start_data_plane(
            &opened.env,
            &registry,
            &config.data_dir,
            rampart_svc_elb::bind_address_from_env(),
        )?;
        let pipeline = Arc::new(Pipeline::new(
            opened.env.clone(),
            registry,
            recorder.clone(),
            config.max_body_bytes,
            config.tls.is_some(),
        ));
        let trail_delivery = Arc::new(rampart_svc_audit::Delivery::new(
            opened.env.clone(),
            recorder.clone(),
            Arc::new(FsSink::new(&config.data_dir)),
        ));
        let mut duties = delivery::duties(
            &trail_delivery,
            Duration::from_secs(config.trail_delivery_seconds),
            Duration::from_secs(config.trail_digest_seconds),
        );
        duties.push(kms_duty(opened.env.clone()));
        duties.extend(rampart_svc_secrets::duties(&opened.env));
        duties.extend(rampart_svc_ssm::duties(&opened.env));
        duties.extend(rampart_svc_events::duties(&opened.env));
        duties.extend(rampart_svc_fms::duties(&opened.env));
        duties.extend(rampart_svc_shield::duties(&opened.env));
        let scheduler = Scheduler::start_leading(
            opened.env.clock.clone(),
            duties,
            inbox,
            opened.env.store.clone(),
        )?;
        announce(&config, &opened);
        rampart_server::serve(pipeline, listener, tls, shutdown_signal()).await;
        // Stop serving, flush the recorder, deliver the last trail files, then exit.
        tokio::task::spawn_blocking(move || {
            recorder.flush();
            // The node leading the scheduled work delivers the last files, then hands over.
            scheduler.finish(|| {
                let done = delivery::deliver_all(&trail_delivery);
                tracing::info!(
                    log_files = done.log_files,
                    digests = done.digests,
                    failures = done.failures,
                    "final CloudTrail delivery"
                );
            });
            recorder.shutdown();
        })
        .await
        .map_err(|e| format!("recorder shutdown: {e}"))?;
        tracing::info!("rampart stopped");
        Ok(())
    })
}

/// Seeds the data directory from `path` unless it was seeded from that very file already. A
/// failed seeding is rolled back to the state the data directory started with; a successful
/// one becomes the state `rampart reset` returns to.
fn seed(opened: &bootstrap::Opened, registry: &Registry, path: &Path) -> Result<(), String> {
    use rampart_server::{seed, snapshot};
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the seed file {}: {e}", path.display()))?;
    let store = opened.env.store.as_ref();
    if seed::plan(&opened.env, path, &text)? == seed::Plan::AlreadySeeded {
        return Ok(());
    }
    match seed::apply(&opened.env, registry, path, &text) {
        Ok(calls) => {
            snapshot::save(store, &opened.snapshots, snapshot::INITIAL)?;
            tracing::info!(calls, file = %path.display(), "seeded the data directory");
            Ok(())
        }
        Err(message) => {
            snapshot::restore(store, &opened.snapshots, snapshot::INITIAL)?;
            Err(format!("seeding failed, nothing was kept: {message}"))
        }
    }
}

/// KMS's scheduled work, every minute: automatic key rotations and deletions that came due.
fn kms_duty(env: rampart_service::Env) -> Duty {
    Duty {
        name: "kms rotations and deletions",
        every: Duration::from_secs(60),
        run: Box::new(move || match rampart_svc_kms::run_due(&env) {
            Ok(done) if done.rotated + done.purged > 0 => {
                tracing::info!(
                    rotated = done.rotated,
                    purged = done.purged,
                    "KMS scheduled work"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "KMS scheduled work failed"),
        }),
    }
}

/// Prints the start-up block; on first start, also the new root key, once.
fn announce(config: &Config, opened: &bootstrap::Opened) {
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    if let Some(key) = &opened.new_root_key {
        println!(
            "rampart: created the root access key of account {} (shown once; `rampart credentials` prints it again):\n{}",
            opened.env.management_account,
            bootstrap::credentials_text(key).as_str()
        );
    }
    println!(
        "rampart listening on {scheme}://{}\n  storage: {}\n  management account: {}\n  root key: {}\n  enforcement: on (SigV4 on every request; CloudTrail records every call)",
        config.listen,
        storage_line(config),
        opened.env.management_account,
        if opened.root_credentials_path.exists() {
            opened.root_credentials_path.display().to_string()
        } else {
            "from RAMPART_ROOT_ACCESS_KEY_ID".to_owned()
        },
    );
}

/// Where the state lives, for the banner: never the database password.
fn storage_line(config: &Config) -> String {
    match &config.store {
        Some(url) => format!("PostgreSQL at {} (shared by every node)", url.place()),
        None => format!("SQLite in {}", config.data_dir.display()),
    }
}

/// Reads the secrets that may come from the environment, refusing half a root key.
fn secrets_from_env() -> Result<Secrets, String> {
    let id = std::env::var("RAMPART_ROOT_ACCESS_KEY_ID").ok();
    let secret = std::env::var("RAMPART_ROOT_SECRET_ACCESS_KEY")
        .ok()
        .map(Zeroizing::new);
    let root_key = match (id, secret) {
        (Some(access_key_id), Some(secret_access_key)) => Some(RootKey {
            access_key_id,
            secret_access_key,
        }),
        (None, None) => None,
        _ => {
            return Err(
                "set both RAMPART_ROOT_ACCESS_KEY_ID and RAMPART_ROOT_SECRET_ACCESS_KEY, or neither"
                    .into(),
            );
        }
    };
    Ok(Secrets {
        master_key: std::env::var("RAMPART_MASTER_KEY").ok().map(Zeroizing::new),
        root_key,
    })
}

fn credentials(args: &CredentialsArgs) -> Result<(), String> {
    let (access_key_id, secret) = admin::root_key(&args.data_dir)?;
    let Some(name) = &args.profile else {
        print!(
            "[default]\naws_access_key_id = {access_key_id}\naws_secret_access_key = {}\n",
            secret.as_str()
        );
        return Ok(());
    };
    let (credentials, config) = profile::write(&profile::Profile {
        name,
        access_key_id: &access_key_id,
        secret_access_key: &secret,
        endpoint: &args.endpoint,
        region: &args.region,
    })?;
    println!(
        "wrote profile {name} to {} and {}: try `aws --profile {name} sts get-caller-identity`",
        credentials.display(),
        config.display()
    );
    Ok(())
}

/// Completes on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
