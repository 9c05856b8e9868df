//! The hostile and broken input corpus (issue 7): one test per case, each run through the real
//! binary against an archive that already holds the 2024 export. A hard error must exit non-zero,
//! name what to fix, and leave the archive's content exactly as it was; a warning case must keep
//! the rest. The rule and every message are in docs/reliability.md.

use std::path::{Path, PathBuf};

use crate::common::*;

/// An env whose archive holds the 2024 export, and that archive's digest.
fn archive_with_2024() -> (Env, String) {
    let env = Env::new();
    let (z24, _) = fixture_zips(&env);
    env.ingest_one(&z24);
    let digest = env.digest();
    (env, digest)
}

/// Ingests `path`, which must fail with a message holding every one of `expect`, and leave the
/// archive unchanged. Returns the message.
fn refused(env: &Env, before: &str, path: &Path, expect: &[&str]) -> String {
    let out = env.cmd().arg("ingest").arg(path).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    println!("{}: exit {:?}: {err}", path.display(), out.status.code());
    assert_eq!(out.status.code(), Some(1), "must fail: {err}");
    for e in expect {
        assert!(err.contains(e), "message should mention {e:?}: {err}");
    }
    assert_eq!(
        env.digest(),
        before,
        "a refused export must not change the archive"
    );
    env.assert_consistent();
    err
}

/// Ingests `path`, which must succeed; returns (report, stderr).
fn kept(env: &Env, path: &Path) -> (serde_json::Value, String) {
    let out = env
        .cmd()
        .args(["ingest", "--json"])
        .arg(path)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    println!("{}: exit {:?}: {err}", path.display(), out.status.code());
    assert!(out.status.success(), "must succeed: {err}");
    let report = serde_json::from_slice(&out.stdout).unwrap();
    env.assert_consistent();
    (report, err)
}

fn conversations_2024() -> Vec<u8> {
    std::fs::read(fixture("chatgpt-2024").join("conversations.json")).unwrap()
}

/// The fixture's conversations, each as its own JSON text.
fn split(bytes: &[u8]) -> Vec<String> {
    let mut s =
        chatarchive::json::split::ArraySplitter::new(std::io::BufReader::new(bytes), 1 << 30);
    let mut out = Vec::new();
    while let Some(e) = s.next_element().unwrap() {
        out.push(String::from_utf8(e.bytes).unwrap());
    }
    out
}

