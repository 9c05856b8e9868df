//! One export in, one transaction: recognise a repeat, stream conversations (then projects and
//! memories) from a reader thread into the writer through a bounded channel, judge deletions per
//! account the export covers, commit or roll back.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use super::files;
use super::projects::ProjectWriter;
use super::store::{Outcome, Writer};
use super::{now_iso, side, Archive};
use crate::error::{Error, Result};
use crate::model::{Conversation, Provider};
use crate::source::budget::Budget;
use crate::source::files::FileContext;
use crate::source::{read_export, stream, Export, Item, KnownVersions};

/// Progress callback: (bytes of conversation JSON read, their total, conversations done).
pub type Progress = Arc<dyn Fn(u64, u64, usize) + Send + Sync>;

#[derive(Clone, Default)]
pub struct IngestOptions {
    pub dry_run: bool,
    pub force: bool,
    /// Whose export this is, when the export does not say (`--account`).
    pub account: Option<String>,
    pub provider: Option<Provider>,
    /// Store chat.html's bytes too (it repeats every conversation; by default only recorded).
    pub keep_html: bool,
    /// Called from the writer loop.
    pub progress: Option<Progress>,
    /// Set (e.g. by Ctrl-C) to abandon the ingest; the transaction rolls back.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Store conversations even if `forget` removed them before (and stop remembering that).
    pub allow_forgotten: bool,
}

#[derive(Debug, Default, Serialize, Clone, PartialEq)]
pub struct ConversationCounts {
    pub total: usize,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub deleted: usize,
    pub restored: usize,
    /// In the export but forgotten earlier (`chatarchive forget`): not stored.
    pub skipped_forgotten: usize,
}

#[derive(Debug, Default, Serialize, Clone)]
pub struct MessageCounts {
    pub new: usize,
}

#[derive(Debug, Serialize, Clone)]
pub struct IngestReport {
    pub source: String,
    pub import_id: Option<i64>,
    pub skipped: bool,
    pub dry_run: bool,
    pub provider: Option<String>,
    /// The account the export belongs to, when it names exactly one.
    pub account_id: Option<String>,
    /// Every account the export covers (deletions are judged for each).
    pub accounts: Vec<String>,
    pub export_time: Option<String>,
    pub conversations: ConversationCounts,
    pub messages: MessageCounts,
    /// Projects, counted like conversations (zero for exports without projects).
    pub projects: ConversationCounts,
    /// Remembered texts in the export's memory records.
    pub memories: usize,
    /// Content types this version does not know, with how many messages used each.
    pub unknown_content_types: BTreeMap<String, usize>,
    pub warnings: Vec<String>,
    pub seconds: f64,
    pub bytes: u64,
    pub mb_per_second: f64,
}

impl IngestReport {
    fn new(source: &Path) -> Self {
        IngestReport {
            source: source.display().to_string(),
            import_id: None,
            skipped: false,
            dry_run: false,
            provider: None,
            account_id: None,
            accounts: Vec::new(),
            export_time: None,
            conversations: ConversationCounts::default(),
            messages: MessageCounts::default(),
            projects: ConversationCounts::default(),
            memories: 0,
            unknown_content_types: BTreeMap::new(),
            warnings: Vec::new(),
            seconds: 0.0,
            bytes: 0,
            mb_per_second: 0.0,
        }
    }
}

/// Bytes of parsed conversations (and files) the reader may run ahead of the writer. Memory, not
/// speed: a deeper queue measured no faster.
const ITEM_BYTES_AHEAD: usize = 2 << 20;

