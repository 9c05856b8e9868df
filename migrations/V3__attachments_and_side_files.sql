-- V3: full fidelity. Every file of an export is recorded; every file but the conversation JSON
-- and chat.html is stored once, content-addressed by sha256, however many exports bring it.
-- Messages link to the files they point at; account and side files get tables of their own.

CREATE TABLE attachments (
    sha256          TEXT PRIMARY KEY,
    size            INTEGER NOT NULL,
    mime_type       TEXT,
    data            BLOB,                   -- the bytes; NULL when stored in attachment_chunks
    chunk_count     INTEGER NOT NULL DEFAULT 0,
    first_import_id INTEGER NOT NULL REFERENCES imports (id)
);

-- Large files in pieces (SQLite caps one value at 1 GB, and pieces never need the whole file
-- in memory). Reassembled in `seq` order.
CREATE TABLE attachment_chunks (
    id     INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL REFERENCES attachments (sha256),
    seq    INTEGER NOT NULL,
    data   BLOB NOT NULL,
    UNIQUE (sha256, seq)
);

-- Every file of every import, stored or not.
CREATE TABLE export_files (
    import_id     INTEGER NOT NULL REFERENCES imports (id),
    path          TEXT NOT NULL,              -- name inside the export (never used as a path on disk)
    size          INTEGER NOT NULL,
    sha256        TEXT,                       -- of the file's bytes
    stored        INTEGER NOT NULL DEFAULT 0, -- 1 when the bytes are in attachments
    kind          TEXT NOT NULL,              -- conversations | account | side | html | attachment | other
    file_id       TEXT,                       -- file-XXXX / file_XXXX taken from the name, for asset pointers
    original_name TEXT,                       -- from conversation_asset_file_names.json
    mime_type     TEXT,
    PRIMARY KEY (import_id, path)
);
CREATE INDEX idx_export_files_file_id ON export_files (file_id);
CREATE INDEX idx_export_files_sha256 ON export_files (sha256);

-- Which message points at which file. sha256 stays NULL while no export has held the file
-- (an expired upload); a later export that has it fills it in.
CREATE TABLE message_attachments (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    message_id      TEXT NOT NULL,
    asset_pointer   TEXT NOT NULL,            -- file-service://file-…, sediment://file_…, or an upload id
    file_id         TEXT,
    kind            TEXT,                     -- image_asset_pointer, audio_asset_pointer, upload, ...
    sha256          TEXT REFERENCES attachments (sha256),
    name            TEXT,
    mime_type       TEXT,
    size            INTEGER,
    width           INTEGER,
    height          INTEGER,
    extracted_text  TEXT,                     -- text the provider extracted from the file
    first_import_id INTEGER NOT NULL REFERENCES imports (id),
    PRIMARY KEY (conversation_id, message_id, asset_pointer),
    FOREIGN KEY (conversation_id, message_id) REFERENCES messages (conversation_id, id)
);
CREATE INDEX idx_message_attachments_file_id ON message_attachments (file_id);
CREATE INDEX idx_message_attachments_sha256 ON message_attachments (sha256);

-- Sources a message cites (metadata.citations, metadata.content_references), latest content.
CREATE TABLE citations (
    conversation_id TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    position        INTEGER NOT NULL,
    url             TEXT,
    title           TEXT,
    snippet         TEXT,
    first_import_id INTEGER NOT NULL REFERENCES imports (id),
    PRIMARY KEY (conversation_id, message_id, position),
    FOREIGN KEY (conversation_id, message_id) REFERENCES messages (conversation_id, id)
);
CREATE INDEX idx_citations_url ON citations (url);

-- Canvas documents (canmore.create_textdoc / update_textdoc) of each conversation's current
-- thread, with every successive version; the last version is the final document.
CREATE TABLE canvas_documents (
    id              INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    name            TEXT,
    type            TEXT,
    version_count   INTEGER NOT NULL,
    content         TEXT NOT NULL             -- the final version
);
CREATE INDEX idx_canvas_documents_conversation_id ON canvas_documents (conversation_id);

CREATE TABLE canvas_document_versions (
    document_id INTEGER NOT NULL REFERENCES canvas_documents (id),
    version     INTEGER NOT NULL,
    message_id  TEXT NOT NULL,
    created_at  TEXT,
    operation   TEXT NOT NULL,                -- create | update
    content     TEXT NOT NULL,
    PRIMARY KEY (document_id, version)
);

-- Accounts (user.json): latest values, and every import's copy.
CREATE TABLE accounts (
    id              TEXT PRIMARY KEY,
    provider        TEXT NOT NULL,
    email           TEXT,
    name            TEXT,
    phone_number    TEXT,
    raw             TEXT NOT NULL,
    first_import_id INTEGER NOT NULL REFERENCES imports (id),
    last_import_id  INTEGER NOT NULL REFERENCES imports (id)
);

CREATE TABLE account_snapshots (
    import_id  INTEGER NOT NULL REFERENCES imports (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    raw        TEXT NOT NULL,
    PRIMARY KEY (import_id, account_id)
);

-- Records from side files. Each keeps its raw JSON, the import that first brought it and the
-- last import that still held it.
CREATE TABLE message_feedback (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT,
    message_id      TEXT,
    user_id         TEXT,
    rating          TEXT,
    text            TEXT,
    tags            TEXT,                     -- JSON array
    created_at      TEXT,
    raw             TEXT NOT NULL,
    first_import_id INTEGER NOT NULL REFERENCES imports (id),
    last_import_id  INTEGER NOT NULL REFERENCES imports (id)
);
CREATE INDEX idx_message_feedback_conversation_id ON message_feedback (conversation_id);

CREATE TABLE shared_conversations (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT,
    title           TEXT,
    is_anonymous    INTEGER,
    raw             TEXT NOT NULL,
    first_import_id INTEGER NOT NULL REFERENCES imports (id),
    last_import_id  INTEGER NOT NULL REFERENCES imports (id)
);
CREATE INDEX idx_shared_conversations_conversation_id ON shared_conversations (conversation_id);

CREATE TABLE model_comparisons (
    sha256          TEXT PRIMARY KEY,         -- of the record's canonical JSON (its shape varies)
    id              TEXT,
    conversation_id TEXT,
    raw             TEXT NOT NULL,
    first_import_id INTEGER NOT NULL REFERENCES imports (id),
    last_import_id  INTEGER NOT NULL REFERENCES imports (id)
);

CREATE TABLE library_files (
    file_id                TEXT PRIMARY KEY,
    file_name              TEXT,
    mime_type              TEXT,
    created_at             TEXT,
    deleted_at             TEXT,
    origination_message_id TEXT,
    conversation_id        TEXT,              -- origination_thread_id
    raw                    TEXT NOT NULL,
    first_import_id        INTEGER NOT NULL REFERENCES imports (id),
    last_import_id         INTEGER NOT NULL REFERENCES imports (id)
);

-- Messages whose content type this version did not know, per import (raw stays in messages).
ALTER TABLE imports ADD COLUMN unknown_content_types TEXT;  -- JSON object: type -> message count
