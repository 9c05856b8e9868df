//! Upgrading a 0.1 archive to schema 1.0: the archive kept in `fixtures/archive-0.1/` was written
//! by chatarchive 0.1 (tag v0.1.0; the command is in fixtures/README.md). It must open, migrate in
//! one transaction, and pass `verify` with every count 0.1's own `verify` reported.

use std::collections::BTreeMap;

use crate::common::*;

/// A copy of the 0.1 archive in a fresh temp dir.
fn old_archive() -> Env {
    let env = Env::new();
    std::fs::copy(fixture("archive-0.1/chatarchive-0.1.db"), &env.db).unwrap();
    env
}

/// check name → rows checked, from a `verify --json` report.
fn verify_counts(report: &serde_json::Value) -> BTreeMap<String, u64> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["checked"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn verify_on_a_0_1_archive_names_the_command_that_upgrades_it() {
    let env = old_archive();
    let before = std::fs::read(&env.db).unwrap();
    let out = env.cmd().arg("verify").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("this archive is at schema version 7")
            && err.contains("migrate`")
            && err.contains("backup COPY"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&env.db).unwrap(),
        before,
        "verify changed the file"
    );
}

#[test]
fn a_0_1_archive_migrates_and_verifies_with_every_count_unchanged() {
    let env = old_archive();
    let old: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("archive-0.1/verify-0.1.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(old["ok"], true);

    let out = env.cmd().arg("migrate").output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "from schema version 7 to {}",
            chatarchive::archive::schema_version()
        )) && err.contains("in one transaction")
            && err.contains("chatarchive backup COPY"),
        "{err}"
    );

    let new: serde_json::Value = serde_json::from_str(&env.run(&["verify", "--json"])).unwrap();
    assert_eq!(new["ok"], true, "{new:#}");
    let (old_counts, new_counts) = (verify_counts(&old), verify_counts(&new));
    assert!(old_counts.len() >= 8);
    for (name, checked) in &old_counts {
        // integrity_check counts pages, which the new table and indexes add to; every other
        // check counts rows.
        if name != "integrity_check" {
            assert_eq!(new_counts.get(name), Some(checked), "verify check {name}");
        }
    }

    // A second migrate has nothing to do.
    let again = env.cmd().arg("migrate").output().unwrap();
    assert!(String::from_utf8_lossy(&again.stderr).contains(&format!(
        "already at schema version {}",
        chatarchive::archive::schema_version()
    )));
}

