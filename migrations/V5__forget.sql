-- V5: forgetting. `chatarchive forget` deletes a conversation for good; this table remembers only
-- that it was forgotten (its id and when, never any content), so that ingesting an older export
-- that still holds it does not bring it back unless the user asks (`ingest --allow-forgotten`).
CREATE TABLE forgotten_conversations (
    conversation_id TEXT PRIMARY KEY,   -- the export's conversation id
    forgotten_at    TEXT NOT NULL       -- when `forget` removed it
);

-- How many conversations of an export an ingest skipped because they were forgotten.
ALTER TABLE imports ADD COLUMN conversations_skipped_forgotten INTEGER NOT NULL DEFAULT 0;
