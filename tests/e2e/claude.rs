//! End-to-end: Claude.ai exports in every delivery shape, through the same pipeline as ChatGPT,
//! into the same archive. Real ZIPs built from `fixtures/claude-*`, the real binary, assertions
//! on rows (facts in fixtures/README.md, "Claude fixtures").

use std::path::{Path, PathBuf};

use crate::common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

const A: &str = "4f9a2c1e-7b3d-4e8a-9c21-5d6e7f8a9b0c";
const B: &str = "7d1e0b2a-3c4f-4a5b-8c6d-9e0f1a2b3c4d";
const C: &str = "a3b4c5d6-e7f8-4091-a2b3-c4d5e6f70819";
const K1: &str = "5b8f0a34-6c1d-4e2f-9a3b-7c4d5e6f7081";
const K2: &str = "c2e9d1a0-8f7b-4c6d-b5a4-3e2f1d0c9b8a";
const K3: &str = "0e7c3b5a-2d4f-4b6e-8a1c-9f3e5d7b1a2c";
const K4: &str = "9d4c2b1a-0f8e-4d7c-a6b5-4c3d2e1f0a9b";
const P1: &str = "e1f2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7";
const P2: &str = "f0e1d2c3-b4a5-4968-8778-695a4b3c2d1e";
const P3: &str = "1a2b3c4d-5e6f-4071-8293-a4b5c6d7e8f9";
const T1: &str = "11111111-aaaa-4bbb-8ccc-000000000001";
const T2: &str = "22222222-aaaa-4bbb-8ccc-000000000002";
const T3: &str = "33333333-aaaa-4bbb-8ccc-000000000003";
const MANIFEST: &str = "manifest-4f9a2c1e-7b3d-4e8a-9c21-5d6e7f8a9b0c-2026-09-01.json";
const PLACEHOLDER: &str = "This block is not supported on your current device yet.";

fn counts(report: &Value, what: &str) -> (i64, i64, i64, i64) {
    let c = &report[what];
    (
        c["new"].as_i64().unwrap(),
        c["changed"].as_i64().unwrap(),
        c["unchanged"].as_i64().unwrap(),
        c["deleted"].as_i64().unwrap(),
    )
}

fn march_zip(env: &Env) -> PathBuf {
    zip_dir(
        &fixture("claude-2026-03"),
        &env.path("data-2026-03-02-15-59-23-batch-0000.zip"),
    )
}

/// The September export as delivered: the manifest beside one ZIP per category, each ZIP
/// built from the fixture folder of the same name.
fn september(env: &Env) -> PathBuf {
    september_in(env, "claude-2026-09")
}

fn september_in(env: &Env, folder: &str) -> PathBuf {
    zip_parts(&fixture("claude-2026-09"), &env.path(folder))
}

