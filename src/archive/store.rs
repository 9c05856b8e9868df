//! Writes one conversation inside the ingest transaction: a new version only when the content
//! hash is new, node revisions content-addressed, message rows carrying the content of the newest
//! version that holds them, and the current thread materialized.

use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashSet;

use super::message_row::{MessageRow, MESSAGE_SQL};

use crate::error::{Error, Result};
use crate::model::{canvas, AttachmentRef, Citation, Conversation, Known, TextSpan};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    New,
    Changed,
    Unchanged,
}

pub struct Stored {
    pub outcome: Outcome,
    pub messages_new: usize,
}

/// The conversation side of one import. It holds no connection: every call gets the import's
/// transaction, so the import that owns both can hand it out.
pub struct Writer {
    import_id: i64,
    account_id: Option<String>,
    /// Conversations whose new version became current over another version with the same update
    /// time: decided by export time, which for this import is only known at its end.
    ties: Vec<String>,
    /// New message rows wait in `temp.staged_messages`, and the rows that point at them here,
    /// until `flush`.
    staged: Staged,
    /// Message row ids are given here, so that a thread can name a staged message (the write
    /// lock is held: nobody else inserts).
    next_pk: i64,
}

#[derive(Default)]
struct Staged {
    /// Bytes of the rows in `temp.staged_messages`.
    bytes: usize,
    /// (conversation, position, message row id) of current threads.
    positions: Vec<(String, i64, i64)>,
    links: Vec<Links>,
}

/// Attachments and citations of a staged message.
struct Links {
    conversation_id: String,
    message_id: String,
    attachments: Vec<AttachmentRef>,
    citations: Vec<Citation>,
}

/// Staged message rows reach `messages` once about this many bytes are waiting: large enough
/// that the full-text index is written in a few big segments, small enough to stay in memory.
const STAGE_LIMIT: usize = 2 << 20;

/// A message larger than this (text and JSON) is written directly rather than staged.
const DIRECT_BYTES: usize = 1 << 20;

/// A version's place in its conversation's own time order: compared field by field, in this
/// order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OrderKey {
    /// The conversation's (project's) own update time in that version.
    pub updated_at: Option<String>,
    /// The export time of the import that brought it (`~`, after every date, for the import in
    /// progress: it counts as newest until its end).
    pub export_time: String,
    /// The order in which versions reached the archive (the version row id).
    pub arrival: i64,
}

