//! End-to-end: short ids the same in every command, and the rough edges found on real data
//! (issue 13, items 3 and 8), each as the command a person typed, with the exact message.

use crate::common::*;
use serde_json::Value;

/// An archive with the 2024 export, then the 2026 one.
fn archive() -> Env {
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    env.ingest(&[&z24, &z26]);
    env
}

/// Runs a command that must fail with a usage error; returns stderr.
fn fails(env: &Env, args: &[&str]) -> String {
    let out = env.cmd().args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?} should fail with 2: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr).unwrap()
}

/// Runs a command that must succeed; returns (stdout, stderr).
fn both(env: &Env, args: &[&str]) -> (String, String) {
    let out = env.cmd().args(args).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{args:?}: {err}");
    (String::from_utf8(out.stdout).unwrap(), err)
}

#[test]
fn show_with_an_empty_id_says_the_id_is_empty() {
    let env = archive();
    let want = "chatarchive: the conversation id is empty: give an id or its first characters (see `chatarchive list`)\n";
    assert_eq!(fails(&env, &["show", ""]), want);
    assert_eq!(fails(&env, &["history", " "]), want);
    assert_eq!(fails(&env, &["diff", ""]), want);
}

#[test]
fn every_command_takes_the_eight_characters_of_a_file_name() {
    let env = archive();
    let (h, _) = both(&env, &["history", "66d78729", "--json"]);
    let h: Value = serde_json::from_str(&h).unwrap();
    assert_eq!(h["conversation_id"], C2);
    let (d, _) = both(&env, &["diff", "66d78729", "1", "2", "--json"]);
    let d: Value = serde_json::from_str(&d).unwrap();
    assert_eq!(d["conversation_id"], C2);
    let out = env.path("files");
    let (_, err) = both(
        &env,
        &[
            "attachments",
            "extract",
            "--out",
            out.to_str().unwrap(),
            "--conversation",
            "66fd1aeb",
        ],
    );
    assert_eq!(err, format!("wrote 2 files to {}\n", out.display()));
    assert_eq!(
        fails(
            &env,
            &[
                "attachments",
                "extract",
                "--out",
                "x",
                "--conversation",
                "66d6zzzz"
            ]
        ),
        "chatarchive: no conversation with id 66d6zzzz in the archive (see `chatarchive list`)\n"
    );
    assert_eq!(
        fails(&env, &["show", "66d"]),
        "chatarchive: 66d matches 2 conversations; give more of the id:\n  \
         66d620c4-f7aa-8005-aed4-8e483ddc3c47  Lisbon trip 2024\n  \
         66d78729-7339-8005-92f1-89a15355588d  Rust lifetimes\n"
    );
    assert_eq!(
        fails(&env, &["show", "64f"]),
        "chatarchive: 64f is too short to name a conversation: give at least 4 characters of the id\n"
    );
}

#[test]
fn forget_a_short_id_echoes_the_full_id_and_title() {
    let env = archive();
    let (_, err) = both(&env, &["forget", "64f867e2", "--yes"]);
    assert!(
        err.starts_with(&format!(
            "forgetting {C6}  Archived note\nforgot 1 conversation (1 version, 3 messages); "
        )),
        "{err}"
    );
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM conversations WHERE id = '{C6}'"
        )),
        0
    );
    // Forgotten: the short id still names it, so its traces can be scrubbed again.
    let (_, err) = both(&env, &["forget", "64f867e2", "--yes"]);
    assert!(
        err.starts_with(&format!(
            "forgetting {C6}  (forgotten)\nforgot 0 conversations (0 versions, 0 messages); "
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "already forgotten before (files scrubbed again): {C6}"
        )),
        "{err}"
    );
}

#[test]
fn forget_yes_refuses_a_start_of_an_id_shorter_than_eight() {
    let env = archive();
    let before = env.digest();
    assert_eq!(
        fails(&env, &["forget", "64f867", "--yes"]),
        format!("chatarchive: with --yes, give at least 8 characters of each id (64f867 is 6 long and would forget {C6}  Archived note); nothing was forgotten\n")
    );
    assert_eq!(
        fails(&env, &["forget", "66d", "--yes"]),
        "chatarchive: 66d matches 2 conversations; give more of the id:\n  \
         66d620c4-f7aa-8005-aed4-8e483ddc3c47  Lisbon trip 2024\n  \
         66d78729-7339-8005-92f1-89a15355588d  Rust lifetimes; nothing was forgotten\n"
    );
    assert_eq!(
        fails(&env, &["forget", "", "--yes"]),
        "chatarchive: the conversation id is empty: give an id or its first characters (see `chatarchive list`); nothing was forgotten\n"
    );
    assert_eq!(env.digest(), before);
}

#[test]
fn diff_without_versions_compares_the_last_two() {
    let env = archive();
    let (text, _) = both(&env, &["diff", "66d78729"]);
    assert!(
        text.starts_with(&format!(
            "conversation {C2} (chatgpt) · version 1 → version 2 (the last two)\n"
        )),
        "{text}"
    );
    let (text, _) = both(&env, &["diff", "66d78729", "1"]);
    assert!(
        text.contains("· version 1 → version 2 (the newest)\n"),
        "{text}"
    );
    assert_eq!(
        fails(&env, &["diff", "64f867e2"]),
        format!("chatarchive: conversation {C6} has only one version, so there is nothing to compare (see `chatarchive history {C6}`)\n")
    );
}

