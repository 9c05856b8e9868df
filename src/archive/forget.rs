//! Forgetting: a conversation removed for good, with every row that holds any of its content,
//! and the bytes really gone from the files (secure_delete, a rebuilt search index, freed pages
//! dropped, the write-ahead log emptied). Only its id and the time are remembered, so a later
//! ingest of an older export does not bring it back.

use std::collections::BTreeSet;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use super::{now_iso, Archive};
use crate::error::{Error, Result};

/// Every row that belongs to one conversation (`?1` is its id), children before parents so the
/// foreign keys hold at each step. A migration that adds a table holding conversation data adds
/// its DELETE here, before the rows it references go (e.g. `message_attachments` before
/// `messages`); content shared between conversations is collected afterwards by
/// [`ORPHANS`]. The messages' search entries follow through the `messages_fts` triggers.
const CONVERSATION_ROWS: &[&str] = &[
    "DELETE FROM current_thread_positions WHERE conversation_id = ?1",
    "UPDATE conversations SET current_version_id = NULL WHERE id = ?1",
    "DELETE FROM message_attachments WHERE conversation_id = ?1",
    "DELETE FROM citations WHERE conversation_id = ?1",
    "DELETE FROM canvas_document_versions WHERE document_id IN (SELECT id FROM canvas_documents WHERE conversation_id = ?1)",
    "DELETE FROM canvas_documents WHERE conversation_id = ?1",
    // What side files hold of it.
    "DELETE FROM message_feedback WHERE conversation_id = ?1",
    "DELETE FROM shared_conversations WHERE conversation_id = ?1",
    "DELETE FROM model_comparisons WHERE conversation_id = ?1",
    "DELETE FROM library_files WHERE conversation_id = ?1",
    // Stored side files and chat.html (`--keep-html`) that mention it lose their bytes; the
    // record that the export held such a file stays.
    "INSERT INTO temp.forget_candidates (kind, key)
     SELECT 'side_file', a.sha256 FROM attachments a
     WHERE a.sha256 IN (SELECT sha256 FROM export_files WHERE kind IN ('side', 'html', 'other') AND stored = 1)
       AND (instr(a.data, CAST(?1 AS BLOB)) > 0
            OR EXISTS (SELECT 1 FROM attachment_chunks c WHERE c.sha256 = a.sha256 AND instr(c.data, CAST(?1 AS BLOB)) > 0))",
    "DELETE FROM messages WHERE conversation_id = ?1",
    "DELETE FROM version_nodes WHERE version_id IN (SELECT id FROM conversation_versions WHERE conversation_id = ?1)",
    "DELETE FROM conversation_versions WHERE conversation_id = ?1",
    "DELETE FROM conversations WHERE id = ?1",
];

/// Content-addressed rows that several conversations can share: deleted once nothing refers to
/// them any more. Candidates are gathered in `temp.forget_candidates` before the deletions (a
/// new shared table, such as attachments, adds its own candidate kind and statement here).
const ORPHANS: &[&str] = &[
    "DELETE FROM node_revisions WHERE id IN (SELECT id FROM temp.forget_candidates WHERE kind = 'node_revision')
       AND NOT EXISTS (SELECT 1 FROM version_nodes WHERE version_nodes.revision_id = node_revisions.id)",
    // Earlier message contents: gone once no remaining node revision names them.
    "DELETE FROM message_revisions WHERE sha256 IN (SELECT key FROM temp.forget_candidates WHERE kind = 'message')
       AND sha256 NOT IN (SELECT message_sha256 FROM node_revisions
                          WHERE message_sha256 IN (SELECT key FROM temp.forget_candidates WHERE kind = 'message'))",
    // Files only its messages pointed at: the bytes, and the record of them in each import.
    "DELETE FROM temp.forget_candidates WHERE kind = 'attachment'
       AND key IN (SELECT sha256 FROM message_attachments WHERE sha256 IS NOT NULL)",
    "DELETE FROM attachment_chunks WHERE sha256 IN (SELECT key FROM temp.forget_candidates WHERE kind = 'attachment')",
    "DELETE FROM export_files WHERE sha256 IN (SELECT key FROM temp.forget_candidates WHERE kind = 'attachment')",
    "DELETE FROM attachments WHERE sha256 IN (SELECT key FROM temp.forget_candidates WHERE kind = 'attachment')",
    "UPDATE export_files SET stored = 0 WHERE sha256 IN (SELECT key FROM temp.forget_candidates WHERE kind = 'side_file')",
    "DELETE FROM attachment_chunks WHERE sha256 IN (SELECT key FROM temp.forget_candidates WHERE kind = 'side_file')",
    "DELETE FROM attachments WHERE sha256 IN (SELECT key FROM temp.forget_candidates WHERE kind = 'side_file')",
    // Project documents no remaining project version holds (after `forget --account`).
    "DELETE FROM project_doc_revisions WHERE id NOT IN (SELECT revision_id FROM project_version_docs)",
];

