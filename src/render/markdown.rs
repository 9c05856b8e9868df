//! A conversation as a Markdown transcript: title and facts, then each message under a role
//! header. Code is fenced with its language, tool output fenced, reasoning folded into
//! `<details>`, attachments linked by their pointer; every branch nested in quotes when asked.
//! Spans inside a message (any provider's) are rendered by kind: reasoning and tool calls and
//! results folded, attachment text quoted, injected context only with `--include-hidden`.

//! A conversation as a Markdown transcript that reads like the conversation did in the app: the
//! title as the only `#`, one `##` per message (the outline is the tool's: an assistant's own
//! headings are moved below it), a user's text as typed, empty messages left out. Code is fenced,
//! a tool's code folded above its output, reasoning folded into `<details>`, canvas documents
//! shown where they were written, attachments embedded or linked (in an export) or named (in
//! `show`), a call to ChatGPT's image generator read as its prompt; every branch nested in quotes
//! when asked. Everything from the export is untrusted: see `escape`.

use std::collections::HashMap;

use serde_json::Value;

use super::escape;
use super::image_prompt::{self, ImagePrompt};
use super::{walk, Selection, Step};
use crate::model::{SpanKind, TextSpan};
use crate::query::attachments::MessageFile;
use crate::query::canvas::CanvasDocument;
use crate::query::conversation::{VersionMessage, VersionView};
use crate::query::dates::Tz;

/// Levels an assistant's headings move down: below the title (`#`) and the messages (`##`).
const HEADING_SHIFT: usize = 2;

#[derive(Debug, Clone)]
pub struct Options {
    pub selection: Selection,
    pub tz: Tz,
    /// YAML front matter (for notes tools) instead of the list of facts under the title.
    pub front_matter: bool,
    /// Written into an export folder: attachments linked to `attachments/<sha256>.<ext>` (which
    /// the export writes), canvas documents to their own files.
    pub export: bool,
}

/// What a transcript shows beside the messages' own text.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// The files the conversation's messages point at (`query::attachments::message_files`).
    pub files: Vec<MessageFile>,
    /// Its canvas documents (`query::canvas::documents`).
    pub canvas: Vec<CanvasDocument>,
    /// In an export: each canvas document's file, relative to the folder (same order).
    pub canvas_files: Vec<String>,
}

/// The link back to the conversation in its provider's app, when its id is one.
pub fn source_url(provider: &str, id: &str) -> Option<String> {
    let plain = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    match provider {
        "chatgpt" if plain => Some(format!("https://chatgpt.com/c/{id}")),
        "claude" if plain => Some(format!("https://claude.ai/chat/{id}")),
        _ => None,
    }
}

pub fn render(view: &VersionView, extras: &Extras, opts: Options) -> String {
    let meta = &view.meta;
    let title = meta.title.as_deref().unwrap_or("(untitled)");
    let url = source_url(&meta.provider, &meta.id);
    let mut out = String::new();
    if opts.front_matter {
        out.push_str(&front_matter(view, url.as_deref(), &opts.tz));
    }
    let title = escape::inline(title);
    out.push_str(&format!(
        "# {}\n\n",
        if title.is_empty() {
            "(untitled)"
        } else {
            &title
        }
    ));
    if !opts.front_matter {
        let tz = &opts.tz;
        out.push_str(&format!(
            "- Conversation: `{}`\n",
            one_line(&meta.id).replace('`', "")
        ));
        out.push_str(&format!("- Provider: {}\n", escape::inline(&meta.provider)));
        if let Some(c) = &meta.created_at {
            out.push_str(&format!("- Created: {} ({tz})\n", tz.show(c)));
        }
        if let Some(u) = &meta.updated_at {
            out.push_str(&format!("- Updated: {} ({tz})\n", tz.show(u)));
        }
        if let Some(m) = &meta.model {
            out.push_str(&format!("- Model: {}\n", escape::inline(m)));
        }
        if let Some(s) = &meta.summary {
            out.push_str(&format!("- Summary: {}\n", escape::inline(s)));
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
    }
    if let Some(u) = &url {
        if !opts.front_matter {
            out.push_str(&format!("- Original: <{u}>\n"));
        } else {
            out.push_str(&format!("Original: <{u}>\n"));
        }
    }
    out.push('\n');

    let ctx = Context::new(view, extras, opts.clone());
    // Hidden messages are walked too: a hidden canvas call shows its document with the next
    // message shown, a hidden code call is folded above its output.
    let all = Selection {
        include_hidden: true,
        ..opts.selection
    };
    let mut pending: Vec<String> = Vec::new();
    let mut last_depth = 0;
    for step in walk(view, all) {
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
                if m.hidden && !opts.selection.include_hidden {
                    pending.extend(ctx.canvas_blocks(m));
                    continue;
                }
                if let Some(text) = ctx.message(m, std::mem::take(&mut pending)) {
                    out.push_str(&quote(&text, depth));
                    out.push_str(&quote("\n", depth));
                    last_depth = depth;
                }
            }
        }
    }
    if !pending.is_empty() {
        // Canvas written after the last message shown: under it.
        out.push_str(&quote(&format!("{}\n", pending.join("\n\n")), last_depth));
        out.push_str(&quote("\n", last_depth));
    }
    out
}

