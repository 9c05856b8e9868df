//! Readable text of a Claude message from its content blocks (the source of truth; the message's
//! `text` field holds placeholders where tools ran), with spans marking reasoning, tool calls and
//! results, injected prompts and attachment text. The rules are documented in docs/providers.md.

use std::borrow::Cow;

use serde_json::Value;

use crate::model::text::{str_at, string_leaves};
use crate::model::{AttachmentRef, Citation, SpanKind, TextSpan};

/// Block types this version knows how to read. Anything else is kept raw, counted and given
/// best-effort text.
pub const KNOWN_BLOCK_TYPES: &[&str] = &[
    "text",
    "thinking",
    "redacted_thinking",
    "tool_use",
    "tool_result",
    "token_budget",
    "voice_note",
    "injected_prompt_block",
];

/// What Claude writes into `text` (and sometimes a text block) where the web UI showed a tool.
pub const PLACEHOLDER: &str = "This block is not supported on your current device yet.";

/// Members every block has that say nothing readable.
const BLOCK_ENVELOPE: &[&str] = &["type", "start_timestamp", "stop_timestamp", "flags"];

#[derive(Debug, Default, PartialEq)]
pub struct Derived {
    pub text: String,
    pub spans: Vec<TextSpan>,
    /// Block types in order of first appearance, joined by `,` (`thinking,text`).
    pub content_type: Option<String>,
    pub unknown_types: Vec<String>,
    /// Every non-empty piece of the text is reasoning.
    pub reasoning: bool,
    pub attachments: Vec<AttachmentRef>,
    pub citations: Vec<Citation>,
}

/// Builds the text piece by piece (blank line between pieces) and remembers where each marked
/// piece is, in characters.
#[derive(Default)]
struct TextBuilder {
    text: String,
    chars: usize,
    spans: Vec<TextSpan>,
    plain: bool,
    reasoning: bool,
}

impl TextBuilder {
    fn push(&mut self, piece: &str, kind: Option<SpanKind>) {
        let piece = piece.trim_end();
        if piece.trim().is_empty() {
            return;
        }
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
            self.chars += 2;
        }
        let start = self.chars;
        self.text.push_str(piece);
        self.chars += piece.chars().count();
        match kind {
            Some(kind) => {
                self.reasoning |= kind == SpanKind::Reasoning;
                self.plain |= kind != SpanKind::Reasoning;
                self.spans.push(TextSpan {
                    start,
                    end: self.chars,
                    kind,
                });
            }
            None => self.plain = true,
        }
    }

    fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

/// Derives text, spans, attachments and citations from one message object.
pub fn derive(message: &Value) -> Derived {
    let mut out = TextBuilder::default();
    let mut types: Vec<String> = Vec::new();
    let mut unknown_types: Vec<String> = Vec::new();
    let mut citations = Vec::new();
    let blocks: Vec<&Value> = message
        .get("content")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    for b in &blocks {
        let t = block_type(b);
        if !types.iter().any(|x| x == t) {
            types.push(t.to_string());
        }
        // A block with no type (null, missing, not an object) is named so in the warning.
        let label = if t.is_empty() { "(no type)" } else { t };
        if !KNOWN_BLOCK_TYPES.contains(&t) && !unknown_types.iter().any(|x| x == label) {
            unknown_types.push(label.to_string());
        }
    }
    let (result_of, paired) = pair_tools(&blocks);
    for (i, b) in blocks.iter().enumerate() {
        if paired[i] {
            continue; // written right after its call
        }
        block_text(b, &mut out, &mut citations);
        if let Some(j) = result_of[i] {
            block_text(blocks[j], &mut out, &mut citations);
        }
    }
    if out.is_empty() {
        // Older exports have no `content`; `text` is then the message, placeholders aside.
        if let Some(t) = str_at(message, "text") {
            out.push(&strip_placeholders(t), None);
            if types.is_empty() && !out.is_empty() {
                types.push("text".into());
            }
        }
    }
    let attachments = attachments(message, &mut out);
    Derived {
        reasoning: out.reasoning && !out.plain,
        text: out.text,
        spans: out.spans,
        content_type: (!types.is_empty()).then(|| types.join(",")),
        unknown_types,
        attachments,
        citations,
    }
}