/// What an account keeps besides its conversations (`?1` is the account id): its projects,
/// memories and account records. Used when a whole account is forgotten.
const ACCOUNT_ROWS: &[&str] = &[
    "DELETE FROM memories WHERE account_id = ?1",
    "DELETE FROM memory_records WHERE account_id = ?1",
    "DELETE FROM project_version_docs WHERE version_id IN
       (SELECT v.id FROM project_versions v JOIN projects p ON p.id = v.project_id WHERE p.account_id = ?1)",
    "UPDATE projects SET current_version_id = NULL WHERE account_id = ?1",
    "DELETE FROM project_versions WHERE project_id IN (SELECT id FROM projects WHERE account_id = ?1)",
    "DELETE FROM projects WHERE account_id = ?1",
    "DELETE FROM message_feedback WHERE user_id = ?1",
    "DELETE FROM account_snapshots WHERE account_id = ?1",
    "DELETE FROM accounts WHERE id = ?1",
];

/// Per-import rows of the account's imports (`?1` is the import id): what each export held.
const IMPORT_ROWS: &[&str] = &[
    "INSERT INTO temp.forget_candidates (kind, key)
     SELECT DISTINCT 'attachment', sha256 FROM export_files WHERE import_id = ?1 AND stored = 1",
    "DELETE FROM export_files WHERE import_id = ?1",
    // What its side files said of conversations the archive never held (a partial export's
    // side files name conversations of the shards it lacks).
    "DELETE FROM message_feedback WHERE last_import_id = ?1 AND conversation_id NOT IN (SELECT id FROM conversations)",
    "DELETE FROM shared_conversations WHERE last_import_id = ?1 AND conversation_id NOT IN (SELECT id FROM conversations)",
    "DELETE FROM model_comparisons WHERE last_import_id = ?1 AND conversation_id NOT IN (SELECT id FROM conversations)",
    "DELETE FROM library_files WHERE last_import_id = ?1 AND conversation_id NOT IN (SELECT id FROM conversations)",
    "DELETE FROM account_snapshots WHERE import_id = ?1",
    "DELETE FROM import_accounts WHERE import_id = ?1",
];

#[derive(Debug, Default, Serialize)]
pub struct ForgetReport {
    /// Conversations removed now.
    pub forgotten: Vec<String>,
    /// Asked for, but already forgotten earlier (their cleanup was run again).
    pub already_forgotten: Vec<String>,
    pub versions: usize,
    pub messages: usize,
    pub node_revisions: usize,
    /// Imports of a forgotten account that no longer hold anything.
    pub imports: usize,
    /// Bytes of the archive file afterwards, and of its write-ahead log (0 once emptied).
    pub archive_bytes: u64,
    pub wal_bytes: u64,
}

/// What `forget` will remove, for the confirmation prompt: (id, title, message count).
pub fn describe(archive: &Archive, ids: &[String]) -> Result<Vec<(String, Option<String>, i64)>> {
    let mut stmt = archive
        .conn
        .prepare("SELECT title, message_count FROM conversations WHERE id = ?1")?;
    let mut out = Vec::new();
    for id in ids {
        if let Some((title, n)) = stmt
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
        {
            out.push((id.clone(), title, n));
        }
    }
    Ok(out)
}

