//! One export in, one transaction: recognise a repeat, stream conversations from a reader thread
//! into the writer through a bounded channel, judge deletions per account, commit or roll back.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use super::store::{Outcome, Writer};
use super::{now_iso, Archive};
use crate::error::{Error, Result};
use crate::model::{Conversation, Provider};
use crate::source::{stream, Export};

#[derive(Clone, Default)]
pub struct IngestOptions {
    pub dry_run: bool,
    pub force: bool,
    /// Whose export this is, when the export does not say (`--account`).
    pub account: Option<String>,
    pub provider: Option<Provider>,
    /// Called with (bytes read, total bytes, conversations done) from the writer loop.
    pub progress: Option<Arc<dyn Fn(u64, u64, usize) + Send + Sync>>,
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
    pub account_id: Option<String>,
    pub export_time: Option<String>,
    pub conversations: ConversationCounts,
    pub messages: MessageCounts,
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
            export_time: None,
            conversations: ConversationCounts::default(),
            messages: MessageCounts::default(),
            unknown_content_types: BTreeMap::new(),
            warnings: Vec::new(),
            seconds: 0.0,
            bytes: 0,
            mb_per_second: 0.0,
        }
    }
}

/// How long a second ingest waits for the first to finish before giving up.
fn lock_wait() -> Duration {
    let secs = std::env::var("CHATARCHIVE_LOCK_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    Duration::from_secs(secs)
}

pub fn ingest(archive: &mut Archive, path: &Path, opts: &IngestOptions) -> Result<IngestReport> {
    let started = Instant::now();
    let mut report = IngestReport::new(path);
    report.dry_run = opts.dry_run;
    let mut export = Export::open(path)?;
    report.bytes = export.size;
    let fingerprint = export.fingerprint()?;
    if !opts.force {
        if let Some(id) = find_import(archive, "source_fingerprint", &fingerprint)? {
            report.import_id = Some(id);
            report.skipped = true;
            return Ok(report);
        }
    }
    let layout = stream::detect(&mut export, opts.provider)?;
    report.warnings.extend(layout.warnings.iter().cloned());
    report.provider = Some(layout.provider.as_str().to_string());
    let account_id = layout.account_id.clone().or_else(|| opts.account.clone());
    report.account_id = account_id.clone();

    // The file's sha256 is a plain sequential read: do it beside the ingest, not before it.
    let sha_path = path.to_path_buf();
    let sha_thread = std::thread::spawn(move || Export::content_sha256(&sha_path));

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
    let (sender, receiver) = mpsc::sync_channel::<Result<Conversation>>(16);
    let reader = {
        let cancel = cancel.clone();
        let bytes_read = bytes_read.clone();
        std::thread::spawn(move || {
            let result =
                stream::for_each_conversation(&mut export, &layout, &bytes_read, &cancel, |c| {
                    sender.send(Ok(c)).is_ok()
                });
            if let Err(e) = result {
                let _ = sender.send(Err(e));
            }
        })
    };

    let writer = Writer {
        conn: &tx,
        import_id,
        account_id: account_id.clone(),
    };
    let forgotten = forgotten_ids(&tx)?;
    let mut export_time: Option<String> = None;
    let mut seen_ids = std::collections::HashSet::new();
    let mut failure = None;
    for item in receiver.iter() {
        let c = match item {
            Ok(c) => c,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        if cancel.load(Ordering::Relaxed) {
            failure = Some(Error::Interrupted);
            break;
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
        if !seen_ids.insert(c.id.clone()) {
            report.warnings.push(format!(
                "conversation {} appears more than once in the export (again at #{}); each copy is kept as a version",
                c.id, c.index
            ));
        }
        for p in &c.problems {
            report
                .warnings
                .push(format!("conversation #{} ({}): {p}", c.index, c.id));
        }
        for m in c
            .nodes
            .iter()
            .filter_map(|n| n.message.as_ref())
            .filter(|m| m.unknown_type)
        {
            *report
                .unknown_content_types
                .entry(m.content_type.clone().unwrap_or_default())
                .or_default() += 1;
        }
        if c.updated_at > export_time {
            export_time = c.updated_at.clone();
        }
        let stored = writer.store(&c)?;
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
    let _ = reader.join();
    if let Some(e) = failure {
        return Err(e); // `tx` drops here: rollback, the archive is as it was
    }

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
    report.export_time = export_time.clone();
    let provider = report.provider.clone().unwrap_or_default();
    judge_deletions(
        &tx,
        import_id,
        &provider,
        account_id.as_deref(),
        export_time.as_deref(),
        &mut report,
    )?;
    let warnings = (!report.warnings.is_empty())
        .then(|| serde_json::to_string(&report.warnings).unwrap_or_default());
    let c = &report.conversations;
    tx.execute(
        "UPDATE imports SET source_sha256 = ?2, export_time = ?3, finished_at = ?4, conversations_total = ?5,
             conversations_new = ?6, conversations_changed = ?7, conversations_unchanged = ?8,
             conversations_deleted = ?9, conversations_restored = ?10, messages_new = ?11, warnings = ?12,
             conversations_skipped_forgotten = ?13
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
            c.skipped_forgotten as i64
        ],
    )?;
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

/// A conversation missing from the newest export of its account was deleted upstream; one that
/// reappears is restored. An older export (ingested late), an export with no account identity or
/// with no conversations judges nothing.
fn judge_deletions(
    tx: &rusqlite::Transaction,
    import_id: i64,
    provider: &str,
    account_id: Option<&str>,
    export_time: Option<&str>,
    report: &mut IngestReport,
) -> Result<()> {
    let Some(account) = account_id else {
        return Ok(());
    };
    if report.conversations.total == 0 {
        return Ok(());
    }
    let newest_other: Option<(i64, Option<String>)> = tx
        .query_row(
            "SELECT id, export_time FROM imports WHERE provider = ?1 AND account_id = ?2 AND id != ?3
             ORDER BY export_time DESC, id DESC LIMIT 1",
            params![provider, account, import_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((newest_id, newest_time)) = newest_other.filter(|(_, t)| t.as_deref() > export_time)
    {
        // An older export, ingested late. What it brings for the first time that the newest
        // export did not hold (and that existed by then) was deleted before the newest export.
        report.conversations.deleted = tx.execute(
            "UPDATE conversations SET deleted_import_id = ?3
             WHERE provider = ?1 AND account_id = ?2 AND first_import_id = ?4 AND deleted_import_id IS NULL
               AND (updated_at IS NULL OR updated_at <= ?5)",
            params![provider, account, newest_id, import_id, newest_time],
        )?;
        return Ok(());
    }
    report.conversations.restored = tx.execute(
        "UPDATE conversations SET deleted_import_id = NULL
         WHERE provider = ?1 AND account_id = ?2 AND deleted_import_id IS NOT NULL AND last_seen_import_id = ?3",
        params![provider, account, import_id],
    )?;
    report.conversations.deleted = tx.execute(
        "UPDATE conversations SET deleted_import_id = ?3
         WHERE provider = ?1 AND account_id = ?2 AND deleted_import_id IS NULL AND last_seen_import_id != ?3",
        params![provider, account, import_id],
    )?;
    Ok(())
}
