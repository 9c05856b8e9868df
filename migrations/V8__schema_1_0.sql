-- V8: schema 1.0, the public contract. One name per concept across every table and view:
-- a column `X_id` joins `X.id`, and a message is always referenced by the pair
-- (conversation_id, message_id) = (messages.conversation_id, messages.id). Renames only, with
-- ALTER TABLE ... RENAME COLUMN (a table rebuild would run with foreign keys on and cascade),
-- views and indexes dropped and recreated, no data rewritten; messages.pk and messages.text keep
-- their names, so messages_fts and its triggers stay as they are. docs/schema.md lists every
-- change under "Changelog".

DROP VIEW current_thread;
DROP VIEW version_messages;
DROP VIEW conversation_summary;
DROP VIEW daily_activity;
DROP VIEW model_usage;
DROP VIEW project_docs;

-- The provider's own message id (usually NULL: it equals the node key). `message_id` now means
-- messages.id in every table and view.
ALTER TABLE messages RENAME COLUMN message_id TO provider_message_id;
-- Same meaning as first_import_id everywhere else.
ALTER TABLE conversation_versions RENAME COLUMN import_id TO first_import_id;
ALTER TABLE project_versions RENAME COLUMN import_id TO first_import_id;
-- Canonical JSON columns say what they hold.
ALTER TABLE node_revisions RENAME COLUMN node TO node_json;
ALTER TABLE project_doc_revisions RENAME COLUMN json TO doc_json;
-- A node key is not a row of any table (there is no `nodes` table; a node with a message has
-- messages.id equal to its key), so it is a `_key`, not an `_id`.
ALTER TABLE version_nodes RENAME COLUMN node_id TO node_key;
ALTER TABLE conversation_versions RENAME COLUMN current_node_id TO current_node_key;

-- Indexes named idx_<table>_<every column>.
DROP INDEX idx_imports_account_id;
CREATE INDEX idx_imports_provider_account_id ON imports (provider, account_id);
DROP INDEX idx_conversations_account_id;
CREATE INDEX idx_conversations_provider_account_id ON conversations (provider, account_id);
DROP INDEX idx_conversation_versions_conversation_id;
CREATE INDEX idx_conversation_versions_conversation_id_version ON conversation_versions (conversation_id, version);
DROP INDEX idx_messages_role;
CREATE INDEX idx_messages_role_created_at ON messages (role, created_at);
DROP INDEX idx_messages_model;
CREATE INDEX idx_messages_model_created_at ON messages (model, created_at);
DROP INDEX idx_projects_account_id;
CREATE INDEX idx_projects_provider_account_id ON projects (provider, account_id);
DROP INDEX idx_project_versions_project_id;
CREATE INDEX idx_project_versions_project_id_version ON project_versions (project_id, version);
DROP INDEX idx_memories_account_id;
CREATE INDEX idx_memories_account_id_import_id ON memories (account_id, import_id);

-- The archive itself: one row, an id minted once (a UUID v4) so that datasets pooled from many
-- archives can tell them apart. A backup keeps it; `backup --new-id` gives a copy its own.
CREATE TABLE archive (
    id         TEXT PRIMARY KEY,   -- UUID v4, lower-case
    created_at TEXT NOT NULL       -- when the id was minted (UTC)
);
INSERT INTO archive (id, created_at)
SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
       || substr(lower(hex(randomblob(2))), 2) || '-'
       || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-'
       || lower(hex(randomblob(6))),
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now');

-- Every account_id has its accounts row: an account known only from `ingest --account` or from a
-- Claude conversation gets one with what is known (raw '{}': no account file described it).
INSERT OR IGNORE INTO accounts (id, provider, raw, first_import_id, last_import_id)
SELECT a.account_id, a.provider, '{}', min(a.import_id), max(a.import_id)
FROM (
    SELECT account_id, provider, id AS import_id FROM imports WHERE account_id IS NOT NULL
    UNION ALL
    SELECT ia.account_id, i.provider, ia.import_id FROM import_accounts ia JOIN imports i ON i.id = ia.import_id
    UNION ALL
    SELECT account_id, provider, first_import_id FROM conversations WHERE account_id IS NOT NULL
    UNION ALL
    SELECT account_id, provider, last_seen_import_id FROM conversations WHERE account_id IS NOT NULL
    UNION ALL
    SELECT account_id, provider, first_import_id FROM projects WHERE account_id IS NOT NULL
    UNION ALL
    SELECT account_id, provider, import_id FROM memory_records WHERE account_id IS NOT NULL
) a
GROUP BY a.account_id;

