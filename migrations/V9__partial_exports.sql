-- V9: partial exports and where an export's time came from (issue 13).
-- `partial`: the import archived what a partial export held (`ingest --partial`, or a bare
-- conversations-NNN.json); it judged no deletions and never counts as a complete snapshot of its
-- account. `export_time_source`: the evidence for `export_time`. Imports made before V9 took the
-- newest conversation update, so they say 'conversations'.
ALTER TABLE imports ADD COLUMN partial INTEGER NOT NULL DEFAULT 0 CHECK (partial IN (0, 1));
ALTER TABLE imports ADD COLUMN export_time_source TEXT
    CHECK (export_time_source IN ('conversations', 'zip_entries', 'file_name'));
UPDATE imports SET export_time_source = 'conversations' WHERE export_time IS NOT NULL;
