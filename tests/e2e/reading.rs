//! Reading: transcripts from `show` and `export` checked as their readers see them, through a
//! CommonMark parser (headings only from the tool's structure, no raw HTML from an export, every
//! image a file under attachments/ whose sha256 is its name) and a YAML parser (front matter).
//! The real binary on the ChatGPT 2024/2026 fixtures, Claude March/June and
//! `fixtures/chatgpt-reading` (user text with structure, raw HTML, empty messages, a canvas,
//! stored and missing files).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::*;
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde_json::Value;
use sha2::{Digest, Sha256};

const R1: &str = "6b1a2c3d-0000-8005-8000-00000000a001";
const R1_FILE: &str = "2025-06-27-reading-tabs-here-and-newlines-i-x-i-6b1a2c3d.md";
const SKETCH: &str = "f0a0301fdc7ba726844faac4b0a72ea8fb94f3b830ab3f792409a0bebf828979";
const NOTES: &str = "90450d5dd4b07f4cf1a52154fbcdcb29fda2c877ccfbab4a6fbf67e595e6929c";
const CAT: &str = "87a127b9aa5835b924301f671725b6ae8e7f3fc52a09c23e845b3e63aec60b62";

/// Every fixture provider in one archive.
fn archive() -> Env {
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    let march = zip_dir(&fixture("claude-2026-03"), &env.path("claude-03.zip"));
    let june = zip_dir(&fixture("claude-2026-06"), &env.path("claude-06.zip"));
    let reading = zip_dir(&fixture("chatgpt-reading"), &env.path("reading.zip"));
    env.ingest(&[&z24, &z26, &march, &june, &reading]);
    env
}

fn export(env: &Env, out: &Path) -> String {
    env.run(&["export", "--out", out.to_str().unwrap()])
}

/// A transcript as a CommonMark reader sees it.
#[derive(Debug, Default)]
struct Read {
    /// (level, text) of every heading, in order.
    headings: Vec<(usize, String)>,
    /// Under each `##` heading: the headings inside it and whether anything else is.
    sections: Vec<Section>,
    images: Vec<String>,
    links: Vec<String>,
    /// Raw HTML the parser found (ours: `<details>`, `<summary>`).
    html: Vec<String>,
    text: String,
}

#[derive(Debug, Default)]
struct Section {
    heading: String,
    sub_headings: Vec<(usize, String)>,
    has_content: bool,
}

fn read(md: &str) -> Read {
    let mut r = Read::default();
    let mut heading: Option<(usize, String)> = None;
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for event in Parser::new_ext(md, opts) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level_of(level), String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                let (level, text) = heading.take().unwrap();
                if level == 2 {
                    r.sections.push(Section {
                        heading: text.clone(),
                        ..Section::default()
                    });
                } else if let Some(s) = r.sections.last_mut() {
                    s.sub_headings.push((level, text.clone()));
                }
                r.headings.push((level, text));
            }
            Event::Text(t) | Event::Code(t) => match heading.as_mut() {
                Some(h) => h.1.push_str(&t),
                None => {
                    r.text.push_str(&t);
                    if let Some(s) = r.sections.last_mut() {
                        s.has_content |= !t.trim().is_empty();
                    }
                }
            },
            Event::SoftBreak | Event::HardBreak => r.text.push('\n'),
            Event::End(TagEnd::Paragraph | TagEnd::CodeBlock | TagEnd::Item) => r.text.push('\n'),
            Event::Start(Tag::Image { dest_url, .. }) => {
                r.images.push(dest_url.to_string());
                if let Some(s) = r.sections.last_mut() {
                    s.has_content = true;
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => r.links.push(dest_url.to_string()),
            Event::Html(h) | Event::InlineHtml(h) => r.html.push(h.to_string()),
            _ => {}
        }
    }
    r
}

fn level_of(l: HeadingLevel) -> usize {
    l as usize
}

