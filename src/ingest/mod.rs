//! The ingest pipeline, above `source` and `archive`: one export in, one transaction out. It
//! opens the export and lays it out (`source`), recognises a repeat, begins an import
//! (`archive::Import`), runs the reader thread and hands every item it reads to the import,
//! then judges deletions, settles ties and commits, or rolls back on any error, Ctrl-C or
//! `--dry-run`. Neither side knows the other: this module is where they meet.

mod reader;
mod report;

pub use report::{
    missing_files_warning, ConversationCounts, IngestOptions, IngestReport, MessageCounts, Progress,
};

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::archive::{Archive, Import, Judge, NewImport, Outcome, Outcomes, Stored};
use crate::error::{Error, Result};
use crate::model::Provider;
use crate::source::export_time::Evidence;
use crate::source::{self, detect_with, Export, Item, ReadContext};
use reader::Reader;
use report::{note_conversation, note_duplicate};

/// Ingests one export into the archive, in one transaction.
pub fn ingest(archive: &mut Archive, path: &Path, opts: &IngestOptions) -> Result<IngestReport> {
    let archive_path = archive.path.clone();
    archive
        .tuned_for_ingest(|archive| run(archive, path, opts))
        .map_err(|e| e.in_archive(&archive_path))
}

fn run(archive: &mut Archive, path: &Path, opts: &IngestOptions) -> Result<IngestReport> {
    let started = Instant::now();
    let mut report = IngestReport::new(path);
    report.dry_run = opts.dry_run;
    let mut export = Export::open(path)?;
    // Before the fingerprint: recognising the export may add parts to it (a manifest's ZIPs).
    let layout = detect_with(&mut export, opts.provider, opts.partial)?;
    let evidence = Evidence::of(&export);
    report.bytes = export.size;
    let fingerprint = export.fingerprint()?;
    if !opts.force {
        if let Some(id) = archive.import_with_fingerprint(&fingerprint)? {
            report.import_id = Some(id);
            report.skipped = true;
            return Ok(report);
        }
    }
    report.warnings.extend(layout.warnings.iter().cloned());
    report.partial = !layout.partial.is_empty();
    for why in &layout.partial {
        report.warnings.push(format!(
            "the export is partial: {why}; what it holds is archived, and no conversation is judged deleted by it"
        ));
    }
    report.provider = Some(layout.provider.as_str().to_string());
    let account_id = layout.account_id.clone().or_else(|| opts.account.clone());
    report.account_id = account_id.clone();

    // The export's sha256 is a plain sequential read: do it beside the ingest, not before it.
    let sha_thread = std::thread::spawn(export.content_sha256_job());

    let archive_path = archive.path.clone();
    let mut import = archive.begin_import(&NewImport {
        source: &report.source,
        source_kind: export.kind().as_str(),
        source_size: export.size,
        fingerprint: &fingerprint,
        provider: layout.provider,
        account_id: account_id.as_deref(),
        partial: report.partial,
    })?;
    report.import_id = Some(import.id());

    let cancel = opts.cancel.clone().unwrap_or_default();
    let ctx = ReadContext {
        // Conversations the archive holds already are recognised by the reader from their hash.
        known_versions: import.known_versions()?,
        known_files: import.known_files()?,
        keep_html: opts.keep_html,
        bytes_read: Arc::new(AtomicU64::new(0)),
        cancel: cancel.clone(),
    };
    let mut run = Run {
        opts,
        forgotten: import.forgotten_ids()?,
        // The accounts this export is a complete snapshot of; conversations add their own.
        accounts: layout
            .accounts
            .iter()
            .map(|a| a.id.clone())
            .chain(account_id.clone())
            .collect(),
        account_id,
        report,
        seen_ids: HashSet::new(),
        held_versions: HashSet::new(),
        export_time: None,
        bytes_read: ctx.bytes_read.clone(),
        total_bytes: layout.conversation_files.iter().map(|e| e.size).sum(),
    };
    let provider = layout.provider;
    let named_accounts = layout.accounts.clone();
    let manifest_missing = layout.missing_files.clone();

    let reader = Reader::spawn(export, layout, ctx);
    take_all(reader, &mut import, &mut run, &cancel)?;

    let sha = sha_thread
        .join()
        .map_err(|_| Error::Internal("the thread hashing the export panicked".into()))??;
    if !opts.force {
        if let Some(id) = import.same_export(&sha)? {
            // Same bytes under another fingerprint (a copied folder, a touched file): nothing to do.
            drop(import);
            let mut skipped = IngestReport::new(path);
            skipped.import_id = Some(id);
            skipped.skipped = true;
            return Ok(skipped);
        }
    }
    let Run {
        mut report,
        accounts,
        export_time: newest_update,
        held_versions,
        ..
    } = run;
    import.resolve_attachments()?;
    note_missing_files(&import, &mut report, manifest_missing, &held_versions)?;
    let (export_time, export_time_source) = match evidence.export_time(newest_update.as_deref()) {
        Some((t, source)) => (Some(t), Some(source.as_str())),
        None => (None, None),
    };
    report.export_time = export_time.clone();
    report.export_time_source = export_time_source.map(str::to_string);
    import.store_accounts(export_time.as_deref(), &named_accounts, &accounts)?;
    report.accounts = accounts.iter().cloned().collect();
    if !report.partial {
        judge_deletions(&import, &mut report, &accounts, export_time.as_deref())?;
    }
    record(&import, &report, &sha, export_time.as_deref())?;
    settle_ties(&mut import, provider, &archive_path)?;
    import.flush()?;
    if cancel.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    if opts.dry_run {
        drop(import); // rollback: report what would have happened
        report.import_id = None;
    } else {
        import.commit()?;
    }
    report.seconds = started.elapsed().as_secs_f64();
    report.mb_per_second = report.bytes as f64 / 1e6 / report.seconds.max(1e-9);
    Ok(report)
}

