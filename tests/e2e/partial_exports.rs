//! Real exports as people have them (issue 13): partial exports refused by default and archived
//! with `--partial`, files the export names but lacks reported, and the export time taken from
//! the export's own evidence. Every message here is in docs/reliability.md.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::common::*;

const HINT: &str =
    "Download the export again; if this is all there is, `chatarchive ingest --partial` \
                    archives what it holds (no conversation is then judged deleted)";

/// Runs `ingest` with `args`; returns (exit code, stdout, stderr).
fn ingest(env: &Env, args: &[&str], path: &Path) -> (Option<i32>, String, String) {
    let out = env
        .cmd()
        .arg("ingest")
        .args(args)
        .arg(path)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    println!("{}: exit {:?}: {stderr}", path.display(), out.status.code());
    (out.status.code(), stdout, stderr)
}

/// Ingest that must fail with exactly `message` (after `chatarchive: `), changing nothing.
fn refused(env: &Env, path: &Path, message: &str) {
    let before = env.digest();
    let (code, _, err) = ingest(env, &[], path);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err, format!("chatarchive: {message}\n"));
    assert_eq!(env.digest(), before, "a refused export changes nothing");
}

/// `ingest --json` plus `extra`, which must succeed: (report, stderr).
fn kept(env: &Env, extra: &[&str], path: &Path) -> (serde_json::Value, String) {
    let mut args = vec!["--json"];
    args.extend(extra);
    let (code, out, err) = ingest(env, &args, path);
    assert_eq!(code, Some(0), "{err}");
    env.assert_consistent();
    (serde_json::from_str(&out).unwrap(), err)
}

fn archive_with_2024() -> Env {
    let env = Env::new();
    let (z24, _) = fixture_zips(&env);
    env.ingest_one(&z24);
    env
}

/// The 2026 export without its first shard, as a folder.
fn without_shard_000(env: &Env, name: &str) -> PathBuf {
    let dir = copy_dir(&fixture("chatgpt-2026"), &env.path(name));
    std::fs::remove_file(dir.join("conversations-000.json")).unwrap();
    dir
}

