//! `verify`, `forget`, `backup` and the archive's file modes (issue 7), through the real binary.

use std::path::{Path, PathBuf};

use crate::common::*;
use rusqlite::Connection;
use serde_json::Value;

/// The unique word planted in C6 (fixtures/README.md), and nowhere else.
const PLANTED: &[u8] = b"zanzibarite";

fn archive_with_both() -> Env {
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    env.ingest(&[&z24, &z26]);
    env
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn file_bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_default()
}

fn wal(env: &Env) -> PathBuf {
    env.db.with_extension("db-wal")
}

fn verify_json(env: &Env) -> (Option<i32>, Value) {
    let out = env.cmd().args(["verify", "--json"]).output().unwrap();
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

/// The problems one check reported.
fn problems(report: &Value, check: &str) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == check)
        .unwrap()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect()
}

/// The archive made by the tool (its settings, its mode) before a test attaches a reader.
fn create_empty_archive(env: &Env) {
    let empty = env.path("empty.json");
    std::fs::write(&empty, b"[]").unwrap();
    env.ingest_one(&empty);
}

/// A connection that has read from the archive, so it holds the write-ahead log open: the
/// tool's own connection is then not the last one, whose closing would checkpoint and delete it.
fn attached_reader(env: &Env) -> Connection {
    let c = env.conn();
    c.query_row("SELECT count(*) FROM imports", [], |r| r.get::<_, i64>(0))
        .unwrap();
    c
}

// ---- verify --------------------------------------------------------------------------------

#[test]
fn verify_passes_on_a_healthy_archive_and_counts_what_it_checked() {
    let env = archive_with_both();
    let text = env.run(&["verify"]);
    for check in [
        "integrity_check",
        "foreign_key_check",
        "node_revisions",
        "conversation_versions",
        "messages",
        "messages_fts",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(check) && l.ends_with(" ok")),
            "{check}: {text}"
        );
    }
    assert!(text.contains("the archive is consistent"), "{text}");
    let (code, report) = verify_json(&env);
    assert_eq!(code, Some(0));
    assert_eq!(report["ok"], true);
    let checked = |name: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["checked"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(checked("messages"), 60);
    assert_eq!(
        checked("node_revisions"),
        env.count("SELECT count(*) FROM node_revisions")
    );
    assert_eq!(checked("conversation_versions"), 14);
}

#[test]
fn verify_names_a_node_revision_whose_content_was_altered() {
    let env = archive_with_both();
    let conn = env.conn();
    let (id, pk): (i64, i64) = conn
        .query_row(
            "SELECT m.revision_id, m.pk FROM messages m WHERE m.raw LIKE '%zanzibarite%'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    conn.execute(
        "UPDATE node_revisions SET node_json = replace(node_json, '\"parent\":', '\"parent_was\":') WHERE id = ?1",
        [id],
    )
    .unwrap();
    drop(conn);
    let (code, report) = verify_json(&env);
    assert_eq!(code, Some(1));
    assert_eq!(report["ok"], false);
    let nodes = problems(&report, "node_revisions");
    assert_eq!(nodes.len(), 1, "{nodes:?}");
    assert!(
        nodes[0].starts_with(&format!("node_revisions id {id}: stored sha256")),
        "{nodes:?}"
    );
    let versions = problems(&report, "conversation_versions");
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert!(
        versions[0].contains(&format!("(conversation {C6}, version 1)")),
        "{versions:?}"
    );
    // The message itself is stored once, in its row: still intact.
    assert!(
        problems(&report, "messages").is_empty(),
        "message row {pk} is fine"
    );
    assert!(problems(&report, "integrity_check").is_empty());
    // The human form says the same and fails.
    let out = env.cmd().arg("verify").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("PROBLEMS FOUND"), "{text}");
    assert!(text.contains(&format!("node_revisions id {id}")), "{text}");
}

#[test]
fn verify_names_a_version_whose_envelope_was_altered() {
    let env = archive_with_both();
    let id: i64 = env.count(&format!(
        "SELECT id FROM conversation_versions WHERE conversation_id = '{C1}' AND version = 2"
    ));
    env.conn()
        .execute(
            "UPDATE conversation_versions SET envelope = replace(envelope, 'Lisbon', 'Porto') WHERE id = ?1",
            [id],
        )
        .unwrap();
    let (code, report) = verify_json(&env);
    assert_eq!(code, Some(1));
    let versions = problems(&report, "conversation_versions");
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert!(
        versions[0].starts_with(&format!(
            "conversation_versions id {id} (conversation {C1}, version 2): stored content_sha256"
        )),
        "{versions:?}"
    );
}

