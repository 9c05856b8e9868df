//! End-to-end with a real Datasette: ingest the fixtures, write everything with
//! `datasette-metadata --out DIR`, serve the archive on loopback with the README's serve line, and
//! check over HTTP (and in headless Chromium) what a person sees: tables and views listed with
//! internal ones hidden, the search box on `messages` using the FTS index (Datasette silently
//! ignores `_search` on a table whose index it does not recognise and returns every row: the count
//! is the proof), canned queries, the conversation page (order, complete messages, Markdown,
//! images, canvas), the search page, attachments served safely, and planted payloads inert.
//!
//! Datasette is found as $DATASETTE_BIN (set by .ci/run) or `datasette` on PATH; Chromium as
//! $CHROMIUM_BIN or `chromium`. Without them a test says so and passes, except under CI=true,
//! where it must run.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::Value;

fn under_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// Datasette, or None after saying why the test is skipped (a failure under CI=true).
fn require_datasette() -> Option<PathBuf> {
    let bin = datasette();
    if bin.is_none() {
        if under_ci() {
            panic!("CI=true but Datasette is missing: .ci/run installs it (tests/datasette/requirements.txt) and sets DATASETTE_BIN");
        }
        eprintln!("skipped: no Datasette (set DATASETTE_BIN or put `datasette` on PATH; .ci/run installs it)");
    }
    bin
}

fn datasette() -> Option<PathBuf> {
    working_tool("DATASETTE_BIN", "datasette")
}

/// The program `$var` names (else `default` on PATH), when `--version` runs.
fn working_tool(var: &str, default: &str) -> Option<PathBuf> {
    let candidate = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    let works = Command::new(&candidate)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    works.then_some(candidate)
}

/// Stops the server however the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A plain HTTP/1.0 GET (no chunked encoding to undo); returns status and body.
fn get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Ok((status, body.to_string()))
}

fn get_json(port: u16, path: &str) -> Value {
    let (status, body) = get(port, path).unwrap();
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
}

/// Runs `datasette-metadata --out site` and serves the archive with the very `datasette serve`
/// line it prints (metadata, templates, plugins, settings), on a free loopback port.
fn serve(env: &Env, bin: &Path) -> (Server, u16) {
    serve_file(env, bin, &env.db)
}

