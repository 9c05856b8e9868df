//! chatarchive: ChatGPT and Claude data exports into one durable, versioned SQLite archive.
//!
//! Data flows one way: `source` (read an export) → `model` (plain types, canonical hash) →
//! `archive` (SQLite: migrations, versioned ingest) → `query` / `render` (read-only use).

pub mod archive;
pub mod cli;
pub mod commands;
pub mod error;
pub mod json;
pub mod model;
pub mod query;
pub mod render;
pub mod source;

pub use archive::ingest::{ingest, IngestOptions, IngestReport};
pub use archive::Archive;
pub use error::{Error, Result};
pub use model::Provider;
