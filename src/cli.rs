//! Command-line definitions (clap derive) only; the work happens in `commands`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::model::Provider;

#[derive(Parser, Debug)]
#[command(
    name = "chatarchive",
    version,
    about = "Keep every ChatGPT and Claude export in one versioned SQLite archive"
)]
pub struct Cli {
    /// The archive file (created on first use, mode 0600).
    #[arg(
        long,
        global = true,
        env = "CHATARCHIVE_DB",
        default_value = "chatarchive.db"
    )]
    pub db: PathBuf,

    /// No progress bar and no summary on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Ingest one or more exports (ZIP, unpacked folder, or bare conversations.json), each in
    /// one transaction.
    Ingest {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Report what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Ingest even if this exact export was ingested before.
        #[arg(long)]
        force: bool,
        /// One JSON object per export on stdout (JSON Lines).
        #[arg(long)]
        json: bool,
        /// Whose export this is, for exports that do not say (a bare conversations.json).
        #[arg(long)]
        account: Option<String>,
        /// Read the export as this provider's instead of recognising it.
        #[arg(long, value_enum)]
        provider: Option<Provider>,
        /// Store conversations that `forget` removed, if the export holds them (default: skip them).
        #[arg(long)]
        allow_forgotten: bool,
    },
    #[command(flatten)]
    Maintenance(Maintenance),
    /// Print a conversation: Markdown (default), simplified JSON, or the original JSON.
    Show {
        id: String,
        /// Version number (see `history`); default the current one.
        #[arg(long)]
        version: Option<i64>,
        #[arg(long, value_enum, default_value = "markdown")]
        format: ShowFormat,
        /// Show every branch of the message tree, not only the current thread.
        #[arg(long)]
        all_branches: bool,
        /// Include messages the ChatGPT interface hides (system prompts, tool calls).
        #[arg(long)]
        include_hidden: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum Maintenance {
    /// Check the archive: SQLite integrity, foreign keys, every stored hash, the search index.
    /// Exits 1 and names every row that is off.
    Verify {
        /// The report as one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Remove conversations for good (every version, message and search entry, the bytes wiped
    /// from the file) and remember only their ids, so a later ingest does not bring them back.
    Forget {
        #[arg(required_unless_present = "account")]
        ids: Vec<String>,
        /// Every conversation of this account (its `user.json` id, or the `--account` given at
        /// ingest).
        #[arg(long, conflicts_with = "ids")]
        account: Option<String>,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// Write a consistent single-file copy of the archive to a new file (mode 0600); works while
    /// other programs read the archive.
    Backup { path: PathBuf },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShowFormat {
    Markdown,
    Json,
    Original,
}