/// What rendering a message needs beyond the message itself.
struct Context<'a> {
    view: &'a VersionView,
    opts: Options,
    by_id: HashMap<&'a str, usize>,
    files: HashMap<&'a str, Vec<&'a MessageFile>>,
    /// Message id → (document index, version index) it wrote.
    canvas: HashMap<&'a str, Vec<(usize, usize)>>,
    extras: &'a Extras,
}

impl<'a> Context<'a> {
    fn new(view: &'a VersionView, extras: &'a Extras, opts: Options) -> Context<'a> {
        let by_id = view
            .messages
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.as_str(), i))
            .collect();
        let mut files: HashMap<&str, Vec<&MessageFile>> = HashMap::new();
        for f in &extras.files {
            files.entry(f.message_id.as_str()).or_default().push(f);
        }
        let mut canvas: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
        for (d, doc) in extras.canvas.iter().enumerate() {
            for (v, version) in doc.versions.iter().enumerate() {
                canvas
                    .entry(version.message_id.as_str())
                    .or_default()
                    .push((d, v));
            }
        }
        Context {
            view,
            opts,
            by_id,
            files,
            canvas,
            extras,
        }
    }

    /// The documents a message's canvas call wrote, each folded with its title and, in an
    /// export, a link to the document's own file.
    fn canvas_blocks(&self, m: &VersionMessage) -> Vec<String> {
        let Some(written) = self.canvas.get(m.id.as_str()) else {
            return Vec::new();
        };
        written
            .iter()
            .map(|&(d, v)| {
                let doc = &self.extras.canvas[d];
                let version = &doc.versions[v];
                let name = doc.name.as_deref().unwrap_or("untitled");
                let what = if version.operation == "create" {
                    "created".to_string()
                } else {
                    format!("updated, version {}", version.version)
                };
                let body = match doc.language() {
                    Some(lang) => fence(&version.content, lang),
                    None => escape::assistant(&version.content, HEADING_SHIFT),
                };
                let mut block = details(&format!("Canvas: {name} ({what})"), body.trim_end());
                if let Some(file) = self.extras.canvas_files.get(d).filter(|_| self.opts.export) {
                    block.push_str(&format!(
                        "\n\nCanvas document: [{}]({file})",
                        escape::inline(name)
                    ));
                }
                block
            })
            .collect()
    }

    /// One message: a role header, then its body; None when there is nothing to show.
    fn message(&self, m: &VersionMessage, before: Vec<String>) -> Option<String> {
        let include_hidden = self.opts.selection.include_hidden;
        let mut parts = before;
        let canvas = self.canvas_blocks(m);
        if !canvas.is_empty() {
            // The call's JSON says less than the document it wrote.
            parts.extend(canvas);
        } else {
            if m.content_type.as_deref() == Some("execution_output") && !include_hidden {
                // The code that produced the output, folded (its own message is hidden).
                let code = m
                    .parent_id
                    .as_deref()
                    .and_then(|p| self.by_id.get(p))
                    .map(|&i| &self.view.messages[i])
                    .filter(|c| c.hidden && c.content_type.as_deref() == Some("code"));
                if let Some(c) = code.filter(|c| !c.text.trim().is_empty()) {
                    let lang = language(c);
                    let label = if lang.is_empty() {
                        "Code".to_string()
                    } else {
                        format!("Code ({lang})")
                    };
                    parts.push(details(&label, &fence(&c.text, lang)));
                }
            }
            if m.role.as_deref() == Some("tool") && !include_hidden {
                // A generated image under the prompt that asked for it: the call itself is a
                // hidden tool call (2023–24 exports address it to the image tool).
                let call = m
                    .parent_id
                    .as_deref()
                    .and_then(|p| self.by_id.get(p))
                    .map(|&i| &self.view.messages[i])
                    .filter(|c| c.hidden);
                if let Some(prompt) = call.and_then(|c| self.image_prompt(c)) {
                    parts.push(prompt.markdown().trim_end().to_string());
                }
            }
            let body = match self.image_prompt(m) {
                Some(call) => call.markdown(),
                None => body(m, include_hidden),
            };
            if !body.trim().is_empty() {
                parts.push(body.trim_end().to_string());
            }
        }
        parts.extend(self.attachments(m));
        if parts.is_empty() {
            return None;
        }
        let mut header = role_label(m);
        if let Some(model) = m
            .model
            .as_deref()
            .filter(|_| m.role.as_deref() == Some("assistant"))
        {
            header.push_str(&format!(" · {}", escape::inline(model)));
        }
        if let Some(t) = &m.created_at {
            header.push_str(&format!(" · {}", self.opts.tz.show(t)));
        }
        if m.reasoning {
            header.push_str(" · reasoning");
        }
        if m.hidden {
            header.push_str(" · hidden");
        }
        Some(format!("## {header}\n\n{}\n", parts.join("\n\n")))
    }

    /// A call to ChatGPT's image generator, read as its prompt; with `--include-hidden` the
    /// call stays as sent (its JSON), like every other tool call.
    fn image_prompt(&self, m: &VersionMessage) -> Option<ImagePrompt> {
        if self.opts.selection.include_hidden {
            return None;
        }
        // This version's own recipient: the flags come from the newest content, which a 2026
        // export (no recipient) may have rewritten.
        let recipient = m.raw.get("recipient").and_then(Value::as_str);
        image_prompt::recognise(
            &self.view.meta.provider,
            m.role.as_deref(),
            recipient,
            &m.text,
        )
    }

    /// The files a message points at, each its own paragraph: in an export an image embedded, any
    /// other file linked; in `show` named with its type. A file no export held is marked missing.
    fn attachments(&self, m: &VersionMessage) -> Vec<String> {
        let Some(files) = self.files.get(m.id.as_str()) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for f in files {
            if f.text_in_message && f.is_missing() {
                continue; // its text is quoted in the message; nothing more to show
            }
            let name = escape::inline(f.name.as_deref().unwrap_or("file"));
            let name = if name.is_empty() { "file".into() } else { name };
            let Some(path) = f.export_path() else {
                out.push(format!("Attachment: {name} *({MISSING})*"));
                continue;
            };
            if !self.opts.export {
                let kind = f.mime_type.as_deref().map(one_line).unwrap_or_default();
                let size = f.size.map(|s| format!("{s} bytes")).unwrap_or_default();
                let facts: Vec<String> = [escape::inline(&kind), size]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect();
                out.push(format!("Attachment: {name} ({})", facts.join(", ")));
            } else if f.is_image() {
                out.push(format!("![{name}]({path})"));
            } else {
                out.push(format!("Attachment: [{name}]({path})"));
            }
        }
        out
    }
}

