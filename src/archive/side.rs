//! The accounts an import covers and the memory records it holds. Accounts keep the record of
//! the newest export that named them; memories are kept per import, as the export had them.

use rusqlite::{params, Connection};

use crate::error::Result;
use crate::model::{Account, MemoryRecord};

/// Records the accounts an export names, with a copy per import. A record from an export older
/// than the one already kept does not replace the latest values (an older export may be
/// ingested late).
pub fn store_accounts(
    conn: &Connection,
    provider: &str,
    import_id: i64,
    export_time: Option<&str>,
    accounts: &[Account],
) -> Result<()> {
    let mut upsert = conn.prepare_cached(
        "INSERT INTO accounts (id, provider, name, email, phone_number, raw, first_import_id, last_import_id)
         VALUES (?1, ?2, ?3, ?4, coalesce(json_extract(?5, '$.phone_number'), json_extract(?5, '$.verified_phone_number')),
                 ?5, ?6, ?6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email,
             phone_number = excluded.phone_number, raw = excluded.raw, last_import_id = excluded.last_import_id
         WHERE coalesce(?7, '') >= coalesce((SELECT export_time FROM imports WHERE id = accounts.last_import_id), '')",
    )?;
    let mut snapshot = conn.prepare_cached(
        "INSERT INTO account_snapshots (import_id, account_id, raw) VALUES (?1, ?2, ?3)
         ON CONFLICT (import_id, account_id) DO UPDATE SET raw = excluded.raw",
    )?;
    for a in accounts {
        upsert.execute(params![
            a.id,
            provider,
            a.name,
            a.email,
            a.raw,
            import_id,
            export_time
        ])?;
        snapshot.execute(params![import_id, a.id, a.raw])?;
    }
    Ok(())
}

/// The accounts this import is a complete snapshot of.
pub fn store_import_accounts<'a>(
    conn: &Connection,
    import_id: i64,
    accounts: impl IntoIterator<Item = &'a String>,
) -> Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO import_accounts (import_id, account_id) VALUES (?1, ?2)",
    )?;
    for a in accounts {
        insert.execute(params![import_id, a])?;
    }
    Ok(())
}

/// Every account the import refers to has its `accounts` row (schema 1.0: each `account_id`
/// joins `accounts.id`). One that no account file described (`--account`, a Claude team member,
/// a project's creator) gets a row with what is known; a later account file fills it in.
pub fn ensure_account_rows(conn: &Connection, provider: &str, import_id: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO accounts (id, provider, raw, first_import_id, last_import_id)
         SELECT account_id, ?2, '{}', ?1, ?1 FROM (
             SELECT account_id FROM imports WHERE id = ?1
             UNION SELECT account_id FROM import_accounts WHERE import_id = ?1
             UNION SELECT account_id FROM memory_records WHERE import_id = ?1
             UNION SELECT account_id FROM projects WHERE last_seen_import_id = ?1
             UNION SELECT account_id FROM conversations WHERE last_seen_import_id = ?1
         ) WHERE account_id IS NOT NULL
         ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![import_id, provider])?;
    Ok(())
}

/// One memory record and its remembered texts; returns how many texts.
pub fn store_memory(
    conn: &Connection,
    provider: &str,
    import_id: i64,
    default_account: Option<&str>,
    m: &MemoryRecord,
) -> Result<usize> {
    let account = m.account_id.as_deref().or(default_account);
    conn.prepare_cached(
        "INSERT INTO memory_records (import_id, provider, account_id, source, position, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        import_id,
        provider,
        account,
        m.source,
        m.position as i64,
        m.raw
    ])?;
    let record_id = conn.last_insert_rowid();
    let mut insert = conn.prepare_cached(
        "INSERT INTO memories (record_id, import_id, account_id, project_id, text) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for item in &m.items {
        insert.execute(params![
            record_id,
            import_id,
            account,
            item.project_id,
            item.text
        ])?;
    }
    Ok(m.items.len())
}