/// Hands every item the reader yields to the import; stops at the first error (the reader's or
/// the import's) or at Ctrl-C.
fn take_all(
    mut reader: Reader,
    import: &mut Import,
    run: &mut Run,
    cancel: &AtomicBool,
) -> Result<()> {
    let mut failure = None;
    while let Some(item) = reader.next() {
        let item = match item {
            Ok(item) => item,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        if cancel.load(Ordering::Relaxed) {
            failure = Some(Error::Interrupted);
            break;
        }
        run.take(import, item)?;
    }
    let finished = reader.finish();
    if let Some(e) = failure {
        return Err(e); // the caller drops the import: rollback, the archive is as it was
    }
    finished?;
    import.flush()
}

/// The import's row gets the report's figures.
fn record(
    import: &Import,
    report: &IngestReport,
    sha: &str,
    export_time: Option<&str>,
) -> Result<()> {
    let warnings = (!report.warnings.is_empty())
        .then(|| serde_json::Value::from(report.warnings.clone()).to_string());
    let unknown = (!report.unknown_content_types.is_empty()).then(|| {
        let counts = report
            .unknown_content_types
            .iter()
            .map(|(t, n)| (t.clone(), serde_json::Value::from(*n)));
        serde_json::Value::Object(counts.collect()).to_string()
    });
    let c = &report.conversations;
    import.record(&Outcomes {
        source_sha256: sha,
        export_time,
        export_time_source: report.export_time_source.as_deref(),
        conversations_total: c.total,
        conversations_new: c.new,
        conversations_changed: c.changed,
        conversations_unchanged: c.unchanged,
        conversations_deleted: c.deleted,
        conversations_restored: c.restored,
        conversations_skipped_forgotten: c.skipped_forgotten,
        messages_new: report.messages.new,
        warnings: warnings.as_deref(),
        unknown_content_types: unknown.as_deref(),
    })?;
    Ok(())
}

/// What the run keeps track of while the items pass.
struct Run<'o> {
    opts: &'o IngestOptions,
    report: IngestReport,
    /// The account the export belongs to (its own word, else `--account`).
    account_id: Option<String>,
    /// Every account the export covers (deletions are judged for each).
    accounts: BTreeSet<String>,
    forgotten: HashSet<String>,
    seen_ids: HashSet<String>,
    /// (conversation id, content sha256) of every conversation stored or recognised: the
    /// versions this export holds (their attachments are the files it names).
    held_versions: HashSet<(String, String)>,
    /// The newest update time in the export: when it was made, as far as can be told.
    export_time: Option<String>,
    bytes_read: Arc<AtomicU64>,
    total_bytes: u64,
}