fn write(env: &Env, name: &str, bytes: &[u8]) -> PathBuf {
    let p = env.path(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

// ---- containers ----------------------------------------------------------------------------

#[test]
fn truncated_zip() {
    let (env, before) = archive_with_2024();
    let (_, z26) = fixture_zips(&env);
    let bytes = std::fs::read(&z26).unwrap();
    let cut = write(&env, "cut.zip", &bytes[..bytes.len() * 2 / 3]);
    refused(
        &env,
        &before,
        &cut,
        &["cut.zip", "not a readable ZIP", "download the export again"],
    );
}

#[test]
fn zip_whose_compressed_data_is_damaged() {
    let (env, before) = archive_with_2024();
    let zip = zip_entries(
        &env.path("damaged.zip"),
        &[("conversations.json", &conversations_2024())],
    );
    let mut bytes = std::fs::read(&zip).unwrap();
    // Flip bytes in the middle of the deflated data (after the 30-byte local header + name).
    for b in &mut bytes[2000..2040] {
        *b ^= 0x5a;
    }
    std::fs::write(&zip, &bytes).unwrap();
    refused(
        &env,
        &before,
        &zip,
        &["conversations.json", "corrupt", "download it again"],
    );
}

#[test]
fn zip_without_conversations_json() {
    let (env, before) = archive_with_2024();
    let zip = zip_entries(
        &env.path("no-conversations.zip"),
        &[
            ("user.json", br#"{"id": "user-x"}"#),
            ("chat.html", b"<html></html>"),
        ],
    );
    refused(
        &env,
        &before,
        &zip,
        &[
            "not a ChatGPT export",
            "no conversations.json",
            "user.json, chat.html",
        ],
    );
}

// ---- conversations.json --------------------------------------------------------------------

#[test]
fn conversations_json_that_is_not_json() {
    let (env, before) = archive_with_2024();
    let f = write(&env, "conversations.json", b"Hello, this is not JSON\n");
    refused(
        &env,
        &before,
        &f,
        &[
            "not a ChatGPT or Claude export",
            "not JSON",
            "\"Hello, this is not JSON",
        ],
    );
    // The same inside a ZIP: the entry is named, and so is the byte.
    let zip = zip_entries(
        &env.path("export.zip"),
        &[("conversations.json", b"Hello, this is not JSON\n")],
    );
    refused(
        &env,
        &before,
        &zip,
        &["conversations.json", "not a JSON array", "found 'H'"],
    );
}

#[test]
fn truncated_conversations_json() {
    let (env, before) = archive_with_2024();
    let bytes = conversations_2024();
    let f = write(&env, "conversations.json", &bytes[..bytes.len() / 2]);
    let err = refused(
        &env,
        &before,
        &f,
        &["the file ends inside conversation #", "truncated"],
    );
    assert!(err.contains("which starts at byte"), "{err}");
}

#[test]
fn an_object_instead_of_an_array() {
    let (env, before) = archive_with_2024();
    let f = write(&env, "conversations.json", br#"{"conversations": []}"#);
    refused(&env, &before, &f, &["a JSON object, not the JSON array"]);
}

#[test]
fn an_element_that_is_not_a_conversation_object() {
    let (env, before) = archive_with_2024();
    let convs = split(&conversations_2024());
    let f = write(
        &env,
        "conversations.json",
        format!("[{}, 42]", convs[0]).as_bytes(),
    );
    refused(
        &env,
        &before,
        &f,
        &["conversation #1", "a conversation must be a JSON object"],
    );
}

#[test]
fn a_conversation_missing_mapping_or_id_is_kept_with_a_warning() {
    let (env, _) = archive_with_2024();
    let f = write(
        &env,
        "conversations.json",
        br#"[{"id": "no-tree", "title": "No mapping", "update_time": 1725309124.5},
             {"title": "No id", "mapping": {"r": {"id": "r", "parent": null, "message": {"id": "r",
              "author": {"role": "user"}, "content": {"content_type": "text", "parts": ["orphaned words"]}}}}}]"#,
    );
    let (report, err) = kept(&env, &f);
    assert_eq!(report["conversations"]["new"], 2);
    assert!(
        err.contains("conversation #0 (no-tree): no `mapping`"),
        "{err}"
    );
    assert!(err.contains("no `id` or `conversation_id`"), "{err}");
    assert_eq!(
        env.count("SELECT count(*) FROM conversations WHERE id LIKE 'missing-id-%'"),
        1
    );
    assert_eq!(
        env.count("SELECT count(*) FROM messages WHERE text = 'orphaned words'"),
        1
    );
}

#[test]
fn parent_cycle_and_dangling_parent_are_kept_with_a_warning() {
    let (env, _) = archive_with_2024();
    let f = write(
        &env,
        "conversations.json",
        br#"[{"id": "loop", "current_node": "a", "mapping": {
              "a": {"id": "a", "parent": "b", "message": {"id": "a", "author": {"role": "user"}, "content": {"content_type": "text", "parts": ["first"]}}},
              "b": {"id": "b", "parent": "a", "message": {"id": "b", "author": {"role": "assistant"}, "content": {"content_type": "text", "parts": ["second"]}}},
              "c": {"id": "c", "parent": "nowhere", "message": {"id": "c", "author": {"role": "user"}, "content": {"content_type": "text", "parts": ["third"]}}}}}]"#,
    );
    let (_, err) = kept(&env, &f);
    assert!(
        err.contains("cycle") && err.contains("missing parent nowhere"),
        "{err}"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM messages WHERE conversation_id = 'loop'"),
        3
    );
    let problems = env
        .string("SELECT problems FROM conversation_versions WHERE conversation_id = 'loop'")
        .unwrap();
    assert!(problems.contains("nowhere"), "{problems}");
}

