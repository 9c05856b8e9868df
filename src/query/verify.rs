//! `verify`: is the archive what it claims to be? SQLite's own checks (pages, indexes, foreign
//! keys), then every stored content hash recomputed from the stored bytes, then the search index
//! against `messages`. Changes nothing, but holds the write lock while it runs (FTS5's check of
//! an external-content index is an INSERT command, and one snapshot for every check is what we
//! want anyway): an ingest waits for it, readers do not. Each problem names the table and row.

use rusqlite::Connection;
use serde::Serialize;

use super::conversation::original_json;
use crate::archive::rebuild::{node_json, NODES_OF_VERSION};
use crate::archive::Archive;
use crate::error::Result;
use crate::json::canon::canonical_string;
use crate::json::sha256_hex;

/// At most this many problems are listed per check (the count is always exact).
const MAX_LISTED: usize = 200;

#[derive(Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    /// What was looked at: rows, pages, or 1 for a whole-table check.
    pub checked: u64,
    pub problem_count: u64,
    pub problems: Vec<String>,
}

impl Check {
    fn new(name: &'static str) -> Check {
        Check {
            name,
            checked: 0,
            problem_count: 0,
            problems: Vec::new(),
        }
    }

    fn problem(&mut self, p: String) {
        self.problem_count += 1;
        if self.problems.len() < MAX_LISTED {
            self.problems.push(p);
        }
    }
}

#[derive(Debug, Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub checks: Vec<Check>,
    /// Links from messages to files no export held: not a fault of the archive (the export
    /// lacked them), counted so that it is never silent.
    pub attachments_missing: i64,
}

type CheckFn = fn(&Connection, &mut Check) -> Result<()>;

/// The checks in order. A table added later whose rows carry a hash of their own bytes (e.g.
/// attachments) gets a check here in the style of [`node_revisions`].
pub fn verify(archive: &mut Archive) -> Result<VerifyReport> {
    let tx = archive.begin_write()?;
    let conn: &Connection = &tx;
    let checks: Vec<(&'static str, CheckFn)> = vec![
        ("integrity_check", integrity),
        ("foreign_key_check", foreign_keys),
        ("node_revisions", node_revisions),
        ("conversation_versions", conversation_versions),
        ("messages", messages),
        ("message_revisions", message_revisions),
        ("attachments", attachments),
        ("messages_fts", search_index),
    ];
    let mut out = Vec::new();
    for (name, run) in checks {
        let mut check = Check::new(name);
        // A check that cannot even run (a table unreadable) is itself a problem to report.
        if let Err(e) = run(conn, &mut check) {
            check.problem(format!("the check could not run: {e}"));
        }
        out.push(check);
    }
    let attachments_missing = crate::query::attachments::missing_count(conn, None)?;
    drop(tx); // rolls back: nothing was written
    Ok(VerifyReport {
        ok: out.iter().all(|c| c.problem_count == 0),
        checks: out,
        attachments_missing,
    })
}

fn integrity(conn: &Connection, check: &mut Check) -> Result<()> {
    check.checked = conn.query_row("PRAGMA page_count", [], |r| r.get::<_, i64>(0))? as u64;
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    for row in rows {
        let row = row?;
        if row != "ok" {
            check.problem(row);
        }
    }
    Ok(())
}

fn foreign_keys(conn: &Connection, check: &mut Check) -> Result<()> {
    check.checked = 1;
    let mut stmt = conn.prepare("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<i64>>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (table, rowid, parent) = row?;
        let at = rowid.map(|r| format!(" rowid {r}")).unwrap_or_default();
        check.problem(format!(
            "{table}{at} refers to a row of {parent} that does not exist"
        ));
    }
    Ok(())
}

/// Each node revision is content-addressed: rebuilt with its message, it hashes to its sha256,
/// and its message hashes to message_sha256. Checked through the versions that use it.
fn node_revisions(conn: &Connection, check: &mut Check) -> Result<()> {
    let versions: Vec<i64> = conn
        .prepare("SELECT id FROM conversation_versions ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut seen = std::collections::HashSet::new();
    let mut stmt = conn.prepare_cached(NODES_OF_VERSION)?;
    for version in versions {
        let mut rows = stmt.query([version])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(4)?;
            if !seen.insert(id) {
                continue;
            }
            check.checked += 1;
            let stored: String = row.get(5)?;
            let node_only: String = row.get(1)?;
            if !node_only.is_empty()
                && canonical_string(node_only.as_bytes()).ok().as_deref()
                    != Some(node_only.as_str())
            {
                check.problem(format!(
                    "node_revisions id {id}: node is not in canonical form"
                ));
                continue;
            }
            let message_sha: Option<String> = row.get(2)?;
            let message: Option<String> = row.get(3)?;
            if let (Some(sha), Some(m)) = (&message_sha, &message) {
                if sha256_hex(m.as_bytes()) != *sha {
                    check.problem(format!("node_revisions id {id}: its message content does not hash to message_sha256 {sha}"));
                    continue;
                }
            }
            match node_json(row) {
                Ok(json) if sha256_hex(json.as_bytes()) == stored => {}
                Ok(json) => check.problem(format!(
                    "node_revisions id {id}: stored sha256 {stored} but the node hashes to {}",
                    sha256_hex(json.as_bytes())
                )),
                Err(e) => check.problem(format!(
                    "node_revisions id {id}: cannot rebuild the node: {e}"
                )),
            }
        }
    }
    Ok(())
}

