-- V6: a second provider (Claude) through the same tables, and what its exports hold besides
-- conversations. Everything here is provider-neutral: a column or table any provider may fill.

-- A summary the provider wrote of the conversation (Claude's `summary`), current and per version.
ALTER TABLE conversations ADD COLUMN summary TEXT;
ALTER TABLE conversation_versions ADD COLUMN summary TEXT;

-- Stretches of a message's text that are not plain conversation: reasoning inside a message
-- that also answers, tool calls and results, attachment text, injected prompts. JSON array of
-- {"start": s, "end": e, "kind": k} in characters (substr(text, s + 1, e - s)); NULL when none.
ALTER TABLE messages ADD COLUMN text_spans TEXT;
-- Kept beside node_revisions.text for superseded revisions, under the same rule.
ALTER TABLE node_revisions ADD COLUMN text_spans TEXT;

-- Which accounts each import is a complete snapshot of: the accounts the export names, and
-- those its conversations belong to. Deletions upstream are judged per account in this list.
CREATE TABLE import_accounts (
    import_id  INTEGER NOT NULL REFERENCES imports (id),
    account_id TEXT NOT NULL,
    PRIMARY KEY (import_id, account_id)
) WITHOUT ROWID;
CREATE INDEX idx_import_accounts_account_id ON import_accounts (account_id);
INSERT INTO import_accounts (import_id, account_id)
SELECT id, account_id FROM imports WHERE account_id IS NOT NULL;

-- One row per project ever seen: its current state (from its newest version). Versioned like
-- conversations: a new version only when the content hash changes.
CREATE TABLE projects (
    id                  TEXT PRIMARY KEY,             -- the export's id
    provider            TEXT NOT NULL,
    account_id          TEXT,
    name                TEXT,
    description         TEXT,
    instructions        TEXT,                         -- Claude prompt_template
    is_private          INTEGER,
    creator_id          TEXT,
    created_at          TEXT,
    updated_at          TEXT,
    doc_count           INTEGER NOT NULL DEFAULT 0,   -- documents in the current version
    current_version     INTEGER,
    current_version_id  INTEGER REFERENCES project_versions (id),
    first_import_id     INTEGER NOT NULL REFERENCES imports (id),
    last_seen_import_id INTEGER NOT NULL REFERENCES imports (id),
    deleted_import_id   INTEGER REFERENCES imports (id)  -- set when absent from a newer export
);
CREATE INDEX idx_projects_account_id ON projects (provider, account_id);

CREATE TABLE project_versions (
    id             INTEGER PRIMARY KEY,
    project_id     TEXT NOT NULL REFERENCES projects (id),
    version        INTEGER NOT NULL,
    content_sha256 TEXT NOT NULL,
    import_id      INTEGER NOT NULL REFERENCES imports (id),  -- first import that brought it
    name           TEXT,
    description    TEXT,
    instructions   TEXT,
    created_at     TEXT,
    updated_at     TEXT,
    doc_count      INTEGER NOT NULL,
    docs_key       TEXT,             -- member of the original object holding the documents ('docs')
    envelope       TEXT NOT NULL,    -- canonical JSON of the project without its documents
    problems       TEXT,             -- JSON array: what made no sense but was kept
    UNIQUE (project_id, content_sha256)
);
CREATE INDEX idx_project_versions_project_id ON project_versions (project_id, version);

-- Content-addressed documents: a document shared by many versions is stored once; a changed
-- document is a new row and the old one stays with the versions that had it.
CREATE TABLE project_doc_revisions (
    id         INTEGER PRIMARY KEY,
    sha256     TEXT NOT NULL UNIQUE,
    json       TEXT NOT NULL,        -- the document object as canonical JSON
    doc_id     TEXT,
    filename   TEXT,
    content    TEXT,
    created_at TEXT
);

CREATE TABLE project_version_docs (
    version_id  INTEGER NOT NULL REFERENCES project_versions (id),
    position    INTEGER NOT NULL,
    revision_id INTEGER NOT NULL REFERENCES project_doc_revisions (id),
    PRIMARY KEY (version_id, position)
) WITHOUT ROWID;
CREATE INDEX idx_project_version_docs_revision_id ON project_version_docs (revision_id);

-- The documents of every project's current version.
CREATE VIEW project_docs AS
SELECT p.id AS project_id, vd.position, r.doc_id, r.filename, r.content, r.created_at,
       r.id AS revision_id
FROM projects p
JOIN project_version_docs vd ON vd.version_id = p.current_version_id
JOIN project_doc_revisions r ON r.id = vd.revision_id;

-- Memory records as each import had them (not versioned: every import keeps its own).
CREATE TABLE memory_records (
    id         INTEGER PRIMARY KEY,
    import_id  INTEGER NOT NULL REFERENCES imports (id),
    provider   TEXT NOT NULL,
    account_id TEXT,
    source     TEXT NOT NULL,      -- file in the export ('memories.json', 'memories/<uuid>.json')
    position   INTEGER NOT NULL,   -- index in that file
    raw        TEXT NOT NULL       -- the record as canonical JSON
);
CREATE INDEX idx_memory_records_import_id ON memory_records (import_id);

-- One row per remembered text: account-wide (project_id NULL) or for one project.
CREATE TABLE memories (
    id         INTEGER PRIMARY KEY,
    record_id  INTEGER NOT NULL REFERENCES memory_records (id),
    import_id  INTEGER NOT NULL REFERENCES imports (id),
    account_id TEXT,
    project_id TEXT,               -- the project's id as exported (it may not be archived)
    text       TEXT NOT NULL
);
CREATE INDEX idx_memories_account_id ON memories (account_id, import_id);
