//! The SQLite side: opening an archive (file mode, pragmas, migrations), the write transaction,
//! and the write API an import uses (`import`), storing versions. Nothing here reads exports (no
//! `source`), prints, or reads the environment: what it needs comes in from the caller.

pub mod backup;
pub mod catalog;
pub mod files;
pub mod forget;
pub mod import;
mod message_row;
mod projects;
pub mod rebuild;
mod side;
mod store;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{Error, Result};

pub use import::{Import, Judge, NewImport, Outcome, Outcomes, Stored};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// refinery's bookkeeping table, `_`-prefixed like every table the tool keeps for itself.
pub const MIGRATION_TABLE: &str = "_chatarchive_migrations";

/// Prepared statements kept per connection (see `configure`).
const STATEMENT_CACHE: usize = 128;

pub struct Archive {
    pub conn: Connection,
    pub path: PathBuf,
    /// What a write does when another process holds the archive's write lock.
    pub lock_wait: LockWait,
    /// Set when opening upgraded the archive's schema: (from, to) schema versions. The caller
    /// tells the person (the storage layer does not print).
    pub upgraded: Option<(i64, i64)>,
}

/// A message for the person running the tool (the caller decides where it goes).
pub type Notice = Arc<dyn Fn(&str) + Send + Sync>;

/// How long a write waits for another process that holds the archive's write lock, and whom it
/// tells that it waits.
#[derive(Clone)]
pub struct LockWait {
    pub timeout: Duration,
    pub notice: Option<Notice>,
}

impl Default for LockWait {
    /// Ten minutes: a second ingest waits for the first, however big its export.
    fn default() -> Self {
        LockWait {
            timeout: Duration::from_secs(600),
            notice: None,
        }
    }
}

/// Connection settings for the duration of an ingest (see docs/performance.md). An ingest
/// writes each page about once: a page cache larger than 4 MiB measured no faster (200 MB and
/// 1 GB exports), and every MiB of it is resident memory. `temp_store` stays MEMORY (the staging
/// table and statement journals never touch a temporary file, so no conversation text is
/// written outside the archive): FILE would save ~20 MB at 1 GB.
const INGEST_SETTINGS: &str = "PRAGMA cache_size = -4096;";

/// Page size of new archives. 16 KiB measured faster and smaller than 8 KiB on the ingest
/// benchmark (docs/performance.md); existing archives keep theirs (it is fixed once data exists).
pub const PAGE_SIZE: i64 = 16384;

/// FTS5 `automerge` of new archives (the default is 4).
pub const FTS_AUTOMERGE: i64 = 16;

/// Gives an archive a new id (`backup --new-id`, or by hand on a copy; docs/schema.md `archive`).
pub const NEW_ARCHIVE_ID: &str =
    "UPDATE archive SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    id = lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
       || substr(lower(hex(randomblob(2))), 2) || '-'
       || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-'
       || lower(hex(randomblob(6)))";

/// The highest schema version this build knows.
pub fn schema_version() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0)
}

impl Archive {
    /// Opens (creating if needed, mode 0600) and migrates an archive for writing.
    pub fn open(path: &Path) -> Result<Archive> {
        let fresh = match std::fs::metadata(path) {
            Err(_) => {
                create_private_file(path)?;
                true
            }
            // An empty file (`touch`ed, or opened by another SQLite program first) is a new
            // archive too: it gets the same settings, and the same privacy.
            Ok(m) if m.len() == 0 => {
                make_private(path)?;
                true
            }
            Ok(_) => false,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| archive_error(path, e))?;
        let mut archive = Archive {
            conn,
            path: path.into(),
            lock_wait: LockWait::default(),
            upgraded: None,
        };
        if fresh {
            // Must precede the first table: page size and vacuum mode are fixed once data exists.
            archive.conn.execute_batch(&format!(
                "PRAGMA page_size = {PAGE_SIZE}; PRAGMA auto_vacuum = INCREMENTAL;"
            ))?;
        }
        archive.configure()?;
        archive.check_not_newer()?;
        archive.migrate()?;
        if fresh {
            // FTS5 merges index segments once 16 of a level exist instead of 4: a first ingest
            // writes the index in far fewer merge passes (docs/performance.md). Stored in the
            // index's own config, so it holds for every later writer.
            archive.conn.execute(
                "INSERT INTO messages_fts (messages_fts, rank) VALUES ('automerge', ?1)",
                [FTS_AUTOMERGE],
            )?;
        }
        Ok(archive)
    }

