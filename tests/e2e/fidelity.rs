//! End-to-end: full fidelity (issue 4): every content type readable, every file of the export
//! stored once and linked, account and side files in their tables.

use crate::common::*;

const CAT_SHA: &str = "87a127b9aa5835b924301f671725b6ae8e7f3fc52a09c23e845b3e63aec60b62";

fn both(env: &Env) {
    let (z24, z26) = fixture_zips(env);
    env.ingest(&[&z24, &z26]);
}

#[test]
fn every_content_type_gets_readable_text() {
    let env = Env::new();
    both(&env);
    let text = |where_: &str| {
        env.string(&format!("SELECT text FROM messages WHERE {where_}"))
            .unwrap_or_default()
    };
    assert!(text("content_type = 'code' AND text LIKE '%plotquill%'").contains("import numpy"));
    assert_eq!(text("content_type = 'execution_output'"), "max=1.000");
    assert!(text("content_type = 'thoughts'").contains("thinkfennel"));
    assert_eq!(
        text("content_type = 'reasoning_recap'"),
        "Thought for 5 seconds"
    );
    assert!(text("content_type = 'tether_quote'").starts_with("Honesty (Lunaria annua)"));
    assert!(text("content_type = 'system_error'").starts_with("tool_error: "));
    assert!(text("content_type = 'sonic_webpage'").contains("ferrywhistle"));
    assert!(text("content_type = 'computer_output'").contains("https://ferries.example.com/book"));
    assert!(text("content_type = 'super_widget'").contains("Ferry 08:15"));
    assert!(text("content_type = 'user_editable_context'").contains("information about themselves"));
    assert!(text("content_type = 'quantum_widget'").contains("qubitsnack"));
    // Voice chats are text too: the transcription is the message text.
    assert!(text(&format!(
        "conversation_id = '{C7}' AND role = 'user' AND text LIKE '%echoharbor%'"
    ))
    .contains("microphone"));
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM messages WHERE conversation_id = '{C7}' AND text = ''"
        )),
        0
    );
    // Reasoning is searchable and marked; context messages are hidden.
    assert_eq!(
        env.count("SELECT count(*) FROM messages WHERE reasoning = 1"),
        2
    );
    assert_eq!(
        env.count("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'thinkfennel'"),
        1
    );
    assert_eq!(
        env.count("SELECT hidden FROM messages WHERE content_type = 'user_editable_context'"),
        1
    );
    // Unknown types: counted per import, one warning per type.
    assert_eq!(
        env.string("SELECT unknown_content_types FROM imports WHERE id = 1")
            .as_deref(),
        Some(r#"{"quantum_widget":1}"#)
    );
}

#[test]
fn unknown_types_warn_once_per_type() {
    let env = Env::new();
    let file = env.path("conversations.json");
    let msg = |id: &str, ct: &str| {
        format!(
            r#""{id}": {{"id": "{id}", "parent": null, "message": {{"id": "{id}", "author": {{"role": "assistant"}},
               "content": {{"content_type": "{ct}", "payload": {{"label": "word{id}"}}}}}}}}"#
        )
    };
    let mapping = [
        msg("a", "hologram"),
        msg("b", "hologram"),
        msg("c", "hologram"),
        msg("d", "smell_o_vision"),
    ]
    .join(",");
    std::fs::write(
        &file,
        format!(r#"[{{"id": "x", "title": "t", "mapping": {{{mapping}}}}}]"#),
    )
    .unwrap();
    let out = env.cmd().arg("ingest").arg(&file).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(err.matches("hologram").count(), 1, "{err}");
    assert!(
        err.contains("hologram (3)") && err.contains("smell_o_vision (1)"),
        "{err}"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM messages WHERE text = 'wordb'"),
        1
    );
}

#[test]
fn files_are_stored_once_and_linked_in_both_layouts() {
    let env = Env::new();
    both(&env);
    // The cat picture came in both exports (a named PNG in 2024, an opaque .dat in 2026): one copy.
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM attachments WHERE sha256 = '{CAT_SHA}'"
        )),
        1
    );
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM export_files WHERE sha256 = '{CAT_SHA}'"
        )),
        2
    );
    assert_eq!(
        env.string(&format!(
            "SELECT mime_type FROM attachments WHERE sha256 = '{CAT_SHA}'"
        ))
        .as_deref(),
        Some("image/png")
    );
    // Old pointer style, top level; new pointer style in a sub-folder (DALL·E).
    assert_eq!(
        env.string("SELECT sha256 FROM message_attachments WHERE asset_pointer = 'file-service://file-AbCdEf0123456789AbCdEf01'")
            .as_deref(),
        Some(CAT_SHA)
    );
    assert_eq!(
        env.string("SELECT a.mime_type FROM message_attachments m JOIN attachments a USING (sha256) WHERE m.asset_pointer LIKE 'sediment://file_0123456789abcdef%'")
            .as_deref(),
        Some("image/webp")
    );
    // 2026 .dat files: type sniffed from the bytes, original name from the name map.
    let (name, mime) = env
        .conn()
        .query_row(
            &format!("SELECT name, mime_type FROM message_attachments WHERE conversation_id = '{C8}' AND kind = 'image_asset_pointer'"),
            [],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .unwrap();
    assert!(name.ends_with("IMG_2031.png"), "{name}");
    assert_eq!(mime, "image/png");
    assert_eq!(env.count(&format!("SELECT count(*) FROM message_attachments WHERE conversation_id = '{C7}' AND sha256 IS NOT NULL")), 2);
    // An expired upload is kept as a link with no file.
    assert_eq!(
        env.count("SELECT count(*) FROM message_attachments WHERE asset_pointer = 'file-service://file-ZZZZZZZZZZZZZZZZZZZZZZZZ' AND sha256 IS NULL"),
        1
    );
    env.assert_consistent();
}

