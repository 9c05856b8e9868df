use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use crate::cli::Cli;
use chatarchive::archive::forget;
use chatarchive::archive::Archive;
use chatarchive::error::{Error, Result};
use chatarchive::query::ids::{self, Resolved, Scope};
use chatarchive::render::table::printable;

pub fn run(cli: &Cli, typed: &[String], account: Option<&str>, yes: bool) -> Result<ExitCode> {
    let mut archive = super::open_existing(cli)?;
    archive.lock_wait = super::lock_wait();
    let chosen: Vec<String> = match account {
        Some(a) => {
            let ids = forget::account_conversations(&archive, a)?;
            if ids.is_empty() {
                return Err(Error::Usage(format!(
                    "no conversations of account {a} in the archive; nothing was forgotten"
                )));
            }
            ids
        }
        None => {
            let resolved = resolve_all(&archive, typed, yes)?;
            if yes && !cli.quiet {
                for r in &resolved {
                    eprintln!(
                        "forgetting {}  {}",
                        r.id,
                        ids::describe(&r.title, r.forgotten)
                    );
                }
            }
            resolved.into_iter().map(|r| r.id).collect()
        }
    };
    if !yes {
        confirm(&archive, &chosen)?;
    }
    let report = forget::forget(&mut archive, &chosen, account)?;
    if !cli.quiet {
        eprintln!(
            "forgot {} ({}, {}); {} no longer used {} removed{}{}",
            plural(report.forgotten.len(), "conversation"),
            plural(report.versions, "version"),
            plural(report.messages, "message"),
            plural(report.node_revisions, "node revision"),
            if report.node_revisions == 1 {
                "was"
            } else {
                "were"
            },
            if report.imports > 0 {
                format!(
                    ", {} of the account removed",
                    plural(report.imports, "import")
                )
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

fn plural(n: usize, noun: &str) -> String {
    super::plural(n as u64, noun)
}

/// Each typed id resolved like every command resolves ids, but also against ids forgotten
/// before (so they can be scrubbed again); each is echoed with its full id and title, so a short
/// id cannot remove something else unnoticed. With `--yes` nobody reads the echo before the
/// deletion, so a start of an id must be long enough not to match by accident.
fn resolve_all(archive: &Archive, typed: &[String], yes: bool) -> Result<Vec<Resolved>> {
    const MIN_WITH_YES: usize = 8;
    let mut out: Vec<Resolved> = Vec::new();
    for t in typed {
        let r = ids::resolve_in(&archive.conn, t, Scope::ArchivedOrForgotten)
            .map_err(|e| Error::Usage(format!("{e}; nothing was forgotten")))?;
        if yes && !r.exact && t.trim().chars().count() < MIN_WITH_YES {
            return Err(Error::Usage(format!(
                "with --yes, give at least {MIN_WITH_YES} characters of each id ({} is {} long and would forget {}  {}); nothing was forgotten",
                printable(t.trim()),
                t.trim().chars().count(),
                r.id,
                ids::describe(&r.title, r.forgotten)
            )));
        }
        if !out.iter().any(|o| o.id == r.id) {
            out.push(r);
        }
    }
    Ok(out)
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
            "  {id}  {}  ({})",
            ids::describe(title, false),
            plural(*messages as usize, "message")
        );
    }
    if found.len() < ids.len() {
        let _ = writeln!(
            err,
            "  and {} already forgotten (their traces are scrubbed again)",
            ids.len() - found.len()
        );
    }
    let _ = write!(
        err,
        "Type 'yes' to forget {}: ",
        plural(ids.len(), "conversation")
    );
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
