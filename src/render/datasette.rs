//! Datasette's `metadata.json` for an archive (the pre-1.0 format, Datasette 0.6x): title, a
//! description of every table, view and column, full-text search on `messages`, facets, and the
//! queries of docs/queries.md as canned queries. With `site`, the plugin and templates that make
//! Datasette a reader (conversation and search pages, attachments, internal tables hidden).

pub mod site;

use serde_json::{json, Map, Value};

use crate::archive::catalog;
use crate::query::canned;

/// Tables the catalog does not describe that Datasette should list only under "hidden tables":
/// the full-text index and its shadow tables (the catalog's `internal` tables are hidden too).
pub const HIDDEN: &[&str] = &[
    "messages_fts",
    "messages_fts_data",
    "messages_fts_idx",
    "messages_fts_docsize",
    "messages_fts_config",
];

const CONVERSATION_SQL: &str = "SELECT t.position, m.id AS message_id, m.role, m.created_at, m.text
FROM current_thread_positions t
JOIN messages m ON m.pk = t.message_pk
WHERE t.conversation_id = :id
ORDER BY t.position";

/// Ranked like `chatarchive search`: only the 2,000 most recently archived matches are scored
/// (bm25 over every match of a common word takes seconds), snippets made for the 100 shown.
const SEARCH_SQL: &str = "WITH recent AS (
  SELECT messages_fts.rowid AS pk, bm25(messages_fts) AS rank
  FROM messages_fts JOIN messages m ON m.pk = messages_fts.rowid
  WHERE messages_fts MATCH chatarchive_fts(:q) AND chatarchive_contains(:q, m.text)
  ORDER BY messages_fts.rowid DESC LIMIT 2000
), best AS (
  SELECT pk, rank FROM recent ORDER BY rank, pk DESC LIMIT 100
)
SELECT m.conversation_id, c.title, m.id AS message_id, m.role, m.created_at,
       (SELECT snippet(messages_fts, -1, '[', ']', '…', 16) FROM messages_fts
        WHERE messages_fts MATCH chatarchive_fts(:q) AND rowid = best.pk) AS snippet
FROM best
JOIN messages m ON m.pk = best.pk
JOIN conversations c ON c.id = m.conversation_id
ORDER BY best.rank, best.pk DESC";

/// A database name as one URL path segment (Datasette tilde-encodes; plain names are unchanged).
fn url_segment(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("~{b:02X}"),
        })
        .collect()
}

/// Extra settings per table: facets, default sort, label column.
fn table_settings(table: &str) -> Map<String, Value> {
    let v = match table {
        "messages" => json!({
            "fts_table": "messages_fts",
            "fts_pk": "pk",
            "facets": ["role", "content_type", "model"],
            "sort_desc": "created_at"
        }),
        "conversations" => json!({
            "facets": ["provider", "model", "is_archived"],
            "sort_desc": "updated_at",
            "label_column": "title"
        }),
        "conversation_summary" => {
            json!({"facets": ["provider", "model", "deleted"], "sort_desc": "updated_at"})
        }
        "conversation_versions" => json!({"sort_desc": "updated_at", "label_column": "title"}),
        "imports" => json!({"facets": ["provider"], "sort_desc": "id", "label_column": "source"}),
        "daily_activity" => json!({"facets": ["provider"], "sort_desc": "date"}),
        "model_usage" => json!({"facets": ["provider"], "sort_desc": "assistant_messages"}),
        "current_thread" => json!({"facets": ["provider", "role"]}),
        "project_doc_revisions" => {
            json!({"fts_table": "project_doc_revisions_fts", "fts_pk": "id"})
        }
        "accounts" | "projects" | "memory_records" => json!({"facets": ["provider"]}),
        _ => json!({}),
    };
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The metadata for an archive Datasette serves under `database` (its file name without `.db`).
pub fn metadata(database: &str) -> Value {
    let mut tables = Map::new();
    for table in catalog::TABLES {
        let mut t = table_settings(table.name);
        t.insert("description".into(), json!(table.purpose));
        let cols: Map<String, Value> = table
            .columns
            .iter()
            .map(|c| (c.name.to_string(), json!(c.description)))
            .collect();
        t.insert("columns".into(), Value::Object(cols));
        if table.internal {
            t.insert("hidden".into(), json!(true));
        }
        tables.insert(table.name.to_string(), Value::Object(t));
    }
    tables.insert(
        crate::archive::MIGRATION_TABLE.into(),
        json!({"hidden": true, "description": "Schema migrations applied (refinery's bookkeeping)"}),
    );
    for name in HIDDEN {
        let t = tables
            .entry(name.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(t) = t {
            t.insert("hidden".into(), json!(true));
        }
    }
    let mut queries = Map::new();
    for q in canned::queries() {
        // The `-- name:` line is for the docs page; Datasette names the query by its key.
        let sql: Vec<&str> = q
            .sql
            .lines()
            .filter(|l| !l.trim_start().starts_with("-- name:"))
            .collect();
        // The plugin's chatarchive_fts() reads the query as `chatarchive search` does, so
        // `node.js` and `C++` work here too (FTS5's own syntax rejects them).
        let sql = sql
            .join("\n")
            .replace("MATCH :q", "MATCH chatarchive_fts(:q)");
        queries.insert(
            q.name.clone(),
            json!({"title": q.title, "description": q.description, "sql": sql}),
        );
    }
    // The pages the plugin renders (templates/query-<db>-conversation.html, ...-search.html).
    // Their SQL is what the JSON API answers; the HTML pages read without Datasette's row cap.
    queries.insert(
        site::CONVERSATION_QUERY.into(),
        json!({
            "title": "Conversation",
            "description": "A conversation's current thread in order, as the app showed it.",
            "sql": CONVERSATION_SQL,
        }),
    );
    queries.insert(
        site::SEARCH_QUERY.into(),
        json!({
            "title": "Search messages",
            "description": "Every message ever archived, ranked; the query language of `chatarchive search`.",
            "sql": SEARCH_SQL,
        }),
    );
    let mut databases = Map::new();
    databases.insert(
        database.to_string(),
        json!({
            "description_html": format!(
                "Every version of every conversation from your ChatGPT and Claude exports. Dates are UTC. \
                 <a href=\"/{db}/search\">Search messages</a>, or open a conversation from \
                 <a href=\"/{db}/conversation_summary\">conversation_summary</a>.",
                db = url_segment(database)
            ),
            "tables": tables,
            "queries": queries,
        }),
    );
    json!({
        "title": "chatarchive",
        "description": "A durable, versioned archive of ChatGPT and Claude data exports",
        "databases": databases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_and_canned_queries_are_configured() {
        let m = metadata("archive");
        let db = &m["databases"]["archive"];
        assert_eq!(db["tables"]["messages"]["fts_table"], "messages_fts");
        assert_eq!(db["tables"]["messages"]["fts_pk"], "pk");
        let queries = db["queries"].as_object().unwrap();
        assert!(queries.len() >= 10);
        assert!(queries
            .values()
            .all(|q| !q["sql"].as_str().unwrap().contains("-- name:")));
    }
}
