//! End-to-end: the query surfaces of issue 5 (search, show, list, export, history, diff, stats,
//! imports) run through the real binary on an archive holding both fixture exports, asserting on
//! what a user reads. Node keys and facts come from fixtures/README.md.

use std::collections::BTreeSet;

use crate::common::*;
use serde_json::Value;

const C1_U1: &str = "aaa27f06-7a1d-4515-9d65-61e92f7fcdd3";
const C1_A1: &str = "0174c04c-773c-417b-aaa5-4bfbe91969ba";
const C2_SYS: &str = "184f5a31-72b5-4fda-9690-546faa78e3cd";
const C2_U1: &str = "aaa2d3f3-5580-44e3-ac30-e79cbb360674";
const C2_A1: &str = "f0452dc4-9a83-4806-873c-7ffc2a42b248";
const C2_A2A: &str = "a2c71fb5-d6d8-48dc-a618-a475698cb714";
const C2_U2B: &str = "aaa28de7-f8e9-4d84-903d-802abbc67720";
const C2_A2B1: &str = "5a9c5481-4bf9-41f5-8594-daae416152b1";
const C2_A2B2: &str = "5e7f55ea-76bb-4ddd-b718-b49b26119b38";
const C2_U3: &str = "aaa22885-f8b3-4d41-8eb7-80af727d37ec";
const C2_A3: &str = "109ab390-3b18-41ba-8287-4779c1de06d0";

/// An archive with the 2024 export, then the 2026 one.
fn archive() -> Env {
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    env.ingest(&[&z24, &z26]);
    env.assert_consistent();
    env
}

fn json(env: &Env, args: &[&str]) -> Value {
    serde_json::from_str(&env.run(args)).unwrap()
}

