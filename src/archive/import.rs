//! The archive's write API for one import, over `model` types only: begin it (an `imports` row
//! inside a write transaction), look up what the archive already knows, store what the export
//! holds (conversations, known conversations, projects, memories, files, side records), judge
//! deletions, record the outcome, commit. Whoever drives it (the `ingest` pipeline) reads the
//! export; nothing here knows how.

use std::collections::{BTreeSet, HashSet};

use rusqlite::{params, OptionalExtension, Transaction};

use super::projects::ProjectWriter;
use super::store::Writer;
use super::{files, now_iso, side, Archive};
use crate::error::Result;
use crate::model::{
    Account, Conversation, FileItem, Known, KnownVersions, MemoryRecord, Project, Provider,
    SideRecord,
};

pub use super::store::{Outcome, Stored};

/// What the `imports` row of a new import starts with.
pub struct NewImport<'a> {
    /// The path as given.
    pub source: &'a str,
    /// `zip`, `folder` or `file`.
    pub source_kind: &'a str,
    pub source_size: u64,
    pub fingerprint: &'a str,
    pub provider: Provider,
    /// The account the export belongs to, when known.
    pub account_id: Option<&'a str>,
    /// A partial export: never a complete snapshot of its account (see `store_accounts`).
    pub partial: bool,
}

/// The counts an import ends with, for its `imports` row.
pub struct Outcomes<'a> {
    pub source_sha256: &'a str,
    pub export_time: Option<&'a str>,
    /// `conversations`, `zip_entries` or `file_name`.
    pub export_time_source: Option<&'a str>,
    pub conversations_total: usize,
    pub conversations_new: usize,
    pub conversations_changed: usize,
    pub conversations_unchanged: usize,
    pub conversations_deleted: usize,
    pub conversations_restored: usize,
    pub conversations_skipped_forgotten: usize,
    pub messages_new: usize,
    /// JSON array of warnings, JSON object of unknown content types (NULL when none).
    pub warnings: Option<&'a str>,
    pub unknown_content_types: Option<&'a str>,
}

/// What is judged: the things that can disappear from an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judge {
    Conversations,
    Projects,
}

/// One import in progress: everything it writes is in one transaction, committed by `commit`
/// and rolled back if it is dropped (an error, Ctrl-C, a dry run).
pub struct Import<'a> {
    tx: Transaction<'a>,
    id: i64,
    partial: bool,
    provider: Provider,
    account_id: Option<String>,
    conversations: Writer,
    /// Asset ids of the files and the pointers this import brought: the only ones whose links
    /// can change (`resolve_attachments`).
    file_ids: HashSet<String>,
}

impl Archive {
    /// An earlier import of the export with this fingerprint.
    pub fn import_with_fingerprint(&self, fingerprint: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM imports WHERE source_fingerprint = ?1 ORDER BY id LIMIT 1",
                [fingerprint],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Takes the write lock (waiting as `lock_wait` says) and starts an import.
    pub fn begin_import(&mut self, new: &NewImport) -> Result<Import<'_>> {
        let tx = self.begin_write()?;
        tx.execute(
            "INSERT INTO imports (source, source_kind, source_size, source_fingerprint, provider, account_id, started_at, tool_version, partial)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                new.source,
                new.source_kind,
                new.source_size as i64,
                new.fingerprint,
                new.provider.as_str(),
                new.account_id,
                now_iso(),
                env!("CARGO_PKG_VERSION"),
                new.partial
            ],
        )?;
        let id = tx.last_insert_rowid();
        let account_id = new.account_id.map(str::to_string);
        let conversations = Writer::new(&tx, id, account_id.clone())?;
        Ok(Import {
            tx,
            id,
            partial: new.partial,
            provider: new.provider,
            account_id,
            conversations,
            file_ids: HashSet::new(),
        })
    }
}

