//! End-to-end: the core ingest behaviours of issue 3, driven through the real binary on real
//! ZIPs built from `fixtures/`, asserting on the rows.

use crate::common::*;
use serde_json::Value;

fn counts(report: &Value) -> (i64, i64, i64, i64) {
    let c = &report["conversations"];
    (
        c["new"].as_i64().unwrap(),
        c["changed"].as_i64().unwrap(),
        c["unchanged"].as_i64().unwrap(),
        c["deleted"].as_i64().unwrap(),
    )
}

#[test]
fn zip_folder_and_bare_file_read_the_same_conversations() {
    let zipped = Env::new();
    let (zip, _) = fixture_zips(&zipped);
    let r = zipped.ingest_one(&zip);
    assert_eq!(counts(&r), (6, 0, 0, 0));
    assert_eq!(r["messages"]["new"], 47);
    assert_eq!(r["skipped"], false);
    assert_eq!(r["import_id"], 1);

    let folder = Env::new();
    folder.ingest_one(&fixture("chatgpt-2024"));
    let bare = Env::new();
    let r = bare.ingest_one(&fixture("chatgpt-2024").join("conversations.json"));
    assert_eq!(counts(&r), (6, 0, 0, 0));
    for env in [&zipped, &folder, &bare] {
        assert_eq!(env.count("SELECT count(*) FROM messages"), 47);
        assert_eq!(env.count("SELECT count(*) FROM version_nodes"), 53);
        env.assert_consistent();
    }
    // The bare file names no account: nothing can be judged deleted, and the row says so.
    assert_eq!(bare.string("SELECT account_id FROM imports"), None);
    assert_eq!(
        zipped.string("SELECT account_id FROM imports").as_deref(),
        Some(ACCOUNT)
    );
}

#[test]
fn sharded_2026_export_reads_every_shard() {
    let env = Env::new();
    let (_, zip26) = fixture_zips(&env);
    let r = env.ingest_one(&zip26);
    assert_eq!(counts(&r), (8, 0, 0, 0));
    assert_eq!(env.count("SELECT count(*) FROM conversations"), 8);
    // Slim records: no `children`, C8 without conversation_id, C9 without create_time.
    assert_eq!(
        env.string(&format!(
            "SELECT title FROM conversations WHERE id = '{C8}'"
        ))
        .as_deref(),
        Some("Image 2026")
    );
    assert_eq!(
        env.string(&format!(
            "SELECT created_at FROM conversations WHERE id = '{C9}'"
        )),
        None
    );
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM current_thread WHERE conversation_id = '{C2}'"
        )),
        6
    );
}

#[test]
fn the_same_file_twice_is_a_no_op_and_force_ingests_again() {
    let env = Env::new();
    let (zip, _) = fixture_zips(&env);
    env.ingest_one(&zip);
    let before = env.digest();
    let again = env.ingest_one(&zip);
    assert_eq!(again["skipped"], true);
    assert_eq!(again["import_id"], 1);
    assert_eq!(
        env.digest(),
        before,
        "a repeated ingest must not change any row"
    );

    // A copy with another name and time is the same bytes: recognised by its sha256.
    let copy = env.path("copy.zip");
    std::fs::copy(&zip, &copy).unwrap();
    assert_eq!(env.ingest_one(&copy)["skipped"], true);
    assert_eq!(env.digest(), before);

    let forced = env
        .cmd()
        .args(["ingest", "--json", "--force"])
        .arg(&zip)
        .output()
        .unwrap();
    let forced: Value = serde_json::from_slice(&forced.stdout).unwrap();
    assert_eq!(forced["skipped"], false);
    assert_eq!(counts(&forced), (0, 0, 6, 0));
    assert_eq!(forced["messages"]["new"], 0);
    assert_eq!(env.count("SELECT count(*) FROM conversation_versions"), 6);
}

