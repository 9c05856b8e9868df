//! End-to-end: one archive holding ChatGPT and Claude exports, read through every query surface
//! (search, list, show, export, history, diff, stats, imports) with and without `--provider`.
//! Real ZIPs built from the fixtures, the real binary; facts from fixtures/README.md.

use std::collections::BTreeSet;

use crate::common::*;
use serde_json::Value;

const K1: &str = "5b8f0a34-6c1d-4e2f-9a3b-7c4d5e6f7081";
const K2: &str = "c2e9d1a0-8f7b-4c6d-b5a4-3e2f1d0c9b8a";
const K3: &str = "0e7c3b5a-2d4f-4b6e-8a1c-9f3e5d7b1a2c";
const K4: &str = "9d4c2b1a-0f8e-4d7c-a6b5-4c3d2e1f0a9b";
const K1_H1: &str = "019c7a47-06d0-7ba3-a5ab-095aa3d41c59";
const K1_A1: &str = "019c7a47-1448-7a86-aa3e-bba607467d70";
const K1_H2B: &str = "019c7a4b-9660-711d-93fb-f2d5ac00ae3b";
const K1_A2B2: &str = "019c7a4d-6e0e-7cdd-831f-d410e59043c0";
const K1_H3: &str = "019ff1df-bdc0-799e-848a-d06f453bd13e";
const K1_A3: &str = "019ff1df-d6c0-7a7d-9381-4db75c761c39";
const C2_A1: &str = "f0452dc4-9a83-4806-873c-7ffc2a42b248";
const PLACEHOLDER: &str = "This block is not supported on your current device yet.";

/// ChatGPT 2024 and 2026, then Claude March (single ZIP) only.
fn march() -> Env {
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    let claude = zip_dir(&fixture("claude-2026-03"), &env.path("claude-03.zip"));
    env.ingest(&[&z24, &z26, &claude]);
    env
}

/// `march()` plus Claude September (the manifest beside its category ZIPs): K1 continued, K4
/// new, K3 deleted upstream.
fn september() -> Env {
    let env = march();
    let sept = zip_parts(&fixture("claude-2026-09"), &env.path("claude-09"));
    env.ingest(&[&sept]);
    env
}

fn json(env: &Env, args: &[&str]) -> Value {
    serde_json::from_str(&env.run(args)).unwrap()
}

fn strings<'a>(v: &'a Value, key: &str) -> Vec<&'a str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].as_str().unwrap())
        .collect()
}

/// The text between `from` and the next `to` after it.
fn between<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let start = text
        .find(from)
        .unwrap_or_else(|| panic!("{from:?} not in {text}"))
        + from.len();
    let end = text[start..]
        .find(to)
        .unwrap_or_else(|| panic!("{to:?} not after {from:?} in {text}"));
    &text[start..start + end]
}

