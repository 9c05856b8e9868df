//! What an export holds besides conversations: the accounts it belongs to, projects (versioned
//! like conversations) and memories (kept per import). Provider-neutral like the rest of `model`.

/// An account the export names (`user.json`, `users.json`).
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    /// Canonical JSON of the record as exported.
    pub raw: String,
}

/// A record from an account or side file, for the archive table `table` (keyed by
/// `key_column`). Table and column names are fixed in code, never taken from input.
#[derive(Debug, Clone)]
pub struct SideRecord {
    pub table: &'static str,
    pub key_column: &'static str,
    pub key: String,
    pub columns: Vec<(&'static str, serde_json::Value)>,
    pub raw: String,
}

/// A project: instructions and documents shared by the conversations in it.
#[derive(Debug, Clone)]
pub struct Project {
    pub provider: super::Provider,
    /// Position in the export (0-based, per file), for error messages.
    pub index: usize,
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    /// The instructions every conversation in the project starts with (Claude `prompt_template`).
    pub instructions: Option<String>,
    pub is_private: Option<bool>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    /// The account that created it, when the project says.
    pub creator_id: Option<String>,
    /// sha256 of the canonical form of the whole project object.
    pub content_sha256: String,
    /// Canonical JSON of the project object without its documents.
    pub envelope: String,
    /// Name of the member holding the documents (`docs`), if any.
    pub docs_key: Option<String>,
    pub docs: Vec<ProjectDoc>,
    pub problems: Vec<String>,
}

/// One document of a project, as exported.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectDoc {
    pub id: Option<String>,
    pub filename: Option<String>,
    pub content: Option<String>,
    pub created_at: Option<String>,
    /// Canonical JSON of the document object, and its sha256.
    pub json: String,
    pub sha256: String,
}

/// One record of an export's memory file: what the provider remembers about the user.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryRecord {
    /// The file it came from, as named in messages (`memories.json`, `memories/<uuid>.json`).
    pub source: String,
    /// Position in that file (0 for a file holding one object).
    pub position: usize,
    pub account_id: Option<String>,
    /// Canonical JSON of the record as exported.
    pub raw: String,
    pub items: Vec<MemoryItem>,
}

/// One remembered text: account-wide (`project_id` None) or for one project.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryItem {
    pub project_id: Option<String>,
    pub text: String,
}