/// Roughly the memory an item holds, for the reader's budget.
fn weight(item: &Item) -> usize {
    match item {
        Item::Conversation(c) => {
            let nodes: usize = c
                .nodes
                .iter()
                .map(|n| {
                    let m = n.message.as_ref().map_or(0, |m| m.raw.len() + m.text.len());
                    n.json.len() + n.node_json.len() + m + 256
                })
                .sum();
            c.envelope.len() + nodes
        }
        Item::Known(_) => 256,
        Item::File(f) => f.data.as_ref().map_or(0, Vec::len) + 256,
        Item::Chunk { data, .. } => data.len(),
        Item::Records(records) => records.iter().map(|r| r.raw.len() + 256).sum(),
        Item::Project(p) => {
            let docs: usize = p.docs.iter().map(|d| 2 * d.json.len() + 256).sum();
            p.envelope.len() + docs
        }
        Item::Memory(m) => m.raw.len() + 256,
    }
}

/// Connection settings for the duration of an ingest (see docs/performance.md). An ingest
/// writes each page about once: a page cache larger than 4 MiB measured no faster (200 MB and
/// 1 GB exports), and every MiB of it is resident memory. `temp_store` stays MEMORY (the staging
/// table and statement journals never touch a temporary file, so no conversation text is
/// written outside the archive): FILE would save ~20 MB at 1 GB.
const INGEST_SETTINGS: &str = "PRAGMA cache_size = -4096;";

/// How long a second ingest waits for the first to finish before giving up.
fn lock_wait() -> Duration {
    let secs = std::env::var("CHATARCHIVE_LOCK_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    Duration::from_secs(secs)
}

pub fn ingest(archive: &mut Archive, path: &Path, opts: &IngestOptions) -> Result<IngestReport> {
    let conn = &archive.conn;
    let cache_size: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    conn.execute_batch(INGEST_SETTINGS)?;
    let rollback_journal = first_ingest_without_wal(conn)?;
    let result = ingest_one(archive, path, opts);
    // Restored for whatever the connection is used for next (speed and memory only).
    let _ = archive
        .conn
        .execute_batch(&format!("PRAGMA cache_size = {cache_size};"));
    if rollback_journal {
        back_to_wal(&archive.conn);
    }
    result
}

/// The first ingest into an archive that holds nothing yet is written through a rollback
/// journal instead of the write-ahead log: SQLite journals only the pages that existed when the
/// transaction began (here, the empty schema), so every page is written once, where the WAL
/// writes each twice (log, then checkpoint): 20-30% of a first ingest (docs/performance.md).
/// `synchronous = FULL` keeps it as safe against a power cut as WAL with NORMAL. Nothing is
/// lost for readers: there is nothing to read yet (one that opens the archive meanwhile waits
/// for the lock, or reports it busy, instead of seeing empty tables). When another connection
/// holds the archive open, WAL cannot be left, and the ingest simply stays in WAL.
fn first_ingest_without_wal(conn: &rusqlite::Connection) -> Result<bool> {
    let empty: bool = conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM imports)", [], |r| {
        r.get(0)
    })?;
    if !empty {
        return Ok(false);
    }
    let mode = conn.query_row("PRAGMA journal_mode = TRUNCATE", [], |r| {
        r.get::<_, String>(0)
    });
    if !matches!(mode.as_deref(), Ok("truncate")) {
        return Ok(false);
    }
    conn.execute_batch("PRAGMA synchronous = FULL")?;
    Ok(true)
}

/// Back to the archive's usual WAL mode after a first ingest (best effort: if a reader holds the
/// archive open right now, the next open switches it; until then FULL sync stays on).
fn back_to_wal(conn: &rusqlite::Connection) {
    let mode = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0));
    if matches!(mode.as_deref(), Ok("wal")) {
        let _ = conn.execute_batch("PRAGMA synchronous = NORMAL");
    }
}