#[test]
fn a_later_export_fills_in_a_missing_file() {
    let env = Env::new();
    let early = copy_dir(&fixture("chatgpt-2024"), &env.path("early"));
    std::fs::remove_file(early.join("file-AbCdEf0123456789AbCdEf01-cat.png")).unwrap();
    env.ingest_one(&early);
    let missing = "SELECT count(*) FROM message_attachments WHERE file_id = 'file-AbCdEf0123456789AbCdEf01' AND sha256 IS NULL";
    assert_eq!(
        env.count(missing),
        2,
        "the image pointer and the upload entry"
    );
    env.ingest_one(&fixture("chatgpt-2026"));
    assert_eq!(env.count(missing), 0);
    assert_eq!(env.count(&format!("SELECT count(*) FROM message_attachments WHERE sha256 = '{CAT_SHA}' AND conversation_id = '{C4}'")), 2);
}

/// Linking files to pointers only looks at the asset ids an import brings (issue 11): a file that
/// arrives with an export whose conversations are all unchanged still completes the old links.
#[test]
fn a_late_file_completes_the_links_of_conversations_held_unchanged() {
    let env = Env::new();
    let early = copy_dir(&fixture("chatgpt-2024"), &env.path("early"));
    std::fs::remove_file(early.join("file-AbCdEf0123456789AbCdEf01-cat.png")).unwrap();
    env.ingest_one(&early);
    let missing = "SELECT count(*) FROM message_attachments WHERE file_id = 'file-AbCdEf0123456789AbCdEf01' AND sha256 IS NULL";
    assert_eq!(env.count(missing), 2);
    let messages = env.count("SELECT count(*) FROM messages");

    // The same export again, now with the file: nothing else changed.
    let again = copy_dir(&fixture("chatgpt-2024"), &env.path("again"));
    let report = env.ingest_one(&again);
    assert_eq!(report["conversations"]["changed"], 0, "{report}");
    assert_eq!(report["conversations"]["new"], 0, "{report}");
    assert_eq!(env.count("SELECT count(*) FROM messages"), messages);
    assert_eq!(env.count(missing), 0);
    assert_eq!(env.count(&format!("SELECT count(*) FROM message_attachments WHERE sha256 = '{CAT_SHA}' AND conversation_id = '{C4}'")), 2);
    env.assert_consistent();
}

/// The other way round: a pointer that arrives after its file finds the file an earlier import
/// stored.
#[test]
fn a_pointer_finds_the_file_an_earlier_import_brought() {
    let env = Env::new();
    let files_only = copy_dir(&fixture("chatgpt-2024"), &env.path("files-only"));
    std::fs::write(files_only.join("conversations.json"), "[]").unwrap();
    env.ingest_one(&files_only);
    assert_eq!(env.count("SELECT count(*) FROM message_attachments"), 0);
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM attachments WHERE sha256 = '{CAT_SHA}'"
        )),
        1
    );

    let later = copy_dir(&fixture("chatgpt-2024"), &env.path("later"));
    std::fs::remove_file(later.join("file-AbCdEf0123456789AbCdEf01-cat.png")).unwrap();
    env.ingest_one(&later);
    assert_eq!(
        env.count("SELECT count(*) FROM message_attachments WHERE file_id = 'file-AbCdEf0123456789AbCdEf01' AND sha256 IS NULL"),
        0
    );
    assert_eq!(env.count(&format!("SELECT count(*) FROM message_attachments WHERE sha256 = '{CAT_SHA}' AND conversation_id = '{C4}'")), 2);
    env.assert_consistent();
}

