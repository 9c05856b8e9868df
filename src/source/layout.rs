//! What an export holds, as far as the ingest is concerned, whoever wrote it: the provider, the
//! files with conversations (in reading order), projects and memories, the accounts it names.
//! Each provider's `layout` module fills one in; nothing here knows a provider's file names
//! beyond the conversation shards both use.

use std::collections::HashMap;

use super::export::{Entry, Export};
use crate::model::{Account, Provider};

/// What an export holds, as far as the ingest is concerned.
#[derive(Debug)]
pub struct Layout {
    pub provider: Provider,
    pub conversation_files: Vec<Entry>,
    /// The account the export belongs to, when it names exactly one (`user.json`'s `id`, the
    /// one record of `users.json`).
    pub account_id: Option<String>,
    /// `.dat` name → original name (conversation_asset_file_names.json, 2026 exports).
    pub original_names: HashMap<String, String>,
    /// Every account the export names. Team exports name several; each conversation then says
    /// whose it is.
    pub accounts: Vec<Account>,
    /// Files holding projects: each an array of project objects or one object.
    pub project_files: Vec<Entry>,
    /// Files holding memory records: each an array of records or one object.
    pub memory_files: Vec<Entry>,
    pub warnings: Vec<String>,
    /// Why the export is partial (a shard or a named ZIP missing, a lone shard given), one line
    /// each; empty for a complete export. A partial export judges no deletions.
    pub partial: Vec<String>,
    /// Files the export's manifest names that it does not hold (not conversation files: those
    /// make it partial).
    pub missing_files: Vec<String>,
}

/// How an incomplete export's refusal ends: what to do about it.
pub const PARTIAL_HINT: &str =
    "Download the export again; if this is all there is, `chatarchive ingest --partial` \
     archives what it holds (no conversation is then judged deleted)";

/// Refuses an incomplete export, or (with `--partial`) notes why it is partial and goes on.
/// `what` says what is missing, as in "the export is incomplete: {what}".
pub fn incomplete(
    path: &std::path::Path,
    what: String,
    allow_partial: bool,
    partial: &mut Vec<String>,
) -> crate::error::Result<()> {
    if allow_partial {
        partial.push(what);
        Ok(())
    } else {
        Err(crate::error::Error::export(
            path,
            format!("the export is incomplete: {what}; nothing was imported. {PARTIAL_HINT}"),
        ))
    }
}

/// The number of a conversation shard (`conversations-012.json` → 12).
pub fn shard_number(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("conversations-")?.strip_suffix(".json")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The first dozen entry names, for messages that say what an export holds.
pub fn found_list(export: &Export) -> String {
    let found: Vec<String> = export
        .entries
        .iter()
        .take(12)
        .map(|e| export.display_name(e))
        .collect();
    format!(
        "{}{}",
        if found.is_empty() {
            "nothing".to_string()
        } else {
            found.join(", ")
        },
        if export.entries.len() > 12 {
            ", ..."
        } else {
            ""
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_names() {
        assert_eq!(shard_number("conversations-000.json"), Some(0));
        assert_eq!(shard_number("conversations-012.json"), Some(12));
        assert_eq!(shard_number("conversations.json"), None);
        assert_eq!(shard_number("conversations-x.json"), None);
    }
}
