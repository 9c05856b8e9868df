//! docs/schema.md, generated: the descriptions of `archive::catalog` joined with what the live
//! schema of a fresh archive says (types, keys, foreign keys, indexes), so the page can neither
//! miss a column nor describe one that does not exist. `UPDATE_DOCS=1 cargo test --lib schema_doc`
//! rewrites the page; the same test fails while it is stale.

use std::fmt::Write;

use rusqlite::Connection;

use crate::archive::catalog::{Table, TABLES};
use crate::error::Result;

const INTRO: &str = r#"# The archive's schema (1.0)

The SQLite archive is a public, stable contract: other tools query it with plain SQL, `sqlite3`,
Datasette or a BI tool. This page describes the current schema, table by table; how it got here is
in the [changelog](#changelog) at the end. Migrations only move forward (files in `migrations/`,
applied by refinery; its bookkeeping table is `_chatarchive_migrations`). New tables and columns
may be added; the names and meanings below hold.

*Generated from `src/archive/catalog.rs` and the live schema: edit the catalog, then run
`UPDATE_DOCS=1 cargo test --lib schema_doc`.*

## Conventions

- **One name per concept.** A column `X_id` joins `X.id` (`import_id`, `first_import_id`,
  `last_import_id` → `imports.id`; `account_id` → `accounts.id`; `version_id` →
  `conversation_versions.id`, or `project_versions.id` in the `project_*` tables). A **message** is
  always referenced by the pair (`conversation_id`, `message_id`) = (`messages.conversation_id`,
  `messages.id`): message ids are the export's node keys, unique only within a conversation.
  `messages.pk` is a plain row id (the full-text index's rowid); `message_pk` joins it. Columns
  holding a provider's own id for which the archive has no table keep the provider's meaning and
  say so: `provider_message_id`, `file_id` (an asset id such as `file-XXXX`), `doc_id`,
  `creator_id`, `user_id`. A node key that need not be a message is a `node_key`.
- **Timestamps** are ISO-8601 UTC text with milliseconds, `2024-09-02T20:32:04.544Z`, NULL when
  absent. Epoch floats from the export are rounded (not truncated) to the millisecond; ISO strings
  (Claude) are normalized to the same form. Plain string comparison orders them correctly.
- **Hashes** are lower-case hex sha256.
- **Canonical JSON** (`envelope`, `node_revisions.node_json`, `messages.raw`, every `raw` column) is
  the form content hashes are computed over: keys sorted, no whitespace, one spelling per string
  and number (in the spirit of RFC 8785: `1725309124.0` → `1725309124`, `\u00e9` → `é`, `\/` → `/`;
  integers keep all their digits; a lone surrogate escape such as `\ud83d` is kept as that escape).
  It is semantically equal to what the export held.
- **Booleans** are integers 0/1. **Foreign keys** are declared where they hold, so Datasette links
  rows; the "Joins" line of each table names the others.
- **Indexes** are named `idx_<table>_<every column>`. Tables the archive keeps for itself are marked
  *internal*: read them through the tables and views that use them.
"#;

const CHANGELOG: &str = r#"## Changelog

### 1.0 — schema version 9 (`migrations/V9__partial_exports.sql`)

Two columns added to `imports`: `partial` (1 for an export archived with `ingest --partial` or a
lone `conversations-NNN.json`: it judges no deletions and is not a complete snapshot of its
account) and `export_time_source` (`conversations`, `zip_entries` or `file_name`: the evidence for
`export_time`; imports made before are set to `conversations`, which is what they used).

### 1.0 — schema version 8 (`migrations/V8__schema_1_0.sql`)

One name per concept, before saved queries depend on the old ones. Migrating renames in place
(`ALTER TABLE … RENAME COLUMN`, views and indexes recreated, no data rewritten) in one transaction;
`chatarchive verify` passes with every count unchanged.

| 0.1 name | 1.0 name | why |
|---|---|---|
| `messages.message_id` | `messages.provider_message_id` | `message_id` meant `messages.id` everywhere else: `JOIN messages m ON m.message_id = t.message_id` silently matched nothing |
| `conversation_versions.import_id` | `first_import_id` | same meaning as `first_import_id` in every other table |
| `project_versions.import_id` | `first_import_id` | the same |
| `node_revisions.node` | `node_json` | says what it holds (the Rust field `Node.node_json` is named alike) |
| `project_doc_revisions.json` | `doc_json` | the same |
| `version_nodes.node_id` | `node_key` | there is no `nodes` table to join (the plan's default kept `node_id`; changed because an `_id` must join an `id`) |
| `conversation_versions.current_node_id` | `current_node_key` | the same |
| `idx_imports_account_id`, `idx_conversations_account_id`, `idx_projects_account_id` | `idx_<table>_provider_account_id` | named after every column |
| `idx_conversation_versions_conversation_id`, `idx_project_versions_project_id` | `…_version` | the same |
| `idx_messages_role`, `idx_messages_model` | `idx_messages_role_created_at`, `idx_messages_model_created_at` | the same |
| `idx_memories_account_id` | `idx_memories_account_id_import_id` | the same |

Also new: the `archive` table (one row: a UUID minted once per archive, for datasets pooled from
many archives); every `account_id` has its `accounts` row (accounts known only from `--account`
or from their conversations get one with `raw = '{}'`). New archives use 16 KiB pages (see
[performance.md](performance.md)). **Datasette users**: regenerate the metadata
(`chatarchive datasette-metadata`) after upgrading; the old file describes the old names.

### 0.1 — schema versions 1–7

V1 the core archive (imports, conversations, versions, content-addressed nodes, messages,
current thread); V2 full-text search (`messages_fts`); V3 attachments, export files, citations,
canvas documents, accounts and side files; V4 the reading views and the indexes of
docs/queries.md; V5 `forgotten_conversations`; V6 Claude (summaries, text spans, import accounts,
projects, memories); V7 a `provider` column in every view. The migrations keep their 0.1 names in
their comments: they are history, never edited.
"#;

/// The whole page for the schema `conn` holds (a fresh archive).
pub fn schema_markdown(conn: &Connection) -> Result<String> {
    let mut out = String::from(INTRO);
    out.push_str("\n## Tables and views\n\n");
    for internal in [false, true] {
        let names: Vec<String> = TABLES
            .iter()
            .filter(|t| t.internal == internal)
            .map(|t| format!("[`{0}`](#{0})", t.name))
            .collect();
        let label = if internal { "Internal" } else { "Reading" };
        let _ = writeln!(out, "- {label}: {}", names.join(", "));
    }
    for table in TABLES {
        section(conn, table, &mut out)?;
    }
    out.push('\n');
    out.push_str(CHANGELOG);
    Ok(out)
}

fn section(conn: &Connection, table: &Table, out: &mut String) -> Result<()> {
    let kind: String = conn.query_row(
        "SELECT type FROM sqlite_master WHERE name = ?1",
        [table.name],
        |r| r.get(0),
    )?;
    let tag = match (kind.as_str(), table.internal) {
        ("view", _) => " (view)",
        (_, true) => " (internal)",
        _ => "",
    };
    let _ = write!(out, "\n## `{}`{tag}\n\n{}\n", table.name, table.purpose);
    if !table.notes.is_empty() {
        let _ = write!(out, "\n{}\n", table.notes);
    }
    let live = live_columns(conn, table.name)?;
    out.push_str("\n| column | type | meaning |\n|---|---|---|\n");
    for column in table.columns {
        let declared = live
            .iter()
            .find(|c| c.name == column.name)
            .map(|c| c.declared())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            column.name,
            declared,
            column.description.replace('|', "\\|")
        );
    }
    if kind == "table" {
        let keys = keys(conn, table.name, &live)?;
        if !keys.is_empty() {
            let _ = write!(out, "\n**Keys**: {}.\n", keys.join("; "));
        }
        let indexes = indexes(conn, table.name)?;
        if !indexes.is_empty() {
            let _ = write!(out, "\n**Indexes**: {}.\n", indexes.join("; "));
        }
    }
    let _ = write!(out, "\n**Joins**: {}\n", table.joins);
    let _ = write!(out, "\n```sql\n{}\n```\n", table.example.trim());
    Ok(())
}

struct LiveColumn {
    name: String,
    kind: String,
    not_null: bool,
    pk: i64,
}

impl LiveColumn {
    fn declared(&self) -> String {
        let mut s = if self.kind.is_empty() {
            String::new()
        } else {
            self.kind.clone()
        };
        if self.not_null && self.pk == 0 {
            s.push_str(" NOT NULL");
        }
        s.trim().to_string()
    }
}

fn live_columns(conn: &Connection, table: &str) -> Result<Vec<LiveColumn>> {
    let mut stmt =
        conn.prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1) ORDER BY cid")?;
    let rows = stmt.query_map([table], |r| {
        Ok(LiveColumn {
            name: r.get(0)?,
            kind: r.get(1)?,
            not_null: r.get(2)?,
            pk: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn keys(conn: &Connection, table: &str, live: &[LiveColumn]) -> Result<Vec<String>> {
    let mut keys = Vec::new();
    let mut pk: Vec<&LiveColumn> = live.iter().filter(|c| c.pk > 0).collect();
    pk.sort_by_key(|c| c.pk);
    if !pk.is_empty() {
        let cols: Vec<String> = pk.iter().map(|c| format!("`{}`", c.name)).collect();
        keys.push(format!("primary key ({})", cols.join(", ")));
    }
    for columns in index_columns(conn, table, "u")? {
        keys.push(format!("unique ({})", quoted(&columns.1)));
    }
    let mut stmt = conn.prepare(
        "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
    )?;
    let mut fks: Vec<(i64, String, Vec<String>, Vec<String>)> = Vec::new();
    let rows = stmt.query_map([table], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    for row in rows {
        let (id, target, from, to) = row?;
        match fks.last_mut() {
            Some(last) if last.0 == id => {
                last.2.push(from);
                last.3.push(to.unwrap_or_default());
            }
            _ => fks.push((id, target, vec![from], vec![to.unwrap_or_default()])),
        }
    }
    fks.reverse(); // pragma_foreign_key_list lists the last declared first
    for (_, target, from, to) in fks {
        keys.push(format!(
            "({}) → `{target}` ({})",
            quoted(&from),
            quoted(&to)
        ));
    }
    Ok(keys)
}

fn indexes(conn: &Connection, table: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (name, columns, partial) in index_columns(conn, table, "c")?.into_iter().map(|(n, c)| {
        let partial = partial_clause(conn, &n).unwrap_or_default();
        (n, c, partial)
    }) {
        out.push(format!("`{name}` ({}){partial}", quoted(&columns)));
    }
    Ok(out)
}

/// (index name, columns) of the table's indexes created by `origin`: `c` CREATE INDEX, `u` UNIQUE.
fn index_columns(
    conn: &Connection,
    table: &str,
    origin: &str,
) -> Result<Vec<(String, Vec<String>)>> {
    let mut stmt =
        conn.prepare("SELECT name FROM pragma_index_list(?1) WHERE origin = ?2 ORDER BY name")?;
    let names: Vec<String> = stmt
        .query_map([table, origin], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for name in names {
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")?
            .query_map([&name], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        out.push((name, columns));
    }
    Ok(out)
}

fn partial_clause(conn: &Connection, index: &str) -> Result<String> {
    let sql: Option<String> = conn.query_row(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
        [index],
        |r| r.get(0),
    )?;
    Ok(sql
        .and_then(|s| {
            s.find(" WHERE ")
                .map(|at| format!(", partial:{}", &s[at..]))
        })
        .map(|w| w.replace('\n', " "))
        .unwrap_or_default())
}

fn quoted(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::Archive;

    fn fresh() -> (tempfile::TempDir, Archive) {
        let dir = tempfile::tempdir().unwrap();
        let a = Archive::open(&dir.path().join("a.db")).unwrap();
        (dir, a)
    }

    #[test]
    fn every_table_view_and_column_is_described_and_exists() {
        let (_dir, a) = fresh();
        let names: Vec<String> = a
            .conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\'
                 AND name NOT LIKE 'messages_fts%' ORDER BY name",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(names.len() >= 30, "{names:?}");
        for name in &names {
            let Some(table) = crate::archive::catalog::table(name) else {
                panic!("{name} has no entry in src/archive/catalog.rs");
            };
            let live: Vec<String> = live_columns(&a.conn, name)
                .unwrap()
                .into_iter()
                .map(|c| c.name)
                .collect();
            let mut described: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
            let mut live: Vec<&str> = live.iter().map(String::as_str).collect();
            described.sort_unstable();
            live.sort_unstable();
            assert_eq!(
                described, live,
                "{name}: the catalog must describe exactly the live columns"
            );
            assert!(
                !table.purpose.is_empty() && !table.joins.is_empty() && !table.example.is_empty()
            );
        }
        for table in TABLES {
            assert!(
                names.iter().any(|n| n == table.name),
                "{} does not exist",
                table.name
            );
        }
    }

    #[test]
    fn schema_doc() {
        let (_dir, a) = fresh();
        let generated = schema_markdown(&a.conn).unwrap();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schema.md");
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &generated).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "docs/schema.md is stale: run `UPDATE_DOCS=1 cargo test --lib schema_doc`"
        );
    }

    #[test]
    fn the_page_shows_keys_joins_and_renames() {
        let (_dir, a) = fresh();
        let page = schema_markdown(&a.conn).unwrap();
        assert!(page.contains("| `provider_message_id` | TEXT |"));
        assert!(page
            .contains("(`conversation_id`, `message_id`) → `messages` (`conversation_id`, `id`)"));
        assert!(page.contains("`idx_messages_role_created_at` (`role`, `created_at`)"));
        assert!(page.contains("## `current_thread` (view)"));
        assert!(page.contains("## `node_revisions` (internal)"));
        assert!(page.contains("partial: WHERE deleted_import_id IS NOT NULL"));
    }
}
