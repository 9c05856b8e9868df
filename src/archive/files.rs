//! Writes the non-conversation parts of an export: files (content-addressed, once each, large
//! ones in chunks), every file's row in `export_files`, side-file records, and the links from
//! messages to the files they point at.

use std::collections::HashSet;

use rusqlite::{params, Connection};
use serde_json::Value;

use crate::error::Result;
use crate::model::{FileItem, SideRecord};

pub fn store_file(conn: &Connection, import_id: i64, f: &FileItem) -> Result<()> {
    if let Some(data) = &f.data {
        conn.prepare_cached(
            "INSERT INTO attachments (sha256, size, mime_type, data, chunk_count, first_import_id)
             VALUES (?1, ?2, ?3, ?4, 0, ?5) ON CONFLICT (sha256) DO NOTHING",
        )?
        .execute(params![
            f.sha256,
            f.size as i64,
            f.mime_type,
            data,
            import_id
        ])?;
    } else if f.chunk_count > 0 {
        conn.prepare_cached(
            "INSERT INTO attachments (sha256, size, mime_type, data, chunk_count, first_import_id)
             VALUES (?1, ?2, ?3, NULL, ?4, ?5) ON CONFLICT (sha256) DO NOTHING",
        )?
        .execute(params![
            f.sha256,
            f.size as i64,
            f.mime_type,
            f.chunk_count as i64,
            import_id
        ])?;
    }
    conn.prepare_cached(
        "INSERT INTO export_files (import_id, path, size, sha256, stored, kind, file_id, original_name, mime_type)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (import_id, path) DO NOTHING",
    )?
    .execute(params![
        import_id,
        f.path,
        f.size as i64,
        f.sha256,
        f.store,
        f.kind.as_str(),
        f.file_id,
        f.original_name,
        f.mime_type
    ])?;
    Ok(())
}

pub fn store_chunk(conn: &Connection, sha256: &str, seq: usize, data: &[u8]) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO attachment_chunks (sha256, seq, data) VALUES (?1, ?2, ?3)
         ON CONFLICT (sha256, seq) DO NOTHING",
    )?
    .execute(params![sha256, seq as i64, data])?;
    Ok(())
}

fn sql_value(v: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match v {
        Value::Null => V::Null,
        Value::Bool(b) => V::Integer(i64::from(*b)),
        Value::Number(n) => n
            .as_i64()
            .map(V::Integer)
            .unwrap_or_else(|| V::Real(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => V::Text(s.clone()),
        other => V::Text(other.to_string()),
    }
}

/// Upserts side-file records: latest values win, `first_import_id` stays, `last_import_id`
/// moves on. Accounts also keep a copy per import.
pub fn store_records(conn: &Connection, import_id: i64, records: &[SideRecord]) -> Result<()> {
    for r in records {
        let cols: Vec<&str> = r.columns.iter().map(|(c, _)| *c).collect();
        let mut names = vec![r.key_column];
        names.extend(&cols);
        names.extend(["raw", "first_import_id", "last_import_id"]);
        let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
        let mut updates: Vec<String> = cols.iter().map(|c| format!("{c} = excluded.{c}")).collect();
        updates.extend([
            "raw = excluded.raw".to_string(),
            "last_import_id = excluded.last_import_id".to_string(),
        ]);
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
            r.table,
            names.join(", "),
            placeholders.join(", "),
            r.key_column,
            updates.join(", ")
        );
        let mut values: Vec<rusqlite::types::Value> =
            vec![rusqlite::types::Value::Text(r.key.clone())];
        values.extend(r.columns.iter().map(|(_, v)| sql_value(v)));
        values.push(rusqlite::types::Value::Text(r.raw.clone()));
        values.push(rusqlite::types::Value::Integer(import_id));
        values.push(rusqlite::types::Value::Integer(import_id));
        conn.prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(values))?;
        if r.table == "accounts" {
            conn.prepare_cached(
                "INSERT INTO account_snapshots (import_id, account_id, raw) VALUES (?1, ?2, ?3)
                 ON CONFLICT (import_id, account_id) DO UPDATE SET raw = excluded.raw",
            )?
            .execute(params![import_id, r.key, r.raw])?;
        }
    }
    Ok(())
}

