//! The files of an export other than conversations: what each one is, the asset id in its name,
//! its type (from the name, else sniffed from the bytes), and streaming it out in bounded pieces
//! with its sha256, so the archive can store each distinct file once.

use std::io::Read;

use sha2::{Digest, Sha256};

use super::context::ReadContext;
use super::export::{Entry, Export};
use super::item::Item;
use super::layout::Layout;
use crate::error::{Error, Result};
use crate::json::hex;
use crate::model::file::file_id;
use crate::model::{FileItem, FileKind};

/// Files up to this size travel whole; larger ones in pieces of this size.
pub const CHUNK_SIZE: usize = 4 << 20;

/// JSON files of known meaning besides the conversations.
pub const SIDE_FILES: &[&str] = &[
    "message_feedback.json",
    "shared_conversations.json",
    "model_comparisons.json",
    "user_settings.json",
    "group_chats.json",
    "shopping.json",
    "sora.json",
    "export_manifest.json",
    "conversations.json.index",
    "conversation_asset_file_names.json",
    "library_files.json",
];

pub fn classify(entry: &Entry, conversation_files: &[Entry]) -> FileKind {
    let base = entry.basename();
    if conversation_files
        .iter()
        .any(|c| c.name == entry.name && c.part == entry.part)
    {
        FileKind::Conversations
    } else if entry.basename() == "user.json" || entry.basename() == "users.json" {
        FileKind::Account
    } else if SIDE_FILES.contains(&entry.name.as_str()) {
        FileKind::Side
    } else if base.ends_with(".html") && !entry.name.contains('/') {
        FileKind::Html
    } else if file_id(base).is_some() || has_media_extension(base) {
        FileKind::Attachment
    } else {
        FileKind::Other
    }
}

fn has_media_extension(name: &str) -> bool {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    matches!(
        ext.as_str(),
        "png"
            | "jpg"
            | "jpeg"
            | "gif"
            | "webp"
            | "wav"
            | "mp3"
            | "m4a"
            | "ogg"
            | "webm"
            | "mp4"
            | "pdf"
            | "dat"
    )
}

/// MIME type from the (original) name's extension, else from the bytes.
pub fn mime_type(name: Option<&str>, head: &[u8]) -> Option<String> {
    let by_name = name
        .filter(|n| !n.to_ascii_lowercase().ends_with(".dat"))
        .and_then(|n| mime_guess::from_path(n).first())
        .map(|m| m.essence_str().to_string());
    by_name
        .or_else(|| infer::get(head).map(|t| t.mime_type().to_string()))
        .or_else(|| {
            let text = head.iter().take(512).all(|&b| b >= 0x09 && b != 0x7f);
            match head.iter().find(|b| !b.is_ascii_whitespace()) {
                Some(b'{' | b'[') if text => Some("application/json".into()),
                Some(_) if text && std::str::from_utf8(head).is_ok() => Some("text/plain".into()),
                _ => None,
            }
        })
}

/// Reads one entry and hands it to `emit` as an `Item::File`, followed by its `Item::Chunk`s if
/// it is large and new. Small files are read once; large new files twice (hash first, so a file
/// already in the archive is never written). Returns false when `emit` asked to stop.
pub fn read_file(
    export: &mut Export,
    layout: &Layout,
    entry: &Entry,
    kind: FileKind,
    ctx: &mut ReadContext,
    emit: &mut dyn FnMut(Item) -> bool,
) -> Result<bool> {
    let path = export.path.join(&entry.raw_name);
    let io = |e: std::io::Error| Error::io(&path, e);
    let original_name = layout.original_names.get(entry.basename()).cloned();
    let file_id = file_id(entry.basename()).or_else(|| {
        original_name
            .as_deref()
            .and_then(|n| file_id(n.rsplit('/').next()?))
    });
    let store = kind != FileKind::Conversations && (kind != FileKind::Html || ctx.keep_html);
    let mut head = Vec::new();
    let mut hasher = Sha256::new();
    let mut small = Vec::new();
    let mut total = 0u64;
    {
        let mut reader = export.open_entry(entry)?;
        let mut buf = vec![0u8; 256 << 10];
        loop {
            let n = reader.read(&mut buf).map_err(io)?;
            if n == 0 {
                break;
            }
            if head.len() < 8192 {
                head.extend_from_slice(&buf[..n.min(8192 - head.len())]);
            }
            hasher.update(&buf[..n]);
            total += n as u64;
            if store && total as usize <= CHUNK_SIZE {
                small.extend_from_slice(&buf[..n]);
            }
        }
    }
    let sha256 = hex(&hasher.finalize());
    let mime = mime_type(original_name.as_deref().or(Some(entry.basename())), &head);
    let new = store && ctx.known_files.insert(sha256.clone());
    let large = total as usize > CHUNK_SIZE;
    let chunk_count = if new && large {
        (total as usize).div_ceil(CHUNK_SIZE)
    } else {
        0
    };
    let item = FileItem {
        path: entry.name.clone(),
        size: total,
        sha256: sha256.clone(),
        kind,
        file_id,
        original_name,
        mime_type: mime,
        store,
        data: (new && !large).then_some(small),
        chunk_count,
    };
    if !emit(Item::File(item)) {
        return Ok(false);
    }
    if chunk_count > 0 {
        let mut reader = export.open_entry(entry)?;
        for seq in 0..chunk_count {
            let mut data = Vec::with_capacity(CHUNK_SIZE);
            (&mut reader)
                .take(CHUNK_SIZE as u64)
                .read_to_end(&mut data)
                .map_err(io)?;
            if !emit(Item::Chunk {
                sha256: sha256.clone(),
                seq,
                data,
            }) {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_from_names_then_bytes() {
        assert_eq!(
            mime_type(Some("cat.png"), b"").as_deref(),
            Some("image/png")
        );
        assert_eq!(
            mime_type(Some("x.dat"), b"\x89PNG\r\n\x1a\n0000").as_deref(),
            Some("image/png")
        );
        assert_eq!(
            mime_type(None, b"RIFF\x24\x00\x00\x00WAVEfmt ").as_deref(),
            Some("audio/x-wav")
        );
        assert_eq!(
            mime_type(None, b"%PDF-1.7").as_deref(),
            Some("application/pdf")
        );
        assert_eq!(
            mime_type(None, b" {\"a\": 1}").as_deref(),
            Some("application/json")
        );
        assert_eq!(mime_type(None, b"\x00\x01\x02"), None);
    }
}