/// The front matter's YAML and the Markdown after it.
fn split_front_matter(md: &str) -> (yaml_rust2::Yaml, &str) {
    let rest = md.strip_prefix("---\n").expect("front matter first");
    let end = rest.find("\n---\n").expect("front matter closed");
    let docs = yaml_rust2::YamlLoader::load_from_str(&rest[..end])
        .unwrap_or_else(|e| panic!("front matter is not YAML ({e}): {}", &rest[..end]));
    (docs.into_iter().next().unwrap(), &rest[end + 5..])
}

/// The outline rules every transcript keeps: one `#` (the title) first, `##` only for messages
/// (a role, then facts), nothing deeper under a user's message, no empty message, and no HTML
/// but the folds the tool writes.
fn assert_outline(name: &str, md: &str) -> Read {
    let r = read(md);
    assert!(
        matches!(r.headings.first(), Some((1, _))),
        "{name}: title first: {:?}",
        r.headings
    );
    assert_eq!(
        r.headings.iter().filter(|h| h.0 == 1).count(),
        1,
        "{name}: {:?}",
        r.headings
    );
    let role =
        regex::Regex::new(r"^(User|Assistant|Tool|System|Unknown)( \([^)]*\))?( · .+)?$").unwrap();
    for s in &r.sections {
        assert!(
            role.is_match(&s.heading),
            "{name}: a ## that is no message: {:?}",
            s.heading
        );
        assert!(
            s.has_content || !s.sub_headings.is_empty(),
            "{name}: empty message {:?}",
            s.heading
        );
        if s.heading.starts_with("User") {
            assert!(
                s.sub_headings.is_empty(),
                "{name}: headings from a user's text: {:?}",
                s.sub_headings
            );
        }
        for (level, text) in &s.sub_headings {
            assert!(*level >= 3, "{name}: {text} at level {level}");
        }
    }
    let ours = regex::Regex::new(r"^(<details>|<summary>[^<]*</summary>|</details>)\s*$").unwrap();
    for h in &r.html {
        for line in h.lines().filter(|l| !l.trim().is_empty()) {
            assert!(ours.is_match(line), "{name}: raw HTML {line:?} in {h:?}");
        }
    }
    r
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every file under `dir` (relative paths), the manifest left out.
fn files_under(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                if rel != ".chatarchive-export.json" {
                    out.insert(rel);
                }
            }
        }
    }
    out
}

/// What the manifest says the export wrote.
fn manifest_files(dir: &Path) -> BTreeSet<String> {
    let m: Value =
        serde_json::from_slice(&std::fs::read(dir.join(".chatarchive-export.json")).unwrap())
            .unwrap();
    let mut out: BTreeSet<String> = m["files"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    if let Some(assets) = m["assets"].as_object() {
        for list in assets.values() {
            out.extend(
                list.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string()),
            );
        }
    }
    out
}

#[test]
fn every_exported_transcript_has_the_tools_outline_valid_front_matter_and_working_images() {
    let env = archive();
    let out = env.path("notes");
    export(&env, &out);
    let conn = env.conn();
    let mut checked = 0;
    let mut images = 0;
    for name in files_under(&out).iter().filter(|n| !n.contains('/')) {
        let md = std::fs::read_to_string(out.join(name)).unwrap();
        let (yaml, body) = split_front_matter(&md);
        let id = yaml["id"].as_str().unwrap_or_else(|| panic!("{name}: id"));
        let (provider, title): (String, Option<String>) = conn
            .query_row(
                "SELECT provider, title FROM conversations WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            yaml["title"].as_str(),
            Some(title.unwrap_or_default().as_str())
        );
        let url = yaml["url"].as_str().unwrap();
        match provider.as_str() {
            "chatgpt" => assert_eq!(url, format!("https://chatgpt.com/c/{id}")),
            _ => assert_eq!(url, format!("https://claude.ai/chat/{id}")),
        }
        let r = assert_outline(name, body);
        assert!(
            r.links.contains(&url.to_string()),
            "{name}: header links {url}"
        );
        for src in &r.images {
            let rel = src
                .strip_prefix("attachments/")
                .expect("under attachments/");
            let (sha, _ext) = rel.split_once('.').unwrap();
            let bytes = std::fs::read(out.join(src)).unwrap_or_else(|e| panic!("{src}: {e}"));
            assert_eq!(sha256_hex(&bytes), sha, "{name}: {src}");
            images += 1;
        }
        for link in r.links.iter().filter(|l| !l.contains("://")) {
            assert!(out.join(link).is_file(), "{name}: {link} links nowhere");
        }
        checked += 1;
    }
    assert_eq!(checked, 15, "8 ChatGPT 2026, 6 Claude, 1 reading");
    assert_eq!(images, 3, "cat, C8's upload, the sketch");
    // The manifest records every file written, and nothing else is there.
    assert_eq!(manifest_files(&out), files_under(&out));
}