/// The message ids of `search QUERY --json [extra...]`.
fn hits(env: &Env, query: &str, extra: &[&str]) -> BTreeSet<String> {
    let mut args = vec!["search", query, "--json"];
    args.extend_from_slice(extra);
    let v = json(env, &args);
    let ids: BTreeSet<String> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["message_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(v["total"].as_u64().unwrap() as usize, ids.len(), "{query}");
    ids
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Runs a command that must fail with a usage error; returns stderr.
fn fails(env: &Env, args: &[&str]) -> String {
    let out = env.cmd().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?} should fail with 2");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn search_finds_each_planted_word_in_exactly_its_message() {
    let env = archive();
    assert_eq!(hits(&env, "quokkaberry", &[]), set(&[C1_U1]));
    assert_eq!(hits(&env, "staleblossom", &[]), set(&[C2_A2A]));
    assert_eq!(hits(&env, "borrowfrond", &[]), set(&[C2_A2B2]));
    assert_eq!(hits(&env, "nebulark", &[]), set(&[C2_U3]));
    // Case does not matter; a word in no message finds nothing.
    assert_eq!(hits(&env, "QuokkaBerry", &[]), set(&[C1_U1]));
    assert!(hits(&env, "zzyzxnotaword", &[]).is_empty());
}

#[test]
fn words_with_punctuation_mean_what_a_person_means() {
    let env = archive();
    assert_eq!(hits(&env, "C++", &[]), set(&[C2_U1, C2_A1]));
    assert_eq!(hits(&env, "node.js", &[]), set(&[C2_U2B, C2_A2B1, C2_A2B2]));
    assert_eq!(hits(&env, "don't", &[]), set(&[C2_A1]));
}

#[test]
fn search_output_has_title_date_role_and_highlight() {
    let env = archive();
    let v = json(&env, &["search", "borrowfrond", "--json"]);
    let h = &v["hits"][0];
    assert_eq!(h["title"], "Rust lifetimes");
    assert_eq!(h["conversation_id"], C2);
    assert_eq!(h["role"], "assistant");
    assert_eq!(h["created_at"], "2024-09-03T22:07:14.568Z");
    assert_eq!(h["on_current_thread"], true);
    assert!(h["snippet"]
        .as_str()
        .unwrap()
        .contains("<mark>borrowfrond</mark>"));
    // The abandoned branch is found, and said to be off the current thread.
    let v = json(&env, &["search", "staleblossom", "--json"]);
    assert_eq!(v["hits"][0]["on_current_thread"], false);

    let text = env.run(&["search", "quokkaberry"]);
    assert!(
        text.starts_with("Lisbon trip 2024 · chatgpt · 2024-09-02 20:32 · user\n"),
        "{text}"
    );
    assert!(text.contains(&format!("{C1} {C1_U1}")), "{text}");
    assert!(text.contains("Code word: [quokkaberry]"), "{text}");
    assert!(text.ends_with("1 matching message\n"), "{text}");
}

#[test]
fn explicit_fts_syntax_is_honoured() {
    let env = archive();
    assert_eq!(
        hits(&env, "staleblossom OR borrowfrond", &[]),
        set(&[C2_A2A, C2_A2B2])
    );
    assert_eq!(
        hits(&env, "node.js NOT garbage", &[]),
        set(&[C2_U2B, C2_A2B1])
    );
    assert_eq!(hits(&env, "borrowfro*", &[]), set(&[C2_A2B2]));
    assert_eq!(
        hits(&env, "\"return the owned string\"", &[]),
        set(&[C2_A2A])
    );
    // NEAR is FTS5 syntax a person does not type: it is available through --fts.
    assert_eq!(
        hits(&env, "NEAR(borrowfrond owner, 8)", &["--fts"]),
        set(&[C2_A2B2])
    );
    assert!(hits(&env, "NEAR(borrowfrond garbage, 2)", &["--fts"]).is_empty());
}

#[test]
fn a_bad_search_expression_is_a_clear_error() {
    let env = archive();
    // What a person types is always read: an unclosed quote runs to the end, a trailing
    // operator is a word, an unclosed parenthesis is closed.
    assert_eq!(hits(&env, "\"unclosed phrase", &[]), set(&[]));
    let v = json(&env, &["search", "quokkaberry AND", "--json"]);
    assert_eq!(v["fts_query"], "\"quokkaberry\" \"and\"");
    assert_eq!(hits(&env, "(quokkaberry", &[]), set(&[C1_U1]));
    // An FTS5 expression given with --fts is checked by FTS5.
    let e = fails(&env, &["search", "--fts", "(rust"]);
    assert!(
        e.starts_with("chatarchive: cannot search for \"(rust\": not a valid search expression"),
        "{e}"
    );
    assert!(!e.contains("panicked"));
}

#[test]
fn text_without_spaces_is_found_as_a_substring() {
    let env = archive();
    assert_eq!(hits(&env, "里斯本", &[]), set(&[C1_A1]));
    assert_eq!(hits(&env, "中文", &[]), set(&[C1_U1, C1_A1]));
    let v = json(&env, &["search", "里斯本", "--json"]);
    assert!(v["fts_query"].is_null());
    assert!(v["hits"][0]["snippet"]
        .as_str()
        .unwrap()
        .contains("<mark>里斯本</mark> is Lisbon"));
}

#[test]
fn search_filters_narrow_the_hits() {
    let env = archive();
    assert_eq!(hits(&env, "node.js", &["--role", "user"]), set(&[C2_U2B]));
    let limited = json(&env, &["search", "node.js", "--limit", "1", "--json"]);
    assert_eq!(limited["total"], 3);
    assert_eq!(limited["hits"].as_array().unwrap().len(), 1);
    let text = env.run(&["search", "node.js", "--limit", "1"]);
    assert!(
        text.ends_with("1 of 3 matching messages shown (--limit to see more)\n"),
        "{text}"
    );
    // --until a date includes that whole day; --since is inclusive.
    let day = ["--since", "2024-09-02", "--until", "2024-09-02"];
    assert_eq!(hits(&env, "quokkaberry", &day), set(&[C1_U1]));
    assert!(hits(&env, "quokkaberry", &["--until", "2024-09-01"]).is_empty());
    // 20:32 UTC is already the next day at +04:00.
    assert!(hits(
        &env,
        "quokkaberry",
        &["--until", "2024-09-02", "--tz", "+04:00"]
    )
    .is_empty());
    assert_eq!(
        hits(
            &env,
            "quokkaberry",
            &["--since", "2024-09-03", "--tz", "+04:00"]
        ),
        set(&[C1_U1])
    );
    // A model: the message's own; a user message goes with its conversation's model.
    assert_eq!(
        hits(&env, "static", &["--model", "gpt-5"]),
        set(&[C2_U3, C2_A3])
    );
    assert_eq!(
        hits(&env, "static", &["--model", "gpt-4o"]),
        set(&[C2_A2B1])
    );
    assert_eq!(
        hits(&env, "quokkaberry", &["--conversation", "66d620c4"]),
        set(&[C1_U1])
    );
    assert!(hits(&env, "quokkaberry", &["--conversation", C2]).is_empty());
    let e = fails(&env, &["search", "x", "--since", "last week"]);
    assert!(e.contains("cannot read the date"), "{e}");
}

/// The `## ` headers of a Markdown transcript, in order.
fn headers(md: &str) -> Vec<String> {
    md.lines()
        .map(|l| {
            l.trim_start_matches("> ")
                .trim_start_matches('>')
                .trim_start()
        })
        .filter(|l| l.starts_with("## "))
        .map(|l| l[3..].split(" · ").next().unwrap().to_string())
        .collect()
}

#[test]
fn show_prints_the_current_thread_as_markdown() {
    let env = archive();
    let md = env.run(&["show", C2]);
    assert!(md.starts_with("# Rust lifetimes\n\n"), "{md}");
    assert!(md.contains(&format!("- Conversation: `{C2}`\n")));
    assert!(md.contains("- Created: 2024-09-03 22:01 (UTC)\n"));
    assert!(md.contains("- Model: gpt-5\n"));
    assert!(md.contains("- Version: 2 of 2 (current)\n"));
    assert_eq!(
        headers(&md),
        [
            "User",
            "Assistant",
            "User",
            "Assistant",
            "User",
            "Assistant"
        ]
    );
    // The thread in order: the edit, the regenerated answer, the 2026 continuation.
    let order = [
        "C++ and Rust",
        "In node.js I just",
        "borrowfrond",
        "nebulark",
        "Use 'static",
    ];
    let at: Vec<usize> = order.iter().map(|w| md.find(w).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{md}");
    assert!(md.contains("## Assistant · gpt-5 · 2026-03-10 11:51\n"));
    for off_thread in ["staleblossom", "regenwhisker"] {
        assert!(
            !md.contains(off_thread),
            "{off_thread} is not on the thread"
        );
    }
    // An unambiguous start of the id is enough; --tz moves the dates shown.
    let md2 = env.run(&["--tz", "+02:00", "show", "66d78729"]);
    assert!(
        md2.contains("- Created: 2024-09-04 00:01 (UTC+02:00)\n"),
        "{md2}"
    );
}

#[test]
fn show_all_branches_nests_each_alternative() {
    let env = archive();
    let md = env.run(&["show", C2, "--all-branches"]);
    assert!(md.contains("> **Branch 1 of 2**\n"), "{md}");
    assert!(
        md.contains("> **Branch 2 of 2** (current thread)\n"),
        "{md}"
    );
    assert!(md.contains("> > **Branch 1 of 2**\n"), "{md}");
    assert!(
        md.contains("> > **Branch 2 of 2** (current thread)\n"),
        "{md}"
    );
    // The original question and its answer in branch 1; the regenerated answers a level deeper.
    let line = |w: &str| md.lines().find(|l| l.contains(w)).unwrap().to_string();
    assert!(line("staleblossom").starts_with("> Because"), "{md}");
    assert!(line("regenwhisker").starts_with("> > In node.js"), "{md}");
    assert!(line("nebulark").starts_with("> > Months later"), "{md}");
    assert!(md.find("staleblossom") < md.find("regenwhisker"));
    assert!(md.find("regenwhisker") < md.find("borrowfrond"));
    assert_eq!(headers(&md).len(), 9);
}

#[test]
fn show_fences_code_and_output_and_leaves_hidden_out_unless_asked() {
    let env = archive();
    // C3 as exported in 2024: a hidden system message, a hidden python call, its output.
    let md = env.run(&["show", C3, "--version", "1"]);
    assert_eq!(headers(&md), ["User", "Tool (python)", "Assistant"]);
    assert!(md.contains("Output:\n\n```\nmax=1.000\n```\n"), "{md}");
    // The hidden code call is not a message of its own: its code is folded above its output.
    assert!(
        md.contains(
            "<details>\n<summary>Code (python)</summary>\n\n```python\nimport numpy as np\n"
        ),
        "{md}"
    );
    assert!(md.find("plotquill") < md.find("max=1.000"), "{md}");
    assert_eq!(md.matches("plotquill").count(), 1, "{md}");
    assert!(md.contains("- Version: 1 of 2\n"));

    let all = env.run(&["show", C3, "--version", "1", "--include-hidden"]);
    // The hidden code call is a message of its own now; the empty system message (`[""]`) has
    // nothing to show, hidden or not.
    assert_eq!(
        headers(&all),
        ["User", "Assistant", "Tool (python)", "Assistant"]
    );
    assert!(
        all.contains("## Assistant · gpt-4o · 2024-09-11 10:56 · hidden\n"),
        "{all}"
    );
    assert!(!all.contains("## System"), "{all}");
    assert!(!all.contains("<summary>Code"), "not twice: {all}");
    assert!(
        all.contains("```python\nimport numpy as np\n"),
        "code fenced with its language: {all}"
    );
    assert!(all.contains("# plotquill: one period of the sine\n"));
}

#[test]
fn show_marks_reasoning_and_links_attachments() {
    let env = archive();
    let md = env.run(&["show", C5]);
    assert!(
        md.contains("## Assistant · o1 · 2024-12-09 11:05 · reasoning\n"),
        "{md}"
    );
    assert!(md.contains("<details>\n<summary>Reasoning</summary>\n"));
    assert!(md.contains("thinkfennel\n\n</details>"), "{md}");
    assert!(md.contains("*Thought for 5 seconds*"));
    assert!(
        md.contains("*\\[quantum\\_widget\\]*"),
        "unknown types say what they are"
    );

    let md = env.run(&["show", C4]);
    // Named with what the archive knows of it; a file no export held is marked missing.
    assert!(
        md.contains("Attachment: cat.png (image/png, 78 bytes)\n"),
        "{md}"
    );
    assert!(
        md.contains("Attachment: old-photo.jpg *(missing: not in any export ingested)*\n"),
        "{md}"
    );
    let v1 = env.run(&["show", C4, "--version", "1"]);
    assert!(
        v1.contains("## Tool (image generation) · 2024-10-02 10:08\n\nAttachment: file\\_0123456789abcdef0123456789abcdef-4d1c0e9a-1b2c-4d3e-8f90-123456789abc.webp (image/webp, 68 bytes)\n"),
        "{v1}"
    );
}

#[test]
fn show_json_is_the_simplified_structure() {
    let env = archive();
    let v = json(&env, &["show", C2, "--version", "1", "--format", "json"]);
    assert_eq!(v["format"], "chatarchive.conversation.v1");
    assert_eq!(v["id"], C2);
    assert_eq!(v["title"], "Rust lifetimes");
    assert_eq!(v["model"], "gpt-4o", "version 1's own model");
    assert_eq!(v["version"], 1);
    assert_eq!(v["versions"], 2);
    assert_eq!(v["messages_shown"], "current_thread");
    let ids: Vec<&str> = v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [C2_U1, C2_A1, C2_U2B, C2_A2B2],
        "hidden system prompt left out"
    );
    let m = &v["messages"][3];
    assert_eq!(m["parent_id"], C2_U2B);
    assert_eq!(m["role"], "assistant");
    assert_eq!(m["content_type"], "text");
    assert_eq!(m["created_at"], "2024-09-03T22:07:14.568Z");
    assert_eq!(m["model"], "gpt-4o");
    assert_eq!(m["hidden"], false);
    assert_eq!(m["reasoning"], false);
    assert!(m["text"].as_str().unwrap().contains("borrowfrond"));
    assert_eq!(
        m["text_spans"],
        serde_json::json!([]),
        "ChatGPT marks no spans"
    );
    let keys: Vec<&String> = m.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 10, "{keys:?}");

    let all = json(
        &env,
        &[
            "show",
            C2,
            "--version",
            "1",
            "--format",
            "json",
            "--all-branches",
            "--include-hidden",
        ],
    );
    assert_eq!(all["messages_shown"], "all_branches");
    assert_eq!(all["messages"].as_array().unwrap().len(), 8);
    assert_eq!(all["messages"][0]["id"], C2_SYS);
    assert_eq!(all["messages"][0]["hidden"], true);
}

