//! End-to-end on successive synthetic exports (fixtures/synth): what the importer counts as new,
//! changed, unchanged and deleted must be exactly what the generator changed, in any ingest order,
//! and a re-serialized export (other bytes, same content) must change nothing.

use std::collections::BTreeMap;

use crate::common::*;
use chatarchive_synth::{write_zip, Layout, Options};
use serde_json::Value;

/// Title, current content hash, deleted flag, current version number.
type ConversationState = (Option<String>, String, bool, i64);

fn opts() -> Options {
    Options {
        seed: 7,
        target_mb: 3.0,
        ..Options::default()
    }
}

fn counts(r: &Value) -> [i64; 4] {
    let c = &r["conversations"];
    ["new", "changed", "unchanged", "deleted"].map(|k| c[k].as_i64().unwrap())
}

#[test]
fn counts_match_what_the_generator_changed() {
    let env = Env::new();
    let (mut changed, mut new, mut deleted) = (0, 0, 0);
    for generation in 0..5 {
        let zip = env.path(&format!("gen{generation}.zip"));
        let s = write_zip(&zip, &opts(), generation).unwrap();
        let r = env.ingest_one(&zip);
        if generation == 0 {
            assert_eq!(counts(&r), [s.conversations as i64, 0, 0, 0]);
            assert_eq!(r["messages"]["new"], s.messages);
        } else {
            (changed, new, deleted) = (
                changed + s.changed.len(),
                new + s.new.len(),
                deleted + s.deleted.len(),
            );
            assert_eq!(
                counts(&r),
                [
                    s.new.len() as i64,
                    s.changed.len() as i64,
                    s.unchanged as i64,
                    s.deleted.len() as i64
                ]
            );
            for id in &s.changed {
                let versions = env.count(&format!(
                    "SELECT count(*) FROM conversation_versions WHERE conversation_id = '{id}'"
                ));
                let current = env.count(&format!(
                    "SELECT current_version FROM conversations WHERE id = '{id}'"
                ));
                assert!(
                    versions >= 2 && current == versions,
                    "{id}: {current} of {versions}"
                );
            }
            for id in &s.deleted {
                assert_eq!(
                    env.count(&format!(
                        "SELECT deleted_import_id IS NOT NULL FROM conversations WHERE id = '{id}'"
                    )),
                    1,
                    "{id} flagged"
                );
            }
        }
        env.assert_consistent();
    }
    assert!(
        changed > 0 && new > 0 && deleted > 0,
        "the generations must exercise every case: {changed} {new} {deleted}"
    );
}

#[test]
fn a_reserialized_export_changes_nothing() {
    let env = Env::new();
    let plain = env.path("plain.zip");
    let s = write_zip(&plain, &opts(), 0).unwrap();
    env.ingest_one(&plain);
    let before = env.digest_without_imports();
    let other = env.path("reserialized.zip");
    write_zip(
        &other,
        &Options {
            reserialize: true,
            layout: Layout::Sharded,
            ..opts()
        },
        0,
    )
    .unwrap();
    assert_ne!(
        std::fs::read(&plain).unwrap(),
        std::fs::read(&other).unwrap()
    );
    let r = env.ingest_one(&other);
    assert_eq!(r["skipped"], false);
    assert_eq!(counts(&r), [0, 0, s.conversations as i64, 0]);
    assert_eq!(r["messages"]["new"], 0);
    assert_eq!(
        env.digest_without_imports(),
        before,
        "only bookkeeping may change"
    );
}

#[test]
fn ingest_order_does_not_change_the_current_state() {
    let dir = tempfile::tempdir().unwrap();
    let zips: Vec<_> = (0..3)
        .map(|g| {
            let p = dir.path().join(format!("gen{g}.zip"));
            write_zip(&p, &opts(), g).unwrap();
            p
        })
        .collect();
    let state = |order: &[usize]| -> (BTreeMap<String, ConversationState>, i64) {
        let env = Env::new();
        let paths: Vec<&std::path::Path> = order.iter().map(|&i| zips[i].as_path()).collect();
        env.ingest(&paths);
        let conn = env.conn();
        let mut stmt = conn
            .prepare(
                "SELECT c.id, c.title, v.content_sha256, c.deleted_import_id IS NOT NULL, c.current_version
                 FROM conversations c JOIN conversation_versions v ON v.id = c.current_version_id",
            )
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let versions = env.count("SELECT count(*) FROM conversation_versions");
        (rows, versions)
    };
    let in_order = state(&[0, 1, 2]);
    assert_eq!(state(&[2, 1, 0]), in_order);
    assert_eq!(state(&[1, 2, 0]), in_order);
}