fn ids(env: &Env, sql: &str) -> Vec<String> {
    let conn = env.conn();
    let mut stmt = conn.prepare(sql).unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

// ---- item 1: partial exports ---------------------------------------------------------------

#[test]
fn a_shard_named_by_the_manifest_missing_is_refused_naming_partial() {
    let env = archive_with_2024();
    let dir = without_shard_000(&env, "no-000");
    refused(
        &env,
        &dir,
        &format!(
            "{}: the export is incomplete: export_manifest.json lists conversations-000.json, which is missing; \
             nothing was imported. {HINT}",
            dir.display()
        ),
    );
    // The same as downloaded: a ZIP.
    let zip = zip_dir(&dir, &env.path("no-000.zip"));
    refused(
        &env,
        &zip,
        &format!(
            "{}: the export is incomplete: export_manifest.json lists conversations-000.json, which is missing; \
             nothing was imported. {HINT}",
            zip.display()
        ),
    );
}

#[test]
fn a_gap_in_the_shard_numbers_is_refused_naming_partial() {
    let env = archive_with_2024();
    let dir = copy_dir(&fixture("chatgpt-2026"), &env.path("gap"));
    std::fs::rename(
        dir.join("conversations-001.json"),
        dir.join("conversations-003.json"),
    )
    .unwrap();
    std::fs::remove_file(dir.join("export_manifest.json")).unwrap();
    refused(
        &env,
        &dir,
        &format!(
            "{}: the export is incomplete: conversation shards 001 to 002 are missing (found conversations-003.json after it); \
             nothing was imported. {HINT}",
            dir.display()
        ),
    );
}

#[test]
fn ingest_partial_archives_what_is_there_and_judges_no_deletions() {
    let env = archive_with_2024();
    let dir = without_shard_000(&env, "no-000");
    let (report, err) = kept(&env, &["--partial"], &dir);
    let why = "the export is partial: export_manifest.json lists conversations-000.json, which is missing; \
               what it holds is archived, and no conversation is judged deleted by it";
    assert!(report["warnings"].as_array().unwrap().contains(&why.into()));
    assert!(err.contains(&format!("  warning: {why}\n")), "{err}");
    assert_eq!(report["partial"], true);
    // Shard 001 holds C9, C8, C7: all new, stored and versioned as usual.
    assert_eq!(report["conversations"]["total"], 3);
    assert_eq!(report["conversations"]["new"], 3);
    assert_eq!(report["conversations"]["deleted"], 0);
    assert!(
        err.contains(&format!(
            "{} (partial export: no deletions judged): 3 conversations: 3 new",
            dir.display()
        )),
        "{err}"
    );
    assert_eq!(
        ids(
            &env,
            "SELECT id FROM conversations WHERE deleted_import_id IS NOT NULL"
        ),
        Vec::<String>::new(),
        "the 2024 conversations the partial export lacks are not deleted"
    );
    assert_eq!(env.count("SELECT partial FROM imports WHERE id = 2"), 1);
    assert_eq!(env.count("SELECT partial FROM imports WHERE id = 1"), 0);
    assert_eq!(
        env.count("SELECT count(*) FROM import_accounts WHERE import_id = 2"),
        0,
        "never a complete snapshot of its account"
    );
    for c in [C7, C8, C9] {
        assert_eq!(
            env.count(&format!(
                "SELECT count(*) FROM conversation_versions WHERE conversation_id = '{c}'"
            )),
            1
        );
    }
    // The imports command says so.
    let table = env.run(&["imports"]);
    assert!(
        table.contains(&format!("{} (partial)", dir.display())),
        "{table}"
    );
    assert!(
        table.contains("2 imports (dates UTC; messages = new messages); 1 partial: no deletions judged by them"),
        "{table}"
    );
    let json: serde_json::Value = serde_json::from_str(&env.run(&["imports", "--json"])).unwrap();
    assert_eq!(json[1]["partial"], true);
    assert_eq!(json[0]["partial"], false);

    // The whole export later: judged against 2024, as if the partial one had not been there.
    let (_, z26) = fixture_zips(&env);
    let full = env.ingest_one(&z26);
    assert_eq!(full["partial"], false);
    assert_eq!(full["conversations"]["deleted"], 1);
    assert_eq!(
        ids(
            &env,
            "SELECT id FROM conversations WHERE deleted_import_id IS NOT NULL"
        ),
        [C6]
    );
}

#[test]
fn a_partial_export_is_never_the_newest_snapshot_of_its_account() {
    // The partial 2026 export first, then the complete 2024 one: 2024 is judged as the newest
    // complete export, but what the partial one brought (updated after 2024 was made) is not
    // taken for deleted by it.
    let env = Env::new();
    let dir = without_shard_000(&env, "no-000");
    kept(&env, &["--partial"], &dir);
    let (z24, z26) = fixture_zips(&env);
    let old = env.ingest_one(&z24);
    assert_eq!(old["conversations"]["deleted"], 0);
    assert_eq!(
        env.count("SELECT count(*) FROM conversations WHERE deleted_import_id IS NOT NULL"),
        0
    );
    let new = env.ingest_one(&z26);
    assert_eq!(new["conversations"]["deleted"], 1);
    assert_eq!(
        ids(
            &env,
            "SELECT id FROM conversations WHERE deleted_import_id IS NOT NULL"
        ),
        [C6]
    );
}

#[test]
fn a_lone_shard_given_as_a_file_is_partial_by_itself() {
    let env = archive_with_2024();
    let dir = copy_dir(&fixture("chatgpt-2026"), &env.path("copy"));
    let shard = dir.join("conversations-001.json");
    let (report, err) = kept(&env, &["--provider", "chatgpt"], &shard);
    let why = "the export is partial: conversations-001.json is one shard of a sharded export \
               (conversations-000.json is not given); what it holds is archived, and no conversation is judged deleted by it";
    // A file given alone holds no other file: whatever its messages point at is missing.
    assert_eq!(
        report["warnings"],
        serde_json::json!([
            why,
            "5 files named by the export are missing: file_0a1b2c3d4e5f60718293a4b5c6d7e8f9, \
             file_3b7d9f1e2c4a6b8d0e1f2a3b4c5d6e7f, file_7c1e4b9a2d3f4e5a8b6c0d1e2f3a4b5c, \
             file_9d8c7b6a5f4e3d2c1b0a998877665544, file_f9e8d7c6b5a4938271605f4e3d2c1b0a"
        ])
    );
    assert!(err.contains(&format!("  warning: {why}\n")), "{err}");
    assert_eq!(report["partial"], true);
    assert_eq!(report["conversations"]["new"], 3);
    assert_eq!(report["conversations"]["deleted"], 0);

    // Shard 000 with shard 001 beside it: partial too.
    let env = archive_with_2024();
    let dir = copy_dir(&fixture("chatgpt-2026"), &env.path("copy"));
    let (report, _) = kept(
        &env,
        &["--account", ACCOUNT],
        &dir.join("conversations-000.json"),
    );
    assert_eq!(
        report["warnings"],
        serde_json::json!([
            "the export is partial: conversations-000.json is one shard of a sharded export \
             (conversations-001.json lies beside it); what it holds is archived, and no conversation is judged deleted by it",
            "2 files named by the export are missing: file-AbCdEf0123456789AbCdEf01, file-ZZZZZZZZZZZZZZZZZZZZZZZZ"
        ])
    );
    assert_eq!(report["conversations"]["deleted"], 0);
}

#[test]
fn shard_000_alone_is_the_whole_export() {
    let env = archive_with_2024();
    let only = env.path("only");
    std::fs::create_dir_all(&only).unwrap();
    let shard = only.join("conversations-000.json");
    std::fs::copy(fixture("chatgpt-2026/conversations-000.json"), &shard).unwrap();
    let (report, err) = kept(&env, &["--account", ACCOUNT], &shard);
    assert_eq!(report["partial"], false);
    assert!(
        err.contains("  note: a conversations file alone holds no attachments; ingest the export's ZIP or folder to keep them\n"),
        "{err}"
    );
    assert_eq!(
        report["warnings"],
        serde_json::json!([
            "2 files named by the export are missing: file-AbCdEf0123456789AbCdEf01, file-ZZZZZZZZZZZZZZZZZZZZZZZZ"
        ])
    );
    // A complete export of the account: C6, gone from it, is judged deleted.
    assert_eq!(report["conversations"]["deleted"], 1);
    // A manifest beside it naming another shard makes it partial.
    let env = archive_with_2024();
    let with_manifest = env.path("with-manifest");
    std::fs::create_dir_all(&with_manifest).unwrap();
    let shard = with_manifest.join("conversations-000.json");
    std::fs::copy(fixture("chatgpt-2026/conversations-000.json"), &shard).unwrap();
    std::fs::copy(
        fixture("chatgpt-2026/export_manifest.json"),
        with_manifest.join("export_manifest.json"),
    )
    .unwrap();
    let (report, _) = kept(&env, &["--account", ACCOUNT], &shard);
    assert_eq!(
        report["warnings"],
        serde_json::json!([
            "the export is partial: conversations-000.json is one shard of a sharded export \
             (export_manifest.json beside it names more); what it holds is archived, and no conversation is judged deleted by it",
            "2 files named by the export are missing: file-AbCdEf0123456789AbCdEf01, file-ZZZZZZZZZZZZZZZZZZZZZZZZ"
        ])
    );
    assert_eq!(report["conversations"]["deleted"], 0);
}

#[test]
fn a_claude_manifest_whose_zip_is_missing_is_refused_then_archived_with_partial() {
    let env = Env::new();
    env.ingest_one(&fixture("claude-2026-03"));
    let dir = zip_parts(&fixture("claude-2026-09"), &env.path("claude"));
    std::fs::remove_file(dir.join("projects-000.zip")).unwrap();
    let manifest = "manifest-4f9a2c1e-7b3d-4e8a-9c21-5d6e7f8a9b0c-2026-09-01.json";
    refused(
        &env,
        &dir,
        &format!(
            "{}: the export is incomplete: {manifest} names projects-000.zip, which is missing. \
             Put every ZIP of the export beside the manifest; nothing was imported. {HINT}",
            dir.display()
        ),
    );
    let (report, _) = kept(&env, &["--partial"], &dir);
    assert!(report["warnings"].as_array().unwrap().contains(
        &format!(
            "the export is partial: {manifest} names projects-000.zip, which is missing. \
             Put every ZIP of the export beside the manifest; what it holds is archived, and no conversation is judged deleted by it"
        )
        .into()
    ));
    assert_eq!(report["partial"], true);
    assert!(report["conversations"]["total"].as_u64().unwrap() > 0);
    assert_eq!(report["projects"]["total"], 0);
    assert_eq!(
        env.count("SELECT count(*) FROM import_accounts WHERE import_id = 2"),
        0
    );
}

#[test]
fn forget_account_removes_its_partial_imports() {
    let env = Env::new();
    let dir = without_shard_000(&env, "no-000");
    kept(&env, &["--partial"], &dir);
    assert_eq!(env.count("SELECT count(*) FROM imports"), 1);
    env.run(&["forget", "--account", ACCOUNT, "--yes"]);
    assert_eq!(env.count("SELECT count(*) FROM conversations"), 0);
    assert_eq!(
        env.count("SELECT count(*) FROM imports"),
        0,
        "the partial import went with its account"
    );
}

// ---- item 2: missing files -----------------------------------------------------------------

#[test]
fn files_the_export_names_but_lacks_are_counted_and_listed() {
    let env = Env::new();
    let dir = copy_dir(&fixture("chatgpt-2026"), &env.path("lost-files"));
    // Two files the manifest lists are gone; one of them is the C8 upload a message points at.
    std::fs::remove_file(dir.join("chat.html")).unwrap();
    std::fs::remove_file(dir.join("file_7c1e4b9a2d3f4e5a8b6c0d1e2f3a4b5c.dat")).unwrap();
    let (report, err) = kept(&env, &[], &dir);
    let missing = [
        "chat.html",
        "file_7c1e4b9a2d3f4e5a8b6c0d1e2f3a4b5c.dat",
        // Named by messages, in no export (fixtures/README.md).
        "file-ZZZZZZZZZZZZZZZZZZZZZZZZ",
        "file_3b7d9f1e2c4a6b8d0e1f2a3b4c5d6e7f",
        "file_9d8c7b6a5f4e3d2c1b0a998877665544",
    ];
    assert_eq!(report["missing_files"], serde_json::json!(missing));
    let full = format!(
        "5 files named by the export are missing: {}",
        missing.join(", ")
    );
    assert!(report["warnings"]
        .as_array()
        .unwrap()
        .contains(&full.clone().into()));
    let stored = env.string("SELECT warnings FROM imports").unwrap();
    assert!(stored.contains(&full), "{stored}");
    // On stderr a few names, then "…".
    let short = format!(
        "  warning: 5 files named by the export are missing: {}\n",
        missing.join(", ")
    );
    assert!(err.contains(&short), "{err}");
}

#[test]
fn the_stderr_summary_names_a_few_missing_files_then_an_ellipsis() {
    let env = Env::new();
    let dir = copy_dir(&fixture("chatgpt-2026"), &env.path("lost-more"));
    for f in [
        "chat.html",
        "file_7c1e4b9a2d3f4e5a8b6c0d1e2f3a4b5c.dat",
        "file_0a1b2c3d4e5f60718293a4b5c6d7e8f9.dat",
    ] {
        std::fs::remove_file(dir.join(f)).unwrap();
    }
    let (report, err) = kept(&env, &[], &dir);
    assert_eq!(report["missing_files"].as_array().unwrap().len(), 6);
    assert!(
        err.contains(
            "  warning: 6 files named by the export are missing: chat.html, file_0a1b2c3d4e5f60718293a4b5c6d7e8f9.dat, \
             file_7c1e4b9a2d3f4e5a8b6c0d1e2f3a4b5c.dat, file-ZZZZZZZZZZZZZZZZZZZZZZZZ, file_3b7d9f1e2c4a6b8d0e1f2a3b4c5d6e7f, …\n"
        ),
        "{err}"
    );
}

#[test]
fn a_later_export_fills_in_missing_files_and_the_count_drops() {
    let env = Env::new();
    let dir = copy_dir(&fixture("chatgpt-2026"), &env.path("lost"));
    std::fs::remove_file(dir.join("file_7c1e4b9a2d3f4e5a8b6c0d1e2f3a4b5c.dat")).unwrap();
    std::fs::remove_file(dir.join("export_manifest.json")).unwrap();
    kept(&env, &[], &dir);
    let missing = |env: &Env| {
        let v: serde_json::Value = serde_json::from_str(&env.run(&["verify", "--json"])).unwrap();
        v["attachments_missing"].as_i64().unwrap()
    };
    let stats = |env: &Env| env.run(&["stats"]);
    assert_eq!(missing(&env), 4);
    assert!(
        stats(&env).contains("4 attachments missing (no export held them)"),
        "{}",
        stats(&env)
    );
    // show and the Markdown export say which file is missing rather than show it like a stored one.
    let missing_marker = "Attachment: IMG\\_2031.png *(missing: not in any export ingested)*\n";
    let shown_stored = "Attachment: IMG\\_2031.png (image/png, 79 bytes)\n";
    let exported_stored = "![IMG\\_2031.png](attachments/c9aa651c95d30b08b44a865927a925824b0250d5fa01ffc2786fd22bd2be9d19.png)\n";
    let shown = env.run(&["show", C8]);
    assert!(shown.contains(missing_marker), "{shown}");
    env.run(&["export", "--out", "md"]);
    let exported = |env: &Env| {
        std::fs::read_dir(env.path("md"))
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
            .find(|t| t.contains("IMG\\_2031.png"))
            .unwrap()
    };
    assert!(exported(&env).contains(missing_marker));

    let (_, z26) = fixture_zips(&env);
    env.ingest_one(&z26);
    assert_eq!(missing(&env), 3, "the later export held the C8 upload");
    let shown = env.run(&["show", C8]);
    assert!(shown.contains(shown_stored), "{shown}");
    env.run(&["export", "--out", "md"]);
    assert!(exported(&env).contains(exported_stored));
    assert!(stats(&env).contains("3 attachments missing (no export held them)"));
}

// ---- item 6: when the export was made ------------------------------------------------------

/// The 2026 export as made just after deleting its most recently updated conversation (C9): its
/// newest update is C8's, a month before 2026's own export time.
fn without_c9(env: &Env) -> PathBuf {
    let dir = copy_dir(&fixture("chatgpt-2026"), &env.path("without-c9-src"));
    let shard = std::fs::read(dir.join("conversations-001.json")).unwrap();
    let mut s =
        chatarchive::json::split::ArraySplitter::new(std::io::BufReader::new(&shard[..]), 1 << 30);
    let mut kept = Vec::new();
    while let Some(e) = s.next_element().unwrap() {
        let text = String::from_utf8(e.bytes).unwrap();
        if !text.contains(C9) {
            kept.push(text);
        }
    }
    std::fs::write(
        dir.join("conversations-001.json"),
        format!("[{}]", kept.join(", ")),
    )
    .unwrap();
    std::fs::remove_file(dir.join("export_manifest.json")).unwrap();
    dir
}

/// Zips `src` with every entry stamped at `dos` (local, no zone) and, when given, the UTC
/// extended timestamp `utc` (seconds since the epoch).
fn zip_stamped(src: &Path, dest: &Path, dos: (u16, u8, u8, u8), utc: Option<u32>) -> PathBuf {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(dest).unwrap());
    let (y, m, d, h) = dos;
    let mut opts = zip::write::FileOptions::<zip::write::ExtendedFileOptions>::default()
        .last_modified_time(zip::DateTime::from_date_and_time(y, m, d, h, 0, 0).unwrap());
    if let Some(t) = utc {
        opts = opts.with_extended_timestamp(Some(t), None, None).unwrap();
    }
    let mut names: Vec<_> = std::fs::read_dir(src)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        zip.start_file(name.as_str(), opts.clone()).unwrap();
        zip.write_all(&std::fs::read(src.join(&name)).unwrap())
            .unwrap();
    }
    zip.finish().unwrap();
    dest.to_path_buf()
}

