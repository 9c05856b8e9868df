//! Datasette's `metadata.json` for an archive (the pre-1.0 format, Datasette 0.6x): title, a
//! description of every table, view and column, full-text search on `messages`, facets, and the
//! queries of docs/queries.md as canned queries. With `site`, the plugin and templates that make
//! Datasette a reader (conversation and search pages, attachments, internal tables hidden).

pub mod site;

use serde_json::{json, Map, Value};

use crate::query::canned;

/// (table or view, description, [(column, description)]).
pub type TableDoc = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// Every table and view, kept beside docs/schema.md; a test checks that every column of a fresh
/// archive is described here.
pub const TABLES: &[TableDoc] = &[
    (
        "imports",
        "One row per ingest that wrote something: which export, when, and what it changed.",
        &[
            ("id", "Import number, in ingest order"),
            ("source", "Path of the export as given on the command line"),
            ("source_kind", "zip, folder or file"),
            ("source_size", "Size of the export in bytes"),
            ("source_sha256", "sha256 of the export's bytes (a folder: of its files)"),
            ("source_fingerprint", "Cheap identity of the export: size and ZIP central directory"),
            ("provider", "chatgpt or claude"),
            ("account_id", "Whose export it is, when known"),
            ("export_time", "Latest conversation update in the export (UTC): when it was taken"),
            ("started_at", "When the ingest started (UTC)"),
            ("finished_at", "When the ingest committed (UTC)"),
            ("conversations_total", "Conversations in the export"),
            ("conversations_new", "Conversations seen for the first time"),
            ("conversations_changed", "Conversations that got a new version"),
            ("conversations_unchanged", "Conversations identical to a version already archived"),
            ("conversations_deleted", "Conversations this export no longer held (deleted upstream)"),
            ("conversations_restored", "Conversations back after being missing"),
            ("messages_new", "Messages seen for the first time"),
            ("warnings", "JSON array of warnings, NULL when none"),
            ("tool_version", "chatarchive version that ingested it"),
            ("unknown_content_types", "JSON object: content types this version did not know, with message counts"),
            ("conversations_skipped_forgotten", "Conversations in the export not stored because they were forgotten"),
        ],
    ),
    (
        "conversations",
        "One row per conversation ever archived, with the state of its newest version.",
        &[
            ("id", "The export's conversation id"),
            ("provider", "chatgpt or claude"),
            ("account_id", "Whose conversation it is, when known"),
            ("title", "Current title"),
            ("summary", "Summary the provider wrote (Claude), current version"),
            ("created_at", "Created (UTC)"),
            ("updated_at", "Last updated (UTC)"),
            ("model", "Default model slug"),
            ("is_archived", "1 when archived in the provider's interface"),
            ("current_version", "Number of the current version (see conversation_versions)"),
            ("current_version_id", "Row id of the current version"),
            ("message_count", "Messages in the current version (every branch)"),
            ("first_import_id", "Import that first brought it"),
            ("last_seen_import_id", "Newest import that held it"),
            ("deleted_import_id", "Import whose export no longer held it: deleted upstream (NULL: still there)"),
        ],
    ),
    (
        "conversation_versions",
        "Every distinct content a conversation has had, numbered in its own time order.",
        &[
            ("id", "Row id"),
            ("conversation_id", "The conversation"),
            ("version", "1, 2, ... in the conversation's time order"),
            ("content_sha256", "sha256 of the canonical JSON: the version's identity"),
            ("import_id", "First import that brought this version"),
            ("title", "Title in this version"),
            ("summary", "Summary the provider wrote (Claude), in this version"),
            ("created_at", "Created (UTC)"),
            ("updated_at", "Updated (UTC), as this version says"),
            ("current_node_id", "The node the interface showed as the end of the thread"),
            ("message_count", "Nodes with a message"),
            ("node_count", "Nodes in the tree"),
            ("tree_key", "Member of the original object that holds the nodes"),
            ("tree_kind", "object (keyed by node id) or array"),
            ("envelope", "Canonical JSON of the conversation without its tree"),
            ("problems", "JSON array of what made no sense but was kept"),
        ],
    ),
    (
        "node_revisions",
        "Content-addressed node objects (canonical JSON), each stored once however many versions share it.",
        &[
            ("id", "Row id"),
            ("sha256", "sha256 of the whole node's canonical JSON, message included"),
            ("node", "The node as canonical JSON, without its message object (stored once, in messages.raw or message_revisions)"),
            ("message_sha256", "sha256 of the node's message object"),
            ("text", "Derived text, kept only when another revision of the message has other text"),
            ("text_spans", "Spans of that text, under the same rule"),
        ],
    ),
    (
        "message_revisions",
        "Message contents that are not (or no longer) the current raw of their message row.",
        &[
            ("sha256", "sha256 of raw"),
            ("raw", "The message object as canonical JSON"),
        ],
    ),
    (
        "version_nodes",
        "Which node revisions make up each version, in the export's order.",
        &[
            ("version_id", "The version"),
            ("position", "Place in the export's order"),
            ("node_id", "Node key in the tree"),
            ("revision_id", "The node's content in this version"),
        ],
    ),
    (
        "messages",
        "Every message ever archived (all branches, all versions), with its newest content. Full-text searchable.",
        &[
            ("pk", "Stable row id (the full-text index's rowid)"),
            ("conversation_id", "The conversation"),
            ("id", "Node key in the conversation's tree"),
            ("message_id", "The message's own id, when it differs from the node key"),
            ("parent_id", "Nearest ancestor node that has a message"),
            ("role", "user, assistant, system or tool"),
            ("author_name", "Tool name for tool messages (python, browser, ...)"),
            ("content_type", "text, multimodal_text, code, execution_output, thoughts, ..."),
            ("text", "Readable text derived from the content"),
            ("created_at", "Written (UTC)"),
            ("updated_at", "Last changed (UTC)"),
            ("model", "Model slug that wrote it"),
            ("status", "Provider's status, e.g. finished_successfully"),
            ("recipient", "all, or the tool a call was addressed to"),
            ("end_turn", "1 when the message ended the assistant's turn"),
            ("finish_reason", "Why generation stopped (stop, max_tokens, ...)"),
            ("hidden", "1 when the interface does not show it (system prompts, tool calls)"),
            ("reasoning", "1 for reasoning (thoughts, recaps, thinking)"),
            ("raw", "The message object as canonical JSON"),
            ("raw_sha256", "sha256 of raw"),
            ("text_spans", "JSON array of {start, end, kind}: stretches of text that are reasoning, tool use or results, attachment text, injected context"),
            ("revision_id", "Node revision this content comes from"),
            ("version_id", "Version this content comes from"),
            ("first_import_id", "Import that first brought it"),
        ],
    ),
    (
        "current_thread_positions",
        "The thread a reader sees in each conversation's current version, root first.",
        &[
            ("conversation_id", "The conversation"),
            ("position", "0 for the first message of the thread"),
            ("message_pk", "The message (messages.pk)"),
        ],
    ),
    (
        "current_thread",
        "View: each conversation's current thread, message by message.",
        &[
            ("conversation_id", "The conversation"),
            ("position", "0 for the first message of the thread"),
            ("message_id", "Node key of the message"),
            ("role", "user, assistant, system or tool"),
            ("content_type", "Content type"),
            ("text", "Readable text"),
            ("created_at", "Written (UTC)"),
            ("hidden", "1 when the interface does not show it"),
            ("reasoning", "1 for reasoning"),
            ("message_pk", "The message (messages.pk)"),
            ("provider", "chatgpt or claude"),
        ],
    ),
    (
        "version_messages",
        "View: every message of every version, with that version's text.",
        &[
            ("conversation_id", "The conversation"),
            ("version", "Version number"),
            ("message_id", "Node key of the message"),
            ("parent_id", "Nearest ancestor with a message (newest content)"),
            ("role", "user, assistant, system or tool"),
            ("content_type", "Content type"),
            ("text", "Readable text as of this version"),
            ("created_at", "Written (UTC)"),
            ("position", "Place in the version's export order"),
            ("version_id", "Row id of the version"),
            ("revision_id", "Node revision in this version"),
            ("provider", "chatgpt or claude"),
        ],
    ),
    (
        "attachments",
        "Every distinct file of every export (uploads, images, voice, side files), stored once by sha256.",
        &[
            ("sha256", "sha256 of the file"),
            ("size", "Bytes"),
            ("mime_type", "From the name, else sniffed from the bytes"),
            ("data", "The bytes (NULL for files over 4 MiB: see attachment_chunks)"),
            ("chunk_count", "Number of chunks (0 when data holds the file)"),
            ("first_import_id", "Import that first brought it"),
        ],
    ),
    (
        "attachment_chunks",
        "Pieces of 4 MiB of large files, in seq order.",
        &[
            ("id", "Row id"),
            ("sha256", "The file"),
            ("seq", "0, 1, ..."),
            ("data", "The piece's bytes"),
        ],
    ),
    (
        "export_files",
        "Every file of every import, stored or not.",
        &[
            ("import_id", "The import"),
            ("path", "Name inside the export"),
            ("size", "Bytes"),
            ("sha256", "sha256 of the bytes"),
            ("stored", "1 when the bytes are in attachments"),
            ("kind", "conversations, account, side, html, attachment or other"),
            ("file_id", "Asset id from the name (file-..., file_...)"),
            ("original_name", "Original name from conversation_asset_file_names.json"),
            ("mime_type", "Type of the file"),
        ],
    ),
    (
        "message_attachments",
        "Which message points at which file; sha256 is NULL while no export held the file.",
        &[
            ("conversation_id", "The conversation"),
            ("message_id", "The message (messages.id)"),
            ("asset_pointer", "As written in the message"),
            ("file_id", "Asset id in the pointer"),
            ("kind", "Part type, or upload"),
            ("sha256", "The stored file, NULL while missing"),
            ("name", "File name"),
            ("mime_type", "Type"),
            ("size", "Bytes, as the message says"),
            ("width", "Pixels"),
            ("height", "Pixels"),
            ("extracted_text", "Text the provider extracted from the file"),
            ("first_import_id", "Import that first brought the link"),
        ],
    ),
    (
        "citations",
        "Sources a message cites.",
        &[
            ("conversation_id", "The conversation"),
            ("message_id", "The message"),
            ("position", "0, 1, ..."),
            ("url", "Cited URL"),
            ("title", "Title of the source"),
            ("snippet", "Quoted text"),
            ("first_import_id", "Import that brought it"),
        ],
    ),
    (
        "canvas_documents",
        "Canvas documents of each conversation's current thread, with their final content.",
        &[
            ("id", "Row id"),
            ("conversation_id", "The conversation"),
            ("name", "Document name"),
            ("type", "Document type"),
            ("version_count", "Number of versions"),
            ("content", "The final document"),
        ],
    ),
    (
        "canvas_document_versions",
        "Every version of every canvas document.",
        &[
            ("document_id", "The document"),
            ("version", "1, 2, ..."),
            ("message_id", "The tool call that wrote it"),
            ("created_at", "When (UTC)"),
            ("operation", "create or update"),
            ("content", "The document after that call"),
        ],
    ),
    (
        "accounts",
        "Accounts (user.json), latest values.",
        &[
            ("id", "Account id"),
            ("provider", "chatgpt or claude"),
            ("email", "E-mail"),
            ("name", "Name"),
            ("phone_number", "Phone number"),
            ("raw", "The account record as canonical JSON"),
            ("first_import_id", "Import that first brought it"),
            ("last_import_id", "Last import that held it"),
        ],
    ),
    (
        "account_snapshots",
        "Every import's copy of the account record.",
        &[
            ("import_id", "The import"),
            ("account_id", "The account"),
            ("raw", "The record as canonical JSON"),
        ],
    ),
    (
        "message_feedback",
        "Thumbs up/down given to messages (message_feedback.json).",
        &[
            ("id", "Feedback id"),
            ("conversation_id", "The conversation"),
            ("message_id", "The rated message"),
            ("user_id", "Who rated"),
            ("rating", "thumbsUp or thumbsDown"),
            ("text", "Comment"),
            ("tags", "JSON array of tags"),
            ("created_at", "When (UTC)"),
            ("raw", "The record as canonical JSON"),
            ("first_import_id", "Import that first brought it"),
            ("last_import_id", "Last import that held it"),
        ],
    ),
    (
        "shared_conversations",
        "Shared links (shared_conversations.json).",
        &[
            ("id", "Share id"),
            ("conversation_id", "The conversation"),
            ("title", "Title when shared"),
            ("is_anonymous", "1 when shared anonymously"),
            ("raw", "The record as canonical JSON"),
            ("first_import_id", "Import that first brought it"),
            ("last_import_id", "Last import that held it"),
        ],
    ),
    (
        "model_comparisons",
        "Which-response-do-you-prefer records (model_comparisons.json); shapes vary.",
        &[
            ("sha256", "sha256 of the record"),
            ("id", "Record id, when present"),
            ("conversation_id", "The conversation, when present"),
            ("raw", "The record as canonical JSON"),
            ("first_import_id", "Import that first brought it"),
            ("last_import_id", "Last import that held it"),
        ],
    ),
    (
        "library_files",
        "Files of the account's library (library_files.json, 2026 exports).",
        &[
            ("file_id", "File id"),
            ("file_name", "Original name"),
            ("mime_type", "Type"),
            ("created_at", "When (UTC)"),
            ("deleted_at", "Deleted (UTC)"),
            ("origination_message_id", "Message that brought it"),
            ("conversation_id", "Conversation that brought it"),
            ("raw", "The record as canonical JSON"),
            ("first_import_id", "Import that first brought it"),
            ("last_import_id", "Last import that held it"),
        ],
    ),
    (
        "forgotten_conversations",
        "Conversations removed for good with `chatarchive forget` (id and time only): later ingests skip them.",
        &[("conversation_id", "The forgotten conversation's id"), ("forgotten_at", "When (UTC)")],
    ),
    (
        "import_accounts",
        "Which accounts each import is a complete snapshot of (deletions are judged per account).",
        &[("import_id", "The import"), ("account_id", "An account it covers")],
    ),
    (
        "projects",
        "One row per project ever archived (Claude), with the state of its newest version.",
        &[
            ("id", "The export's project id"),
            ("provider", "chatgpt or claude"),
            ("account_id", "Whose project it is"),
            ("name", "Current name"),
            ("description", "Description"),
            ("instructions", "Project instructions (prompt template)"),
            ("is_private", "1 when private"),
            ("creator_id", "Account that created it"),
            ("created_at", "Created (UTC)"),
            ("updated_at", "Updated (UTC)"),
            ("doc_count", "Documents in the current version"),
            ("current_version", "Number of the current version"),
            ("current_version_id", "Row id of the current version"),
            ("first_import_id", "Import that first brought it"),
            ("last_seen_import_id", "Newest import that held it"),
            ("deleted_import_id", "Import whose export no longer held it (NULL: still there)"),
        ],
    ),
    (
        "project_versions",
        "Every distinct content a project has had.",
        &[
            ("id", "Row id"),
            ("project_id", "The project"),
            ("version", "1, 2, ... in the project's time order"),
            ("content_sha256", "sha256 of the canonical JSON: the version's identity"),
            ("import_id", "First import that brought this version"),
            ("name", "Name in this version"),
            ("description", "Description in this version"),
            ("instructions", "Instructions in this version"),
            ("created_at", "Created (UTC)"),
            ("updated_at", "Updated (UTC)"),
            ("doc_count", "Documents"),
            ("docs_key", "Member of the original object holding the documents"),
            ("envelope", "Canonical JSON of the project without its documents"),
            ("problems", "JSON array of what made no sense but was kept"),
        ],
    ),
    (
        "project_doc_revisions",
        "Project documents, content-addressed: each distinct document stored once.",
        &[
            ("id", "Row id"),
            ("sha256", "sha256 of the document's canonical JSON"),
            ("json", "The document as canonical JSON"),
            ("doc_id", "Document id"),
            ("filename", "File name"),
            ("content", "The document's text"),
            ("created_at", "Created (UTC)"),
        ],
    ),
    (
        "project_version_docs",
        "Which documents make up each project version, in order.",
        &[
            ("version_id", "The project version"),
            ("position", "0, 1, ..."),
            ("revision_id", "The document revision"),
        ],
    ),
    (
        "project_docs",
        "View: the documents of every project's current version.",
        &[
            ("project_id", "The project"),
            ("position", "0, 1, ..."),
            ("doc_id", "Document id"),
            ("filename", "File name"),
            ("content", "The document's text"),
            ("created_at", "Created (UTC)"),
            ("revision_id", "The document revision"),
        ],
    ),
    (
        "memory_records",
        "Memory records as each import had them.",
        &[
            ("id", "Row id"),
            ("import_id", "The import"),
            ("provider", "chatgpt or claude"),
            ("account_id", "Whose memory"),
            ("source", "File in the export"),
            ("position", "Index in that file"),
            ("raw", "The record as canonical JSON"),
        ],
    ),
    (
        "memories",
        "One row per remembered text, per import: account-wide or for one project.",
        &[
            ("id", "Row id"),
            ("record_id", "The memory record"),
            ("import_id", "The import"),
            ("account_id", "Whose memory"),
            ("project_id", "The project (NULL: account-wide)"),
            ("text", "What is remembered"),
        ],
    ),
    (
        "conversation_summary",
        "View: one row per conversation with counts, versions and the deleted-upstream flag.",
        &[
            ("conversation_id", "The conversation"),
            ("provider", "chatgpt or claude"),
            ("account_id", "Whose conversation it is, when known"),
            ("title", "Current title"),
            ("created_at", "Created (UTC)"),
            ("updated_at", "Last updated (UTC)"),
            ("model", "Default model slug"),
            ("is_archived", "1 when archived in the provider's interface"),
            ("messages", "Messages in the current version (every branch)"),
            ("user_messages", "User messages in the current version"),
            ("assistant_messages", "Assistant messages in the current version"),
            ("other_messages", "System and tool messages in the current version"),
            ("thread_messages", "Messages on the current thread"),
            ("versions", "Versions archived"),
            ("current_version", "Number of the current version"),
            ("deleted", "1 when deleted upstream (kept here)"),
            ("deleted_import_id", "Import whose export no longer held it"),
            ("first_import_id", "Import that first brought it"),
            ("last_seen_import_id", "Newest import that held it"),
        ],
    ),
    (
        "daily_activity",
        "View: one row per UTC day and provider with messages.",
        &[
            ("date", "Day (UTC), YYYY-MM-DD"),
            ("provider", "chatgpt or claude"),
            ("conversations", "Conversations with a message that day"),
            ("user_messages", "User messages written that day"),
            ("assistant_messages", "Assistant messages written that day"),
            ("messages", "All messages written that day"),
        ],
    ),
    (
        "model_usage",
        "View: one row per provider and model that wrote assistant messages.",
        &[
            ("provider", "chatgpt or claude"),
            ("model", "Model slug (the message's own, else its conversation's)"),
            ("conversations", "Conversations it wrote in"),
            ("assistant_messages", "Assistant messages it wrote"),
            ("first_used", "First message (UTC)"),
            ("last_used", "Last message (UTC)"),
        ],
    ),
];

