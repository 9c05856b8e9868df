//! What an ingest is asked to do, and what it reports: counts of what was new, changed,
//! unchanged and deleted, warnings, timing. The same figures go into the `imports` row.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use serde::Serialize;

use crate::model::{Conversation, Provider};

/// Progress callback: (bytes of conversation JSON read, their total, conversations done).
pub type Progress = Arc<dyn Fn(u64, u64, usize) + Send + Sync>;

#[derive(Clone, Default)]
pub struct IngestOptions {
    pub dry_run: bool,
    pub force: bool,
    /// Whose export this is, when the export does not say (`--account`).
    pub account: Option<String>,
    pub provider: Option<Provider>,
    /// Store chat.html's bytes too (it repeats every conversation; by default only recorded).
    pub keep_html: bool,
    /// Called from the writer loop.
    pub progress: Option<Progress>,
    /// Set (e.g. by Ctrl-C) to abandon the ingest; the transaction rolls back.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Store conversations even if `forget` removed them before (and stop remembering that).
    pub allow_forgotten: bool,
    /// Take an incomplete export as partial (`--partial`): archive what it holds, judge no
    /// deletions, never count it as a complete snapshot of its account.
    pub partial: bool,
}

#[derive(Debug, Default, Serialize, Clone, PartialEq)]
pub struct ConversationCounts {
    pub total: usize,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub deleted: usize,
    pub restored: usize,
    /// In the export but forgotten earlier (`chatarchive forget`): not stored.
    pub skipped_forgotten: usize,
}

#[derive(Debug, Default, Serialize, Clone)]
pub struct MessageCounts {
    pub new: usize,
}

#[derive(Debug, Serialize, Clone)]
pub struct IngestReport {
    pub source: String,
    pub import_id: Option<i64>,
    pub skipped: bool,
    pub dry_run: bool,
    pub provider: Option<String>,
    /// The account the export belongs to, when it names exactly one.
    pub account_id: Option<String>,
    /// Every account the export covers (deletions are judged for each).
    pub accounts: Vec<String>,
    pub export_time: Option<String>,
    /// Where `export_time` came from: `conversations`, `zip_entries` or `file_name`.
    pub export_time_source: Option<String>,
    /// The export was partial: what it held is archived, no deletions were judged.
    pub partial: bool,
    /// Files the export names (its manifest, its messages' asset pointers) that it lacks.
    pub missing_files: Vec<String>,
    pub conversations: ConversationCounts,
    pub messages: MessageCounts,
    /// Projects, counted like conversations (zero for exports without projects).
    pub projects: ConversationCounts,
    /// Remembered texts in the export's memory records.
    pub memories: usize,
    /// Content types this version does not know, with how many messages used each.
    pub unknown_content_types: BTreeMap<String, usize>,
    pub warnings: Vec<String>,
    pub seconds: f64,
    pub bytes: u64,
    pub mb_per_second: f64,
}

impl IngestReport {
    pub(super) fn new(source: &Path) -> Self {
        IngestReport {
            source: source.display().to_string(),
            import_id: None,
            skipped: false,
            dry_run: false,
            provider: None,
            account_id: None,
            accounts: Vec::new(),
            export_time: None,
            export_time_source: None,
            partial: false,
            missing_files: Vec::new(),
            conversations: ConversationCounts::default(),
            messages: MessageCounts::default(),
            projects: ConversationCounts::default(),
            memories: 0,
            unknown_content_types: BTreeMap::new(),
            warnings: Vec::new(),
            seconds: 0.0,
            bytes: 0,
            mb_per_second: 0.0,
        }
    }
}

/// Warnings and unknown content types a conversation brings into the report.
pub(super) fn note_conversation(
    report: &mut IngestReport,
    c: &Conversation,
    seen_ids: &mut HashSet<String>,
) {
    note_duplicate(report, &c.id, c.index, seen_ids);
    for p in &c.problems {
        report
            .warnings
            .push(format!("conversation #{} ({}): {p}", c.index, c.id));
    }
    let unknown = c
        .nodes
        .iter()
        .filter_map(|n| n.message.as_ref())
        .flat_map(|m| &m.unknown_types);
    for t in unknown {
        *report.unknown_content_types.entry(t.clone()).or_default() += 1;
    }
}

pub(super) fn note_duplicate(
    report: &mut IngestReport,
    id: &str,
    index: usize,
    seen_ids: &mut HashSet<String>,
) {
    if !seen_ids.insert(id.to_string()) {
        report.warnings.push(format!(
            "conversation {id} appears more than once in the export (again at #{index}); each copy is kept as a version"
        ));
    }
}

/// The warning naming the files the export lacks; `shown` names only the first few (stderr).
pub fn missing_files_warning(names: &[String], shown: Option<usize>) -> String {
    let n = names.len();
    let listed: Vec<&str> = names
        .iter()
        .take(shown.unwrap_or(n))
        .map(String::as_str)
        .collect();
    format!(
        "{n} file{} named by the export {} missing: {}{}",
        if n == 1 { "" } else { "s" },
        if n == 1 { "is" } else { "are" },
        listed.join(", "),
        if listed.len() < n { ", …" } else { "" }
    )
}