/// The bookkeeping of a conversation or project the export holds: seen by this import, and its
/// account filled in if it had none. The one statement for all of them.
pub fn mark_seen(
    conn: &Connection,
    of: VersionsOf,
    id: &str,
    import_id: i64,
    account_id: Option<&str>,
) -> Result<usize> {
    let table = match of {
        VersionsOf::Conversation => "conversations",
        VersionsOf::Project => "projects",
    };
    let sql = format!(
        "UPDATE {table} SET last_seen_import_id = ?2, account_id = coalesce(account_id, ?3) WHERE id = ?1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .execute(params![id, import_id, account_id])?)
}

impl Writer {
    /// A writer for the import `import_id`, inside its transaction `conn`.
    pub fn new(conn: &Connection, import_id: i64, account_id: Option<String>) -> Result<Self> {
        conn.execute_batch(&MESSAGE_SQL.create_staging)?;
        let next_pk = conn.query_row("SELECT coalesce(max(pk), 0) + 1 FROM messages", [], |r| {
            r.get(0)
        })?;
        Ok(Writer {
            import_id,
            account_id,
            ties: Vec::new(),
            staged: Staged::default(),
            next_pk,
        })
    }

    /// A conversation the reader recognised as content the archive holds: bookkeeping only.
    pub fn store_known(&mut self, conn: &Connection, k: &Known) -> Result<Stored> {
        let seen = mark_seen(
            conn,
            VersionsOf::Conversation,
            &k.id,
            self.import_id,
            self.account_id.as_deref(),
        )?;
        if seen != 1 {
            // The reader's list came from this transaction's own snapshot: cannot happen.
            return Err(Error::Internal(format!(
                "conversation {} was recognised as held by the archive, which lacks it",
                k.id
            )));
        }
        Ok(Stored {
            outcome: Outcome::Unchanged,
            messages_new: 0,
        })
    }

    pub fn store(&mut self, conn: &Connection, c: &Conversation) -> Result<Stored> {
        let known: Option<Option<String>> = conn
            .prepare_cached("SELECT account_id FROM conversations WHERE id = ?1")?
            .query_row([&c.id], |r| r.get(0))
            .optional()?;
        let account = c.account_id.clone().or_else(|| self.account_id.clone());
        let existing: Option<i64> = conn
            .prepare_cached("SELECT id FROM conversation_versions WHERE conversation_id = ?1 AND content_sha256 = ?2")?
            .query_row(params![c.id, c.content_sha256], |r| r.get(0))
            .optional()?;
        if let (Some(_), Some(_)) = (&known, existing) {
            // Unchanged: bookkeeping only.
            mark_seen(
                conn,
                VersionsOf::Conversation,
                &c.id,
                self.import_id,
                account.as_deref(),
            )?;
            return Ok(Stored {
                outcome: Outcome::Unchanged,
                messages_new: 0,
            });
        }
        let outcome = if known.is_some() {
            Outcome::Changed
        } else {
            Outcome::New
        };
        if known.is_none() {
            conn.prepare_cached(
                "INSERT INTO conversations (id, provider, account_id, first_import_id, last_seen_import_id)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
            )?
            .execute(params![c.id, c.provider.as_str(), account, self.import_id])?;
        } else {
            mark_seen(
                conn,
                VersionsOf::Conversation,
                &c.id,
                self.import_id,
                account.as_deref(),
            )?;
            // Its message rows are looked up below: rows staged earlier (the same conversation
            // twice in one export) must be in `messages` by then.
            self.flush(conn)?;
        }
        let problems = problems_json(&c.problems);
        conn.prepare_cached(
            "INSERT INTO conversation_versions (conversation_id, version, content_sha256, first_import_id, title, created_at,
                 updated_at, current_node_key, message_count, node_count, tree_key, tree_kind, envelope, problems, summary)
             VALUES (?1, 0, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?
        .execute(params![
            c.id,
            c.content_sha256,
            self.import_id,
            c.title,
            c.created_at,
            c.updated_at,
            c.current_node,
            c.message_count() as i64,
            c.nodes.len() as i64,
            c.tree_key,
            c.tree_kind.as_str(),
            c.envelope,
            problems,
            c.summary
        ])?;
        let version_id = conn.last_insert_rowid();

        let revisions = store_nodes(conn, c, version_id)?;
        let order = renumber_versions(conn, VersionsOf::Conversation, &c.id)?;
        let rank = |vid: i64| order.iter().position(|(id, _)| *id == vid);
        let is_newest = order.last().map(|(id, _)| *id) == Some(version_id);
        if is_newest && order.len() > 1 && order[order.len() - 2].1.updated_at == c.updated_at {
            self.ties.push(c.id.clone());
        }
        let fresh = outcome == Outcome::New;
        let (messages_new, pks) =
            self.store_messages(conn, c, version_id, &revisions, &rank, fresh)?;
        if is_newest {
            self.make_current(conn, c, version_id, &pks)?;
        }
        let current_number: i64 = order
            .iter()
            .position(|(id, _)| Some(*id) == current_version_id(conn, &c.id))
            .map(|p| p as i64 + 1)
            .unwrap_or(1);
        conn.prepare_cached("UPDATE conversations SET current_version = ?2 WHERE id = ?1")?
            .execute(params![c.id, current_number])?;
        Ok(Stored {
            outcome,
            messages_new,
        })
    }

    /// After the import's export time is known: a tied conversation whose newest version is not
    /// the current one gets that version made current. Returns the conversations to promote.
    pub fn misplaced_ties(&mut self, conn: &Connection) -> Result<Vec<(String, i64)>> {
        let mut out = Vec::new();
        for id in &self.ties {
            let order = renumber_versions(conn, VersionsOf::Conversation, id)?;
            let newest = order.last().map(|(v, _)| *v);
            let current: Option<i64> = conn.query_row(
                "SELECT current_version_id FROM conversations WHERE id = ?1",
                [id],
                |r| r.get(0),
            )?;
            if let (Some(newest), true) = (newest, newest != current) {
                out.push((id.clone(), newest));
            }
        }
        Ok(out)
    }

    /// Makes an already stored version current, from the conversation rebuilt out of the archive.
    pub fn promote(&mut self, conn: &Connection, c: &Conversation, version_id: i64) -> Result<()> {
        let revisions: Vec<i64> = conn
            .prepare_cached(
                "SELECT revision_id FROM version_nodes WHERE version_id = ?1 ORDER BY position",
            )?
            .query_map([version_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let order = renumber_versions(conn, VersionsOf::Conversation, &c.id)?;
        let rank = |vid: i64| order.iter().position(|(id, _)| *id == vid);
        let (_, pks) = self.store_messages(conn, c, version_id, &revisions, &rank, false)?;
        self.make_current(conn, c, version_id, &pks)?;
        let number = rank(version_id).map(|p| p as i64 + 1).unwrap_or(1);
        conn.prepare_cached("UPDATE conversations SET current_version = ?2 WHERE id = ?1")?
            .execute(params![c.id, number])?;
        Ok(())
    }

    /// Message rows: inserted when new (staged, see `flush`); moved to this version's content
    /// when this version is newer than the one they show. A content that stops being (or never
    /// was) some row's current `raw` is kept in `message_revisions`, so every version can be
    /// rebuilt. Returns the new rows' count and each node's message row id. `fresh`: the
    /// conversation is new to the archive, so none of its messages can be there yet.
    fn store_messages(
        &mut self,
        conn: &Connection,
        c: &Conversation,
        version_id: i64,
        revisions: &[i64],
        rank: &dyn Fn(i64) -> Option<usize>,
        fresh: bool,
    ) -> Result<(usize, Vec<Option<i64>>)> {
        let sql = &*MESSAGE_SQL;
        let mut find = conn.prepare_cached(
            "SELECT pk, revision_id, version_id, raw_sha256 FROM messages WHERE conversation_id = ?1 AND id = ?2",
        )?;
        let mut stage = conn.prepare_cached(&sql.stage)?;
        let mut direct = conn.prepare_cached(&sql.insert)?;
        let mut update = conn.prepare_cached(&sql.update)?;
        let mut repoint = conn.prepare_cached(
            "UPDATE messages SET revision_id = ?2, version_id = ?3 WHERE pk = ?1",
        )?;
        // The row's current content moves to message_revisions before it is replaced.
        let mut keep_old = conn.prepare_cached(
            "INSERT INTO message_revisions (sha256, raw) SELECT raw_sha256, raw FROM messages WHERE pk = ?1
             ON CONFLICT (sha256) DO NOTHING",
        )?;
        let mut keep_this = conn.prepare_cached(
            "INSERT INTO message_revisions (sha256, raw) VALUES (?1, ?2) ON CONFLICT (sha256) DO NOTHING",
        )?;
        // A superseded revision keeps its own text when it differs from the row's.
        let mut keep_text = conn.prepare_cached(
            "UPDATE node_revisions SET text = ?2, text_spans = ?4 WHERE id = ?1 AND text IS NULL
               AND (?2 IS NOT (SELECT text FROM messages WHERE pk = ?3)
                    OR ?4 IS NOT (SELECT text_spans FROM messages WHERE pk = ?3))",
        )?;
        let mut new = 0;
        let mut pks = vec![None; c.nodes.len()];
        let mut staged_here: HashSet<&str> = HashSet::new();
        let mut lookup = !fresh;
        let this_rank = rank(version_id);
        for (i, (node, &revision_id)) in c.nodes.iter().zip(revisions).enumerate() {
            let (Some(m), Some(sha)) = (&node.message, &node.message_sha256) else {
                continue;
            };
            let spans = spans_json(&m.spans);
            if staged_here.contains(node.id.as_str()) {
                // The same node key twice in one mapping: the second copy must see the first.
                self.flush(conn)?;
                staged_here.clear();
                lookup = true;
            }
            let found: Option<(i64, i64, i64, String)> = if !lookup {
                None
            } else {
                find.query_row(params![c.id, node.id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()?
            };
            let mut row = MessageRow {
                pk: 0,
                conversation_id: &c.id,
                node_key: &node.id,
                m,
                raw_sha256: sha,
                revision_id,
                version_id,
                first_import_id: self.import_id,
                text_spans: &spans,
            };
            let Some((pk, old_revision, old_version, old_sha)) = found else {
                row.pk = self.next_pk;
                self.next_pk += 1;
                // A very large message goes straight in: staged, it would be held twice more
                // (the staged row, then its copy read back), and alone it is one segment anyway.
                let size = m.text.len() + m.raw.len();
                if size > DIRECT_BYTES {
                    direct.execute(&row.values()[..])?;
                } else {
                    stage.execute(&row.values()[..])?;
                    self.staged.bytes += size + 256;
                }
                if !m.attachments.is_empty() || !m.citations.is_empty() {
                    self.staged.links.push(Links {
                        conversation_id: c.id.clone(),
                        message_id: node.id.clone(),
                        attachments: m.attachments.clone(),
                        citations: m.citations.clone(),
                    });
                }
                staged_here.insert(&node.id);
                pks[i] = Some(row.pk);
                new += 1;
                continue;
            };
            pks[i] = Some(pk);
            row.pk = pk;
            if old_revision == revision_id {
                continue;
            }
            let newer = this_rank > rank(old_version);
            if *sha == old_sha {
                // Same message, other node details (e.g. `children` grew).
                if newer {
                    repoint.execute(params![pk, revision_id, version_id])?;
                }
                continue;
            }
            if newer {
                keep_old.execute([pk])?;
                let (old_text, old_spans): (String, Option<String>) = conn.query_row(
                    "SELECT text, text_spans FROM messages WHERE pk = ?1",
                    [pk],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                if old_text != m.text || old_spans != spans {
                    conn.prepare_cached(
                        "UPDATE node_revisions SET text = ?2, text_spans = ?3 WHERE id = ?1 AND text IS NULL",
                    )?
                    .execute(params![old_revision, old_text, old_spans])?;
                }
                update.execute(&row.values()[..])?;
                super::files::store_message_links(conn, self.import_id, &c.id, &node.id, m)?;
            } else {
                keep_this.execute(params![sha, m.raw])?;
                keep_text.execute(params![revision_id, m.text, pk, spans])?;
            }
        }
        if self.staged.bytes >= STAGE_LIMIT {
            self.flush(conn)?;
        }
        Ok((new, pks))
    }

    /// Moves the staged message rows into `messages` with one statement. Every statement that
    /// writes `messages` fires the full-text trigger inside a statement journal, and FTS5 writes
    /// its pending terms to disk at each statement savepoint: row-at-a-time inserts built one
    /// tiny index segment per message, and flushing and merging them took half of a first
    /// ingest. Then the rows that point at the messages. Must run before anything reads
    /// `messages` or the threads, and before the commit.
    pub fn flush(&mut self, conn: &Connection) -> Result<()> {
        let staged = std::mem::take(&mut self.staged);
        if staged.bytes > 0 {
            conn.prepare_cached(&MESSAGE_SQL.unstage)?.execute([])?;
            conn.prepare_cached("DELETE FROM temp.staged_messages")?
                .execute([])?;
        }
        let mut position = conn.prepare_cached(
            "INSERT INTO current_thread_positions (conversation_id, position, message_pk) VALUES (?1, ?2, ?3)",
        )?;
        for (conversation_id, n, pk) in &staged.positions {
            position.execute(params![conversation_id, n, pk])?;
        }
        for l in &staged.links {
            super::files::store_links(
                conn,
                self.import_id,
                &l.conversation_id,
                &l.message_id,
                &l.attachments,
                &l.citations,
            )?;
        }
        Ok(())
    }

    /// The newest version becomes the conversation's current state and thread.
    fn make_current(
        &mut self,
        conn: &Connection,
        c: &Conversation,
        version_id: i64,
        pks: &[Option<i64>],
    ) -> Result<()> {
        conn.prepare_cached(
            "UPDATE conversations SET title = ?2, created_at = ?3, updated_at = ?4, model = ?5, is_archived = ?6,
                 current_version_id = ?7, message_count = ?8, summary = ?9 WHERE id = ?1",
        )?
        .execute(params![c.id, c.title, c.created_at, c.updated_at, c.model, c.is_archived, version_id, c.message_count() as i64, c.summary])?;
        conn.prepare_cached("DELETE FROM current_thread_positions WHERE conversation_id = ?1")?
            .execute([&c.id])?;
        store_canvas(conn, c)?;
        // Written with the staged messages they may point at (see `flush`).
        for (position, &i) in c.thread.iter().enumerate() {
            if let Some(pk) = pks[i] {
                self.staged
                    .positions
                    .push((c.id.clone(), position as i64, pk));
            }
        }
        Ok(())
    }
}

/// Node revisions (content-addressed) and the version's node list; returns revision ids.
fn store_nodes(conn: &Connection, c: &Conversation, version_id: i64) -> Result<Vec<i64>> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO node_revisions (sha256, node_json, message_sha256) VALUES (?1, ?2, ?3)
         ON CONFLICT (sha256) DO NOTHING",
    )?;
    let mut find = conn.prepare_cached("SELECT id FROM node_revisions WHERE sha256 = ?1")?;
    let mut link = conn.prepare_cached(
        "INSERT INTO version_nodes (version_id, position, node_key, revision_id) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut ids = Vec::with_capacity(c.nodes.len());
    for (position, node) in c.nodes.iter().enumerate() {
        let id = if insert.execute(params![node.sha256, node.node_json, node.message_sha256])? == 1
        {
            conn.last_insert_rowid()
        } else {
            find.query_row([&node.sha256], |r| r.get(0))?
        };
        link.execute(params![version_id, position as i64, node.id, id])?;
        ids.push(id);
    }
    Ok(ids)
}

/// `problems` columns: a JSON array of strings, NULL when there are none.
pub fn problems_json(problems: &[String]) -> Option<String> {
    (!problems.is_empty()).then(|| serde_json::Value::from(problems).to_string())
}

/// Canvas documents replayed along the current thread, replacing the previous state.
fn store_canvas(conn: &Connection, c: &Conversation) -> Result<()> {
    conn.prepare_cached(
        "DELETE FROM canvas_document_versions WHERE document_id IN
             (SELECT id FROM canvas_documents WHERE conversation_id = ?1)",
    )?
    .execute([&c.id])?;
    conn.prepare_cached("DELETE FROM canvas_documents WHERE conversation_id = ?1")?
        .execute([&c.id])?;
    // A canvas call's `text` is the document as read (`canvas::call_text`); the replay needs the
    // arguments as written, from the raw message.
    let args: Vec<Option<String>> = c
        .thread
        .iter()
        .map(|&i| {
            let m = c.nodes[i].message.as_ref()?;
            // Only what can be a canvas call (a `canmore.*` recipient, or none in 2026 exports):
            // a python call's raw message is not parsed again.
            let maybe_canvas = m.content_type.as_deref() == Some("code")
                && m.recipient.as_deref().is_none_or(canvas::is_canvas_tool);
            maybe_canvas.then(|| canvas::call_args(&m.raw)).flatten()
        })
        .collect();
    // The tool's reply right after a call names the document it went to.
    let replies: Vec<Option<String>> = (0..c.thread.len())
        .map(|p| {
            let next = c.nodes.get(*c.thread.get(p + 1)?)?.message.as_ref()?;
            let from_canvas = next.role.as_deref() == Some("tool")
                && next
                    .author_name
                    .as_deref()
                    .is_some_and(canvas::is_canvas_tool);
            from_canvas
                .then(|| canvas::reply_textdoc_id(&next.raw))
                .flatten()
        })
        .collect();
    let calls = c
        .thread
        .iter()
        .zip(args.iter().zip(&replies))
        .filter_map(|(&i, (args, reply))| {
            let node = &c.nodes[i];
            let m = node.message.as_ref()?;
            Some(canvas::CanvasCall {
                message_id: &node.id,
                created_at: m.created_at.as_deref(),
                recipient: m.recipient.as_deref(),
                content_type: m.content_type.as_deref(),
                text: args.as_deref().unwrap_or(&m.text),
                textdoc_id: reply.as_deref(),
            })
        });
    for doc in canvas::replay(calls) {
        let last = doc
            .versions
            .last()
            .map(|v| v.content.as_str())
            .unwrap_or("");
        conn.prepare_cached(
            "INSERT INTO canvas_documents (conversation_id, name, type, version_count, content)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            c.id,
            doc.name,
            doc.kind,
            doc.versions.len() as i64,
            last
        ])?;
        let doc_id = conn.last_insert_rowid();
        let mut insert = conn.prepare_cached(
            "INSERT INTO canvas_document_versions (document_id, version, message_id, created_at, operation, content)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (n, v) in doc.versions.iter().enumerate() {
            insert.execute(params![
                doc_id,
                n as i64 + 1,
                v.message_id,
                v.created_at,
                v.operation,
                v.content
            ])?;
        }
    }
    Ok(())
}

/// What has versions: conversations and projects share one numbering rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionsOf {
    Conversation,
    Project,
}

/// Renumbers the versions of one conversation or project 1..n in their own time order (update
/// time, then the export time of the import that brought them, then arrival); returns (version
/// id, key) sorted. One rule for everything versioned.
pub fn renumber_versions(
    conn: &Connection,
    of: VersionsOf,
    owner_id: &str,
) -> Result<Vec<(i64, OrderKey)>> {
    let (table, owner) = match of {
        VersionsOf::Conversation => ("conversation_versions", "conversation_id"),
        VersionsOf::Project => ("project_versions", "project_id"),
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT v.id, v.updated_at, coalesce(i.export_time, '~'), v.version
         FROM {table} v JOIN imports i ON i.id = v.first_import_id WHERE v.{owner} = ?1"
    ))?;
    let mut rows: Vec<(i64, OrderKey, i64)> = stmt
        .query_map([owner_id], |r| {
            let key = OrderKey {
                updated_at: r.get(1)?,
                export_time: r.get(2)?,
                arrival: r.get(0)?,
            };
            Ok((r.get(0)?, key, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.sort_by(|a, b| a.1.cmp(&b.1));
    let mut update =
        conn.prepare_cached(&format!("UPDATE {table} SET version = ?2 WHERE id = ?1"))?;
    for (n, (id, _, old)) in rows.iter().enumerate() {
        if *old != n as i64 + 1 {
            update.execute(params![id, n as i64 + 1])?;
        }
    }
    Ok(rows.into_iter().map(|(id, key, _)| (id, key)).collect())
}

/// `messages.text_spans`: a JSON array of {start, end, kind}, NULL when there are none.
pub fn spans_json(spans: &[TextSpan]) -> Option<String> {
    if spans.is_empty() {
        return None;
    }
    let items: Vec<serde_json::Value> = spans
        .iter()
        .map(|s| serde_json::json!({"start": s.start, "end": s.end, "kind": s.kind.as_str()}))
        .collect();
    serde_json::to_string(&items).ok()
}

fn current_version_id(conn: &Connection, id: &str) -> Option<i64> {
    conn.query_row(
        "SELECT current_version_id FROM conversations WHERE id = ?1",
        [id],
        |r| r.get(0),
    )
    .ok()
    .flatten()
}