#[test]
fn user_text_reads_as_typed_and_assistant_markdown_keeps_its_place() {
    let env = archive();
    let out = env.path("notes");
    export(&env, &out);
    let md = std::fs::read_to_string(out.join(R1_FILE)).unwrap();
    let (yaml, body) = split_front_matter(&md);
    // A title with a tab, a newline, a bell, quotes and HTML is one YAML string, as it was.
    assert_eq!(
        yaml["title"].as_str(),
        Some("Reading: \"tabs\"\there # and\nnewlines \u{7} <i>x</i>")
    );
    let r = assert_outline(R1_FILE, body);
    let sections: Vec<&str> = r
        .sections
        .iter()
        .map(|s| s.heading.split(" · ").next().unwrap())
        .collect();
    // The empty answer (`[""]`) and the empty reasoning are left out; the hidden python and
    // canvas calls show in the messages that follow them.
    assert_eq!(
        sections,
        [
            "User",
            "Assistant",
            "Tool (python)",
            "Tool (canvas)",
            "Assistant",
            "User",
            "Assistant"
        ]
    );
    assert_eq!(
        r.headings[0],
        (
            1,
            "Reading: \"tabs\" here # and newlines <i>x</i>".to_string()
        )
    );
    // The user's pasted text: every line as typed, none of it structure.
    for line in [
        "Why does this fail? pastewren",
        "# install the deps first",
        "- not a list",
        "> not a quote",
        "1. not a numbered list",
        "===",
        "<b onclick=\"document.title='pwned'\">raw html</b>",
        "\u{a0}\u{a0}\u{a0}\u{a0}indented, not code",
        "```",
        "## second paragraph, still mine",
    ] {
        assert!(
            r.text.lines().any(|l| l == line),
            "{line:?} not shown as typed: {}",
            r.text
        );
    }
    // The assistant's headings, one level below its message; its HTML shown, not run.
    assert_eq!(
        r.sections[1].sub_headings,
        [
            (3, "Answer".to_string()),
            (4, "Details".to_string()),
            (6, "Deepest".to_string())
        ]
    );
    assert!(r
        .text
        .contains("<img src=x onerror=\"document.title='pwned'\">"));
    assert!(r.html.iter().all(|h| !h.contains("pwned")));
    // The python call's code, folded above its output.
    let code = body.find("<summary>Code (python)</summary>").unwrap();
    assert!(code < body.find("sumquill").unwrap());
    assert!(body.find("sumquill").unwrap() < body.find("Output:\n\n```\n4\n```").unwrap());
    // The canvas: folded with its title where it was created, and its own file, linked.
    let canvas =
        "canvas/2025-06-27-reading-tabs-here-and-newlines-i-x-i-6b1a2c3d-plan-lisbon-day-1.md";
    assert!(body.contains("<summary>Canvas: Plan: Lisbon / day 1 (created)</summary>"));
    assert_eq!(r.sections[3].sub_headings, [(3, "Day 1".to_string())]);
    assert!(r.links.contains(&canvas.to_string()), "{:?}", r.links);
    assert_eq!(
        std::fs::read_to_string(out.join(canvas)).unwrap(),
        "# Day 1\n\nFerry at 08:15. canvasmoor"
    );
    // Files: the image embedded, the text file linked, the lost one marked, not linked.
    assert_eq!(r.images, [format!("attachments/{SKETCH}.png")]);
    assert!(r.links.contains(&format!("attachments/{NOTES}.txt")));
    assert!(
        body.contains("Attachment: lost-scan.pdf *(missing: not in any export ingested)*\n"),
        "{body}"
    );
    assert!(!r
        .links
        .iter()
        .any(|l| l.contains("Rd00000000000000000000A3")));
}

