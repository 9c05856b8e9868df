//! A conversation as a Markdown transcript: title and facts, then each message under a role
//! header. Code is fenced with its language, tool output fenced, reasoning folded into
//! `<details>`, attachments linked by their pointer; every branch nested in quotes when asked.
//! Spans inside a message (any provider's) are rendered by kind: reasoning and tool calls and
//! results folded, attachment text quoted, injected context only with `--include-hidden`.

use serde_json::Value;

use super::{walk, Selection, Step};
use crate::model::{SpanKind, TextSpan};
use crate::query::attachments::MISSING;
use crate::query::conversation::{VersionMessage, VersionView};
use crate::query::dates::Tz;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub selection: Selection,
    pub tz: Tz,
    /// YAML front matter (for notes tools) instead of the list of facts under the title.
    pub front_matter: bool,
}

pub fn render(view: &VersionView, opts: Options) -> String {
    let meta = &view.meta;
    let title = meta.title.as_deref().unwrap_or("(untitled)");
    let mut out = String::new();
    if opts.front_matter {
        out.push_str(&front_matter(view));
    }
    out.push_str(&format!("# {}\n\n", one_line(title)));
    if !opts.front_matter {
        let tz = opts.tz;
        out.push_str(&format!("- Conversation: `{}`\n", meta.id));
        out.push_str(&format!("- Provider: {}\n", meta.provider));
        if let Some(c) = &meta.created_at {
            out.push_str(&format!("- Created: {} ({tz})\n", tz.show(c)));
        }
        if let Some(u) = &meta.updated_at {
            out.push_str(&format!("- Updated: {} ({tz})\n", tz.show(u)));
        }
        if let Some(m) = &meta.model {
            out.push_str(&format!("- Model: {m}\n"));
        }
        if let Some(s) = &meta.summary {
            out.push_str(&format!("- Summary: {}\n", one_line(s)));
        }
        out.push_str(&format!(
            "- Version: {} of {}{}\n",
            meta.version,
            meta.versions,
            if meta.version == meta.current_version {
                " (current)"
            } else {
                ""
            }
        ));
        if meta.deleted {
            out.push_str("- Deleted upstream: no longer in the newest export; kept here\n");
        }
        if meta.is_archived {
            out.push_str("- Archived\n");
        }
        if opts.selection.all_branches {
            out.push_str("- Showing every branch; the current thread is marked\n");
        }
        out.push('\n');
    }
    for step in walk(view, opts.selection) {
        match step {
            Step::Branch {
                number,
                of,
                current,
                depth,
            } => {
                let label = format!(
                    "**Branch {number} of {of}**{}\n",
                    if current { " (current thread)" } else { "" }
                );
                out.push_str(&quote(&label, depth));
                out.push_str(&quote("\n", depth));
            }
            Step::Message { index, depth } => {
                let m = &view.messages[index];
                let text = message(m, opts.tz, opts.selection.include_hidden);
                out.push_str(&quote(&text, depth));
                out.push_str(&quote("\n", depth));
            }
        }
    }
    out
}

/// One message: a role header, then its body.
fn message(m: &VersionMessage, tz: Tz, include_hidden: bool) -> String {
    let mut header = role_label(m);
    if let Some(model) = m
        .model
        .as_deref()
        .filter(|_| m.role.as_deref() == Some("assistant"))
    {
        header.push_str(&format!(" · {model}"));
    }
    if let Some(t) = &m.created_at {
        header.push_str(&format!(" · {}", tz.show(t)));
    }
    if m.reasoning {
        header.push_str(" · reasoning");
    }
    if m.hidden {
        header.push_str(" · hidden");
    }
    let mut out = format!("## {header}\n");
    let body = body(m, include_hidden);
    if !body.trim().is_empty() {
        out.push('\n');
        out.push_str(body.trim_end());
        out.push('\n');
    }
    // A file whose text is quoted above needs no second mention by name.
    let quoted: Vec<&str> = m
        .spans
        .iter()
        .filter(|s| s.kind == SpanKind::Attachment)
        .filter_map(|s| span_text(&m.text, s).lines().next())
        .map(str::trim)
        .collect();
    let mut files = attachments(&m.raw);
    files.retain(|(p, n)| p.is_some() || !n.as_deref().is_some_and(|n| quoted.contains(&n)));
    if !files.is_empty() {
        out.push('\n');
    }
    for (pointer, name) in files {
        // A file no export held is said to be missing, not shown like a stored one.
        let missing = m.missing_files.iter().any(|(p, n)| {
            pointer.as_deref() == Some(p.as_str())
                || (pointer.is_none() && n.is_some() && n.as_deref() == name.as_deref())
        });
        let line = match (pointer, name) {
            (Some(p), Some(n)) if missing => {
                format!("Attachment: {} <{p}> *({MISSING})*\n", escape_link_text(&n))
            }
            (Some(p), None) if missing => format!("Attachment: <{p}> *({MISSING})*\n"),
            (None, Some(n)) if missing => {
                format!("Attachment: {} *({MISSING})*\n", escape_link_text(&n))
            }
            (Some(p), Some(n)) => format!("Attachment: [{}]({})\n", escape_link_text(&n), p),
            (Some(p), None) => format!("Attachment: <{p}>\n"),
            (None, Some(n)) => format!("Attachment: {}\n", escape_link_text(&n)),
            (None, None) => continue,
        };
        out.push_str(&line);
    }
    out
}

