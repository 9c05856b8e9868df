//! Readers: open an export (a ZIP, an unpacked folder, a bare JSON file, or a manifest with the
//! ZIPs it names), recognise whose it is, and stream its contents out one item at a time:
//! conversations, then projects and memories, then every other file. Nothing here touches SQLite.
//!
//! - `export`: the container, as one list of entries opened as streams;
//! - `detect`: whose export it is; `layout` what it holds (`chatgpt::layout`, `claude::layout`
//!   for each provider's own files);
//! - `stream`: the reading itself, on its threads, as a sequence of `Item`s;
//! - `chatgpt`, `claude`: one conversation (project, side file) object → `model` types;
//! - `item`: what the reading hands on; `files`, `json_file`, `element`, `budget`: the plumbing
//!   they share.

pub mod budget;
pub mod chatgpt;
pub mod claude;
mod context;
pub mod detect;
pub mod element;
pub mod export;
pub mod export_time;
pub mod files;
pub mod item;
pub mod json_file;
pub mod layout;
mod provider;
pub mod stream;

pub use context::ReadContext;
pub use detect::{detect, detect_with};
pub use element::{canonical_of, finish_hash, ElementError};
pub use export::{Entry, Export, ExportKind};
pub use item::Item;
pub use layout::Layout;
pub use provider::{read, read_conversation};
pub use stream::read_export;