#[test]
fn the_upgrade_renames_columns_and_keeps_every_row() {
    let env = old_archive();
    let tables = [
        "conversations",
        "conversation_versions",
        "messages",
        "node_revisions",
        "version_nodes",
        "message_attachments",
        "attachments",
        "projects",
        "project_doc_revisions",
        "imports",
    ];
    let before: Vec<i64> = tables
        .iter()
        .map(|t| env.count(&format!("SELECT count(*) FROM {t}")))
        .collect();
    let list_before = env.conn().query_row(
        "SELECT group_concat(id || ':' || coalesce(title, ''), '|') FROM (SELECT id, title FROM conversations ORDER BY id)",
        [],
        |r| r.get::<_, String>(0),
    ).unwrap();
    // Any command upgrades an older archive, and says so once.
    let out = env.cmd().args(["list", "--json"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("upgraded"));
    let out = env.cmd().args(["list", "--json"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("upgraded"));

    let after: Vec<i64> = tables
        .iter()
        .map(|t| env.count(&format!("SELECT count(*) FROM {t}")))
        .collect();
    assert_eq!(before, after);
    let list_after = env.conn().query_row(
        "SELECT group_concat(id || ':' || coalesce(title, ''), '|') FROM (SELECT id, title FROM conversations ORDER BY id)",
        [],
        |r| r.get::<_, String>(0),
    ).unwrap();
    assert_eq!(list_before, list_after);

    // The renamed columns, and the join that silently matched nothing in 0.1.
    assert_eq!(
        env.count(
            "SELECT count(*) FROM current_thread t JOIN messages m
             ON m.conversation_id = t.conversation_id AND m.id = t.message_id"
        ),
        env.count("SELECT count(*) FROM current_thread")
    );
    env.count("SELECT count(provider_message_id) FROM messages");
    env.count(
        "SELECT count(*) FROM conversation_versions v JOIN imports i ON i.id = v.first_import_id",
    );
    env.count("SELECT count(node_json) FROM node_revisions");
    env.count("SELECT count(node_key) FROM version_nodes");
    env.count("SELECT count(doc_json) FROM project_doc_revisions");
    assert!(env
        .conn()
        .prepare("SELECT message_id FROM messages")
        .is_err());

    // One archive id, a UUID v4.
    assert_eq!(env.count("SELECT count(*) FROM archive"), 1);
    let id = env.string("SELECT id FROM archive").unwrap();
    let uuid = regex_like_uuid_v4(&id);
    assert!(uuid, "{id}");

    // Every account_id has its accounts row.
    assert_eq!(
        env.count(
            "SELECT count(*) FROM (
                SELECT account_id FROM conversations UNION SELECT account_id FROM imports
                UNION SELECT account_id FROM import_accounts UNION SELECT account_id FROM projects
                UNION SELECT account_id FROM memories UNION SELECT account_id FROM memory_records
             ) WHERE account_id IS NOT NULL AND account_id NOT IN (SELECT id FROM accounts)"
        ),
        0
    );
}

#[test]
fn the_upgraded_archive_keeps_ingesting_and_backup_keeps_or_renews_its_id() {
    let env = old_archive();
    env.run(&["migrate"]);
    let id = env.string("SELECT id FROM archive").unwrap();
    // The 2026 export again: recognised as already ingested.
    let r = env.ingest_one(&fixture("chatgpt-2026"));
    assert_eq!(r["skipped"], true, "{r:#}");

    let same = env.path("same.db");
    env.run(&["backup", same.to_str().unwrap()]);
    let other = env.path("other.db");
    env.run(&["backup", "--new-id", other.to_str().unwrap()]);
    let id_of = |p: &std::path::Path| -> String {
        rusqlite::Connection::open(p)
            .unwrap()
            .query_row("SELECT id FROM archive", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(id_of(&same), id);
    let renewed = id_of(&other);
    assert_ne!(renewed, id);
    assert!(regex_like_uuid_v4(&renewed), "{renewed}");
}

#[test]
fn backup_of_a_0_1_archive_is_taken_as_it_is() {
    let env = old_archive();
    let copy = env.path("copy.db");
    env.run(&["backup", copy.to_str().unwrap()]);
    let version: i64 = rusqlite::Connection::open(&copy)
        .unwrap()
        .query_row(
            "SELECT max(version) FROM _chatarchive_migrations",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(version, 7, "the backup must keep the old schema");
}

#[test]
fn a_fresh_1_0_archive_has_its_id_accounts_and_page_size() {
    let env = Env::new();
    env.ingest(&[&fixture("chatgpt-2024"), &fixture("claude-2026-06")]);
    assert_eq!(env.count("PRAGMA page_size"), 16384);
    assert!(regex_like_uuid_v4(
        &env.string("SELECT id FROM archive").unwrap()
    ));
    assert_eq!(
        env.count(
            "SELECT count(*) FROM (
                SELECT account_id FROM conversations UNION SELECT account_id FROM imports
                UNION SELECT account_id FROM import_accounts UNION SELECT account_id FROM projects
                UNION SELECT account_id FROM memories
             ) WHERE account_id IS NOT NULL AND account_id NOT IN (SELECT id FROM accounts)"
        ),
        0
    );
    // A bare file with --account: the account gets its row.
    let bare = Env::new();
    bare.run(&[
        "ingest",
        fixture("chatgpt-2024/conversations.json").to_str().unwrap(),
        "--account",
        "me@example",
    ]);
    assert_eq!(
        bare.string("SELECT provider || ' ' || raw FROM accounts WHERE id = 'me@example'")
            .as_deref(),
        Some("chatgpt {}")
    );
}

/// 8-4-4-4-12 lower-case hex, version 4, RFC 4122 variant.
fn regex_like_uuid_v4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    lens == [8, 4, 4, 4, 12]
        && s.chars()
            .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
        && parts[2].starts_with('4')
        && parts[3].starts_with(['8', '9', 'a', 'b'])
}