fn role_label(m: &VersionMessage) -> String {
    let role = m.role.as_deref().unwrap_or("unknown");
    let mut label = capitalize(role);
    if let Some(name) = m.author_name.as_deref().filter(|n| !n.is_empty()) {
        label.push_str(&format!(" ({name})"));
    }
    label
}

fn body(m: &VersionMessage, include_hidden: bool) -> String {
    let ct = m.content_type.as_deref().unwrap_or("");
    let text = m.text.as_str();
    if !m.reasoning && !m.spans.is_empty() {
        return spanned(text, &m.spans, include_hidden);
    }
    if m.reasoning {
        // Folded: readers skip it, and it is there for who wants it.
        if ct == "reasoning_recap" {
            return format!("*{}*", one_line(text));
        }
        return details("Reasoning", text.trim_end());
    }
    match ct {
        "code" => {
            let lang = m
                .raw
                .pointer("/content/language")
                .and_then(Value::as_str)
                .unwrap_or("");
            fence(text, lang)
        }
        "execution_output" => format!("Output:\n\n{}", fence(text, "")),
        _ => {
            // Content types that are not plain text are named (a list: a message of several
            // blocks, e.g. Claude's `text,voice_note`).
            let named: Vec<&str> = ct
                .split(',')
                .map(str::trim)
                .filter(|t| !matches!(*t, "text" | "multimodal_text" | ""))
                .collect();
            if named.is_empty() {
                text.to_string()
            } else {
                format!("*[{}]*\n\n{text}", named.join(", "))
            }
        }
    }
}

/// A span's stretch of the text (spans count characters, as SQLite's `substr` does).
fn span_text<'a>(text: &'a str, span: &TextSpan) -> &'a str {
    let byte = |chars: usize| {
        text.char_indices()
            .nth(chars)
            .map_or(text.len(), |(b, _)| b)
    };
    let (start, end) = (byte(span.start), byte(span.end));
    text.get(start..end.max(start)).unwrap_or("")
}

/// A message whose text has spans: plain stretches as they are, the others by kind. Reasoning
/// and tools are folded (the provider's interface collapses them too); attachment text is
/// quoted; injected context is hidden in the interface, so shown only with `include_hidden`.
fn spanned(text: &str, spans: &[TextSpan], include_hidden: bool) -> String {
    let mut spans = spans.to_vec();
    spans.sort_by_key(|s| (s.start, s.end));
    let mut pieces: Vec<String> = Vec::new();
    let plain = |from: usize, to: usize, pieces: &mut Vec<String>| {
        let gap = TextSpan {
            start: from,
            end: to,
            kind: SpanKind::Context,
        };
        let t = span_text(text, &gap).trim_matches('\n');
        if !t.trim().is_empty() {
            pieces.push(t.to_string());
        }
    };
    let mut cursor = 0;
    for s in &spans {
        if s.start < cursor {
            continue; // overlapping spans make no sense: the first one wins
        }
        plain(cursor, s.start, &mut pieces);
        cursor = s.end;
        let inner = span_text(text, s).trim_matches('\n');
        if inner.trim().is_empty() {
            continue;
        }
        let (first, rest) = inner.split_once('\n').unwrap_or((inner, ""));
        let rest = rest.trim_matches('\n');
        pieces.push(match s.kind {
            SpanKind::Reasoning => details("Reasoning", inner.trim_end()),
            SpanKind::ToolUse | SpanKind::ToolResult => {
                let what = if s.kind == SpanKind::ToolUse {
                    "Tool call"
                } else {
                    "Tool result"
                };
                let summary = format!("{what}: {}", first.trim());
                if rest.trim().is_empty() {
                    format!("*{}*", one_line(&summary))
                } else {
                    details(&summary, &fence(rest, ""))
                }
            }
            SpanKind::Attachment => {
                let mut q = format!("*Attached file:* {}\n", one_line(first));
                if !rest.trim().is_empty() {
                    q.push('\n');
                    q.push_str(rest);
                    q.push('\n');
                }
                quote(&q, 1).trim_end().to_string()
            }
            SpanKind::Context if include_hidden => {
                let q =
                    format!("*Context the provider added (hidden in its interface):*\n\n{inner}\n");
                quote(&q, 1).trim_end().to_string()
            }
            SpanKind::Context => continue,
        });
    }
    plain(cursor, usize::MAX, &mut pieces);
    pieces.join("\n\n")
}