impl Run<'_> {
    /// Hands one item to the import and counts it.
    fn take(&mut self, import: &mut Import, item: Item) -> Result<()> {
        let report = &mut self.report;
        let stored = match item {
            Item::Conversation(c) => {
                if let Some(a) = c.account_id.as_ref().or(self.account_id.as_ref()) {
                    self.accounts.insert(a.clone());
                }
                if self.forgotten.contains(&c.id) {
                    if !self.opts.allow_forgotten {
                        report.conversations.skipped_forgotten += 1;
                        return Ok(());
                    }
                    import.unforget(&c.id)?;
                    report.warnings.push(format!(
                        "conversation {} had been forgotten; stored again because of --allow-forgotten",
                        c.id
                    ));
                }
                note_conversation(report, &c, &mut self.seen_ids);
                self.held_versions
                    .insert((c.id.clone(), c.content_sha256.clone()));
                self.export_time = self.export_time.clone().max(c.updated_at.clone());
                import.store_conversation(&c)?
            }
            // Held unchanged: never a forgotten one (forgetting removes its versions).
            Item::Known(k) => {
                self.accounts.extend(self.account_id.clone());
                note_duplicate(report, &k.id, k.index, &mut self.seen_ids);
                self.held_versions
                    .insert((k.id.clone(), k.content_sha256.clone()));
                self.export_time = self.export_time.clone().max(k.updated_at.clone());
                import.store_known(&k)?
            }
            Item::File(f) => return import.store_file(&f),
            Item::Chunk { sha256, seq, data } => return import.store_chunk(&sha256, seq, &data),
            Item::Records(records) => return import.store_records(&records),
            Item::Project(p) => {
                for problem in &p.problems {
                    report
                        .warnings
                        .push(format!("project #{} ({}): {problem}", p.index, p.id));
                }
                let counts = &mut report.projects;
                counts.total += 1;
                match import.store_project(&p)? {
                    Outcome::New => counts.new += 1,
                    Outcome::Changed => counts.changed += 1,
                    Outcome::Unchanged => counts.unchanged += 1,
                }
                return Ok(());
            }
            Item::Memory(m) => {
                report.memories += import.store_memory(&m)?;
                return Ok(());
            }
        };
        self.count(stored);
        Ok(())
    }

    fn count(&mut self, stored: Stored) {
        let report = &mut self.report;
        report.conversations.total += 1;
        report.messages.new += stored.messages_new;
        match stored.outcome {
            Outcome::New => report.conversations.new += 1,
            Outcome::Changed => report.conversations.changed += 1,
            Outcome::Unchanged => report.conversations.unchanged += 1,
        }
        if let Some(progress) = &self.opts.progress {
            progress(
                self.bytes_read.load(Ordering::Relaxed),
                self.total_bytes,
                report.conversations.total,
            );
        }
    }
}

/// Files the manifest names and files the messages point at that the export does not hold: one
/// warning listing them all (the same file named both ways counts once).
fn note_missing_files(
    import: &Import,
    report: &mut IngestReport,
    manifest_missing: Vec<String>,
    versions: &HashSet<(String, String)>,
) -> Result<()> {
    let mut missing = manifest_missing;
    // `file-Ab12.dat` in the manifest and `file-service://file-Ab12` in a message: one file.
    let named: HashSet<String> = missing
        .iter()
        .filter_map(|n| crate::model::file::file_id(n.rsplit('/').next().unwrap_or(n)))
        .collect();
    for id in import.files_not_held(versions)? {
        if !named.contains(&id) {
            missing.push(id);
        }
    }
    if !missing.is_empty() {
        report.warnings.push(missing_files_warning(&missing, None));
    }
    report.missing_files = missing;
    Ok(())
}

/// Deletions are judged per account the export covers, and only for the kinds of things it
/// holds (an export without projects says nothing about projects).
fn judge_deletions(
    import: &Import,
    report: &mut IngestReport,
    accounts: &BTreeSet<String>,
    export_time: Option<&str>,
) -> Result<()> {
    for account in accounts {
        if report.conversations.total > 0 {
            let (deleted, restored) =
                import.judge_deletions(account, export_time, Judge::Conversations)?;
            report.conversations.deleted += deleted;
            report.conversations.restored += restored;
        }
        if report.projects.total > 0 {
            let (deleted, restored) =
                import.judge_deletions(account, export_time, Judge::Projects)?;
            report.projects.deleted += deleted;
            report.projects.restored += restored;
        }
    }
    Ok(())
}

/// Ties on update time were decided as if this export were the newest; now that its export time
/// is recorded, put right the ones where another export is newer: each such version is read back
/// through its provider's reader and made current.
fn settle_ties(import: &mut Import, provider: Provider, archive_path: &Path) -> Result<()> {
    for (id, version_id) in import.misplaced_ties()? {
        let json = import.original_json(version_id)?;
        let c = source::read_conversation(provider, json.as_bytes(), 0).map_err(|e| {
            Error::corrupt(
                Some(archive_path),
                format!(
                    "conversation {id} (version row {version_id}) cannot be read back: {}",
                    e.message
                ),
            )
        })?;
        import.promote(&c, version_id)?;
    }
    Ok(())
}