    /// Opens an existing archive for reading only (no migration, no write lock).
    pub fn open_existing(path: &Path) -> Result<Archive> {
        if !path.exists() {
            return Err(Error::Archive {
                path: path.into(),
                message:
                    "no archive here yet: run `chatarchive ingest EXPORT` first (or pass --db)"
                        .into(),
            });
        }
        Archive::open(path)
    }

    /// Opens an existing archive as it is, without migrating it: for commands that must not
    /// change anything (`verify`), even on an archive an older chatarchive wrote.
    pub fn open_without_migrating(path: &Path) -> Result<Archive> {
        if !path.is_file() {
            return Err(Error::Archive {
                path: path.into(),
                message: "no archive here (pass --db PATH)".into(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| archive_error(path, e))?;
        let archive = Archive {
            conn,
            path: path.into(),
            lock_wait: LockWait::default(),
            upgraded: None,
        };
        archive.configure()?;
        archive.check_not_newer()?;
        Ok(archive)
    }

    fn configure(&self) -> Result<()> {
        // WAL: readers (Datasette, sqlite3) keep working during an ingest. synchronous=NORMAL is
        // safe from corruption under WAL; a power cut can lose at most the last commit.
        self.conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -65536;
             PRAGMA temp_store = MEMORY;",
        )?;
        self.conn
            .busy_timeout(std::time::Duration::from_millis(200))?;
        // The ingest keeps a few dozen statements hot; rusqlite's default cache of 16 evicted
        // and re-prepared them for every conversation.
        self.conn
            .set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(())
    }

    fn check_not_newer(&self) -> Result<()> {
        let exists: bool = self.conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [MIGRATION_TABLE],
            |r| r.get(0),
        )?;
        if !exists {
            let tables: i64 = self.conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )?;
            if tables > 0 {
                return Err(Error::Archive {
                    path: self.path.clone(),
                    message: "this SQLite file is not a chatarchive archive".into(),
                });
            }
            return Ok(());
        }
        let newest: i64 = self.conn.query_row(
            &format!("SELECT coalesce(max(version), 0) FROM {MIGRATION_TABLE}"),
            [],
            |r| r.get(0),
        )?;
        if newest > schema_version() {
            return Err(Error::Archive {
                path: self.path.clone(),
                message: format!(
                    "this archive was written by a newer chatarchive (schema version {newest}; this one knows up to {}). \
                     Upgrade chatarchive; the archive was not modified",
                    schema_version()
                ),
            });
        }
        Ok(())
    }

    /// The schema version the archive is at (0: a new, empty file).
    pub fn schema_version(&self) -> Result<i64> {
        let exists: bool = self.conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [MIGRATION_TABLE],
            |r| r.get(0),
        )?;
        if !exists {
            return Ok(0);
        }
        Ok(self.conn.query_row(
            &format!("SELECT coalesce(max(version), 0) FROM {MIGRATION_TABLE}"),
            [],
            |r| r.get(0),
        )?)
    }

    fn migrate(&mut self) -> Result<()> {
        let before = self.schema_version()?;
        // Grouped: every pending migration in one transaction, so an upgrade is all or nothing.
        let mut runner = embedded::migrations::runner().set_grouped(true);
        runner
            .set_migration_table_name(MIGRATION_TABLE)
            .run(&mut self.conn)
            .map_err(|e| {
                Error::corrupt(
                    Some(&self.path),
                    format!(
                        "upgrading the archive from schema version {before} failed, nothing was changed: {e}"
                    ),
                )
            })?;
        let after = schema_version();
        if before > 0 && before < after {
            self.upgraded = Some((before, after));
        }
        Ok(())
    }
}

