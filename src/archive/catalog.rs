//! The public schema, described once: every table, view and column, with how it joins and an
//! example query. docs/schema.md and the Datasette metadata are generated from this table, and
//! tests check it against the live schema of a fresh archive and run every example.

/// A table or view of the archive.
pub struct Table {
    pub name: &'static str,
    /// One sentence: what a row is (Datasette shows it above the rows).
    pub purpose: &'static str,
    /// Bookkeeping the archive keeps for itself: read through other tables or views, hidden in
    /// Datasette, listed last in the docs.
    pub internal: bool,
    pub columns: &'static [Column],
    /// How it joins, beside the foreign keys the schema declares (Markdown).
    pub joins: &'static str,
    /// Rules and details for docs/schema.md (Markdown; may be empty).
    pub notes: &'static str,
    /// A query a reader can start from; the tests run it on the example archive.
    pub example: &'static str,
}

pub struct Column {
    pub name: &'static str,
    pub description: &'static str,
}

const fn col(name: &'static str, description: &'static str) -> Column {
    Column { name, description }
}

/// The table or view of that name.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// In reading order: what people query first, internal tables last.
pub const TABLES: &[Table] = &[
    Table {
        name: "conversations",
        purpose: "One row per conversation ever archived, with the state of its newest version.",
        internal: false,
        columns: &[
            col("id", "The export's conversation id"),
            col("provider", "chatgpt or claude"),
            col("account_id", "Whose conversation it is, when known"),
            col("title", "Current title"),
            col("summary", "Summary the provider wrote (Claude), current version"),
            col("created_at", "Created (UTC)"),
            col("updated_at", "Last updated (UTC)"),
            col("model", "Default model slug"),
            col("is_archived", "1 when archived in the provider's interface"),
            col("current_version", "Number of the current version (see conversation_versions)"),
            col("current_version_id", "Row id of the current version"),
            col("message_count", "Messages in the current version (every branch)"),
            col("first_import_id", "Import that first brought it"),
            col("last_seen_import_id", "Newest import that held it"),
            col("deleted_import_id", "Import whose export no longer held it: deleted upstream (NULL: still there)"),
        ],
        joins: "`current_version_id` → `conversation_versions.id`; `account_id` → `accounts.id`; `first_import_id`, `last_seen_import_id`, `deleted_import_id` → `imports.id`. Its messages: `messages.conversation_id`; what a reader sees: `current_thread.conversation_id`.",
        notes: r##"**Which version is current.** Versions are ordered by the conversation's own `update_time`, then
by the export time of the import that brought them (two exports can hold different content under
the same `update_time`, e.g. when the exporter drops fields), then by the order they reached the
archive; the newest is current. Ingesting an older export later adds its versions to the history
without changing what is current.

**Deleted upstream.** An export is judged only when its account is known, it holds at least one
conversation, and it is at least as new (`export_time`) as every other export of that account in
the archive. Then every conversation of that account and provider that it does not hold is flagged
with its import id, and every flagged one it holds again is restored. Deletion is judged per
account, never across accounts. An older export ingested late flags nothing, except the
conversations it brings for the first time whose `updated_at` is not later than the newest export:
those were deleted before the newest export and are flagged with that export's import. A
conversation updated after the judging export was made (`updated_at` later than its `export_time`)
is never flagged by it. A partial export (`imports.partial`) judges nothing and is never the
newest export of its account.

`id` is the export's conversation id (`conversation_id`, else `id`; a conversation with neither is
`missing-id-<first 16 hex of its content hash>`)."##,
        example: r##"SELECT id, title, updated_at, current_version
FROM conversations
WHERE deleted_import_id IS NULL
ORDER BY updated_at DESC
LIMIT 10"##,
    },
    Table {
        name: "conversation_summary",
        purpose: "one row per conversation with counts, versions and the deleted-upstream flag.",
        internal: false,
        columns: &[
            col("conversation_id", "The conversation"),
            col("provider", "chatgpt or claude"),
            col("account_id", "Whose conversation it is, when known"),
            col("title", "Current title"),
            col("created_at", "Created (UTC)"),
            col("updated_at", "Last updated (UTC)"),
            col("model", "Default model slug"),
            col("is_archived", "1 when archived in the provider's interface"),
            col("messages", "Messages in the current version (every branch)"),
            col("user_messages", "User messages in the current version"),
            col("assistant_messages", "Assistant messages in the current version"),
            col("other_messages", "System and tool messages in the current version"),
            col("thread_messages", "Messages on the current thread"),
            col("versions", "Versions archived"),
            col("current_version", "Number of the current version"),
            col("deleted", "1 when deleted upstream (kept here)"),
            col("deleted_import_id", "Import whose export no longer held it"),
            col("first_import_id", "Import that first brought it"),
            col("last_seen_import_id", "Newest import that held it"),
        ],
        joins: "`conversation_id` → `conversations.id`; the import columns → `imports.id`.",
        notes: "The place to start in a BI tool: one row per conversation ever archived (deleted upstream ones included), with counts over its current version.",
        example: r##"SELECT provider, count(*) AS conversations, sum(messages) AS messages, sum(deleted) AS deleted
FROM conversation_summary
GROUP BY provider"##,
    },
    Table {
        name: "current_thread",
        purpose: "each conversation's current thread, message by message.",
        internal: false,
        columns: &[
            col("conversation_id", "The conversation"),
            col("position", "0 for the first message of the thread"),
            col("message_id", "Node key of the message"),
            col("role", "user, assistant, system or tool"),
            col("content_type", "Content type"),
            col("text", "Readable text"),
            col("created_at", "Written (UTC)"),
            col("hidden", "1 when the interface does not show it"),
            col("reasoning", "1 for reasoning"),
            col("message_pk", "The message (messages.pk)"),
            col("provider", "chatgpt or claude"),
        ],
        joins: "(`conversation_id`, `message_id`) → `messages (conversation_id, id)`; `message_pk` → `messages.pk`.",
        notes: r##"For each conversation, the path from the root to the current node of the current version,
message nodes only; materialized at ingest (`current_thread_positions`) so the view answers for a
whole archive at once. When the export's `current_node` is missing or not in the tree, the thread
ends at the leaf with the newest message (Claude: the latest leaf)."##,
        example: r##"SELECT position, role, substr(text, 1, 80) AS text
FROM current_thread
WHERE conversation_id = (SELECT id FROM conversations ORDER BY updated_at DESC LIMIT 1)
ORDER BY position"##,
    },
    Table {
        name: "messages",
        purpose: "Every message ever archived (all branches, all versions), with its newest content. Full-text searchable.",
        internal: false,
        columns: &[
            col("pk", "Stable row id (the full-text index's rowid)"),
            col("conversation_id", "The conversation"),
            col("id", "Node key in the conversation's tree"),
            col("provider_message_id", "The provider's own message id, only when it differs from id (usually NULL)"),
            col("parent_id", "Nearest ancestor node that has a message"),
            col("role", "user, assistant, system or tool"),
            col("author_name", "Tool name for tool messages (python, browser, ...)"),
            col("content_type", "text, multimodal_text, code, execution_output, thoughts, ..."),
            col("text", "Readable text derived from the content"),
            col("created_at", "Written (UTC)"),
            col("updated_at", "Last changed (UTC)"),
            col("model", "Model slug that wrote it"),
            col("status", "Provider's status, e.g. finished_successfully"),
            col("recipient", "all, or the tool a call was addressed to"),
            col("end_turn", "1 when the message ended the assistant's turn"),
            col("finish_reason", "Why generation stopped (stop, max_tokens, ...)"),
            col("hidden", "1 when the interface does not show it (system prompts, tool calls)"),
            col("reasoning", "1 for reasoning (thoughts, recaps, thinking)"),
            col("raw", "The message object as canonical JSON"),
            col("raw_sha256", "sha256 of raw"),
            col("text_spans", "JSON array of {start, end, kind}: stretches of text that are reasoning, tool use or results, attachment text, injected context"),
            col("revision_id", "Node revision this content comes from"),
            col("version_id", "Version this content comes from"),
            col("first_import_id", "Import that first brought it"),
        ],
        joins: "A message is identified by the pair (`conversation_id`, `id`): every other table refers to it as (`conversation_id`, `message_id`). `pk` is the rowid of `messages_fts`; `revision_id` → `node_revisions.id`; `version_id` → `conversation_versions.id`; `first_import_id` → `imports.id`.",
        notes: r##"One row per message node ever seen: every branch, every version, latest content per node (the
content of the newest version that holds it). Nodes without a message (the usual empty root) are
kept in `version_nodes` but are not messages. `id` is the node's key in the tree (what `parent` and
`current_node` refer to); message ids are unique only within a conversation.