#[test]
fn search_finds_both_providers_and_the_filter_keeps_one() {
    let env = march();
    let all = json(&env, &["search", "borrow checker", "--json"]);
    let hits = all["hits"].as_array().unwrap();
    let found: BTreeSet<(&str, &str, &str)> = hits
        .iter()
        .map(|h| {
            (
                h["provider"].as_str().unwrap(),
                h["conversation_id"].as_str().unwrap(),
                h["message_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        BTreeSet::from([("chatgpt", C2, C2_A1), ("claude", K1, K1_H1)]),
        "{all}"
    );

    let claude = json(
        &env,
        &["search", "borrow checker", "--provider", "claude", "--json"],
    );
    assert_eq!(claude["total"], 1);
    assert_eq!(claude["hits"][0]["message_id"], K1_H1);
    assert_eq!(claude["hits"][0]["title"], "Borrow checker questions");
    let chatgpt = json(
        &env,
        &[
            "search",
            "borrow checker",
            "--provider",
            "chatgpt",
            "--json",
        ],
    );
    assert_eq!(strings(&chatgpt["hits"], "conversation_id"), [C2]);
    assert_eq!(strings(&chatgpt["hits"], "provider"), ["chatgpt"]);

    // People see the provider beside the title.
    let text = env.run(&["search", "borrow checker"]);
    assert!(
        text.contains("Borrow checker questions · claude · 2026-02-20 09:00 · user\n"),
        "{text}"
    );
    assert!(text.contains("Rust lifetimes · chatgpt · "), "{text}");
    assert!(text.ends_with("2 matching messages\n"), "{text}");

    // A word only Claude's thinking holds, and one only a tool result holds.
    let thought = json(&env, &["search", "marrowlight", "--json"]);
    assert_eq!(strings(&thought["hits"], "message_id"), [K1_A1]);
    let none = json(
        &env,
        &["search", "harborquill", "--provider", "chatgpt", "--json"],
    );
    assert_eq!(none["total"], 0);
    let e = env
        .cmd()
        .args(["search", "x", "--provider", "gemini"])
        .output()
        .unwrap();
    assert!(!e.status.success());
    assert!(
        String::from_utf8_lossy(&e.stderr).contains("possible values: chatgpt, claude"),
        "{}",
        String::from_utf8_lossy(&e.stderr)
    );
}

#[test]
fn list_shows_the_provider_and_filters_on_it() {
    let env = september();
    let claude = json(&env, &["list", "--provider", "claude", "--json"]);
    assert_eq!(
        strings(&claude, "conversation_id"),
        [K4, K1, K2, K3],
        "newest update first"
    );
    assert!(strings(&claude, "provider").iter().all(|p| *p == "claude"));
    let k3 = &claude[3];
    assert_eq!(k3["deleted_upstream"], true, "K3 is not in September");
    assert_eq!(claude[1]["versions"], 2);
    assert_eq!(claude[1]["thread_messages"], 6, "h1 a1 h2b a2b2 h3 a3");
    assert_eq!(claude[1]["messages"], 9);

    let chatgpt = json(&env, &["list", "--provider", "chatgpt", "--json"]);
    assert_eq!(chatgpt.as_array().unwrap().len(), 9);
    let deleted = json(&env, &["list", "--deleted", "--json"]);
    let mut gone: Vec<(&str, &str)> = deleted
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["provider"].as_str().unwrap(),
                r["conversation_id"].as_str().unwrap(),
            )
        })
        .collect();
    gone.sort();
    assert_eq!(gone, [("chatgpt", C6), ("claude", K3)]);

    let text = env.run(&["list", "--provider", "claude"]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("id  "), "{text}");
    assert!(lines[0].contains(" provider "), "{text}");
    assert_eq!(lines.len(), 1 + 4 + 1, "{text}");
    let k1 = lines.iter().find(|l| l.starts_with(K1)).unwrap();
    let cells: Vec<&str> = k1.split_whitespace().collect();
    assert_eq!(cells[1], "claude", "{k1}");
    assert!(k1.ends_with("Borrow checker & HashMap"), "{k1}");
    assert!(text.ends_with("4 conversations (dates UTC)\n"), "{text}");
}