/// Each version's content_sha256 is the hash of the whole conversation as exported: rebuilt
/// from its envelope and node revisions, canonicalized, hashed.
fn conversation_versions(conn: &Connection, check: &mut Check) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT id, conversation_id, version, content_sha256 FROM conversation_versions ORDER BY id",
    )?;
    let rows: Vec<(i64, String, i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    for (id, conversation, version, stored) in rows {
        check.checked += 1;
        let at = format!(
            "conversation_versions id {id} (conversation {conversation}, version {version})"
        );
        let rebuilt = match original_json(conn, id) {
            Ok(j) => j,
            Err(e) => {
                check.problem(format!("{at}: cannot rebuild its content: {e}"));
                continue;
            }
        };
        match canonical_string(rebuilt.as_bytes()) {
            Ok(c) => {
                let actual = sha256_hex(c.as_bytes());
                if actual != stored {
                    check.problem(format!(
                        "{at}: stored content_sha256 {stored} but the stored content hashes to {actual}"
                    ));
                }
            }
            Err(e) => check.problem(format!("{at}: the rebuilt content is not valid JSON: {e}")),
        }
    }
    Ok(())
}

/// A message row's raw JSON hashes to raw_sha256, which is the message of the node revision it
/// says it came from; kept earlier contents hash to their key.
fn messages(conn: &Connection, check: &mut Check) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT m.pk, m.conversation_id, m.id, m.revision_id, m.raw, m.raw_sha256, r.message_sha256, r.id IS NOT NULL
         FROM messages m LEFT JOIN node_revisions r ON r.id = m.revision_id ORDER BY m.pk",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        check.checked += 1;
        let pk: i64 = row.get(0)?;
        let conversation: String = row.get(1)?;
        let node: String = row.get(2)?;
        let revision: i64 = row.get(3)?;
        let raw: String = row.get(4)?;
        let raw_sha: String = row.get(5)?;
        let at = format!("messages pk {pk} (conversation {conversation}, node {node})");
        if !row.get::<_, bool>(7)? {
            check.problem(format!("{at}: its node revision {revision} does not exist"));
        } else if sha256_hex(raw.as_bytes()) != raw_sha {
            check.problem(format!(
                "{at}: raw differs from what it was stored as (raw_sha256 {raw_sha})"
            ));
        } else if row.get::<_, Option<String>>(6)?.as_deref() != Some(raw_sha.as_str()) {
            check.problem(format!(
                "{at}: raw differs from the message in node_revisions id {revision}"
            ));
        }
    }
    Ok(())
}

/// Kept earlier message contents hash to their key.
fn message_revisions(conn: &Connection, check: &mut Check) -> Result<()> {
    let mut stmt = conn.prepare("SELECT sha256, raw FROM message_revisions ORDER BY sha256")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        check.checked += 1;
        let sha: String = row.get(0)?;
        let raw: String = row.get(1)?;
        if sha256_hex(raw.as_bytes()) != sha {
            check.problem(format!(
                "message_revisions {sha}: its raw does not hash to its key"
            ));
        }
    }
    Ok(())
}

/// Every stored file hashes to its key and has its size, reassembled from chunks when large.
fn attachments(conn: &Connection, check: &mut Check) -> Result<()> {
    let mut stmt =
        conn.prepare("SELECT sha256, size, data IS NOT NULL FROM attachments ORDER BY sha256")?;
    let files: Vec<(String, i64, bool)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (sha, size, _) in files {
        check.checked += 1;
        let mut hasher = HashingWriter::default();
        let written = crate::query::attachments::write_bytes(conn, &sha, &mut hasher)?;
        let actual = crate::json::hex(&sha2::Digest::finalize(hasher.0));
        if actual != sha {
            check.problem(format!("attachments {sha}: its bytes hash to {actual}"));
        } else if written as i64 != size {
            check.problem(format!(
                "attachments {sha}: {written} bytes stored, size says {size}"
            ));
        }
    }
    Ok(())
}

#[derive(Default)]
struct HashingWriter(sha2::Sha256);

impl std::io::Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(&mut self.0, buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// FTS5's own check for an external-content table: the index must hold exactly the tokens of
/// `messages.text` (rank 1 compares with the content table, not only the index's own structure).
fn search_index(conn: &Connection, check: &mut Check) -> Result<()> {
    check.checked =
        conn.query_row("SELECT count(*) FROM messages", [], |r| r.get::<_, i64>(0))? as u64;
    if let Err(e) = conn.execute(
        "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)",
        [],
    ) {
        check.problem(format!(
            "messages_fts does not agree with messages ({e}); rebuild it with: \
             INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')"
        ));
    }
    Ok(())
}