#[test]
fn verify_names_a_message_row_that_differs_from_its_revision() {
    let env = archive_with_both();
    let pk = env.count(&format!(
        "SELECT pk FROM messages WHERE conversation_id = '{C2}' AND text LIKE '%nebulark%'"
    ));
    env.conn()
        .execute(
            "UPDATE messages SET raw = replace(raw, 'nebulark', 'nebulaXX') WHERE pk = ?1",
            [pk],
        )
        .unwrap();
    let (_, report) = verify_json(&env);
    let messages = problems(&report, "messages");
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].starts_with(&format!("messages pk {pk} (conversation {C2}, node ")),
        "{messages:?}"
    );
}

#[test]
fn verify_notices_a_search_index_out_of_step_with_messages() {
    let env = archive_with_both();
    // Remove one message's entries from the index behind the triggers' back.
    env.conn()
        .execute(
            "INSERT INTO messages_fts (messages_fts, rowid, text)
             SELECT 'delete', pk, text FROM messages WHERE text LIKE '%zanzibarite%'",
            [],
        )
        .unwrap();
    let (code, report) = verify_json(&env);
    assert_eq!(code, Some(1));
    let fts = problems(&report, "messages_fts");
    assert_eq!(fts.len(), 1);
    assert!(
        fts[0].contains("messages_fts does not agree with messages")
            && fts[0].contains("'rebuild'"),
        "{fts:?}"
    );
}

#[test]
fn verify_reports_rows_pointing_at_missing_rows() {
    let env = archive_with_both();
    let conn = env.conn();
    let (rev, pk): (i64, i64) = conn
        .query_row(
            &format!(
                "SELECT revision_id, pk FROM messages WHERE conversation_id = '{C6}' AND role = 'assistant'"
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    conn.execute("DELETE FROM node_revisions WHERE id = ?1", [rev])
        .unwrap();
    drop(conn);
    let (code, report) = verify_json(&env);
    assert_eq!(code, Some(1));
    let fk = problems(&report, "foreign_key_check");
    assert!(
        fk.contains(&format!(
            "messages rowid {pk} refers to a row of node_revisions that does not exist"
        )),
        "{fk:?}"
    );
    assert!(
        problems(&report, "messages")
            .contains(&format!("messages pk {pk} (conversation {C6}, node ea38cc47-f936-484f-a0cf-8a3d8c3c12a8): its node revision {rev} does not exist")),
    );
}

#[test]
fn verify_reports_damaged_pages() {
    let env = archive_with_both();
    let conn = env.conn();
    let (root, page_size): (i64, i64) = conn
        .query_row(
            "SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM sqlite_master WHERE name = 'idx_messages_role_created_at'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(conn);
    // Scribble over the index's root page, past its header: the table data stays readable.
    let mut bytes = std::fs::read(&env.db).unwrap();
    let start = ((root - 1) * page_size) as usize + 100;
    for b in &mut bytes[start..start + 400] {
        *b = 0x77;
    }
    std::fs::write(&env.db, &bytes).unwrap();
    let out = env.cmd().args(["verify", "--json"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pages = problems(&report, "integrity_check");
    assert!(!pages.is_empty(), "{report}");
    println!("integrity_check on a damaged index page: {pages:?}");
}

// ---- forget --------------------------------------------------------------------------------

#[test]
fn forget_wipes_the_text_from_the_database_file_and_its_log() {
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    create_empty_archive(&env);
    // A reader attached during the ingest keeps the log from being deleted on exit, so the
    // planted text is in both files before the forget.
    let reader = attached_reader(&env);
    env.ingest(&[&z24, &z26]);
    assert!(contains(&file_bytes(&env.db), PLANTED), "in the .db before");
    assert!(
        contains(&file_bytes(&wal(&env)), PLANTED),
        "in the -wal before"
    );
    drop(reader);
    let c1_messages = env.count(&format!(
        "SELECT count(*) FROM messages WHERE conversation_id = '{C1}'"
    ));

    let out = env.cmd().args(["forget", C6, "--yes"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("forgot 1 conversation (1 version, 3 messages)"),
        "{err}"
    );

    assert!(
        !contains(&file_bytes(&env.db), PLANTED),
        "gone from the .db"
    );
    assert!(
        !contains(&file_bytes(&wal(&env)), PLANTED),
        "gone from the -wal"
    );
    for table in [
        "conversations WHERE id",
        "conversation_versions WHERE conversation_id",
        "messages WHERE conversation_id",
        "current_thread_positions WHERE conversation_id",
    ] {
        assert_eq!(
            env.count(&format!("SELECT count(*) FROM {table} = '{C6}'")),
            0,
            "{table}"
        );
    }
    assert_eq!(
        env.count("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'zanzibarite'"),
        0
    );
    // Node revisions only C6 used are gone; nothing else lost a row.
    assert_eq!(
        env.count("SELECT count(*) FROM node_revisions r WHERE NOT EXISTS (SELECT 1 FROM version_nodes v WHERE v.revision_id = r.id)"),
        0
    );
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM messages WHERE conversation_id = '{C1}'"
        )),
        c1_messages
    );
    // C1's system message shares its message id with C6's: it stays.
    assert_eq!(
        env.count(
            "SELECT count(*) FROM messages WHERE id = 'cd24f508-4c8f-4872-a722-2b14d657ff15'"
        ),
        1
    );
    // Only the id and the time are kept.
    let at = env
        .string(&format!(
            "SELECT forgotten_at FROM forgotten_conversations WHERE conversation_id = '{C6}'"
        ))
        .unwrap();
    assert!(at.len() == 24 && at.ends_with('Z'), "{at}");
    assert_eq!(verify_json(&env).1["ok"], true);
}

#[test]
fn forget_with_a_reader_in_the_way_says_so_and_a_second_run_finishes_the_job() {
    let env = Env::new();
    let (z24, _) = fixture_zips(&env);
    create_empty_archive(&env);
    let reader = attached_reader(&env);
    env.ingest_one(&z24);
    // A read transaction that started before the forget pins the log's old frames.
    reader.execute_batch("BEGIN").unwrap();
    reader
        .query_row("SELECT count(*) FROM messages", [], |r| r.get::<_, i64>(0))
        .unwrap();
    let out = env.cmd().args(["forget", C6, "--yes"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the conversations are forgotten, but another process has the archive open")
            && err.contains("run the same `chatarchive forget` again"),
        "{err}"
    );
    assert!(
        contains(&file_bytes(&wal(&env)), PLANTED),
        "still in the log"
    );
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM conversations WHERE id = '{C6}'"
        )),
        0
    );
    reader.execute_batch("COMMIT").unwrap();
    drop(reader);
    let out = env.cmd().args(["forget", C6, "--yes"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "already forgotten before (files scrubbed again): {C6}"
        )),
        "{err}"
    );
    assert!(!contains(&file_bytes(&env.db), PLANTED));
    assert!(!contains(&file_bytes(&wal(&env)), PLANTED));
}

