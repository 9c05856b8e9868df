//! `export --format parquet`: the archive's reading tables as a Hive-partitioned Parquet dataset
//! that many archives share (docs/parquet.md). A read-only user of the archive: rows are
//! streamed from SQLite into row groups, one file per table and (provider, account) partition,
//! each named after the archive's UUID so archives never write each other's files.

pub mod layout;
pub mod pseudonym;
pub mod tables;
pub mod writer;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::model::time::iso_to_millis;
pub use pseudonym::Pseudonymizer;
use tables::{Role, Table, TABLES};
use writer::{Kind, Outcome, PartWriter, Value};

#[derive(Debug, Default)]
pub struct Options {
    /// Also write file bytes (`attachment_bytes`).
    pub with_bytes: bool,
    /// Leave the raw JSON columns out.
    pub no_raw: bool,
    /// Replace identifiers with HMACs, leave personal columns and raw JSON out.
    pub pseudonym: Option<Pseudonymizer>,
}

impl Options {
    fn keeps(&self, role: Role) -> bool {
        match role {
            Role::Plain | Role::Id => true,
            Role::Personal => self.pseudonym.is_none(),
            Role::Raw => !self.no_raw && self.pseudonym.is_none(),
        }
    }
}

/// What an export did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    pub archive_id: String,
    pub written: usize,
    pub unchanged: usize,
    /// This archive's files removed from partitions (or tables) it no longer has.
    pub removed: usize,
    /// Rows per table, over every partition.
    pub rows: BTreeMap<&'static str, u64>,
}

/// Exports the archive behind `conn` into the dataset folder `out`.
pub fn export(conn: &Connection, out: &Path, opts: &Options) -> Result<Report> {
    let archive_id: String = conn
        .query_row("SELECT id FROM archive", [], |r| r.get(0))
        .map_err(|e| {
            Error::Usage(format!(
                "the archive has no id (SELECT id FROM archive): {e}"
            ))
        })?;
    writer::create_dirs(out)?;
    // One consistent snapshot of the archive for every table, even if an ingest commits while
    // we read (WAL readers see the state at their first read).
    conn.execute_batch("BEGIN")?;
    let result = export_tables(conn, out, opts, &archive_id);
    let _ = conn.execute_batch("COMMIT");
    let (mut report, kept) = result?;
    report.removed = sweep(out, &archive_id, &kept)?;
    Ok(report)
}

fn export_tables(
    conn: &Connection,
    out: &Path,
    opts: &Options,
    archive_id: &str,
) -> Result<(Report, BTreeSet<PathBuf>)> {
    let mut report = Report {
        archive_id: archive_id.to_string(),
        ..Report::default()
    };
    let mut kept = BTreeSet::new();
    for table in TABLES.iter().filter(|t| opts.with_bytes || !t.bytes) {
        let partitions: Vec<(String, Option<String>)> = conn
            .prepare(table.partitions)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let rows = report.rows.entry(table.name).or_default();
        for (provider, account) in partitions {
            let shown = match (&opts.pseudonym, &account) {
                (Some(p), Some(a)) => Some(p.id(a.as_bytes())),
                (_, a) => a.clone(),
            };
            let dir = layout::partition_dir(out, table.name, &provider, shown.as_deref());
            let path = dir.join(layout::file_name(archive_id));
            let (outcome, n) = write_partition(
                conn,
                table,
                opts,
                archive_id,
                &path,
                &dir.join(layout::temp_name(archive_id)),
                (&provider, account.as_deref()),
            )?;
            *rows += n;
            match outcome {
                Outcome::Written => report.written += 1,
                Outcome::Unchanged => report.unchanged += 1,
            }
            kept.insert(path);
        }
    }
    Ok((report, kept))
}