#[test]
fn show_keeps_the_same_outline_and_names_files() {
    let env = archive();
    let md = env.run(&["show", R1]);
    let r = assert_outline("show", &md);
    assert_eq!(r.sections.len(), 7);
    assert!(r.images.is_empty(), "show writes no files to link");
    assert!(
        md.contains("- Original: <https://chatgpt.com/c/6b1a2c3d-0000-8005-8000-00000000a001>\n")
    );
    assert!(md.contains("Attachment: sketch.png (image/png, 73 bytes)\n"));
    assert!(md.contains("Attachment: lost-scan.pdf *(missing: not in any export ingested)*\n"));
    // Every conversation of every provider keeps the outline, every branch shown or not.
    let ids: Vec<String> = env
        .conn()
        .prepare("SELECT id FROM conversations")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for id in &ids {
        assert_outline(id, &env.run(&["show", id]));
        assert_outline(id, &env.run(&["show", id, "--include-hidden"]));
        assert_outline(id, &env.run(&["show", id, "--all-branches"]));
    }
}

#[test]
fn an_image_generator_call_reads_as_its_prompt() {
    let env = archive();
    let line = "*Image prompt (1024x1024):* A Renaissance oil portrait of a domestic shorthair \
                tabby cat with a swirl pattern";
    // Version 1 came from the 2024 export (recipient `dalle.text2im`), the current one from the
    // 2026 export (no recipient: the JSON alone says what it is).
    for version in ["1", "2"] {
        let md = env.run(&["show", "66fd1aeb", "--version", version]);
        assert!(md.contains(line), "version {version}: {md}");
        assert!(!md.contains("\"prompt\":"), "version {version}: {md}");
        assert!(
            md.contains("## Assistant · gpt-4o · 2024-10-02 10:07\n\n*Image prompt"),
            "the header stays: {md}"
        );
    }
    // What was sent stays available: with the hidden parts, and in JSON.
    let all = env.run(&["show", "66fd1aeb", "--version", "1", "--include-hidden"]);
    assert!(
        all.contains("\"prompt\": \"A Renaissance") && !all.contains(line),
        "{all}"
    );
    let json = env.run(&["show", "66fd1aeb", "--format", "json"]);
    assert!(json.contains("\\\"prompt\\\": \\\"A Renaissance"), "{json}");
    // The Markdown export reads the same.
    let out = env.path("notes");
    export(&env, &out);
    let name = files_under(&out)
        .into_iter()
        .find(|n| n.ends_with("-66fd1aeb.md"))
        .unwrap();
    let md = std::fs::read_to_string(out.join(name)).unwrap();
    assert!(md.contains(line) && !md.contains("\"prompt\":"), "{md}");
}

