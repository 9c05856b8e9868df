//! Command-line definitions (clap derive) only; the work happens in `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    Ingest(IngestArgs),
    /// Files stored in the archive (uploads, generated images, voice recordings).
    #[command(subcommand)]
    Attachments(AttachmentsCommand),
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
pub enum AttachmentsCommand {
    /// Write stored files back to a folder, under safe names with a matching extension.
    Extract {
        #[arg(long)]
        out: PathBuf,
        /// Only the files this conversation's messages point at.
        #[arg(long)]
        conversation: Option<String>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShowFormat {
    Markdown,
    Json,
    Original,
}

#[derive(Args, Debug)]
pub struct IngestArgs {
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Report what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Ingest even if this exact export was ingested before.
    #[arg(long)]
    pub force: bool,
    /// One JSON object per export on stdout (JSON Lines).
    #[arg(long)]
    pub json: bool,
    /// Whose export this is, for exports that do not say (a bare conversations.json).
    #[arg(long)]
    pub account: Option<String>,
    /// Read the export as this provider's instead of recognising it.
    #[arg(long, value_enum)]
    pub provider: Option<Provider>,
    /// Also store chat.html's bytes (it repeats every conversation; by default it is only recorded).
    #[arg(long)]
    pub keep_html: bool,
}
