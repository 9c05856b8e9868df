//! End-to-end with a real Datasette: ingest the fixtures, write `datasette-metadata`, serve the
//! archive on loopback, and check over HTTP that the tables and views are listed, that the
//! search box on `messages` uses the FTS index (Datasette silently ignores `_search` on a table
//! whose index it does not recognise and returns every row: the count is the proof), and that a
//! canned query runs.
//!
//! Datasette is found as $DATASETTE_BIN (set by .ci/run) or `datasette` on PATH. Without it the
//! test says so and passes, except under CI=true, where it must run.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

fn datasette() -> Option<PathBuf> {
    let candidate = std::env::var_os("DATASETTE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("datasette"));
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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn datasette_serves_the_archive_with_search_views_and_canned_queries() {
    let Some(bin) = datasette() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but Datasette is missing: .ci/run installs it (tests/datasette/requirements.txt) and sets DATASETTE_BIN");
        }
        eprintln!("skipped: no Datasette (set DATASETTE_BIN or put `datasette` on PATH; .ci/run installs it)");
        return;
    };
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    let claude = zip_dir(&fixture("claude-2026-03"), &env.path("claude.zip"));
    env.ingest(&[&z24, &z26, &claude]);
    let metadata = env.path("metadata.json");
    std::fs::write(&metadata, env.run(&["datasette-metadata"])).unwrap();

    let port = free_port();
    let log = std::fs::File::create(env.path("datasette.log")).unwrap();
    let server = Server(
        Command::new(&bin)
            .arg("serve")
            .arg(&env.db)
            .arg("--metadata")
            .arg(&metadata)
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

    // Descriptions and facets from the metadata reach the pages.
    let (status, html) = get(port, "/archive/conversation_summary").unwrap();
    assert_eq!(status, 200);
    assert!(
        html.contains("one row per conversation with counts"),
        "view description shown"
    );
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
