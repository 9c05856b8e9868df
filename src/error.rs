//! The library's error type. Every error says what a person needs to fix the problem: which file,
//! which conversation (index and id when known), which byte.

use std::path::PathBuf;

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

    #[error("archive error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    #[error("archive {path}: {message}")]
    Archive { path: PathBuf, message: String },

    /// A file we write (a Parquet dataset file) could not be written.
    #[error("{path}: {message}")]
    Output { path: PathBuf, message: String },

    #[error("interrupted: the ingest was cancelled and the archive is unchanged")]
    Interrupted,

    #[error("{0}")]
    Usage(String),
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
}

impl From<refinery::Error> for Error {
    fn from(e: refinery::Error) -> Self {
        Error::Usage(format!("migrating the archive failed: {e}"))
    }
}