fn ingest_one(archive: &mut Archive, path: &Path, opts: &IngestOptions) -> Result<IngestReport> {
    let started = Instant::now();
    let mut report = IngestReport::new(path);
    report.dry_run = opts.dry_run;
    let mut export = Export::open(path)?;
    // Before the fingerprint: recognising the export may add parts to it (a manifest's ZIPs).
    let layout = stream::detect(&mut export, opts.provider)?;
    let layout_provider = layout.provider;
    let archive_path = archive.path.clone();
    report.bytes = export.size;
    let fingerprint = export.fingerprint()?;
    if !opts.force {
        if let Some(id) = find_import(archive, "source_fingerprint", &fingerprint)? {
            report.import_id = Some(id);
            report.skipped = true;
            return Ok(report);
        }
    }
    report.warnings.extend(layout.warnings.iter().cloned());
    report.provider = Some(layout.provider.as_str().to_string());
    let account_id = layout.account_id.clone().or_else(|| opts.account.clone());
    report.account_id = account_id.clone();
    // The accounts this export is a complete snapshot of; conversations add their own below.
    let mut accounts: std::collections::BTreeSet<String> =
        layout.accounts.iter().map(|a| a.id.clone()).collect();
    accounts.extend(account_id.clone());
    let named_accounts = layout.accounts.clone();
    let provider = layout.provider.as_str().to_string();

    // The export's sha256 is a plain sequential read: do it beside the ingest, not before it.
    let sha_thread = std::thread::spawn(export.content_sha256_job());

    let tx = begin(archive)?;
    tx.execute(
        "INSERT INTO imports (source, source_kind, source_size, source_fingerprint, provider, account_id, started_at, tool_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            report.source,
            export.kind(),
            export.size as i64,
            fingerprint,
            layout.provider.as_str(),
            account_id,
            now_iso(),
            env!("CARGO_PKG_VERSION")
        ],
    )?;
    let import_id = tx.last_insert_rowid();
    report.import_id = Some(import_id);

    let cancel = opts.cancel.clone().unwrap_or_default();
    let bytes_read = Arc::new(AtomicU64::new(0));
    let total_bytes: u64 = layout.conversation_files.iter().map(|e| e.size).sum();
    let known: std::collections::HashSet<String> = {
        let mut stmt = tx.prepare("SELECT sha256 FROM attachments")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let ctx = FileContext {
        known,
        original_names: layout.original_names.clone(),
        keep_html: opts.keep_html,
    };
    // Conversations the archive holds already are recognised by the reader from their hash.
    let known_versions: KnownVersions = {
        let mut stmt =
            tx.prepare("SELECT conversation_id, content_sha256 FROM conversation_versions")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    // The reader (decompress, split, parse, hash) runs at most ITEM_BYTES_AHEAD ahead of the
    // writer, so memory stays bounded by a few times the largest conversation; the channel
    // only needs room for that.
    let (sender, receiver) = mpsc::sync_channel::<Result<(Item, usize)>>(64);
    let budget = Budget::new(ITEM_BYTES_AHEAD);
    let _closer = budget.closer(); // whichever way the writer stops, the reader is released
    let reader = {
        let cancel = cancel.clone();
        let bytes_read = bytes_read.clone();
        let budget = budget.clone();
        std::thread::spawn(move || {
            let mut sink = |item| {
                let bytes = weight(&item);
                budget.take(bytes) && sender.send(Ok((item, bytes))).is_ok()
            };
            let result = read_export(
                &mut export,
                &layout,
                ctx,
                &known_versions,
                &bytes_read,
                &cancel,
                &mut sink,
            );
            if let Err(e) = result {
                let _ = sender.send(Err(e));
            }
        })
    };

    let writer = Writer::new(&tx, import_id, account_id.clone())?;
    let project_writer = ProjectWriter {
        conn: &tx,
        import_id,
        account_id: account_id.clone(),
    };
    let forgotten = forgotten_ids(&tx)?;
    let mut export_time: Option<String> = None;
    let mut seen_ids = std::collections::HashSet::new();
    let mut failure = None;
    for item in receiver.iter() {
        let record = match item {
            Ok((record, bytes)) => {
                // Counted from here as the one item the writer holds.
                budget.give_back(bytes);
                record
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        if cancel.load(Ordering::Relaxed) {
            failure = Some(Error::Interrupted);
            break;
        }
        let stored = match record {
            Item::Conversation(c) => {
                if let Some(a) = c.account_id.as_ref().or(account_id.as_ref()) {
                    if !accounts.contains(a) {
                        accounts.insert(a.clone());
                    }
                }
                if forgotten.contains(&c.id) {
                    if !opts.allow_forgotten {
                        report.conversations.skipped_forgotten += 1;
                        continue;
                    }
                    tx.execute(
                        "DELETE FROM forgotten_conversations WHERE conversation_id = ?1",
                        [&c.id],
                    )?;
                    report.warnings.push(format!(
                        "conversation {} had been forgotten; stored again because of --allow-forgotten",
                        c.id
                    ));
                }
                note_conversation(&mut report, &c, &mut seen_ids);
                export_time = export_time.max(c.updated_at.clone());
                writer.store(&c)?
            }
            // Held unchanged: never a forgotten one (forgetting removes its versions).
            Item::Known(k) => {
                if let Some(a) = account_id.as_ref() {
                    if !accounts.contains(a) {
                        accounts.insert(a.clone());
                    }
                }
                note_duplicate(&mut report, &k.id, k.index, &mut seen_ids);
                export_time = export_time.max(k.updated_at.clone());
                writer.store_known(&k)?
            }
            Item::File(f) => {
                files::store_file(&tx, import_id, &f)?;
                continue;
            }
            Item::Chunk { sha256, seq, data } => {
                files::store_chunk(&tx, &sha256, seq, &data)?;
                continue;
            }
            Item::Records(records) => {
                files::store_records(&tx, import_id, &records)?;
                continue;
            }
            Item::Project(p) => {
                for problem in &p.problems {
                    report
                        .warnings
                        .push(format!("project #{} ({}): {problem}", p.index, p.id));
                }
                let counts = &mut report.projects;
                counts.total += 1;
                match project_writer.store(&p)? {
                    Outcome::New => counts.new += 1,
                    Outcome::Changed => counts.changed += 1,
                    Outcome::Unchanged => counts.unchanged += 1,
                }
                continue;
            }
            Item::Memory(m) => {
                report.memories +=
                    side::store_memory(&tx, &provider, import_id, account_id.as_deref(), &m)?;
                continue;
            }
        };
        report.conversations.total += 1;
        report.messages.new += stored.messages_new;
        match stored.outcome {
            Outcome::New => report.conversations.new += 1,
            Outcome::Changed => report.conversations.changed += 1,
            Outcome::Unchanged => report.conversations.unchanged += 1,
        }
        if let Some(progress) = &opts.progress {
            progress(
                bytes_read.load(Ordering::Relaxed),
                total_bytes,
                report.conversations.total,
            );
        }
    }
    drop(receiver);
    budget.close(); // a reader waiting for room stops, rather than being waited for forever
    let _ = reader.join();
    if let Some(e) = failure {
        return Err(e); // `tx` drops here: rollback, the archive is as it was
    }
    writer.flush()?;

    let sha = sha_thread
        .join()
        .map_err(|_| Error::Usage("hashing the export failed".into()))??;
    if !opts.force {
        if let Some(id) = find_import_tx(&tx, &sha, import_id)? {
            // Same bytes under another fingerprint (a copied folder, a touched file): nothing to do.
            drop(tx);
            let mut skipped = IngestReport::new(path);
            skipped.import_id = Some(id);
            skipped.skipped = true;
            return Ok(skipped);
        }
    }
    files::resolve_attachments(&tx)?;
    report.export_time = export_time.clone();
    side::store_accounts(
        &tx,
        &provider,
        import_id,
        export_time.as_deref(),
        &named_accounts,
    )?;
    side::store_import_accounts(&tx, import_id, &accounts)?;
    side::ensure_account_rows(&tx, &provider, import_id)?;
    report.accounts = accounts.iter().cloned().collect();
    for account in &accounts {
        let when = Judged {
            import_id,
            provider: &provider,
            account,
            export_time: export_time.as_deref(),
        };
        if report.conversations.total > 0 {
            let (deleted, restored) = judge_deletions(&tx, &when, Judge::Conversations)?;
            report.conversations.deleted += deleted;
            report.conversations.restored += restored;
        }
        if report.projects.total > 0 {
            let (deleted, restored) = judge_deletions(&tx, &when, Judge::Projects)?;
            report.projects.deleted += deleted;
            report.projects.restored += restored;
        }
    }
    let warnings = (!report.warnings.is_empty())
        .then(|| serde_json::to_string(&report.warnings).unwrap_or_default());
    let unknown = (!report.unknown_content_types.is_empty())
        .then(|| serde_json::to_string(&report.unknown_content_types).unwrap_or_default());
    let c = &report.conversations;
    tx.execute(
        "UPDATE imports SET source_sha256 = ?2, export_time = ?3, finished_at = ?4, conversations_total = ?5,
             conversations_new = ?6, conversations_changed = ?7, conversations_unchanged = ?8,
             conversations_deleted = ?9, conversations_restored = ?10, messages_new = ?11, warnings = ?12,
             unknown_content_types = ?13, conversations_skipped_forgotten = ?14
         WHERE id = ?1",
        params![
            import_id,
            sha,
            export_time,
            now_iso(),
            c.total as i64,
            c.new as i64,
            c.changed as i64,
            c.unchanged as i64,
            c.deleted as i64,
            c.restored as i64,
            report.messages.new as i64,
            warnings,
            unknown,
            c.skipped_forgotten as i64
        ],
    )?;
    // Ties on update time were decided as if this export were the newest; now that its export
    // time is known, put right the ones where another export is newer.
    for (id, version_id) in writer.misplaced_ties()? {
        let json = crate::archive::rebuild::original_json(&tx, version_id)?;
        let c =
            crate::source::read_conversation(layout_provider, json.as_bytes(), 0).map_err(|e| {
                Error::Archive {
                    path: archive_path.clone(),
                    message: format!(
                        "conversation {id} (version row {version_id}) cannot be read back: {}",
                        e.message
                    ),
                }
            })?;
        writer.promote(&c, version_id)?;
    }
    writer.flush()?;
    if cancel.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    if opts.dry_run {
        drop(tx); // rollback: report what would have happened
        report.import_id = None;
    } else {
        tx.commit()?;
    }
    report.seconds = started.elapsed().as_secs_f64();
    report.mb_per_second = report.bytes as f64 / 1e6 / report.seconds.max(1e-9);
    Ok(report)
}

/// Warnings and unknown content types a conversation brings into the report.
fn note_conversation(
    report: &mut IngestReport,
    c: &Conversation,
    seen_ids: &mut std::collections::HashSet<String>,
) {
    note_duplicate(report, &c.id, c.index, seen_ids);
    for p in &c.problems {
        report
            .warnings
            .push(format!("conversation #{} ({}): {p}", c.index, c.id));
    }
    let unknown = c
        .nodes
        .iter()
        .filter_map(|n| n.message.as_ref())
        .flat_map(|m| &m.unknown_types);
    for t in unknown {
        *report.unknown_content_types.entry(t.clone()).or_default() += 1;
    }
}

fn note_duplicate(
    report: &mut IngestReport,
    id: &str,
    index: usize,
    seen_ids: &mut std::collections::HashSet<String>,
) {
    if !seen_ids.insert(id.to_string()) {
        report.warnings.push(format!(
            "conversation {id} appears more than once in the export (again at #{index}); each copy is kept as a version"
        ));
    }
}

/// BEGIN IMMEDIATE takes the write lock up front; a second ingest waits for the first (saying
/// so) instead of failing half-way.
pub(crate) fn begin(archive: &mut Archive) -> Result<rusqlite::Transaction<'_>> {
    let busy = |e: &rusqlite::Error| {
        matches!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy)
        )
    };
    archive.conn.busy_timeout(Duration::from_millis(200))?;
    let first = archive.conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK;");
    if let Err(e) = first {
        if !busy(&e) {
            return Err(e.into());
        }
        eprintln!(
            "chatarchive: another process is writing to {}; waiting for it to finish...",
            archive.path.display()
        );
        archive.conn.busy_timeout(lock_wait())?;
    }
    match archive.conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => Ok(tx),
        Err(e) if busy(&e) => Err(Error::Archive {
            path: archive.path.clone(),
            message: "another chatarchive process kept the archive locked; try again when it has finished".into(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Ids `chatarchive forget` removed: an ingest does not bring them back.
fn forgotten_ids(tx: &rusqlite::Transaction) -> Result<std::collections::HashSet<String>> {
    let mut stmt = tx.prepare("SELECT conversation_id FROM forgotten_conversations")?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

fn find_import(archive: &Archive, column: &str, value: &str) -> Result<Option<i64>> {
    let sql = format!("SELECT id FROM imports WHERE {column} = ?1 ORDER BY id LIMIT 1");
    Ok(archive
        .conn
        .query_row(&sql, [value], |r| r.get(0))
        .optional()?)
}

fn find_import_tx(tx: &rusqlite::Transaction, sha: &str, this_import: i64) -> Result<Option<i64>> {
    Ok(tx
        .query_row(
            "SELECT id FROM imports WHERE source_sha256 = ?1 AND id != ?2 ORDER BY id LIMIT 1",
            params![sha, this_import],
            |r| r.get(0),
        )
        .optional()?)
}

/// What is judged: the things that can disappear from an export.
#[derive(Clone, Copy)]
enum Judge {
    Conversations,
    Projects,
}

/// One import and one account it covers.
struct Judged<'a> {
    import_id: i64,
    provider: &'a str,
    account: &'a str,
    export_time: Option<&'a str>,
}

/// A conversation (or project) missing from the newest export of its account was deleted
/// upstream; one that reappears is restored. An older export (ingested late) only flags what
/// it brings for the first time that the newest export lacked. Run once per account the import
/// covers; the caller skips exports with nothing of the kind in them. Returns (deleted, restored).
fn judge_deletions(tx: &rusqlite::Transaction, j: &Judged, what: Judge) -> Result<(usize, usize)> {
    let table = match what {
        Judge::Conversations => "conversations",
        Judge::Projects => "projects",
    };
    let newest_other: Option<(i64, Option<String>)> = tx
        .query_row(
            "SELECT i.id, i.export_time FROM imports i JOIN import_accounts a ON a.import_id = i.id
             WHERE i.provider = ?1 AND a.account_id = ?2 AND i.id != ?3
             ORDER BY i.export_time DESC, i.id DESC LIMIT 1",
            params![j.provider, j.account, j.import_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((newest_id, newest_time)) =
        newest_other.filter(|(_, t)| t.as_deref() > j.export_time)
    {
        // An older export, ingested late. What it brings for the first time that the newest
        // export did not hold (and that existed by then) was deleted before the newest export.
        let deleted = tx.execute(
            &format!(
                "UPDATE {table} SET deleted_import_id = ?3
                 WHERE provider = ?1 AND account_id = ?2 AND first_import_id = ?4 AND deleted_import_id IS NULL
                   AND (updated_at IS NULL OR updated_at <= ?5)"
            ),
            params![j.provider, j.account, newest_id, j.import_id, newest_time],
        )?;
        return Ok((deleted, 0));
    }
    let restored = tx.execute(
        &format!(
            "UPDATE {table} SET deleted_import_id = NULL
             WHERE provider = ?1 AND account_id = ?2 AND deleted_import_id IS NOT NULL AND last_seen_import_id = ?3"
        ),
        params![j.provider, j.account, j.import_id],
    )?;
    let deleted = tx.execute(
        &format!(
            "UPDATE {table} SET deleted_import_id = ?3
             WHERE provider = ?1 AND account_id = ?2 AND deleted_import_id IS NULL AND last_seen_import_id != ?3"
        ),
        params![j.provider, j.account, j.import_id],
    )?;
    Ok((deleted, restored))
}
