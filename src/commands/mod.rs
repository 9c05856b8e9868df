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
mod manual;
mod search;
mod show;
mod stats;
mod verify;

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{AttachmentsCommand, Cli, Command, Maintenance, ShowFormat};
use chatarchive::archive::Archive;
use chatarchive::error::{Error, Result};
use chatarchive::query::dates::Tz;

pub fn run(mut cli: Cli) -> Result<ExitCode> {
    cli.zone = display_zone(cli.tz.as_ref())?;
    match cli.command {
        Command::Ingest(ref args) => ingest::run(&cli, args),
        Command::Attachments(AttachmentsCommand::List {
            ref conversation,
            json,
        }) => attachments::list(&cli, conversation.as_deref(), json),
        Command::Attachments(AttachmentsCommand::Extract {
            ref out,
            ref conversation,
        }) => attachments::extract(&cli, out, conversation.as_deref()),
        Command::Maintenance(ref m) => match m {
            Maintenance::Verify { json } => verify::run(&cli, *json),
            Maintenance::Forget { ids, account, yes } => {
                forget::run(&cli, ids, account.as_deref(), *yes)
            }
            Maintenance::Backup { path, new_id } => backup::run(&cli, path, *new_id),
            Maintenance::Migrate => migrate(&cli),
        },
        Command::Show {
            ref id,
            version,
            format,
            json,
            all_branches,
            include_hidden,
        } => show::run(
            &cli,
            id,
            version,
            if json { ShowFormat::Json } else { format },
            all_branches,
            include_hidden,
        ),
        Command::Search {
            ref query,
            fts,
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
                query: query.join(" "),
                fts,
                role: role.clone(),
                since: since.clone(),
                until: until.clone(),
                model: model.clone(),
                conversation: conversation.clone(),
                provider: provider.map(Into::into),
                limit,
                json,
            };
            search::run(&cli, args)
        }
        Command::List {
            ref title,
            limit,
            deleted,
            ref since,
            provider,
            json,
        } => list::run(
            &cli,
            list::Args {
                title: title.as_deref(),
                limit,
                deleted,
                since: since.as_deref(),
                provider: provider.map(Into::into),
                json,
            },
        ),
        Command::Export {
            format,
            ref out,
            include_deleted,
            ref conversation,
            provider,
            ref parquet,
        } => export::run(
            &cli,
            export::Args {
                format,
                out,
                include_deleted,
                conversations: conversation,
                provider: provider.map(Into::into),
                parquet,
            },
        ),
        Command::History { ref id, json } => history::run(&cli, id, json),
        Command::Diff {
            ref id,
            from,
            to,
            json,
        } => diff::run(&cli, id, from, to, json),
        Command::Stats { provider, json } => stats::run(&cli, provider.map(Into::into), json),
        Command::Imports { provider, json } => imports::run(&cli, provider.map(Into::into), json),
        Command::DatasetteMetadata {
            ref database,
            ref out,
        } => datasette_metadata::run(&cli, database.as_deref(), out.as_deref()),
        Command::Completions { shell } => manual::completions(shell),
        Command::Man { ref out } => manual::man(out.as_deref()),
    }
}

/// How a command that writes waits for another chatarchive holding the archive: ten minutes, or
/// `CHATARCHIVE_LOCK_TIMEOUT` seconds, saying so on stderr.
pub(crate) fn lock_wait() -> chatarchive::archive::LockWait {
    let timeout = std::env::var("CHATARCHIVE_LOCK_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(std::time::Duration::from_secs)
        .unwrap_or(chatarchive::archive::LockWait::default().timeout);
    chatarchive::archive::LockWait {
        timeout,
        notice: Some(std::sync::Arc::new(|message: &str| {
            eprintln!("chatarchive: {message}")
        })),
    }
}

/// Opens the archive for writing (creating it), telling the person when it was upgraded.
pub(crate) fn open_archive(cli: &Cli) -> Result<Archive> {
    announce_upgrade(cli, Archive::open(&cli.db)?)
}

/// Opens an archive that must exist, telling the person when it was upgraded.
pub(crate) fn open_existing(cli: &Cli) -> Result<Archive> {
    announce_upgrade(cli, Archive::open_existing(&cli.db)?)
}

fn announce_upgrade(cli: &Cli, archive: Archive) -> Result<Archive> {
    if let Some((from, to)) = archive.upgraded {
        if !cli.quiet {
            eprintln!("{}", upgrade_line(&archive, from, to));
        }
    }
    Ok(archive)
}

fn upgrade_line(archive: &Archive, from: i64, to: i64) -> String {
    format!(
        "chatarchive: upgraded {} from schema version {from} to {to} (chatarchive {}) in one transaction; \
         names changed: see the changelog in docs/schema.md, and regenerate Datasette metadata. \
         Before an upgrade, `chatarchive backup COPY` keeps a copy as it was",
        archive.path.display(),
        env!("CARGO_PKG_VERSION")
    )
}

/// `chatarchive migrate`: the upgrade on its own.
fn migrate(cli: &Cli) -> Result<ExitCode> {
    let archive = Archive::open_existing(&cli.db)?;
    match archive.upgraded {
        Some((from, to)) => eprintln!("{}", upgrade_line(&archive, from, to)),
        None => eprintln!(
            "{}: already at schema version {}; nothing to do",
            archive.path.display(),
            archive.schema_version()?
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// The zone dates are shown in: `--tz`, else `$CHATARCHIVE_TZ`, else this computer's zone.
fn display_zone(given: Option<&Tz>) -> Result<Tz> {
    if let Some(tz) = given {
        return Ok(tz.clone());
    }
    match std::env::var("CHATARCHIVE_TZ") {
        Ok(v) if !v.trim().is_empty() => v
            .parse::<Tz>()
            .map_err(|e| Error::Usage(format!("CHATARCHIVE_TZ: {e}"))),
        _ => Ok(Tz::system()),
    }
}

/// "1 conversation", "2 conversations": counts in sentences people read.
pub(crate) fn plural(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
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
        .map_err(|e| Error::Internal(format!("cannot write JSON: {e}")))?;
    s.push('\n');
    print(&s)?;
    Ok(ExitCode::SUCCESS)
}