/// 2026-06-10T08:00:00Z, two days after the 2026 export's newest update.
const JUNE_10: u32 = 1_781_078_400;

fn deleted(env: &Env) -> Vec<String> {
    ids(
        env,
        "SELECT id FROM conversations WHERE deleted_import_id IS NOT NULL ORDER BY id",
    )
}

#[test]
fn export_time_from_the_file_name_notices_the_deletion_in_both_orders() {
    for later_first in [false, true] {
        let env = Env::new();
        let (_, z26) = fixture_zips(&env);
        let later = zip_dir(
            &without_c9(&env),
            &env.path("3f2a9c1d-2026-06-10-08-00-00.zip"),
        );
        let order = if later_first {
            [&later, &z26]
        } else {
            [&z26, &later]
        };
        let reports = env.ingest(&[order[0].as_path(), order[1].as_path()]);
        let r = &reports[if later_first { 0 } else { 1 }];
        assert_eq!(r["export_time"], "2026-06-10T08:00:00.000Z");
        assert_eq!(r["export_time_source"], "file_name");
        let r26 = &reports[if later_first { 1 } else { 0 }];
        assert_eq!(r26["export_time"], "2026-06-08T09:54:43.500Z");
        assert_eq!(r26["export_time_source"], "conversations");
        assert_eq!(deleted(&env), [C9], "later first: {later_first}");
        assert_eq!(
            env.string("SELECT group_concat(export_time_source, ',') FROM (SELECT export_time_source FROM imports ORDER BY id)")
                .unwrap(),
            if later_first {
                "file_name,conversations"
            } else {
                "conversations,file_name"
            }
        );
    }
}

