//! One function per subcommand: open the archive, call the library, print the result.

mod backup;
mod forget;
mod ingest;
mod show;
mod verify;

use std::process::ExitCode;

use crate::cli::{Cli, Command, Maintenance};
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
            allow_forgotten,
        } => ingest::run(
            &cli,
            paths,
            ingest::Flags {
                dry_run,
                force,
                json,
                allow_forgotten,
            },
            account.clone(),
            provider,
        ),
        Command::Maintenance(ref m) => match m {
            Maintenance::Verify { json } => verify::run(&cli, *json),
            Maintenance::Forget { ids, account, yes } => {
                forget::run(&cli, ids, account.as_deref(), *yes)
            }
            Maintenance::Backup { path } => backup::run(&cli, path),
        },
        Command::Show {
            ref id,
            version,
            format,
            all_branches,
            include_hidden,
        } => show::run(&cli, id, version, format, all_branches, include_hidden),
    }
}
