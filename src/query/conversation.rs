//! One conversation as stored: a version's original JSON, rebuilt from its envelope and nodes.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};

/// Resolves a version number (None = current) to the version's row id.
pub fn version_id(conn: &Connection, conversation_id: &str, version: Option<i64>) -> Result<i64> {
    let found: Option<i64> = match version {
        Some(v) => conn
            .query_row(
                "SELECT id FROM conversation_versions WHERE conversation_id = ?1 AND version = ?2",
                params![conversation_id, v],
                |r| r.get(0),
            )
            .optional()?,
        None => conn
            .query_row(
                "SELECT current_version_id FROM conversations WHERE id = ?1",
                [conversation_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten(),
    };
    found.ok_or_else(|| match version {
        Some(v) => Error::Usage(format!("conversation {conversation_id} has no version {v} (see `chatarchive history {conversation_id}`)")),
        None => Error::Usage(format!("no conversation with id {conversation_id} in the archive")),
    })
}

pub use crate::archive::rebuild::original_json;