#[test]
fn versions_keep_every_state_and_share_unchanged_nodes() {
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    let reports = env.ingest(&[&z24, &z26]);
    assert_eq!(reports.len(), 2, "one JSON line per export");
    assert_eq!(counts(&reports[1]), (3, 5, 0, 1));
    assert_eq!(reports[1]["messages"]["new"], 13);

    // C1 was renamed: the current title is new, version 1 keeps the old one.
    assert_eq!(
        env.string(&format!(
            "SELECT title FROM conversations WHERE id = '{C1}'"
        ))
        .as_deref(),
        Some("Lisbon trip 2024")
    );
    assert_eq!(
        env.string(&format!("SELECT title FROM conversation_versions WHERE conversation_id = '{C1}' AND version = 1")).as_deref(),
        Some("Trip to Lisbon")
    );
    // C2 was continued: version 2 has two more messages; version 1 is exactly as it was.
    assert_eq!(
        env.count(&format!(
            "SELECT current_version FROM conversations WHERE id = '{C2}'"
        )),
        2
    );
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM version_messages WHERE conversation_id = '{C2}' AND version = 1"
        )),
        8
    );
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM version_messages WHERE conversation_id = '{C2}' AND version = 2"
        )),
        9
    );
    let last_v1 = env.string(&format!(
        "SELECT text FROM version_messages WHERE conversation_id = '{C2}' AND version = 1 AND text LIKE '%nebulark%'"
    ));
    assert_eq!(
        last_v1, None,
        "version 1 must not contain the later message"
    );
    // Every message ever seen is kept once: 47 from 2024 plus 13 new.
    assert_eq!(env.count("SELECT count(*) FROM messages"), 60);
    // The system message dropped by the 2026 export is still there.
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM messages WHERE conversation_id = '{C1}' AND role = 'system'"
        )),
        1
    );
    env.assert_consistent();
}

#[test]
fn a_conversation_missing_upstream_is_kept_and_flagged_and_comes_back() {
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    env.ingest(&[&z24, &z26]);
    assert_eq!(
        env.count(&format!(
            "SELECT deleted_import_id FROM conversations WHERE id = '{C6}'"
        )),
        2
    );
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM messages WHERE conversation_id = '{C6}'"
        )),
        3
    );
    assert_eq!(
        env.count("SELECT count(*) FROM conversations WHERE deleted_import_id IS NOT NULL"),
        1
    );

    // A later export that has it again clears the flag.
    let later = copy_dir(&fixture("chatgpt-2026"), &env.path("later"));
    let c6 = extract_conversation(&fixture("chatgpt-2024").join("conversations.json"), C6);
    let shard = later.join("conversations-001.json");
    let text = std::fs::read_to_string(&shard).unwrap();
    let patched = format!("[{c6}, {}", text.trim_start().strip_prefix('[').unwrap());
    std::fs::write(&shard, &patched).unwrap();
    std::fs::remove_file(later.join("export_manifest.json")).unwrap();
    let r = env.ingest_one(&later);
    assert_eq!(r["conversations"]["restored"], 1);
    assert_eq!(
        env.string(&format!(
            "SELECT deleted_import_id FROM conversations WHERE id = '{C6}'"
        )),
        None
    );
}

/// The raw text of one conversation object from a fixture file (the fixtures are one line, so a
/// brace-matching scan is enough).
fn extract_conversation(file: &std::path::Path, id: &str) -> String {
    let bytes = std::fs::read(file).unwrap();
    let mut s =
        chatarchive::json::split::ArraySplitter::new(std::io::BufReader::new(&bytes[..]), 1 << 30);
    while let Some(e) = s.next_element().unwrap() {
        let text = String::from_utf8(e.bytes).unwrap();
        if text.contains(&format!("\"conversation_id\":\"{id}\""))
            || text.contains(&format!("\"conversation_id\": \"{id}\""))
        {
            return text;
        }
    }
    panic!("{id} not in {}", file.display());
}

