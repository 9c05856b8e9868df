//! What the reading of an export is given: what the archive already holds, the options, and
//! the counters it shares with the ingest.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;

use crate::model::KnownVersions;

/// What the reading needs besides the export and its layout: what the archive holds already,
/// the options, and the counters it shares with the ingest.
#[derive(Default)]
pub struct ReadContext {
    /// Conversation versions the archive holds: recognised by their hash, not taken apart.
    pub known_versions: KnownVersions,
    /// Files (sha256) the archive holds: their bytes are not sent again.
    pub known_files: HashSet<String>,
    /// Send chat.html's bytes too (it repeats every conversation; by default only recorded).
    pub keep_html: bool,
    /// Bytes of conversation JSON read so far, for a progress bar.
    pub bytes_read: Arc<AtomicU64>,
    /// Set (e.g. by Ctrl-C) to stop the reading with `Error::Interrupted`.
    pub cancel: Arc<AtomicBool>,
}
