//! Command-line definitions (clap derive) only; the work happens in `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use chatarchive::model::Provider;
use chatarchive::query::dates::Tz;

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

    /// Show dates, and read the dates you type, in this time zone: a name of the tz database
    /// (Europe/Lisbon), an offset (+02:00) or UTC. Default: $CHATARCHIVE_TZ, else this computer's
    /// zone. Exported files and the months of `stats --json` use it only when given here.
    #[arg(long, global = true, value_name = "ZONE")]
    pub tz: Option<Tz>,

    /// The zone dates are shown in: --tz, $CHATARCHIVE_TZ or the system's (set by `commands`).
    #[arg(skip)]
    pub zone: Tz,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Ingest one or more ChatGPT or Claude exports (ZIP, unpacked folder, bare
    /// conversations.json, or a Claude manifest with its ZIPs), each in one transaction.
    Ingest(IngestArgs),
    /// Files stored in the archive (uploads, generated images, voice recordings).
    #[command(subcommand)]
    Attachments(AttachmentsCommand),
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
        /// The simplified JSON (the same as --format json).
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// Show every branch of the message tree, not only the current thread.
        #[arg(long)]
        all_branches: bool,
        /// Include what the provider's interface hides: system prompts and ChatGPT's tool calls,
        /// context injected into a Claude message.
        #[arg(long)]
        include_hidden: bool,
    },
    /// Full-text search over every message ever archived, best matches first.
    ///
    /// Words are matched as typed: O(n), log(n), node.js, C#, a/b and --flag (after `--`) find
    /// that text. AND, OR and NOT between words, parentheses, "exact phrases" and prefix* combine
    /// them; a query starting with NOT is read as words. Text in Chinese, Japanese, Korean or Thai
    /// is matched as a substring. See docs/search.md.
    Search {
        /// What to look for; several words are searched together (all of them must occur).
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        /// Pass the query to SQLite FTS5 as written (NEAR, column filters, ^initial...).
        #[arg(long)]
        fts: bool,
        /// Only messages with this role (user, assistant, system, tool, and whatever other
        /// roles the archive holds).
        #[arg(long)]
        role: Option<String>,
        /// Only messages written on or after this date (YYYY-MM-DD[THH:MM]).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only messages written before the end of this date (YYYY-MM-DD[THH:MM]).
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// Only messages written by this model (for user messages: the conversation's model).
        #[arg(long, value_name = "SLUG")]
        model: Option<String>,
        /// Only this conversation (an id, or an unambiguous start of one).
        #[arg(long, value_name = "ID")]
        conversation: Option<String>,
        /// Only messages of conversations from this provider's exports.
        #[arg(long, value_enum)]
        provider: Option<ProviderArg>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// The hits as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// List conversations, most recently updated first.
    List {
        /// Only conversations whose title contains this text (case-insensitive).
        #[arg(long, value_name = "TEXT")]
        title: Option<String>,
        /// At most this many conversations (the newest).
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Only conversations deleted upstream (gone from the newest export, kept here).
        #[arg(long)]
        deleted: bool,
        /// Only conversations updated on or after this date.
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only conversations from this provider's exports.
        #[arg(long, value_enum)]
        provider: Option<ProviderArg>,
        #[arg(long)]
        json: bool,
    },
    /// Write one file per conversation (Markdown with front matter, or JSON) into a folder,
    /// or the archive's tables as a Parquet dataset many archives share (`--format parquet`,
    /// docs/parquet.md). Re-running rewrites only the files whose content changed.
    Export {
        #[arg(long, value_enum, default_value = "markdown")]
        format: ExportFormat,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Also export conversations deleted upstream (Parquet always has them, flagged).
        #[arg(long)]
        include_deleted: bool,
        /// Only this conversation (an id or its first characters; repeat for several). Named
        /// conversations are exported even when deleted upstream.
        #[arg(long, value_name = "ID")]
        conversation: Vec<String>,
        /// Only conversations from this provider's exports (Markdown and JSON).
        #[arg(long, value_enum)]
        provider: Option<ProviderArg>,
        #[command(flatten)]
        parquet: ParquetArgs,
    },
    /// Every version of a conversation, with the import that brought it.
    History {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// What changed between two versions of a conversation (default: the last two; with one
    /// version given, that one and the newest).
    Diff {
        id: String,
        from: Option<i64>,
        to: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Totals, per-provider, per-model and per-month counts.
    Stats {
        /// Count only this provider's conversations and imports.
        #[arg(long, value_enum)]
        provider: Option<ProviderArg>,
        #[arg(long)]
        json: bool,
    },
    /// Every ingest, with its counts.
    Imports {
        /// Only ingests of this provider's exports.
        #[arg(long, value_enum)]
        provider: Option<ProviderArg>,
        #[arg(long)]
        json: bool,
    },
    /// Datasette as a reader: with --out DIR, write metadata.json, the plugin (conversation and
    /// search pages, attachments), templates and settings.json into DIR and print the
    /// `datasette serve` line; without it, print metadata.json.
    DatasetteMetadata {
        /// Datasette's name for the database (default: the archive's file name without .db).
        #[arg(long, value_name = "NAME")]
        database: Option<String>,
        /// Folder to write everything Datasette needs into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Print a shell completion script: `chatarchive completions bash > ~/.local/share/bash-completion/completions/chatarchive`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `chatarchive man > chatarchive.1`; with --out, one page per
    /// command into a folder.
    Man {
        /// Write chatarchive.1 and chatarchive-COMMAND.1 for every command into this folder.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// `--provider`: the command line's names for the library's `Provider`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderArg {
    Chatgpt,
    Claude,
}

impl From<ProviderArg> for Provider {
    fn from(p: ProviderArg) -> Provider {
        match p {
            ProviderArg::Chatgpt => Provider::Chatgpt,
            ProviderArg::Claude => Provider::Claude,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Markdown,
    Json,
    /// A Hive-partitioned Parquet dataset: DIR/<table>/provider=…/account=…/part-<archive>.parquet
    Parquet,
}

/// Options of `export --format parquet`.
#[derive(Args, Debug, Default)]
pub struct ParquetArgs {
    /// Also write the stored files' bytes (table attachment_bytes, in rows of at most 4 MiB).
    #[arg(long)]
    pub with_bytes: bool,
    /// Leave the raw JSON columns out (messages.raw, accounts.raw, envelopes, warnings).
    #[arg(long)]
    pub no_raw: bool,
    /// Replace every identifier with HMAC-SHA256 under a secret key and leave out emails, names,
    /// phone numbers, source paths and raw JSON. The key comes from --pseudonym-key-file or
    /// $CHATARCHIVE_PSEUDONYM_KEY, never from the command line.
    #[arg(long)]
    pub pseudonymize: bool,
    /// A file holding the pseudonym key (at least 16 bytes; one trailing newline is ignored).
    #[arg(long, value_name = "FILE", requires = "pseudonymize")]
    pub pseudonym_key_file: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum AttachmentsCommand {
    /// The files messages point at: name, detected type, size and hash, or "missing" when no
    /// export held the file; `export` writes each one as attachments/<sha256>.<ext>.
    List {
        /// Only the files this conversation's messages point at (an id, or an unambiguous start
        /// of one).
        #[arg(long, value_name = "ID")]
        conversation: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write stored files back to a folder, under safe names with a matching extension.
    Extract {
        #[arg(long)]
        out: PathBuf,
        /// Only the files this conversation's messages point at.
        #[arg(long)]
        conversation: Option<String>,
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
    /// other programs read the archive. The copy is taken as the archive is, before any schema
    /// upgrade, and keeps the archive's id.
    Backup {
        path: PathBuf,
        /// Give the copy an archive id of its own (for a copy that will live on separately).
        #[arg(long)]
        new_id: bool,
    },
    /// Upgrade the archive's schema to this version's (every other command does it too, when
    /// it opens an older archive). Run `chatarchive backup COPY` first to keep it as it is.
    Migrate,
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
    pub provider: Option<ProviderArg>,
    /// Also store chat.html's bytes (it repeats every conversation; by default it is only recorded).
    #[arg(long)]
    pub keep_html: bool,
    /// Store conversations that `forget` removed, if the export holds them (default: skip them).
    #[arg(long)]
    pub allow_forgotten: bool,
    /// Archive an incomplete export (a conversations shard or a named ZIP missing for good):
    /// what it holds is stored as usual, no conversation is judged deleted by it, and it never
    /// counts as a complete export of its account.
    #[arg(long)]
    pub partial: bool,
}
