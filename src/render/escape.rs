//! Untrusted text made safe for a Markdown transcript. A user's text is shown as typed (every
//! line break kept, nothing that would start a heading, list, quote, code block or HTML); an
//! assistant's Markdown is kept, but its headings are moved below the transcript's own levels and
//! its raw HTML is escaped; one-line values (titles, names) are escaped inline.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// Deepest heading Markdown has.
const DEEPEST: usize = 6;

/// A user's text as typed. Each line keeps its indentation (as no-break spaces, which Markdown
/// does not read as indentation) and its break (two trailing spaces); a character that would
/// start a block is backslash-escaped, which still reads as the character in plain text; `<`,
/// `&` before a name and `\` before punctuation are escaped so no HTML, entity or escape is
/// interpreted.
pub fn plain(text: &str) -> String {
    let lines: Vec<&str> = text.trim_matches('\n').split('\n').collect();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, line) in lines.iter().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            // A paragraph break, as typed (several blank lines read as one).
            if !out.ends_with("\n\n") {
                out.push('\n');
            }
            continue;
        }
        let body = line.trim_start_matches([' ', '\t']);
        for c in line[..line.len() - body.len()].chars() {
            let n = if c == '\t' { 4 } else { 1 };
            out.extend(std::iter::repeat_n('\u{a0}', n));
        }
        out.push_str(&block_start(body));
        let next_blank = lines.get(i + 1).is_none_or(|l| l.trim().is_empty());
        if !next_blank {
            out.push_str("  "); // a hard line break: the next line stays on its own line
        }
        out.push('\n');
    }
    out.trim_end_matches('\n').to_string()
}

/// One line of user text: inline escapes, then the block markers at its start.
fn block_start(line: &str) -> String {
    let escaped = inline_html(line.trim_end());
    let first = escaped.chars().next().unwrap_or(' ');
    if "#>-+*=_`~|:[".contains(first) {
        return format!("\\{escaped}");
    }
    // `1.` or `1)`: an ordered list item.
    let digits = escaped.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=9).contains(&digits) && matches!(escaped.as_bytes().get(digits), Some(b'.' | b')')) {
        return format!("{}\\{}", &escaped[..digits], &escaped[digits..]);
    }
    escaped
}

/// `<` (HTML, autolinks), `&name;` (entities) and `\` before punctuation (escapes) made literal.
fn inline_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        match c {
            '<' => out.push_str("\\<"),
            '&' if next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '#') => {
                out.push_str("\\&")
            }
            '\\' if next.is_some_and(|n| n.is_ascii_punctuation()) => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out
}

/// One line of untrusted text (a title, a file name, a model) for inline use: whitespace and
/// control characters collapsed to single spaces, the Markdown punctuation that could start
/// emphasis, code, a link, HTML, an entity or a heading's end backslash-escaped.
pub fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        let mut chars = word.chars().peekable();
        let mut first = true;
        while let Some(c) = chars.next() {
            let next = chars.peek().copied();
            let special = match c {
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '~' => true,
                // A heading's closing `#`s and an entity need a `#` or `&` where these are.
                '#' => first,
                '&' => next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '#'),
                _ => false,
            };
            if special {
                out.push('\\');
            }
            out.push(c);
            first = false;
        }
    }
    out
}

/// An assistant's Markdown with its headings moved `shift` levels down (capped at `######`) and
/// raw HTML escaped, so the transcript's outline is the tool's and nothing in the text runs or
/// hides. Everything else is left byte for byte.
pub fn assistant(text: &str, shift: usize) -> String {
    // (byte offset, what to put there, bytes replaced)
    let mut edits: Vec<(usize, String, usize)> = Vec::new();
    let parser = Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let mut in_heading: Option<(usize, std::ops::Range<usize>)> = None;
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                in_heading = Some((level as usize, range));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, range)) = in_heading.take() {
                    edits.extend(heading(text, range, (level + shift).min(DEEPEST)));
                }
            }
            Event::Html(_) | Event::InlineHtml(_) => {
                let span = &text[range.clone()];
                for (i, _) in span.match_indices('<') {
                    edits.push((range.start + i, "&lt;".into(), 1));
                }
            }
            _ => {}
        }
    }
    // An insertion (nothing replaced) before a replacement at the same place.
    edits.sort_by_key(|e| (e.0, e.2));
    let mut out = String::with_capacity(text.len() + edits.len() * 4);
    let mut at = 0;
    for (offset, with, len) in edits {
        if offset < at {
            continue; // overlapping edits cannot happen; never apply one twice
        }
        out.push_str(&text[at..offset]);
        out.push_str(&with);
        at = offset + len;
    }
    out.push_str(&text[at..]);
    out
}

