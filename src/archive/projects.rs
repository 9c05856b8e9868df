//! Writes one project inside the ingest transaction, versioned like conversations: a new version
//! only when the content hash is new, documents content-addressed (a changed document is a new
//! revision; the old one stays with the versions that had it), versions numbered in time order.

use rusqlite::{params, Connection, OptionalExtension};

use super::store::{mark_seen, problems_json, renumber_versions, Outcome, VersionsOf};
use crate::error::Result;
use crate::model::Project;

pub struct ProjectWriter<'c> {
    pub conn: &'c Connection,
    pub import_id: i64,
    /// The import's account: a project in a one-account export is that account's (even a
    /// starter project some other account created); otherwise its creator's.
    pub account_id: Option<String>,
}

impl ProjectWriter<'_> {
    pub fn store(&self, p: &Project) -> Result<Outcome> {
        let conn = self.conn;
        let account = self.account_id.clone().or_else(|| p.creator_id.clone());
        let known = conn
            .prepare_cached("SELECT 1 FROM projects WHERE id = ?1")?
            .query_row([&p.id], |_| Ok(()))
            .optional()?
            .is_some();
        let existing = conn
            .prepare_cached(
                "SELECT 1 FROM project_versions WHERE project_id = ?1 AND content_sha256 = ?2",
            )?
            .query_row(params![p.id, p.content_sha256], |_| Ok(()))
            .optional()?
            .is_some();
        if known {
            mark_seen(
                conn,
                VersionsOf::Project,
                &p.id,
                self.import_id,
                account.as_deref(),
            )?;
            if existing {
                return Ok(Outcome::Unchanged);
            }
        } else {
            conn.prepare_cached(
                "INSERT INTO projects (id, provider, account_id, creator_id, first_import_id, last_seen_import_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            )?
            .execute(params![p.id, p.provider.as_str(), account, p.creator_id, self.import_id])?;
        }
        let problems = problems_json(&p.problems);
        conn.prepare_cached(
            "INSERT INTO project_versions (project_id, version, content_sha256, first_import_id, name, description,
                 instructions, created_at, updated_at, doc_count, docs_key, envelope, problems)
             VALUES (?1, 0, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            p.id,
            p.content_sha256,
            self.import_id,
            p.name,
            p.description,
            p.instructions,
            p.created_at,
            p.updated_at,
            p.docs.len() as i64,
            p.docs_key,
            p.envelope,
            problems
        ])?;
        let version_id = conn.last_insert_rowid();
        self.store_docs(p, version_id)?;
        let order = renumber_versions(conn, VersionsOf::Project, &p.id)?;
        if order.last().map(|(id, _)| *id) == Some(version_id) {
            conn.prepare_cached(
                "UPDATE projects SET name = ?2, description = ?3, instructions = ?4, is_private = ?5, created_at = ?6,
                     updated_at = ?7, doc_count = ?8, current_version_id = ?9, creator_id = coalesce(?10, creator_id)
                 WHERE id = ?1",
            )?
            .execute(params![
                p.id,
                p.name,
                p.description,
                p.instructions,
                p.is_private,
                p.created_at,
                p.updated_at,
                p.docs.len() as i64,
                version_id,
                p.creator_id
            ])?;
        }
        conn.prepare_cached(
            "UPDATE projects SET current_version =
                 (SELECT version FROM project_versions WHERE id = projects.current_version_id) WHERE id = ?1",
        )?
        .execute([&p.id])?;
        Ok(if known {
            Outcome::Changed
        } else {
            Outcome::New
        })
    }

    fn store_docs(&self, p: &Project, version_id: i64) -> Result<()> {
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO project_doc_revisions (sha256, doc_json, doc_id, filename, content, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (sha256) DO NOTHING",
        )?;
        let mut find = self
            .conn
            .prepare_cached("SELECT id FROM project_doc_revisions WHERE sha256 = ?1")?;
        let mut link = self.conn.prepare_cached(
            "INSERT INTO project_version_docs (version_id, position, revision_id) VALUES (?1, ?2, ?3)",
        )?;
        for (position, d) in p.docs.iter().enumerate() {
            let id: i64 = if insert.execute(params![
                d.sha256,
                d.json,
                d.id,
                d.filename,
                d.content,
                d.created_at
            ])? == 1
            {
                self.conn.last_insert_rowid()
            } else {
                find.query_row([&d.sha256], |r| r.get(0))?
            };
            link.execute(params![version_id, position as i64, id])?;
        }
        Ok(())
    }
}