/// The conversations of one account, for `forget --account`.
pub fn account_conversations(archive: &Archive, account: &str) -> Result<Vec<String>> {
    let mut stmt = archive
        .conn
        .prepare("SELECT id FROM conversations WHERE account_id = ?1 ORDER BY id")?;
    let ids = stmt
        .query_map([account], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(ids)
}

/// Ids that are neither in the archive nor forgotten before: most likely typos, so nothing is
/// done when there are any.
pub fn unknown_ids(archive: &Archive, ids: &[String]) -> Result<Vec<String>> {
    let mut stmt = archive.conn.prepare(
        "SELECT (SELECT count(*) FROM conversations WHERE id = ?1)
              + (SELECT count(*) FROM forgotten_conversations WHERE conversation_id = ?1)",
    )?;
    let mut unknown = Vec::new();
    for id in ids {
        let n: i64 = stmt.query_row([id], |r| r.get(0))?;
        if n == 0 {
            unknown.push(id.clone());
        }
    }
    Ok(unknown)
}

/// Removes the conversations and everything only they used, remembers their ids, and makes sure
/// the removed bytes are gone from the archive file and its write-ahead log. With `account`,
/// the account's imports that no longer hold anything are removed as well.
pub fn forget(
    archive: &mut Archive,
    ids: &[String],
    account: Option<&str>,
) -> Result<ForgetReport> {
    let unknown = unknown_ids(archive, ids)?;
    if !unknown.is_empty() {
        return Err(Error::Usage(format!(
            "no conversation with id {} in the archive; nothing was forgotten",
            unknown.join(", ")
        )));
    }
    let mut report = ForgetReport::default();
    // Deleted cells and freed pages are overwritten with zeros instead of left in the file.
    archive.conn.execute_batch("PRAGMA secure_delete = ON;")?;
    let tx = archive.begin_write()?;
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS forget_candidates (kind TEXT NOT NULL, id INTEGER, key TEXT);
         DELETE FROM temp.forget_candidates;",
    )?;
    // Partial imports are in no `import_accounts`: they are the account's through its
    // conversations, so find them before those go.
    let partial_imports = match account {
        Some(account) => partial_imports_of(&tx, account)?,
        None => Vec::new(),
    };
    let now = now_iso();
    let unique: BTreeSet<&String> = ids.iter().collect();
    for id in unique {
        let present: bool = tx.query_row(
            "SELECT count(*) FROM conversations WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        if present {
            delete_conversation(&tx, id, &mut report)?;
            report.forgotten.push(id.clone());
        } else {
            report.already_forgotten.push(id.clone());
        }
        tx.execute(
            "INSERT INTO forgotten_conversations (conversation_id, forgotten_at) VALUES (?1, ?2)
             ON CONFLICT (conversation_id) DO NOTHING",
            params![id, now],
        )?;
    }
    let imports = match account {
        Some(account) => forget_account_rows(&tx, account, &partial_imports)?,
        None => Vec::new(),
    };
    for (n, sql) in ORPHANS.iter().enumerate() {
        let removed = tx.execute(sql, [])?;
        if n == 0 {
            report.node_revisions += removed;
        }
    }
    report.imports = delete_imports(&tx, &imports)?;
    // FTS5 keeps a deleted row's tokens in its index segments until they are merged; rebuilding
    // rewrites the index from `messages` alone (and secure_delete zeroes the old segments).
    tx.execute_batch("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');")?;
    tx.commit()?;
    scrub_files(archive)?;
    report.archive_bytes = file_len(&archive.path);
    report.wal_bytes = file_len(&wal_path(&archive.path));
    Ok(report)
}

/// Deletes one conversation's rows ([`CONVERSATION_ROWS`]), noting shared rows to collect.
fn delete_conversation(tx: &Transaction, id: &str, report: &mut ForgetReport) -> Result<()> {
    tx.execute(
        "INSERT INTO temp.forget_candidates (kind, id)
         SELECT DISTINCT 'node_revision', vn.revision_id FROM version_nodes vn
         JOIN conversation_versions v ON v.id = vn.version_id WHERE v.conversation_id = ?1",
        [id],
    )?;
    tx.execute(
        "INSERT INTO temp.forget_candidates (kind, key)
         SELECT DISTINCT 'message', r.message_sha256 FROM version_nodes vn
         JOIN node_revisions r ON r.id = vn.revision_id
         JOIN conversation_versions v ON v.id = vn.version_id
         WHERE v.conversation_id = ?1 AND r.message_sha256 IS NOT NULL",
        [id],
    )?;
    tx.execute(
        "INSERT INTO temp.forget_candidates (kind, key)
         SELECT DISTINCT 'attachment', sha256 FROM message_attachments
         WHERE conversation_id = ?1 AND sha256 IS NOT NULL",
        [id],
    )?;
    report.versions += tx.query_row(
        "SELECT count(*) FROM conversation_versions WHERE conversation_id = ?1",
        [id],
        |r| r.get::<_, i64>(0),
    )? as usize;
    report.messages += tx.query_row(
        "SELECT count(*) FROM messages WHERE conversation_id = ?1",
        [id],
        |r| r.get::<_, i64>(0),
    )? as usize;
    for sql in CONVERSATION_ROWS {
        tx.execute(sql, [id])?;
    }
    Ok(())
}