#[test]
fn duplicate_conversation_ids_in_one_file_keep_both_copies() {
    let (env, _) = archive_with_2024();
    let convs = split(&conversations_2024());
    let renamed = convs[0].replacen("\"title\":\"", "\"title\":\"Copy of ", 1);
    assert_ne!(renamed, convs[0]);
    let f = write(
        &env,
        "conversations.json",
        format!("[{}, {renamed}]", convs[0]).as_bytes(),
    );
    let (report, err) = kept(&env, &f);
    assert!(
        err.contains("appears more than once in the export"),
        "{err}"
    );
    assert_eq!(report["conversations"]["total"], 2);
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM conversation_versions WHERE conversation_id = '{C5}'"
        )),
        2
    );
}

#[test]
fn duplicate_conversation_ids_across_shards_keep_both_copies() {
    let (env, _) = archive_with_2024();
    let dir = copy_dir(&fixture("chatgpt-2026"), &env.path("dup-shards"));
    // C2 of shard 000 appears again, retitled, at the start of shard 001.
    let shard0 = split(&std::fs::read(dir.join("conversations-000.json")).unwrap());
    let c2 = shard0.iter().find(|c| c.contains(C2)).unwrap();
    let retitled = c2.replacen("\"title\": \"", "\"title\": \"Again: ", 1);
    assert_ne!(&retitled, c2);
    let shard1 = std::fs::read_to_string(dir.join("conversations-001.json")).unwrap();
    let patched = format!(
        "[{retitled}, {}",
        shard1.trim_start().strip_prefix('[').unwrap()
    );
    std::fs::write(dir.join("conversations-001.json"), patched).unwrap();
    std::fs::remove_file(dir.join("export_manifest.json")).unwrap();
    let (report, err) = kept(&env, &dir);
    assert!(
        err.contains(&format!("conversation {C2} appears more than once")),
        "{err}"
    );
    assert_eq!(report["conversations"]["total"], 9);
    // 2024's version plus both 2026 copies.
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM conversation_versions WHERE conversation_id = '{C2}'"
        )),
        3
    );
}

#[test]
fn sharded_export_with_a_shard_missing() {
    let (env, before) = archive_with_2024();
    let dir = copy_dir(&fixture("chatgpt-2026"), &env.path("partial"));
    std::fs::remove_file(dir.join("conversations-001.json")).unwrap();
    refused(
        &env,
        &before,
        &dir,
        &[
            "incomplete",
            "conversations-001.json",
            "nothing was imported",
        ],
    );
    // Without the manifest the gap in the numbering still gives it away.
    let gap = copy_dir(&fixture("chatgpt-2026"), &env.path("gap"));
    std::fs::rename(
        gap.join("conversations-001.json"),
        gap.join("conversations-002.json"),
    )
    .unwrap();
    std::fs::remove_file(gap.join("export_manifest.json")).unwrap();
    refused(
        &env,
        &before,
        &gap,
        &["incomplete", "shard number 001 is missing"],
    );
}

/// Peak resident memory of a running child, polled from /proc until it exits (Linux only).
fn run_measuring_peak_kb(mut cmd: std::process::Command) -> (std::process::Output, u64) {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poller = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(s) = std::fs::read_to_string(&status_file) {
                    if let Some(kb) = s
                        .lines()
                        .find(|l| l.starts_with("VmHWM:"))
                        .and_then(|l| l.split_whitespace().nth(1))
                        .and_then(|n| n.parse::<u64>().ok())
                    {
                        peak.fetch_max(kb, std::sync::atomic::Ordering::Relaxed);
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        })
    };
    let out = child.wait_with_output().unwrap();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    poller.join().unwrap();
    (out, peak.load(std::sync::atomic::Ordering::Relaxed))
}

