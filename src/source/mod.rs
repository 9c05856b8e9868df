//! Readers: open an export (a ZIP, an unpacked folder, a bare JSON file, or a manifest with the
//! ZIPs it names), recognise whose it is, and stream conversations (then projects and memories)
//! out of it one at a time. One module per provider. Nothing here touches SQLite.

pub mod budget;
pub mod chatgpt;
pub mod claude;
pub mod export;
pub mod files;
pub mod stream;

pub use export::{Entry, Export};

use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::json::canon::{self, CanonError};
use crate::json::members::CanonicalObject;

/// A problem inside one array element, positioned relative to the element's first byte.
#[derive(Debug)]
pub struct ElementError {
    pub offset: Option<usize>,
    pub message: String,
    /// Where in memory the problem is, when only a borrowed slice of the element was at hand
    /// (a member's raw value): [`ElementError::offset_in`] turns it into an offset.
    pub address: Option<usize>,
}

impl ElementError {
    pub fn from_serde(e: &serde_json::Error, bytes: &[u8]) -> Self {
        let offset = line_col_to_offset(bytes, e.line(), e.column());
        // serde says "invalid unicode code point" for raw bytes that are not UTF-8 too: name the
        // byte, since that is what a person can look for.
        if let Err(bad) = std::str::from_utf8(bytes) {
            let at = bad.valid_up_to();
            if offset.is_none_or(|o| o >= at) {
                return ElementError {
                    offset: Some(at),
                    message: format!(
                        "invalid UTF-8 (byte 0x{:02x}); JSON must be UTF-8, so the file is corrupt",
                        bytes[at]
                    ),
                    address: None,
                };
            }
        }
        // serde's message ends with "at line L column C", relative to the element: drop it.
        let text = e.to_string();
        let message = match text.find(" at line ") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        let message = if message.starts_with("invalid type") {
            format!("{message} (a conversation must be a JSON object)")
        } else {
            message
        };
        ElementError {
            offset,
            message,
            address: None,
        }
    }

    /// A canonicalization error inside `raw` (a member value borrowed from the element).
    pub fn from_canon(e: CanonError, raw: &[u8]) -> Self {
        let message = if e.reason == "JSON nested too deeply" {
            format!(
                "JSON nested deeper than {} levels; no real export does that, so the file is corrupt or hostile",
                canon::MAX_DEPTH
            )
        } else {
            e.reason.to_string()
        };
        ElementError {
            offset: None,
            message,
            address: Some(raw.as_ptr() as usize + e.offset),
        }
    }

    /// The error's offset inside `element`, from `offset` or from `address` when that points
    /// into `element`.
    pub fn offset_in(&self, element: &[u8]) -> Option<usize> {
        self.offset.or_else(|| {
            let start = element.as_ptr() as usize;
            self.address
                .filter(|a| *a >= start && *a <= start + element.len())
                .map(|a| a - start)
        })
    }
}

fn line_col_to_offset(bytes: &[u8], line: usize, column: usize) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let mut start = 0;
    for _ in 1..line {
        start += memchr_newline(&bytes[start..])? + 1;
    }
    Some(start + column.saturating_sub(1))
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

/// The canonical bytes of a raw member value.
pub fn canonical_of(raw: &RawValue) -> Result<Vec<u8>, ElementError> {
    let mut out = Vec::with_capacity(raw.get().len());
    canon::canonicalize(raw.get().as_bytes(), &mut out)
        .map_err(|e| ElementError::from_canon(e, raw.get().as_bytes()))?;
    Ok(out)
}

/// Hashes the assembled canonical conversation and returns (sha256, envelope without the tree).
pub fn finish_hash(whole: &mut CanonicalObject, tree_key: Option<&str>) -> (String, String) {
    let mut bytes = Vec::new();
    whole.write(&mut bytes, None);
    let sha = crate::json::hex(&Sha256::digest(&bytes));
    let envelope = match tree_key {
        Some(k) => {
            let mut env = Vec::new();
            whole.write(&mut env, Some(k));
            env
        }
        None => bytes,
    };
    (sha, String::from_utf8(envelope).unwrap_or_default())
}