#[test]
fn export_time_from_zip_entry_times() {
    // The extended timestamp is UTC: taken as it is, in both orders.
    for later_first in [false, true] {
        let env = Env::new();
        let (_, z26) = fixture_zips(&env);
        let later = zip_stamped(
            &without_c9(&env),
            &env.path("later.zip"),
            (2026, 6, 10, 8),
            Some(JUNE_10),
        );
        let order = if later_first {
            [&later, &z26]
        } else {
            [&z26, &later]
        };
        let reports = env.ingest(&[order[0].as_path(), order[1].as_path()]);
        let r = &reports[if later_first { 0 } else { 1 }];
        assert_eq!(r["export_time"], "2026-06-10T08:00:00.000Z");
        assert_eq!(r["export_time_source"], "zip_entries");
        assert_eq!(deleted(&env), [C9], "later first: {later_first}");
    }
    // A plain DOS time (no zone) counts only from 14 hours before what it reads.
    let env = Env::new();
    let dos_only = zip_stamped(
        &without_c9(&env),
        &env.path("dos.zip"),
        (2026, 6, 10, 8),
        None,
    );
    let r = env.ingest_one(&dos_only);
    assert_eq!(r["export_time"], "2026-06-09T18:00:00.000Z");
    assert_eq!(r["export_time_source"], "zip_entries");
    // ...and a DOS time within 14 hours of the newest update is no evidence.
    let env = Env::new();
    let near = zip_stamped(
        &without_c9(&env),
        &env.path("near.zip"),
        (2026, 5, 10, 20),
        None,
    );
    let r = env.ingest_one(&near);
    assert_eq!(r["export_time"], "2026-05-10T11:20:13.290Z");
    assert_eq!(r["export_time_source"], "conversations");
}

