//! One function per subcommand: open the archive, call the library, print the result.

mod ingest;
mod show;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::error::Result;

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Ingest {
            ref paths,
            dry_run,
            force,
            json,
            ref account,
            provider,
        } => ingest::run(&cli, paths, dry_run, force, json, account.clone(), provider),
        Command::Show {
            ref id,
            version,
            format,
            all_branches,
            include_hidden,
        } => show::run(&cli, id, version, format, all_branches, include_hidden),
    }
}
