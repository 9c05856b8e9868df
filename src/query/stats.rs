//! Totals, per-provider, per-model and per-month counts for the whole archive, or for one
//! provider's conversations.

use rusqlite::Connection;
use serde::Serialize;

use crate::error::Result;
use crate::model::Provider;
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
    /// Links from messages to files no export held (`query::attachments::is_missing`).
    pub attachments_missing: i64,
}

/// The totals of one provider's conversations and imports.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderRow {
    pub provider: String,
    #[serde(flatten)]
    pub totals: Totals,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelRow {
    pub provider: String,
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
    /// The provider asked for (`--provider`), or None for the whole archive.
    pub provider: Option<String>,
    pub totals: Totals,
    /// One row per provider in the archive (only the one asked for, when filtered).
    pub providers: Vec<ProviderRow>,
    pub models: Vec<ModelRow>,
    pub months: Vec<MonthRow>,
}

pub fn stats(conn: &Connection, tz: Tz, provider: Option<Provider>) -> Result<Stats> {
    let only = provider.map(Provider::as_str);
    let whole = totals(conn, only)?;
    let names: Vec<String> = conn
        .prepare(
            "SELECT provider FROM conversations WHERE ?1 IS NULL OR provider = ?1
             UNION SELECT provider FROM imports WHERE ?1 IS NULL OR provider = ?1 ORDER BY 1",
        )?
        .query_map([only], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let providers = names
        .into_iter()
        .map(|p| {
            Ok(ProviderRow {
                totals: totals(conn, Some(&p))?,
                provider: p,
            })
        })
        .collect::<Result<_>>()?;
    let models = conn
        .prepare(
            "SELECT provider, model, conversations, assistant_messages, first_used, last_used
             FROM model_usage WHERE ?1 IS NULL OR provider = ?1
             ORDER BY assistant_messages DESC, provider, model",
        )?
        .query_map([only], |r| {
            Ok(ModelRow {
                provider: r.get(0)?,
                model: r.get(1)?,
                conversations: r.get(2)?,
                assistant_messages: r.get(3)?,
                first_used: r.get(4)?,
                last_used: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    // Months in the requested zone: shift each UTC time by the offset before cutting YYYY-MM.
    let modifier = tz.sqlite_modifier();
    let months = conn
        .prepare(
            "WITH m AS (
                 SELECT strftime('%Y-%m', m.created_at, ?1) AS month, m.conversation_id, m.role
                 FROM messages m JOIN conversations c ON c.id = m.conversation_id
                 WHERE m.created_at IS NOT NULL AND (?2 IS NULL OR c.provider = ?2)),
             started AS (
                 SELECT strftime('%Y-%m', created_at, ?1) AS month, count(*) AS n FROM conversations
                 WHERE created_at IS NOT NULL AND (?2 IS NULL OR provider = ?2) GROUP BY 1)
             SELECT m.month, coalesce(s.n, 0), count(DISTINCT m.conversation_id), sum(m.role = 'user'),
                    sum(m.role = 'assistant'), count(*)
             FROM m LEFT JOIN started s ON s.month = m.month
             GROUP BY m.month ORDER BY m.month",
        )?
        .query_map(rusqlite::params![modifier, only], |r| {
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
        provider: only.map(str::to_string),
        totals: whole,
        providers,
        models,
        months,
    })
}

/// The totals of the whole archive, or of one provider (by its archive value).
fn totals(conn: &Connection, provider: Option<&str>) -> Result<Totals> {
    let attachments_missing = crate::query::attachments::missing_count(conn, provider)?;
    Ok(conn.query_row(
        "SELECT (SELECT count(*) FROM conversations WHERE ?1 IS NULL OR provider = ?1),
                (SELECT count(*) FROM conversations
                  WHERE deleted_import_id IS NOT NULL AND (?1 IS NULL OR provider = ?1)),
                (SELECT count(*) FROM conversations WHERE is_archived AND (?1 IS NULL OR provider = ?1)),
                (SELECT count(*) FROM conversation_versions v JOIN conversations c ON c.id = v.conversation_id
                  WHERE ?1 IS NULL OR c.provider = ?1),
                count(*), coalesce(sum(m.role = 'user'), 0), coalesce(sum(m.role = 'assistant'), 0),
                (SELECT count(*) FROM imports WHERE ?1 IS NULL OR provider = ?1),
                min(m.created_at), max(m.created_at)
         FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE ?1 IS NULL OR c.provider = ?1",
        [provider],
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
                attachments_missing,
            })
        },
    )?)
}
