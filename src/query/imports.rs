//! Every ingest that wrote something, with its counts.

use rusqlite::Connection;
use serde::Serialize;

use crate::error::Result;
use crate::model::Provider;

#[derive(Debug, Clone, Serialize)]
pub struct Import {
    pub id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub source: String,
    pub source_kind: String,
    pub source_size: Option<i64>,
    pub provider: String,
    pub account_id: Option<String>,
    pub export_time: Option<String>,
    /// Where `export_time` came from: `conversations`, `zip_entries`, `file_name`.
    pub export_time_source: Option<String>,
    /// The export was partial: no deletions judged, not a complete snapshot of its account.
    pub partial: bool,
    pub conversations_total: i64,
    pub conversations_new: i64,
    pub conversations_changed: i64,
    pub conversations_unchanged: i64,
    pub conversations_deleted: i64,
    pub conversations_restored: i64,
    pub messages_new: i64,
    pub warnings: Vec<String>,
    pub tool_version: String,
}

/// Every import in order, or those of one provider's exports.
pub fn imports(conn: &Connection, provider: Option<Provider>) -> Result<Vec<Import>> {
    let rows = conn
        .prepare(
            "SELECT id, started_at, finished_at, source, source_kind, source_size, provider, account_id, export_time,
                    conversations_total, conversations_new, conversations_changed, conversations_unchanged,
                    conversations_deleted, conversations_restored, messages_new, warnings, tool_version,
                    export_time_source, partial
             FROM imports WHERE ?1 IS NULL OR provider = ?1 ORDER BY id",
        )?
        .query_map([provider.map(Provider::as_str)], |r| {
            let warnings: Option<String> = r.get(16)?;
            Ok(Import {
                id: r.get(0)?,
                started_at: r.get(1)?,
                finished_at: r.get(2)?,
                source: r.get(3)?,
                source_kind: r.get(4)?,
                source_size: r.get(5)?,
                provider: r.get(6)?,
                account_id: r.get(7)?,
                export_time: r.get(8)?,
                conversations_total: r.get(9)?,
                conversations_new: r.get(10)?,
                conversations_changed: r.get(11)?,
                conversations_unchanged: r.get(12)?,
                conversations_deleted: r.get(13)?,
                conversations_restored: r.get(14)?,
                messages_new: r.get(15)?,
                warnings: warnings
                    .and_then(|w| serde_json::from_str(&w).ok())
                    .unwrap_or_default(),
                tool_version: r.get(17)?,
                export_time_source: r.get(18)?,
                partial: r.get(19)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
