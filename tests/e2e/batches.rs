//! End-to-end: new message rows reach `messages` in batches (staged, then moved with one
//! statement, see `Writer::flush`), and conversations the archive holds are recognised from
//! their hash before being read in full. Whatever the batching, every row, thread position and
//! full-text entry must be there, including for the awkward cases that force an early flush.

use crate::common::*;
use chatarchive_synth::{write_zip, Options};

/// FTS5's own check that the index matches the `messages` rows it was built from (rank 1: the
/// content too, not only the index structure).
fn assert_fts_matches_messages(env: &Env) {
    env.conn()
        .execute(
            "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .expect("the full-text index matches the messages table");
}

#[test]
fn an_export_larger_than_one_batch_keeps_every_row_and_index_entry() {
    let env = Env::new();
    let zip = env.path("export.zip");
    // About 8 MB of conversation JSON: several batches of staged rows (2 MB each).
    let opts = Options {
        seed: 11,
        target_mb: 8.0,
        ..Options::default()
    };
    let s = write_zip(&zip, &opts, 0).unwrap();
    let r = env.ingest_one(&zip);
    assert_eq!(r["conversations"]["new"], s.conversations);
    assert_eq!(r["messages"]["new"], s.messages);
    assert_eq!(
        env.count("SELECT count(*) FROM messages"),
        s.messages as i64
    );
    assert_fts_matches_messages(&env);
    // Every conversation's thread points at its own messages, position by position.
    assert_eq!(
        env.count(
            "SELECT count(*) FROM current_thread_positions t JOIN messages m ON m.pk = t.message_pk
             WHERE m.conversation_id != t.conversation_id"
        ),
        0
    );
    assert_eq!(
        env.count(
            "SELECT count(*) FROM (SELECT min(position) AS first, max(position) AS last, count(*) AS n
                 FROM current_thread_positions GROUP BY conversation_id)
             WHERE first != 0 OR last != n - 1"
        ),
        0,
        "threads have no gaps"
    );
    assert_eq!(
        env.count(
            "SELECT count(*) FROM conversations c WHERE c.message_count > 0
             AND NOT EXISTS (SELECT 1 FROM current_thread_positions t WHERE t.conversation_id = c.id)"
        ),
        0,
        "every conversation with messages has a current thread"
    );
    let planted = env.count("SELECT count(*) FROM messages WHERE text LIKE '%quokka%'");
    assert!(planted > 0);
    assert_eq!(
        env.count("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'quokka'"),
        planted
    );
    env.assert_consistent();

    // The next export: unchanged conversations are only recognised, changed ones read in full.
    let next = env.path("next.zip");
    let s1 = write_zip(&next, &opts, 1).unwrap();
    let r1 = env.ingest_one(&next);
    assert_eq!(r1["conversations"]["unchanged"], s1.unchanged);
    assert_eq!(r1["conversations"]["changed"], s1.changed.len());
    assert_eq!(r1["conversations"]["new"], s1.new.len());
    assert_fts_matches_messages(&env);
    env.assert_consistent();
}

#[test]
fn a_conversation_twice_and_a_node_key_twice_in_one_export_are_kept() {
    let env = Env::new();
    let file = env.path("conversations.json");
    let message = |id: &str, parent: &str, text: &str| {
        format!(
            r#""{id}": {{"id": "{id}", "parent": "{parent}", "message": {{"id": "{id}", "author": {{"role": "user"}},
                "create_time": 1725309124.5, "content": {{"content_type": "text", "parts": ["{text}"]}}}}}}"#
        )
    };
    let root = r#""r": {"id": "r", "parent": null, "message": null}"#;
    let first = format!(
        r#"{{"id": "dup", "title": "Twice", "update_time": 1725309124.5, "current_node": "a",
            "mapping": {{{root}, {}}}}}"#,
        message("a", "r", "first words")
    );
    let second = format!(
        r#"{{"id": "dup", "title": "Twice", "update_time": 1725309999.5, "current_node": "b",
            "mapping": {{{root}, {}, {}}}}}"#,
        message("a", "r", "first words"),
        message("b", "a", "second words")
    );
    // The same node key twice in one mapping: both copies are part of the version.
    let repeated = format!(
        r#"{{"id": "keys", "title": "Repeated key", "update_time": 1725309124.5, "current_node": "k",
            "mapping": {{{root}, {}, {}}}}}"#,
        message("k", "r", "copy one"),
        message("k", "r", "copy two")
    );
    std::fs::write(&file, format!("[{first}, {repeated}, {second}]")).unwrap();
    let out = env
        .cmd()
        .args(["ingest", "--account", "me", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("appears more than once")));
    assert_eq!(
        env.count("SELECT count(*) FROM conversation_versions WHERE conversation_id = 'dup'"),
        2
    );
    assert_eq!(
        env.count("SELECT count(*) FROM messages WHERE conversation_id = 'dup'"),
        2
    );
    assert_eq!(
        env.count("SELECT count(*) FROM current_thread WHERE conversation_id = 'dup'"),
        2
    );
    // One row for the repeated key (the first copy), the other copy kept as a revision.
    assert_eq!(
        env.string("SELECT text FROM messages WHERE conversation_id = 'keys' AND id = 'k'")
            .as_deref(),
        Some("copy one")
    );
    assert_eq!(
        env.count("SELECT count(*) FROM message_revisions WHERE raw LIKE '%copy two%'"),
        1
    );
    assert_eq!(
        env.count("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'second'"),
        1
    );
    assert_fts_matches_messages(&env);
    env.assert_consistent();
}

#[test]
fn a_broken_conversation_early_in_a_long_export_fails_at_once() {
    // The splitting thread runs ahead of the parsing: when parsing stops at a broken
    // conversation, the splitter must stop too instead of waiting for room forever.
    let env = Env::new();
    let file = env.path("conversations.json");
    // Enough good conversations before the broken one, slower to parse than to split, for the
    // splitter to fill its queue.
    let node = |n: usize| {
        format!(
            r#""n{n}": {{"id": "n{n}", "message": {{"id": "n{n}", "author": {{"role": "user"}},
                "content": {{"content_type": "text", "parts": ["{}"]}}}}}}"#,
            "words ".repeat(50)
        )
    };
    let mapping: Vec<String> = (0..20).map(node).collect();
    let mut items: Vec<String> = (0..300)
        .map(|i| {
            format!(
                r#"{{"id": "before-{i}", "mapping": {{{}}}}}"#,
                mapping.join(",")
            )
        })
        .collect();
    items.push(r#"{"id": "broken", "mapping": {"a": tru}}"#.to_string());
    for i in 0..5000 {
        items.push(format!(r#"{{"id": "after-{i}", "mapping": {{}}}}"#));
    }
    std::fs::write(&file, format!("[{}]", items.join(",\n"))).unwrap();
    let out = env
        .cmd()
        .args(["ingest", "--account", "me"])
        .arg(&file)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("#300") && err.contains("broken"), "{err}");
    assert_eq!(env.count("SELECT count(*) FROM conversations"), 0);
}
