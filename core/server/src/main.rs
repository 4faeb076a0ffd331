//! `tucanlink`: the one binary. `serve` runs the API and the workers (the default), `worker`
//! only the workers, `migrate` the schema; `admin …` manages tenants and users and `jobs …`
//! the job queue from a shell.

mod cli;
mod config;
mod jobs;
mod plugin_cli;
mod runtime;

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    cli::run(cli).await
}