/// How a file no export held is marked (one definition, beside `is_missing`).
pub use crate::query::attachments::MISSING;

fn language(m: &VersionMessage) -> &str {
    m.raw
        .pointer("/content/language")
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn role_label(m: &VersionMessage) -> String {
    let role = m.role.as_deref().unwrap_or("unknown");
    let mut label = escape::inline(&capitalize(role));
    if let Some(name) = m.author_name.as_deref().filter(|n| !n.is_empty()) {
        // ChatGPT's image and canvas tools sign with internal names.
        let name = match name {
            "t2uay3k.sj1i4kz" | "dalle.text2im" => "image generation",
            n if n.starts_with("canmore.") => "canvas",
            n => n,
        };
        label.push_str(&format!(" ({})", escape::inline(name)));
    }
    label
}

/// Message text by who wrote it: an assistant's as Markdown (headings moved down, HTML
/// escaped), anyone else's as typed.
fn prose(m: &VersionMessage, text: &str) -> String {
    if m.role.as_deref() == Some("assistant") {
        escape::assistant(text, HEADING_SHIFT)
    } else {
        escape::plain(text)
    }
}

fn body(m: &VersionMessage, include_hidden: bool) -> String {
    let ct = m.content_type.as_deref().unwrap_or("");
    let text = m.text.as_str();
    if !m.reasoning && !m.spans.is_empty() {
        return spanned(m, include_hidden);
    }
    if text.trim().is_empty() {
        return String::new(); // `[""]`: nothing was said
    }
    if m.reasoning {
        // Folded: readers skip it, and it is there for who wants it.
        if ct == "reasoning_recap" {
            return format!("*{}*", escape::inline(text));
        }
        return details(
            "Reasoning",
            escape::assistant(text, HEADING_SHIFT).trim_end(),
        );
    }
    match ct {
        "code" => fence(text, language(m)),
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
                prose(m, text)
            } else {
                format!(
                    "*\\[{}\\]*\n\n{}",
                    escape::inline(&named.join(", ")),
                    prose(m, text)
                )
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
fn spanned(m: &VersionMessage, include_hidden: bool) -> String {
    let text = m.text.as_str();
    let mut spans = m.spans.to_vec();
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
            pieces.push(prose(m, t));
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
            SpanKind::Reasoning => details(
                "Reasoning",
                escape::assistant(inner, HEADING_SHIFT).trim_end(),
            ),
            SpanKind::ToolUse | SpanKind::ToolResult => {
                let what = if s.kind == SpanKind::ToolUse {
                    "Tool call"
                } else {
                    "Tool result"
                };
                let summary = format!("{what}: {}", first.trim());
                if rest.trim().is_empty() {
                    format!("*{}*", escape::inline(&summary))
                } else {
                    details(&summary, &fence(rest, ""))
                }
            }
            SpanKind::Attachment => {
                let mut q = format!("*Attached file:* {}\n", escape::inline(first));
                if !rest.trim().is_empty() {
                    q.push('\n');
                    q.push_str(&escape::plain(rest));
                    q.push('\n');
                }
                quote(&q, 1).trim_end().to_string()
            }
            SpanKind::Context if include_hidden => {
                let q = format!(
                    "*Context the provider added (hidden in its interface):*\n\n{}\n",
                    escape::plain(inner)
                );
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

/// Dates in UTC (`...Z`), or with the offset of the zone asked for (`export --tz`).
fn front_matter(view: &VersionView, url: Option<&str>, tz: &Tz) -> String {
    let m = &view.meta;
    let q = yaml_string;
    let mut out = String::from("---\n");
    out.push_str(&format!("id: {}\n", q(&m.id)));
    out.push_str(&format!("title: {}\n", q(m.title.as_deref().unwrap_or(""))));
    for (key, value) in [
        ("created", &m.created_at),
        ("updated", &m.updated_at),
        ("model", &m.model),
    ] {
        if let Some(v) = value {
            let v = if key == "model" { v.clone() } else { tz.iso(v) };
            out.push_str(&format!("{key}: {}\n", q(&v)));
        }
    }
    out.push_str(&format!("provider: {}\n", q(&m.provider)));
    if let Some(u) = url {
        out.push_str(&format!("url: {}\n", q(u)));
    }
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

/// A YAML double-quoted scalar: `"` and `\\` escaped, and every character YAML does not allow
/// raw (C0 and C1 controls, DEL, U+FEFF, U+FFFE/F) or reads as a line break (U+2028/9) written as
/// an escape, so any title stays one valid value.
fn yaml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || ('\u{7f}'..='\u{9f}').contains(&c) => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let m = |spans: &[TextSpan]| VersionMessage {
            id: "m".into(),
            parent_id: None,
            role: Some("assistant".into()),
            author_name: None,
            content_type: Some("text".into()),
            text: text.into(),
            spans: spans.to_vec(),
            created_at: None,
            model: None,
            hidden: false,
            reasoning: false,
            raw: Value::Null,
            position: 0,
        };
        let shown = spanned(&m(&spans), false);
        assert_eq!(
            shown,
            "<details>\n<summary>Reasoning</summary>\n\nPensar é bom.\n\n</details>\n\nOlá!\n\n\
             <details>\n<summary>Tool call: search</summary>\n\n```\nq: café\n```\n\n</details>\n\n\
             <details>\n<summary>Tool result: search</summary>\n\n```\nfound <it>\n```\n\n</details>\n\n\
             > *Attached file:* notes.txt\n>\n> line 1"
        );
        let all = spanned(&m(&spans), true);
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
        assert!(spanned(&m(&odd), false).contains("r é bom."));
    }

    #[test]
    fn quotes_nest_and_keep_blank_lines() {
        assert_eq!(quote("a\n\nb\n", 2), "> > a\n> >\n> > b\n");
        assert_eq!(quote("a\n", 0), "a\n");
    }
}
