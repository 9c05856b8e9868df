//! Datasette's `metadata.json` for an archive (the pre-1.0 format, Datasette 0.6x): title, a
//! description of every table, view and column, full-text search on `messages`, facets, and the
//! queries of docs/queries.md as canned queries.

use serde_json::{json, Map, Value};

use crate::archive::catalog;
use crate::query::canned;

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
    let mut queries = Map::new();
    for q in canned::queries() {
        // The `-- name:` line is for the docs page; Datasette names the query by its key.
        let sql: Vec<&str> = q
            .sql
            .lines()
            .filter(|l| !l.trim_start().starts_with("-- name:"))
            .collect();
        queries.insert(
            q.name.clone(),
            json!({"title": q.title, "description": q.description, "sql": sql.join("\n")}),
        );
    }
    let mut databases = Map::new();
    databases.insert(
        database.to_string(),
        json!({
            "description": "Every version of every conversation from your ChatGPT and Claude exports. \
                            Dates are UTC. Search messages with the search box on the messages table.",
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