/// A folded block: `summary` shown, `body` (Markdown) on a click.
fn details(summary: &str, body: &str) -> String {
    let summary = one_line(summary)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>")
}

/// A fenced block longer than any run of backticks inside, so the content cannot close it.
pub fn fence(text: &str, language: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest.max(2) + 1);
    let lang: String = language
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+#._-".contains(*c))
        .collect();
    let lang = if lang == "unknown" {
        String::new()
    } else {
        lang
    };
    format!("{ticks}{lang}\n{}\n{ticks}", text.trim_end_matches('\n'))
}

/// Files a message points at: (pointer, name). Pointers come from any `asset_pointer` in the
/// content; names from the message's `metadata.attachments` (ChatGPT) or `attachments`/`files`
/// (Claude), matched to a pointer by file id when they can be.
pub fn attachments(raw: &Value) -> Vec<(Option<String>, Option<String>)> {
    let mut found: Vec<(Option<String>, Option<String>)> = Vec::new();
    let mut stack: Vec<&Value> = raw.get("content").into_iter().collect();
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(p) = map.get("asset_pointer").and_then(Value::as_str) {
                    if !found.iter().any(|(q, _)| q.as_deref() == Some(p)) {
                        found.push((Some(p.to_string()), None));
                    }
                }
                stack.extend(map.values().rev());
            }
            Value::Array(items) => stack.extend(items.iter().rev()),
            _ => {}
        }
    }
    let named = [
        raw.pointer("/metadata/attachments"),
        raw.get("attachments"),
        raw.get("files"),
    ];
    for list in named.into_iter().flatten().filter_map(Value::as_array) {
        for a in list {
            let name = a
                .get("name")
                .or_else(|| a.get("file_name"))
                .and_then(Value::as_str)
                .map(str::to_string);
            let id = a
                .get("id")
                .or_else(|| a.get("file_uuid"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let matching = found.iter_mut().find(|(p, n)| {
                n.is_none()
                    && !id.is_empty()
                    && p.as_deref()
                        .is_some_and(|p| p.rsplit('/').next() == Some(id))
            });
            match matching {
                Some(slot) => slot.1 = name,
                None if name.is_some() => found.push((None, name)),
                None => {}
            }
        }
    }
    found
}

fn front_matter(view: &VersionView) -> String {
    let m = &view.meta;
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut out = String::from("---\n");
    out.push_str(&format!("id: {}\n", q(&m.id)));
    out.push_str(&format!("title: {}\n", q(m.title.as_deref().unwrap_or(""))));
    for (key, value) in [
        ("created", &m.created_at),
        ("updated", &m.updated_at),
        ("model", &m.model),
    ] {
        if let Some(v) = value {
            out.push_str(&format!("{key}: {}\n", q(v)));
        }
    }
    out.push_str(&format!("provider: {}\n", q(&m.provider)));
    if let Some(s) = &m.summary {
        out.push_str(&format!("summary: {}\n", q(s)));
    }
    out.push_str(&format!("version: {}\n", m.version));
    if m.deleted {
        out.push_str("deleted_upstream: true\n");
    }
    if m.is_archived {
        out.push_str("archived: true\n");
    }
    out.push_str("---\n\n");
    out
}

/// Prefixes every line with `> ` once per nesting level (Markdown block quotes).
fn quote(text: &str, depth: usize) -> String {
    if depth == 0 {
        return text.to_string();
    }
    let prefix = "> ".repeat(depth);
    let mut out = String::with_capacity(text.len() + 8);
    for line in text.split_inclusive('\n') {
        let (content, nl) = match line.strip_suffix('\n') {
            Some(c) => (c, "\n"),
            None => (line, ""),
        };
        if content.is_empty() {
            out.push_str(prefix.trim_end());
        } else {
            out.push_str(&prefix);
            out.push_str(content);
        }
        out.push_str(nl);
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn escape_link_text(s: &str) -> String {
    s.replace('[', "\\[").replace(']', "\\]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fences_outgrow_backticks_inside() {
        assert_eq!(fence("x = 1\n", "python"), "```python\nx = 1\n```");
        assert_eq!(
            fence("a ```rust\nb\n``` c", "md"),
            "````md\na ```rust\nb\n``` c\n````"
        );
        assert_eq!(fence("x", "unknown"), "```\nx\n```");
        assert_eq!(fence("x", "py`; rm"), "```pyrm\nx\n```");
    }

    #[test]
    fn attachments_pair_pointers_with_names() {
        let raw = json!({
            "content": {"content_type": "multimodal_text", "parts": [
                {"content_type": "image_asset_pointer", "asset_pointer": "file-service://file-Ab12"},
                "text",
                {"content_type": "image_asset_pointer", "asset_pointer": "sediment://file_99"}
            ]},
            "metadata": {"attachments": [{"id": "file-Ab12", "name": "cat.png"}, {"id": "file-x", "name": "doc.pdf"}]}
        });
        assert_eq!(
            attachments(&raw),
            vec![
                (
                    Some("file-service://file-Ab12".into()),
                    Some("cat.png".into())
                ),
                (Some("sediment://file_99".into()), None),
                (None, Some("doc.pdf".into())),
            ]
        );
        let claude =
            json!({"text": "hi", "attachments": [{"file_name": "notes.txt"}], "files": []});
        assert_eq!(attachments(&claude), vec![(None, Some("notes.txt".into()))]);
    }

    #[test]
    fn spans_render_by_kind_and_count_characters() {
        let text = "Pensar é bom.\n\nOlá!\n\nsearch\nq: café\n\nsearch\nfound <it>\n\nnotes.txt\nline 1\n\nBe brief.";
        let at = |needle: &str| text[..text.find(needle).unwrap()].chars().count();
        let span = |from: &str, to: &str, kind| TextSpan {
            start: at(from),
            end: at(to) + to.chars().count(),
            kind,
        };
        let spans = [
            span("Pensar", "bom.", SpanKind::Reasoning),
            span("search\nq", "café", SpanKind::ToolUse),
            span("search\nfound", "<it>", SpanKind::ToolResult),
            span("notes.txt", "line 1", SpanKind::Attachment),
            span("Be brief.", "Be brief.", SpanKind::Context),
        ];
        assert_eq!(span_text(text, &spans[0]), "Pensar é bom.");
        let shown = spanned(text, &spans, false);
        assert_eq!(
            shown,
            "<details>\n<summary>Reasoning</summary>\n\nPensar é bom.\n\n</details>\n\nOlá!\n\n\
             <details>\n<summary>Tool call: search</summary>\n\n```\nq: café\n```\n\n</details>\n\n\
             <details>\n<summary>Tool result: search</summary>\n\n```\nfound <it>\n```\n\n</details>\n\n\
             > *Attached file:* notes.txt\n>\n> line 1"
        );
        let all = spanned(text, &spans, true);
        assert!(all.ends_with(
            "> *Context the provider added (hidden in its interface):*\n>\n> Be brief."
        ));
        // Overlapping or out-of-range spans (broken data) lose nothing and do not panic.
        let odd = [
            TextSpan {
                start: 0,
                end: 4,
                kind: SpanKind::Reasoning,
            },
            TextSpan {
                start: 2,
                end: 9,
                kind: SpanKind::ToolUse,
            },
            TextSpan {
                start: 500,
                end: 600,
                kind: SpanKind::ToolResult,
            },
        ];
        assert!(spanned(text, &odd, false).contains("r é bom."));
    }

    #[test]
    fn quotes_nest_and_keep_blank_lines() {
        assert_eq!(quote("a\n\nb\n", 2), "> > a\n> >\n> > b\n");
        assert_eq!(quote("a\n", 0), "a\n");
    }
}
