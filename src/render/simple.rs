//! The simplified JSON of a conversation: a documented, stable structure for other programs
//! (docs/json-format.md). Fields are only ever added, never renamed or removed.

use serde::Serialize;

use super::{walk, Selection, Step};
use crate::query::conversation::VersionView;

/// Names this structure; bumped only if a field ever had to change meaning.
pub const FORMAT: &str = "chatarchive.conversation.v1";

#[derive(Debug, Serialize)]
pub struct Conversation<'a> {
    pub format: &'static str,
    pub id: &'a str,
    pub provider: &'a str,
    pub title: Option<&'a str>,
    /// A summary the provider wrote of the conversation (Claude), as of this version.
    pub summary: Option<&'a str>,
    pub created_at: Option<&'a str>,
    pub updated_at: Option<&'a str>,
    pub model: Option<&'a str>,
    pub is_archived: bool,
    pub deleted_upstream: bool,
    pub version: i64,
    pub versions: i64,
    /// "current_thread" or "all_branches".
    pub messages_shown: &'static str,
    pub messages: Vec<Message<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Message<'a> {
    pub id: &'a str,
    pub parent_id: Option<&'a str>,
    pub role: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub text: &'a str,
    /// Stretches of `text` that are not plain conversation, in characters (empty when none).
    pub text_spans: Vec<Span>,
    pub created_at: Option<&'a str>,
    pub model: Option<&'a str>,
    pub hidden: bool,
    pub reasoning: bool,
}

/// `{start, end, kind}`, as in `messages.text_spans`.
#[derive(Debug, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: &'static str,
}

pub fn build(view: &VersionView, sel: Selection) -> Conversation<'_> {
    let m = &view.meta;
    let messages = walk(view, sel)
        .into_iter()
        .filter_map(|step| match step {
            Step::Message { index, .. } => Some(&view.messages[index]),
            Step::Branch { .. } => None,
        })
        .map(|vm| Message {
            id: &vm.id,
            parent_id: vm.parent_id.as_deref(),
            role: vm.role.as_deref(),
            content_type: vm.content_type.as_deref(),
            text: &vm.text,
            text_spans: vm
                .spans
                .iter()
                .map(|s| Span {
                    start: s.start,
                    end: s.end,
                    kind: s.kind.as_str(),
                })
                .collect(),
            created_at: vm.created_at.as_deref(),
            model: vm.model.as_deref(),
            hidden: vm.hidden,
            reasoning: vm.reasoning,
        })
        .collect();
    Conversation {
        format: FORMAT,
        id: &m.id,
        provider: &m.provider,
        title: m.title.as_deref(),
        summary: m.summary.as_deref(),
        created_at: m.created_at.as_deref(),
        updated_at: m.updated_at.as_deref(),
        model: m.model.as_deref(),
        is_archived: m.is_archived,
        deleted_upstream: m.deleted,
        version: m.version,
        versions: m.versions,
        messages_shown: if sel.all_branches {
            "all_branches"
        } else {
            "current_thread"
        },
        messages,
    }
}

/// Pretty JSON with a final newline (what `show` prints and `export` writes).
pub fn render(view: &VersionView, sel: Selection) -> String {
    let mut s = serde_json::to_string_pretty(&build(view, sel)).unwrap_or_default();
    s.push('\n');
    s
}