fn texts(env: &Env, sql: &str) -> Vec<String> {
    env.conn()
        .prepare(sql)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Each element of a JSON array file, as raw bytes.
fn elements(file: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(file).unwrap();
    let mut s =
        chatarchive::json::split::ArraySplitter::new(std::io::BufReader::new(&bytes[..]), 1 << 30);
    let mut out = Vec::new();
    while let Some(e) = s.next_element().unwrap() {
        out.push(e.bytes);
    }
    out
}

fn sha256(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn every_delivery_shape_reads_the_same_export() {
    // The single ZIP, the same unpacked, and its bare conversations.json.
    let zipped = Env::new();
    let r = zipped.ingest_one(&march_zip(&zipped));
    assert_eq!(r["provider"], "claude");
    assert_eq!(r["account_id"], A);
    assert_eq!(counts(&r, "conversations"), (3, 0, 0, 0));
    assert_eq!(r["messages"]["new"], 15);
    assert_eq!(counts(&r, "projects"), (2, 0, 0, 0));
    assert_eq!(r["memories"], 2);
    assert_eq!(r["unknown_content_types"]["map_widget"], 1);
    let folder = Env::new();
    folder.ingest_one(&fixture("claude-2026-03"));
    let bare = Env::new();
    let r = bare.ingest_one(&fixture("claude-2026-03").join("conversations.json"));
    assert_eq!(
        r["provider"], "claude",
        "recognised from the conversations alone"
    );
    assert_eq!(counts(&r, "conversations"), (3, 0, 0, 0));
    for env in [&zipped, &folder, &bare] {
        assert_eq!(env.count("SELECT count(*) FROM messages"), 15);
        assert_eq!(
            env.count("SELECT count(*) FROM conversations WHERE provider = 'claude'"),
            3
        );
        env.assert_consistent();
    }
    assert_eq!(folder.count("SELECT count(*) FROM projects"), 2);
    // A bare conversations.json names no account: the conversations say theirs, but the import
    // covers only the accounts it holds conversations of.
    assert_eq!(bare.string("SELECT account_id FROM imports"), None);
    // Schema 1.0: every account_id has its accounts row, here one no account file described.
    assert_eq!(
        bare.string("SELECT id || ' ' || raw FROM accounts"),
        Some(format!("{A} {{}}"))
    );
    assert_eq!(
        bare.string(&format!(
            "SELECT account_id FROM conversations WHERE id = '{K1}'"
        ))
        .as_deref(),
        Some(A)
    );

    // The manifest and its ZIPs: the folder, or the manifest file itself, is one export.
    let sept = Env::new();
    let dir = september(&sept);
    let r = sept.ingest_one(&dir);
    assert_eq!(counts(&r, "conversations"), (3, 0, 0, 0));
    assert_eq!(r["messages"]["new"], 17);
    assert_eq!(counts(&r, "projects"), (2, 0, 0, 0));
    assert_eq!(r["memories"], 3, "memories/<account>.json as one object");
    assert_eq!(r["account_id"], A, "users.json from light_metadata-000.zip");
    let warnings = r["warnings"].to_string();
    assert!(
        warnings.contains("design_chats-000.zip") && !warnings.contains("projects-000.zip"),
        "{warnings}"
    );
    let by_file = Env::new();
    let dir = september(&by_file);
    let r = by_file.ingest_one(&dir.join(MANIFEST));
    assert_eq!(counts(&r, "conversations"), (3, 0, 0, 0));
    assert_eq!(r["memories"], 3);
    assert_eq!(by_file.count("SELECT count(*) FROM project_docs"), 3);
    assert_eq!(
        by_file
            .string("SELECT source FROM memory_records")
            .as_deref(),
        Some(format!("memories-000.zip/memories/{A}.json").as_str())
    );

    // The mid-2026 shape: projects/<uuid>.json, zipped.
    let team = Env::new();
    let r = team.ingest_one(&zip_dir(&fixture("claude-2026-06"), &team.path("team.zip")));
    assert_eq!(counts(&r, "conversations"), (3, 0, 0, 0));
    assert_eq!(counts(&r, "projects"), (2, 0, 0, 0));
    assert_eq!(team.count("SELECT count(*) FROM project_docs"), 1);
}

#[test]
fn messages_follow_the_documented_rules() {
    let env = Env::new();
    env.ingest(&[&march_zip(&env), &september(&env)]);
    // Conversation fields: name → title, summary kept (empty is NULL), ISO times rounded.
    assert_eq!(
        env.string(&format!("SELECT summary FROM conversations WHERE id = '{K1}'"))
            .unwrap(),
        "Inês asked why the borrow checker rejects pushing to a Vec while iterating; the answer moved to HashMap's entry API."
    );
    assert_eq!(
        env.string(&format!(
            "SELECT summary FROM conversations WHERE id = '{K2}'"
        )),
        None
    );
    assert_eq!(
        env.string(&format!(
            "SELECT created_at FROM conversations WHERE id = '{K1}'"
        ))
        .as_deref(),
        Some("2026-02-20T09:00:00.988Z"),
        ".987654 rounds to .988"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM messages WHERE role NOT IN ('user', 'assistant')"),
        0,
        "sender human → user"
    );
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM messages WHERE conversation_id = '{K1}' AND parent_id IS NULL"
        )),
        1,
        "the root's parent 00000000-… is no message"
    );

    // Branches: every edit and regeneration kept; the thread follows the latest leaf.
    let thread = texts(
        &env,
        &format!(
            "SELECT text FROM current_thread WHERE conversation_id = '{K1}' ORDER BY position"
        ),
    );
    assert_eq!(thread.len(), 6);
    assert!(thread[2].contains("hashmeadow") && thread[3].contains("emberquay"));
    assert!(thread[5].contains("struct Parser"));
    for abandoned in ["quillstone", "velvetoak", "cinderloom"] {
        assert!(!thread.iter().any(|t| t.contains(abandoned)), "{abandoned}");
        assert_eq!(
            env.count(&format!(
                "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH '{abandoned}'"
            )),
            1
        );
    }
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM messages m WHERE conversation_id = '{K1}' AND NOT EXISTS
               (SELECT 1 FROM messages k WHERE k.conversation_id = m.conversation_id AND k.parent_id = m.id)"
        )),
        3,
        "leaves: a2a, a2b1, a3"
    );
    // Flat older conversation: one thread in array order.
    let flat = texts(
        &env,
        &format!(
            "SELECT text FROM current_thread WHERE conversation_id = '{K3}' ORDER BY position"
        ),
    );
    assert_eq!(flat.len(), 4);
    assert!(flat[0].contains("oldmossy") && flat[3].contains("riverplume"));

    // Content blocks are the source of truth: no placeholder reaches the text.
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM messages WHERE text LIKE '%{PLACEHOLDER}%'"
        )),
        0
    );
    assert!(
        env.count(&format!(
            "SELECT count(*) FROM messages WHERE raw LIKE '%{PLACEHOLDER}%'"
        )) > 0,
        "the raw message still has it"
    );
    // Spans: thinking marked as reasoning inside an answering message; a message of nothing
    // but thinking is reasoning as a whole.
    let span = |word: &str| {
        env.string(&format!(
            "SELECT json_extract(s.value, '$.kind') FROM messages m, json_each(m.text_spans) s
             WHERE m.text LIKE '%{word}%'
               AND substr(m.text, json_extract(s.value, '$.start') + 1,
                          json_extract(s.value, '$.end') - json_extract(s.value, '$.start')) LIKE '%{word}%'"
        ))
    };
    assert_eq!(span("marrowlight").as_deref(), Some("reasoning"));
    assert_eq!(span("driftlantern").as_deref(), Some("reasoning"));
    assert_eq!(span("harborquill").as_deref(), Some("tool_result"));
    assert_eq!(
        span("Cais do Sodré Seixal ferry").as_deref(),
        Some("tool_use")
    );
    assert_eq!(span("gravelmint").as_deref(), Some("tool_result"));
    assert_eq!(span("orchidvane").as_deref(), Some("context"));
    assert_eq!(span("saltmarrow").as_deref(), Some("attachment"));
    assert_eq!(span("lanternquay"), None, "the answer itself is plain text");
    assert_eq!(
        env.count("SELECT reasoning FROM messages WHERE text LIKE '%marrowlight%'"),
        0
    );
    assert_eq!(
        env.count("SELECT reasoning FROM messages WHERE text LIKE '%wickerfoam%'"),
        1
    );
    let k4 = texts(
        &env,
        &format!("SELECT text FROM current_thread WHERE conversation_id = '{K4}' AND reasoning = 0 ORDER BY position"),
    );
    assert_eq!(
        k4.len(),
        3,
        "the thinking-only message is reasoning: {k4:?}"
    );
    // Tools are paired by name and order: each call is followed by its own result.
    let a1 = env
        .string("SELECT text FROM messages WHERE text LIKE '%harborquill%'")
        .unwrap();
    let at = |s: &str| a1.find(s).unwrap();
    assert!(at("query: Cais") < at("harborquill") && at("harborquill") < at("url: https"));
    assert!(at("url: https") < at("pebblechart") && at("pebblechart") < at("lanternquay"));
    assert!(env
        .string("SELECT text FROM messages WHERE text LIKE '%gravelmint%'")
        .unwrap()
        .contains("repl (error)"));
    assert_eq!(
        env.string("SELECT content_type FROM messages WHERE text LIKE '%lanternquay%'")
            .as_deref(),
        Some("thinking,text,tool_use,tool_result,token_budget")
    );
    // Everything is searchable: attachment text, voice notes, unknown blocks.
    for word in ["saltmarrow", "murmurtide", "frostgully", "driftlantern"] {
        assert_eq!(
            env.count(&format!(
                "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH '{word}'"
            )),
            1,
            "{word}"
        );
    }
}

