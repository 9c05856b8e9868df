//! Readers: open an export (a ZIP, an unpacked folder, a bare JSON file, or a manifest with the
//! ZIPs it names), recognise whose it is, and stream its contents out one item at a time:
//! conversations, then projects and memories, then every other file. Nothing here touches SQLite.
//!
//! - `export`: the container, as one list of entries opened as streams;
//! - `detect`: whose export it is; `layout` what it holds (`chatgpt::layout`, `claude::layout`
//!   for each provider's own files);
//! - `stream`: the reading itself, on its threads, as a sequence of `Item`s;
//! - `chatgpt`, `claude`: one conversation (project, side file) object → `model` types;
//! - `files`, `json_file`, `element`, `budget`: the plumbing they share.

pub mod budget;
pub mod chatgpt;
pub mod claude;
pub mod detect;
mod element;
pub mod export;
pub mod files;
pub mod json_file;
pub mod layout;
pub mod stream;

pub use detect::detect;
pub use element::{canonical_of, finish_hash, ElementError};
pub use export::{Entry, Export, ExportKind};
pub use layout::Layout;
pub use stream::{read_export, ReadContext};

use crate::model::{
    Conversation, FileItem, Known, KnownVersions, MemoryRecord, Project, Provider, SideRecord,
};

/// What reading an export yields, in this order: conversations (taken apart, or only
/// recognised as `Known`), projects, memories, then files (with their chunks and the records of
/// the side files a reader understands). The one type every reader hands on.
#[derive(Debug)]
pub enum Item {
    Conversation(Box<Conversation>),
    /// A conversation the archive already holds unchanged.
    Known(Known),
    Project(Box<Project>),
    Memory(MemoryRecord),
    File(FileItem),
    /// A piece of the large file of the `File` item before it (`FileItem::chunk_count` of them).
    Chunk {
        sha256: String,
        seq: usize,
        data: Vec<u8>,
    },
    Records(Vec<SideRecord>),
}

/// Reads one conversation of the given provider, stopping after its hash when `known` holds it:
/// an `Item::Conversation` or an `Item::Known`.
pub fn read(
    provider: Provider,
    bytes: &[u8],
    index: usize,
    known: &KnownVersions,
) -> Result<Item, ElementError> {
    match provider {
        Provider::Chatgpt => chatgpt::read(bytes, index, known),
        Provider::Claude => {
            read_conversation(provider, bytes, index).map(|c| Item::Conversation(Box::new(c)))
        }
    }
}

/// Reads one conversation object of the given provider (also used to read back a version
/// rebuilt from the archive).
pub fn read_conversation(
    provider: Provider,
    bytes: &[u8],
    index: usize,
) -> Result<Conversation, ElementError> {
    match provider {
        Provider::Chatgpt => chatgpt::read_conversation(bytes, index),
        Provider::Claude => claude::read_conversation(bytes, index),
    }
}
