-- V1: the core archive. Every version of every conversation, every node of every message tree,
-- stored content-addressed so an unchanged conversation or message is never written twice.
-- Timestamps are ISO-8601 UTC text with milliseconds ('2024-09-02T20:32:04.544Z').

-- One row per ingest that wrote something (a repeated file is recognised and writes nothing).
CREATE TABLE imports (
    id                      INTEGER PRIMARY KEY,
    source                  TEXT NOT NULL,            -- path as given on the command line
    source_kind             TEXT NOT NULL,            -- zip | folder | file
    source_size             INTEGER,
    source_sha256           TEXT,                     -- sha256 of the file (folder: of its files)
    source_fingerprint      TEXT,                     -- cheap identity: size + ZIP central directory
    provider                TEXT NOT NULL,            -- chatgpt | claude
    account_id              TEXT,                     -- whose export it is, when known
    export_time             TEXT,                     -- latest conversation update_time in the export
    started_at              TEXT NOT NULL,
    finished_at             TEXT,
    conversations_total     INTEGER NOT NULL DEFAULT 0,
    conversations_new       INTEGER NOT NULL DEFAULT 0,
    conversations_changed   INTEGER NOT NULL DEFAULT 0,
    conversations_unchanged INTEGER NOT NULL DEFAULT 0,
    conversations_deleted   INTEGER NOT NULL DEFAULT 0,
    conversations_restored  INTEGER NOT NULL DEFAULT 0,
    messages_new            INTEGER NOT NULL DEFAULT 0,
    warnings                TEXT,                     -- JSON array of warnings, NULL when none
    tool_version            TEXT NOT NULL
);
CREATE INDEX idx_imports_source_fingerprint ON imports (source_fingerprint);
CREATE INDEX idx_imports_source_sha256 ON imports (source_sha256);
CREATE INDEX idx_imports_account_id ON imports (provider, account_id);

-- One row per conversation ever seen: its current state (from its newest version).
CREATE TABLE conversations (
    id                  TEXT PRIMARY KEY,             -- the export's id
    provider            TEXT NOT NULL,
    account_id          TEXT,
    title               TEXT,
    created_at          TEXT,
    updated_at          TEXT,
    model               TEXT,                         -- default model slug
    is_archived         INTEGER,
    current_version     INTEGER,                      -- number of the current version
    current_version_id  INTEGER REFERENCES conversation_versions (id),
    message_count       INTEGER NOT NULL DEFAULT 0,   -- messages in the current version
    first_import_id     INTEGER NOT NULL REFERENCES imports (id),
    last_seen_import_id INTEGER NOT NULL REFERENCES imports (id),
    deleted_import_id   INTEGER REFERENCES imports (id)  -- set when absent from a newer export
);
CREATE INDEX idx_conversations_account_id ON conversations (provider, account_id);
CREATE INDEX idx_conversations_updated_at ON conversations (updated_at);

-- Every distinct content of a conversation. content_sha256 is a version's stable identity;
-- version numbers follow the conversation's own time order and may shift when an older export
-- is ingested later.
CREATE TABLE conversation_versions (
    id              INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    version         INTEGER NOT NULL,
    content_sha256  TEXT NOT NULL,
    import_id       INTEGER NOT NULL REFERENCES imports (id),  -- first import that brought it
    title           TEXT,
    created_at      TEXT,
    updated_at      TEXT,
    current_node_id TEXT,
    message_count   INTEGER NOT NULL,
    node_count      INTEGER NOT NULL,
    tree_key        TEXT,             -- member of the original object holding the nodes ('mapping')
    tree_kind       TEXT NOT NULL,    -- 'object' (keyed by node id) or 'array'
    envelope        TEXT NOT NULL,    -- canonical JSON of the conversation without its tree
    problems        TEXT,             -- JSON array: what made no sense but was kept
    UNIQUE (conversation_id, content_sha256)
);
CREATE INDEX idx_conversation_versions_conversation_id ON conversation_versions (conversation_id, version);