#[test]
fn an_older_export_ingested_later_adds_history_without_regressing() {
    let in_order = Env::new();
    let (z24, z26) = fixture_zips(&in_order);
    in_order.ingest(&[&z24, &z26]);
    let reversed = Env::new();
    let r = reversed.ingest(&[&z26, &z24]);
    assert_eq!(counts(&r[1]).0, 1, "only C6 is new in the older export");

    let state = |env: &Env| -> Vec<(String, Option<String>, i64, i64, String)> {
        let conn = env.conn();
        let mut stmt = conn
            .prepare(
                "SELECT c.id, c.title, c.current_version, c.deleted_import_id IS NOT NULL, v.content_sha256
                 FROM conversations c JOIN conversation_versions v ON v.id = c.current_version_id ORDER BY c.id",
            )
            .unwrap();
        stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    assert_eq!(state(&in_order), state(&reversed));
    let current_sha = |env: &Env| {
        env.string(&format!(
            "SELECT v.content_sha256 FROM conversations c JOIN conversation_versions v ON v.id = c.current_version_id WHERE c.id = '{C2}'"
        ))
    };
    assert_eq!(current_sha(&in_order), current_sha(&reversed));
    // Versions follow the conversation's own time, not the ingest order.
    assert_eq!(
        reversed.string(&format!("SELECT title FROM conversation_versions WHERE conversation_id = '{C1}' AND version = 1")).as_deref(),
        Some("Trip to Lisbon")
    );
    // C6 is only in the older export, and absent from the newer one: deleted upstream.
    assert_eq!(
        reversed.count(&format!(
            "SELECT deleted_import_id FROM conversations WHERE id = '{C6}'"
        )),
        1
    );
    assert_eq!(
        reversed.count("SELECT count(*) FROM messages WHERE text LIKE '%nebulark%'"),
        1,
        "the newest content stays current"
    );
    // The older versions, written after the newer ones, still come back exactly.
    for id in [C1, C2, C3, C4, C5] {
        let expected =
            extract_conversation(&fixture("chatgpt-2024").join("conversations.json"), id);
        let expected = chatarchive::json::canon::canonical_string(expected.as_bytes()).unwrap();
        let shown = reversed.run(&["show", id, "--format", "original", "--version", "1"]);
        assert_eq!(
            chatarchive::json::canon::canonical_string(shown.trim().as_bytes()).unwrap(),
            expected,
            "{id}"
        );
    }
    assert!(reversed.count("SELECT count(*) FROM message_revisions") > 0);
}

#[test]
fn every_node_and_field_is_kept_and_original_round_trips() {
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    env.ingest(&[&z24, &z26]);
    for (file, version_of) in [
        (fixture("chatgpt-2024").join("conversations.json"), 1),
        (fixture("chatgpt-2026").join("conversations-000.json"), 2),
        (fixture("chatgpt-2026").join("conversations-001.json"), 1),
    ] {
        let bytes = std::fs::read(&file).unwrap();
        let mut s = chatarchive::json::split::ArraySplitter::new(
            std::io::BufReader::new(&bytes[..]),
            1 << 30,
        );
        while let Some(e) = s.next_element().unwrap() {
            let expected = chatarchive::json::canon::canonical_string(&e.bytes).unwrap();
            let members: chatarchive::json::members::Members =
                serde_json::from_slice(&e.bytes).unwrap();
            let id: String = serde_json::from_str(
                members
                    .get("conversation_id")
                    .or(members.get("id"))
                    .unwrap()
                    .get(),
            )
            .unwrap();
            let version = if env.count(&format!(
                "SELECT count(*) FROM conversation_versions WHERE conversation_id = '{id}'"
            )) == 1
            {
                1
            } else {
                version_of
            };
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
        }
    }
    // The lone surrogate survives in raw and shows as U+FFFD in text.
    assert_eq!(
        env.count("SELECT count(*) FROM messages WHERE raw LIKE '%\\ud83d and the Pena%'"),
        1
    );
    assert_eq!(
        env.count(
            "SELECT count(*) FROM messages WHERE text LIKE '%Rossio ' || char(65533) || ' and%'"
        ),
        1
    );
    // Unknown content type: raw kept, best-effort text from its string leaves.
    assert_eq!(env.count("SELECT count(*) FROM messages WHERE content_type = 'quantum_widget' AND text LIKE '%qubitsnack%'"), 1);
}

#[test]
fn message_columns_follow_the_documented_rules() {
    let env = Env::new();
    let (z24, _) = fixture_zips(&env);
    env.ingest_one(&z24);
    // Timestamps: ISO-8601 with milliseconds, rounded (1725309124.544 is .544, not .543).
    let created: Vec<String> = env
        .conn()
        .prepare("SELECT created_at FROM messages WHERE created_at IS NOT NULL")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        created
            .iter()
            .all(|t| t.len() == 24 && t.ends_with('Z') && t.as_bytes()[19] == b'.'),
        "{created:?}"
    );
    assert_eq!(
        env.count(
            "SELECT count(*) FROM conversations WHERE created_at = '2024-09-02T20:32:04.544Z'"
        ),
        1
    );
    // Hidden: system messages and tool calls; tool output and normal turns are shown.
    assert_eq!(
        env.count("SELECT count(*) FROM messages WHERE role = 'system' AND hidden = 0"),
        0
    );
    assert_eq!(
        env.count(&format!(
            "SELECT hidden FROM messages WHERE conversation_id = '{C3}' AND content_type = 'code'"
        )),
        1
    );
    assert_eq!(env.count(&format!("SELECT hidden FROM messages WHERE conversation_id = '{C3}' AND content_type = 'execution_output'")), 0);
    // parent_id skips message-less nodes: the first message under the empty root has none.
    assert_eq!(
        env.count("SELECT count(*) FROM messages WHERE parent_id = 'client-created-root'"),
        0
    );
    // Branches: C2 keeps both edited user messages and all three leaves.
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM messages m WHERE conversation_id = '{C2}' AND NOT EXISTS
               (SELECT 1 FROM messages k WHERE k.conversation_id = m.conversation_id AND k.parent_id = m.id)"
        )),
        3
    );
    let thread: Vec<String> = env
        .conn()
        .prepare(&format!(
            "SELECT text FROM current_thread WHERE conversation_id = '{C2}' ORDER BY position"
        ))
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        thread.last().unwrap().contains("borrowfrond"),
        "current thread ends on the edited branch: {thread:?}"
    );
    assert!(
        !thread.iter().any(|t| t.contains("staleblossom")),
        "the other branch is not in the thread"
    );
}

