//! Stored files: which ones to hand back, under what safe name, and their bytes (reassembled from
//! chunks for large files, one chunk in memory at a time).

use std::collections::HashMap;
use std::io::Write;

/// The one definition of a missing attachment: a message points at a file whose bytes no export
/// the archive ingested held (`message_attachments.sha256 IS NULL`). A later export that holds
/// the file fills `sha256` in, and it is missing no more. Used in SQL as
/// `WHERE ma.{MISSING_SQL}`-style conditions through [`missing_condition`].
pub const MISSING_SQL: &str = "sha256 IS NULL";

/// How `show` and `export` mark a missing attachment.
pub const MISSING: &str = "missing: not in any export ingested";

/// [`MISSING_SQL`] for a `message_attachments` row under `alias`.
pub fn missing_condition(alias: &str) -> String {
    format!("{alias}.{MISSING_SQL}")
}

/// Whether a `message_attachments` row with this `sha256` is missing.
pub fn is_missing(sha256: Option<&str>) -> bool {
    sha256.is_none()
}

/// How many files no export held the messages point at (of one provider, or all): a file
/// counts once per message, however many links name it (a pointer and its upload id).
pub fn missing_count(conn: &Connection, provider: Option<&str>) -> Result<i64> {
    Ok(conn.query_row(
        &format!(
            "SELECT count(DISTINCT ma.conversation_id || char(0) || ma.message_id || char(0) || coalesce(ma.file_id, ma.asset_pointer))
             FROM message_attachments ma JOIN conversations c ON c.id = ma.conversation_id
             WHERE {} AND (?1 IS NULL OR c.provider = ?1)",
            missing_condition("ma")
        ),
        [provider],
        |r| r.get(0),
    )?)
}

/// The missing attachments of one conversation: (message id, asset pointer, name).
pub fn missing_in_conversation(
    conn: &Connection,
    conversation_id: &str,
) -> Result<Vec<(String, String, Option<String>)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT ma.message_id, ma.asset_pointer, ma.name, ma.sha256 FROM message_attachments ma
         WHERE ma.conversation_id = ?1 AND {}",
        missing_condition("ma")
    ))?;
    let rows = stmt.query_map([conversation_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (message, pointer, name, sha) = row?;
        if is_missing(sha.as_deref()) {
            out.push((message, pointer, name));
        }
    }
    Ok(out)
}

use rusqlite::{params, Connection};

use crate::error::Result;

#[derive(Debug, Clone)]
pub struct StoredFile {
    pub sha256: String,
    pub size: i64,
    pub mime_type: Option<String>,
    /// The best name known for it (message metadata, original name, name in the export).
    pub name: Option<String>,
}

/// Files a conversation's messages point at (resolved ones), or every stored file that is not
/// one of the export's own JSON/HTML files.
pub fn list(conn: &Connection, conversation: Option<&str>) -> Result<Vec<StoredFile>> {
    let sql = match conversation {
        Some(_) => {
            "SELECT a.sha256, a.size, a.mime_type,
                    (SELECT coalesce(ma.name, ef.original_name, ef.path) FROM message_attachments ma
                     LEFT JOIN export_files ef ON ef.sha256 = ma.sha256
                     WHERE ma.sha256 = a.sha256 AND ma.conversation_id = ?1 LIMIT 1)
             FROM attachments a
             WHERE a.sha256 IN (SELECT sha256 FROM message_attachments WHERE conversation_id = ?1)
             ORDER BY a.sha256"
        }
        None => {
            "SELECT a.sha256, a.size, a.mime_type,
                    coalesce((SELECT name FROM message_attachments ma WHERE ma.sha256 = a.sha256 AND name IS NOT NULL LIMIT 1),
                             (SELECT coalesce(original_name, path) FROM export_files ef WHERE ef.sha256 = a.sha256
                              ORDER BY import_id DESC LIMIT 1))
             FROM attachments a
             WHERE EXISTS (SELECT 1 FROM export_files ef WHERE ef.sha256 = a.sha256 AND ef.kind IN ('attachment', 'other'))
                OR EXISTS (SELECT 1 FROM message_attachments ma WHERE ma.sha256 = a.sha256)
             ORDER BY a.sha256"
        }
    };
    let mut stmt = conn.prepare(sql)?;
    let row = |r: &rusqlite::Row| {
        Ok(StoredFile {
            sha256: r.get(0)?,
            size: r.get(1)?,
            mime_type: r.get(2)?,
            name: r.get(3)?,
        })
    };
    let rows = match conversation {
        Some(c) => stmt.query_map(params![c], row)?.collect::<Result<_, _>>()?,
        None => stmt.query_map([], row)?.collect::<Result<_, _>>()?,
    };
    Ok(rows)
}

