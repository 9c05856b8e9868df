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

/// A file one message points at, as a transcript shows it: stored (with its hash and detected
/// type) or missing (`sha256` None: no export the archive holds had the file).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MessageFile {
    pub conversation_id: String,
    pub message_id: String,
    pub asset_pointer: String,
    pub name: Option<String>,
    /// The stored file's detected type, else what the message said.
    pub mime_type: Option<String>,
    pub size: Option<i64>,
    pub sha256: Option<String>,
    /// The provider extracted the file's text into the message (Claude): it is quoted there.
    pub text_in_message: bool,
}

impl MessageFile {
    /// No export the archive holds had the file ([`is_missing`]).
    pub fn is_missing(&self) -> bool {
        is_missing(self.sha256.as_deref())
    }

    /// Where `export` writes the file, relative to its folder: `attachments/<sha256>.<ext>`.
    pub fn export_path(&self) -> Option<String> {
        let sha = self.sha256.as_deref()?;
        Some(export_path(sha, self.mime_type.as_deref()))
    }

    /// An image every Markdown viewer shows inline (raster types only).
    pub fn is_image(&self) -> bool {
        matches!(
            self.mime_type.as_deref(),
            Some(
                "image/png"
                    | "image/jpeg"
                    | "image/gif"
                    | "image/webp"
                    | "image/avif"
                    | "image/bmp"
            )
        )
    }
}

/// `attachments/<sha256>.<extension of the detected type>` (`bin` when the type is unknown).
pub fn export_path(sha256: &str, mime_type: Option<&str>) -> String {
    let ext = mime_type.and_then(extension).unwrap_or("bin");
    format!("attachments/{sha256}.{ext}")
}

/// The files each message of a conversation (or of every conversation) points at, one row per
/// file and message (a file named twice in a message, by its pointer and its upload entry, is
/// one row with its shortest name), in the order the messages list them.
pub fn message_files(conn: &Connection, conversation: Option<&str>) -> Result<Vec<MessageFile>> {
    // Two statements, not `?1 IS NULL OR …`: that form cannot use the primary key, and `export`
    // asks once per conversation (a full scan of the table each time).
    const COLUMNS: &str = "SELECT ma.conversation_id, ma.message_id, ma.asset_pointer, ma.name,
                coalesce(a.mime_type, ma.mime_type), coalesce(a.size, ma.size), ma.sha256,
                ma.extracted_text IS NOT NULL, coalesce(ma.sha256, ma.file_id, ma.asset_pointer)
         FROM message_attachments ma LEFT JOIN attachments a ON a.sha256 = ma.sha256";
    let mut stmt;
    let mut rows = match conversation {
        Some(c) => {
            stmt = conn.prepare_cached(&format!(
                "{COLUMNS} WHERE ma.conversation_id = ?1 ORDER BY ma.rowid"
            ))?;
            stmt.query(params![c])?
        }
        None => {
            stmt =
                conn.prepare_cached(&format!("{COLUMNS} ORDER BY ma.conversation_id, ma.rowid"))?;
            stmt.query([])?
        }
    };
    let mut out: Vec<MessageFile> = Vec::new();
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    while let Some(r) = rows.next()? {
        let f = MessageFile {
            conversation_id: r.get(0)?,
            message_id: r.get(1)?,
            asset_pointer: r.get(2)?,
            name: r
                .get::<_, Option<String>>(3)?
                .filter(|n| !n.trim().is_empty()),
            mime_type: r.get(4)?,
            size: r.get(5)?,
            sha256: r.get(6)?,
            text_in_message: r.get(7)?,
        };
        let key = (f.conversation_id.clone(), f.message_id.clone(), r.get(8)?);
        match seen.get(&key) {
            Some(&i) => {
                let kept = &mut out[i];
                let shorter = match (&kept.name, &f.name) {
                    (None, Some(_)) => true,
                    (Some(a), Some(b)) => b.len() < a.len(),
                    _ => false,
                };
                if shorter {
                    kept.name = f.name;
                }
                kept.mime_type = kept.mime_type.take().or(f.mime_type);
                kept.size = kept.size.or(f.size);
                kept.text_in_message |= f.text_in_message;
            }
            None => {
                seen.insert(key, out.len());
                out.push(f);
            }
        }
    }
    Ok(out)
}

/// The usual extension for a type (mime_guess lists them alphabetically: text/plain → "asm").
pub fn extension(mime_type: &str) -> Option<&'static str> {
    let usual = match mime_type {
        "text/plain" => Some("txt"),
        "image/jpeg" => Some("jpg"),
        "audio/wav" | "audio/x-wav" => Some("wav"),
        "audio/mpeg" => Some("mp3"),
        "application/json" => Some("json"),
        _ => None,
    };
    usual.or_else(|| {
        mime_guess::get_mime_extensions_str(mime_type)?
            .first()
            .copied()
    })
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
        let ext = mime_type.and_then(extension);
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