#[test]
fn show_original_is_lossless_for_every_claude_conversation_and_project() {
    let env = Env::new();
    let sept = september(&env);
    env.ingest(&[
        &march_zip(&env),
        &zip_dir(&fixture("claude-2026-06"), &env.path("team.zip")),
        &sept,
    ]);
    let files = [
        fixture("claude-2026-03/conversations.json"),
        fixture("claude-2026-06/conversations.json"),
        fixture("claude-2026-09/conversations-000/conversations.json"),
    ];
    let mut checked = 0;
    for file in &files {
        for e in elements(file) {
            let expected = chatarchive::json::canon::canonical_string(&e).unwrap();
            let id = serde_json::from_slice::<Value>(&e).unwrap()["uuid"]
                .as_str()
                .unwrap()
                .to_string();
            let version = env.count(&format!(
                "SELECT version FROM conversation_versions WHERE conversation_id = '{id}' AND content_sha256 = '{}'",
                sha256(&expected)
            ));
            let shown = env.run(&[
                "show",
                &id,
                "--format",
                "original",
                "--version",
                &version.to_string(),
            ]);
            let got = chatarchive::json::canon::canonical_string(shown.trim().as_bytes()).unwrap();
            assert_eq!(got, expected, "original of {id} v{version} differs");
            checked += 1;
        }
    }
    assert_eq!(checked, 9);
    // Projects, in both shapes, rebuilt from their envelope and documents.
    let conn = env.conn();
    let mut projects: Vec<Vec<u8>> = elements(&fixture("claude-2026-03/projects.json"));
    for dir in [
        "claude-2026-06/projects",
        "claude-2026-09/projects-000/projects",
    ] {
        for f in std::fs::read_dir(fixture(dir)).unwrap() {
            projects.push(std::fs::read(f.unwrap().path()).unwrap());
        }
    }
    for p in &projects {
        let expected = chatarchive::json::canon::canonical_string(p).unwrap();
        let vid: i64 = conn
            .query_row(
                "SELECT id FROM project_versions WHERE content_sha256 = ?1",
                [sha256(&expected)],
                |r| r.get(0),
            )
            .unwrap();
        let got = chatarchive::query::project::original_json(&conn, vid).unwrap();
        assert_eq!(
            chatarchive::json::canon::canonical_string(got.as_bytes()).unwrap(),
            expected
        );
    }
    assert_eq!(projects.len(), 6);
}