#[test]
fn show_renders_a_tool_heavy_claude_conversation() {
    let env = march();
    let md = env.run(&["show", K2]);
    assert!(md.starts_with("# Ferry timetable\n\n"), "{md}");
    assert!(md.contains("- Provider: claude\n"), "{md}");
    assert!(!md.contains(PLACEHOLDER), "{md}");
    assert!(!md.contains("*[thinking"), "spans, not block types: {md}");

    // The answer: folded thinking, each tool call followed by its result, the text plain.
    let a1 = between(&md, "## Assistant · 2026-02-27 18:10\n", "## User");
    assert!(
        a1.starts_with(
            "\n<details>\n<summary>Reasoning</summary>\n\nI need current times, so search first. driftlantern\n\n</details>\n\nLet me look that up.\n\n"
        ),
        "{a1}"
    );
    let search_call = between(
        a1,
        "<summary>Tool call: web_search</summary>\n\n",
        "</details>",
    );
    assert_eq!(
        search_call,
        "```\nSearching the web\nquery: Cais do Sodré Seixal ferry timetable\n```\n\n"
    );
    let search_result = between(
        a1,
        "<summary>Tool result: web_search</summary>\n\n",
        "</details>",
    );
    assert_eq!(
        search_result,
        "```\nTranstejo: Seixal line\nFerries every 20 minutes in the morning. harborquill\n```\n\n"
    );
    let order: Vec<usize> = [
        "Tool call: web_search",
        "Tool result: web_search",
        "Tool call: web_fetch",
        "Tool result: web_fetch",
        "lanternquay",
    ]
    .iter()
    .map(|s| a1.find(s).unwrap_or_else(|| panic!("{s} not in {a1}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{a1}");
    assert!(
        a1.trim_end().ends_with(
            "</details>\n\nThe first ferry leaves Cais do Sodré at 07:35, then 08:15. lanternquay"
        ),
        "the answer stays plain text, last: {a1}"
    );

    // The user's attachment: its extracted text quoted under its name, once.
    let h1 = between(&md, "## User · 2026-02-27 18:10\n", "## Assistant");
    assert!(
        h1.contains(
            "> *Attached file:* itinerary.txt\n>\n> Day 1: arrive Lisbon.  \n> Day 2: ferry to Seixal, saltmarrow market.  \n"
        ),
        "{h1}"
    );
    assert_eq!(h1.matches("itinerary.txt").count(), 1, "{h1}");
    // Only its name came with the export: marked missing, not linked.
    assert!(
        h1.contains("Attachment: map.png *(missing: not in any export ingested)*\n"),
        "{h1}"
    );

    // The failed tool run is folded like the others; the injected prompt is hidden, as in
    // Claude's interface, and shown with --include-hidden.
    let a2 = md.rsplit("## Assistant").next().unwrap();
    assert!(
        a2.contains(
            "<summary>Tool result: repl (error)</summary>\n\n```\nSyntaxError: gravelmint\n```"
        ),
        "{a2}"
    );
    assert!(!md.contains("orchidvane"), "{md}");
    let hidden = env.run(&["show", K2, "--include-hidden"]);
    assert!(
        hidden.contains(
            "> *Context the provider added (hidden in its interface):*\n>\n> Keep answers short: orchidvane style.\n"
        ),
        "{hidden}"
    );

    // The simplified JSON keeps the whole text and says where the spans are.
    let v = json(&env, &["show", K2, "--format", "json"]);
    assert_eq!(v["provider"], "claude");
    let a1 = &v["messages"][1];
    let text: Vec<char> = a1["text"].as_str().unwrap().chars().collect();
    let spans = a1["text_spans"].as_array().unwrap();
    let kinds: Vec<&str> = spans.iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "reasoning",
            "tool_use",
            "tool_result",
            "tool_use",
            "tool_result"
        ]
    );
    let first: String = {
        let (s, e) = (
            spans[0]["start"].as_u64().unwrap() as usize,
            spans[0]["end"].as_u64().unwrap() as usize,
        );
        text[s..e].iter().collect()
    };
    assert_eq!(first, "I need current times, so search first. driftlantern");
}