/// Storage the views read for you: listed by Datasette only under "hidden tables".
pub const HIDDEN: &[&str] = &[
    "attachment_chunks",
    "node_revisions",
    "version_nodes",
    "current_thread_positions",
    "message_revisions",
    "project_doc_revisions",
    "project_version_docs",
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

const SEARCH_SQL: &str =
    "SELECT m.conversation_id, c.title, m.id AS message_id, m.role, m.created_at,
       snippet(messages_fts, -1, '[', ']', '…', 16) AS snippet
FROM messages_fts
JOIN messages m ON m.pk = messages_fts.rowid
JOIN conversations c ON c.id = m.conversation_id
WHERE messages_fts MATCH chatarchive_fts(:q)
ORDER BY bm25(messages_fts)
LIMIT 100";

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
    for (name, description, columns) in TABLES {
        let mut t = table_settings(name);
        t.insert("description".into(), json!(description));
        let cols: Map<String, Value> = columns
            .iter()
            .map(|(c, d)| (c.to_string(), json!(d)))
            .collect();
        t.insert("columns".into(), Value::Object(cols));
        tables.insert(name.to_string(), Value::Object(t));
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
    use crate::archive::Archive;

    #[test]
    fn every_table_view_and_column_of_a_fresh_archive_is_described() {
        let dir = tempfile::tempdir().unwrap();
        let a = Archive::open(&dir.path().join("a.db")).unwrap();
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
        assert!(names.len() >= 12, "{names:?}");
        for name in names {
            let Some((_, _, described)) = TABLES.iter().find(|(t, _, _)| *t == name) else {
                panic!("{name} has no description in render/datasette.rs TABLES");
            };
            let columns: Vec<String> = a
                .conn
                .prepare(&format!("SELECT name FROM pragma_table_info('{name}')"))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            for c in &columns {
                assert!(
                    described.iter().any(|(d, _)| d == c),
                    "{name}.{c} is not described"
                );
            }
            for (d, _) in described.iter() {
                assert!(
                    columns.contains(&d.to_string()),
                    "{name}.{d} does not exist"
                );
            }
        }
    }

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