#[test]
fn versions_dedupe_and_deletions_work_as_for_chatgpt() {
    let env = Env::new();
    let march = march_zip(&env);
    let sept = september(&env);
    let reports = env.ingest(&[&march, &sept]);
    assert_eq!(counts(&reports[1], "conversations"), (1, 1, 1, 1));
    assert_eq!(
        reports[1]["messages"]["new"], 6,
        "k1.h3, k1.a3 and K4's four"
    );
    assert_eq!(counts(&reports[1], "projects"), (1, 1, 0, 1));
    // K1 renamed and continued; version 1 is exactly as it was.
    assert_eq!(
        env.string(&format!(
            "SELECT title FROM conversations WHERE id = '{K1}'"
        ))
        .as_deref(),
        Some("Borrow checker & HashMap")
    );
    assert_eq!(
        env.string(&format!(
            "SELECT title FROM conversation_versions WHERE conversation_id = '{K1}' AND version = 1"
        ))
        .as_deref(),
        Some("Borrow checker questions")
    );
    for (version, n) in [(1, 7), (2, 9)] {
        assert_eq!(
            env.count(&format!(
                "SELECT count(*) FROM version_messages WHERE conversation_id = '{K1}' AND version = {version}"
            )),
            n
        );
    }
    // K2 is the same content in another container: one version. K3 is gone upstream, kept.
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM conversation_versions WHERE conversation_id = '{K2}'"
        )),
        1
    );
    assert_eq!(
        env.count(&format!(
            "SELECT deleted_import_id FROM conversations WHERE id = '{K3}'"
        )),
        2
    );
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM messages WHERE conversation_id = '{K3}'"
        )),
        4
    );
    // Projects: a changed document is a new version; the old document stays with version 1.
    assert_eq!(
        env.count(&format!(
            "SELECT current_version FROM projects WHERE id = '{P1}'"
        )),
        2
    );
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM project_docs WHERE project_id = '{P1}'"
        )),
        2
    );
    let v1_doc = env
        .string(&format!(
            "SELECT r.content FROM project_versions v JOIN project_version_docs vd ON vd.version_id = v.id
             JOIN project_doc_revisions r ON r.id = vd.revision_id WHERE v.project_id = '{P1}' AND v.version = 1"
        ))
        .unwrap();
    assert!(v1_doc.contains("foxglint") && !v1_doc.contains("brinelark"));
    assert_eq!(
        env.count(&format!(
            "SELECT deleted_import_id FROM projects WHERE id = '{P2}'"
        )),
        2
    );
    assert_eq!(
        env.count(&format!(
            "SELECT deleted_import_id IS NULL FROM projects WHERE id = '{P3}'"
        )),
        1
    );
    // Memories are kept per import.
    assert_eq!(
        env.count("SELECT count(*) FROM memories WHERE import_id = 1"),
        2
    );
    assert_eq!(
        env.count("SELECT count(*) FROM memories WHERE import_id = 2"),
        3
    );
    assert_eq!(
        env.count(
            "SELECT count(*) FROM memories WHERE text LIKE '%memorylark%' AND project_id IS NULL"
        ),
        1
    );

    // The same export again is a no-op; forced, everything is unchanged.
    let before = env.digest();
    assert_eq!(env.ingest_one(&sept)["skipped"], true);
    // The manifest file itself names the same files: recognised as the same export.
    assert_eq!(env.ingest_one(&sept.join(MANIFEST))["skipped"], true);
    assert_eq!(env.digest(), before);
    assert_eq!(
        env.count("SELECT count(*) FROM conversation_versions"),
        5,
        "K1 ×2, K2, K3, K4"
    );
    let out = env
        .cmd()
        .args(["ingest", "--json", "--force"])
        .arg(&march)
        .output()
        .unwrap();
    let forced: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(counts(&forced, "conversations"), (0, 0, 3, 0));
    assert_eq!(counts(&forced, "projects"), (0, 0, 2, 0));
    assert_eq!(
        forced["conversations"]["deleted"], 0,
        "an older export judges only what it brings"
    );
    env.assert_consistent();
}

