//! Plain, provider-neutral types that readers produce and the archive stores. Nothing here knows
//! about ZIP files or SQLite.

pub mod canvas;
pub mod file;
pub mod side;
pub mod text;
pub mod time;
pub mod tree;

pub use file::{FileItem, FileKind};
pub use side::{Account, MemoryItem, MemoryRecord, Project, ProjectDoc, SideRecord};

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    Chatgpt,
    Claude,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Chatgpt => "chatgpt",
            Provider::Claude => "claude",
        }
    }

    /// The provider an archive's `provider` value names (None: one this build cannot read).
    pub fn parse(s: &str) -> Option<Self> {
        [Provider::Chatgpt, Provider::Claude]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a conversation's nodes sit in its JSON, so the original object can be rebuilt exactly:
/// ChatGPT keeps them in an object keyed by node id (`mapping`), Claude in an array (`chat_messages`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeKind {
    Object,
    Array,
}

impl TreeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TreeKind::Object => "object",
            TreeKind::Array => "array",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "object" => Some(TreeKind::Object),
            "array" => Some(TreeKind::Array),
            _ => None,
        }
    }
}

/// One conversation as read from an export, hashed and ready to store.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub provider: Provider,
    /// Position in the export (0-based, across shards), for error messages.
    pub index: usize,
    pub id: String,
    pub title: Option<String>,
    /// A summary the provider wrote of the conversation (Claude), when the export has one.
    pub summary: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub model: Option<String>,
    pub is_archived: Option<bool>,
    pub current_node: Option<String>,
    /// Account the conversation belongs to, when the conversation itself says (Claude team exports).
    pub account_id: Option<String>,
    /// sha256 of the canonical form of the whole conversation object.
    pub content_sha256: String,
    /// Canonical JSON of the conversation object without its tree member.
    pub envelope: String,
    /// Name of the member holding the nodes (`mapping`, `chat_messages`), if any.
    pub tree_key: Option<String>,
    pub tree_kind: TreeKind,
    /// Nodes in their export order.
    pub nodes: Vec<Node>,
    /// Indexes into `nodes`: the thread a reader sees, root to current node, message nodes only.
    pub thread: Vec<usize>,
    /// Things that make no sense but were kept (no mapping, cycles, dangling parents).
    pub problems: Vec<String>,
}

impl Conversation {
    pub fn message_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.message.is_some()).count()
    }
}

/// A conversation whose content the archive already holds: what an ingest still needs of it
/// (the reader stops after hashing it).
#[derive(Debug, Clone)]
pub struct Known {
    /// Position in the export (0-based, across shards).
    pub index: usize,
    pub id: String,
    pub content_sha256: String,
    pub updated_at: Option<String>,
}

/// Versions the archive already holds, as (conversation id, content sha256).
pub type KnownVersions = std::collections::HashSet<(String, String)>;

#[derive(Debug, Clone)]
pub struct Node {
    /// The node's key (`mapping` key), which `parent` and `current_node` refer to.
    pub id: String,
    /// The raw parent link as exported.
    pub parent: Option<String>,
    /// Canonical JSON of the node object, and its sha256.
    pub json: String,
    pub sha256: String,
    /// The node's canonical JSON without its `message` member when that is an object (the
    /// message is stored once, in `messages.raw`): `node_revisions.node_json`; and the message's sha256.
    pub node_json: String,
    pub message_sha256: Option<String>,
    pub message: Option<Message>,
}

#[derive(Debug, Clone, Default)]
pub struct Message {
    /// The message's own id when it differs from the node key.
    pub message_id: Option<String>,
    /// Nearest ancestor node that has a message (filled in by the tree walk).
    pub parent_id: Option<String>,
    pub role: Option<String>,
    pub author_name: Option<String>,
    pub content_type: Option<String>,
    pub text: String,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub model: Option<String>,
    pub status: Option<String>,
    pub recipient: Option<String>,
    pub end_turn: Option<bool>,
    pub finish_reason: Option<String>,
    pub hidden: bool,
    /// The whole message is reasoning (thoughts, recaps): searchable, and easy to leave out.
    pub reasoning: bool,
    /// Stretches of `text` that are not plain conversation (reasoning inside a message that
    /// also answers, tool calls and results, attachment text), so a renderer can fold them.
    pub spans: Vec<TextSpan>,
    /// Canonical JSON of the message object.
    pub raw: String,
    /// Content types in this message that this version of chatarchive does not know (their
    /// text is best effort). Empty when every type is known.
    pub unknown_types: Vec<String>,
    pub attachments: Vec<AttachmentRef>,
    pub citations: Vec<Citation>,
}

