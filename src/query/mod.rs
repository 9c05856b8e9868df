//! Read-only use of the archive: conversations, versions, threads, search, statistics.

pub mod attachments;
pub mod canned;
pub mod canvas;
pub mod conversation;
pub mod dates;
pub mod diff;
pub mod history;
pub mod imports;
pub mod list;
pub mod project;
pub mod search;
pub mod stats;
pub mod verify;
pub mod version;