#[test]
fn against_an_import_made_by_0_1_the_deletion_is_noticed() {
    let env = Env::new();
    std::fs::copy(fixture("archive-0.1/chatarchive-0.1.db"), &env.db).unwrap();
    env.run(&["migrate"]);
    // 0.1 took the newest update for its export time: the migration says so.
    assert_eq!(
        env.string("SELECT group_concat(DISTINCT export_time_source) FROM imports")
            .unwrap(),
        "conversations"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM imports WHERE partial = 1"),
        0
    );
    let later = zip_dir(
        &without_c9(&env),
        &env.path("3f2a9c1d-2026-06-10-08-00-00.zip"),
    );
    let r = env.ingest_one(&later);
    assert_eq!(r["export_time_source"], "file_name");
    assert_eq!(r["conversations"]["deleted"], 1);
    assert!(
        deleted(&env).contains(&C9.to_string()),
        "{:?}",
        deleted(&env)
    );
}

#[test]
fn a_shard_of_another_size_than_the_manifest_says_is_refused_then_archived_with_partial() {
    let env = archive_with_2024();
    let dir = copy_dir(&fixture("chatgpt-2026"), &env.path("resized"));
    let manifest = dir.join("export_manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("11685", "99999")).unwrap();
    refused(
        &env,
        &dir,
        &format!(
            "{}: the export is incomplete: conversations-001.json is 11685 bytes but export_manifest.json says 99999; \
             nothing was imported. {HINT}",
            dir.display()
        ),
    );
    let (report, _) = kept(&env, &["--partial"], &dir);
    assert_eq!(
        report["warnings"][0],
        "the export is partial: conversations-001.json is 11685 bytes but export_manifest.json says 99999; \
         what it holds is archived, and no conversation is judged deleted by it"
    );
    assert_eq!(report["conversations"]["total"], 8);
    assert_eq!(report["conversations"]["deleted"], 0);
}

#[test]
fn a_gap_in_the_shard_numbers_with_partial_is_a_warning() {
    let env = archive_with_2024();
    let dir = copy_dir(&fixture("chatgpt-2026"), &env.path("gap"));
    std::fs::rename(
        dir.join("conversations-001.json"),
        dir.join("conversations-002.json"),
    )
    .unwrap();
    std::fs::remove_file(dir.join("export_manifest.json")).unwrap();
    let (report, err) = kept(&env, &["--partial"], &dir);
    let why = "the export is partial: conversation shard number 001 is missing (found conversations-002.json after it); \
               what it holds is archived, and no conversation is judged deleted by it";
    assert_eq!(report["warnings"][0], why);
    assert!(err.contains(&format!("  warning: {why}\n")), "{err}");
    assert_eq!(report["conversations"]["total"], 8);
    assert_eq!(report["conversations"]["deleted"], 0);
    assert_eq!(env.count("SELECT partial FROM imports WHERE id = 2"), 1);
}

#[test]
fn a_claude_zip_of_another_size_than_the_manifest_says_is_refused_naming_partial() {
    let env = Env::new();
    env.ingest_one(&fixture("claude-2026-03"));
    let dir = zip_parts(&fixture("claude-2026-09"), &env.path("claude"));
    let manifest = "manifest-4f9a2c1e-7b3d-4e8a-9c21-5d6e7f8a9b0c-2026-09-01.json";
    let text = std::fs::read_to_string(dir.join(manifest)).unwrap();
    std::fs::write(
        dir.join(manifest),
        text.replace(
            "\"file_name\": \"memories-000.zip\"",
            "\"file_name\": \"memories-000.zip\", \"size_bytes\": 1",
        ),
    )
    .unwrap();
    let actual = std::fs::metadata(dir.join("memories-000.zip"))
        .unwrap()
        .len();
    refused(
        &env,
        &dir,
        &format!(
            "{}: the export is incomplete: {manifest} names memories-000.zip, which is {actual} bytes instead of 1. \
             Put every ZIP of the export beside the manifest; nothing was imported. {HINT}",
            dir.display()
        ),
    );
    // With --partial the ZIP that is not as named is left out, the rest archived.
    let (report, _) = kept(&env, &["--partial"], &dir);
    assert_eq!(report["partial"], true);
    assert_eq!(report["memories"], 0);
    assert!(report["projects"]["total"].as_u64().unwrap() > 0);
}