#[test]
fn a_50_mb_single_message_is_stored_whole_in_bounded_memory() {
    let env = Env::new();
    const SIZE: usize = 50 << 20;
    let mut text = String::with_capacity(SIZE + 64);
    let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"];
    let mut i = 0usize;
    while text.len() < SIZE {
        text.push_str(words[i % words.len()]);
        text.push_str(&(i % 997).to_string());
        text.push(' ');
        i += 1;
    }
    text.push_str("hugefinale");
    let conversation = serde_json::json!([{
        "id": "huge", "title": "Huge", "current_node": "m",
        "mapping": {
            "r": {"id": "r", "parent": null, "message": null, "children": ["m"]},
            "m": {"id": "m", "parent": "r", "children": [], "message": {
                "id": "m", "author": {"role": "user"},
                "content": {"content_type": "text", "parts": [text]}}}
        }
    }]);
    let f = env.path("conversations.json");
    serde_json::to_writer(std::fs::File::create(&f).unwrap(), &conversation).unwrap();
    drop(conversation);
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("chatarchive"));
    cmd.arg("--db").arg(&env.db).arg("ingest").arg(&f);
    let (out, peak_kb) = run_measuring_peak_kb(cmd);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        env.count("SELECT length(text) FROM messages WHERE conversation_id = 'huge'"),
        text.len() as i64
    );
    assert_eq!(
        env.count("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'hugefinale'"),
        1
    );
    println!(
        "peak resident memory for a 50 MB message: {} MB",
        peak_kb / 1024
    );
    if cfg!(target_os = "linux") {
        // The bound is a multiple of the largest conversation (copies: element, canonical
        // forms, message text, SQLite's record), never of the export. Debug build; measured
        // 427 MB (about 8.5x): a message this large is written directly, not staged.
        assert!(peak_kb > 0, "no memory figure read");
        assert!(
            peak_kb < 16 * (SIZE as u64 / 1024),
            "peak {} MB for a 50 MB message",
            peak_kb / 1024
        );
    }
}

