//! A stored version read back as a `Conversation`: rebuilt into its export JSON by the archive,
//! then read by its provider's reader, so nodes, parent links and the current thread come out
//! exactly as the ingest computed them (for `show --version`, `diff`).

use rusqlite::Connection;

use crate::archive::rebuild::original_json;
use crate::error::{Error, Result};
use crate::model::{Conversation, Provider};

/// A version read back through its provider's reader: the nodes, parent links and current
/// thread come out exactly as the ingest computed them, by the same code, for any provider.
pub fn read_version(conn: &Connection, version_id: i64) -> Result<Conversation> {
    let (id, provider): (String, String) = conn.query_row(
        "SELECT c.id, c.provider FROM conversation_versions v
         JOIN conversations c ON c.id = v.conversation_id WHERE v.id = ?1",
        [version_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let archive_error = |message: String| Error::Archive {
        path: conn.path().unwrap_or_default().into(),
        message,
    };
    let provider = Provider::parse(&provider).ok_or_else(|| {
        archive_error(format!(
            "conversation {id} comes from provider {provider:?}, which this chatarchive cannot read \
             (`show --format original` still prints it); upgrade chatarchive"
        ))
    })?;
    let json = original_json(conn, version_id)?;
    crate::source::read_conversation(provider, json.as_bytes(), 0).map_err(|e| {
        Error::corrupt(
            conn.path().map(std::path::Path::new),
            format!(
                "conversation {id} (version row {version_id}) cannot be read back: {}",
                e.message
            ),
        )
    })
}
