use std::path::Path;
use std::process::ExitCode;

use crate::cli::Cli;
use chatarchive::archive::backup::backup;
use chatarchive::archive::Archive;
use chatarchive::error::Result;

pub fn run(cli: &Cli, dest: &Path, new_id: bool) -> Result<ExitCode> {
    // As it is: a backup taken before an upgrade keeps the old schema.
    let archive = Archive::open_without_migrating(&cli.db)?;
    let report = backup(&archive, dest, new_id)?;
    if !cli.quiet {
        eprintln!(
            "backup written to {} ({} conversations, {:.1} MB, mode 0600); restore it by copying it over the archive while no chatarchive runs",
            report.path.display(),
            report.conversations,
            report.bytes as f64 / 1e6
        );
    }
    Ok(ExitCode::SUCCESS)
}