#[test]
fn forget_asks_and_refuses_without_a_terminal() {
    let env = archive_with_both();
    let before = env.digest();
    let out = env.cmd().args(["forget", C6]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("stdin is not a terminal")
            && err.contains("--yes")
            && err.contains("Nothing was forgotten"),
        "{err}"
    );
    assert_eq!(env.digest(), before);
}

#[test]
fn forget_asks_on_a_terminal_and_does_nothing_unless_told_yes() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: util-linux `script` (a pseudo-terminal) is not installed");
        return;
    }
    let env = archive_with_both();
    let before = env.digest();
    let bin = assert_cmd::cargo::cargo_bin("chatarchive");
    let session = |answer: &str| {
        use std::io::Write;
        let line = format!("{} --db {} forget {C6}", bin.display(), env.db.display());
        let mut child = std::process::Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{answer}\n").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, screen) = session("no");
    assert_eq!(code, Some(2), "{screen}");
    assert!(
        screen.contains(&format!("{C6}  Archived note  (3 messages)"))
            && screen.contains("Type 'yes'"),
        "{screen}"
    );
    assert!(
        screen.contains("not confirmed; nothing was forgotten"),
        "{screen}"
    );
    assert_eq!(env.digest(), before);
    let (code, screen) = session("yes");
    assert_eq!(code, Some(0), "{screen}");
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM conversations WHERE id = '{C6}'"
        )),
        0
    );
}

