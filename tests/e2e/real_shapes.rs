//! End-to-end: shapes of real exports that hand-made fixtures missed (found in the audit of
//! December 2026), each as a small export built here, ingested and read the way a user would.

use crate::common::*;
use serde_json::{json, Value};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\0\x01\0\0\x05\0\x01\r\n-\xb4\0\0\0\0IEND\xaeB`\x82";

fn node(id: &str, parent: Option<&str>, message: Value) -> (String, Value) {
    (
        id.to_string(),
        json!({"id": id, "parent": parent, "message": message}),
    )
}

/// The root of a ChatGPT message tree (no message).
fn root() -> (String, Value) {
    node("root", None, Value::Null)
}

/// The user's first message, `u`, under the root.
fn user_asks(text: &str) -> (String, Value) {
    node(
        "u",
        Some("root"),
        json!({"id": "u", "author": {"role": "user"}, "create_time": 1716000000.0,
               "content": {"content_type": "text", "parts": [text]}}),
    )
}

fn chatgpt(id: &str, nodes: Vec<(String, Value)>, current: &str) -> Value {
    let mapping: serde_json::Map<String, Value> = nodes.into_iter().collect();
    json!({"id": id, "conversation_id": id, "title": "Audit", "create_time": 1716000000.0,
           "update_time": 1716000003.0, "current_node": current, "mapping": mapping})
}

/// A code-interpreter chart: the tool message says only `<<ImageDisplayed>>`; the picture is
/// named in `metadata.aggregate_result.messages`, and the ZIP holds it like any upload.
#[test]
fn a_code_interpreter_chart_is_an_attachment_of_its_tool_message() {
    let env = Env::new();
    let chart = "file-Ch0000000000000000000001";
    let conv = chatgpt(
        "ci-chart",
        vec![
            root(),
            user_asks("plot it"),
            node(
                "a",
                Some("u"),
                json!({"id": "a", "author": {"role": "assistant"}, "recipient": "python",
                "content": {"content_type": "code", "language": "python", "text": "plt.plot([1, 2])"},
                "create_time": 1716000001.0}),
            ),
            node(
                "t",
                Some("a"),
                json!({"id": "t", "author": {"role": "tool", "name": "python"},
                "content": {"content_type": "execution_output", "text": "<<ImageDisplayed>>"},
                "create_time": 1716000002.0,
                "metadata": {"aggregate_result": {"status": "success", "messages": [
                    {"message_type": "image", "image_payload": null,
                     "image_url": format!("file-service://{chart}"), "width": 800, "height": 600}]}}}),
            ),
        ],
        "t",
    );
    let json = serde_json::to_vec(&json!([conv])).unwrap();
    let name = format!("{chart}-0c2a4d7b-0000-4000-8000-000000000000.png");
    let zip = zip_entries(
        &env.path("chart.zip"),
        &[
            ("conversations.json", &json),
            (name.as_str(), PNG),
            ("user.json", br#"{"id": "user-a"}"#),
        ],
    );
    env.ingest_one(&zip);
    assert_eq!(
        env.string(
            "SELECT message_id || ' ' || coalesce(sha256, 'missing') FROM message_attachments"
        )
        .unwrap(),
        "t 2b1da20a14b97d8f01f0a809d9f7d53eeefc59df6312eaa5a0c8b5c1228d1d7f"
    );
    let out = env.path("md");
    env.run(&["export", "--out", out.to_str().unwrap()]);
    let md = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "md"))
        .unwrap();
    let md = std::fs::read_to_string(md).unwrap();
    assert!(
        md.contains(
            "](attachments/2b1da20a14b97d8f01f0a809d9f7d53eeefc59df6312eaa5a0c8b5c1228d1d7f.png)"
        ),
        "{md}"
    );
    env.assert_consistent();
}

/// The category ZIPs of a manifest-delivered Claude export handed over without the manifest:
/// each conversations ZIP alone is partial (the next one's conversations would otherwise be
/// judged deleted by the one before), and a ZIP without conversations says what to ingest.
#[test]
fn claude_category_zips_without_their_manifest_judge_nothing_deleted() {
    let env = Env::new();
    let parts = zip_parts(&fixture("claude-2026-09"), &env.path("parts"));
    // A second conversations ZIP, as larger accounts get: the first conversation moved into it.
    let all: Value = serde_json::from_slice(
        &std::fs::read(fixture(
            "claude-2026-09/conversations-000/conversations.json",
        ))
        .unwrap(),
    )
    .unwrap();
    let all = all.as_array().unwrap();
    let (first, rest) = all.split_at(1);
    let json = |v: &[Value]| serde_json::to_vec(v).unwrap();
    zip_entries(
        &parts.join("conversations-000.zip"),
        &[("conversations.json", &json(rest))],
    );
    zip_entries(
        &parts.join("conversations-001.zip"),
        &[("conversations.json", &json(first))],
    );
    for f in std::fs::read_dir(&parts).unwrap() {
        let p = f.unwrap().path();
        if p.to_string_lossy().ends_with(".json") {
            std::fs::remove_file(p).unwrap(); // the manifest
        }
    }
    let out = env
        .cmd()
        .arg("ingest")
        .arg(parts.join("conversations-000.zip"))
        .arg(parts.join("conversations-001.zip"))
        .arg(parts.join("projects-000.zip"))
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("warning: the export is partial: conversations-000.zip is one ZIP of a Claude export made of several (conversations-001.zip lies beside it; ingest the folder or the manifest to read them together)"),
        "{err}"
    );
    assert!(
        err.contains("warning: the export is partial: conversations-001.zip is one ZIP of a Claude export made of several (its manifest is not given)"),
        "{err}"
    );
    assert!(
        err.contains("projects-000.zip: this is the projects ZIP of a Claude export made of several ZIPs; it is read together with the others through their manifest. Ingest the folder holding the manifest-….json and its ZIPs (or the manifest file itself)"),
        "{err}"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM conversations"),
        all.len() as i64
    );
    assert_eq!(
        env.count("SELECT count(*) FROM conversations WHERE deleted_import_id IS NOT NULL"),
        0
    );
}

/// `export_manifest.json` with only `logical_files` (late 2026): the shards it lists are checked
/// like those of `export_files`, so a missing last shard (no gap in the numbering to see) is
/// refused instead of read as the whole export.
#[test]
fn a_manifest_with_only_logical_files_tells_a_missing_shard() {
    let env = Env::new();
    let dir = copy_dir(&fixture("chatgpt-2026"), &env.path("logical"));
    let manifest = json!({
        "logical_files": {
            "conversations.json": {"files": ["conversations-000.json", "conversations-001.json"],
                                   "shard_count": 2, "sharded": true},
            "user.json": {"files": ["user.json"], "sharded": false}
        },
        "manifest_file": "export_manifest.json",
        "version": 1
    });
    std::fs::write(
        dir.join("export_manifest.json"),
        serde_json::to_vec_pretty(&manifest).unwrap(),
    )
    .unwrap();
    // Complete: read as before (in an archive of its own).
    let whole = Env::new();
    whole.ingest_one(&dir);

    std::fs::remove_file(dir.join("conversations-001.json")).unwrap();
    let out = env.cmd().arg("ingest").arg(&dir).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the export is incomplete: export_manifest.json lists conversations-001.json, which is missing; nothing was imported."),
        "{err}"
    );
    // Only the count, no file list: the count alone names the shard too.
    let manifest =
        json!({"logical_files": {"conversations.json": {"shard_count": 2, "sharded": true}}});
    std::fs::write(
        dir.join("export_manifest.json"),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
    let out = env.cmd().arg("ingest").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("export_manifest.json lists conversations-001.json, which is missing"));
}

/// A canvas document's words are found by search, also those at the start of a line: the call's
/// text is the document, not its JSON arguments (where `\nword` is the token `nword`).
#[test]
fn search_finds_a_word_on_any_line_of_a_canvas_document() {
    let env = Env::new();
    let create = json!({"name": "bread_poem", "type": "document",
                        "content": "Crust of gold, heart of air,\nleavenword rises there."})
    .to_string();
    let update = json!({"updates": [{"pattern": "gold", "multiple": true, "replacement": "rye"}]})
        .to_string();
    let conv = chatgpt(
        "canvas-search",
        vec![
            root(),
            user_asks("a poem please"),
            node(
                "c1",
                Some("u"),
                json!({"id": "c1", "author": {"role": "assistant"},
                "recipient": "canmore.create_textdoc",
                "content": {"content_type": "code", "language": "json", "text": create},
                "create_time": 1716000001.0}),
            ),
            // 2026: no recipient; the arguments' shape says it is canvas.
            node(
                "c2",
                Some("c1"),
                json!({"id": "c2", "author": {"role": "assistant"},
                "content": {"content_type": "code", "language": "json", "text": update},
                "create_time": 1716000002.0}),
            ),
        ],
        "c2",
    );
    let file = env.path("conversations.json");
    std::fs::write(&file, serde_json::to_vec(&json!([conv])).unwrap()).unwrap();
    env.ingest_one(&file);
    let hits = env.run(&["search", "leavenword"]);
    assert!(hits.contains("canvas-search c1"), "{hits}");
    assert_eq!(
        env.string("SELECT text FROM messages WHERE id = 'c2'")
            .unwrap(),
        "rye"
    );
    // The replay still reads the arguments as written.
    assert_eq!(
        env.string("SELECT content FROM canvas_documents").unwrap(),
        "Crust of rye, heart of air,\nleavenword rises there."
    );
    // And the original keeps the arguments as written.
    let original: Value =
        serde_json::from_str(&env.run(&["show", "canvas-search", "--format", "original"])).unwrap();
    let args = |c: &Value| c["mapping"]["c1"]["message"]["content"]["text"].clone();
    assert_eq!(args(&original), args(&conv));
    env.assert_consistent();
}

/// An export unpacked and zipped again on a Mac: everything in one folder, beside it
/// `__MACOSX/` resource forks and a `.DS_Store`. The folder is still seen through.
#[test]
fn an_export_zipped_again_by_macos_is_read() {
    let env = Env::new();
    let src = fixture("chatgpt-2024");
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for name in [
        "conversations.json",
        "user.json",
        "file-AbCdEf0123456789AbCdEf01-cat.png",
    ] {
        let bytes = std::fs::read(src.join(name)).unwrap();
        files.push((format!("export/{name}"), bytes));
        files.push((
            format!("__MACOSX/export/._{name}"),
            b"\x00\x05\x16\x07 AppleDouble".to_vec(),
        ));
    }
    files.push(("export/.DS_Store".into(), b"\x00\x00\x00\x01Bud1".to_vec()));
    let entries: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let zip = zip_entries(&env.path("re-zipped.zip"), &entries);
    env.ingest_one(&zip);
    let reference = Env::new();
    reference.ingest_one(&src);
    assert!(reference.count("SELECT count(*) FROM messages") > 0);
    assert_eq!(
        env.count("SELECT count(*) FROM messages"),
        reference.count("SELECT count(*) FROM messages")
    );
    // The cat picture is the real file, not its resource fork.
    assert_eq!(
        env.count(
            "SELECT count(*) FROM message_attachments ma JOIN attachments a ON a.sha256 = ma.sha256
             WHERE a.mime_type = 'image/png'"
        ),
        reference.count(
            "SELECT count(*) FROM message_attachments ma JOIN attachments a ON a.sha256 = ma.sha256
             WHERE a.mime_type = 'image/png'"
        )
    );
    env.assert_consistent();
}

/// The folder an export was unpacked into, given instead of the export's folder inside it
/// (unpacking a ZIP that has a folder around everything makes two levels): read like the ZIP.
#[test]
fn the_folder_around_an_unpacked_export_is_read_like_the_export() {
    let env = Env::new();
    let outer = env.path("Downloads-export");
    std::fs::create_dir(&outer).unwrap();
    copy_dir(&fixture("chatgpt-2024"), &outer.join("chatgpt-2024-export"));
    env.ingest_one(&outer);
    let reference = Env::new();
    reference.ingest_one(&fixture("chatgpt-2024"));
    for sql in [
        "SELECT count(*) FROM messages",
        "SELECT count(*) FROM message_attachments WHERE sha256 IS NOT NULL",
    ] {
        assert_eq!(env.count(sql), reference.count(sql), "{sql}");
    }
    env.assert_consistent();
}

/// Two canvas documents, then an update of the first: the tool's reply names the document
/// (`metadata.canvas.textdoc_id`), so the update goes there, not to the most recent one.
#[test]
fn a_canvas_update_goes_to_the_document_its_reply_names() {
    let env = Env::new();
    let call = |id: &str, parent: &str, recipient: &str, args: Value, t: f64| {
        node(
            id,
            Some(parent),
            json!({"id": id, "author": {"role": "assistant"}, "recipient": recipient,
                   "content": {"content_type": "code", "language": "json", "text": args.to_string()},
                   "create_time": t}),
        )
    };
    let reply = |id: &str, parent: &str, tool: &str, doc: &str, t: f64| {
        node(
            id,
            Some(parent),
            json!({"id": id, "author": {"role": "tool", "name": tool},
                   "content": {"content_type": "text", "parts": ["Successfully updated text document"]},
                   "metadata": {"canvas": {"textdoc_id": doc, "textdoc_type": "document", "version": 1}},
                   "create_time": t}),
        )
    };
    let conv = chatgpt(
        "two-docs",
        vec![
            root(),
            user_asks("a plan and a poem"),
            call(
                "c1",
                "u",
                "canmore.create_textdoc",
                json!({"name": "plan", "type": "document", "content": "Step one"}),
                1716000001.0,
            ),
            reply(
                "r1",
                "c1",
                "canmore.create_textdoc",
                "doc-plan",
                1716000001.5,
            ),
            call(
                "c2",
                "r1",
                "canmore.create_textdoc",
                json!({"name": "poem", "type": "document", "content": "Roses"}),
                1716000002.0,
            ),
            reply(
                "r2",
                "c2",
                "canmore.create_textdoc",
                "doc-poem",
                1716000002.5,
            ),
            call(
                "c3",
                "r2",
                "canmore.update_textdoc",
                json!({"updates": [{"pattern": ".*", "replacement": "Step one\nStep two"}]}),
                1716000003.0,
            ),
            reply(
                "r3",
                "c3",
                "canmore.update_textdoc",
                "doc-plan",
                1716000003.5,
            ),
        ],
        "r3",
    );
    let file = env.path("conversations.json");
    std::fs::write(&file, serde_json::to_vec(&json!([conv])).unwrap()).unwrap();
    env.ingest_one(&file);
    let docs = env
        .conn()
        .prepare("SELECT name, version_count, content FROM canvas_documents ORDER BY id")
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(
        docs,
        [
            ("plan".to_string(), 2, "Step one\nStep two".to_string()),
            ("poem".to_string(), 1, "Roses".to_string()),
        ]
    );
    let shown = env.run(&["show", "two-docs"]);
    assert!(
        shown.contains("Canvas: plan (updated, version 2)"),
        "{shown}"
    );
    env.assert_consistent();
}

/// A 2026 `.dat` file that conversation_asset_file_names.json does not name: library_files.json
/// gives its name, and that is the name people see.
#[test]
fn a_dat_file_takes_its_name_from_the_library_when_the_asset_map_lacks_it() {
    let env = Env::new();
    let dir = env.path("export-2026");
    std::fs::create_dir_all(&dir).unwrap();
    let conv = chatgpt(
        "dat-name",
        vec![
            root(),
            node(
                "u",
                Some("root"),
                json!({"id": "u", "author": {"role": "user"}, "create_time": 1716000000.0,
                       "content": {"content_type": "multimodal_text", "parts": [
                           {"content_type": "image_asset_pointer",
                            "asset_pointer": "sediment://file_1111111111111111aaaaaaaaaaaaaaaa",
                            "size_bytes": PNG.len(), "width": 1, "height": 1},
                           "what is this?"]}}),
            ),
        ],
        "u",
    );
    std::fs::write(
        dir.join("conversations.json"),
        serde_json::to_vec(&json!([conv])).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("file_1111111111111111aaaaaaaaaaaaaaaa.dat"), PNG).unwrap();
    std::fs::write(
        dir.join("conversation_asset_file_names.json"),
        serde_json::to_vec(&json!({})).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("library_files.json"),
        serde_json::to_vec(&json!([{"file_id": "file_1111111111111111aaaaaaaaaaaaaaaa",
                                    "file_name": "photo.png", "mime_type": "image/png"}]))
        .unwrap(),
    )
    .unwrap();
    env.ingest_one(&dir);
    assert_eq!(
        env.string(
            "SELECT original_name FROM export_files WHERE path = 'file_1111111111111111aaaaaaaaaaaaaaaa.dat'"
        )
        .unwrap(),
        "photo.png"
    );
    let listed = env.run(&["attachments", "list"]);
    assert!(listed.contains("photo.png"), "{listed}");
    let shown = env.run(&["show", "dat-name"]);
    assert!(shown.contains("Attachment: photo.png"), "{shown}");
    env.assert_consistent();
}