**Full-text search.** `messages_fts` is an FTS5 index over `messages.text`: external content
(`content=[messages]`, `content_rowid=pk`, the form Datasette recognises: its search box works on
`messages`), kept in step by triggers. Tokenizer `unicode61 remove_diacritics 2 tokenchars '+#'`:
case and accents folded (`café` finds `cafe`), `+`/`#` kept inside tokens so `C++`, `C#` and `F#`
stay searchable words.

**Hidden rule.** `hidden = 1` when any of: `metadata.is_visually_hidden_from_conversation` is true;
the role is `system`; `recipient` is present and not `all` (a call to a tool); the content type is
`code` and `recipient` is not `all` (code messages are always tool calls: python, canvas; 2026
exports dropped `recipient`); the content type is `user_editable_context` or
`model_editable_context` (custom instructions and memory). Tool *results* (role `tool`) are shown.

**Text rules** (ChatGPT `content_type` → `text`; Claude's blocks: [providers.md](providers.md)):

| content_type | text |
|---|---|
| `text` | `parts` (strings) joined by blank lines |
| `multimodal_text` | string parts joined by blank lines; `audio_transcription` parts contribute their `text`; image, audio and video parts become rows of `message_attachments` and no text |
| `code` | `text` (the language is in `raw`: `content.language`) |
| `code`, a canvas call (`recipient` `canmore.*`, or none and arguments shaped like one) | the document as a person reads it: `name` and `content` of a create or rewrite, each `replacement` of an update, each `comment`; the JSON arguments stay in `raw` (the JSON's escapes would hide words from search: `\nword` is the token `nword`) |
| `execution_output`, `tether_browsing_code` | `text` |
| `tether_browsing_display` | `summary`, `result` |
| `tether_quote` | `title`, `url`, `text` |
| `system_error` | `name: text` |
| `thoughts` | each thought's `summary` and `content` |
| `reasoning_recap` | `content` |
| `user_editable_context` | `user_profile`, `user_instructions` |
| `model_editable_context` | `model_set_context`, `repo_summary` |
| `sonic_webpage` | `title`, `url`, `text` (else `snippet`) |
| `computer_output` | `state.title`, `state.url`; the `screenshot` becomes an attachment |
| anything else | every string leaf of `content` in document order, skipping ids, types, URLs and asset pointers; asset pointers anywhere inside become attachments. The type is counted in `imports.unknown_content_types` and warned about once per type |

Pieces are joined by blank lines. A lone surrogate escape shows as U+FFFD in `text` (and stays
escaped in `raw`). `text_spans` marks stretches of `text` that are not plain conversation: a JSON
array of `{"start": s, "end": e, "kind": k}` in characters (`substr(text, s + 1, e - s)`), `kind`
one of `reasoning`, `tool_use`, `tool_result`, `attachment`, `context`."##,
        example: r##"SELECT m.conversation_id, m.id AS message_id, m.role, snippet(messages_fts, 0, '[', ']', '…', 8) AS snippet
FROM messages_fts
JOIN messages m ON m.pk = messages_fts.rowid
WHERE messages_fts MATCH '"node.js"'
ORDER BY rank
LIMIT 5"##,
    },
    Table {
        name: "version_messages",
        purpose: "every message of every version, with that version's text.",
        internal: false,
        columns: &[
            col("conversation_id", "The conversation"),
            col("version", "Version number"),
            col("message_id", "Node key of the message"),
            col("parent_id", "Nearest ancestor with a message (newest content)"),
            col("role", "user, assistant, system or tool"),
            col("content_type", "Content type"),
            col("text", "Readable text as of this version"),
            col("created_at", "Written (UTC)"),
            col("position", "Place in the version's export order"),
            col("version_id", "Row id of the version"),
            col("revision_id", "Node revision in this version"),
            col("provider", "chatgpt or claude"),
        ],
        joins: "(`conversation_id`, `message_id`) → `messages (conversation_id, id)`; `version_id` → `conversation_versions.id`; `revision_id` → `node_revisions.id`.",
        notes: "The messages of each version as they were in it: `text` is that version's own (from `node_revisions.text` when a later version changed it).",
        example: r##"SELECT version, position, role, substr(text, 1, 60) AS text
FROM version_messages
WHERE conversation_id = (SELECT conversation_id FROM conversation_versions GROUP BY conversation_id HAVING count(*) > 1 LIMIT 1)
ORDER BY version, position"##,
    },
    Table {
        name: "conversation_versions",
        purpose: "Every distinct content a conversation has had, numbered in its own time order.",
        internal: false,
        columns: &[
            col("id", "Row id"),
            col("conversation_id", "The conversation"),
            col("version", "1, 2, ... in the conversation's time order"),
            col("content_sha256", "sha256 of the canonical JSON: the version's identity"),
            col("first_import_id", "First import that brought this version (→ imports.id)"),
            col("title", "Title in this version"),
            col("summary", "Summary the provider wrote (Claude), in this version"),
            col("created_at", "Created (UTC)"),
            col("updated_at", "Updated (UTC), as this version says"),
            col("current_node_key", "Node key the interface showed as the end of the thread (a messages.id of this conversation)"),
            col("message_count", "Nodes with a message"),
            col("node_count", "Nodes in the tree"),
            col("tree_key", "Member of the original object that holds the nodes"),
            col("tree_kind", "object (keyed by node id) or array"),
            col("envelope", "Canonical JSON of the conversation without its tree"),
            col("problems", "JSON array of what made no sense but was kept"),
        ],
        joins: "`conversation_id` → `conversations.id`; `first_import_id` → `imports.id`; its nodes: `version_nodes.version_id`; `current_node_key` → `messages.id` within `conversation_id`.",
        notes: r##"Every distinct content of every conversation. `content_sha256` (of the canonical JSON of the
whole conversation object) is a version's stable identity: key order, whitespace and escaping do
not change it; any other difference does, fields added or dropped by the exporter included. A
conversation whose hash is already known costs no write beyond bookkeeping. Version numbers follow
the conversation's own time order and may be renumbered when an older export is ingested later.
`chatarchive show ID --format original [--version N]` rebuilds the conversation object from
`envelope` and the version's nodes."##,
        example: r##"SELECT c.title, v.version, v.updated_at, v.message_count, i.source
FROM conversation_versions v
JOIN conversations c ON c.id = v.conversation_id
JOIN imports i ON i.id = v.first_import_id
ORDER BY c.id, v.version"##,
    },
    Table {
        name: "imports",
        purpose: "One row per ingest that wrote something: which export, when, and what it changed.",
        internal: false,
        columns: &[
            col("id", "Import number, in ingest order"),
            col("source", "Path of the export as given on the command line"),
            col("source_kind", "zip, folder or file"),
            col("source_size", "Size of the export in bytes"),
            col("source_sha256", "sha256 of the export's bytes (a folder: of its files)"),
            col("source_fingerprint", "Cheap identity of the export: size and ZIP central directory"),
            col("provider", "chatgpt or claude"),
            col("account_id", "Whose export it is, when known"),
            col("export_time", "When the export was made (UTC): the newest conversation update, or later when the export's own evidence says so"),
            col("export_time_source", "Where export_time came from: conversations (newest update), zip_entries (the ZIP's entry times), file_name (the time in the export's file name); NULL when unknown"),
            col("partial", "1 when the export was partial (ingest --partial, or a lone conversations-NNN.json): what it held is archived, no deletions were judged, and it is not a complete snapshot of its account"),
            col("started_at", "When the ingest started (UTC)"),
            col("finished_at", "When the ingest committed (UTC)"),
            col("conversations_total", "Conversations in the export"),
            col("conversations_new", "Conversations seen for the first time"),
            col("conversations_changed", "Conversations that got a new version"),
            col("conversations_unchanged", "Conversations identical to a version already archived"),
            col("conversations_deleted", "Conversations this export no longer held (deleted upstream)"),
            col("conversations_restored", "Conversations back after being missing"),
            col("messages_new", "Messages seen for the first time"),
            col("warnings", "JSON array of warnings, NULL when none"),
            col("tool_version", "chatarchive version that ingested it"),
            col("unknown_content_types", "JSON object: content types this version did not know, with message counts"),
            col("conversations_skipped_forgotten", "Conversations in the export not stored because they were forgotten"),
        ],
        joins: "`account_id` → `accounts.id`; every `*_import_id` column elsewhere → `imports.id`; accounts it covers: `import_accounts.import_id`; files it held: `export_files.import_id`.",
        notes: r##"One row per ingest that wrote something. A repeated export (same fingerprint or same sha256)
writes nothing and adds no row; `--force` ingests it anyway. `source_sha256` is the sha256 of the
file as downloaded (a folder: of its sorted `name\0sha256` list); `source_fingerprint` is a cheap
identity: size plus the ZIP's central directory (a folder: names, sizes and modification times).
`account_id` is `user.json`'s `id`, else `--account`; NULL when unknown or several (team exports:
see `import_accounts`), and then nothing is judged deleted for it.