/// Writes a stored file's bytes to `out`.
pub fn write_bytes(conn: &Connection, sha256: &str, out: &mut dyn Write) -> Result<u64> {
    let inline: Option<Vec<u8>> = conn.query_row(
        "SELECT data FROM attachments WHERE sha256 = ?1",
        [sha256],
        |r| r.get(0),
    )?;
    if let Some(data) = inline {
        out.write_all(&data)
            .map_err(|e| crate::Error::io("output", e))?;
        return Ok(data.len() as u64);
    }
    let mut stmt =
        conn.prepare("SELECT data FROM attachment_chunks WHERE sha256 = ?1 ORDER BY seq")?;
    let mut rows = stmt.query([sha256])?;
    let mut total = 0;
    while let Some(row) = rows.next()? {
        let chunk = row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?;
        out.write_all(chunk)
            .map_err(|e| crate::Error::io("output", e))?;
        total += chunk.len() as u64;
    }
    Ok(total)
}

/// A file name that is safe on any file system and never a path: the last component of `name`,
/// with anything but letters, digits, `.`, `-` and `_` replaced, no leading dots, and an
/// extension matching the type when the name has none (or the opaque `.dat`).
pub fn safe_name(name: Option<&str>, mime_type: Option<&str>, sha256: &str) -> String {
    let base = name
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n))
        .unwrap_or("");
    let mut clean: String = base
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    clean = clean.trim_start_matches('.').chars().take(120).collect();
    if clean.is_empty() {
        clean = sha256.chars().take(16).collect();
    }
    let has_ext = clean
        .rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && ext != "dat" && ext.len() <= 5);
    if !has_ext {
        if let Some(stem) = clean.strip_suffix(".dat") {
            clean = stem.to_string();
        }
        let ext = mime_type.and_then(|m| {
            // mime_guess lists extensions alphabetically (text/plain → "asm"): prefer the usual one.
            let usual = match m {
                "text/plain" => Some("txt"),
                "image/jpeg" => Some("jpg"),
                "audio/wav" | "audio/x-wav" => Some("wav"),
                "audio/mpeg" => Some("mp3"),
                "application/json" => Some("json"),
                _ => None,
            };
            usual.or_else(|| mime_guess::get_mime_extensions_str(m)?.first().copied())
        });
        if let Some(ext) = ext {
            clean = format!("{clean}.{ext}");
        }
    }
    clean
}

/// Names for a set of files, made unique by prefixing part of the hash where two differ.
pub fn unique_names(files: &[StoredFile]) -> Vec<String> {
    let names: Vec<String> = files
        .iter()
        .map(|f| safe_name(f.name.as_deref(), f.mime_type.as_deref(), &f.sha256))
        .collect();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for n in &names {
        *count.entry(n.as_str()).or_default() += 1;
    }
    names
        .iter()
        .zip(files)
        .map(|(n, f)| {
            if count[n.as_str()] > 1 {
                format!("{}-{n}", &f.sha256[..12])
            } else {
                n.clone()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_never_escape_the_folder() {
        assert_eq!(
            safe_name(Some("../../etc/passwd"), None, "abcdef0123456789ff"),
            "passwd"
        );
        assert_eq!(
            safe_name(Some("C:\\x\\..\\evil.png"), None, "ab"),
            "evil.png"
        );
        assert_eq!(
            safe_name(Some(".hidden"), Some("text/plain"), "ab"),
            "hidden.txt"
        );
        assert_eq!(
            safe_name(Some("file-X.dat"), Some("image/png"), "ab"),
            "file-X.png"
        );
        assert_eq!(
            safe_name(None, Some("audio/wav"), "0123456789abcdef99"),
            "0123456789abcdef.wav"
        );
        assert_eq!(safe_name(Some("a b?.jpg"), None, "ab"), "a_b_.jpg");
    }
}