#[test]
fn show_json_is_the_same_as_format_json() {
    let env = archive();
    let (a, _) = both(&env, &["show", "66d620c4", "--json"]);
    let (b, _) = both(&env, &["show", "66d620c4", "--format", "json"]);
    assert_eq!(a, b);
    let v: Value = serde_json::from_str(&a).unwrap();
    assert_eq!(v["id"], C1);
}

#[test]
fn db_pointing_at_a_json_file_names_the_file() {
    let env = Env::new();
    let meta = env.path("metadata.json");
    std::fs::write(&meta, "{\"databases\": {}}\n".repeat(300)).unwrap();
    let out = assert_cmd::Command::cargo_bin("chatarchive")
        .unwrap()
        .env_remove("CHATARCHIVE_DB")
        .arg("--db")
        .arg(&meta)
        .arg("list")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "chatarchive: {} is not a chatarchive archive (file is not a database)\n",
            meta.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(&meta).unwrap(),
        "{\"databases\": {}}\n".repeat(300)
    );
}

#[test]
fn list_limit_and_title_filter() {
    let env = archive();
    let (text, _) = both(&env, &["list", "--limit", "2"]);
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(
        text.ends_with("2 of 9 conversations (dates UTC)\n"),
        "{text}"
    );
    let (text, _) = both(&env, &["list", "--title", "LISBON"]);
    assert!(text.contains(C1), "{text}");
    assert!(text.ends_with("1 conversation (dates UTC)\n"), "{text}");
    let (json, _) = both(&env, &["list", "--title", "rust", "--json"]);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["conversation_id"], C2);
}

#[test]
fn control_characters_in_titles_are_escaped_in_tables() {
    let env = Env::new();
    let mut convs = search_corpus_json();
    convs[0]["title"] = "Plan\tA\nline two\u{1b}[31m".into();
    let path = env.path("conversations.json");
    std::fs::write(&path, serde_json::to_string(&convs).unwrap()).unwrap();
    both(&env, &["ingest", "--account", "me", path.to_str().unwrap()]);
    let escaped = "Plan\\tA\\nline two\\u{1b}[31m";
    let (list, _) = both(&env, &["list"]);
    assert!(list.contains(escaped), "{list}");
    assert_eq!(list.lines().count(), 6, "one line per conversation: {list}");
    let (history, _) = both(&env, &["history", "aaaaaaaa"]);
    assert!(
        history.starts_with(&format!("{escaped} · aaaaaaaa-")),
        "{history}"
    );
    assert!(!history.contains('\t'), "{history}");
    let (search, _) = both(&env, &["search", "binary"]);
    assert!(
        search.starts_with(&format!("{escaped} · chatgpt")),
        "{search}"
    );
}

#[test]
fn diff_says_1_more_message_differs() {
    let env = Env::new();
    let mut convs = search_corpus_json();
    let path = env.path("conversations.json");
    std::fs::write(&path, serde_json::to_string(&convs).unwrap()).unwrap();
    both(&env, &["ingest", "--account", "me", path.to_str().unwrap()]);
    // The next export: one message gained a stored field, its text unchanged.
    convs[0]["mapping"]["a2"]["message"]["metadata"]["finish_details"] =
        serde_json::json!({"type": "stop"});
    convs[0]["update_time"] = (convs[0]["update_time"].as_f64().unwrap() + 60.0).into();
    std::fs::write(&path, serde_json::to_string(&convs).unwrap()).unwrap();
    both(&env, &["ingest", "--account", "me", path.to_str().unwrap()]);
    let (text, _) = both(&env, &["diff", "aaaaaaaa"]);
    assert!(
        text.ends_with("\n1 more message differs only in stored fields, not in text\n"),
        "{text}"
    );
}

#[test]
fn export_conversation_takes_a_short_id() {
    let env = archive();
    let out = env.path("one");
    let (said, _) = both(
        &env,
        &[
            "export",
            "--out",
            out.to_str().unwrap(),
            "--conversation",
            "66d620c4",
            "--conversation",
            "64f867e2",
        ],
    );
    assert_eq!(
        said,
        format!(
            "{}: 2 conversations: 2 written, 0 unchanged\n",
            out.display()
        )
    );
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files.iter().any(|f| f.ends_with("-66d620c4.md")),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.ends_with("-64f867e2.md")),
        "deleted upstream, named: {files:?}"
    );
    assert_eq!(
        fails(&env, &["export", "--out", "x", "--conversation", "66d"]),
        "chatarchive: 66d matches 2 conversations; give more of the id:\n  \
         66d620c4-f7aa-8005-aed4-8e483ddc3c47  Lisbon trip 2024\n  \
         66d78729-7339-8005-92f1-89a15355588d  Rust lifetimes\n"
    );
}