#[test]
fn show_explains_unknown_ids_and_versions() {
    let env = archive();
    let e = fails(&env, &["show", "nonexistent"]);
    assert!(e.contains("no conversation with id nonexistent"), "{e}");
    let e = fails(&env, &["show", "66"]);
    assert_eq!(
        e,
        "chatarchive: 66 matches 4 conversations; give more of the id:
  66d620c4-f7aa-8005-aed4-8e483ddc3c47  Lisbon trip 2024
  66d78729-7339-8005-92f1-89a15355588d  Rust lifetimes
  66e17772-e6af-8005-9480-85ab00a6d7e6  Plot a sine wave
  66fd1aeb-54dc-8005-933e-49f4ec55770c  Cat picture\n"
    );
    let e = fails(&env, &["show", C1, "--version", "7"]);
    assert!(e.contains("has no version 7"), "{e}");
}

#[test]
fn list_shows_every_conversation_with_counts_and_flags() {
    let env = archive();
    let text = env.run(&["list"]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("id  "), "{text}");
    assert_eq!(lines.len(), 1 + 9 + 1, "{text}");
    assert!(lines[1].starts_with(C9), "newest first: {text}");
    let c6 = lines.iter().find(|l| l.starts_with(C6)).unwrap();
    assert!(
        c6.contains("deleted,archived") && c6.ends_with("Archived note"),
        "{c6}"
    );
    let c2 = lines.iter().find(|l| l.starts_with(C2)).unwrap();
    let cells: Vec<&str> = c2.split_whitespace().collect();
    assert_eq!(cells[1], "chatgpt", "{c2}");
    assert_eq!(
        cells[6..9],
        ["9", "2", "Rust"],
        "messages, versions, title: {c2}"
    );

    let v = json(&env, &["list", "--json"]);
    let c2 = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["conversation_id"] == C2)
        .unwrap();
    assert_eq!(c2["messages"], 9);
    assert_eq!(c2["user_messages"], 4);
    assert_eq!(c2["assistant_messages"], 5);
    assert_eq!(c2["thread_messages"], 6);
    assert_eq!(c2["versions"], 2);
    assert_eq!(c2["deleted_upstream"], false);

    let deleted = json(&env, &["list", "--deleted", "--json"]);
    assert_eq!(deleted.as_array().unwrap().len(), 1);
    assert_eq!(deleted[0]["conversation_id"], C6);
    let recent = json(&env, &["list", "--since", "2026-05-01", "--json"]);
    let ids: BTreeSet<&str> = recent
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["conversation_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, BTreeSet::from([C8, C9]));
}