fn block_type(b: &Value) -> &str {
    match b {
        Value::Object(_) => str_at(b, "type").unwrap_or(""),
        _ => "",
    }
}

/// Pairs each `tool_use` with the `tool_result` that answers it: by id when both carry one
/// (`id` / `tool_use_id`), else the first later unpaired result with the same tool name.
/// Returns, per block, the index of its result, and which blocks are paired results.
fn pair_tools(blocks: &[&Value]) -> (Vec<Option<usize>>, Vec<bool>) {
    let n = blocks.len();
    let mut result_of = vec![None; n];
    let mut paired = vec![false; n];
    for i in 0..n {
        if block_type(blocks[i]) != "tool_use" {
            continue;
        }
        let id = str_at(blocks[i], "id");
        let name = str_at(blocks[i], "name");
        let results = || (i + 1..n).filter(|&j| block_type(blocks[j]) == "tool_result");
        let by_id = id.and_then(|id| {
            results().find(|&j| !paired[j] && str_at(blocks[j], "tool_use_id") == Some(id))
        });
        let by_name = || {
            results().find(|&j| {
                !paired[j]
                    && str_at(blocks[j], "tool_use_id").is_none()
                    && str_at(blocks[j], "name").is_none_or(|r| Some(r) == name)
            })
        };
        if let Some(j) = by_id.or_else(by_name) {
            result_of[i] = Some(j);
            paired[j] = true;
        }
    }
    (result_of, paired)
}

fn block_text(b: &Value, out: &mut TextBuilder, citations: &mut Vec<Citation>) {
    let s = |k: &str| str_at(b, k).unwrap_or("");
    match block_type(b) {
        "text" => {
            out.push(&strip_placeholders(s("text")), None);
            collect_citations(b.get("citations"), citations);
        }
        "thinking" => {
            let summaries = || {
                b.get("summaries")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|x| str_at(x, "summary"))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let text = match s("thinking") {
                "" => summaries(),
                t => t.to_string(),
            };
            out.push(&text, Some(SpanKind::Reasoning));
        }
        "redacted_thinking" | "token_budget" => {}
        "tool_use" => {
            let mut lines = vec![s("name").to_string()];
            if !s("message").is_empty() {
                lines.push(s("message").to_string());
            }
            lines.push(input_text(b.get("input").unwrap_or(&Value::Null)));
            out.push(&join_lines(&lines), Some(SpanKind::ToolUse));
        }
        "tool_result" => {
            let mut lines = vec![match b.get("is_error").and_then(Value::as_bool) {
                Some(true) => format!("{} (error)", s("name")),
                _ => s("name").to_string(),
            }];
            match b.get("content") {
                Some(Value::String(t)) => lines.push(t.clone()),
                Some(Value::Array(items)) => {
                    // Items are text, or found documents (title, url, text, metadata): the
                    // title and text read best; anything else gets its string leaves.
                    for item in items {
                        let read = join_lines(&[
                            str_at(item, "title").unwrap_or("").to_string(),
                            str_at(item, "text").unwrap_or("").to_string(),
                        ]);
                        lines.push(if read.is_empty() {
                            string_leaves(&without(item, BLOCK_ENVELOPE))
                        } else {
                            read
                        });
                    }
                }
                Some(other) => lines.push(string_leaves(other)),
                None => {}
            }
            out.push(&join_lines(&lines), Some(SpanKind::ToolResult));
        }
        "voice_note" => {
            out.push(&join_lines(&[s("title").into(), s("text").into()]), None);
        }
        "injected_prompt_block" => out.push(s("prompt"), Some(SpanKind::Context)),
        _ => out.push(&string_leaves(&without(b, BLOCK_ENVELOPE)), None),
    }
}

