//! What changed between two versions of a conversation, message by message (by node id): added,
//! removed, text changed, and messages whose stored form changed but whose text did not (a
//! re-export that dropped fields). Plus the title and the current node (for a provider whose
//! exports do not name it, the end of the thread the archive reads as current).

use std::collections::HashMap;

use rusqlite::Connection;
use serde::Serialize;

use crate::error::Result;
use crate::query::conversation::version_id;

#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub version: i64,
    pub title: Option<String>,
    pub updated_at: Option<String>,
    /// The node the export names as current, else the end of the current thread as read
    /// (Claude: the latest leaf).
    pub current_node_key: Option<String>,
    pub messages: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageRef {
    pub id: String,
    pub role: Option<String>,
    pub content_type: Option<String>,
    pub created_at: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    pub id: String,
    pub role: Option<String>,
    pub old_text: String,
    pub new_text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub conversation_id: String,
    pub provider: String,
    pub from: Side,
    pub to: Side,
    pub title_changed: bool,
    pub current_node_changed: bool,
    pub added: Vec<MessageRef>,
    pub removed: Vec<MessageRef>,
    pub changed: Vec<Changed>,
    /// Ids of messages in both versions whose stored JSON differs but whose text does not.
    pub metadata_changed: Vec<String>,
}

struct Row {
    r: MessageRef,
    revision_id: i64,
}

fn side(conn: &Connection, vid: i64) -> Result<(Side, Vec<Row>)> {
    let mut side = conn.query_row(
        "SELECT version, title, updated_at, current_node_key, message_count FROM conversation_versions WHERE id = ?1",
        [vid],
        |r| {
            Ok(Side {
                version: r.get(0)?,
                title: r.get(1)?,
                updated_at: r.get(2)?,
                current_node_key: r.get(3)?,
                messages: r.get(4)?,
            })
        },
    )?;
    if side.current_node_key.is_none() {
        let read = super::version::read_version(conn, vid)?;
        side.current_node_key = read.thread.last().map(|&i| read.nodes[i].id.clone());
    }
    let rows = conn
        .prepare_cached(
            "SELECT message_id, role, content_type, created_at, text, revision_id FROM version_messages
             WHERE version_id = ?1 ORDER BY position",
        )?
        .query_map([vid], |r| {
            Ok(Row {
                r: MessageRef {
                    id: r.get(0)?,
                    role: r.get(1)?,
                    content_type: r.get(2)?,
                    created_at: r.get(3)?,
                    text: r.get(4)?,
                },
                revision_id: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok((side, rows))
}

pub fn diff(conn: &Connection, conversation_id: &str, from: i64, to: i64) -> Result<Diff> {
    let (from_side, old) = side(conn, version_id(conn, conversation_id, Some(from))?)?;
    let (to_side, new) = side(conn, version_id(conn, conversation_id, Some(to))?)?;
    let old_by_id: HashMap<&str, &Row> = old.iter().map(|r| (r.r.id.as_str(), r)).collect();
    let new_ids: std::collections::HashSet<&str> = new.iter().map(|r| r.r.id.as_str()).collect();
    let provider: String = conn.query_row(
        "SELECT provider FROM conversations WHERE id = ?1",
        [conversation_id],
        |r| r.get(0),
    )?;
    let mut d = Diff {
        conversation_id: conversation_id.to_string(),
        provider,
        title_changed: from_side.title != to_side.title,
        current_node_changed: from_side.current_node_key != to_side.current_node_key,
        from: from_side,
        to: to_side,
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
        metadata_changed: Vec::new(),
    };
    for n in &new {
        match old_by_id.get(n.r.id.as_str()) {
            None => d.added.push(n.r.clone()),
            Some(o) if o.revision_id == n.revision_id => {}
            Some(o) if o.r.text != n.r.text => d.changed.push(Changed {
                id: n.r.id.clone(),
                role: n.r.role.clone(),
                old_text: o.r.text.clone(),
                new_text: n.r.text.clone(),
            }),
            Some(_) => d.metadata_changed.push(n.r.id.clone()),
        }
    }
    d.removed = old
        .iter()
        .filter(|o| !new_ids.contains(o.r.id.as_str()))
        .map(|o| o.r.clone())
        .collect();
    Ok(d)
}
