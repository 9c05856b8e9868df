//! End-to-end: named time zones (issue 13, item 5). Every test sets the zone it depends on:
//! `--tz`, `CHATARCHIVE_TZ`, or `TZ` for the system default.

use crate::common::*;
use serde_json::Value;

const SPRING: f64 = 1_717_198_200.0; // 2024-05-31T23:30:00Z: 00:30 on 1 June in Lisbon (UTC+1)
const WINTER: f64 = 1_704_110_400.0; // 2024-01-01T12:00:00Z: 12:00 in Lisbon (UTC+0)

/// One conversation: a message the last evening of May (UTC) and one in January.
fn archive() -> Env {
    let env = Env::new();
    let all = search_corpus_json();
    let mut c = all[0].clone();
    c["create_time"] = WINTER.into();
    c["update_time"] = SPRING.into();
    c["mapping"]["a1"]["message"]["create_time"] = WINTER.into();
    c["mapping"]["a2"]["message"]["create_time"] = SPRING.into();
    c["mapping"]["a3"]["message"]["create_time"] = SPRING.into();
    let path = env.path("conversations.json");
    std::fs::write(&path, serde_json::to_string(&[c]).unwrap()).unwrap();
    env.run(&["ingest", "--account", "me", path.to_str().unwrap()]);
    env
}

fn run(env: &Env, zone_env: &[(&str, &str)], args: &[&str]) -> String {
    let mut cmd = env.cmd();
    for (k, v) in zone_env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn tz_europe_lisbon_shows_summer_and_winter_time() {
    let env = archive();
    let list = run(&env, &[], &["list", "--tz", "Europe/Lisbon"]);
    assert!(
        list.contains("2024-01-01 12:00  2024-06-01 00:30"),
        "{list}"
    );
    assert!(
        list.ends_with("1 conversation (dates Europe/Lisbon)\n"),
        "{list}"
    );
    let show = run(&env, &[], &["show", "aaaaaaaa", "--tz", "Europe/Lisbon"]);
    assert!(
        show.contains("- Created: 2024-01-01 12:00 (Europe/Lisbon)\n"),
        "{show}"
    );
    assert!(
        show.contains("- Updated: 2024-06-01 00:30 (Europe/Lisbon)\n"),
        "{show}"
    );
}

#[test]
fn chatarchive_tz_is_the_default_and_tz_wins() {
    let env = archive();
    let list = run(&env, &[("CHATARCHIVE_TZ", "Europe/Lisbon")], &["list"]);
    assert!(
        list.ends_with("1 conversation (dates Europe/Lisbon)\n"),
        "{list}"
    );
    let list = run(
        &env,
        &[("CHATARCHIVE_TZ", "Europe/Lisbon")],
        &["list", "--tz", "UTC"],
    );
    assert!(
        list.contains("2024-01-01 12:00  2024-05-31 23:30"),
        "{list}"
    );
}

#[test]
fn without_either_the_system_zone_is_used() {
    let env = archive();
    let mut cmd = env.cmd();
    cmd.env_remove("CHATARCHIVE_TZ")
        .env("TZ", "America/New_York");
    let out = cmd.arg("list").output().unwrap();
    let list = String::from_utf8(out.stdout).unwrap();
    assert!(
        list.contains("2024-01-01 07:00  2024-05-31 19:30"),
        "{list}"
    );
    assert!(
        list.ends_with("1 conversation (dates America/New_York)\n"),
        "{list}"
    );
}

#[test]
fn stats_months_follow_the_zone_rules() {
    let env = archive();
    let months = |args: &[&str]| -> Vec<(String, i64)> {
        let v: Value = serde_json::from_str(&run(&env, &[], args)).unwrap();
        v["months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["month"].as_str().unwrap().to_string(),
                    m["messages"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        months(&["stats", "--json", "--tz", "Europe/Lisbon"]),
        vec![("2024-01".to_string(), 1), ("2024-06".to_string(), 2)]
    );
    assert_eq!(
        months(&["stats", "--json"]),
        vec![("2024-01".to_string(), 1), ("2024-05".to_string(), 2)]
    );
    let v: Value = serde_json::from_str(&run(
        &env,
        &[],
        &["stats", "--json", "--tz", "Europe/Lisbon"],
    ))
    .unwrap();
    assert_eq!(v["time_zone"], "Europe/Lisbon");
}

#[test]
fn export_is_utc_unless_tz_is_given() {
    let env = archive();
    let out = env.path("md");
    let md_of = |dir: &std::path::Path| {
        let entry = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "md"))
            .unwrap();
        std::fs::read_to_string(entry).unwrap()
    };
    // $CHATARCHIVE_TZ is for reading on screen; files stay UTC.
    run(
        &env,
        &[("CHATARCHIVE_TZ", "Europe/Lisbon")],
        &["export", "--out", out.to_str().unwrap()],
    );
    let md = md_of(&out);
    assert!(
        md.contains("created: \"2024-01-01T12:00:00.000Z\"\n"),
        "{md}"
    );
    assert!(
        md.contains("updated: \"2024-05-31T23:30:00.000Z\"\n"),
        "{md}"
    );
    let out2 = env.path("md2");
    run(
        &env,
        &[],
        &["export", "--out", out2.to_str().unwrap(), "--tz", "+02:00"],
    );
    let md = md_of(&out2);
    assert!(
        md.contains("updated: \"2024-06-01T01:30:00.000+02:00\"\n"),
        "{md}"
    );
    assert!(
        md.contains(" · 2024-06-01 01:30"),
        "message headers in the zone: {md}"
    );
    let out3 = env.path("md3");
    run(
        &env,
        &[],
        &[
            "export",
            "--out",
            out3.to_str().unwrap(),
            "--tz",
            "Europe/Lisbon",
        ],
    );
    let md = md_of(&out3);
    assert!(
        md.contains("created: \"2024-01-01T12:00:00.000+00:00\"\n"),
        "{md}"
    );
    assert!(
        md.contains("updated: \"2024-06-01T00:30:00.000+01:00\"\n"),
        "{md}"
    );
}

#[test]
fn an_unknown_zone_is_refused_by_name() {
    let env = archive();
    let out = env
        .cmd()
        .args(["list", "--tz", "Europe/Atlantis"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with(
            "error: invalid value 'Europe/Atlantis' for '--tz <ZONE>': \"Europe/Atlantis\" is not a time zone: \
             use a name of the tz database (Europe/Lisbon, America/New_York), an offset (+02:00, -05:30) or UTC\n"
        ),
        "{err}"
    );
    let out = env
        .cmd()
        .env("CHATARCHIVE_TZ", "Mars/Base")
        .arg("list")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "chatarchive: CHATARCHIVE_TZ: \"Mars/Base\" is not a time zone: use a name of the tz database \
         (Europe/Lisbon, America/New_York), an offset (+02:00, -05:30) or UTC\n"
    );
}