#[test]
fn show_follows_claude_branches_and_the_latest_leaf_per_version() {
    let env = september();
    let thread = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["show", K1, "--format", "json"];
        a.extend_from_slice(args);
        json(&env, &a)["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        thread(&[]),
        [K1_H1, K1_A1, K1_H2B, K1_A2B2, K1_H3, K1_A3],
        "September: the thread ends on a3"
    );
    assert_eq!(
        thread(&["--version", "1"]),
        [K1_H1, K1_A1, K1_H2B, K1_A2B2],
        "March: the regenerated answer is the latest leaf"
    );
    assert_eq!(thread(&["--all-branches"]).len(), 9);

    let md = env.run(&["show", K1]);
    assert!(md.starts_with("# Borrow checker & HashMap\n"), "{md}");
    assert!(md.contains("- Version: 2 of 2 (current)\n"), "{md}");
    assert!(
        md.contains("- Summary: Inês asked why the borrow checker"),
        "{md}"
    );
    for word in ["glowfinch", "hashmeadow", "emberquay", "saltpetrel"] {
        assert!(md.contains(word), "{word} on the thread: {md}");
    }
    for word in ["quillstone", "velvetoak", "cinderloom"] {
        assert!(!md.contains(word), "{word} is on an abandoned branch: {md}");
    }
    assert!(
        md.contains("<details>\n<summary>Reasoning</summary>\n\nThe user pushes to a Vec"),
        "{md}"
    );

    // Every branch: the edit after the original question, the regeneration after the first
    // answer, the current thread marked at each fork.
    let all = env.run(&["show", K1, "--all-branches"]);
    let fork = between(
        &all,
        "**Branch 1 of 2**\n",
        "**Branch 2 of 2** (current thread)\n",
    );
    assert!(
        fork.contains("quillstone") && fork.contains("velvetoak"),
        "{fork}"
    );
    let regen = between(
        &all,
        "> > **Branch 1 of 2**\n",
        "> > **Branch 2 of 2** (current thread)\n",
    );
    assert!(regen.contains("cinderloom"), "{regen}");
    let current = all
        .rsplit("> > **Branch 2 of 2** (current thread)\n")
        .next()
        .unwrap();
    assert!(
        current.contains("emberquay") && current.contains("saltpetrel"),
        "{current}"
    );
    assert_eq!(all.matches("## ").count(), 9, "{all}");

    // K4's message that is nothing but thinking is a reasoning message, folded whole.
    let k4 = env.run(&["show", K4]);
    assert!(
        k4.contains(" · reasoning\n\n<details>\n<summary>Reasoning</summary>\n\n"),
        "{k4}"
    );
    assert!(k4.contains("wickerfoam"), "{k4}");

    // The flat 2024 conversation reads in array order.
    let k3 = env.run(&["show", K3]);
    let (moss, plume) = (k3.find("oldmossy").unwrap(), k3.find("riverplume").unwrap());
    assert!(moss < plume, "{k3}");
    assert!(k3.contains("- Deleted upstream:"), "{k3}");
}

