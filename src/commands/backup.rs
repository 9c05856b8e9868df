use std::path::Path;
use std::process::ExitCode;

use crate::cli::Cli;
use chatarchive::archive::backup::backup;
use chatarchive::archive::Archive;
use chatarchive::error::Result;

pub fn run(cli: &Cli, dest: &Path) -> Result<ExitCode> {
    let archive = Archive::open_existing(&cli.db)?;
    let report = backup(&archive, dest)?;
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