`export_time` is the newest conversation update unless the export itself shows it was made later:
the times of the ZIP's entries (the extended-timestamp field when present, which is UTC; plain DOS
times carry no zone, so they count only when more than 14 hours past the newest update) or a time
in the file name (`<hash>-2026-06-01-12-30-45.zip`, `data-2026-03-02-15-59-23-batch-0000.zip`);
`export_time_source` says which. A partial import (`partial` = 1) is never in `import_accounts`,
judges no deletions and is never the newest export of its account; `forget --account` removes it
with the account."##,
        example: r##"SELECT id, source, provider, export_time, conversations_new, conversations_changed, conversations_deleted
FROM imports
ORDER BY id"##,
    },
    Table {
        name: "accounts",
        purpose: "Accounts (user.json), latest values.",
        internal: false,
        columns: &[
            col("id", "Account id"),
            col("provider", "chatgpt or claude"),
            col("email", "E-mail"),
            col("name", "Name"),
            col("phone_number", "Phone number"),
            col("raw", "The account record as canonical JSON"),
            col("first_import_id", "Import that first brought it"),
            col("last_import_id", "Last import that held it"),
        ],
        joins: "`id` is what every `account_id` column holds; `first_import_id`, `last_import_id` → `imports.id`; every import's copy: `account_snapshots.account_id`.",
        notes: r##"One row per account: every `account_id` anywhere in the archive has its row. Values come from the
newest export (by `export_time`) whose account file named it (ChatGPT `user.json`, Claude
`users.json`); an older export ingested late does not overwrite them. An account known only from
`ingest --account` or from its conversations has a row with `raw = '{}'` and no email or name.
`phone_number` is ChatGPT's `phone_number` or Claude's `verified_phone_number`."##,
        example: r##"SELECT a.id, a.provider, a.email, count(c.id) AS conversations
FROM accounts a
LEFT JOIN conversations c ON c.account_id = a.id
GROUP BY a.id"##,
    },
    Table {
        name: "import_accounts",
        purpose: "Which accounts each import is a complete snapshot of (deletions are judged per account).",
        internal: false,
        columns: &[
            col("import_id", "The import"),
            col("account_id", "An account it covers"),
        ],
        joins: "`import_id` → `imports.id`; `account_id` → `accounts.id`.",
        notes: "Which accounts each import is a complete snapshot of: the accounts the export names (plus `--account`) and those its conversations belong to. Deletions upstream are judged per account in this list ([providers.md](providers.md)).",
        example: r##"SELECT account_id, max(import_id) AS newest_import
FROM import_accounts
GROUP BY account_id"##,
    },
    Table {
        name: "archive",
        purpose: "The archive itself: one row with an id minted once, so datasets pooled from many archives can tell them apart.",
        internal: false,
        columns: &[
            col("id", "UUID v4 (lower-case), minted when the archive was created or upgraded to schema 1.0"),
            col("created_at", "When the id was minted (UTC)"),
        ],
        joins: "Stands alone. Parquet datasets name each archive's files after `archive.id`.",
        notes: r##"Exactly one row. `chatarchive backup PATH` keeps the id (a backup is the same archive);
`chatarchive backup --new-id PATH` gives the copy an id of its own (for a copy that will live on
separately). The same in SQL on a copy:

```sql
UPDATE archive SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    id = lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
       || substr(lower(hex(randomblob(2))), 2) || '-'
       || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-'
       || lower(hex(randomblob(6)));
```"##,
        example: "SELECT id, created_at FROM archive",
    },
    Table {
        name: "message_attachments",
        purpose: "Which message points at which file; sha256 is NULL while no export held the file.",
        internal: false,
        columns: &[
            col("conversation_id", "The conversation"),
            col("message_id", "The message (messages.id)"),
            col("asset_pointer", "As written in the message"),
            col("file_id", "Asset id in the pointer"),
            col("kind", "Part type, or upload"),
            col("sha256", "The stored file, NULL while missing"),
            col("name", "File name"),
            col("mime_type", "Type"),
            col("size", "Bytes, as the message says"),
            col("width", "Pixels"),
            col("height", "Pixels"),
            col("extracted_text", "Text the provider extracted from the file"),
            col("first_import_id", "Import that first brought the link"),
        ],
        joins: "(`conversation_id`, `message_id`) → `messages (conversation_id, id)`; `sha256` → `attachments.sha256`; `first_import_id` → `imports.id`.",
        notes: r##"Which message points at which file: image, audio and video parts of `multimodal_text`,
screenshots, code-interpreter charts (`metadata.aggregate_result.messages[]` of type
`image`, kind `execution_output_image`), and the files in `metadata.attachments` (Claude: `files` and `attachments`). A link
to a file that no export held (an expired upload) keeps `sha256` NULL; a later export that holds
the file fills it in. `asset_pointer` is as written: `file-service://file-…`, `sediment://file_…`,
or an upload's file id."##,
        example: r##"SELECT ma.conversation_id, ma.message_id, ma.name, a.mime_type, a.size
FROM message_attachments ma
JOIN attachments a ON a.sha256 = ma.sha256
ORDER BY a.size DESC"##,
    },
    Table {
        name: "attachments",
        purpose: "Every distinct file of every export (uploads, images, voice, side files), stored once by sha256.",
        internal: false,
        columns: &[
            col("sha256", "sha256 of the file"),
            col("size", "Bytes"),
            col("mime_type", "From the name, else sniffed from the bytes"),
            col("data", "The bytes (NULL for files over 4 MiB: see attachment_chunks)"),
            col("chunk_count", "Number of chunks (0 when data holds the file)"),
            col("first_import_id", "Import that first brought it"),
        ],
        joins: "`sha256` ← `message_attachments.sha256`, `export_files.sha256`; large files' pieces: `attachment_chunks.sha256`; `first_import_id` → `imports.id`.",
        notes: r##"Every distinct file of every export except the conversation JSON and `chat.html`: uploads,
generated images, voice recordings, side JSON files, files this tool does not understand. Stored
once per sha256, however many exports bring it: up to 4 MiB in `data`, larger in 4 MiB pieces in
`attachment_chunks` (`chatarchive attachments extract` reassembles them). `mime_type` comes from
the (original) name's extension, else is sniffed from the bytes."##,
        example: r##"SELECT mime_type, count(*) AS files, sum(size) AS bytes
FROM attachments
GROUP BY mime_type
ORDER BY bytes DESC"##,
    },
    Table {
        name: "export_files",
        purpose: "Every file of every import, stored or not.",
        internal: false,
        columns: &[
            col("import_id", "The import"),
            col("path", "Name inside the export"),
            col("size", "Bytes"),
            col("sha256", "sha256 of the bytes"),
            col("stored", "1 when the bytes are in attachments"),
            col("kind", "conversations, account, side, html, attachment or other"),
            col("file_id", "Asset id from the name (file-..., file_...)"),
            col("original_name", "Original name from conversation_asset_file_names.json, else the `file_name` that library_files.json gives the file"),
            col("mime_type", "Type of the file"),
        ],
        joins: "`import_id` → `imports.id`; `sha256` → `attachments.sha256` when `stored = 1`; `file_id` matches `message_attachments.file_id`.",
        notes: r##"Every file of every import, stored or not: what the export held. `path` is the name inside the
export (never used as a path on disk). `kind`: `conversations`, `account`, `side` (known side JSON
files), `html`, `attachment` (asset files), `other`. `file_id` is the provider's asset id the name
starts with (`file-XXXX`, `file_<32 hex>`); `file_id` means that provider id in every table (the
archive has no `files` table)."##,
        example: r##"SELECT i.id AS import_id, f.kind, count(*) AS files, sum(f.size) AS bytes
FROM export_files f
JOIN imports i ON i.id = f.import_id
GROUP BY i.id, f.kind"##,
    },
    Table {
        name: "citations",
        purpose: "Sources a message cites.",
        internal: false,
        columns: &[
            col("conversation_id", "The conversation"),
            col("message_id", "The message"),
            col("position", "0, 1, ..."),
            col("url", "Cited URL"),
            col("title", "Title of the source"),
            col("snippet", "Quoted text"),
            col("first_import_id", "Import that brought it"),
        ],
        joins: "(`conversation_id`, `message_id`) → `messages (conversation_id, id)`; `first_import_id` → `imports.id`.",
        notes: "Sources a message cites (`metadata.citations`, `metadata.content_references`), for the message's latest content.",
        example: r##"SELECT url, count(*) AS times_cited
FROM citations
GROUP BY url
ORDER BY times_cited DESC"##,
    },
    Table {
        name: "canvas_documents",
        purpose: "Canvas documents of each conversation's current thread, with their final content.",
        internal: false,
        columns: &[
            col("id", "Row id"),
            col("conversation_id", "The conversation"),
            col("name", "Document name"),
            col("type", "Document type"),
            col("version_count", "Number of versions"),
            col("content", "The final document"),
        ],
        joins: "`conversation_id` → `conversations.id`; its versions: `canvas_document_versions.document_id`.",
        notes: "Canvas documents written through `canmore.create_textdoc` / `canmore.update_textdoc` tool calls, replayed along each conversation's current thread (updates are regex replacements over the previous text, applied to the document the tool's reply names in `metadata.canvas.textdoc_id`, or, when the export kept no reply, to the most recently created one); `content` is the final document.",
        example: r##"SELECT c.title, d.name, d.type, d.version_count, length(d.content) AS characters
FROM canvas_documents d
JOIN conversations c ON c.id = d.conversation_id"##,
    },
    Table {
        name: "canvas_document_versions",
        purpose: "Every version of every canvas document.",
        internal: false,
        columns: &[
            col("document_id", "The document"),
            col("version", "1, 2, ..."),
            col("message_id", "The tool call that wrote it"),
            col("created_at", "When (UTC)"),
            col("operation", "create or update"),
            col("content", "The document after that call"),
        ],
        joins: "`document_id` → `canvas_documents.id`; (`canvas_documents.conversation_id`, `message_id`) → `messages (conversation_id, id)`: the tool call.",
        notes: "",
        example: r##"SELECT d.name, v.version, v.operation, v.created_at
FROM canvas_document_versions v
JOIN canvas_documents d ON d.id = v.document_id
ORDER BY d.id, v.version"##,
    },
    Table {
        name: "projects",
        purpose: "One row per project ever archived (Claude), with the state of its newest version.",
        internal: false,
        columns: &[
            col("id", "The export's project id"),
            col("provider", "chatgpt or claude"),
            col("account_id", "Whose project it is"),
            col("name", "Current name"),
            col("description", "Description"),
            col("instructions", "Project instructions (prompt template)"),
            col("is_private", "1 when private"),
            col("creator_id", "Account that created it"),
            col("created_at", "Created (UTC)"),
            col("updated_at", "Updated (UTC)"),
            col("doc_count", "Documents in the current version"),
            col("current_version", "Number of the current version"),
            col("current_version_id", "Row id of the current version"),
            col("first_import_id", "Import that first brought it"),
            col("last_seen_import_id", "Newest import that held it"),
            col("deleted_import_id", "Import whose export no longer held it (NULL: still there)"),
        ],
        joins: "`current_version_id` → `project_versions.id`; `account_id` → `accounts.id`; import columns → `imports.id`; current documents: `project_docs.project_id`.",
        notes: "One row per project ever seen (Claude projects): its current state, from its newest version. Versioned like conversations; a project missing from the newest export of its account is kept and flagged (`deleted_import_id`). `instructions` is Claude's `prompt_template`.",
        example: r##"SELECT name, doc_count, current_version, updated_at
FROM projects
ORDER BY updated_at DESC"##,
    },
    Table {
        name: "project_docs",
        purpose: "the documents of every project's current version.",
        internal: false,
        columns: &[
            col("project_id", "The project"),
            col("position", "0, 1, ..."),
            col("doc_id", "Document id"),
            col("filename", "File name"),
            col("content", "The document's text"),
            col("created_at", "Created (UTC)"),
            col("revision_id", "The document revision"),
        ],
        joins: "`project_id` → `projects.id`; `revision_id` → `project_doc_revisions.id`.",
        notes: "",
        example: r##"SELECT p.name AS project, d.filename, length(d.content) AS characters
FROM project_docs d
JOIN projects p ON p.id = d.project_id
ORDER BY p.name, d.position"##,
    },
    Table {
        name: "project_versions",
        purpose: "Every distinct content a project has had.",
        internal: false,
        columns: &[
            col("id", "Row id"),
            col("project_id", "The project"),
            col("version", "1, 2, ... in the project's time order"),
            col("content_sha256", "sha256 of the canonical JSON: the version's identity"),
            col("first_import_id", "First import that brought this version (→ imports.id)"),
            col("name", "Name in this version"),
            col("description", "Description in this version"),
            col("instructions", "Instructions in this version"),
            col("created_at", "Created (UTC)"),
            col("updated_at", "Updated (UTC)"),
            col("doc_count", "Documents"),
            col("docs_key", "Member of the original object holding the documents"),
            col("envelope", "Canonical JSON of the project without its documents"),
            col("problems", "JSON array of what made no sense but was kept"),
        ],
        joins: "`project_id` → `projects.id`; `first_import_id` → `imports.id`; its documents: `project_version_docs.version_id`.",
        notes: "Every distinct content of a project. `content_sha256` (of the whole canonical project object, documents included) is a version's stable identity; version numbers follow the project's own `updated_at` order.",
        example: r##"SELECT p.name, v.version, v.doc_count, v.updated_at
FROM project_versions v
JOIN projects p ON p.id = v.project_id
ORDER BY p.id, v.version"##,
    },
    Table {
        name: "project_doc_revisions",
        purpose: "Project documents, content-addressed: each distinct document stored once.",
        internal: false,
        columns: &[
            col("id", "Row id"),
            col("sha256", "sha256 of the document's canonical JSON"),
            col("doc_json", "The document object as canonical JSON"),
            col("doc_id", "Document id"),
            col("filename", "File name"),
            col("content", "The document's text"),
            col("created_at", "Created (UTC)"),
        ],
        joins: "← `project_version_docs.revision_id`, `project_docs.revision_id`.",
        notes: "Content-addressed project documents: a document shared by many versions is stored once; a changed document is a new row, and the old one stays with the versions that had it. `project_doc_revisions_fts` (V10) is an FTS5 index over `filename` and `content` (external content, rowid = `id`, the tokenizer of `messages_fts`), kept in step by triggers; `chatarchive search` and Datasette's search box use it.",
        example: r##"SELECT filename, count(*) AS revisions
FROM project_doc_revisions
GROUP BY filename"##,
    },
    Table {
        name: "project_version_docs",
        purpose: "Which documents make up each project version, in order.",
        internal: false,
        columns: &[
            col("version_id", "The project version"),
            col("position", "0, 1, ..."),
            col("revision_id", "The document revision"),
        ],
        joins: "`version_id` → `project_versions.id`; `revision_id` → `project_doc_revisions.id`.",
        notes: "",
        example: r##"SELECT vd.version_id, vd.position, r.filename
FROM project_version_docs vd
JOIN project_doc_revisions r ON r.id = vd.revision_id
ORDER BY vd.version_id, vd.position"##,
    },
    Table {
        name: "memories",
        purpose: "One row per remembered text, per import: account-wide or for one project.",
        internal: false,
        columns: &[
            col("id", "Row id"),
            col("record_id", "The memory record"),
            col("import_id", "The import"),
            col("account_id", "Whose memory"),
            col("project_id", "The project (NULL: account-wide)"),
            col("text", "What is remembered"),
        ],
        joins: "`record_id` → `memory_records.id`; `import_id` → `imports.id`; `account_id` → `accounts.id`; `project_id` → `projects.id` when that project is archived.",
        notes: "One row per remembered text of a memory record. `project_id` is NULL for the account-wide memory.",
        example: r##"SELECT text FROM memories
WHERE import_id = (SELECT max(import_id) FROM memories)
ORDER BY id"##,
    },
    Table {
        name: "memory_records",
        purpose: "Memory records as each import had them.",
        internal: false,
        columns: &[
            col("id", "Row id"),
            col("import_id", "The import"),
            col("provider", "chatgpt or claude"),
            col("account_id", "Whose memory"),
            col("source", "File in the export"),
            col("position", "Index in that file"),
            col("raw", "The record as canonical JSON"),
        ],
        joins: "`import_id` → `imports.id`; `account_id` → `accounts.id`; its texts: `memories.record_id`.",
        notes: "Memory records as each import had them (Claude `memories.json` elements, or the one object of `memories/<account uuid>.json`). Not versioned: every import keeps its own.",
        example: r##"SELECT import_id, source, count(*) AS records
FROM memory_records
GROUP BY import_id, source"##,
    },
    Table {
        name: "message_feedback",
        purpose: "Thumbs up/down given to messages (message_feedback.json).",
        internal: false,
        columns: &[
            col("id", "Feedback id"),
            col("conversation_id", "The conversation"),
            col("message_id", "The rated message"),
            col("user_id", "Who rated"),
            col("rating", "thumbsUp or thumbsDown"),
            col("text", "Comment"),
            col("tags", "JSON array of tags"),
            col("created_at", "When (UTC)"),
            col("raw", "The record as canonical JSON"),
            col("first_import_id", "Import that first brought it"),
            col("last_import_id", "Last import that held it"),
        ],
        joins: "(`conversation_id`, `message_id`) → `messages (conversation_id, id)` when the rated message is archived; import columns → `imports.id`.",
        notes: "Side-file records (this table and the next three) keep `raw` (the record, canonical JSON), `first_import_id` and `last_import_id` (the last import that held it); values are the latest. `message_id` is the record's `message_id`, else its `id`, which exports set to the rated message; `text` and `tags` are unpacked from the record's `content`, itself JSON in a string.",
        example: r##"SELECT f.rating, f.text, substr(m.text, 1, 60) AS rated_message
FROM message_feedback f
LEFT JOIN messages m ON m.conversation_id = f.conversation_id AND m.id = f.message_id"##,
    },
    Table {
        name: "shared_conversations",
        purpose: "Shared links (shared_conversations.json).",
        internal: false,
        columns: &[
            col("id", "Share id"),
            col("conversation_id", "The conversation"),
            col("title", "Title when shared"),
            col("is_anonymous", "1 when shared anonymously"),
            col("raw", "The record as canonical JSON"),
            col("first_import_id", "Import that first brought it"),
            col("last_import_id", "Last import that held it"),
        ],
        joins: "`conversation_id` → `conversations.id` when archived.",
        notes: "",
        example: "SELECT id, conversation_id, title, is_anonymous FROM shared_conversations",
    },
    Table {
        name: "model_comparisons",
        purpose: "Which-response-do-you-prefer records (model_comparisons.json); shapes vary.",
        internal: false,
        columns: &[
            col("sha256", "sha256 of the record"),
            col("id", "Record id, when present"),
            col("conversation_id", "The conversation, when present"),
            col("raw", "The record as canonical JSON"),
            col("first_import_id", "Import that first brought it"),
            col("last_import_id", "Last import that held it"),
        ],
        joins: "`conversation_id` → `conversations.id` when present and archived.",
        notes: "`sha256` is of the record's canonical JSON: the shape varies between exports.",
        example: "SELECT conversation_id, count(*) AS comparisons FROM model_comparisons GROUP BY conversation_id",
    },
    Table {
        name: "library_files",
        purpose: "Files of the account's library (library_files.json, 2026 exports).",
        internal: false,
        columns: &[
            col("file_id", "File id"),
            col("file_name", "Original name"),
            col("mime_type", "Type"),
            col("created_at", "When (UTC)"),
            col("deleted_at", "Deleted (UTC)"),
            col("origination_message_id", "Message that brought it"),
            col("conversation_id", "Conversation that brought it"),
            col("raw", "The record as canonical JSON"),
            col("first_import_id", "Import that first brought it"),
            col("last_import_id", "Last import that held it"),
        ],
        joins: "`conversation_id` → `conversations.id` (the file's `origination_thread_id`); (`conversation_id`, `origination_message_id`) → `messages (conversation_id, id)`; `file_id` matches `export_files.file_id`.",
        notes: "",
        example: "SELECT file_name, mime_type, created_at, conversation_id FROM library_files ORDER BY created_at",
    },
    Table {
        name: "account_snapshots",
        purpose: "Every import's copy of the account record.",
        internal: false,
        columns: &[
            col("import_id", "The import"),
            col("account_id", "The account"),
            col("raw", "The record as canonical JSON"),
        ],
        joins: "`import_id` → `imports.id`; `account_id` → `accounts.id`.",
        notes: "",
        example: "SELECT import_id, account_id, json_extract(raw, '$.email') AS email FROM account_snapshots ORDER BY import_id",
    },
    Table {
        name: "daily_activity",
        purpose: "one row per UTC day and provider with messages.",
        internal: false,
        columns: &[
            col("date", "Day (UTC), YYYY-MM-DD"),
            col("provider", "chatgpt or claude"),
            col("conversations", "Conversations with a message that day"),
            col("user_messages", "User messages written that day"),
            col("assistant_messages", "Assistant messages written that day"),
            col("messages", "All messages written that day"),
        ],
        joins: "Aggregates `messages` joined to `conversations`.",
        notes: "One row per UTC day and provider with at least one message, over every message ever archived (all branches, all versions). Sum over `provider` for a day's total. For another zone, use `chatarchive stats --tz ZONE`: SQLite's date functions know no daylight saving time.",
        example: r##"SELECT substr(date, 1, 7) AS month, sum(messages) AS messages
FROM daily_activity
GROUP BY month
ORDER BY month"##,
    },
    Table {
        name: "model_usage",
        purpose: "one row per provider and model that wrote assistant messages.",
        internal: false,
        columns: &[
            col("provider", "chatgpt or claude"),
            col("model", "Model slug (the message's own, else its conversation's)"),
            col("conversations", "Conversations it wrote in"),
            col("assistant_messages", "Assistant messages it wrote"),
            col("first_used", "First message (UTC)"),
            col("last_used", "Last message (UTC)"),
        ],
        joins: "Aggregates `messages` joined to `conversations`.",
        notes: "One row per provider and model that wrote assistant messages (the message's own `model`, else its conversation's; NULL when neither says: Claude's answers are the row (`claude`, NULL)).",
        example: "SELECT provider, model, assistant_messages, first_used, last_used FROM model_usage ORDER BY assistant_messages DESC",
    },
    Table {
        name: "forgotten_conversations",
        purpose: "Conversations removed for good with `chatarchive forget` (id and time only): later ingests skip them.",
        internal: false,
        columns: &[
            col("conversation_id", "The forgotten conversation's id"),
            col("forgotten_at", "When (UTC)"),
        ],
        joins: "No foreign key: the conversation is gone.",
        notes: "Conversations removed for good by `chatarchive forget`. Only the fact is kept, never any content, so that an ingest of an older export that still holds them skips them (unless `ingest --allow-forgotten`).",
        example: "SELECT conversation_id, forgotten_at FROM forgotten_conversations",
    },
    Table {
        name: "node_revisions",
        purpose: "Content-addressed node objects (canonical JSON), each stored once however many versions share it.",
        internal: true,
        columns: &[
            col("id", "Row id"),
            col("sha256", "sha256 of the whole node's canonical JSON, message included"),
            col("node_json", "Canonical JSON of the node without its message object"),
            col("message_sha256", "sha256 of the node's message object"),
            col("text", "Derived text, kept only when another revision of the message has other text"),
            col("text_spans", "Spans of that text, under the same rule"),
        ],
        joins: "← `version_nodes.revision_id`, `messages.revision_id`; `message_sha256` = `messages.raw_sha256` or `message_revisions.sha256`.",
        notes: r##"Content-addressed node objects: each distinct node (ChatGPT `{id, message, parent, children}`)
is stored once, however many versions hold it. The message inside is not repeated here: it is
`messages.raw` of its row while it is that row's current content, else in `message_revisions`;
`message_sha256` finds it. To rebuild a node, insert `"message": <raw>` into `node_json`. `text`
(and `text_spans`) are kept only when another revision of the same message has a different text."##,
        example: "SELECT count(*) AS revisions, sum(text IS NOT NULL) AS superseded_texts FROM node_revisions",
    },
    Table {
        name: "message_revisions",
        purpose: "Message contents that are not (or no longer) the current raw of their message row.",
        internal: true,
        columns: &[
            col("sha256", "sha256 of raw"),
            col("raw", "The message object as canonical JSON"),
        ],
        joins: "`sha256` = `node_revisions.message_sha256`.",
        notes: "Message contents that are not (or no longer) the current `raw` of their message row: the earlier content of a message that changed between versions, and contents brought by an older export ingested after a newer one.",
        example: "SELECT count(*) AS earlier_contents FROM message_revisions",
    },
    Table {
        name: "version_nodes",
        purpose: "Which node revisions make up each version, in the export's order.",
        internal: true,
        columns: &[
            col("version_id", "The version"),
            col("position", "Place in the export's order"),
            col("node_key", "The node's key in the tree (= messages.id when the node has a message)"),
            col("revision_id", "The node's content in this version"),
        ],
        joins: "`version_id` → `conversation_versions.id`; `revision_id` → `node_revisions.id`; `node_key` = `messages.id` (same conversation) when the node has a message.",
        notes: "Which node revisions make up each version, in the export's order (`position` 0, 1, …).",
        example: r##"SELECT v.conversation_id, v.version, count(*) AS nodes
FROM version_nodes vn
JOIN conversation_versions v ON v.id = vn.version_id
GROUP BY v.id"##,
    },
    Table {
        name: "current_thread_positions",
        purpose: "The thread a reader sees in each conversation's current version, root first.",
        internal: true,
        columns: &[
            col("conversation_id", "The conversation"),
            col("position", "0 for the first message of the thread"),
            col("message_pk", "The message (messages.pk)"),
        ],
        joins: "`message_pk` → `messages.pk`; read it through the view `current_thread`.",
        notes: "",
        example: "SELECT conversation_id, count(*) AS thread_messages FROM current_thread_positions GROUP BY conversation_id",
    },
    Table {
        name: "attachment_chunks",
        purpose: "Pieces of 4 MiB of large files, in seq order.",
        internal: true,
        columns: &[
            col("id", "Row id"),
            col("sha256", "The file"),
            col("seq", "0, 1, ..."),
            col("data", "The piece's bytes"),
        ],
        joins: "`sha256` → `attachments.sha256`; reassemble in `seq` order.",
        notes: "",
        example: "SELECT sha256, count(*) AS chunks, sum(length(data)) AS bytes FROM attachment_chunks GROUP BY sha256",
    },
];
