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
    /// Ingest one or more ChatGPT or Claude exports (ZIP, unpacked folder, bare
    /// conversations.json, or a Claude manifest with its ZIPs), each in one transaction.
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
    },
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

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShowFormat {
    Markdown,
    Json,
    Original,
}