#[test]
fn history_and_diff_name_the_provider_and_the_moved_thread_end() {
    let env = september();
    let text = env.run(&["history", K1]);
    assert!(
        text.starts_with(&format!("Borrow checker & HashMap · {K1} · claude\n")),
        "{text}"
    );
    let v1 = text.lines().find(|l| l.starts_with("1 ")).unwrap();
    assert!(v1.ends_with("7  Borrow checker questions"), "{v1}");
    let h = json(&env, &["history", K1, "--json"]);
    assert_eq!(h["provider"], "claude");
    assert_eq!(h["versions"].as_array().unwrap().len(), 2);

    let d = json(&env, &["diff", K1, "1", "2", "--json"]);
    assert_eq!(d["provider"], "claude");
    assert_eq!(strings(&d["added"], "id"), [K1_H3, K1_A3]);
    assert_eq!(
        d["from"]["current_node_key"], K1_A2B2,
        "latest leaf in March"
    );
    assert_eq!(d["to"]["current_node_key"], K1_A3);
    assert_eq!(d["current_node_changed"], true);
    let text = env.run(&["diff", K1, "1", "2"]);
    assert!(
        text.starts_with(&format!(
            "conversation {K1} (claude) · version 1 → version 2\n"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("current node: {K1_A2B2} → {K1_A3}\n")),
        "{text}"
    );
}

#[test]
fn export_with_a_provider_writes_only_its_conversations() {
    let env = september();
    let out = env.path("claude-notes");
    let report = env.run(&[
        "export",
        "--provider",
        "claude",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        report.ends_with("3 conversations: 3 written, 0 unchanged\n"),
        "{report}"
    );
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        3,
        "K1, K2, K4 (K3 deleted upstream): {files:?}"
    );
    let mut ids = BTreeSet::new();
    for f in &files {
        let md = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(md.starts_with("---\nid: \""), "{f}: {md}");
        let front = between(&md, "---\n", "---\n");
        assert!(front.contains("provider: \"claude\"\n"), "{f}: {front}");
        ids.insert(between(front, "id: \"", "\"").to_string());
        if front.contains(K2) {
            assert!(
                md.contains("<summary>Tool call: web_search</summary>"),
                "{md}"
            );
            assert!(
                !md.contains("orchidvane"),
                "export leaves hidden context out"
            );
        }
        if front.contains(K1) {
            assert!(front.contains("summary: \"Inês asked why"), "{front}");
        }
    }
    assert_eq!(ids, BTreeSet::from([K1.to_string(), K2.into(), K4.into()]));

    let with_deleted = env.path("claude-all");
    env.run(&[
        "export",
        "--provider",
        "claude",
        "--include-deleted",
        "--format",
        "json",
        "--out",
        with_deleted.to_str().unwrap(),
    ]);
    let mut providers = BTreeSet::new();
    let mut count = 0;
    for e in std::fs::read_dir(&with_deleted).unwrap() {
        let p = e.unwrap().path();
        let manifest = p.file_name().unwrap().to_string_lossy().starts_with('.');
        if p.extension().is_some_and(|x| x == "json") && !manifest {
            let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            providers.insert(v["provider"].as_str().unwrap().to_string());
            count += 1;
        }
    }
    assert_eq!(
        (count, providers),
        (4, BTreeSet::from(["claude".to_string()]))
    );

    let chatgpt = env.path("chatgpt-notes");
    let report = env.run(&[
        "export",
        "--provider",
        "chatgpt",
        "--out",
        chatgpt.to_str().unwrap(),
    ]);
    assert!(
        report.ends_with(
            "8 conversations: 8 written, 0 unchanged; linked files: 5 written, 0 unchanged\n"
        ),
        "{report}"
    );
}

#[test]
fn stats_and_imports_count_each_provider() {
    let env = september();
    let s = json(&env, &["stats", "--json"]);
    assert!(s["provider"].is_null());
    let by: Vec<(&str, i64, i64, i64, i64)> = s["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["provider"].as_str().unwrap(),
                p["conversations"].as_i64().unwrap(),
                p["messages"].as_i64().unwrap(),
                p["deleted_upstream"].as_i64().unwrap(),
                p["imports"].as_i64().unwrap(),
            )
        })
        .collect();
    // Claude: K1-K4; March's 15 messages and September's 6 new ones.
    assert_eq!(by, [("chatgpt", 9, 60, 1, 2), ("claude", 4, 21, 1, 2)]);
    assert_eq!(s["totals"]["conversations"], 13);
    assert_eq!(s["totals"]["messages"], 81);

    let c = json(&env, &["stats", "--provider", "claude", "--json"]);
    assert_eq!(c["provider"], "claude");
    let t = &c["totals"];
    assert_eq!(
        (
            t["conversations"].as_i64(),
            t["versions"].as_i64(),
            t["imports"].as_i64()
        ),
        (Some(4), Some(5), Some(2)),
        "K1 has two versions"
    );
    assert_eq!(t["first_message_at"], "2024-05-03T20:15:02.318Z");
    assert_eq!(strings(&c["providers"], "provider"), ["claude"]);
    let models = c["models"].as_array().unwrap();
    assert_eq!(models.len(), 1, "{models:?}");
    assert!(models[0]["model"].is_null(), "Claude exports name no model");
    let months: Vec<&str> = strings(&c["months"], "month");
    assert_eq!(months, ["2024-05", "2026-02", "2026-08"]);

    let text = env.run(&["stats"]);
    assert!(text.contains("\nper provider:\n"), "{text}");
    let claude_line = text.lines().find(|l| l.starts_with("claude ")).unwrap();
    let cells: Vec<&str> = claude_line.split_whitespace().collect();
    assert_eq!(cells[..5], ["claude", "4", "1", "5", "21"], "{claude_line}");
    let only = env.run(&["stats", "--provider", "chatgpt"]);
    assert!(
        only.starts_with("chatgpt only\nconversations: 9 (1 deleted upstream, 1 archived)"),
        "{only}"
    );

    let imports = json(&env, &["imports", "--provider", "claude", "--json"]);
    assert_eq!(strings(&imports, "provider"), ["claude", "claude"]);
    assert_eq!(imports[1]["conversations_new"], 1, "K4");
}
