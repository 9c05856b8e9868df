//! Totals, per-model and per-month counts for the whole archive.

use rusqlite::Connection;
use serde::Serialize;

use crate::error::Result;
use crate::query::dates::Tz;

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub conversations: i64,
    pub deleted_upstream: i64,
    pub archived: i64,
    pub versions: i64,
    /// Distinct messages ever archived (all branches, all versions).
    pub messages: i64,
    pub user_messages: i64,
    pub assistant_messages: i64,
    pub imports: i64,
    pub first_message_at: Option<String>,
    pub last_message_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelRow {
    pub model: Option<String>,
    pub conversations: i64,
    pub assistant_messages: i64,
    pub first_used: Option<String>,
    pub last_used: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonthRow {
    /// `YYYY-MM` in the requested zone.
    pub month: String,
    pub conversations_started: i64,
    pub conversations_active: i64,
    pub user_messages: i64,
    pub assistant_messages: i64,
    pub messages: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// The zone months are counted in (`UTC`, `UTC+02:00`).
    pub time_zone: String,
    pub totals: Totals,
    pub models: Vec<ModelRow>,
    pub months: Vec<MonthRow>,
}

pub fn stats(conn: &Connection, tz: Tz) -> Result<Stats> {
    let totals = conn.query_row(
        "SELECT (SELECT count(*) FROM conversations),
                (SELECT count(*) FROM conversations WHERE deleted_import_id IS NOT NULL),
                (SELECT count(*) FROM conversations WHERE is_archived),
                (SELECT count(*) FROM conversation_versions),
                (SELECT count(*) FROM messages),
                (SELECT count(*) FROM messages WHERE role = 'user'),
                (SELECT count(*) FROM messages WHERE role = 'assistant'),
                (SELECT count(*) FROM imports),
                (SELECT min(created_at) FROM messages),
                (SELECT max(created_at) FROM messages)",
        [],
        |r| {
            Ok(Totals {
                conversations: r.get(0)?,
                deleted_upstream: r.get(1)?,
                archived: r.get(2)?,
                versions: r.get(3)?,
                messages: r.get(4)?,
                user_messages: r.get(5)?,
                assistant_messages: r.get(6)?,
                imports: r.get(7)?,
                first_message_at: r.get(8)?,
                last_message_at: r.get(9)?,
            })
        },
    )?;
    let models = conn
        .prepare(
            "SELECT model, conversations, assistant_messages, first_used, last_used FROM model_usage
             ORDER BY assistant_messages DESC, model",
        )?
        .query_map([], |r| {
            Ok(ModelRow {
                model: r.get(0)?,
                conversations: r.get(1)?,
                assistant_messages: r.get(2)?,
                first_used: r.get(3)?,
                last_used: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    // Months in the requested zone: shift each UTC time by the offset before cutting YYYY-MM.
    let modifier = tz.sqlite_modifier();
    let months = conn
        .prepare(
            "WITH m AS (
                 SELECT strftime('%Y-%m', created_at, ?1) AS month, conversation_id, role FROM messages
                 WHERE created_at IS NOT NULL),
             started AS (
                 SELECT strftime('%Y-%m', created_at, ?1) AS month, count(*) AS n FROM conversations
                 WHERE created_at IS NOT NULL GROUP BY 1)
             SELECT m.month, coalesce(s.n, 0), count(DISTINCT m.conversation_id), sum(m.role = 'user'),
                    sum(m.role = 'assistant'), count(*)
             FROM m LEFT JOIN started s ON s.month = m.month
             GROUP BY m.month ORDER BY m.month",
        )?
        .query_map([&modifier], |r| {
            Ok(MonthRow {
                month: r.get(0)?,
                conversations_started: r.get(1)?,
                conversations_active: r.get(2)?,
                user_messages: r.get(3)?,
                assistant_messages: r.get(4)?,
                messages: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Stats {
        time_zone: tz.to_string(),
        totals,
        models,
        months,
    })
}
