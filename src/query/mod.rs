//! Read-only use of the archive: conversations, versions, threads, search, statistics.

pub mod attachments;
pub mod conversation;