/// As [`serve`], for an archive file of any name (Datasette names the database after it).
fn serve_file(env: &Env, bin: &Path, db: &Path) -> (Server, u16) {
    let site = env.path("site");
    let chatarchive = |args: &[&str]| -> String {
        let out = assert_cmd::Command::cargo_bin("chatarchive")
            .unwrap()
            .arg("--db")
            .arg(db)
            .args(args)
            .env_remove("CHATARCHIVE_DB")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let printed = chatarchive(&["datasette-metadata", "--out", site.to_str().unwrap()]);
    let line = printed
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("datasette serve "))
        .unwrap_or_else(|| panic!("no serve line in {printed}"));
    // Without --out the same metadata is printed.
    assert_eq!(
        chatarchive(&["datasette-metadata"]),
        std::fs::read_to_string(site.join("metadata.json")).unwrap()
    );
    let port = free_port();
    let log = std::fs::File::create(env.path("datasette.log")).unwrap();
    let server = Server(
        Command::new(bin)
            .args(shell_words(line).iter().skip(1))
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while get(port, "/-/versions.json").map(|(s, _)| s).unwrap_or(0) != 200 {
        if started.elapsed() > Duration::from_secs(60) {
            let log = std::fs::read_to_string(env.path("datasette.log")).unwrap_or_default();
            panic!("Datasette did not start in 60 s:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    (server, port)
}

/// The words of a POSIX shell line with single quotes and backslashes (what the serve line uses).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let (mut word, mut started, mut quoted) = (String::new(), false, false);
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            c if quoted => word.push(c),
            '\\' => {
                word.extend(chars.next());
                started = true;
            }
            c if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

/// A GET returning status, the response head and the body's bytes.
fn get_bytes(port: u16, path: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP head");
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head, raw[split + 4..].to_vec())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn datasette_serves_the_archive_with_search_views_and_canned_queries() {
    let Some(bin) = require_datasette() else {
        return;
    };
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    let claude = zip_dir(&fixture("claude-2026-03"), &env.path("claude.zip"));
    env.ingest(&[&z24, &z26, &claude]);
    let (server, port) = serve(&env, &bin);
    let version = get_json(port, "/-/versions.json");
    assert!(
        version["datasette"]["version"]
            .as_str()
            .unwrap()
            .starts_with("0."),
        "{version}"
    );

    // The database is named after the file: archive.db → /archive.
    let db = get_json(port, "/archive.json");
    let names = |key: &str| -> Vec<String> {
        db[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    };
    let tables = names("tables");
    for t in [
        "conversations",
        "messages",
        "conversation_versions",
        "imports",
        "messages_fts",
    ] {
        assert!(tables.contains(&t.to_string()), "{t} not in {tables:?}");
    }
    // Storage the views read for the user is listed only under "hidden tables".
    let hidden: Vec<String> = db["tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["hidden"] == true)
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    for t in [
        "attachment_chunks",
        "node_revisions",
        "version_nodes",
        "current_thread_positions",
        "message_revisions",
        "messages_fts",
        "messages_fts_data",
        "_chatarchive_migrations",
    ] {
        assert!(
            hidden.contains(&t.to_string()),
            "{t} not hidden: {hidden:?}"
        );
    }
    for t in ["conversations", "messages", "attachments", "imports"] {
        assert!(!hidden.contains(&t.to_string()), "{t} hidden");
    }
    let views = names("views");
    for v in [
        "conversation_summary",
        "daily_activity",
        "model_usage",
        "current_thread",
        "version_messages",
    ] {
        assert!(views.contains(&v.to_string()), "{v} not in {views:?}");
    }

    // The search box: exactly the one message, not the whole table.
    let all = get_json(port, "/archive/messages.json?_shape=objects&_size=1");
    assert_eq!(
        all["filtered_table_rows_count"], 75,
        "60 ChatGPT, 15 Claude"
    );
    let hit = get_json(
        port,
        "/archive/messages.json?_search=quokkaberry&_shape=objects",
    );
    assert_eq!(hit["filtered_table_rows_count"], 1, "{hit}");
    let rows = hit["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], "aaa27f06-7a1d-4515-9d65-61e92f7fcdd3");
    assert_eq!(rows[0]["conversation_id"], C1);
    let punct = get_json(
        port,
        "/archive/messages.json?_search=%22C%2B%2B%22&_shape=objects",
    );
    assert_eq!(
        punct["filtered_table_rows_count"], 2,
        "\"C++\": c2.u1 and c2.a1"
    );

    // Project documents have their own search box (V10).
    let doc = get_json(
        port,
        "/archive/project_doc_revisions.json?_search=foxglint&_shape=objects",
    );
    assert_eq!(doc["filtered_table_rows_count"], 1, "{doc}");
    assert_eq!(doc["rows"][0]["filename"], "packing-list.md");

    // Canned queries from docs/queries.md.
    let deleted = get_json(port, "/archive/deleted_upstream.json?_shape=objects");
    let rows = deleted["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{deleted}");
    assert_eq!(rows[0]["conversation_id"], C6);
    let search = get_json(
        port,
        "/archive/search_messages.json?_shape=objects&q=borrowfrond",
    );
    assert_eq!(
        search["rows"][0]["message_id"],
        "5e7f55ea-76bb-4ddd-b718-b49b26119b38"
    );

    // The canned query reads the query as `chatarchive search` does: node.js and C++ work.
    let node = get_json(
        port,
        "/archive/search_messages.json?_shape=objects&q=node.js",
    );
    assert!(
        !node["rows"].as_array().unwrap().is_empty(),
        "search_messages q=node.js: {node}"
    );

    // Descriptions and facets from the metadata reach the pages; column descriptions are
    // folded, not a screen of text before the rows.
    let (status, html) = get(port, "/archive/conversation_summary").unwrap();
    assert_eq!(status, 200);
    assert!(
        html.contains("one row per conversation with counts"),
        "view description shown"
    );
    let folded = html
        .find("<details class=\"column-descriptions-toggle\">")
        .expect("column descriptions folded");
    let list = html.find("<dl class=\"column-descriptions\">").unwrap();
    let rows = html.find("<table class=\"rows-and-columns\">").unwrap();
    assert!(folded < list && list < rows);
    let conv = get_json(port, "/archive/conversations.json?_size=0");
    let facets = conv["facet_results"].as_object().unwrap();
    assert!(facets.contains_key("model"), "{:?}", facets.keys());

    // Both providers in one archive: a provider facet where it makes sense, with both values
    // and their counts, and the views filter on it.
    let counts = |path: &str| -> Vec<(String, i64)> {
        let v = get_json(port, path);
        let mut c: Vec<(String, i64)> = v["facet_results"]["provider"]["results"]
            .as_array()
            .unwrap_or_else(|| panic!("no provider facet on {path}: {v}"))
            .iter()
            .map(|r| {
                (
                    r["value"].as_str().unwrap().to_string(),
                    r["count"].as_i64().unwrap(),
                )
            })
            .collect();
        c.sort();
        c
    };
    let both = |a: i64, b: i64| vec![("chatgpt".to_string(), a), ("claude".to_string(), b)];
    assert_eq!(
        counts("/archive/conversation_summary.json?_size=0"),
        both(9, 3)
    );
    assert_eq!(counts("/archive/conversations.json?_size=0"), both(9, 3));
    assert_eq!(counts("/archive/imports.json?_size=0"), both(2, 1));
    assert_eq!(counts("/archive/current_thread.json?_size=0"), both(45, 12));
    let claude_days = get_json(
        port,
        "/archive/daily_activity.json?provider=claude&_shape=objects&_sort=date",
    );
    let days: Vec<&str> = claude_days["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["date"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2024-05-03", "2026-02-20", "2026-02-27"]);
    let per_provider = get_json(port, "/archive/messages_per_provider.json?_shape=objects");
    assert_eq!(per_provider["rows"][1]["provider"], "claude");
    assert_eq!(per_provider["rows"][1]["messages"], 15);
    drop(server);
}

/// fixtures/datasette-reader: one conversation with planted payloads (fixtures/README.md).
const READER: &str = "6a3b0c11-5e7d-8005-a1b2-c3d4e5f6a7b8";
const READER_LONG: &str = "d5000000-0000-4000-8000-000000000007";
const PNG_SHA: &str = "9f1a73312b9ede0b7f0e20ffd13691995f382422721eff6d4f1216a239f9e9cc";
const GIF_SHA: &str = "d2437ddf45aa84303d14cc4569941c1ae58e8accca92216349c1332794015c6f";
const SVG_SHA: &str = "ddf39f485460185e512fed4bfffaa7e3e415f334f10bb11828b6addaff85461d";
const HTM_SHA: &str = "017c1f1084d6772b7cf6155f095b3d2f02a3db90b0980244b00e7066ebf8edd8";
/// An SVG named innocent.png.
const FAKE_SHA: &str = "3b6132eb04fdc30d87e86476e4dbb3c893fa302ffd2c9b47eb7330f8a7fb1e98";
const LONG_THREAD: &str = "6a3b0c11-0000-8005-9000-000000003000";
const LONG_THREAD_MESSAGES: usize = 3000;

/// The big upload of the reader fixture, made here (5 MiB is too much for the repository): a
/// PNG signature and deterministic bytes, over 4 MiB so the archive stores it in chunks.
fn big_png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut x: u32 = 0x1234_5678;
    while bytes.len() < 5 * 1024 * 1024 + 17 {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        bytes.push((x >> 24) as u8);
    }
    bytes
}

fn reader_zip(env: &Env) -> PathBuf {
    let dir = copy_dir(&fixture("datasette-reader"), &env.path("datasette-reader"));
    std::fs::write(
        dir.join("file-RdBig0000000000000000000006-big.png"),
        big_png(),
    )
    .unwrap();
    zip_dir(&dir, &env.path("datasette-reader.zip"))
}

/// An export with one conversation of LONG_THREAD_MESSAGES messages in one thread: more than
/// Datasette's max_returned_rows (1,000).
fn long_thread_zip(env: &Env) -> PathBuf {
    let mut mapping = serde_json::Map::new();
    let id = |i: usize| format!("e5000000-0000-4000-8000-{i:012}");
    mapping.insert(
        "root".into(),
        serde_json::json!({"id": "root", "message": null, "parent": null, "children": [id(0)]}),
    );
    for i in 0..LONG_THREAD_MESSAGES {
        let role = if i % 2 == 0 { "user" } else { "assistant" };
        let text = if i + 1 == LONG_THREAD_MESSAGES {
            "The end of the long thread: finalheron.".to_string()
        } else {
            format!("Message number {i:04} of the long thread.")
        };
        let parent = if i == 0 {
            "root".to_string()
        } else {
            id(i - 1)
        };
        let children: Vec<String> = if i + 1 < LONG_THREAD_MESSAGES {
            vec![id(i + 1)]
        } else {
            vec![]
        };
        mapping.insert(
            id(i),
            serde_json::json!({"id": id(i), "parent": parent, "children": children, "message": {
                "id": id(i), "author": {"role": role, "name": null, "metadata": {}},
                "create_time": 1_780_000_000.0 + i as f64, "update_time": null,
                "content": {"content_type": "text", "parts": [text]},
                "status": "finished_successfully", "end_turn": null, "weight": 1.0,
                "metadata": {}, "recipient": "all"}}),
        );
    }
    let conv = serde_json::json!([{
        "title": "A very long thread", "create_time": 1_780_000_000.0,
        "update_time": 1_780_003_000.0, "mapping": mapping, "moderation_results": [],
        "current_node": id(LONG_THREAD_MESSAGES - 1), "plugin_ids": null,
        "conversation_id": LONG_THREAD, "conversation_template_id": null, "gizmo_id": null,
        "is_archived": false, "safe_urls": [], "default_model_slug": "gpt-4o", "id": LONG_THREAD}]);
    let bytes = serde_json::to_vec(&conv).unwrap();
    zip_entries(
        &env.path("long-thread.zip"),
        &[("conversations.json", &bytes)],
    )
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every `<img ...>` tag's src in a page.
fn image_sources(html: &str) -> Vec<String> {
    html.match_indices("<img")
        .map(|(at, _)| {
            let tag = &html[at..at + html[at..].find('>').unwrap()];
            let src = tag.split("src=\"").nth(1).unwrap_or("");
            src[..src.find('"').unwrap_or(0)].to_string()
        })
        .collect()
}

/// What a planted payload would leave had it run or had it reached the page as markup.
fn assert_inert(html: &str, page: &str) {
    assert!(!html.contains("data-pwned=\""), "{page}: a payload ran");
    for raw in [
        "<script>document",
        "<img src=\"x\"",
        "<svg onload",
        "href=\"javascript:",
        "example.invalid/tracker.png\"><",
    ] {
        assert!(
            !html.contains(raw),
            "{page}: {raw} reached the page as markup"
        );
    }
    for src in image_sources(html) {
        assert!(
            src.starts_with("/archive/-/attachments/"),
            "{page}: an image not from the archive: {src}"
        );
    }
}

/// Indices of `needles` in `html`, which must be in that order.
fn assert_in_order(html: &str, needles: &[&str]) {
    let mut last = 0;
    for n in needles {
        let at = html[last..]
            .find(n)
            .unwrap_or_else(|| panic!("{n:?} missing or out of order"));
        last += at + n.len();
    }
}

const READER_ORDER: &[&str] = &[
    "First question, typed as is",
    "First answer with",
    "Here are my files",
    "Payloads, every one of which",
    "Now a long answer please.",
    "Long answer begins",
    "Long answer ends here: zanzibarquill.",
    "Last question about node.js",
    "Last answer: node.js runs JavaScript",
];

#[test]
fn datasette_shows_conversations_search_and_attachments() {
    let Some(bin) = require_datasette() else {
        return;
    };
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    let reader = reader_zip(&env);
    let long = long_thread_zip(&env);
    let claude = zip_dir(&fixture("claude-2026-03"), &env.path("claude.zip"));
    env.ingest(&[&z24, &z26, &reader, &long, &claude]);
    let (server, port) = serve(&env, &bin);

    // The conversation page: the current thread in order, Markdown rendered for the assistant,
    // the user's text as typed, the abandoned branch absent, the long answer complete.
    let (status, html) = get(port, &format!("/archive/conversation?id={READER}")).unwrap();
    assert_eq!(status, 200, "{html}");
    assert_in_order(&html, READER_ORDER);
    assert!(!html.contains("orphanedmarmot"), "another branch shown");
    assert!(html.contains("<strong>bold words</strong>"));
    assert!(html.contains("<h2>A heading of the answer</h2>"));
    assert!(html.contains("**not bold**, &lt;b&gt;not bold either&lt;/b&gt;\n# not a heading"));
    let long_text = env
        .string(&format!(
            "SELECT text FROM messages WHERE id = '{READER_LONG}'"
        ))
        .unwrap();
    assert!(long_text.len() > 5000);
    let (_, after_bold) = long_text.split_once("**part one**").unwrap();
    assert!(html.contains(after_bold), "the long answer is cut");
    assert!(html.contains("data-role=\"user\"") && html.contains("data-role=\"assistant\""));
    assert!(html.contains("2026-05-28T20:26:47.000Z"), "dates shown");
    assert_inert(&html, "conversation page");
    // A remote Markdown image is a link, never loaded.
    assert!(html.contains("[image: remote tracker]"));

    // Images inline, from the archive, only the raster ones; the others are downloads.
    let images = image_sources(&html);
    let big_sha = sha256_hex(&big_png());
    assert_eq!(
        images,
        [PNG_SHA, GIF_SHA, big_sha.as_str()]
            .iter()
            .map(|s| format!("/archive/-/attachments/{s}"))
            .collect::<Vec<_>>()
    );
    for sha in [SVG_SHA, HTM_SHA, FAKE_SHA] {
        assert!(
            html.contains(&format!("/archive/-/attachments/{sha}\" download>")),
            "{sha} linked as a download"
        );
    }
    assert!(html.contains(">logo.svg</a>") && html.contains(">page.html</a>"));
    // Served over HTTP: identical bytes (the big one reassembled from its chunks in seq order).
    assert!(env.count("SELECT count(*) FROM attachment_chunks") >= 2);
    for (sha, mime) in [
        (PNG_SHA, "image/png"),
        (GIF_SHA, "image/gif"),
        (big_sha.as_str(), "image/png"),
    ] {
        let (status, head, body) = get_bytes(port, &format!("/archive/-/attachments/{sha}"));
        assert_eq!(status, 200);
        assert_eq!(sha256_hex(&body), sha);
        assert!(head.contains(&format!("content-type: {mime}")), "{head}");
        assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    }
    // Anything else (an SVG, an HTML page, an SVG named .png) only as a sandboxed download.
    for sha in [SVG_SHA, HTM_SHA, FAKE_SHA] {
        let (status, head, body) = get_bytes(port, &format!("/archive/-/attachments/{sha}"));
        assert_eq!(status, 200);
        assert_eq!(sha256_hex(&body), sha);
        assert!(
            head.contains("content-type: application/octet-stream"),
            "{head}"
        );
        assert!(head.contains("content-security-policy: sandbox"), "{head}");
        assert!(head.contains("content-disposition: attachment"), "{head}");
        assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    }
    // Datasette's own blob link on the attachments table is a download too, never sniffed.
    let (status, head, _) = get_bytes(
        port,
        &format!("/archive/attachments/{SVG_SHA}.blob?_blob_column=data"),
    );
    assert_eq!(status, 200);
    assert!(head.contains("content-disposition: attachment"), "{head}");
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    let (status, _, _) = get_bytes(port, &format!("/archive/-/attachments/{}", "0".repeat(64)));
    assert_eq!(status, 404);

    // Canvas documents appear with the conversation (C5's poem, two versions).
    let (_, c5) = get(port, &format!("/archive/conversation?id={C5}")).unwrap();
    assert!(c5.contains("Canvas: poem (document, 2 versions)"), "{c5}");
    assert!(c5.contains("Violets are blue"));

    // A call to the image generator reads as its prompt, not as the JSON it was sent as.
    let (_, cat) = get(port, "/archive/conversation?id=66fd1aeb").unwrap();
    assert!(
        cat.contains(
            "<em>Image prompt (1024x1024):</em> A Renaissance oil portrait of a domestic shorthair tabby cat"
        ),
        "{cat}"
    );
    assert!(!cat.contains("&#34;prompt&#34;"), "{cat}");

    // Claude's thinking (a text span of the answer) folded, the answer itself as Markdown.
    let (_, claude_page) = get(port, "/archive/conversation?id=5b8f0a34").unwrap();
    assert!(
        claude_page.contains(
            "<details class=\"span span-reasoning\"><summary>Reasoning</summary><div class=\"plain\">The user pushes to a Vec"
        ),
        "{claude_page}"
    );
    assert!(claude_page.contains("</details><p>Because <code>v.push</code> needs"));

    // 3,000 messages: every one, in order, though Datasette returns at most 1,000 rows.
    let (_, long_page) = get(port, &format!("/archive/conversation?id={LONG_THREAD}")).unwrap();
    assert_eq!(
        long_page.matches("<section class=\"message").count(),
        LONG_THREAD_MESSAGES
    );
    assert_in_order(
        &long_page,
        &[
            "Message number 0000 ",
            "Message number 0999 ",
            "Message number 1000 ",
            "Message number 2998 ",
            "finalheron",
        ],
    );
    // A start of an id is enough, as on the command line.
    let (_, short) = get(port, "/archive/conversation?id=6a3b0c11-5e7d").unwrap();
    assert!(short.contains("Long answer ends here"));
    let (_, unknown) = get(port, "/archive/conversation?id=nope").unwrap();
    assert!(
        unknown.contains("No conversation &#39;nope&#39;"),
        "{unknown}"
    );

    // Every listed conversation links to its page in one click.
    let link = format!("href=\"/archive/conversation?id={READER}\"");
    for page in [
        "/archive/conversations?_size=100",
        "/archive/conversation_summary?_size=100",
        &format!("/archive/conversations/{READER}"),
    ] {
        let (_, html) = get(port, page).unwrap();
        assert!(
            html.contains(&link),
            "{page} has no link to the conversation page"
        );
        assert_inert(&html, page);
    }
    // A long cell ends with a link to the whole message.
    let (_, table) = get(port, "/archive/messages?_search=zanzibarquill").unwrap();
    assert!(
        table.contains(&format!(
            "href=\"/archive/conversation?id={READER}#m-{READER_LONG}\">(all 5,176 characters)"
        )),
        "{table}"
    );

    // The search page: the command line's query language, ranked, escaped snippets, links.
    let (status, empty) = get(port, "/archive/search").unwrap();
    assert_eq!(status, 200, "{empty}");
    assert!(empty.contains("<input type=\"search\" name=\"q\""));
    let (status, html) = get(port, "/archive/search?q=--%20%3F").unwrap();
    assert_eq!(status, 400, "a query that cannot be read is a bad request");
    assert!(
        html.contains("it has no letters or digits to look for"),
        "{html}"
    );
    let hits = |q: &str| -> (String, Vec<String>) {
        let (status, html) = get(port, &format!("/archive/search?q={q}")).unwrap();
        assert_eq!(status, 200, "{html}");
        let ids = html
            .match_indices("<li class=\"hit\" data-conversation=\"")
            .map(|(at, m)| html[at + m.len()..at + m.len() + 36].to_string())
            .collect();
        (html, ids)
    };
    let (html, ids) = hits("node.js");
    assert_eq!(ids.len(), 5, "{html}");
    assert!(ids.contains(&READER.to_string()) && ids.contains(&C2.to_string()));
    assert!(html.contains("<mark>node.js</mark>"));
    // The same search as JSON (the canned query's own SQL, through the plugin's functions).
    let json = get_json(port, "/archive/search.json?q=node.js&_shape=objects");
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5, "{json}");
    assert!(rows.iter().all(|r| r["snippet"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains("[node.js]")));

    // The command line's --role and --provider, as the page's two selects.
    let (_, ids) = hits("node.js&role=user");
    assert_eq!(ids, [READER, C2], "the two user messages, best first");
    let (html, ids) = hits("node.js&provider=claude");
    assert!(ids.is_empty(), "{html}");
    let (_, ids) = hits("%22C%2B%2B%22");
    assert!(ids.contains(&READER.to_string()), "C++");
    let (html, ids) = hits("payloadwombat");
    assert_eq!(ids, [READER]);
    assert!(html.contains("<mark>payloadwombat</mark>"));
    assert!(
        html.contains("&lt;svg onload="),
        "snippet text escaped: {html}"
    );
    assert!(html.contains(&format!(
        "href=\"/archive/conversation?id={READER}#m-d5000000-0000-4000-8000-000000000005\""
    )));
    assert_inert(&html, "search page");
    // C6 was deleted upstream (fixtures/README.md): its hit says so, others do not.
    let (html, ids) = hits("zanzibarite");
    assert_eq!(ids, [C6]);
    assert!(html.contains("· deleted upstream"), "{html}");
    let (html, _) = hits("payloadwombat");
    assert!(!html.contains("· deleted upstream"));
    let (html, ids) = hits("orphanedmarmot");
    assert_eq!(ids, [READER]);
    assert!(html.contains("another branch or an older version"));
    let (html, ids) = hits("%E9%87%8C%E6%96%AF%E6%9C%AC"); // 里斯本: substring search
    assert!(ids.contains(&C1.to_string()), "{html}");
    assert!(html.contains("<mark>里斯本</mark>"));
    drop(server);
}

/// The Python unit tests of the plugin (tests/datasette/test_plugin.py) on the plugin this
/// binary writes, with the shared search cases when tests/search/cases.json exists.
#[test]
fn datasette_plugin_python_tests() {
    let Some(bin) = require_datasette() else {
        return;
    };
    // The venv's Python when Datasette comes from one, else python3.
    let python = bin
        .parent()
        .map(|d| d.join("python"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("python3"));
    let env = Env::new();
    let site = env.path("site");
    env.run(&["datasette-metadata", "--out", site.to_str().unwrap()]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = Command::new(&python);
    env.run(&[
        "ingest",
        "--account",
        "search-cases",
        search_corpus_path().to_str().unwrap(),
    ]);
    cmd.env("CHATARCHIVE_SEARCH_DB", &env.db);
    let out = cmd
        .args(["-m", "unittest", "discover", "-v", "-s"])
        .arg(root.join("tests/datasette"))
        .args(["-p", "test_*.py"])
        .env("CHATARCHIVE_SITE", &site)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "Python tests failed:\n{report}");
    assert!(report.contains("OK"), "{report}");
    eprintln!("{report}");
}

fn chromium() -> Option<PathBuf> {
    working_tool("CHROMIUM_BIN", "chromium")
}

/// Chromium, or None after saying why the test is skipped; under CI a missing one fails.
fn require_chromium() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        if under_ci() {
            panic!("CI=true but Chromium is missing: .ci/run installs Debian's chromium");
        }
        eprintln!("skipped: no Chromium (set CHROMIUM_BIN or put `chromium` on PATH; .ci/run installs it)");
    }
    found
}

/// Headless Chromium on a page: the DOM after scripts ran (and images loaded or failed), and a
/// screenshot for a person to look at.
fn browse(chromium: &Path, env: &Env, url: &str, screenshot: &Path) -> String {
    let profile = tempfile::tempdir_in(env.dir.path()).unwrap();
    let run = |mode: &[String]| -> Vec<u8> {
        let mut child = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--virtual-time-budget=5000",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(mode)
            .arg(url)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = Vec::new();
        child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
        let started = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if started.elapsed() > Duration::from_secs(90) {
                let _ = child.kill();
                panic!("chromium hung on {url}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        out
    };
    let dom = String::from_utf8_lossy(&run(&["--dump-dom".to_string()])).into_owned();
    run(&[
        format!("--screenshot={}", screenshot.display()),
        "--window-size=1280,2400".into(),
    ]);
    assert!(
        dom.contains("</html>"),
        "no DOM from chromium for {url}: {dom}"
    );
    dom
}

#[test]
fn chromium_renders_the_pages_a_person_reads() {
    let Some(bin) = require_datasette() else {
        return;
    };
    let Some(chromium) = require_chromium() else {
        return;
    };
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    let reader = reader_zip(&env);
    env.ingest(&[&z24, &z26, &reader]);
    let (server, port) = serve(&env, &bin);
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("datasette-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let base = format!("http://127.0.0.1:{port}");

    // Controls: the same payloads on a page that lets them run do leave their mark in the dumped
    // DOM, so the absence checked below means something.
    for (payload, mark) in [
        ("<script>document.documentElement.setAttribute('data-pwned','script')</script>", "script"),
        ("<img src=\"x\" onerror=\"document.documentElement.setAttribute('data-pwned','onerror')\">", "onerror"),
    ] {
        let page = env.path(&format!("control-{mark}.html"));
        std::fs::write(&page, format!("<!doctype html><html><body>{payload}</body></html>")).unwrap();
        let dom = browse(
            &chromium,
            &env,
            &format!("file://{}", page.display()),
            &shots.join(format!("control-{mark}.png")),
        );
        assert!(
            dom.contains(&format!("data-pwned=\"{mark}\"")),
            "control {mark}: {dom}"
        );
    }

    // The conversation page as rendered: order, the long answer whole, bold, payloads inert.
    let dom = browse(
        &chromium,
        &env,
        &format!("{base}/archive/conversation?id={READER}"),
        &shots.join("conversation.png"),
    );
    assert_in_order(&dom, READER_ORDER);
    let long_text = env
        .string(&format!(
            "SELECT text FROM messages WHERE id = '{READER_LONG}'"
        ))
        .unwrap();
    let (_, after_bold) = long_text.split_once("**part one**").unwrap();
    assert!(
        dom.contains(after_bold),
        "the long answer is cut in the browser"
    );
    assert!(dom.contains("<strong>bold words</strong>"));
    assert!(dom.contains("<strong>part one</strong>"));
    assert_inert(&dom, "conversation page in Chromium");
    let html_tag = &dom[dom.find("<html").unwrap()..];
    let html_tag = &html_tag[..html_tag.find('>').unwrap()];
    assert!(!html_tag.contains("data-pwned"), "{html_tag}");
    // The browser fetched the inline images from the archive (Datasette's access log).
    let log = std::fs::read_to_string(env.path("datasette.log")).unwrap();
    for sha in [PNG_SHA, GIF_SHA] {
        assert!(
            log.contains(&format!(
                "\"GET /archive/-/attachments/{sha} HTTP/1.1\" 200"
            )),
            "{sha} not fetched by the browser:\n{log}"
        );
    }

    // A search: ranked hits linking to the conversation, escaped snippets.
    let dom = browse(
        &chromium,
        &env,
        &format!("{base}/archive/search?q=payloadwombat"),
        &shots.join("search.png"),
    );
    assert!(dom.contains("<mark>payloadwombat</mark>"), "{dom}");
    assert!(dom.contains(&format!("/archive/conversation?id={READER}#m-")));
    assert_inert(&dom, "search page in Chromium");

    // The conversation list: every row links to its page; the title's payload is text.
    let dom = browse(
        &chromium,
        &env,
        &format!("{base}/archive/conversation_summary?_size=100"),
        &shots.join("conversation_summary.png"),
    );
    for c in [READER, C1, C2, C5, C9] {
        assert!(
            dom.contains(&format!("href=\"/archive/conversation?id={c}\"")),
            "{c} not linked"
        );
    }
    assert!(dom.contains("Reader test &lt;script&gt;"));
    assert_inert(&dom, "conversation_summary in Chromium");
    for shot in ["conversation.png", "search.png", "conversation_summary.png"] {
        let bytes = std::fs::read(shots.join(shot)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{shot} is not a screenshot");
    }
    eprintln!("screenshots in {}", shots.display());
    drop(server);
}

/// A file name Datasette must encode ("my archive" → `/my+archive`, templates
/// `query-my-archive-f3bab3-*.html`): the pages, links and search still work.
/// An image-generator call whose prompt carries the planted payloads: on the conversation page,
/// in a real browser, it reads as the prompt line, as text, and nothing runs.
#[test]
fn chromium_shows_a_hostile_image_prompt_as_text() {
    let Some(bin) = require_datasette() else {
        return;
    };
    let Some(chromium) = require_chromium() else {
        return;
    };
    let env = Env::new();
    let prompt = "A cat <script>document.documentElement.setAttribute('data-pwned','script')</script> \
                  <img src=\"x\" onerror=\"document.documentElement.setAttribute('data-pwned','onerror')\"> \
                  **not bold**";
    let call = serde_json::json!({"prompt": prompt, "size": "1024x1024"}).to_string();
    let message = |id: &str, role: &str, text: &str, t: f64| {
        serde_json::json!({"id": id, "author": {"role": role}, "create_time": t,
                           "content": {"content_type": "text", "parts": [text]}})
    };
    let conv = serde_json::json!([{
        "id": "image-prompt-page", "title": "Hostile prompt", "create_time": 1780000000.0,
        "update_time": 1780000002.0, "current_node": "a",
        "mapping": {
            "root": {"id": "root", "parent": null, "message": null},
            "u": {"id": "u", "parent": "root", "message": message("u", "user", "draw a cat", 1780000000.0)},
            "a": {"id": "a", "parent": "u", "message": message("a", "assistant", &call, 1780000001.0)},
        },
    }]);
    let file = env.path("conversations.json");
    std::fs::write(&file, serde_json::to_vec(&conv).unwrap()).unwrap();
    env.run(&["ingest", "--account", "me", file.to_str().unwrap()]);
    let (server, port) = serve(&env, &bin);
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("datasette-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let dom = browse(
        &chromium,
        &env,
        &format!("http://127.0.0.1:{port}/archive/conversation?id=image-prompt-page"),
        &shots.join("image-prompt.png"),
    );
    drop(server);
    assert!(dom.contains("Image prompt (1024x1024):"), "{dom}");
    assert!(
        dom.contains("A cat &lt;script&gt;document"),
        "the prompt is shown as text: {dom}"
    );
    assert!(
        dom.contains("**not bold**"),
        "the prompt is not Markdown: {dom}"
    );
    assert!(
        !dom.contains("\"prompt\":") && !dom.contains("&quot;prompt&quot;"),
        "{dom}"
    );
    assert_inert(&dom, "image prompt in Chromium");
}

#[test]
fn datasette_pages_work_for_a_database_name_that_needs_encoding() {
    let Some(bin) = require_datasette() else {
        return;
    };
    let env = Env::new();
    let reader = reader_zip(&env);
    env.ingest(&[&reader]);
    let db = env.path("my archive's chats.db");
    env.run(&["backup", db.to_str().unwrap()]);
    let (server, port) = serve_file(&env, &bin, &db);
    let site = env.path("site/templates");
    let css = "my-archives-chats-";
    let names: Vec<String> = std::fs::read_dir(&site)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with(&format!("query-{css}")) && n.ends_with("-conversation.html")),
        "{names:?}"
    );
    let base = "/my+archive~27s+chats";
    let (status, page) = get(port, &format!("{base}/conversation?id={READER}")).unwrap();
    assert_eq!(status, 200, "{page}");
    assert_in_order(&page, READER_ORDER);
    let (_, search) = get(port, &format!("{base}/search?q=payloadwombat")).unwrap();
    assert!(
        search.contains(&format!(
            "href=\"{base}/conversation?id={READER}#m-d5000000-0000-4000-8000-000000000005\""
        )),
        "{search}"
    );
    let (_, list) = get(port, &format!("{base}/conversation_summary")).unwrap();
    assert!(list.contains(&format!("href=\"{base}/conversation?id={READER}\"")));
    let (_, home) = get(port, base).unwrap();
    assert!(
        home.contains(&format!("<a href=\"{base}/search\">")),
        "{home}"
    );
    drop(server);
}