-- Content-addressed node objects. A node shared by many versions is stored once. Its message is
-- not repeated here: it is the message row's `raw` (or, for content no longer current, a row of
-- message_revisions), found by message_sha256.
CREATE TABLE node_revisions (
    id             INTEGER PRIMARY KEY,
    sha256         TEXT NOT NULL UNIQUE,  -- of the whole node's canonical JSON, message included
    node           TEXT NOT NULL,         -- canonical JSON of the node without its message object
    message_sha256 TEXT,                  -- sha256 of the message object's canonical JSON
    text           TEXT                   -- derived text, kept only for revisions superseded by a different text
);

-- Which node revisions make up each version, in the export's order.
CREATE TABLE version_nodes (
    version_id  INTEGER NOT NULL REFERENCES conversation_versions (id),
    position    INTEGER NOT NULL,
    node_id     TEXT NOT NULL,
    revision_id INTEGER NOT NULL REFERENCES node_revisions (id),
    PRIMARY KEY (version_id, position)
) WITHOUT ROWID;
CREATE INDEX idx_version_nodes_revision_id ON version_nodes (revision_id);

-- One row per message node ever seen (all branches, all versions), with its latest content.
CREATE TABLE messages (
    pk              INTEGER PRIMARY KEY,   -- stable row id (the full-text index's rowid)
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    id              TEXT NOT NULL,         -- node key in the conversation's tree
    message_id      TEXT,                  -- the message's own id, when it differs from id
    parent_id       TEXT,                  -- nearest ancestor node that has a message
    role            TEXT,
    author_name     TEXT,
    content_type    TEXT,
    text            TEXT NOT NULL DEFAULT '',
    created_at      TEXT,
    updated_at      TEXT,
    model           TEXT,
    status          TEXT,
    recipient       TEXT,
    end_turn        INTEGER,
    finish_reason   TEXT,
    hidden          INTEGER NOT NULL DEFAULT 0,
    reasoning       INTEGER NOT NULL DEFAULT 0,
    raw             TEXT NOT NULL,         -- the message object as canonical JSON
    raw_sha256      TEXT NOT NULL,         -- sha256 of raw
    revision_id     INTEGER NOT NULL REFERENCES node_revisions (id),
    version_id      INTEGER NOT NULL REFERENCES conversation_versions (id),  -- version this content is from
    first_import_id INTEGER NOT NULL REFERENCES imports (id),
    UNIQUE (conversation_id, id)
);
CREATE INDEX idx_messages_created_at ON messages (created_at);
CREATE INDEX idx_messages_role ON messages (role, created_at);

-- Message contents that are not (or no longer) the current `raw` of their message row: earlier
-- contents of a message that changed, and contents brought by an older export ingested late.
CREATE TABLE message_revisions (
    sha256 TEXT PRIMARY KEY,
    raw    TEXT NOT NULL
);

-- The thread the reader sees (root to current node of the current version), materialized at
-- ingest so that the view below answers for a whole archive at once.
CREATE TABLE current_thread_positions (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    position        INTEGER NOT NULL,
    message_pk      INTEGER NOT NULL REFERENCES messages (pk),
    PRIMARY KEY (conversation_id, position)
) WITHOUT ROWID;

CREATE VIEW current_thread AS
SELECT t.conversation_id, t.position, m.id AS message_id, m.role, m.content_type, m.text,
       m.created_at, m.hidden, m.reasoning, m.pk AS message_pk
FROM current_thread_positions t
JOIN messages m ON m.pk = t.message_pk;

CREATE VIEW version_messages AS
SELECT v.conversation_id, v.version, vn.node_id AS message_id, m.parent_id, m.role, m.content_type,
       CASE WHEN vn.revision_id = m.revision_id THEN m.text ELSE COALESCE(r.text, m.text) END AS text,
       m.created_at, vn.position, v.id AS version_id, vn.revision_id
FROM conversation_versions v
JOIN version_nodes vn ON vn.version_id = v.id
JOIN messages m ON m.conversation_id = v.conversation_id AND m.id = vn.node_id
JOIN node_revisions r ON r.id = vn.revision_id;