#[test]
fn dry_run_reports_without_writing() {
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    env.ingest_one(&z24);
    let before = env.digest();
    let out = env
        .cmd()
        .args(["ingest", "--json", "--dry-run"])
        .arg(&z26)
        .output()
        .unwrap();
    assert!(out.status.success());
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(counts(&r), (3, 5, 0, 1));
    assert_eq!(r["dry_run"], true);
    assert_eq!(env.digest(), before);
}

#[test]
fn the_archive_is_private() {
    let env = Env::new();
    let (z24, _) = fixture_zips(&env);
    env.ingest_one(&z24);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in [env.db.clone(), env.db.with_extension("db-wal")] {
            if f.exists() {
                assert_eq!(
                    std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
                    0o600,
                    "{}",
                    f.display()
                );
            }
        }
    }
}

#[test]
fn a_broken_export_leaves_the_archive_untouched_and_says_where() {
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    env.ingest_one(&z24);
    let before = env.digest();

    // Truncated download.
    let bytes = std::fs::read(&z26).unwrap();
    let truncated = env.path("truncated.zip");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let out = env.cmd().arg("ingest").arg(&truncated).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("truncated.zip") && err.contains("ZIP"),
        "{err}"
    );
    assert_eq!(env.digest(), before);

    // Invalid JSON inside the third conversation: file, conversation index and byte named.
    let text =
        std::fs::read_to_string(fixture("chatgpt-2026").join("conversations-001.json")).unwrap();
    let mut convs = Vec::new();
    let mut s = chatarchive::json::split::ArraySplitter::new(
        std::io::BufReader::new(text.as_bytes()),
        1 << 30,
    );
    while let Some(e) = s.next_element().unwrap() {
        convs.push(String::from_utf8(e.bytes).unwrap());
    }
    let broken = convs[2].replacen("\"title\": ", "\"title\" ", 1);
    let file = format!("[{}, {}, {}]", convs[0], convs[1], broken);
    let offset = file.find("\"title\" ").unwrap();
    let bad = env.path("bad.json");
    std::fs::write(&bad, &file).unwrap();
    let out = env
        .cmd()
        .args(["ingest", "--account", ACCOUNT])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.json") && err.contains("conversation #2") && err.contains(C7),
        "{err}"
    );
    let at: usize = err
        .split("at byte ")
        .nth(1)
        .unwrap()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        at > offset && at < offset + 16,
        "byte {at} should point just after the key at {offset}"
    );
    assert_eq!(
        env.digest(),
        before,
        "the first two conversations must not have been written"
    );

    // A missing shard: refused, nothing marked deleted.
    let partial = copy_dir(&fixture("chatgpt-2026"), &env.path("partial"));
    std::fs::remove_file(partial.join("conversations-001.json")).unwrap();
    let out = env.cmd().arg("ingest").arg(&partial).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("incomplete") && err.contains("conversations-001.json"),
        "{err}"
    );
    assert_eq!(env.digest(), before);
}

#[test]
fn a_conversation_that_makes_no_sense_is_kept_with_a_warning() {
    let env = Env::new();
    let file = env.path("conversations.json");
    std::fs::write(
        &file,
        r#"[{"id": "no-mapping", "title": "Lost tree", "update_time": 1725309124.5},
            {"id": "cyclic", "title": "Loop", "current_node": "a", "mapping": {
              "a": {"id": "a", "parent": "b", "message": {"id": "a", "author": {"role": "user"}, "content": {"content_type": "text", "parts": ["one"]}}},
              "b": {"id": "b", "parent": "a", "message": {"id": "b", "author": {"role": "assistant"}, "content": {"content_type": "text", "parts": ["two"]}}},
              "c": {"id": "c", "parent": "ghost", "message": {"id": "c", "author": {"role": "user"}, "content": {"content_type": "text", "parts": ["three"]}}}}}]"#,
    )
    .unwrap();
    let out = env.cmd().arg("ingest").arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no `mapping`")
            && err.contains("cycle")
            && err.contains("missing parent ghost"),
        "{err}"
    );
    assert_eq!(env.count("SELECT count(*) FROM conversations"), 2);
    assert_eq!(
        env.count("SELECT count(*) FROM messages WHERE conversation_id = 'cyclic'"),
        3
    );
    assert_eq!(
        env.count("SELECT count(*) FROM conversation_versions WHERE problems IS NOT NULL"),
        2
    );
    let original = env.run(&["show", "no-mapping", "--format", "original"]);
    let v: Value = serde_json::from_str(&original).unwrap();
    assert_eq!(v["title"], "Lost tree");
    assert_eq!(v["update_time"], 1725309124.5);
}
