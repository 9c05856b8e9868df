use std::io::Write;
use std::process::ExitCode;

use crate::cli::Cli;
use chatarchive::archive::{schema_version, Archive};
use chatarchive::error::{Error, Result};
use chatarchive::query::verify::verify;

pub fn run(cli: &Cli, json: bool) -> Result<ExitCode> {
    let mut archive = Archive::open_without_migrating(&cli.db)?;
    archive.lock_wait = super::lock_wait();
    // verify changes nothing, so it does not upgrade either: it names the command that does.
    let at = archive.schema_version()?;
    if at < schema_version() {
        return Err(Error::Archive {
            path: archive.path.clone(),
            message: format!(
                "this archive is at schema version {at}; this chatarchive ({}) verifies schema version {}. \
                 Upgrade it with `chatarchive --db {} migrate` (first `chatarchive --db {} backup COPY` to keep a copy as it is), then verify",
                env!("CARGO_PKG_VERSION"),
                schema_version(),
                archive.path.display(),
                archive.path.display()
            ),
        });
    }
    let report = verify(&mut archive)?;
    let mut out = std::io::stdout().lock();
    if json {
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string(&report).unwrap_or_default()
        );
    } else {
        for c in &report.checks {
            let status = if c.problem_count == 0 { "ok" } else { "FAILED" };
            let _ = writeln!(out, "{:<22} {:>10} checked  {status}", c.name, c.checked);
            for p in &c.problems {
                let _ = writeln!(out, "  {p}");
            }
            if c.problem_count > c.problems.len() as u64 {
                let _ = writeln!(out, "  ... {} problems in all", c.problem_count);
            }
        }
        if report.attachments_missing > 0 {
            let _ = writeln!(
                out,
                "{} attachments missing (no export held them; not a fault of the archive)",
                report.attachments_missing
            );
        }
        let _ = writeln!(
            out,
            "{}: {}",
            archive.path.display(),
            if report.ok {
                "the archive is consistent"
            } else {
                "PROBLEMS FOUND (see above); keep a copy of the file before changing anything"
            }
        );
    }
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
