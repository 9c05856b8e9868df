-- V10: Claude project documents searchable. An FTS5 index over project_doc_revisions (file name and
-- text), named <table>_fts with content=[project_doc_revisions] like messages_fts, so Datasette's
-- search box works on the table too; the same tokenizer as messages_fts, so one query translation
-- (docs/search.md) serves both. Triggers keep it in step with every writer (ingest, forget); the
-- documents already archived are indexed here.
CREATE VIRTUAL TABLE project_doc_revisions_fts USING fts5(
    filename,
    content,
    content=[project_doc_revisions],
    content_rowid=id,
    tokenize="unicode61 remove_diacritics 2 tokenchars '+#'"
);

CREATE TRIGGER project_doc_revisions_fts_insert AFTER INSERT ON project_doc_revisions BEGIN
    INSERT INTO project_doc_revisions_fts (rowid, filename, content)
    VALUES (new.id, new.filename, new.content);
END;

CREATE TRIGGER project_doc_revisions_fts_delete AFTER DELETE ON project_doc_revisions BEGIN
    INSERT INTO project_doc_revisions_fts (project_doc_revisions_fts, rowid, filename, content)
    VALUES ('delete', old.id, old.filename, old.content);
END;

CREATE TRIGGER project_doc_revisions_fts_update AFTER UPDATE OF filename, content ON project_doc_revisions BEGIN
    INSERT INTO project_doc_revisions_fts (project_doc_revisions_fts, rowid, filename, content)
    VALUES ('delete', old.id, old.filename, old.content);
    INSERT INTO project_doc_revisions_fts (rowid, filename, content)
    VALUES (new.id, new.filename, new.content);
END;

INSERT INTO project_doc_revisions_fts (project_doc_revisions_fts) VALUES ('rebuild');
