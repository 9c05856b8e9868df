//! Every query of docs/queries.md, read out of the page itself (the same parser that makes them
//! Datasette canned queries), run against an archive of both fixture exports, with its answer
//! checked. A query added to the page without a check here fails the suite.

use std::collections::BTreeMap;

use crate::common::*;
use chatarchive::query::canned::{parse, Canned};
use rusqlite::types::Value;

type Rows = Vec<BTreeMap<String, Value>>;

fn run(env: &Env, q: &Canned) -> Rows {
    let conn = env.conn();
    let mut stmt = conn
        .prepare(&q.sql)
        .unwrap_or_else(|e| panic!("{}: {e}", q.name));
    let params: Vec<(String, String)> = (1..=stmt.parameter_count())
        .map(|i| {
            let name = stmt.parameter_name(i).unwrap().to_string();
            let value = match name.as_str() {
                ":q" => "quokkaberry".to_string(),
                ":conversation_id" => C2.to_string(),
                ":model" => "gpt-4o".to_string(),
                ":since" => "2024-09-01".to_string(),
                ":until" => "2024-10-01".to_string(),
                other => panic!("{}: no test value for parameter {other}", q.name),
            };
            (name, value)
        })
        .collect();
    let bound: Vec<(&str, &dyn rusqlite::ToSql)> = params
        .iter()
        .map(|(n, v)| (n.as_str(), v as &dyn rusqlite::ToSql))
        .collect();
    let names: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
    stmt.query_map(bound.as_slice(), |r| {
        let mut row = BTreeMap::new();
        for (i, n) in names.iter().enumerate() {
            row.insert(n.clone(), r.get::<_, Value>(i)?);
        }
        Ok(row)
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn text(v: &Value) -> &str {
    match v {
        Value::Text(s) => s,
        other => panic!("not text: {other:?}"),
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Integer(i) => *i,
        other => panic!("not an integer: {other:?}"),
    }
}

fn column<'a>(rows: &'a Rows, name: &str) -> Vec<&'a Value> {
    rows.iter().map(|r| &r[name]).collect()
}

fn texts<'a>(rows: &'a Rows, name: &str) -> Vec<&'a str> {
    column(rows, name).into_iter().map(text).collect()
}

