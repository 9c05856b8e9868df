-- V7: every view says which provider its rows come from, so one archive holding ChatGPT and
-- Claude conversations can be split (and faceted in Datasette) by provider. Views only: no data
-- changes. daily_activity and model_usage now have one row per provider (a day on which both
-- were used has two rows); current_thread and version_messages gain a last column.

DROP VIEW daily_activity;
DROP VIEW model_usage;
DROP VIEW current_thread;
DROP VIEW version_messages;

-- One row per UTC day and provider that has messages (every message ever archived: all
-- branches, all versions).
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

-- One row per provider and model that wrote assistant messages (the message's own model slug,
-- else its conversation's default model; NULL when neither says).
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

-- As in V1, with the conversation's provider last.
CREATE VIEW current_thread AS
SELECT t.conversation_id, t.position, m.id AS message_id, m.role, m.content_type, m.text,
       m.created_at, m.hidden, m.reasoning, m.pk AS message_pk, c.provider
FROM current_thread_positions t
JOIN messages m ON m.pk = t.message_pk
JOIN conversations c ON c.id = t.conversation_id;

-- As in V1, with the conversation's provider last.
CREATE VIEW version_messages AS
SELECT v.conversation_id, v.version, vn.node_id AS message_id, m.parent_id, m.role, m.content_type,
       CASE WHEN vn.revision_id = m.revision_id THEN m.text ELSE COALESCE(r.text, m.text) END AS text,
       m.created_at, vn.position, v.id AS version_id, vn.revision_id, c.provider
FROM conversation_versions v
JOIN version_nodes vn ON vn.version_id = v.id
JOIN messages m ON m.conversation_id = v.conversation_id AND m.id = vn.node_id
JOIN node_revisions r ON r.id = vn.revision_id
JOIN conversations c ON c.id = v.conversation_id;