#[test]
fn forget_with_an_unknown_id_changes_nothing() {
    let env = archive_with_both();
    let before = env.digest();
    let out = env
        .cmd()
        .args(["forget", C6, "no-such-conversation", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no conversation with id no-such-conversation")
            && err.contains("nothing was forgotten"),
        "{err}"
    );
    assert_eq!(env.digest(), before);
}

#[test]
fn a_forgotten_conversation_stays_out_unless_allowed_back() {
    let env = Env::new();
    let (z24, _) = fixture_zips(&env);
    env.ingest_one(&z24);
    env.run(&["forget", C6, "--yes"]);

    let out = env
        .cmd()
        .args(["ingest", "--json", "--force"])
        .arg(&z24)
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["conversations"]["skipped_forgotten"], 1);
    assert_eq!(report["conversations"]["total"], 5);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 forgotten conversations in this export were skipped"),
        "{err}"
    );
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM conversations WHERE id = '{C6}'"
        )),
        0
    );
    assert_eq!(
        env.count("SELECT conversations_skipped_forgotten FROM imports ORDER BY id DESC LIMIT 1"),
        1
    );
    assert_eq!(
        env.count("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'zanzibarite'"),
        0
    );

    let out = env
        .cmd()
        .args(["ingest", "--json", "--force", "--allow-forgotten"])
        .arg(&z24)
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["conversations"]["new"], 1);
    assert!(report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("had been forgotten")));
    assert_eq!(
        env.count("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'zanzibarite'"),
        1
    );
    assert_eq!(env.count("SELECT count(*) FROM forgotten_conversations"), 0);
}

#[test]
fn forget_account_removes_everything_of_that_account_only() {
    let env = Env::new();
    let (z24, _) = fixture_zips(&env);
    env.ingest_one(&z24);
    let other = env.path("other.json");
    std::fs::write(
        &other,
        br#"[{"id": "someone-else", "title": "Other account", "mapping": {"r": {"id": "r", "parent": null,
             "message": {"id": "r", "author": {"role": "user"}, "content": {"content_type": "text", "parts": ["marmaladeowl"]}}}}}]"#,
    )
    .unwrap();
    let out = env
        .cmd()
        .args(["ingest", "--account", "other-account"])
        .arg(&other)
        .output()
        .unwrap();
    assert!(out.status.success());

    let out = env
        .cmd()
        .args(["forget", "--account", ACCOUNT, "--yes"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(env.count("SELECT count(*) FROM conversations"), 1);
    assert_eq!(env.count("SELECT count(*) FROM messages"), 1);
    assert_eq!(env.count("SELECT count(*) FROM forgotten_conversations"), 6);
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM imports WHERE account_id = '{ACCOUNT}'"
        )),
        0
    );
    assert_eq!(
        env.string("SELECT account_id FROM imports").as_deref(),
        Some("other-account")
    );
    let db = file_bytes(&env.db);
    assert!(!contains(&db, PLANTED) && !contains(&db, b"ines.marques"));
    assert!(contains(&db, b"marmaladeowl"));
    assert_eq!(verify_json(&env).1["ok"], true);
}

// ---- backup and files ----------------------------------------------------------------------

#[test]
fn backup_is_a_consistent_private_copy_while_a_reader_is_attached() {
    let env = archive_with_both();
    let reader = env.conn();
    reader.execute_batch("BEGIN").unwrap();
    let n: i64 = reader
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 60);
    let copy = env.path("backups/archive-copy.db");
    std::fs::create_dir(env.path("backups")).unwrap();
    let out = env.cmd().arg("backup").arg(&copy).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    reader.execute_batch("COMMIT").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(!env.path("backups/archive-copy.db.partial").exists());
    // Restored (copied into place as a user would), it holds exactly what the archive holds.
    let restored = Env::new();
    std::fs::copy(&copy, &restored.db).unwrap();
    assert_eq!(restored.digest(), env.digest());
    assert_eq!(
        restored.run(&["show", C2, "--format", "original"]),
        env.run(&["show", C2, "--format", "original"])
    );
    assert_eq!(verify_json(&restored).1["ok"], true);

    // A backup never overwrites.
    let out = env.cmd().arg("backup").arg(&copy).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
}

