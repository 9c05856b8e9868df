//! Rebuilding what the archive stores back into the export's JSON: a version's conversation
//! object from its envelope and nodes, each node from its stored node_json (the node without
//! its message) and its message. (Reading that JSON back into a `Conversation` needs a provider's
//! reader: `query::version`.)

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::json::canon::str_literal;
use crate::json::members::insert_member;
use crate::model::TreeKind;

/// A version's nodes in order: (node id, node without message, message sha256, message JSON).
/// The message is the message row's `raw` when that is the same content, else the kept revision.
pub const NODES_OF_VERSION: &str = "
    SELECT vn.node_key, r.node_json, r.message_sha256,
           CASE WHEN r.message_sha256 IS NOT NULL THEN coalesce(
               (SELECT m.raw FROM messages m
                WHERE m.conversation_id = v.conversation_id AND m.id = vn.node_key AND m.raw_sha256 = r.message_sha256),
               (SELECT mr.raw FROM message_revisions mr WHERE mr.sha256 = r.message_sha256)) END,
           r.id, r.sha256
    FROM version_nodes vn
    JOIN node_revisions r ON r.id = vn.revision_id
    JOIN conversation_versions v ON v.id = vn.version_id
    WHERE vn.version_id = ?1
    ORDER BY vn.position";

/// The canonical node JSON of a `NODES_OF_VERSION` row.
pub fn node_json(row: &rusqlite::Row) -> Result<String> {
    let node_json: String = row.get(1)?;
    let sha: Option<String> = row.get(2)?;
    let Some(sha) = sha else { return Ok(node_json) };
    let message: Option<String> = row.get(3)?;
    let node_id: String = row.get(0)?;
    let message = message.ok_or_else(|| {
        Error::corrupt(
            None,
            format!("the archive lacks message content {sha} of node {node_id}"),
        )
    })?;
    if node_json.is_empty() {
        return Ok(message); // the node is its message (Claude's chat_messages items)
    }
    insert_member(&node_json, "message", &message)
        .map_err(|e| Error::corrupt(None, format!("node {node_id} is not valid JSON: {e}")))
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
    let mut stmt = conn.prepare_cached(NODES_OF_VERSION)?;
    let mut rows = stmt.query([version_id])?;
    let mut items = Vec::new();
    while let Some(row) = rows.next()? {
        items.push((row.get::<_, String>(0)?, node_json(row)?));
    }
    let kind = TreeKind::parse(&tree_kind).unwrap_or(TreeKind::Object);
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
            tree.push_str(&str_literal(key));
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
    let key = str_literal(tree_key);
    format!("{body}{sep}{key}:{tree}}}")
}