/// A tool's input: `key: value` per member (strings as they are, anything else as JSON).
fn input_text(input: &Value) -> String {
    match input {
        Value::Object(map) => {
            let lines: Vec<String> = map
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{k}: {s}"),
                    other => format!("{k}: {other}"),
                })
                .collect();
            lines.join("\n")
        }
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn join_lines(lines: &[String]) -> String {
    let kept: Vec<&str> = lines
        .iter()
        .map(|l| l.trim_end())
        .filter(|l| !l.trim().is_empty())
        .collect();
    kept.join("\n")
}

fn without(v: &Value, keys: &[&str]) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !keys.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Removes the placeholder sentence (alone on its line, with the code fence Claude puts around
/// it) and the blank lines it leaves behind.
pub fn strip_placeholders(s: &str) -> Cow<'_, str> {
    if !s.contains(PLACEHOLDER) {
        return Cow::Borrowed(s);
    }
    let lines: Vec<&str> = s.lines().collect();
    let mut drop = vec![false; lines.len()];
    for i in 0..lines.len() {
        if lines[i].trim() != PLACEHOLDER {
            continue;
        }
        drop[i] = true;
        if i > 0 && lines[i - 1].trim().starts_with("```") {
            drop[i - 1] = true;
        }
        if i + 1 < lines.len() && lines[i + 1].trim() == "```" {
            drop[i + 1] = true;
        }
    }
    let mut out: Vec<&str> = Vec::new();
    for (line, gone) in lines.iter().zip(drop) {
        let blank = line.trim().is_empty();
        if gone || (blank && out.last().is_none_or(|l| l.trim().is_empty())) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    Cow::Owned(out.join("\n"))
}

/// Citations of a text block: a URL and title wherever the citation object keeps them (at the
/// top, or under `details`/`source`/`metadata`).
fn collect_citations(list: Option<&Value>, out: &mut Vec<Citation>) {
    for c in list.and_then(Value::as_array).into_iter().flatten() {
        let places = [
            Some(c),
            c.get("details"),
            c.get("source"),
            c.get("metadata"),
        ];
        let find = |k: &str| places.iter().flatten().find_map(|p| str_at(p, k));
        let citation = Citation {
            url: find("url").map(str::to_string),
            title: find("title").map(str::to_string),
            snippet: find("cited_text")
                .or_else(|| find("text"))
                .map(str::to_string),
        };
        if (citation.url.is_some() || citation.title.is_some()) && !out.contains(&citation) {
            out.push(citation);
        }
    }
}

/// Claude exports carry no file bytes: `attachments` hold the text Claude extracted, `files`
/// only names. Extracted text joins the message text (searchable), marked as attachment text.
fn attachments(message: &Value, out: &mut TextBuilder) -> Vec<AttachmentRef> {
    let mut refs = Vec::new();
    let list = |k: &str| {
        message
            .get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|a| a.is_object())
    };
    for a in list("attachments") {
        let name = str_at(a, "file_name").filter(|n| !n.is_empty());
        let extracted = str_at(a, "extracted_content").filter(|t| !t.trim().is_empty());
        if let Some(t) = extracted {
            let piece = match name {
                Some(n) => format!("{n}\n{t}"),
                None => t.to_string(),
            };
            out.push(&piece, Some(SpanKind::Attachment));
        }
        refs.push(AttachmentRef {
            pointer: str_at(a, "file_uuid")
                .or_else(|| str_at(a, "id"))
                .or(name)
                .unwrap_or("")
                .to_string(),
            kind: "attachment".into(),
            name: name.map(str::to_string),
            mime_type: str_at(a, "file_type")
                .filter(|t| !t.is_empty())
                .map(str::to_string),
            size: a.get("file_size").and_then(Value::as_i64),
            width: None,
            height: None,
            extracted_text: extracted.map(str::to_string),
        });
    }
    for f in list("files") {
        let name = str_at(f, "file_name").filter(|n| !n.is_empty());
        refs.push(AttachmentRef {
            pointer: str_at(f, "file_uuid").or(name).unwrap_or("").to_string(),
            kind: "file".into(),
            name: name.map(str::to_string),
            mime_type: str_at(f, "file_kind")
                .or_else(|| str_at(f, "file_type"))
                .map(str::to_string),
            size: None,
            width: None,
            height: None,
            extracted_text: None,
        });
    }
    refs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spans(d: &Derived) -> Vec<(String, &'static str)> {
        d.spans
            .iter()
            .map(|s| {
                let t: String = d.text.chars().skip(s.start).take(s.end - s.start).collect();
                (t, s.kind.as_str())
            })
            .collect()
    }

    #[test]
    fn text_comes_from_content_not_the_placeholder_field() {
        let d = derive(&json!({
            "text": "Searching.\n\n```\nThis block is not supported on your current device yet.\n```\n\nDone.",
            "content": [
                {"type": "text", "text": "Searching."},
                {"type": "tool_use", "name": "web_search", "input": {"query": "ferry times"}, "message": "Searching the web"},
                {"type": "tool_result", "name": "web_search", "content": [{"type": "knowledge", "title": "Timetable", "url": "https://e.x", "text": "08:15 departure", "metadata": {"site_domain": "e.x"}}], "is_error": false},
                {"type": "text", "text": "Done."}
            ]
        }));
        assert_eq!(
            d.text,
            "Searching.\n\nweb_search\nSearching the web\nquery: ferry times\n\nweb_search\nTimetable\n08:15 departure\n\nDone."
        );
        assert!(!d.text.contains(PLACEHOLDER));
        assert_eq!(
            spans(&d),
            [
                (
                    "web_search\nSearching the web\nquery: ferry times".to_string(),
                    "tool_use"
                ),
                (
                    "web_search\nTimetable\n08:15 departure".to_string(),
                    "tool_result"
                )
            ]
        );
        assert_eq!(d.content_type.as_deref(), Some("text,tool_use,tool_result"));
        assert!(!d.reasoning);
    }

    #[test]
    fn thinking_is_a_reasoning_span_and_a_message_of_only_thinking_is_reasoning() {
        let d = derive(&json!({"content": [
            {"type": "thinking", "thinking": "Ponder café", "summaries": [{"summary": "s"}]},
            {"type": "text", "text": "Answer"}
        ]}));
        assert_eq!(d.text, "Ponder café\n\nAnswer");
        assert_eq!(spans(&d), [("Ponder café".to_string(), "reasoning")]);
        assert!(!d.reasoning);
        let only = derive(&json!({"content": [
            {"type": "thinking", "thinking": "", "summaries": [{"summary": "Planned"}, {"summary": "Checked"}], "cut_off": true}
        ]}));
        assert_eq!(only.text, "Planned\nChecked");
        assert!(only.reasoning);
    }

    #[test]
    fn tools_pair_by_name_in_order_and_by_id_when_present() {
        let d = derive(&json!({"content": [
            {"type": "tool_use", "name": "a", "input": {"q": "1"}},
            {"type": "tool_use", "name": "b", "input": {"q": "2"}},
            {"type": "tool_use", "name": "a", "input": {"q": "3"}},
            {"type": "tool_result", "name": "b", "content": [{"type": "text", "text": "B2"}]},
            {"type": "tool_result", "name": "a", "content": [{"type": "text", "text": "A1"}]},
            {"type": "tool_result", "name": "a", "content": [{"type": "text", "text": "A3"}], "is_error": true},
            {"type": "tool_result", "name": "c", "content": "orphan"}
        ]}));
        assert_eq!(
            d.text,
            "a\nq: 1\n\na\nA1\n\nb\nq: 2\n\nb\nB2\n\na\nq: 3\n\na (error)\nA3\n\nc\norphan"
        );
        let by_id = derive(&json!({"content": [
            {"type": "tool_use", "id": "t1", "name": "x", "input": "one"},
            {"type": "tool_use", "id": "t2", "name": "x", "input": "two"},
            {"type": "tool_result", "tool_use_id": "t2", "content": "for two"},
            {"type": "tool_result", "tool_use_id": "t1", "content": "for one"}
        ]}));
        assert_eq!(by_id.text, "x\none\n\nfor one\n\nx\ntwo\n\nfor two");
    }

    #[test]
    fn other_blocks_and_unknown_types() {
        let d = derive(&json!({"content": [
            {"type": "token_budget"},
            {"type": "voice_note", "title": "Memo", "text": "spoken words"},
            {"type": "injected_prompt_block", "prompt": "Be concise", "injection_source": "style"},
            {"type": "hologram", "start_timestamp": "2026-01-01T00:00:00Z", "payload": {"label": "glowing"}}
        ]}));
        assert_eq!(d.text, "Memo\nspoken words\n\nBe concise\n\nglowing");
        assert_eq!(d.unknown_types, ["hologram"]);
        let untyped =
            derive(&json!({"content": [{"type": null, "text": "x"}, {"type": "hologram"}]}));
        assert_eq!(untyped.unknown_types, ["(no type)", "hologram"]);
        assert_eq!(spans(&d), [("Be concise".to_string(), "context")]);
    }

    #[test]
    fn older_messages_without_content_use_text_and_attachments_are_searchable() {
        let d = derive(&json!({
            "text": "Summarise this",
            "attachments": [{"file_name": "notes.txt", "file_size": 12, "file_type": "txt", "extracted_content": "hello notes"}],
            "files": [{"file_name": "photo.png"}, {"file_uuid": "f-1", "file_name": "scan.pdf"}]
        }));
        assert_eq!(d.text, "Summarise this\n\nnotes.txt\nhello notes");
        assert_eq!(d.content_type.as_deref(), Some("text"));
        assert_eq!(
            spans(&d),
            [("notes.txt\nhello notes".to_string(), "attachment")]
        );
        let names: Vec<_> = d.attachments.iter().map(|a| a.pointer.as_str()).collect();
        assert_eq!(names, ["notes.txt", "photo.png", "f-1"]);
        assert_eq!(
            d.attachments[0].extracted_text.as_deref(),
            Some("hello notes")
        );
        assert_eq!(d.attachments[0].size, Some(12));
    }

    #[test]
    fn placeholders_are_stripped_with_their_fences() {
        assert_eq!(
            strip_placeholders(&format!("A\n\n```\n{PLACEHOLDER}\n```\n\nB\n{PLACEHOLDER}")),
            "A\n\nB"
        );
        assert_eq!(strip_placeholders(PLACEHOLDER), "");
        assert_eq!(strip_placeholders("plain"), "plain");
    }

    #[test]
    fn span_offsets_count_characters_not_bytes() {
        let d = derive(&json!({"content": [
            {"type": "text", "text": "日本語 🚀"},
            {"type": "thinking", "thinking": "思考"}
        ]}));
        assert_eq!(d.spans[0].start, 7);
        assert_eq!(d.spans[0].end, 9);
    }

    #[test]
    fn citations_from_text_blocks() {
        let d = derive(
            &json!({"content": [{"type": "text", "text": "x", "citations": [
                {"uuid": "c1", "start_index": 0, "end_index": 1, "details": {"type": "web_search_citation", "url": "https://a.example"}},
                {"url": "https://b.example", "title": "B"}
            ]}]}),
        );
        assert_eq!(d.citations.len(), 2);
        assert_eq!(d.citations[0].url.as_deref(), Some("https://a.example"));
        assert_eq!(d.citations[1].title.as_deref(), Some("B"));
    }
}