/// Links pointers to files: every link still without a file takes the newest stored file whose
/// asset id matches, whichever import brought it (so a later export fills in an earlier gap).
/// Only links with an asset id in `file_ids` are looked at: an import passes the ids of the files
/// and pointers it brought, the only ones whose links can change (every earlier link that
/// could be resolved was, by the import that made it possible), so the work is proportional to
/// the import rather than to the archive.
pub fn resolve_attachments(conn: &Connection, file_ids: &HashSet<String>) -> Result<usize> {
    if file_ids.is_empty() {
        return Ok(0);
    }
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS resolve_file_ids (file_id TEXT PRIMARY KEY);
         DELETE FROM temp.resolve_file_ids;",
    )?;
    let mut add =
        conn.prepare_cached("INSERT OR IGNORE INTO temp.resolve_file_ids (file_id) VALUES (?1)")?;
    for id in file_ids {
        add.execute([id])?;
    }
    let n = conn.execute(
        "UPDATE message_attachments SET
             sha256 = f.sha256,
             name = coalesce(message_attachments.name, f.name),
             mime_type = coalesce(message_attachments.mime_type, f.mime_type)
         FROM (SELECT file_id, sha256, mime_type,
                      replace(coalesce(original_name, path), rtrim(coalesce(original_name, path),
                          replace(coalesce(original_name, path), '/', '')), '') AS name,
                      row_number() OVER (PARTITION BY file_id ORDER BY import_id DESC) AS newest
               FROM export_files
               WHERE stored = 1 AND file_id IN (SELECT file_id FROM temp.resolve_file_ids)) AS f
         WHERE f.newest = 1 AND f.file_id = message_attachments.file_id AND message_attachments.sha256 IS NULL
           AND message_attachments.file_id IN (SELECT file_id FROM temp.resolve_file_ids)",
        [],
    )?;
    conn.execute_batch("DELETE FROM temp.resolve_file_ids;")?;
    Ok(n)
}

/// Attachments a message points at and sources it cites, for a message row just written.
pub fn store_message_links(
    conn: &Connection,
    import_id: i64,
    conversation_id: &str,
    message_id: &str,
    m: &crate::model::Message,
) -> Result<()> {
    store_links(
        conn,
        import_id,
        conversation_id,
        message_id,
        &m.attachments,
        &m.citations,
    )
}

/// `store_message_links` from the parts (the ingest keeps only these for staged messages).
pub fn store_links(
    conn: &Connection,
    import_id: i64,
    conversation_id: &str,
    message_id: &str,
    attachments: &[crate::model::AttachmentRef],
    citations: &[crate::model::Citation],
) -> Result<()> {
    let mut link = conn.prepare_cached(
        "INSERT INTO message_attachments (conversation_id, message_id, asset_pointer, file_id, kind, name, mime_type,
             size, width, height, extracted_text, first_import_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (conversation_id, message_id, asset_pointer) DO NOTHING",
    )?;
    for a in attachments {
        link.execute(params![
            conversation_id,
            message_id,
            a.pointer,
            a.file_id(),
            a.kind,
            a.name,
            a.mime_type,
            a.size,
            a.width,
            a.height,
            a.extracted_text,
            import_id
        ])?;
    }
    conn.prepare_cached("DELETE FROM citations WHERE conversation_id = ?1 AND message_id = ?2")?
        .execute(params![conversation_id, message_id])?;
    let mut cite = conn.prepare_cached(
        "INSERT INTO citations (conversation_id, message_id, position, url, title, snippet, first_import_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (i, c) in citations.iter().enumerate() {
        cite.execute(params![
            conversation_id,
            message_id,
            i as i64,
            c.url,
            c.title,
            c.snippet,
            import_id
        ])?;
    }
    Ok(())
}
