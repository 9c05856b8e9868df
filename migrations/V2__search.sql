-- V2: full-text search over messages.text. An external-content FTS5 table named <table>_fts with
-- content=[messages] (the form Datasette recognises, so its search box works on `messages`), rowid
-- = messages.pk, kept in step by triggers so every writer (ingest, forget) keeps it right.
-- Tokenizer: unicode61 folding case and diacritics (café = cafe), with '+' and '#' as token
-- characters so C++, C# and F# stay searchable words instead of collapsing to "c" and "f".
CREATE VIRTUAL TABLE messages_fts USING fts5(
    text,
    content=[messages],
    content_rowid=pk,
    tokenize="unicode61 remove_diacritics 2 tokenchars '+#'"
);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.pk, new.text);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.pk, old.text);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.pk, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.pk, new.text);
END;