#[test]
fn an_older_claude_export_ingested_later_gives_the_same_state() {
    let state = |env: &Env| -> Vec<String> {
        texts(
            env,
            "SELECT c.id || '|' || coalesce(c.title, '') || '|' || c.current_version || '|' || (c.deleted_import_id IS NOT NULL)
                    || '|' || v.content_sha256
             FROM conversations c JOIN conversation_versions v ON v.id = c.current_version_id
             UNION ALL
             SELECT p.id || '|' || p.name || '|' || p.current_version || '|' || (p.deleted_import_id IS NOT NULL)
                    || '|' || v.content_sha256
             FROM projects p JOIN project_versions v ON v.id = p.current_version_id
             ORDER BY 1",
        )
    };
    let in_order = Env::new();
    in_order.ingest(&[&march_zip(&in_order), &september(&in_order)]);
    let reversed = Env::new();
    let r = reversed.ingest(&[&september(&reversed), &march_zip(&reversed)]);
    assert_eq!(
        counts(&r[1], "conversations").0,
        1,
        "only K3 is new in the older export"
    );
    assert_eq!(
        counts(&r[1], "conversations").3,
        1,
        "and it was gone by September"
    );
    assert_eq!(counts(&r[1], "projects").3, 1, "P2 likewise");
    assert_eq!(state(&in_order), state(&reversed));
    assert_eq!(
        reversed
            .string(&format!(
                "SELECT title FROM conversation_versions WHERE conversation_id = '{K1}' AND version = 1"
            ))
            .as_deref(),
        Some("Borrow checker questions")
    );
    assert_eq!(
        reversed
            .string(&format!("SELECT name FROM accounts WHERE id = '{A}'"))
            .as_deref(),
        Some("Inês Marques")
    );
}

