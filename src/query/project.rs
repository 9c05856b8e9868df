//! One project as stored: a version's original JSON, rebuilt from its envelope and documents.

use rusqlite::{params, Connection, OptionalExtension};

use crate::archive::rebuild::rebuild;
use crate::error::{Error, Result};
use crate::model::TreeKind;

/// Resolves a project version number (None = current) to the version's row id.
pub fn version_id(conn: &Connection, project_id: &str, version: Option<i64>) -> Result<i64> {
    let found: Option<i64> = match version {
        Some(v) => conn
            .query_row(
                "SELECT id FROM project_versions WHERE project_id = ?1 AND version = ?2",
                params![project_id, v],
                |r| r.get(0),
            )
            .optional()?,
        None => conn
            .query_row(
                "SELECT current_version_id FROM projects WHERE id = ?1",
                [project_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten(),
    };
    found.ok_or_else(|| match version {
        Some(v) => Error::Usage(format!("project {project_id} has no version {v}")),
        None => Error::Usage(format!("no project with id {project_id} in the archive")),
    })
}

/// The project object exactly as the export had it in that version (canonical JSON).
pub fn original_json(conn: &Connection, version_id: i64) -> Result<String> {
    let (envelope, docs_key): (String, Option<String>) = conn.query_row(
        "SELECT envelope, docs_key FROM project_versions WHERE id = ?1",
        [version_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let Some(docs_key) = docs_key else {
        return Ok(envelope);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT r.doc_json FROM project_version_docs vd JOIN project_doc_revisions r ON r.id = vd.revision_id
         WHERE vd.version_id = ?1 ORDER BY vd.position",
    )?;
    let docs = stmt
        .query_map([version_id], |r| Ok((String::new(), r.get(0)?)))?
        .collect::<Result<Vec<(String, String)>, _>>()?;
    Ok(rebuild(&envelope, &docs_key, TreeKind::Array, &docs))
}