/// What each query must answer on the fixture archive (facts from fixtures/README.md).
fn check(name: &str, rows: &Rows) {
    match name {
        "recent_conversations" => {
            assert_eq!(rows.len(), 9);
            assert!(texts(rows, "provider").iter().all(|p| *p == "chatgpt"));
            assert_eq!(text(&rows[0]["conversation_id"]), C9);
            assert_eq!(text(&rows[8]["conversation_id"]), C6);
            assert_eq!(int(&rows[8]["deleted"]), 1);
            let c2 = rows
                .iter()
                .find(|r| text(&r["conversation_id"]) == C2)
                .unwrap();
            assert_eq!(
                (
                    int(&c2["messages"]),
                    int(&c2["thread_messages"]),
                    int(&c2["versions"])
                ),
                (9, 6, 2)
            );
        }
        "search_messages" => {
            assert_eq!(rows.len(), 1);
            assert_eq!(
                text(&rows[0]["message_id"]),
                "aaa27f06-7a1d-4515-9d65-61e92f7fcdd3"
            );
            assert_eq!(text(&rows[0]["title"]), "Lisbon trip 2024");
            assert_eq!(text(&rows[0]["provider"]), "chatgpt");
            assert!(text(&rows[0]["snippet"]).contains("[quokkaberry]"));
        }
        "conversation_transcript" => {
            assert_eq!(
                texts(rows, "role"),
                [
                    "user",
                    "assistant",
                    "user",
                    "assistant",
                    "user",
                    "assistant"
                ]
            );
            assert!(text(&rows[3]["text"]).contains("borrowfrond"));
            assert!(text(&rows[4]["text"]).contains("nebulark"));
        }
        "messages_per_provider" => {
            // Only ChatGPT exports here; both providers: provider_queries_split_a_mixed_archive.
            assert_eq!(texts(rows, "provider"), ["chatgpt"]);
            assert_eq!(
                (
                    int(&rows[0]["conversations"]),
                    int(&rows[0]["messages"]),
                    int(&rows[0]["user_messages"]),
                    int(&rows[0]["assistant_messages"])
                ),
                (9, 60, 17, 30)
            );
            assert_eq!(text(&rows[0]["first_message"]), "2023-09-06T11:52:02.900Z");
        }
        "provider_by_month" => {
            assert!(texts(rows, "provider").iter().all(|p| *p == "chatgpt"));
            assert_eq!(texts(rows, "month")[0], "2023-09");
            let total: i64 = column(rows, "user_messages").into_iter().map(int).sum();
            assert_eq!(total, 17, "the same messages as messages_per_month");
        }
        "messages_per_month" => {
            assert_eq!(texts(rows, "month")[0], "2023-09");
            let sep = rows
                .iter()
                .find(|r| text(&r["month"]) == "2024-09")
                .unwrap();
            // C1 (2 user, 3 assistant incl. none hidden), C2 (4+4 in 2024 incl. branches), C3.
            assert_eq!(int(&sep["conversations"]), 3);
            assert_eq!(int(&sep["user_messages"]), 6);
            let total: i64 = column(rows, "user_messages").into_iter().map(int).sum();
            assert_eq!(total, 17);
        }
        "conversations_started_per_month" => {
            let by: Vec<(&str, i64)> = rows
                .iter()
                .map(|r| (text(&r["month"]), int(&r["conversations"])))
                .collect();
            assert_eq!(
                by,
                [
                    ("2023-09", 1),
                    ("2024-09", 3),
                    ("2024-10", 1),
                    ("2024-12", 1),
                    ("2026-04", 1),
                    ("2026-05", 1)
                ],
                "C9 has no creation time"
            );
        }
        "conversations_between" => {
            assert_eq!(texts(rows, "conversation_id"), [C1, C2, C3]);
        }
        "busiest_days" => {
            assert_eq!(rows.len(), 10);
            assert_eq!(text(&rows[0]["date"]), "2024-12-09", "C5's 15 messages");
            assert_eq!(int(&rows[0]["messages"]), 15);
            assert_eq!(int(&rows[0]["assistant_messages"]), 9);
        }
        "models_used" => {
            assert_eq!(
                texts(rows, "model"),
                ["gpt-4o", "o1", "gpt-5", "text-davinci-002-render-sha"]
            );
            assert!(texts(rows, "provider").iter().all(|p| *p == "chatgpt"));
            assert_eq!(int(&rows[2]["conversations"]), 3, "gpt-5: C2, C8, C9");
        }
        "model_by_month" => {
            assert_eq!(texts(rows, "month"), ["2024-09", "2024-10", "2026-04"]);
            assert_eq!(int(&rows[0]["conversations"]), 3);
        }
        "deleted_upstream" => {
            assert_eq!(rows.len(), 1);
            assert_eq!(text(&rows[0]["conversation_id"]), C6);
            assert_eq!(text(&rows[0]["title"]), "Archived note");
            assert_eq!(int(&rows[0]["missing_from_import"]), 2);
            assert_eq!(
                text(&rows[0]["missing_from_export_of"]),
                "2026-06-08T09:54:43.500Z"
            );
        }
        "renamed_conversations" => {
            assert_eq!(rows.len(), 1);
            assert_eq!(text(&rows[0]["conversation_id"]), C1);
            assert_eq!(text(&rows[0]["first_title"]), "Trip to Lisbon");
            assert_eq!(text(&rows[0]["current_title"]), "Lisbon trip 2024");
        }
        "abandoned_branches" => {
            // c2.u2a and c2.a2a (before the edit), c2.a2b1 (before the regeneration).
            assert_eq!(
                texts(rows, "message_id"),
                [
                    "aaa29682-b281-4b7e-9e66-1251287ac348",
                    "a2c71fb5-d6d8-48dc-a618-a475698cb714",
                    "5a9c5481-4bf9-41f5-8594-daae416152b1"
                ]
            );
        }
        "longest_conversations" => {
            assert_eq!(text(&rows[0]["conversation_id"]), C5);
            assert_eq!(int(&rows[0]["thread_messages"]), 11);
            let c2 = rows
                .iter()
                .find(|r| text(&r["conversation_id"]) == C2)
                .unwrap();
            assert_eq!((int(&c2["thread_messages"]), int(&c2["messages"])), (6, 9));
        }
        "code_by_language" => {
            let by: BTreeMap<&str, i64> = rows
                .iter()
                .map(|r| (text(&r["language"]), int(&r["messages"])))
                .collect();
            assert_eq!(by["python"], 1, "c3.a1");
            assert_eq!(by["json"], 2, "the canvas create and update");
        }
        "custom_instructions" => {
            assert_eq!(rows.len(), 1);
            assert_eq!(text(&rows[0]["conversation_id"]), C5);
            assert!(text(&rows[0]["text"]).contains("I live in Porto"));
            assert_eq!(text(&rows[0]["first_seen"]), "2024-12-09T11:05:18.736Z");
        }
        "conversation_versions" => {
            assert_eq!(
                column(rows, "version")
                    .into_iter()
                    .map(int)
                    .collect::<Vec<_>>(),
                [1, 2]
            );
            assert_eq!(
                column(rows, "message_count")
                    .into_iter()
                    .map(int)
                    .collect::<Vec<_>>(),
                [8, 9]
            );
            assert_eq!(int(&rows[1]["first_import_id"]), 2);
        }
        "imports_timeline" => {
            assert_eq!(rows.len(), 2);
            assert_eq!(int(&rows[0]["conversations_new"]), 6);
            assert_eq!(int(&rows[1]["conversations_deleted"]), 1);
            assert_eq!(int(&rows[1]["messages_new"]), 13);
        }
        other => {
            panic!("docs/queries.md has query {other} but tests/e2e/queries.rs does not check it")
        }
    }
}

