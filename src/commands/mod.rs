//! One function per subcommand: open the archive, call the library, print the result.

mod attachments;
mod backup;
mod datasette_metadata;
mod diff;
mod export;
mod forget;
mod history;
mod imports;
mod ingest;
mod list;
mod search;
mod show;
mod stats;
mod verify;

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{AttachmentsCommand, Cli, Command, Maintenance};
use crate::error::{Error, Result};

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Ingest(ref args) => ingest::run(&cli, args),
        Command::Attachments(AttachmentsCommand::Extract {
            ref out,
            ref conversation,
        }) => attachments::extract(&cli, out, conversation.as_deref()),
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
        Command::Search {
            ref query,
            ref role,
            ref since,
            ref until,
            ref model,
            ref conversation,
            provider,
            limit,
            json,
        } => {
            let args = search::Args {
                query: query.clone(),
                role: role.clone(),
                since: since.clone(),
                until: until.clone(),
                model: model.clone(),
                conversation: conversation.clone(),
                provider,
                limit,
                json,
            };
            search::run(&cli, args)
        }
        Command::List {
            deleted,
            ref since,
            provider,
            json,
        } => list::run(&cli, deleted, since.as_deref(), provider, json),
        Command::Export {
            format,
            ref out,
            include_deleted,
            provider,
        } => export::run(&cli, format, out, include_deleted, provider),
        Command::History { ref id, json } => history::run(&cli, id, json),
        Command::Diff {
            ref id,
            from,
            to,
            json,
        } => diff::run(&cli, id, from, to, json),
        Command::Stats { provider, json } => stats::run(&cli, provider, json),
        Command::Imports { provider, json } => imports::run(&cli, provider, json),
        Command::DatasetteMetadata {
            ref database,
            ref out,
        } => datasette_metadata::run(&cli, database.as_deref(), out.as_deref()),
    }
}

/// Writes to stdout. A closed pipe (`| head`) is not an error: the reader has what it wanted.
pub(crate) fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io("standard output", e)),
    }
}

/// Pretty JSON and a newline on stdout.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<ExitCode> {
    let mut s = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Usage(format!("cannot write JSON: {e}")))?;
    s.push('\n');
    print(&s)?;
    Ok(ExitCode::SUCCESS)
}
