//! Project chores that need more than a shell one-liner. `cargo run --release -p xtask -- bench`
//! runs the performance benchmark described in docs/performance.md; `corpus` the many-accounts
//! run of docs/scale.md.

mod bench;
mod corpus;
mod measure;
mod report;
mod search;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "xtask", about = "chatarchive project chores")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate deterministic synthetic exports, ingest them with the release binary, and report
    /// times as ratios to the `unzip -p | sha256sum` floor measured in the same run.
    Bench(BenchArgs),
    /// Many accounts end to end: generate a deterministic corpus (200 accounts of 1–20 MB by
    /// default), ingest each into its own archive in parallel, export all into one Parquet
    /// dataset, time DuckDB queries over it (docs/performance.md, docs/scale.md).
    Corpus(corpus::CorpusArgs),
}

#[derive(clap::Args, Clone, Debug)]
pub struct BenchArgs {
    /// Size of the conversation JSON of the base export, in MB.
    #[arg(long, default_value_t = 200.0)]
    pub size_mb: f64,
    /// Seed of the synthetic account.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Successive exports after the base one: generation 1 is "the next export", 1..=N the
    /// history compared with the last export alone. 0 measures the base export only.
    #[arg(long, default_value_t = 10)]
    pub generations: u32,
    #[arg(long, value_enum, default_value = "single")]
    pub layout: LayoutArg,
    /// Where exports, archives and the JSON report go (default: target/bench/<size>mb-seed<seed>).
    #[arg(long)]
    pub work: Option<PathBuf>,
    /// Reuse the exports a previous run generated with the same options.
    #[arg(long)]
    pub reuse: bool,
    /// Floor measurements per export (the median is used).
    #[arg(long, default_value_t = 3)]
    pub floor_runs: usize,
    /// Timed runs of each search query.
    #[arg(long, default_value_t = 5)]
    pub search_runs: usize,
    /// The chatarchive binary to measure (default: build and use target/release/chatarchive).
    #[arg(long)]
    pub bin: Option<PathBuf>,
    /// Also write the JSON report here (it always goes to the work folder as bench.json).
    #[arg(long)]
    pub json: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum LayoutArg {
    Single,
    Sharded,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bench(args) => bench::run(&args),
        Command::Corpus(args) => {
            let root = bench::workspace_root();
            corpus::run(&args, &root, &bench::target_dir(&root))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