/// A record from an account or side file, for the archive table `table` (keyed by
/// `key_column`). Table and column names are fixed in code, never taken from input.
#[derive(Debug, Clone)]
pub struct SideRecord {
    pub table: &'static str,
    pub key_column: &'static str,
    pub key: String,
    pub columns: Vec<(&'static str, serde_json::Value)>,
    pub raw: String,
}

/// What the reader thread hands the writer, in order: conversations, projects, memories, then
/// files.
pub enum Item {
    Conversation(Box<crate::model::Conversation>),
    /// A conversation the archive already holds unchanged.
    Known(Known),
    Project(Box<crate::model::side::Project>),
    Memory(crate::model::side::MemoryRecord),
    File(files::FileItem),
    Chunk {
        sha256: String,
        seq: usize,
        data: Vec<u8>,
    },
    Records(Vec<SideRecord>),
}

/// Streams a whole export: every conversation, then every other file (stored content-addressed
/// by the archive) with the records of the side files it understands.
pub fn read_export(
    export: &mut Export,
    layout: &stream::Layout,
    mut ctx: files::FileContext,
    known: &KnownVersions,
    bytes_read: &std::sync::atomic::AtomicU64,
    cancel: &std::sync::atomic::AtomicBool,
    sink: &mut dyn FnMut(Item) -> bool,
) -> crate::error::Result<()> {
    let hashes = stream::for_each_record(export, layout, known, bytes_read, cancel, |r| match r {
        stream::Record::Conversation(c) => sink(Item::Conversation(c)),
        stream::Record::Known(k) => sink(Item::Known(k)),
        stream::Record::Project(p) => sink(Item::Project(Box::new(p))),
        stream::Record::Memory(m) => sink(Item::Memory(m)),
    })?;
    for (entry, (size, sha256)) in layout.conversation_files.iter().zip(hashes) {
        let item = files::FileItem {
            path: entry.name.clone(),
            size,
            sha256,
            kind: files::FileKind::Conversations,
            file_id: None,
            original_name: None,
            mime_type: Some("application/json".into()),
            store: false,
            data: None,
            chunk_count: 0,
        };
        if !sink(Item::File(item)) {
            return Ok(());
        }
    }
    let entries: Vec<Entry> = export.entries.clone();
    for entry in &entries {
        if cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(crate::error::Error::Interrupted);
        }
        let kind = files::classify(entry, &layout.conversation_files);
        if kind == files::FileKind::Conversations || export.is_added_part(entry) {
            continue;
        }
        let chatgpt = layout.provider == crate::model::Provider::Chatgpt;
        if chatgpt && matches!(kind, files::FileKind::Side) {
            if let Some(value) = stream::read_small_json(export, &entry.name)? {
                if let Some(records) = chatgpt::side::records(&entry.name, &value) {
                    if !sink(Item::Records(records)) {
                        return Ok(());
                    }
                }
            }
        }
        let mut emit = |event: files::FileEvent| match event {
            files::FileEvent::File(f) => sink(Item::File(f)),
            files::FileEvent::Chunk { sha256, seq, data } => {
                sink(Item::Chunk { sha256, seq, data })
            }
        };
        files::read_file(export, entry, kind, &mut ctx, &mut emit)?;
    }
    Ok(())
}

/// Versions the archive already holds, as (conversation id, content sha256).
pub type KnownVersions = std::collections::HashSet<(String, String)>;

/// A conversation as read from an export: taken apart, or only recognised as content the
/// archive already holds.
pub enum Read {
    Conversation(Box<crate::model::Conversation>),
    Known(Known),
}

/// A conversation whose content the archive already holds: what the ingest still needs of it.
#[derive(Debug, Clone)]
pub struct Known {
    /// Position in the export (0-based, across shards).
    pub index: usize,
    pub id: String,
    pub content_sha256: String,
    pub updated_at: Option<String>,
}

/// Reads one conversation of the given provider, stopping after its hash when `known` holds it.
pub fn read(
    provider: crate::model::Provider,
    bytes: &[u8],
    index: usize,
    known: &KnownVersions,
) -> Result<Read, ElementError> {
    match provider {
        crate::model::Provider::Chatgpt => chatgpt::read(bytes, index, known),
        crate::model::Provider::Claude => {
            read_conversation(provider, bytes, index).map(|c| Read::Conversation(Box::new(c)))
        }
    }
}

/// Reads one conversation object of the given provider (also used to read back a version
/// rebuilt from the archive).
pub fn read_conversation(
    provider: crate::model::Provider,
    bytes: &[u8],
    index: usize,
) -> Result<crate::model::Conversation, ElementError> {
    match provider {
        crate::model::Provider::Chatgpt => chatgpt::read_conversation(bytes, index),
        crate::model::Provider::Claude => claude::read_conversation(bytes, index),
    }
}
