//! The library's error type. Every error says what a person needs to fix the problem: which file,
//! which conversation (index and id when known), which byte; for the archive, which archive.
//! Exit codes (see `main.rs`): `Usage` 2, `Interrupted` 130, everything else 1.

use std::path::{Path, PathBuf};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The export as a whole cannot be used (not an export, incomplete, truncated ZIP...).
    #[error("{path}: {message}")]
    Export { path: PathBuf, message: String },

    /// A file inside the export is broken at a known position.
    #[error("{file}: {message}{}", position_suffix(*.offset, *.index, .id.as_deref()))]
    Content {
        file: String,
        offset: Option<u64>,
        index: Option<usize>,
        id: Option<String>,
        message: String,
    },

    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// SQLite failed. `path` is the archive's; a function that only had the connection at hand
    /// leaves it empty and the caller that opened the archive fills it in (`Error::in_archive`).
    #[error("archive {}: {source}", display_path(.path.as_deref()))]
    Sqlite {
        path: Option<PathBuf>,
        source: rusqlite::Error,
    },

    /// The archive cannot be used as asked (not an archive, locked, newer than this build...).
    #[error("archive {path}: {message}")]
    Archive { path: PathBuf, message: String },

    /// A file we write (a Parquet dataset file) could not be written.
    #[error("{path}: {message}")]
    Output { path: PathBuf, message: String },

    /// The archive holds something it cannot hold when intact (a missing revision, a row that no
    /// longer parses), or could not be migrated. Run `chatarchive verify`; restore a backup.
    #[error("archive {}: {message}", display_path(.path.as_deref()))]
    Corrupt {
        path: Option<PathBuf>,
        message: String,
    },

    /// A bug in chatarchive (a thread that panicked, a state that cannot happen): nothing the
    /// user did. The ingest in progress rolled back.
    #[error("internal error: {0}; the archive is unchanged. Please report this")]
    Internal(String),

    #[error("interrupted: the ingest was cancelled and the archive is unchanged")]
    Interrupted,

    /// The command line asks for something impossible (unknown id, bad date, existing file).
    #[error("{0}")]
    Usage(String),
}

fn display_path(path: Option<&Path>) -> String {
    path.map_or_else(|| "(unknown path)".into(), |p| p.display().to_string())
}

fn position_suffix(offset: Option<u64>, index: Option<usize>, id: Option<&str>) -> String {
    let mut s = String::new();
    if let Some(i) = index {
        s.push_str(&format!(" (conversation #{i}"));
        if let Some(id) = id {
            s.push_str(&format!(", id {id}"));
        }
        s.push(')');
    }
    if let Some(o) = offset {
        s.push_str(&format!(" at byte {o}"));
    }
    s
}

impl Error {
    pub fn export(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Export {
            path: path.into(),
            message: message.into(),
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A corrupt archive at a path known or not.
    pub fn corrupt(path: Option<&Path>, message: impl Into<String>) -> Self {
        Error::Corrupt {
            path: path.map(Path::to_path_buf),
            message: message.into(),
        }
    }

    /// Names the archive in an archive error that does not name one yet.
    pub fn in_archive(self, archive: &Path) -> Self {
        match self {
            Error::Sqlite { path: None, source } => Error::Sqlite {
                path: Some(archive.into()),
                source,
            },
            Error::Corrupt {
                path: None,
                message,
            } => Error::Corrupt {
                path: Some(archive.into()),
                message,
            },
            other => other,
        }
    }
}

/// A bare SQLite error: the archive's path is added by whoever opened it (`Error::in_archive`).
impl From<rusqlite::Error> for Error {
    fn from(source: rusqlite::Error) -> Self {
        Error::Sqlite { path: None, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_errors_name_the_archive_once_known() {
        let bare = Error::from(rusqlite::Error::QueryReturnedNoRows);
        assert!(bare.to_string().contains("(unknown path)"), "{bare}");
        let named = bare.in_archive(Path::new("/tmp/a.db"));
        assert_eq!(
            named.to_string(),
            "archive /tmp/a.db: Query returned no rows"
        );
        // A path already named stays.
        let again = named.in_archive(Path::new("/other.db"));
        assert!(again.to_string().starts_with("archive /tmp/a.db:"));
    }
}
