use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use crate::cli::Cli;
use chatarchive::archive::forget;
use chatarchive::archive::Archive;
use chatarchive::error::{Error, Result};

pub fn run(cli: &Cli, ids: &[String], account: Option<&str>, yes: bool) -> Result<ExitCode> {
    let mut archive = super::open_existing(cli)?;
    archive.lock_wait = super::lock_wait();
    let ids = match account {
        Some(a) => {
            let ids = forget::account_conversations(&archive, a)?;
            if ids.is_empty() {
                return Err(Error::Usage(format!(
                    "no conversations of account {a} in the archive; nothing was forgotten"
                )));
            }
            ids
        }
        None => ids.to_vec(),
    };
    let unknown = forget::unknown_ids(&archive, &ids)?;
    if !unknown.is_empty() {
        return Err(Error::Usage(format!(
            "no conversation with id {} in the archive; nothing was forgotten",
            unknown.join(", ")
        )));
    }
    if !yes {
        confirm(&archive, &ids)?;
    }
    let report = forget::forget(&mut archive, &ids, account)?;
    if !cli.quiet {
        eprintln!(
            "forgot {} conversations ({} versions, {} messages); {} node revisions no longer used were removed{}{}",
            report.forgotten.len(),
            report.versions,
            report.messages,
            report.node_revisions,
            if report.imports > 0 {
                format!(", {} imports of the account removed", report.imports)
            } else {
                String::new()
            },
            if report.already_forgotten.is_empty() {
                String::new()
            } else {
                format!(
                    "; already forgotten before (files scrubbed again): {}",
                    report.already_forgotten.join(", ")
                )
            }
        );
        eprintln!(
            "the deleted content is wiped from {} and its write-ahead log is empty; later ingests skip these ids (--allow-forgotten stores them again)",
            archive.path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Lists what will go and asks; refuses when nobody can answer (stdin is not a terminal).
fn confirm(archive: &Archive, ids: &[String]) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(
            "forget deletes conversations permanently and asks for confirmation, but stdin is not a terminal; \
             pass --yes to confirm. Nothing was forgotten"
                .into(),
        ));
    }
    let found = forget::describe(archive, ids)?;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "These conversations will be removed permanently, every version and message:"
    );
    for (id, title, messages) in &found {
        let _ = writeln!(
            err,
            "  {id}  {}  ({messages} messages)",
            title.as_deref().unwrap_or("(untitled)")
        );
    }
    if found.len() < ids.len() {
        let _ = writeln!(
            err,
            "  and {} already forgotten (their traces are scrubbed again)",
            ids.len() - found.len()
        );
    }
    let _ = write!(err, "Type 'yes' to forget {} conversations: ", ids.len());
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::io("stdin", e))?;
    if answer.trim().eq_ignore_ascii_case("yes") {
        Ok(())
    } else {
        Err(Error::Usage("not confirmed; nothing was forgotten".into()))
    }
}
