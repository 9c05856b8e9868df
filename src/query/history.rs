//! Every version of one conversation, with the import that first brought it.

use rusqlite::Connection;
use serde::Serialize;

use crate::error::Result;

#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub version: i64,
    pub current: bool,
    pub first_import_id: i64,
    pub imported_at: String,
    pub import_source: String,
    pub title: Option<String>,
    pub updated_at: Option<String>,
    pub messages: i64,
    pub content_sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub conversation_id: String,
    pub provider: String,
    pub title: Option<String>,
    pub versions: Vec<Version>,
    /// The import whose export no longer held the conversation, when it was deleted upstream.
    pub deleted_in_import: Option<i64>,
    pub deleted_seen_at: Option<String>,
}

pub fn history(conn: &Connection, conversation_id: &str) -> Result<History> {
    let (title, deleted_in_import, deleted_seen_at, provider) = conn.query_row(
        "SELECT c.title, c.deleted_import_id, i.started_at, c.provider FROM conversations c
         LEFT JOIN imports i ON i.id = c.deleted_import_id WHERE c.id = ?1",
        [conversation_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let versions = conn
        .prepare(
            "SELECT v.version, c.current_version_id = v.id, v.first_import_id, i.started_at, i.source, v.title,
                    v.updated_at, v.message_count, v.content_sha256
             FROM conversation_versions v
             JOIN conversations c ON c.id = v.conversation_id
             JOIN imports i ON i.id = v.first_import_id
             WHERE v.conversation_id = ?1 ORDER BY v.version",
        )?
        .query_map([conversation_id], |r| {
            Ok(Version {
                version: r.get(0)?,
                current: r.get(1)?,
                first_import_id: r.get(2)?,
                imported_at: r.get(3)?,
                import_source: r.get(4)?,
                title: r.get(5)?,
                updated_at: r.get(6)?,
                messages: r.get(7)?,
                content_sha256: r.get(8)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(History {
        conversation_id: conversation_id.to_string(),
        provider,
        title,
        versions,
        deleted_in_import,
        deleted_seen_at,
    })
}
