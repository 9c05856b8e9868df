//! Files of an export other than conversations, as the archive receives them: what each one is,
//! and the asset ids that link a message's pointer (`file-service://file-…`) to a file's name
//! (`file-….png`). Provider-neutral: both readers and the archive speak these.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Conversations,
    Account,
    Side,
    Html,
    Attachment,
    Other,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Conversations => "conversations",
            FileKind::Account => "account",
            FileKind::Side => "side",
            FileKind::Html => "html",
            FileKind::Attachment => "attachment",
            FileKind::Other => "other",
        }
    }
}

/// The asset id a file name starts with: `file-XXXX-cat.png` → `file-XXXX`,
/// `file_<32 hex>-<uuid>.webp` → `file_<32 hex>`, `file-XXXX.dat` → `file-XXXX`.
pub fn file_id(basename: &str) -> Option<String> {
    let (prefix, rest) = if let Some(r) = basename.strip_prefix("file-") {
        ("file-", r)
    } else if let Some(r) = basename.strip_prefix("file_") {
        ("file_", r)
    } else {
        return None;
    };
    let id: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    (id.len() >= 8).then(|| format!("{prefix}{id}"))
}

/// The asset id an asset pointer names: `file-service://file-XXXX` and `sediment://file_XXXX`
/// (and a bare `file-XXXX` upload id).
pub fn pointer_file_id(pointer: &str) -> Option<String> {
    let tail = pointer.rsplit("://").next().unwrap_or(pointer);
    file_id(tail.rsplit('/').next().unwrap_or(tail))
}

/// One file on its way to the archive.
#[derive(Debug)]
pub struct FileItem {
    pub path: String,
    pub size: u64,
    pub sha256: String,
    pub kind: FileKind,
    pub file_id: Option<String>,
    pub original_name: Option<String>,
    pub mime_type: Option<String>,
    /// Whether the archive should hold the bytes (chat.html only with --keep-html).
    pub store: bool,
    /// The bytes, when small and new to the archive.
    pub data: Option<Vec<u8>>,
    /// For a large new file: how many `Chunk`s follow.
    pub chunk_count: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_ids_from_names_and_pointers() {
        assert_eq!(
            file_id("file-AbCdEf0123456789AbCdEf01-cat.png").as_deref(),
            Some("file-AbCdEf0123456789AbCdEf01")
        );
        assert_eq!(
            file_id("file-AbCdEf0123456789AbCdEf01.dat").as_deref(),
            Some("file-AbCdEf0123456789AbCdEf01")
        );
        assert_eq!(
            file_id("file_0123456789abcdef0123456789abcdef-4d1c0e9a-1b2c.webp").as_deref(),
            Some("file_0123456789abcdef0123456789abcdef")
        );
        assert_eq!(file_id("notes.txt"), None);
        assert_eq!(
            pointer_file_id("file-service://file-AbCdEf0123456789AbCdEf01").as_deref(),
            Some("file-AbCdEf0123456789AbCdEf01")
        );
        assert_eq!(
            pointer_file_id("sediment://file_0123456789abcdef0123456789abcdef").as_deref(),
            Some("file_0123456789abcdef0123456789abcdef")
        );
    }
}