#[test]
fn the_archive_file_is_complete_when_the_tool_exits() {
    let env = Env::new();
    let (z24, _) = fixture_zips(&env);
    create_empty_archive(&env);
    // With another connection open, closing the tool's own connection does not checkpoint by
    // itself: the tool does, on its way out.
    let other = attached_reader(&env);
    env.ingest_one(&z24);
    let alone = env.path("alone.db");
    std::fs::copy(&env.db, &alone).unwrap();
    drop(other);
    let copy = Connection::open(&alone).unwrap();
    let n: i64 = copy
        .query_row("SELECT count(*) FROM conversations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 6, "the .db file alone holds the ingest");
}

#[test]
fn every_file_the_tool_writes_is_private() {
    let env = Env::new();
    let (z24, _) = fixture_zips(&env);
    let exports = [z24.clone(), env.path("chatgpt-2026.zip")];
    let reader_before = std::fs::read_dir(env.dir.path()).unwrap().count();
    assert_eq!(reader_before, 2);
    env.ingest_one(&z24);
    // Keep the log and shared-memory files alive to look at them.
    let reader = env.conn();
    reader
        .query_row("SELECT count(*) FROM conversations", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap();
    env.run(&["forget", C6, "--yes"]);
    env.run(&["backup", "copy.db"]);
    env.run(&["verify"]);
    let mut seen = Vec::new();
    for e in std::fs::read_dir(env.dir.path()).unwrap() {
        let p = e.unwrap().path();
        if exports.contains(&p) {
            continue;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", p.display());
        }
        seen.push(p.file_name().unwrap().to_string_lossy().into_owned());
    }
    seen.sort();
    assert_eq!(
        seen,
        ["archive.db", "archive.db-shm", "archive.db-wal", "copy.db"]
    );
}

#[test]
fn forget_removes_the_files_only_that_conversation_used_and_its_side_records() {
    let env = archive_with_both();
    let cat = std::fs::read(fixture("chatgpt-2024").join("file-AbCdEf0123456789AbCdEf01-cat.png"))
        .unwrap();
    let holds = |needle: &[u8]| {
        let bytes = std::fs::read(&env.db).unwrap();
        bytes.windows(needle.len()).any(|w| w == needle)
    };
    assert!(
        holds(&cat),
        "before: the picture is in the archive file (checkpointed on exit)"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM attachments WHERE size = 78"),
        1
    );
    env.run(&["forget", "--yes", C4]);
    assert_eq!(
        env.count("SELECT count(*) FROM attachments WHERE size = 78"),
        0,
        "the cat picture was C4's alone"
    );
    assert_eq!(
        env.count(
            "SELECT count(*) FROM export_files WHERE path LIKE 'file-AbCdEf0123456789AbCdEf01%'"
        ),
        0
    );
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM library_files WHERE conversation_id = '{C4}'"
        )),
        0
    );
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM message_attachments WHERE conversation_id = '{C4}'"
        )),
        0
    );
    // C8's picture is another conversation's: kept.
    assert_eq!(env.count(&format!("SELECT count(*) FROM message_attachments WHERE conversation_id = '{C8}' AND sha256 IS NOT NULL")), 2);
    assert!(!holds(&cat), "the picture's bytes are gone from the file");
    env.run(&["verify"]);
}

#[test]
fn forget_also_wipes_the_conversation_from_stored_side_files_and_chat_html() {
    let env = Env::new();
    let (z24, _) = fixture_zips(&env);
    let out = env
        .cmd()
        .args(["ingest", "--keep-html"])
        .arg(&z24)
        .output()
        .unwrap();
    assert!(out.status.success());
    let in_file = |needle: &str| {
        let mut bytes = std::fs::read(&env.db).unwrap();
        bytes.extend(std::fs::read(env.db.with_extension("db-wal")).unwrap_or_default());
        contains(&bytes, needle.as_bytes())
    };
    assert_eq!(
        env.count("SELECT stored FROM export_files WHERE path = 'chat.html'"),
        1
    );
    assert!(in_file("zanzibarite"), "chat.html holds C6's text");
    env.run(&["forget", "--yes", C6]);
    assert!(
        !in_file("zanzibarite"),
        "gone from chat.html's stored bytes too"
    );
    // The export still says it held a chat.html, without its bytes.
    assert_eq!(
        env.count("SELECT stored FROM export_files WHERE path = 'chat.html'"),
        0
    );
    env.run(&["verify"]);
}

/// A version whose message content is gone from the archive is a damaged archive, not a mistake
/// on the command line: exit 1 (was 2 before issue 11), naming the archive and what is missing.
#[test]
fn a_damaged_archive_is_reported_as_such_with_exit_code_1() {
    let env = archive_with_both();
    let conn = env.conn();
    // An older version's message content that only `message_revisions` holds.
    let (conversation, version, sha): (String, i64, String) = conn
        .query_row(
            "SELECT v.conversation_id, v.version, r.message_sha256
             FROM conversation_versions v
             JOIN version_nodes vn ON vn.version_id = v.id
             JOIN node_revisions r ON r.id = vn.revision_id
             JOIN message_revisions mr ON mr.sha256 = r.message_sha256
             WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = v.conversation_id
                               AND m.id = vn.node_key AND m.raw_sha256 = r.message_sha256)
             ORDER BY v.id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    conn.execute("DELETE FROM message_revisions WHERE sha256 = ?1", [&sha])
        .unwrap();
    drop(conn);
    let out = env
        .cmd()
        .args([
            "show",
            &conversation,
            "--version",
            &version.to_string(),
            "--format",
            "original",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("archive {}: ", env.db.display()))
            && err.contains(&format!("the archive lacks message content {sha}")),
        "{err}"
    );
}