impl Import<'_> {
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Conversation versions the archive holds (a reader recognises them by their hash).
    pub fn known_versions(&self) -> Result<KnownVersions> {
        let mut stmt = self
            .tx
            .prepare("SELECT conversation_id, content_sha256 FROM conversation_versions")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The sha256 of every file the archive holds (a reader need not send their bytes).
    pub fn known_files(&self) -> Result<HashSet<String>> {
        let mut stmt = self.tx.prepare("SELECT sha256 FROM attachments")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Ids `chatarchive forget` removed: an ingest does not bring them back unless asked.
    pub fn forgotten_ids(&self) -> Result<HashSet<String>> {
        let mut stmt = self
            .tx
            .prepare("SELECT conversation_id FROM forgotten_conversations")?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Stops remembering that a conversation was forgotten (it is being stored again).
    pub fn unforget(&self, conversation_id: &str) -> Result<()> {
        self.tx.execute(
            "DELETE FROM forgotten_conversations WHERE conversation_id = ?1",
            [conversation_id],
        )?;
        Ok(())
    }

    pub fn store_conversation(&mut self, c: &Conversation) -> Result<Stored> {
        for a in c.nodes.iter().filter_map(|n| n.message.as_ref()) {
            self.file_ids
                .extend(a.attachments.iter().filter_map(|a| a.file_id()));
        }
        self.conversations.store(&self.tx, c)
    }

    /// A conversation the reader recognised as content the archive holds: bookkeeping only.
    pub fn store_known(&mut self, k: &Known) -> Result<Stored> {
        self.conversations.store_known(&self.tx, k)
    }

    pub fn store_project(&mut self, p: &Project) -> Result<Outcome> {
        ProjectWriter {
            conn: &self.tx,
            import_id: self.id,
            account_id: self.account_id.clone(),
        }
        .store(p)
    }

    /// One memory record; returns how many remembered texts it holds.
    pub fn store_memory(&mut self, m: &MemoryRecord) -> Result<usize> {
        side::store_memory(
            &self.tx,
            self.provider.as_str(),
            self.id,
            self.account_id.as_deref(),
            m,
        )
    }

    pub fn store_file(&mut self, f: &FileItem) -> Result<()> {
        if f.store {
            self.file_ids.extend(f.file_id.clone());
        }
        files::store_file(&self.tx, self.id, f)
    }

    /// A piece of a large file announced by `store_file`.
    pub fn store_chunk(&mut self, sha256: &str, seq: usize, data: &[u8]) -> Result<()> {
        files::store_chunk(&self.tx, sha256, seq, data)
    }

    pub fn store_records(&mut self, records: &[SideRecord]) -> Result<()> {
        files::store_records(&self.tx, self.id, records)
    }

    /// Writes what is still staged; call once everything has been stored.
    pub fn flush(&mut self) -> Result<()> {
        self.conversations.flush(&self.tx)
    }

    /// An earlier import of an export with these very bytes (a copy under another name).
    pub fn same_export(&self, source_sha256: &str) -> Result<Option<i64>> {
        Ok(self
            .tx
            .query_row(
                "SELECT id FROM imports WHERE source_sha256 = ?1 AND id != ?2 ORDER BY id LIMIT 1",
                params![source_sha256, self.id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Links pointers to files (see `files::resolve_attachments`), for the asset ids this import
    /// brought: a new file may complete an older pointer, a new pointer may find an older file.
    pub fn resolve_attachments(&mut self) -> Result<usize> {
        files::resolve_attachments(&self.tx, &self.file_ids)
    }

    /// Asset ids that the messages of these conversation versions (conversation id, content
    /// sha256: the versions this export held) point at with a `scheme://` pointer (the files an
    /// export ships), and that no file of this import carries, in order.
    pub fn files_not_held(&self, versions: &HashSet<(String, String)>) -> Result<Vec<String>> {
        self.tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS import_versions
                 (conversation_id TEXT NOT NULL, content_sha256 TEXT NOT NULL,
                  PRIMARY KEY (conversation_id, content_sha256));
             DELETE FROM temp.import_versions;",
        )?;
        let mut add = self.tx.prepare_cached(
            "INSERT OR IGNORE INTO temp.import_versions (conversation_id, content_sha256) VALUES (?1, ?2)",
        )?;
        for (id, sha) in versions {
            add.execute([id, sha])?;
        }
        // From the links (few) to the versions' nodes, not the other way round: an export's
        // versions hold every message of it.
        let mut stmt = self.tx.prepare(
            "SELECT DISTINCT ma.file_id FROM message_attachments ma
             WHERE ma.file_id IS NOT NULL AND ma.asset_pointer LIKE '%://%'
               AND ma.file_id NOT IN (SELECT file_id FROM export_files WHERE import_id = ?1 AND file_id IS NOT NULL)
               AND EXISTS (SELECT 1 FROM temp.import_versions t
                           JOIN conversation_versions v
                             ON v.conversation_id = t.conversation_id AND v.content_sha256 = t.content_sha256
                           JOIN version_nodes vn ON vn.version_id = v.id AND vn.node_key = ma.message_id
                           WHERE t.conversation_id = ma.conversation_id)
             ORDER BY ma.file_id",
        )?;
        let ids = stmt
            .query_map([self.id], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        self.tx.execute_batch("DELETE FROM temp.import_versions;")?;
        Ok(ids)
    }

    /// The accounts the export names (their records) and those it is a complete snapshot of
    /// (deletions are judged for each; a partial import is a snapshot of none); then every
    /// account the import refers to gets its `accounts` row. Call once everything has been stored.
    pub fn store_accounts(
        &self,
        export_time: Option<&str>,
        named: &[Account],
        covered: &BTreeSet<String>,
    ) -> Result<()> {
        side::store_accounts(
            &self.tx,
            self.provider.as_str(),
            self.id,
            export_time,
            named,
        )?;
        if !self.partial {
            side::store_import_accounts(&self.tx, self.id, covered)?;
        }
        side::ensure_account_rows(&self.tx, self.provider.as_str(), self.id)
    }

    /// Deletions judged for one account the import covers (see `judge_deletions`).
    /// Returns (deleted, restored).
    pub fn judge_deletions(
        &self,
        account: &str,
        export_time: Option<&str>,
        what: Judge,
    ) -> Result<(usize, usize)> {
        let j = Judged {
            import_id: self.id,
            provider: self.provider.as_str(),
            account,
            export_time,
        };
        judge_deletions(&self.tx, &j, what)
    }

    /// Completes the import's row. Its export time decides ties from here on.
    pub fn record(&self, o: &Outcomes) -> Result<()> {
        self.tx.execute(
            "UPDATE imports SET source_sha256 = ?2, export_time = ?3, finished_at = ?4, conversations_total = ?5,
                 conversations_new = ?6, conversations_changed = ?7, conversations_unchanged = ?8,
                 conversations_deleted = ?9, conversations_restored = ?10, messages_new = ?11, warnings = ?12,
                 unknown_content_types = ?13, conversations_skipped_forgotten = ?14, export_time_source = ?15
             WHERE id = ?1",
            params![
                self.id,
                o.source_sha256,
                o.export_time,
                now_iso(),
                o.conversations_total as i64,
                o.conversations_new as i64,
                o.conversations_changed as i64,
                o.conversations_unchanged as i64,
                o.conversations_deleted as i64,
                o.conversations_restored as i64,
                o.messages_new as i64,
                o.warnings,
                o.unknown_content_types,
                o.conversations_skipped_forgotten as i64,
                o.export_time_source
            ],
        )?;
        Ok(())
    }

    /// Ties on update time were decided as if this export were the newest; once its export time
    /// is recorded, these (conversation, version row) are the ones where another export is
    /// newer: read each back (`original_json`) and `promote` it.
    pub fn misplaced_ties(&mut self) -> Result<Vec<(String, i64)>> {
        self.conversations.misplaced_ties(&self.tx)
    }

    /// A stored version's conversation object, as the export had it.
    pub fn original_json(&self, version_id: i64) -> Result<String> {
        super::rebuild::original_json(&self.tx, version_id)
    }

    /// Makes a stored version current, from its conversation read back.
    pub fn promote(&mut self, c: &Conversation, version_id: i64) -> Result<()> {
        self.conversations.promote(&self.tx, c, version_id)
    }

    /// Writes what is staged and commits: the import is in the archive.
    pub fn commit(mut self) -> Result<()> {
        self.flush()?;
        self.tx.commit()?;
        Ok(())
    }
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
    // What was updated after this export was made (known from a partial export, which judges
    // nothing and is never the newest) cannot have been deleted before it.
    let deleted = tx.execute(
        &format!(
            "UPDATE {table} SET deleted_import_id = ?3
             WHERE provider = ?1 AND account_id = ?2 AND deleted_import_id IS NULL AND last_seen_import_id != ?3
               AND (?4 IS NULL OR updated_at IS NULL OR updated_at <= ?4)"
        ),
        params![j.provider, j.account, j.import_id, j.export_time],
    )?;
    Ok((deleted, restored))
}
