//! Read-only use of the archive: conversations, versions, threads, search, statistics.

pub mod conversation;
pub mod verify;