fn write_partition(
    conn: &Connection,
    table: &Table,
    opts: &Options,
    archive_id: &str,
    path: &Path,
    tmp: &Path,
    (provider, account): (&str, Option<&str>),
) -> Result<(Outcome, u64)> {
    // Every file starts with the archive's id: rows of many archives stay apart (row ids such as
    // `messages.pk` are per archive) and a reader without hive_partitioning still has it.
    let mut columns: Vec<(&str, Kind)> = vec![("archive_id", Kind::Text)];
    let kept: Vec<usize> = (0..table.columns.len())
        .filter(|&i| opts.keeps(table.columns[i].role))
        .collect();
    columns.extend(
        kept.iter()
            .map(|&i| (table.columns[i].name, table.columns[i].kind)),
    );
    let mut metadata = vec![
        (writer::KEY_ARCHIVE_ID.to_string(), archive_id.to_string()),
        (writer::KEY_TABLE.to_string(), table.name.to_string()),
    ];
    if opts.pseudonym.is_some() {
        metadata.push(("chatarchive.pseudonymized".into(), "hmac-sha256".into()));
    }
    let mut part = PartWriter::create(path, tmp, &columns, metadata)?;
    let mut stmt = conn.prepare(table.rows)?;
    let mut rows = stmt.query(rusqlite::params![provider, account])?;
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(columns.len());
        values.push(Value::Bytes(archive_id.as_bytes().to_vec()));
        for &i in &kept {
            let col = &table.columns[i];
            let v = convert(row.get_ref(i)?, col.kind).map_err(|message| Error::Output {
                path: path.to_path_buf(),
                message: format!("{}.{}: {message}", table.name, col.name),
            })?;
            values.push(match (&opts.pseudonym, col.role, v) {
                (Some(p), Role::Id, Value::Bytes(b)) => Value::Bytes(p.id(&b).into_bytes()),
                (Some(p), Role::Id, Value::Int(n)) => {
                    Value::Bytes(p.id(n.to_string().as_bytes()).into_bytes())
                }
                (_, _, v) => v,
            });
        }
        part.push(values)?;
    }
    let n = part.total_rows;
    Ok((part.finish()?, n))
}

/// A SQLite value as its Parquet column's kind.
fn convert(v: ValueRef<'_>, kind: Kind) -> std::result::Result<Value, String> {
    Ok(match (v, kind) {
        (ValueRef::Null, _) => Value::Null,
        (ValueRef::Integer(n), Kind::Int) => Value::Int(n),
        (ValueRef::Integer(n), Kind::Bool) => Value::Bool(n != 0),
        (ValueRef::Integer(n), Kind::Text) => Value::Bytes(n.to_string().into_bytes()),
        (ValueRef::Real(f), Kind::Text) => Value::Bytes(f.to_string().into_bytes()),
        (ValueRef::Text(t), Kind::Text) | (ValueRef::Blob(t), Kind::Text) => {
            Value::Bytes(String::from_utf8_lossy(t).into_owned().into_bytes())
        }
        (ValueRef::Blob(b), Kind::Bytes) => Value::Bytes(b.to_vec()),
        (ValueRef::Text(t), Kind::Time) => {
            let s = String::from_utf8_lossy(t);
            Value::Int(iso_to_millis(&s).ok_or_else(|| format!("not a timestamp: {s:?}"))?)
        }
        (v, kind) => {
            return Err(format!(
                "a {:?} value where {kind:?} was expected",
                v.data_type()
            ))
        }
    })
}

/// Removes this archive's files that this export did not write: partitions (or tables) the
/// archive no longer has, and temporary files an interrupted export left. Other archives' files
/// are never touched. Emptied partition folders are removed too.
fn sweep(out: &Path, archive_id: &str, kept: &BTreeSet<PathBuf>) -> Result<usize> {
    let mut removed = 0;
    for table in TABLES {
        let table_dir = out.join(table.name);
        for provider_dir in subdirs(&table_dir)? {
            for account_dir in subdirs(&provider_dir)? {
                for entry in read_dir(&account_dir)? {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let path = entry.path();
                    if layout::is_ours(&name, archive_id) && !kept.contains(&path) {
                        match std::fs::remove_file(&path) {
                            Ok(()) => removed += usize::from(name.ends_with(".parquet")),
                            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                            Err(e) => return Err(Error::io(&path, e)),
                        }
                        // Fails (and is meant to) while another archive has a file there.
                        let _ = std::fs::remove_dir(&account_dir);
                        let _ = std::fs::remove_dir(&provider_dir);
                    }
                }
            }
        }
    }
    Ok(removed)
}

fn read_dir(dir: &Path) -> Result<Vec<std::fs::DirEntry>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(|e| Error::io(dir, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(Error::io(dir, e)),
    }
}

fn subdirs(dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(read_dir(dir)?
        .into_iter()
        .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
        .map(|e| e.path())
        .collect())
}