#[test]
fn in_an_archive_of_2024_exports_the_prompt_heads_the_generated_image() {
    // The 2024 export alone: the call is addressed to `dalle.text2im`, a hidden tool call; the
    // tool's reply holds the image. The prompt is read above it, once.
    let env = Env::new();
    let (z24, _) = fixture_zips(&env);
    env.ingest_one(&z24);
    let md = env.run(&["show", "66fd1aeb"]);
    let tool = md
        .split("\n## ")
        .find(|s| s.starts_with("Tool (image generation)"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        tool.contains(
            "*Image prompt (1024x1024):* A Renaissance oil portrait of a domestic shorthair"
        ) && tool.contains("Attachment: "),
        "{tool}"
    );
    assert_eq!(md.matches("*Image prompt").count(), 1, "{md}");
    assert!(!md.contains("\"prompt\":"), "{md}");
    // With the hidden parts the call is shown as sent, and the prompt is not repeated.
    let all = env.run(&["show", "66fd1aeb", "--include-hidden"]);
    assert!(
        all.contains("\"prompt\": \"A Renaissance") && !all.contains("*Image prompt"),
        "{all}"
    );
}

#[test]
fn re_export_rewrites_nothing_and_forget_removes_what_no_conversation_uses() {
    let env = archive();
    let out = env.path("notes");
    let first = export(&env, &out);
    assert!(
        first.ends_with(
            ": 15 conversations: 15 written, 0 unchanged; linked files: 8 written, 0 unchanged\n"
        ),
        "{first}"
    );
    let stamp = |dir: &Path| -> BTreeMap<String, std::time::SystemTime> {
        files_under(dir)
            .into_iter()
            .chain([".chatarchive-export.json".to_string()])
            .map(|f| {
                let t = std::fs::metadata(dir.join(&f)).unwrap().modified().unwrap();
                (f, t)
            })
            .collect()
    };
    let before = stamp(&out);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let second = export(&env, &out);
    assert!(
        second.ends_with(
            ": 15 conversations: 0 written, 15 unchanged; linked files: 0 written, 8 unchanged\n"
        ),
        "{second}"
    );
    assert_eq!(stamp(&out), before, "nothing rewritten");

    let attachments: BTreeSet<String> = files_under(&out)
        .into_iter()
        .filter(|f| f.starts_with("attachments/"))
        .collect();
    assert!(attachments.contains(&format!("attachments/{SKETCH}.png")));
    assert!(attachments.contains(&format!("attachments/{CAT}.png")));
    let gone = |f: &str| !out.join(f).exists();

    env.run(&["forget", R1, "--yes"]);
    let third = export(&env, &out);
    assert!(
        third.ends_with(
            ": 14 conversations: 0 written, 14 unchanged; linked files: 0 written, 5 unchanged; 4 unused files removed\n"
        ),
        "{third}"
    );
    for f in [
        R1_FILE.to_string(),
        format!("attachments/{SKETCH}.png"),
        format!("attachments/{NOTES}.txt"),
        "canvas/2025-06-27-reading-tabs-here-and-newlines-i-x-i-6b1a2c3d-plan-lisbon-day-1.md"
            .to_string(),
    ] {
        assert!(gone(&f), "{f} left behind");
    }
    assert!(!gone(&format!("attachments/{CAT}.png")), "C4 still uses it");
    assert_eq!(manifest_files(&out), files_under(&out));
}

#[test]
fn attachments_list_shows_stored_and_missing_files() {
    let env = archive();
    let v: Value = serde_json::from_str(&env.run(&[
        "attachments",
        "list",
        "--conversation",
        "6b1a2c3d",
        "--json",
    ]))
    .unwrap();
    let rows = v.as_array().unwrap();
    let names: Vec<(&str, Option<&str>, bool)> = rows
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap(),
                r["sha256"].as_str(),
                r["missing"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("sketch.png", Some(SKETCH), false),
            ("notes.txt", Some(NOTES), false),
            ("lost-scan.pdf", None, true)
        ]
    );
    assert_eq!(
        rows[0]["export_path"],
        format!("attachments/{SKETCH}.png").as_str()
    );
    assert_eq!(rows[0]["mime_type"], "image/png");
    assert_eq!(rows[0]["size"], 73);

    let all = env.run(&["attachments", "list"]);
    let cat_line = all.lines().find(|l| l.contains(CAT)).unwrap();
    assert!(
        cat_line.contains(C4) && cat_line.ends_with("cat.png"),
        "{all}"
    );
    // Its pointer and its upload entry are one row, with what each knew.
    let old_photo = all.lines().find(|l| l.ends_with("old-photo.jpg")).unwrap();
    assert!(
        old_photo.contains("image/jpeg") && old_photo.contains("missing"),
        "{all}"
    );
    assert!(
        all.ends_with("13 files (6 missing: no export held them)\n"),
        "{all}"
    );
}

#[test]
fn tables_escape_control_characters_in_titles() {
    let env = archive();
    let list = env.run(&["list"]);
    let line = list.lines().find(|l| l.contains(R1)).unwrap();
    assert!(
        line.ends_with("Reading: \"tabs\"\\there # and\\nnewlines \\u{7} <i>x</i>"),
        "{list}"
    );
    let history = env.run(&["history", R1]);
    assert!(
        !history.contains('\t') && !history.contains('\u{7}'),
        "{history}"
    );
}