#[test]
fn deeply_nested_json() {
    let (env, before) = archive_with_2024();
    let deep = format!(
        r#"[{{"id": "deep-one", "mapping": {{}}, "x": {}1{}}}]"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let f = write(&env, "conversations.json", deep.as_bytes());
    let err = refused(
        &env,
        &before,
        &f,
        &[
            "nested deeper than 128 levels",
            "conversation #0",
            "deep-one",
        ],
    );
    // The byte named is inside the run of brackets, past the 128th.
    let at: usize = err.split("at byte ").nth(1).unwrap()[..3].parse().unwrap();
    let start = deep.find("[[").unwrap();
    assert_eq!(deep.as_bytes()[at], b'[', "{err}");
    assert!(at > start + 128 && at < start + 200, "{err}");
}

#[test]
fn invalid_utf8() {
    let (env, before) = archive_with_2024();
    let mut bytes = br#"[{"id": "latin1", "title": "caf"#.to_vec();
    let at = bytes.len();
    bytes.push(0xE9); // 'é' in Latin-1: not UTF-8
    bytes.extend_from_slice(br#"", "mapping": {}}]"#);
    let f = write(&env, "conversations.json", &bytes);
    refused(
        &env,
        &before,
        &f,
        &[
            "invalid UTF-8 (byte 0xe9)",
            "latin1",
            &format!("at byte {at}"),
        ],
    );
}

// ---- entry names ---------------------------------------------------------------------------

/// Entry names are only ever looked up in the ZIP, never joined to a path on disk: whatever they
/// say, nothing is written outside the archive, and the ingest works or says what it found.
#[test]
fn entry_names_with_dot_dot_absolute_paths_and_backslashes() {
    let env = Env::new();
    let conv = conversations_2024();
    let before: Vec<_> = std::fs::read_dir(env.dir.path()).unwrap().collect();
    assert!(before.is_empty());

    let dotdot = zip_entries(
        &env.path("dotdot.zip"),
        &[
            ("../conversations.json", &conv),
            ("../user.json", br#"{"id": "user-dotdot"}"#),
        ],
    );
    let (report, _) = kept(&env, &dotdot);
    assert_eq!(report["conversations"]["new"], 6);
    assert_eq!(report["account_id"], "user-dotdot");

    let backslash = zip_entries(
        &env.path("backslash.zip"),
        &[
            ("export\\conversations.json", &conv),
            ("export\\user.json", br#"{"id": "user-backslash"}"#),
        ],
    );
    let (report, _) = kept(&env, &backslash);
    assert_eq!(report["conversations"]["total"], 6);
    assert_eq!(report["account_id"], "user-backslash");

    let absolute = zip_entries(
        &env.path("absolute.zip"),
        &[
            ("/conversations.json", &conv),
            ("/etc/passwd", b"root:x:0:0"),
        ],
    );
    let (report, _) = kept(&env, &absolute);
    assert_eq!(report["conversations"]["total"], 6);

    // Deeper tricks are not guessed at: the message lists what the ZIP holds.
    let nested = zip_entries(
        &env.path("nested.zip"),
        &[("../../tmp/evil/conversations.json", &conv)],
    );
    let before = env.digest();
    refused(
        &env,
        &before,
        &nested,
        &[
            "not a ChatGPT or Claude export",
            "tmp/evil/conversations.json",
        ],
    );

    // Nothing but the archive and the ZIPs appeared, and no `evil` anywhere near.
    let mut names: Vec<String> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("archive.db"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["absolute.zip", "backslash.zip", "dotdot.zip", "nested.zip"]
    );
    assert!(!env
        .dir
        .path()
        .parent()
        .unwrap()
        .join("conversations.json")
        .exists());
}

// ---- ZIP bombs -----------------------------------------------------------------------------

/// Rewrites the uncompressed size of every entry, in its local header and in the central
/// directory, as a bomb's would lie.
fn set_declared_size(zip: &Path, size: u32) {
    let mut b = std::fs::read(zip).unwrap();
    let mut i = 0;
    while i + 4 <= b.len() {
        let field = match &b[i..i + 4] {
            b"PK\x03\x04" => Some(i + 22),
            b"PK\x01\x02" => Some(i + 24),
            _ => None,
        };
        if let Some(f) = field {
            b[f..f + 4].copy_from_slice(&size.to_le_bytes());
        }
        i += 1;
    }
    std::fs::write(zip, b).unwrap();
}

#[test]
fn zip_bomb_entry_inflating_past_its_declared_size() {
    let (env, before) = archive_with_2024();
    let zip = zip_entries(
        &env.path("bomb.zip"),
        &[("conversations.json", &conversations_2024())],
    );
    set_declared_size(&zip, 1000);
    refused(
        &env,
        &before,
        &zip,
        &[
            "ZIP entry `conversations.json` inflates past its declared size of 1000 bytes",
            "ZIP bomb",
        ],
    );
}

#[test]
fn zip_bomb_entry_claiming_an_impossible_ratio() {
    let (env, before) = archive_with_2024();
    let zip = zip_entries(
        &env.path("ratio.zip"),
        &[("conversations.json", &conversations_2024())],
    );
    set_declared_size(&zip, 4_000_000_000);
    refused(
        &env,
        &before,
        &zip,
        &[
            "ZIP entry `conversations.json` claims to hold 4000000000 bytes",
            "ZIP bomb",
            "Nothing was imported",
        ],
    );
}

// ---- not an export -------------------------------------------------------------------------

#[test]
fn a_png_is_not_an_export() {
    let (env, before) = archive_with_2024();
    let png = fixture("chatgpt-2024").join("file-AbCdEf0123456789AbCdEf01-cat.png");
    refused(
        &env,
        &before,
        &png,
        &[
            "not a ChatGPT or Claude export",
            "a PNG image",
            "the export's ZIP",
        ],
    );
}

#[test]
fn an_empty_folder_is_not_an_export() {
    let (env, before) = archive_with_2024();
    let dir = env.path("empty");
    std::fs::create_dir(&dir).unwrap();
    refused(
        &env,
        &before,
        &dir,
        &["not a ChatGPT or Claude export", "found nothing"],
    );
}

#[test]
fn an_export_of_neither_provider_is_refused_and_says_what_it_found() {
    let (env, before) = archive_with_2024();
    let zip = zip_entries(
        &env.path("someone-elses-export.zip"),
        &[
            (
                "conversations.json",
                br#"[{"thread": "t-1", "posts": [{"body": "hello"}]}]"#,
            ),
            ("readme.txt", b"not ours"),
        ],
    );
    refused(
        &env,
        &before,
        &zip,
        &["not a ChatGPT or Claude export", "--provider"],
    );
}

#[test]
fn an_archive_from_a_newer_chatarchive_is_refused_for_writing() {
    let (env, _) = archive_with_2024();
    env.conn()
        .execute(
            "INSERT INTO _chatarchive_migrations (version, name, applied_on, checksum) VALUES (999, 'future', '2030-01-01T00:00:00Z', '0')",
            [],
        )
        .unwrap();
    let before = env.digest();
    let (_, z26) = fixture_zips(&env);
    refused(
        &env,
        &before,
        &z26,
        &[
            "written by a newer chatarchive",
            "schema version 999",
            "Upgrade chatarchive",
        ],
    );
}
