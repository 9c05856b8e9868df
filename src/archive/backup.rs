//! A consistent single-file copy of the archive, taken with `VACUUM INTO` inside one read
//! transaction: it sees the last committed state even while an ingest writes or Datasette reads,
//! and leaves out free pages (so no wiped content travels along). The copy is written under a
//! temporary name, created 0600 before SQLite writes a byte, synced, then renamed into place:
//! a crash never leaves a half backup under the requested name.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use super::{create_private_file, Archive};
use crate::error::{Error, Result};

#[derive(Debug, Serialize)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub conversations: i64,
}

/// Copies the archive to `dest`. With `new_id`, the copy gets an archive id of its own (for a
/// copy that will live on separately); otherwise it keeps the archive's id: it is the same archive.
pub fn backup(archive: &Archive, dest: &Path, new_id: bool) -> Result<BackupReport> {
    if dest.exists() {
        return Err(Error::Usage(format!(
            "{} already exists; a backup never overwrites a file: choose a new name",
            dest.display()
        )));
    }
    let partial = partial_path(dest);
    // Left over from a backup that was killed: ours, and never complete.
    let _ = std::fs::remove_file(&partial);
    create_private_file(&partial)?;
    let target = partial.to_string_lossy().into_owned();
    let result = archive
        .conn
        .execute("VACUUM INTO ?1", [&target])
        .map_err(|e| Error::Archive {
            path: dest.into(),
            message: format!("writing the backup failed: {e}"),
        })
        .and_then(|_| {
            if new_id {
                mint_new_id(&partial)
            } else {
                Ok(())
            }
        })
        .and_then(|_| check_copy(&partial))
        .and_then(|conversations| {
            std::fs::File::open(&partial)
                .and_then(|f| f.sync_all())
                .map_err(|e| Error::io(&partial, e))?;
            std::fs::rename(&partial, dest).map_err(|e| Error::io(dest, e))?;
            sync_parent(dest);
            Ok(conversations)
        });
    match result {
        Ok(conversations) => Ok(BackupReport {
            path: dest.into(),
            bytes: std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0),
            conversations,
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// Gives the copy an archive id of its own. A copy of an archive not yet upgraded to 1.0 has no
/// `archive` table: it gets a fresh id when it is upgraded, like every archive.
fn mint_new_id(path: &Path) -> Result<()> {
    let conn = Connection::open(path)?;
    let has_table: bool = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'archive'",
        [],
        |r| r.get(0),
    )?;
    if has_table {
        conn.execute(super::NEW_ARCHIVE_ID, [])?;
    }
    Ok(())
}

/// The copy opens as a SQLite database and passes a quick check before it takes the real name.
fn check_copy(path: &Path) -> Result<i64> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let ok: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(Error::Archive {
            path: path.into(),
            message: format!("the backup copy failed its check: {ok}"),
        });
    }
    Ok(conn.query_row("SELECT count(*) FROM conversations", [], |r| r.get(0))?)
}

fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    dest.with_file_name(name)
}

/// Makes the rename durable (the directory entry); best effort where directories cannot be synced.
fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if let Ok(dir) = std::fs::File::open(parent) {
            let _ = dir.sync_all();
        }
    }
}