impl Archive {
    /// BEGIN IMMEDIATE takes the write lock up front; a second writer waits for the first (saying
    /// so through `lock_wait.notice`) instead of failing half-way.
    pub fn begin_write(&mut self) -> Result<rusqlite::Transaction<'_>> {
        let busy = |e: &rusqlite::Error| {
            matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy)
            )
        };
        self.conn.busy_timeout(Duration::from_millis(200))?;
        let first = self.conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK;");
        if let Err(e) = first {
            if !busy(&e) {
                return Err(e.into());
            }
            if let Some(notice) = &self.lock_wait.notice {
                notice(&format!(
                    "another process is writing to {}; waiting for it to finish...",
                    self.path.display()
                ));
            }
            self.conn.busy_timeout(self.lock_wait.timeout)?;
        }
        match self.conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => Ok(tx),
            Err(e) if busy(&e) => Err(Error::Archive {
                path: self.path.clone(),
                message: "another chatarchive process kept the archive locked; try again when it has finished".into(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Runs `f` (an ingest) with the connection set up for it, restored after (speed and memory
    /// only, whatever `f` returns).
    pub fn tuned_for_ingest<T>(&mut self, f: impl FnOnce(&mut Archive) -> Result<T>) -> Result<T> {
        let cache_size: i64 = self.conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
        self.conn.execute_batch(INGEST_SETTINGS)?;
        let rollback_journal = first_ingest_without_wal(&self.conn)?;
        let result = f(self);
        let _ = self
            .conn
            .execute_batch(&format!("PRAGMA cache_size = {cache_size};"));
        if rollback_journal {
            back_to_wal(&self.conn);
        }
        result
    }
}

/// The first ingest into an archive that holds nothing yet is written through a rollback
/// journal instead of the write-ahead log: SQLite journals only the pages that existed when the
/// transaction began (here, the empty schema), so every page is written once, where the WAL
/// writes each twice (log, then checkpoint): 20-30% of a first ingest (docs/performance.md).
/// `synchronous = FULL` keeps it as safe against a power cut as WAL with NORMAL. Nothing is
/// lost for readers: there is nothing to read yet (one that opens the archive meanwhile waits
/// for the lock, or reports it busy, instead of seeing empty tables). When another connection
/// holds the archive open, WAL cannot be left, and the ingest simply stays in WAL.
fn first_ingest_without_wal(conn: &Connection) -> Result<bool> {
    let empty: bool = conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM imports)", [], |r| {
        r.get(0)
    })?;
    if !empty {
        return Ok(false);
    }
    let mode = conn.query_row("PRAGMA journal_mode = TRUNCATE", [], |r| {
        r.get::<_, String>(0)
    });
    if !matches!(mode.as_deref(), Ok("truncate")) {
        return Ok(false);
    }
    conn.execute_batch("PRAGMA synchronous = FULL")?;
    Ok(true)
}

/// Back to the archive's usual WAL mode after a first ingest (best effort: if a reader holds the
/// archive open right now, the next open switches it; until then FULL sync stays on).
fn back_to_wal(conn: &Connection) {
    let mode = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0));
    if matches!(mode.as_deref(), Ok("wal")) {
        let _ = conn.execute_batch("PRAGMA synchronous = NORMAL");
    }
}

impl Drop for Archive {
    /// Copies what the write-ahead log holds into the archive file when the tool is done, so the
    /// `.db` file alone is complete. PASSIVE never waits: with a reader attached (Datasette) it
    /// copies what it can and SQLite finishes later.
    fn drop(&mut self) {
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }
}

fn archive_error(path: &Path, e: rusqlite::Error) -> Error {
    Error::Archive {
        path: path.into(),
        message: e.to_string(),
    }
}

/// The archive holds private conversations: create it readable by its owner only.
#[cfg(unix)]
pub fn create_private_file(path: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    Ok(())
}

#[cfg(unix)]
fn make_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::io(path, e))
}

#[cfg(not(unix))]
fn make_private(_path: &Path) -> Result<()> {
    Ok(())
}

#[cfg(not(unix))]
pub fn create_private_file(path: &Path) -> Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    Ok(())
}

/// The time now, in the archive's timestamp format.
pub fn now_iso() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    crate::model::time::millis_to_iso(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_applies_to_a_fresh_archive() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let a = Archive::open(&path).unwrap();
        let ok: String = a
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let page: i64 = a
            .conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        assert_eq!(page, PAGE_SIZE);
        let automerge: i64 = a
            .conn
            .query_row(
                "SELECT v FROM messages_fts_config WHERE k = 'automerge'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(automerge, FTS_AUTOMERGE);
        drop(a);
        // Opening again is a no-op migration.
        Archive::open(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
