//! `tucanlink`: the one binary. `serve` runs the API and the workers (the default), `worker`
//! only the workers, `migrate` the schema; `admin …` manages tenants and users and `jobs …`
//! the job queue from a shell.

mod cli;
mod config;
mod jobs;
mod plugin_cli;
mod runtime;

use clap::Parser;

/// mimalloc instead of the system allocator: the database engine allocates on every query
/// from every worker thread, and glibc's arenas made that a measured bottleneck.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    cli::run(cli).await
}
