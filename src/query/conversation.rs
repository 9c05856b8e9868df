//! One conversation as stored: a version's original JSON, rebuilt from its envelope and nodes, and
//! the version's messages and tree, for the transcript and the simplified JSON.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::model::{Provider, TextSpan};

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

/// The conversation id a user typed: an exact id, or an unambiguous prefix of one (the eight
/// characters in an exported file's name are enough).
pub fn resolve(conn: &Connection, typed: &str) -> Result<String> {
    let typed = typed.trim();
    let exact: Option<String> = conn
        .query_row("SELECT id FROM conversations WHERE id = ?1", [typed], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(id) = exact {
        return Ok(id);
    }
    let pattern = format!(
        "{}%",
        typed
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let found: Vec<String> = conn
        .prepare("SELECT id FROM conversations WHERE id LIKE ?1 ESCAPE '\\' ORDER BY id LIMIT 6")?
        .query_map([pattern], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    match found.len() {
        1 if typed.len() >= 4 => Ok(found.into_iter().next().unwrap_or_default()),
        0 | 1 => Err(Error::Usage(format!(
            "no conversation with id {typed} in the archive (see `chatarchive list`)"
        ))),
        _ => Err(Error::Usage(format!(
            "{typed} matches several conversations ({}{}); give more of the id",
            found[..found.len().min(5)].join(", "),
            if found.len() > 5 { ", ..." } else { "" }
        ))),
    }
}

/// A conversation as of one version: its fields and every message node of that version.
#[derive(Debug, Clone)]
pub struct VersionView {
    pub meta: Meta,
    /// Message nodes in the export's order.
    pub messages: Vec<VersionMessage>,
    /// Indexes into `messages`: root to the version's current node.
    pub thread: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Meta {
    pub id: String,
    pub provider: String,
    pub title: Option<String>,
    /// A summary the provider wrote of the conversation (Claude), as of this version.
    pub summary: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub model: Option<String>,
    pub is_archived: bool,
    pub deleted: bool,
    /// This version's number, the number of versions, and the current version's number.
    pub version: i64,
    pub versions: i64,
    pub current_version: i64,
    pub version_id: i64,
    pub current_node_key: Option<String>,
}

/// One message node as it was in the version. Text is the version's own; role, model and the
/// hidden/reasoning flags come from the message row (its newest content), which only a rewrite
/// of the message itself between exports could make differ.
#[derive(Debug, Clone)]
pub struct VersionMessage {
    pub id: String,
    /// Nearest ancestor with a message, in this version's tree.
    pub parent_id: Option<String>,
    pub role: Option<String>,
    pub author_name: Option<String>,
    pub content_type: Option<String>,
    pub text: String,
    /// Stretches of `text` that are reasoning, tool calls and results, attachment text or
    /// injected context (`messages.text_spans`), in text order.
    pub spans: Vec<TextSpan>,
    pub created_at: Option<String>,
    pub model: Option<String>,
    pub hidden: bool,
    pub reasoning: bool,
    /// The message object as this version had it (for a code block's language, attachments).
    pub raw: serde_json::Value,
    pub position: i64,
}

/// Loads one version (None = current) of a conversation. The tree (parent links, the current
/// thread) comes from reading the version back through its provider's reader, so every
/// provider's rules (ChatGPT's `current_node`, Claude's latest leaf) hold here as at ingest;
/// text, spans and flags are the archive's.
pub fn load(conn: &Connection, conversation_id: &str, version: Option<i64>) -> Result<VersionView> {
    let vid = version_id(conn, conversation_id, version)?;
    let read = super::version::read_version(conn, vid)?;
    let meta = conn.query_row(
        "SELECT c.id, c.provider, v.title, v.created_at, v.updated_at, c.model, coalesce(c.is_archived, 0),
                c.deleted_import_id IS NOT NULL, v.version,
                (SELECT count(*) FROM conversation_versions x WHERE x.conversation_id = c.id),
                c.current_version, v.id, v.current_node_key, c.current_version_id = v.id, v.summary
         FROM conversation_versions v JOIN conversations c ON c.id = v.conversation_id WHERE v.id = ?1",
        [vid],
        |r| {
            let is_current: bool = r.get(13)?;
            let mut model: Option<String> = r.get(5)?;
            if !is_current {
                // An older version's model is the one its own export named, when it did.
                model = read.model.clone().or(model);
            }
            Ok(Meta {
                id: r.get(0)?,
                provider: r.get(1)?,
                title: r.get(2)?,
                summary: r.get(14)?,
                created_at: r.get(3)?,
                updated_at: r.get(4)?,
                model,
                is_archived: r.get(6)?,
                deleted: r.get(7)?,
                version: r.get(8)?,
                versions: r.get(9)?,
                current_version: r.get::<_, Option<i64>>(10)?.unwrap_or(0),
                version_id: r.get(11)?,
                current_node_key: r.get(12)?,
            })
        },
    )?;
    let node_of: HashMap<&str, usize> = read
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    // Text and spans as this version had them: the row's own when the version holds the row's
    // revision, else the superseded revision's when it kept them (it does when they differ).
    let mut stmt = conn.prepare_cached(
        "SELECT vn.position, vn.node_key, m.role, m.author_name, m.content_type,
                CASE WHEN vn.revision_id = m.revision_id THEN m.text ELSE coalesce(r.text, m.text) END,
                CASE WHEN vn.revision_id = m.revision_id OR r.text IS NULL THEN m.text_spans ELSE r.text_spans END,
                m.created_at, m.model, m.hidden, m.reasoning
         FROM version_nodes vn
         JOIN node_revisions r ON r.id = vn.revision_id
         JOIN messages m ON m.conversation_id = ?2 AND m.id = vn.node_key
         WHERE vn.version_id = ?1 ORDER BY vn.position",
    )?;
    let mut messages = Vec::new();
    let mut index_of = vec![usize::MAX; read.nodes.len()];
    let mut rows = stmt.query(params![vid, meta.id])?;
    while let Some(r) = rows.next()? {
        let node_id: String = r.get(1)?;
        let Some(&n) = node_of.get(node_id.as_str()) else {
            continue;
        };
        let Some(message) = read.nodes[n].message.as_ref() else {
            continue;
        };
        // Lenient: a lone surrogate escape (kept raw, as exported) must not lose the message.
        let mut scratch = Vec::new();
        let raw = crate::json::from_slice_lenient(message.raw.as_bytes(), &mut scratch)
            .unwrap_or_default();
        index_of[n] = messages.len();
        messages.push(VersionMessage {
            id: node_id,
            parent_id: message.parent_id.clone(),
            role: r.get(2)?,
            author_name: r.get(3)?,
            content_type: r.get(4)?,
            text: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
            spans: r
                .get::<_, Option<String>>(6)?
                .map(|s| TextSpan::list_from_json(&s))
                .unwrap_or_default(),
            created_at: r.get(7)?,
            model: r.get(8)?,
            hidden: r.get::<_, Option<bool>>(9)?.unwrap_or(false),
            reasoning: r.get::<_, Option<bool>>(10)?.unwrap_or(false),
            raw,
            position: r.get(0)?,
        });
    }
    let thread = read
        .thread
        .iter()
        .map(|&i| index_of[i])
        .filter(|&i| i != usize::MAX)
        .collect();
    Ok(VersionView {
        meta,
        messages,
        thread,
    })
}

/// Every conversation id in a stable order (oldest first), optionally without the deleted ones,
/// optionally of one provider only.
pub fn all_ids(
    conn: &Connection,
    include_deleted: bool,
    provider: Option<Provider>,
) -> Result<Vec<String>> {
    let ids = conn
        .prepare(
            "SELECT id FROM conversations
             WHERE (?1 OR deleted_import_id IS NULL) AND (?2 IS NULL OR provider = ?2)
             ORDER BY created_at, id",
        )?
        .query_map(
            params![include_deleted, provider.map(Provider::as_str)],
            |r| r.get(0),
        )?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}
