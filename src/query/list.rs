//! Conversations at a glance, from the `conversation_summary` view.

use rusqlite::Connection;
use serde::Serialize;

use crate::error::Result;
use crate::model::Provider;

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub conversation_id: String,
    pub provider: String,
    pub title: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub model: Option<String>,
    pub is_archived: bool,
    pub messages: i64,
    pub user_messages: i64,
    pub assistant_messages: i64,
    pub thread_messages: i64,
    pub versions: i64,
    pub deleted_upstream: bool,
}

/// What `list` shows: every conversation, or only some.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filters<'a> {
    /// Only conversations deleted upstream.
    pub deleted_only: bool,
    /// Only conversations updated at or after this archive timestamp.
    pub since: Option<&'a str>,
    pub provider: Option<Provider>,
    /// Only titles containing this text (case-insensitive).
    pub title: Option<&'a str>,
    /// At most this many rows.
    pub limit: Option<usize>,
}

/// Newest first, and how many match without the limit.
pub fn list(conn: &Connection, f: Filters) -> Result<(Vec<Summary>, usize)> {
    let mut stmt = conn.prepare(
        "SELECT conversation_id, provider, title, created_at, updated_at, model, is_archived, messages,
                user_messages, assistant_messages, thread_messages, versions, deleted
         FROM conversation_summary
         WHERE (?1 = 0 OR deleted) AND (?2 IS NULL OR updated_at >= ?2) AND (?3 IS NULL OR provider = ?3)
         ORDER BY updated_at DESC, conversation_id",
    )?;
    let rows: Vec<Summary> = stmt
        .query_map(
            rusqlite::params![f.deleted_only, f.since, f.provider.map(Provider::as_str)],
            |r| {
                Ok(Summary {
                    conversation_id: r.get(0)?,
                    provider: r.get(1)?,
                    title: r.get(2)?,
                    created_at: r.get(3)?,
                    updated_at: r.get(4)?,
                    model: r.get(5)?,
                    is_archived: r.get(6)?,
                    messages: r.get(7)?,
                    user_messages: r.get(8)?,
                    assistant_messages: r.get(9)?,
                    thread_messages: r.get(10)?,
                    versions: r.get(11)?,
                    deleted_upstream: r.get(12)?,
                })
            },
        )?
        .collect::<Result<_, _>>()?;
    // Filtered here, not in SQL: SQLite's lower() folds ASCII only (CAFÉ would miss café).
    let rows: Vec<Summary> = match f.title.map(str::to_lowercase) {
        Some(needle) => rows
            .into_iter()
            .filter(|r| {
                r.title
                    .as_deref()
                    .is_some_and(|t| t.to_lowercase().contains(&needle))
            })
            .collect(),
        None => rows,
    };
    let total = rows.len();
    let rows = match f.limit {
        Some(n) => rows.into_iter().take(n).collect(),
        None => rows,
    };
    Ok((rows, total))
}
