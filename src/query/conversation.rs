//! One conversation as stored: a version's original JSON, rebuilt from its envelope and nodes.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::model::TreeKind;

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

/// The conversation object exactly as the export had it in that version (canonical JSON: same
/// keys and values as the original; key order and whitespace are not kept).
pub fn original_json(conn: &Connection, version_id: i64) -> Result<String> {
    let (envelope, tree_key, tree_kind): (String, Option<String>, String) = conn.query_row(
        "SELECT envelope, tree_key, tree_kind FROM conversation_versions WHERE id = ?1",
        [version_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let Some(tree_key) = tree_key else {
        return Ok(envelope);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT vn.node_id, r.json FROM version_nodes vn JOIN node_revisions r ON r.id = vn.revision_id
         WHERE vn.version_id = ?1 ORDER BY vn.position",
    )?;
    let kind = TreeKind::parse(&tree_kind).unwrap_or(TreeKind::Object);
    let items = stmt
        .query_map([version_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<(String, String)>, _>>()?;
    Ok(rebuild(&envelope, &tree_key, kind, &items))
}

/// Puts a stored tree back into its envelope: `items` are (key, canonical JSON) in their stored
/// order, written as an object keyed by `key` (ChatGPT `mapping`) or as an array (Claude
/// `chat_messages`, project `docs`). The member is appended last; canonicalize the result to
/// compare it with the export.
pub fn rebuild(
    envelope: &str,
    tree_key: &str,
    kind: TreeKind,
    items: &[(String, String)],
) -> String {
    let mut tree = String::new();
    tree.push(if kind == TreeKind::Object { '{' } else { '[' });
    for (i, (key, json)) in items.iter().enumerate() {
        if i > 0 {
            tree.push(',');
        }
        if kind == TreeKind::Object {
            tree.push_str(&serde_json::to_string(key).unwrap_or_default());
            tree.push(':');
        }
        tree.push_str(json);
    }
    tree.push(if kind == TreeKind::Object { '}' } else { ']' });
    // Put the tree back into the envelope (an object; append the member before the final brace).
    let body = envelope.trim_end().strip_suffix('}').unwrap_or(envelope);
    let sep = if body.trim_end().ends_with('{') {
        ""
    } else {
        ","
    };
    let key = serde_json::to_string(tree_key).unwrap_or_default();
    format!("{body}{sep}{key}:{tree}}}")
}