#[test]
fn a_team_export_keeps_each_members_conversations_and_judges_each_account() {
    let env = Env::new();
    let team = copy_dir(&fixture("claude-2026-06"), &env.path("team"));
    let r = env.ingest_one(&team);
    assert_eq!(
        r["account_id"],
        Value::Null,
        "a team export is no one account's"
    );
    assert_eq!(r["accounts"], serde_json::json!([B, C]));
    for (id, account) in [(T1, B), (T2, C), (T3, C)] {
        assert_eq!(
            env.string(&format!(
                "SELECT account_id FROM conversations WHERE id = '{id}'"
            ))
            .as_deref(),
            Some(account)
        );
    }
    assert_eq!(
        texts(&env, "SELECT account_id FROM projects ORDER BY id"),
        [B, C],
        "each project is its creator's"
    );
    assert_eq!(env.count("SELECT count(*) FROM accounts"), 2);
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM memories WHERE account_id = '{C}'"
        )),
        2
    );

    // A later export without T3: only C's T3 is gone; B's conversations are judged apart.
    let later = copy_dir(&fixture("claude-2026-06"), &env.path("later"));
    let convs = elements(&later.join("conversations.json"));
    let mut keep: Vec<String> = convs[..2]
        .iter()
        .map(|c| String::from_utf8(c.clone()).unwrap())
        .collect();
    // Something happened since (T1 was touched), so this export is the newest one.
    keep[0] = keep[0].replace(
        "\"updated_at\": \"2026-06-02T10:00:06.000000Z\"",
        "\"updated_at\": \"2026-06-20T08:00:00.000000Z\"",
    );
    std::fs::write(
        later.join("conversations.json"),
        format!("[{}]", keep.join(", ")),
    )
    .unwrap();
    let r = env.ingest_one(&later);
    assert_eq!(counts(&r, "conversations"), (0, 1, 1, 1));
    assert_eq!(
        texts(
            &env,
            "SELECT id FROM conversations WHERE deleted_import_id IS NOT NULL"
        ),
        [T3]
    );

    // An export covering only B (its users.json names B, its conversations are B's) says
    // nothing about C's conversations.
    let only_b = env.path("only-b");
    std::fs::create_dir_all(&only_b).unwrap();
    let users: Value =
        serde_json::from_slice(&std::fs::read(later.join("users.json")).unwrap()).unwrap();
    std::fs::write(
        only_b.join("users.json"),
        serde_json::to_string(&[&users[0]]).unwrap(),
    )
    .unwrap();
    std::fs::write(only_b.join("conversations.json"), format!("[{}]", keep[0])).unwrap();
    let r = env.ingest_one(&only_b);
    assert_eq!(r["accounts"], serde_json::json!([B]));
    assert_eq!(counts(&r, "conversations"), (0, 0, 1, 0));
    assert_eq!(r["conversations"]["deleted"], 0);
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM conversations WHERE id = '{T2}' AND deleted_import_id IS NULL"
        )),
        1
    );
}

#[test]
fn one_archive_holds_both_providers_and_search_finds_both() {
    let env = Env::new();
    let (chatgpt, _) = fixture_zips(&env);
    env.ingest(&[&chatgpt, &march_zip(&env)]);
    assert_eq!(
        texts(
            &env,
            "SELECT provider || ':' || count(*) FROM conversations GROUP BY provider ORDER BY provider"
        ),
        ["chatgpt:6", "claude:3"]
    );
    // Neither provider's export judges the other's conversations.
    assert_eq!(
        env.count("SELECT count(*) FROM conversations WHERE deleted_import_id IS NOT NULL"),
        0
    );
    let hits = texts(
        &env,
        "SELECT DISTINCT c.provider FROM messages_fts f JOIN messages m ON m.pk = f.rowid
         JOIN conversations c ON c.id = m.conversation_id
         WHERE messages_fts MATCH '\"borrow checker\"' ORDER BY 1",
    );
    assert_eq!(hits, ["chatgpt", "claude"]);
    assert_eq!(
        texts(
            &env,
            "SELECT provider || ':' || id FROM accounts ORDER BY 1"
        ),
        [format!("chatgpt:{ACCOUNT}"), format!("claude:{A}")]
    );
    let shown: Value =
        serde_json::from_str(&env.run(&["show", K1, "--format", "original"])).unwrap();
    assert_eq!(shown["chat_messages"].as_array().unwrap().len(), 7);
    assert_eq!(shown["account"]["uuid"], A);
}