/// What kind of stretch of a message's text a `TextSpan` marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    /// The model thinking before it answers (Claude `thinking` blocks).
    Reasoning,
    /// A call to a tool: its name and input.
    ToolUse,
    /// What a tool returned.
    ToolResult,
    /// Text extracted from an attached file.
    Attachment,
    /// Text the provider put into the conversation, not the user (injected prompts).
    Context,
}

impl SpanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SpanKind::Reasoning => "reasoning",
            SpanKind::ToolUse => "tool_use",
            SpanKind::ToolResult => "tool_result",
            SpanKind::Attachment => "attachment",
            SpanKind::Context => "context",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reasoning" => Some(SpanKind::Reasoning),
            "tool_use" => Some(SpanKind::ToolUse),
            "tool_result" => Some(SpanKind::ToolResult),
            "attachment" => Some(SpanKind::Attachment),
            "context" => Some(SpanKind::Context),
            _ => None,
        }
    }
}

/// A stretch of a message's `text`, in characters (Unicode scalar values, as SQLite's `substr`
/// counts them): `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextSpan {
    pub start: usize,
    pub end: usize,
    pub kind: SpanKind,
}

impl TextSpan {
    /// Reads `messages.text_spans` back. Lenient: an item this build cannot read (another
    /// kind, a missing bound) is left out, so its stretch reads as plain text.
    pub fn list_from_json(json: &str) -> Vec<TextSpan> {
        let items: Vec<serde_json::Value> = serde_json::from_str(json).unwrap_or_default();
        items
            .iter()
            .filter_map(|v| {
                let bound = |k: &str| v.get(k)?.as_u64().and_then(|n| usize::try_from(n).ok());
                let kind = SpanKind::parse(v.get("kind")?.as_str()?)?;
                let (start, end) = (bound("start")?, bound("end")?);
                (start <= end).then_some(TextSpan { start, end, kind })
            })
            .collect()
    }
}

/// A file a message points at (an uploaded image, a generated one, a voice clip, a document).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttachmentRef {
    /// As written in the message (`file-service://file-…`, `sediment://file_…`), or a file id.
    pub pointer: String,
    pub kind: String,
    pub name: Option<String>,
    pub mime_type: Option<String>,
    pub size: Option<i64>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// Text the provider extracted from the file (Claude attachments).
    pub extracted_text: Option<String>,
}

impl AttachmentRef {
    /// The asset id the pointer names, which a stored file's name carries too.
    pub fn file_id(&self) -> Option<String> {
        file::pointer_file_id(&self.pointer)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Citation {
    pub url: Option<String>,
    pub title: Option<String>,
    pub snippet: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_read_back_from_their_archive_value() {
        for p in [Provider::Chatgpt, Provider::Claude] {
            assert_eq!(Provider::parse(p.as_str()), Some(p));
        }
        assert_eq!(Provider::parse("gemini"), None);
    }

    #[test]
    fn spans_read_back_and_skip_what_they_cannot_read() {
        let json = r#"[{"start":0,"end":5,"kind":"reasoning"},{"start":7,"end":9,"kind":"sparkle"},
                       {"start":9,"end":3,"kind":"tool_use"},{"start":10,"end":20,"kind":"tool_result"}]"#;
        assert_eq!(
            TextSpan::list_from_json(json),
            vec![
                TextSpan {
                    start: 0,
                    end: 5,
                    kind: SpanKind::Reasoning
                },
                TextSpan {
                    start: 10,
                    end: 20,
                    kind: SpanKind::ToolResult
                },
            ]
        );
        assert!(TextSpan::list_from_json("not json").is_empty());
    }
}