-- Views as in V7, with the new column names underneath and the same columns on top.
CREATE VIEW current_thread AS
SELECT t.conversation_id, t.position, m.id AS message_id, m.role, m.content_type, m.text,
       m.created_at, m.hidden, m.reasoning, m.pk AS message_pk, c.provider
FROM current_thread_positions t
JOIN messages m ON m.pk = t.message_pk
JOIN conversations c ON c.id = t.conversation_id;

CREATE VIEW version_messages AS
SELECT v.conversation_id, v.version, vn.node_key AS message_id, m.parent_id, m.role, m.content_type,
       CASE WHEN vn.revision_id = m.revision_id THEN m.text ELSE COALESCE(r.text, m.text) END AS text,
       m.created_at, vn.position, v.id AS version_id, vn.revision_id, c.provider
FROM conversation_versions v
JOIN version_nodes vn ON vn.version_id = v.id
JOIN messages m ON m.conversation_id = v.conversation_id AND m.id = vn.node_key
JOIN node_revisions r ON r.id = vn.revision_id
JOIN conversations c ON c.id = v.conversation_id;

CREATE VIEW conversation_summary AS
SELECT c.id AS conversation_id,
       c.provider,
       c.account_id,
       c.title,
       c.created_at,
       c.updated_at,
       c.model,
       coalesce(c.is_archived, 0) AS is_archived,
       c.message_count AS messages,
       (SELECT count(*) FROM version_nodes vn
          JOIN messages m ON m.conversation_id = c.id AND m.id = vn.node_key
         WHERE vn.version_id = c.current_version_id AND m.role = 'user') AS user_messages,
       (SELECT count(*) FROM version_nodes vn
          JOIN messages m ON m.conversation_id = c.id AND m.id = vn.node_key
         WHERE vn.version_id = c.current_version_id AND m.role = 'assistant') AS assistant_messages,
       (SELECT count(*) FROM version_nodes vn
          JOIN messages m ON m.conversation_id = c.id AND m.id = vn.node_key
         WHERE vn.version_id = c.current_version_id AND m.role NOT IN ('user', 'assistant')) AS other_messages,
       (SELECT count(*) FROM current_thread_positions t WHERE t.conversation_id = c.id) AS thread_messages,
       (SELECT count(*) FROM conversation_versions v WHERE v.conversation_id = c.id) AS versions,
       c.current_version,
       c.deleted_import_id IS NOT NULL AS deleted,
       c.deleted_import_id,
       c.first_import_id,
       c.last_seen_import_id
FROM conversations c;

CREATE VIEW daily_activity AS
SELECT substr(m.created_at, 1, 10) AS date,
       c.provider,
       count(DISTINCT m.conversation_id) AS conversations,
       sum(m.role = 'user') AS user_messages,
       sum(m.role = 'assistant') AS assistant_messages,
       count(*) AS messages
FROM messages m
JOIN conversations c ON c.id = m.conversation_id
WHERE m.created_at IS NOT NULL
GROUP BY substr(m.created_at, 1, 10), c.provider;

CREATE VIEW model_usage AS
SELECT c.provider,
       coalesce(m.model, c.model) AS model,
       count(DISTINCT m.conversation_id) AS conversations,
       count(*) AS assistant_messages,
       min(m.created_at) AS first_used,
       max(m.created_at) AS last_used
FROM messages m
JOIN conversations c ON c.id = m.conversation_id
WHERE m.role = 'assistant'
GROUP BY c.provider, coalesce(m.model, c.model);

CREATE VIEW project_docs AS
SELECT p.id AS project_id, vd.position, r.doc_id, r.filename, r.content, r.created_at,
       r.id AS revision_id
FROM projects p
JOIN project_version_docs vd ON vd.version_id = p.current_version_id
JOIN project_doc_revisions r ON r.id = vd.revision_id;