#[test]
fn unreferenced_and_large_files_are_kept_and_extracted_intact() {
    let env = Env::new();
    let dir = copy_dir(&fixture("chatgpt-2024"), &env.path("export"));
    std::fs::create_dir_all(dir.join("notes")).unwrap();
    std::fs::write(dir.join("notes/readme.txt"), "nobody points at me").unwrap();
    // 9 MB of varied bytes: stored in chunks, never whole in one value.
    let big: Vec<u8> = (0..9_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(dir.join("file-BigBigBigBigBigBigBigBig01-voice.wav"), &big).unwrap();
    let zip = zip_dir(&dir, &env.path("export.zip"));
    env.ingest_one(&zip);
    assert_eq!(env.count("SELECT count(*) FROM export_files WHERE path = 'notes/readme.txt' AND kind = 'other' AND stored = 1"), 1);
    assert_eq!(
        env.count("SELECT chunk_count FROM attachments WHERE size = 9000000"),
        3
    );
    assert_eq!(
        env.count("SELECT count(*) FROM attachments WHERE size = 9000000 AND data IS NULL"),
        1
    );
    // chat.html is recorded, not stored, unless asked.
    assert_eq!(
        env.count("SELECT stored FROM export_files WHERE path = 'chat.html'"),
        0
    );

    let out = env.path("out");
    env.run(&["attachments", "extract", "--out", out.to_str().unwrap()]);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(names.contains(&"readme.txt".to_string()), "{names:?}");
    let wav = names
        .iter()
        .find(|n| n.ends_with("voice.wav"))
        .expect("the big file");
    assert_eq!(std::fs::read(out.join(wav)).unwrap(), big);
    assert_eq!(
        std::fs::read(out.join("file-AbCdEf0123456789AbCdEf01-cat.png")).unwrap(),
        std::fs::read(dir.join("file-AbCdEf0123456789AbCdEf01-cat.png")).unwrap()
    );
    assert!(names
        .iter()
        .all(|n| !n.contains('/') && !n.starts_with('.')));

    let kept = Env::new();
    let out = kept
        .cmd()
        .args(["ingest", "--keep-html"])
        .arg(&zip)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        kept.count("SELECT stored FROM export_files WHERE path = 'chat.html'"),
        1
    );
}

#[test]
fn extract_one_conversation_only() {
    let env = Env::new();
    both(&env);
    let out = env.path("voice");
    env.run(&[
        "attachments",
        "extract",
        "--out",
        out.to_str().unwrap(),
        "--conversation",
        C7,
    ]);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2);
    assert!(names.iter().all(|n| n.ends_with(".wav")), "{names:?}");
}

#[test]
fn account_and_side_files_have_tables() {
    let env = Env::new();
    both(&env);
    assert_eq!(
        env.string(&format!(
            "SELECT email FROM accounts WHERE id = '{ACCOUNT}'"
        ))
        .as_deref(),
        Some("ines.marques@example.com")
    );
    assert_eq!(
        env.count(&format!(
            "SELECT last_import_id FROM accounts WHERE id = '{ACCOUNT}'"
        )),
        2
    );
    assert_eq!(env.count("SELECT count(*) FROM account_snapshots"), 2);
    assert_eq!(
        env.count("SELECT count(*) FROM account_snapshots WHERE raw LIKE '%birth_year%'"),
        1
    );
    assert_eq!(
        env.string("SELECT rating || ':' || text || ':' || tags FROM message_feedback")
            .as_deref(),
        Some(r#"thumbsDown:wrong lifetime rule:["not-factual"]"#)
    );
    assert_eq!(
        env.string("SELECT conversation_id FROM shared_conversations")
            .as_deref(),
        Some(C1)
    );
    assert_eq!(env.count("SELECT count(*) FROM model_comparisons"), 1);
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM library_files WHERE conversation_id IN ('{C4}', '{C8}')"
        )),
        2
    );
    // Side files with no records are kept raw, per import.
    for f in [
        "user_settings.json",
        "sora.json",
        "shopping.json",
        "group_chats.json",
        "export_manifest.json",
    ] {
        assert_eq!(env.count(&format!("SELECT count(*) FROM export_files WHERE path = '{f}' AND stored = 1 AND import_id = 2")), 1, "{f}");
    }
}

#[test]
fn canvas_documents_and_citations_get_tables() {
    let env = Env::new();
    both(&env);
    assert_eq!(
        env.string("SELECT content FROM canvas_documents WHERE name = 'poem'")
            .as_deref(),
        Some("Roses are red\nViolets are blue")
    );
    assert_eq!(
        env.count("SELECT count(*) FROM canvas_document_versions"),
        2
    );

    let cited = Env::new();
    let file = cited.path("conversations.json");
    std::fs::write(
        &file,
        r#"[{"id": "c", "title": "Cited", "mapping": {"m": {"id": "m", "parent": null, "message": {"id": "m",
            "author": {"role": "assistant"}, "content": {"content_type": "text", "parts": ["See 【1†source】"]},
            "metadata": {"citations": [{"start_ix": 4, "end_ix": 14, "metadata": {"type": "webpage", "title": "Rust Book",
            "url": "https://doc.rust-lang.org/book/", "text": "lifetimes"}}],
            "content_references": [{"type": "grouped_webpages", "items": [{"title": "Nomicon", "url": "https://doc.rust-lang.org/nomicon/"}]}]}}}}}]"#,
    )
    .unwrap();
    cited.ingest_one(&file);
    assert_eq!(
        cited
            .string("SELECT group_concat(title, '|') FROM citations ORDER BY position")
            .as_deref(),
        Some("Rust Book|Nomicon")
    );
}