#[test]
fn the_provider_is_recognised_from_the_shape_and_can_be_forced() {
    let env = Env::new();
    // A Claude conversations file under another name.
    let renamed = env.path("download.json");
    std::fs::copy(fixture("claude-2026-03/conversations.json"), &renamed).unwrap();
    assert_eq!(env.ingest_one(&renamed)["provider"], "claude");

    // Neither: said clearly, with what was found.
    let odd = env.path("odd");
    std::fs::create_dir_all(&odd).unwrap();
    std::fs::write(odd.join("conversations.json"), "[]").unwrap();
    std::fs::write(odd.join("notes.txt"), "hello").unwrap();
    let before = env.digest();
    let out = env.cmd().arg("ingest").arg(&odd).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a ChatGPT or Claude export")
            && err.contains("notes.txt")
            && err.contains("--provider"),
        "{err}"
    );
    assert_eq!(env.digest(), before);
    // Forced against its shape: done as asked, with a warning (here a dry run of a repeat).
    let out = env
        .cmd()
        .args([
            "ingest",
            "--json",
            "--dry-run",
            "--force",
            "--provider",
            "chatgpt",
        ])
        .arg(&renamed)
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["provider"], "chatgpt");
    assert!(
        r["warnings"]
            .to_string()
            .contains("looks like a claude export"),
        "{}",
        r["warnings"]
    );
    // Told, it reads it.
    let out = env
        .cmd()
        .args(["ingest", "--json", "--provider", "claude"])
        .arg(&odd)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["provider"], "claude");
    assert_eq!(r["conversations"]["total"], 0);
}

#[test]
fn an_incomplete_or_broken_claude_export_changes_nothing() {
    let env = Env::new();
    env.ingest_one(&march_zip(&env));
    let before = env.digest();

    // A ZIP the manifest names is missing: refused, in both shapes, nothing marked deleted.
    let sept = september(&env);
    std::fs::remove_file(sept.join("projects-000.zip")).unwrap();
    for path in [sept.clone(), sept.join(MANIFEST)] {
        let out = env.cmd().arg("ingest").arg(&path).output().unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("incomplete") && err.contains("projects-000.zip"),
            "{err}"
        );
        assert_eq!(env.digest(), before);
    }

    // A ZIP of another size than the manifest gives (an interrupted download): refused too.
    let sized = september_in(&env, "sized");
    let manifest = sized.join(MANIFEST);
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace(
            "\"file_name\": \"memories-000.zip\"",
            "\"file_name\": \"memories-000.zip\", \"size_bytes\": 1",
        ),
    )
    .unwrap();
    let out = env.cmd().arg("ingest").arg(&sized).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("memories-000.zip") && err.contains("instead of 1"),
        "{err}"
    );
    assert_eq!(env.digest(), before);

    // A broken conversation inside a category ZIP: the ZIP, the file, the conversation named.
    let src = copy_dir(&fixture("claude-2026-09"), &env.path("broken-src"));
    let file = src.join("conversations-000/conversations.json");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("\"name\": ", "\"name\" ", 1)).unwrap();
    let broken = zip_parts(&src, &env.path("broken"));
    let out = env.cmd().arg("ingest").arg(&broken).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("conversations-000.zip/conversations.json")
            && err.contains("conversation #0")
            && err.contains(K1),
        "{err}"
    );
    assert_eq!(env.digest(), before);
    assert_eq!(
        env.count("SELECT count(*) FROM conversations WHERE deleted_import_id IS NOT NULL"),
        0
    );
}

#[test]
fn a_project_that_is_not_an_object_is_named_as_a_project() {
    let env = Env::new();
    let dir = copy_dir(&fixture("claude-2026-03"), &env.path("broken-projects"));
    let mut projects: Value =
        serde_json::from_slice(&std::fs::read(dir.join("projects.json")).unwrap()).unwrap();
    projects.as_array_mut().unwrap().insert(0, Value::Null);
    std::fs::write(
        dir.join("projects.json"),
        serde_json::to_vec(&projects).unwrap(),
    )
    .unwrap();
    let out = env.cmd().arg("ingest").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "projects.json: project #0: invalid type: null, expected a JSON object \
             (a project must be a JSON object)"
        ),
        "{err}"
    );
    assert!(!err.contains("conversation must be"), "{err}");
    assert_eq!(env.count("SELECT count(*) FROM imports"), 0);
}