#[test]
fn history_lists_every_version_with_its_import() {
    let env = archive();
    let text = env.run(&["history", C1]);
    assert!(
        text.starts_with(&format!("Lisbon trip 2024 · {C1} · chatgpt\n")),
        "{text}"
    );
    let v1 = text.lines().find(|l| l.starts_with("1 ")).unwrap();
    let v2 = text.lines().find(|l| l.starts_with("2 (current)")).unwrap();
    assert!(v1.ends_with("5  Trip to Lisbon"), "{v1}");
    assert!(v2.ends_with("4  Lisbon trip 2024"), "{v2}");
    assert!(v2.contains("2026-02-14 12:00"), "{v2}");

    let h = json(&env, &["history", C1, "--json"]);
    assert_eq!(h["versions"].as_array().unwrap().len(), 2);
    assert_eq!(h["versions"][0]["first_import_id"], 1);
    assert_eq!(h["versions"][1]["first_import_id"], 2);
    assert_eq!(h["versions"][1]["current"], true);
    assert!(h["deleted_in_import"].is_null());

    let c6 = env.run(&["history", C6]);
    assert!(c6.contains("deleted upstream: import 2"), "{c6}");
}

#[test]
fn diff_reports_added_removed_and_title_changes() {
    let env = archive();
    let d = json(&env, &["diff", C2, "1", "2", "--json"]);
    let ids = |k: &str| -> BTreeSet<String> {
        d[k].as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids("added"), set(&[C2_U3, C2_A3]));
    assert_eq!(
        ids("removed"),
        set(&[C2_SYS]),
        "2026 dropped the system prompt"
    );
    assert!(d["changed"].as_array().unwrap().is_empty());
    assert_eq!(d["title_changed"], false);
    assert_eq!(d["current_node_changed"], true);
    assert_eq!(d["to"]["current_node_key"], C2_A3);
    assert_eq!(d["from"]["messages"], 8);
    assert_eq!(d["to"]["messages"], 9);

    let text = env.run(&["diff", C2, "1", "2"]);
    assert!(
        text.contains("title: \"Rust lifetimes\" (unchanged)\n"),
        "{text}"
    );
    assert!(text.contains("added (2):\n"), "{text}");
    assert!(
        text.contains(&format!("+ {C2_U3} user 2026-03-10 11:51 \"Months later")),
        "{text}"
    );
    assert!(text.contains(&format!("- {C2_SYS} system")), "{text}");

    let d = json(&env, &["diff", C1, "1", "2", "--json"]);
    assert_eq!(d["title_changed"], true);
    assert_eq!(d["from"]["title"], "Trip to Lisbon");
    assert_eq!(d["to"]["title"], "Lisbon trip 2024");
    assert!(d["added"].as_array().unwrap().is_empty());
    let text = env.run(&["diff", C1, "1", "2"]);
    assert!(
        text.contains("title: \"Trip to Lisbon\" → \"Lisbon trip 2024\"\n"),
        "{text}"
    );

    // Backwards is the mirror image.
    let back = json(&env, &["diff", C2, "2", "1", "--json"]);
    assert_eq!(back["removed"].as_array().unwrap().len(), 2);
    let e = fails(&env, &["diff", C1, "1", "3"]);
    assert!(e.contains("has no version 3"), "{e}");
}

