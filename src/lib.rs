//! chatarchive: ChatGPT and Claude data exports into one durable, versioned SQLite archive.
//!
//! Data flows one way: `source` (read an export) → `model` (plain types, canonical hash) →
//! `archive` (SQLite: migrations, versioned writes) → `query` / `render` (read-only use).
//! `ingest` is the pipeline that runs one export through `source` into `archive`. The command
//! line (`cli`, `commands`) belongs to the binary, not to this library.

pub mod archive;
pub mod error;
pub mod ingest;
pub mod json;
pub mod model;
pub mod query;
pub mod render;
pub mod source;

pub use archive::Archive;
pub use error::{Error, Result};
pub use ingest::{ingest, IngestOptions, IngestReport};
pub use model::Provider;