/// The edits that make the heading at `range` an ATX heading of `level`.
fn heading(text: &str, range: std::ops::Range<usize>, level: usize) -> Vec<(usize, String, usize)> {
    let src = &text[range.clone()];
    let hashes = "#".repeat(level);
    let lead = src.len() - src.trim_start_matches([' ', '\t']).len();
    if src[lead..].starts_with('#') {
        // ATX: replace the run of `#`.
        let run = src[lead..].bytes().take_while(|&b| b == b'#').count();
        return vec![(range.start + lead, hashes, run)];
    }
    // Setext (`Title\n===`): `#`s before the text, its line breaks joined with spaces (lines after
    // the first carry the container prefix, `> `, of the first), the underline removed. Small edits,
    // so raw HTML inside the heading is still escaped by its own.
    let body = src.trim_end_matches(['\n', '\r']);
    let Some(last_break) = body.rfind('\n') else {
        return Vec::new();
    };
    let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..range.start];
    let mut edits = vec![(range.start, format!("{hashes} "), 0)];
    for (i, _) in body[..last_break].match_indices('\n') {
        let after = &body[i + 1..];
        let skip = if after.starts_with(prefix) {
            prefix.len()
        } else {
            0
        };
        edits.push((range.start + i, " ".into(), 1 + skip));
    }
    edits.push((
        range.start + last_break,
        String::new(),
        body.len() - last_break,
    ));
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Headings (level, text) a CommonMark parser finds.
    fn headings(md: &str) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        let mut current: Option<(usize, String)> = None;
        for e in Parser::new(md) {
            match e {
                Event::Start(Tag::Heading { level, .. }) => {
                    current = Some((level as usize, String::new()))
                }
                Event::Text(t) | Event::Code(t) => {
                    if let Some(c) = current.as_mut() {
                        c.1.push_str(&t);
                    }
                }
                Event::End(TagEnd::Heading(_)) => out.extend(current.take()),
                _ => {}
            }
        }
        out
    }

    fn has_html(md: &str) -> bool {
        Parser::new(md).any(|e| matches!(e, Event::Html(_) | Event::InlineHtml(_)))
    }

    /// The text a CommonMark reader shows, with line breaks.
    fn shown(md: &str) -> String {
        let mut s = String::new();
        for e in Parser::new(md) {
            match e {
                Event::Text(t) => s.push_str(&t),
                Event::Code(t) => s.push_str(&format!("`{t}`")),
                Event::HardBreak | Event::SoftBreak => s.push('\n'),
                Event::End(TagEnd::Paragraph) => s.push_str("\n\n"),
                _ => {}
            }
        }
        s.trim_end().to_string()
    }

    #[test]
    fn user_text_keeps_its_lines_and_starts_no_block() {
        let typed = "# install it\n- first\n+ second\n* third\n> not a quote\n1. one\n2) two\n\
                     Title\n===\nUnder\n---\n```\nfence\n~~~\n    indented\n\tdef f():\n<div onclick=x>hi</div>\n\
                     a &amp; b \\* c\n[ref]: http://x\n| a | b |\n|---|---|\n***";
        let md = plain(typed);
        assert!(headings(&md).is_empty(), "{md}");
        assert!(!has_html(&md), "{md}");
        let structure = Parser::new_ext(&md, Options::ENABLE_TABLES).any(|e| {
            matches!(
                e,
                Event::Start(
                    Tag::List(_)
                        | Tag::BlockQuote(_)
                        | Tag::CodeBlock(_)
                        | Tag::Table(_)
                        | Tag::HtmlBlock
                ) | Event::Rule
            )
        });
        assert!(!structure, "{md}");
        // Read back, it is what was typed: same lines, same characters (indentation as no-break
        // spaces).
        let back = shown(&md).replace('\u{a0}', " ");
        let want = typed.replace('\t', "    ");
        assert_eq!(back, want);
    }

    #[test]
    fn user_text_keeps_paragraphs() {
        assert_eq!(plain("a\nb\n\n\nc\n"), "a  \nb\n\nc");
        assert_eq!(shown(&plain("a\nb\n\nc")), "a\nb\n\nc");
    }

    #[test]
    fn assistant_headings_move_below_the_message_and_html_is_escaped() {
        let md = "# Top\n\ntext <b onclick=\"x\">bold</b>\n\n### Deep\n\n###### Deepest\n\nSetext\n======\n\n> Quoted\n> two\n> ---\n\n<script>alert(1)</script>\n\n```html\n<p>kept in code</p>\n```\n\n<i>Html</i> `Vec<T>`\nhead\n---\n";
        let out = assistant(md, 2);
        assert_eq!(
            headings(&out),
            [
                (3, "Top".to_string()),
                (5, "Deep".to_string()),
                (6, "Deepest".to_string()),
                (3, "Setext".to_string()),
                (4, "Quoted two".to_string()),
                (4, "<i>Html</i> Vec<T> head".to_string()),
            ],
            "{out}"
        );
        assert!(!has_html(&out), "{out}");
        assert!(out.contains("```html\n<p>kept in code</p>\n```"), "{out}");
        assert!(out.contains("&lt;script>alert(1)&lt;/script>"), "{out}");
        // Nothing else changes.
        assert_eq!(assistant("plain *text*\n- a\n", 2), "plain *text*\n- a\n");
    }

    #[test]
    fn inline_values_cannot_start_anything() {
        let s = inline("# <img src=x onerror=y>\n[a](b)\tc");
        assert_eq!(s, "\\# \\<img src=x onerror=y> \\[a\\](b) c");
        assert_eq!(inline("C# & Rust #1 &amp;"), "C# & Rust \\#1 \\&amp;");
        assert!(!has_html(&s) && headings(&s).is_empty());
        assert_eq!(shown(&s), "# <img src=x onerror=y> [a](b) c");
    }
}
