-- V4: views a BI tool, Datasette or a plain `sqlite3` user reads first, and the indexes that the
-- ready-made queries in docs/queries.md need. Views only read; dates are the archive's UTC text,
-- so day and month boundaries are UTC (substr of the ISO-8601 string).

-- One row per conversation ever archived: its current state, counts over its current version
-- (every branch), how many versions the archive holds, and whether it was deleted upstream.
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
          JOIN messages m ON m.conversation_id = c.id AND m.id = vn.node_id
         WHERE vn.version_id = c.current_version_id AND m.role = 'user') AS user_messages,
       (SELECT count(*) FROM version_nodes vn
          JOIN messages m ON m.conversation_id = c.id AND m.id = vn.node_id
         WHERE vn.version_id = c.current_version_id AND m.role = 'assistant') AS assistant_messages,
       (SELECT count(*) FROM version_nodes vn
          JOIN messages m ON m.conversation_id = c.id AND m.id = vn.node_id
         WHERE vn.version_id = c.current_version_id AND m.role NOT IN ('user', 'assistant')) AS other_messages,
       (SELECT count(*) FROM current_thread_positions t WHERE t.conversation_id = c.id) AS thread_messages,
       (SELECT count(*) FROM conversation_versions v WHERE v.conversation_id = c.id) AS versions,
       c.current_version,
       c.deleted_import_id IS NOT NULL AS deleted,
       c.deleted_import_id,
       c.first_import_id,
       c.last_seen_import_id
FROM conversations c;

-- One row per UTC day that has messages (every message ever archived: all branches, all versions).
CREATE VIEW daily_activity AS
SELECT substr(created_at, 1, 10) AS date,
       count(DISTINCT conversation_id) AS conversations,
       sum(role = 'user') AS user_messages,
       sum(role = 'assistant') AS assistant_messages,
       count(*) AS messages
FROM messages
WHERE created_at IS NOT NULL
GROUP BY substr(created_at, 1, 10);

-- One row per model that wrote assistant messages (the message's own model slug, else its
-- conversation's default model; NULL when neither says).
CREATE VIEW model_usage AS
SELECT coalesce(m.model, c.model) AS model,
       count(DISTINCT m.conversation_id) AS conversations,
       count(*) AS assistant_messages,
       min(m.created_at) AS first_used,
       max(m.created_at) AS last_used
FROM messages m
JOIN conversations c ON c.id = m.conversation_id
WHERE m.role = 'assistant'
GROUP BY coalesce(m.model, c.model);

-- docs/queries.md "Messages of one model, by month" filters on the model.
CREATE INDEX idx_messages_model ON messages (model, created_at);
-- docs/queries.md "Code by language" and "Custom instructions over time" filter on content_type.
CREATE INDEX idx_messages_content_type ON messages (content_type);
-- docs/queries.md "Abandoned branches" asks whether a message is on a current thread.
CREATE INDEX idx_current_thread_positions_message_pk ON current_thread_positions (message_pk);
-- docs/queries.md "Conversations in a date range" ranges over creation dates.
CREATE INDEX idx_conversations_created_at ON conversations (created_at);
-- docs/queries.md "Deleted upstream" looks up the few deleted conversations.
CREATE INDEX idx_conversations_deleted_import_id ON conversations (deleted_import_id)
    WHERE deleted_import_id IS NOT NULL;