#[test]
fn every_documented_query_runs_and_answers_right() {
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/queries.md"),
    )
    .unwrap();
    let queries = parse(&page);
    assert!(queries.len() >= 10, "{} queries", queries.len());
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    env.ingest(&[&z24, &z26]);
    for q in &queries {
        let rows = run(&env, q);
        check(&q.name, &rows);
    }
}

/// Runs one query of the page by name.
fn named(env: &Env, name: &str) -> Rows {
    let page = chatarchive::query::canned::queries();
    let q = page.iter().find(|q| q.name == name).unwrap();
    run(env, q)
}

#[test]
fn provider_queries_split_a_mixed_archive() {
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    let claude = zip_dir(&fixture("claude-2026-03"), &env.path("claude.zip"));
    env.ingest(&[&z24, &z26, &claude]);

    let rows = named(&env, "messages_per_provider");
    assert_eq!(texts(&rows, "provider"), ["chatgpt", "claude"]);
    let claude_row = &rows[1];
    // K1 (7 messages, every branch), K2 (4), K3 (4): 7 from the user, 8 answers.
    assert_eq!(
        (
            int(&claude_row["conversations"]),
            int(&claude_row["messages"]),
            int(&claude_row["user_messages"]),
            int(&claude_row["assistant_messages"])
        ),
        (3, 15, 7, 8)
    );
    assert_eq!(
        text(&claude_row["first_message"]),
        "2024-05-03T20:15:02.318Z",
        "K3, the flat 2024 conversation"
    );
    assert_eq!(int(&rows[0]["messages"]), 60, "ChatGPT's count unchanged");

    let months = named(&env, "provider_by_month");
    let claude_months: Vec<(&str, i64)> = months
        .iter()
        .filter(|r| text(&r["provider"]) == "claude")
        .map(|r| (text(&r["month"]), int(&r["messages"])))
        .collect();
    assert_eq!(claude_months, [("2024-05", 4), ("2026-02", 11)]);

    let models = named(&env, "models_used");
    let claude_models: Vec<&Value> = models
        .iter()
        .filter(|r| text(&r["provider"]) == "claude")
        .map(|r| &r["model"])
        .collect();
    assert_eq!(
        claude_models,
        [&Value::Null],
        "Claude exports name no model"
    );

    let recent = named(&env, "recent_conversations");
    assert_eq!(
        recent
            .iter()
            .filter(|r| text(&r["provider"]) == "claude")
            .count(),
        3
    );
    // A day's rows of both providers add up: busiest_days sums them per date.
    let days = named(&env, "busiest_days");
    let dates: Vec<&str> = texts(&days, "date");
    let mut unique = dates.clone();
    unique.dedup();
    assert_eq!(dates, unique, "one row per day");
    let search = {
        let page = chatarchive::query::canned::queries();
        let q = page.iter().find(|q| q.name == "search_messages").unwrap();
        let conn = env.conn();
        let mut stmt = conn.prepare(&q.sql).unwrap();
        stmt.query_map(&[(":q", &"\"borrow checker\"")], |r| {
            r.get::<_, String>("provider")
        })
        .unwrap()
        .map(Result::unwrap)
        .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(
        search.into_iter().collect::<Vec<_>>(),
        ["chatgpt", "claude"],
        "\"borrow checker\" is in c2.a1 and k1.h1"
    );
}

#[test]
fn the_indexes_the_page_names_are_used() {
    let env = Env::new();
    let (z24, _) = fixture_zips(&env);
    env.ingest(&[&z24]);
    let conn = env.conn();
    let page = chatarchive::query::canned::queries();
    let plan = |name: &str| -> String {
        let q = page.iter().find(|q| q.name == name).unwrap();
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", q.sql))
            .unwrap();
        let n = stmt.parameter_count();
        let args: Vec<String> = (0..n).map(|_| "x".to_string()).collect();
        stmt.query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3))
            .unwrap()
            .map(|r| r.unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(plan("model_by_month").contains("idx_messages_model"));
    assert!(plan("abandoned_branches").contains("idx_current_thread_positions_message_pk"));
    assert!(plan("conversations_between").contains("idx_conversations_created_at"));
    assert!(plan("custom_instructions").contains("idx_messages_content_type"));
}

/// Every example query of docs/schema.md (from `archive::catalog`) runs on an archive holding
/// both providers and answers rows: the page's examples cannot rot.
#[test]
fn every_schema_example_runs_and_answers() {
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    env.ingest(&[
        &z24,
        &z26,
        &fixture("claude-2026-03"),
        &fixture("claude-2026-06"),
    ]);
    env.run(&["forget", C6, "--yes"]);
    // Only files over 4 MiB are chunked; the fixtures have none.
    let empty_in_fixtures = ["attachment_chunks"];
    let conn = env.conn();
    for table in chatarchive::archive::catalog::TABLES {
        let mut stmt = conn
            .prepare(table.example)
            .unwrap_or_else(|e| panic!("{}: {e}", table.name));
        let rows = stmt
            .query_map([], |r| r.get::<_, Value>(0))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_else(|e| panic!("{}: {e}", table.name));
        let answered = rows
            .iter()
            .any(|v| !matches!(v, Value::Null | Value::Integer(0)));
        if empty_in_fixtures.contains(&table.name) {
            assert!(!answered, "{}: now has rows: check its example", table.name);
        } else {
            assert!(answered, "{}: its example answered nothing", table.name);
        }
    }
}
