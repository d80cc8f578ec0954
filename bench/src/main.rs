//! rampart's side-by-side benchmark tools.
//!
//! `rampart-bench bare` serves a bare hyper "200 OK" handler on the same runtime and HTTP stack
//! as rampart: the ceiling of this machine's HTTP path. `rampart-bench load` drives one target
//! with a SigV4-signed workload at a fixed concurrency for a fixed time, and prints one JSON line
//! of throughput and latency percentiles (HDR histogram), so every target is measured by the
//! same generator at the same cost. `bench/run.sh` runs them side by side and prints the table.

mod bare;
mod load;
mod workload;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// rampart's benchmark tools.
#[derive(Parser)]
#[command(name = "rampart-bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve a bare hyper "200 OK" handler.
    Bare(bare::Args),
    /// Drive a workload against an endpoint and print the results as JSON.
    Load(Box<load::Args>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rampart-bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Bare(args) => bare::run(args).await,
            Command::Load(args) => load::run(*args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rampart-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