/// An account's own rows ([`ACCOUNT_ROWS`]) and what its imports recorded ([`IMPORT_ROWS`]);
/// returns those imports. A file only these imports held becomes a candidate for removal.
fn forget_account_rows(tx: &Transaction, account: &str, partial: &[i64]) -> Result<Vec<i64>> {
    for sql in ACCOUNT_ROWS {
        tx.execute(sql, [account])?;
    }
    let mut ids: Vec<i64> = tx
        .prepare(
            "SELECT id FROM imports WHERE account_id = ?1
             UNION SELECT import_id FROM import_accounts WHERE account_id = ?1",
        )?
        .query_map([account], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in partial {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    for id in &ids {
        for sql in IMPORT_ROWS {
            tx.execute(sql, [id])?;
        }
    }
    // A file another import still lists is not this account's alone.
    tx.execute(
        "DELETE FROM temp.forget_candidates WHERE kind = 'attachment'
           AND key IN (SELECT sha256 FROM export_files WHERE sha256 IS NOT NULL)",
        [],
    )?;
    Ok(ids)
}

/// Partial imports that brought or last saw conversations of `account` and of no other account.
fn partial_imports_of(tx: &Transaction, account: &str) -> Result<Vec<i64>> {
    let ids = tx
        .prepare(
            "WITH seen (import_id, account_id) AS (
                 SELECT first_import_id, account_id FROM conversations
                 UNION SELECT last_seen_import_id, account_id FROM conversations
                 UNION SELECT v.first_import_id, c.account_id FROM conversation_versions v
                       JOIN conversations c ON c.id = v.conversation_id)
             SELECT id FROM imports WHERE partial = 1
               AND id IN (SELECT import_id FROM seen WHERE account_id = ?1)
               AND id NOT IN (SELECT import_id FROM seen WHERE account_id IS NOT ?1)
             ORDER BY id",
        )?
        .query_map([account], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// Removes the imports that nothing refers to any more; one still referred to (by another
/// account's conversation, a shared file) stays, which the foreign keys decide.
fn delete_imports(tx: &Transaction, ids: &[i64]) -> Result<usize> {
    let mut removed = 0;
    for id in ids {
        tx.execute_batch("SAVEPOINT forget_import")?;
        match tx.execute("DELETE FROM imports WHERE id = ?1", [id]) {
            Ok(n) => {
                removed += n;
                tx.execute_batch("RELEASE forget_import")?;
            }
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                tx.execute_batch("ROLLBACK TO forget_import; RELEASE forget_import")?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(removed)
}

/// Drops the freed pages from the file and empties the write-ahead log, whose older frames
/// still hold the deleted content. A reader that keeps the archive open blocks the last step:
/// then nothing is lost, but the user must close it and run `forget` again, and is told so.
fn scrub_files(archive: &Archive) -> Result<()> {
    // Stepped to the end: each step of this pragma frees pages (execute_batch steps once).
    let mut vacuum = archive.conn.prepare("PRAGMA incremental_vacuum")?;
    let mut rows = vacuum.query([])?;
    while rows.next()?.is_some() {}
    drop(rows);
    drop(vacuum);
    archive
        .conn
        .busy_timeout(std::time::Duration::from_secs(5))?;
    let busy: i64 = archive
        .conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    if busy != 0 {
        return Err(Error::Archive {
            path: archive.path.clone(),
            message: format!(
                "the conversations are forgotten, but another process has the archive open, so its \
                 write-ahead log ({}) could not be emptied and may still hold their text. Close the \
                 other program (Datasette, sqlite3) and run the same `chatarchive forget` again",
                wal_path(&archive.path).display()
            ),
        });
    }
    Ok(())
}

fn wal_path(db: &std::path::Path) -> std::path::PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-wal");
    p.into()
}

fn file_len(p: &std::path::Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}
