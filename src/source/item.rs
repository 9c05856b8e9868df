//! What reading an export hands on: one type for every kind of thing in it.

use crate::model::{Conversation, FileItem, Known, MemoryRecord, Project, SideRecord};

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
