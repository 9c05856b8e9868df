//! End-to-end: what people type into `search`. The table in tests/search/cases.json (shared with
//! the Datasette plugin, format in docs/search.md) is run through the real binary on the corpus in
//! tests/search/corpus/, then the refusals a person can meet, with their exact messages.

use std::path::Path;

use crate::common::*;
use serde_json::Value;

fn corpus() -> Env {
    let env = Env::new();
    env.run(&[
        "ingest",
        "--account",
        "search-cases",
        search_corpus_path().to_str().unwrap(),
    ]);
    env
}

fn search_json(env: &Env, query: &str) -> Value {
    serde_json::from_str(&env.run(&["search", "--json", "--limit", "100", "--", query])).unwrap()
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

#[test]
fn every_case_of_the_shared_table_finds_exactly_its_hits() {
    let env = corpus();
    let cases: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/search/cases.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let cases = cases["cases"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for case in cases {
        let q = case["query"].as_str().unwrap();
        let v = search_json(&env, q);
        assert_eq!(v["fts_query"], case["expression"], "expression of {q:?}");
        assert_eq!(v["contains"], case["contains"], "contains of {q:?}");
        let mut hits: Vec<String> = v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                format!(
                    "{}/{}",
                    h["conversation_id"].as_str().unwrap(),
                    h["message_id"].as_str().unwrap()
                )
            })
            .collect();
        hits.sort();
        let want: Vec<String> = case["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap().to_string())
            .collect();
        assert_eq!(hits, want, "hits of {q:?}");
        assert_eq!(v["total"], want.len(), "total of {q:?}");
        // Every hit holds every filter substring, as the contract says.
        for h in v["hits"].as_array().unwrap() {
            let snippet = h["snippet"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .replace("<mark>", "")
                .replace("</mark>", "");
            for c in case["contains"].as_array().unwrap() {
                assert!(snippet.contains(c.as_str().unwrap()), "{q:?}: {snippet}");
            }
        }
    }
}

#[test]
fn search_o_n_finds_the_notation_not_the_letters() {
    let env = corpus();
    let text = env.run(&["search", "O(n)"]);
    assert!(
        text.contains("[O(n)]"),
        "the match is marked as typed: {text}"
    );
    assert!(!text.contains("variables o n"), "{text}");
    assert!(text.ends_with("2 matching messages\n"), "{text}");
}

#[test]
fn search_takes_several_words_and_a_flag_after_double_dash() {
    let env = corpus();
    let v: Value =
        serde_json::from_str(&env.run(&["search", "--json", "binary", "search"])).unwrap();
    assert_eq!(v["fts_query"], "\"binary\" \"search\"");
    assert_eq!(v["total"], 2);
    let v: Value = serde_json::from_str(&env.run(&["search", "--json", "--", "--flag"])).unwrap();
    assert_eq!(v["hits"][0]["message_id"], "b2");
}

#[test]
fn search_fts_passes_an_expression_through() {
    let env = corpus();
    let v: Value =
        serde_json::from_str(&env.run(&["search", "--json", "--fts", "NEAR(binary scan, 8)"]))
            .unwrap();
    assert_eq!(v["fts_query"], "NEAR(binary scan, 8)");
    assert_eq!(v["hits"][0]["message_id"], "a2");
    assert_eq!(v["total"], 1);
    let e = fails(&env, &["search", "--fts", "rust AND"]);
    assert_eq!(
        e,
        "chatarchive: cannot search for \"rust AND\": not a valid search expression (it ends too soon). \
         Without --fts, words are matched as typed and AND, OR, NOT and parentheses between words combine them\n"
    );
}

#[test]
fn search_role_bot_names_the_roles_the_archive_holds() {
    let env = corpus();
    let e = fails(&env, &["search", "python", "--role", "bot"]);
    assert_eq!(
        e,
        "chatarchive: no message in the archive has the role \"bot\"; its roles are assistant, user\n"
    );
    let v: Value =
        serde_json::from_str(&env.run(&["search", "--json", "python", "--role", "user"])).unwrap();
    assert_eq!(v["hits"][0]["message_id"], "c3");
    assert_eq!(v["total"], 1);
}

#[test]
fn search_with_nothing_to_look_for_says_so() {
    let env = corpus();
    assert_eq!(
        fails(&env, &["search", "--", "--"]),
        "chatarchive: cannot search for \"--\": it has no letters or digits to look for\n"
    );
    assert_eq!(
        fails(&env, &["search", "  "]),
        "chatarchive: the search query is empty\n"
    );
}

#[test]
fn search_finds_claude_project_documents() {
    let env = Env::new();
    env.ingest_one(&zip_dir(&fixture("claude-2026-06"), &env.path("team.zip")));
    let v: Value = serde_json::from_str(&env.run(&["search", "--json", "quayfable"])).unwrap();
    assert_eq!(v["total"], 0, "no message holds it");
    let docs = v["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["project_name"], "Team handbook");
    assert_eq!(docs[0]["filename"], "handbook.md");
    assert_eq!(docs[0]["provider"], "claude");
    assert_eq!(docs[0]["in_current_version"], true);
    assert_eq!(docs[0]["snippet"], "Be kind. <mark>quayfable</mark>");
    let text = env.run(&["search", "quayfable"]);
    assert_eq!(
        text,
        "Project documents:\n\nTeam handbook · handbook.md · claude\n  Be kind. [quayfable]\n\n\
         1 matching project document\nno messages match \"quayfable\"\n"
    );
    // A filter only messages have leaves documents out.
    let v: Value =
        serde_json::from_str(&env.run(&["search", "--json", "quayfable", "--role", "user"]))
            .unwrap();
    assert!(v["documents"].as_array().unwrap().is_empty());
    // The index is checked by verify and emptied by forget --account.
    let verify = env.run(&["verify", "--json"]);
    assert!(verify.contains("project_doc_revisions_fts"), "{verify}");
}

/// An export of `conversations` × `per_conversation` messages in one thread each, user and
/// assistant in turn; message `g` (counted over the whole export) says `text(g)`.
fn many_messages(
    env: &Env,
    conversations: usize,
    per_conversation: usize,
    text: impl Fn(usize) -> &'static str,
) -> std::path::PathBuf {
    let mut out = Vec::new();
    for c in 0..conversations {
        let mut mapping = serde_json::Map::new();
        let key = |i: usize| format!("c{c}-m{i}");
        mapping.insert(
            key(0),
            serde_json::json!({"id": key(0), "message": null, "parent": null, "children": [key(1)]}),
        );
        for i in 1..=per_conversation {
            let g = c * per_conversation + i - 1;
            let role = if g.is_multiple_of(2) {
                "user"
            } else {
                "assistant"
            };
            let children: Vec<String> = if i < per_conversation {
                vec![key(i + 1)]
            } else {
                vec![]
            };
            mapping.insert(
                key(i),
                serde_json::json!({
                    "id": key(i),
                    "message": {
                        "id": key(i),
                        "author": {"role": role},
                        "create_time": 1_700_000_000.0 + g as f64,
                        "content": {"content_type": "text", "parts": [text(g)]},
                    },
                    "parent": key(i - 1),
                    "children": children,
                }),
            );
        }
        out.push(serde_json::json!({
            "id": format!("conv-{c}"),
            "title": format!("Conversation {c}"),
            "create_time": 1_700_000_000.0,
            "update_time": 1_700_000_000.0 + ((c + 1) * per_conversation) as f64,
            "current_node": key(per_conversation),
            "mapping": mapping,
        }));
    }
    let path = env.path("conversations.json");
    std::fs::write(&path, serde_json::to_vec(&out).unwrap()).unwrap();
    path
}

#[test]
fn counts_past_the_ranked_matches_are_exact_up_to_ten_thousand() {
    // 12,000 messages: every sixth (all of them user messages) says `node js` without the dot,
    // the others `node.js`. The phrase matches all 12,000; `node.js` as typed 10,000 (the cap).
    let env = Env::new();
    let export = many_messages(&env, 40, 300, |g| {
        if g.is_multiple_of(6) {
            "a note on node js without the dot"
        } else {
            "run it with node.js today"
        }
    });
    env.run(&["ingest", "--account", "many", export.to_str().unwrap()]);
    let search = |args: &[&str]| -> Value {
        let mut all = vec!["search", "--json", "--limit", "5"];
        all.extend_from_slice(args);
        serde_json::from_str(&env.run(&all)).unwrap()
    };
    let total = |v: &Value| {
        (
            v["total"].as_i64().unwrap(),
            v["total_is_lower_bound"].as_bool().unwrap(),
        )
    };

    // No filter: the index counts every match, exactly.
    let phrase = search(&["--", "\"node js\""]);
    assert_eq!(total(&phrase), (12_000, false));
    assert_eq!(phrase["ranked"], 2000);

    // The substring filter: 10,000 pass it, one more than the cap would be needed to say "+".
    let typed = search(&["node.js"]);
    assert_eq!(total(&typed), (10_000, false), "{typed}");
    assert_eq!(typed["ranked"], 2000);
    for hit in typed["hits"].as_array().unwrap() {
        let text = env
            .string(&format!(
                "SELECT text FROM messages WHERE id = '{}'",
                hit["message_id"].as_str().unwrap()
            ))
            .unwrap();
        assert!(text.contains("node.js"), "{text}");
    }

    // Filters: counted on from the last ranked candidate, the same totals SQL gives.
    let assistant = search(&["node.js", "--role", "assistant"]);
    assert_eq!(total(&assistant), (6_000, false));
    let user = search(&["node.js", "--role", "user"]);
    assert_eq!(
        user["total"].as_i64().unwrap(),
        env.count("SELECT count(*) FROM messages WHERE role = 'user' AND text LIKE '%node.js%'")
    );
    assert_eq!(total(&user), (4_000, false));
    // Fewer matches than the ranked cap: the ranking walk is the count.
    let one = search(&["node.js", "--conversation", "conv-7"]);
    assert_eq!(total(&one), (250, false));
    assert_eq!(one["ranked"], 250);
}

#[test]
fn more_than_ten_thousand_filtered_matches_are_reported_as_a_lower_bound() {
    let env = Env::new();
    let export = many_messages(&env, 35, 300, |_| "run it with node.js today");
    env.run(&["ingest", "--account", "many", export.to_str().unwrap()]);
    let v: Value = serde_json::from_str(&env.run(&["search", "--json", "node.js"])).unwrap();
    assert_eq!(v["total"], 10_000);
    assert_eq!(v["total_is_lower_bound"], true);
    let text = env.run(&["search", "node.js"]);
    assert!(text.contains("10,000+"), "{text}");
}