#[test]
fn stats_and_imports_count_what_was_ingested() {
    let env = archive();
    let s = json(&env, &["stats", "--json"]);
    let t = &s["totals"];
    assert_eq!(t["conversations"], 9);
    assert_eq!(t["deleted_upstream"], 1);
    assert_eq!(t["archived"], 1);
    assert_eq!(t["versions"], 14);
    assert_eq!(t["messages"], 60);
    assert_eq!(t["imports"], 2);
    assert_eq!(t["first_message_at"], "2023-09-06T11:52:02.900Z");
    let model = |m: &str| {
        s["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["model"] == m)
            .cloned()
            .unwrap()
    };
    assert_eq!(model("gpt-5")["conversations"], 3);
    assert_eq!(model("o1")["conversations"], 1);
    let month = |m: &str| {
        s["months"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["month"] == m)
            .cloned()
            .unwrap()
    };
    assert_eq!(month("2024-09")["conversations_started"], 3);
    assert_eq!(month("2026-03")["conversations_started"], 0);
    assert_eq!(month("2026-03")["conversations_active"], 1);

    let text = env.run(&["stats"]);
    assert!(
        text.starts_with("conversations: 9 (1 deleted upstream, 1 archived), 14 versions\n"),
        "{text}"
    );
    assert!(text.contains("\nper month (UTC;"), "{text}");

    let i = json(&env, &["imports", "--json"]);
    assert_eq!(i.as_array().unwrap().len(), 2);
    assert_eq!(i[1]["conversations_new"], 3);
    assert_eq!(i[1]["conversations_changed"], 5);
    assert_eq!(i[1]["conversations_deleted"], 1);
    assert_eq!(i[1]["messages_new"], 13);
    assert_eq!(i[0]["account_id"], ACCOUNT);
    let text = env.run(&["imports"]);
    assert!(
        text.ends_with("2 imports (dates UTC; messages = new messages)\n"),
        "{text}"
    );
}

#[cfg(unix)]
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn export_writes_one_private_file_per_conversation_and_only_changes_on_rerun() {
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    env.ingest(&[&z24]);
    let out = env.path("notes");
    let out_s = out.to_str().unwrap();
    let first = env.run(&["export", "--out", out_s]);
    assert!(
        first.ends_with(
            ": 6 conversations: 6 written, 0 unchanged; linked files: 3 written, 0 unchanged\n"
        ),
        "{first}"
    );
    let old_name = out.join("2024-09-02-trip-to-lisbon-66d620c4.md");
    assert!(old_name.is_file());

    env.ingest(&[&z26]);
    let second = env.run(&["export", "--out", out_s]);
    // C1 renamed (old file removed), C2 continued, C3-C5 re-serialized: all rewritten; C7-C9 new.
    // The cat picture and the canvas are already there; C7's voice clips and C8's upload are new;
    // the DALL·E image is in no current transcript any more (2026 dropped the tool message).
    assert!(
        second.ends_with(
            ": 8 conversations: 8 written, 0 unchanged, 1 renamed (old file removed); \
             linked files: 3 written, 2 unchanged; 1 unused file removed\n"
        ),
        "{second}"
    );
    assert!(!old_name.exists());
    let third = env.run(&["export", "--out", out_s]);
    assert!(
        third.ends_with(
            ": 8 conversations: 0 written, 8 unchanged; linked files: 0 written, 5 unchanged\n"
        ),
        "{third}"
    );

    let rust = out.join("2024-09-03-rust-lifetimes-66d78729.md");
    let md = std::fs::read_to_string(&rust).unwrap();
    assert!(md.starts_with(&format!(
        "---\nid: \"{C2}\"\ntitle: \"Rust lifetimes\"\ncreated: \"2024-09-03T22:01:13.215Z\"\nupdated: \"2026-03-10T11:51:59.804Z\"\nmodel: \"gpt-5\"\n"
    )), "{md}");
    assert!(
        md.contains(&format!("\n---\n\n# Rust lifetimes\n\nOriginal: <https://chatgpt.com/c/{C2}>\n\n## User · 2024-09-03 22:01\n")),
        "{md}"
    );
    assert!(md.contains("borrowfrond") && !md.contains("staleblossom"));
    #[cfg(unix)]
    assert_eq!(mode(&rust), 0o600);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    names.sort();
    // 8 exported now, plus C6's file from the first export: deleted upstream, it is no longer
    // exported by default, but an export never deletes what it did not replace.
    assert_eq!(names.len(), 9, "{names:?}");
    assert!(
        names.contains(&"undated-ferry-booking-6a26913f.md".to_string()),
        "{names:?}"
    );
    assert!(names.contains(&"2023-09-06-archived-note-64f867e2.md".to_string()));

    // A file edited by hand is put back; the others are left alone.
    std::fs::write(&rust, "edited").unwrap();
    let fourth = env.run(&["export", "--out", out_s]);
    assert!(
        fourth.ends_with(
            ": 8 conversations: 1 written, 7 unchanged; linked files: 0 written, 5 unchanged\n"
        ),
        "{fourth}"
    );

    let with_deleted = env.run(&["export", "--out", out_s, "--include-deleted"]);
    assert!(
        with_deleted.ends_with(
            ": 9 conversations: 1 written, 8 unchanged; linked files: 0 written, 5 unchanged\n"
        ),
        "{with_deleted}"
    );
    let c6 = std::fs::read_to_string(out.join("2023-09-06-archived-note-64f867e2.md")).unwrap();
    assert!(
        c6.contains("deleted_upstream: true\narchived: true\n"),
        "{c6}"
    );
    assert!(c6.contains("zanzibarite"));
}

#[test]
fn export_json_writes_the_simplified_structure() {
    let env = archive();
    let out = env.path("json");
    let report = env.run(&["export", "--format", "json", "--out", out.to_str().unwrap()]);
    assert!(
        report.ends_with(": 8 conversations: 8 written, 0 unchanged\n"),
        "{report}"
    );
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("2024-09-02-lisbon-trip-2024-66d620c4.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(v["format"], "chatarchive.conversation.v1");
    assert_eq!(v["title"], "Lisbon trip 2024");
    assert_eq!(v["messages"].as_array().unwrap().len(), 4);
    assert!(v["messages"][3]["text"]
        .as_str()
        .unwrap()
        .contains("Rossio \u{fffd} and"));
}
