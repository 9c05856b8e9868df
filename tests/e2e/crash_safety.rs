//! Crash safety and concurrency (issue 7), for real: a large generated export is ingested by the
//! real binary, which is killed (SIGKILL) or interrupted (SIGINT) at several points, raced by a
//! second ingest, and read from while it writes. The archive must always be exactly as before the
//! ingest or exactly after it, and pass SQLite's checks.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::common::*;
use rusqlite::{Connection, ErrorCode};

/// Conversations in the generated export (checked against the generator's summary).
static BIG: OnceLock<(tempfile::TempDir, PathBuf, usize)> = OnceLock::new();

/// A synthetic export big enough that its ingest takes seconds and spills uncommitted pages into
/// the write-ahead log (the archive's page cache is 64 MiB), made once per test run.
fn big_export() -> (&'static Path, usize) {
    let (_, path, n) = BIG.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big-export.zip");
        let opts = chatarchive_synth::Options {
            seed: 7,
            target_mb: 30.0,
            images: false,
            ..Default::default()
        };
        let summary = chatarchive_synth::write_zip(&path, &opts, 0).unwrap();
        (dir, path, summary.conversations)
    });
    (path, *n)
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("chatarchive")
}

fn spawn_ingest(env: &Env, export: &Path, extra_env: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new(bin());
    cmd.arg("--db")
        .arg(&env.db)
        .arg("ingest")
        .arg(export)
        .env_remove("CHATARCHIVE_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

fn wal_bytes(env: &Env) -> u64 {
    std::fs::metadata(env.db.with_extension("db-wal"))
        .map(|m| m.len())
        .unwrap_or(0)
}

/// Polls `done` every 10 ms; false if the child exited first or the time ran out.
fn wait_until(child: &mut Child, limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// True while some process holds the archive's write lock (probed without waiting).
fn write_locked(db: &Path) -> bool {
    let conn = Connection::open(db).unwrap();
    conn.busy_timeout(Duration::ZERO).unwrap();
    match conn.execute_batch("BEGIN IMMEDIATE") {
        Ok(()) => {
            conn.execute_batch("ROLLBACK").unwrap();
            false
        }
        Err(e) => e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy),
    }
}

/// Waits until the ingest is inside its transaction: the lock held for 300 ms on end (opening
/// and migrating take it only for an instant).
fn wait_for_ingest_transaction(child: &mut Child, db: &Path) {
    let mut held_since: Option<Instant> = None;
    let ok = wait_until(child, Duration::from_secs(120), || {
        if write_locked(db) {
            held_since.get_or_insert_with(Instant::now).elapsed() > Duration::from_millis(300)
        } else {
            held_since = None;
            false
        }
    });
    assert!(ok, "the ingest never held the write lock");
}

fn imports(env: &Env) -> i64 {
    env.count("SELECT count(*) FROM imports")
}

/// An archive holding the 2024 fixture export, and its digest.
fn archive_with_2024() -> (Env, String) {
    let env = Env::new();
    let (z24, _) = fixture_zips(&env);
    env.ingest_one(&z24);
    let d = env.digest();
    (env, d)
}

#[derive(Debug, Clone, Copy)]
enum KillPoint {
    /// After this long, whatever the ingest is doing.
    After(Duration),
    /// Once the write-ahead log holds this many bytes of the ingest's (uncommitted) pages.
    WalBytes(u64),
}

#[test]
fn an_ingest_killed_at_any_point_leaves_the_archive_as_it_was() {
    let (big, conversations) = big_export();
    let (env, before) = archive_with_2024();
    let points = [
        KillPoint::After(Duration::from_millis(100)),
        KillPoint::After(Duration::from_millis(300)),
        KillPoint::After(Duration::from_millis(1000)),
        KillPoint::After(Duration::from_millis(2000)),
        KillPoint::WalBytes(1 << 20),
        KillPoint::WalBytes(20 << 20),
        KillPoint::WalBytes(45 << 20),
        // The last pages go to the log during the commit itself.
        KillPoint::WalBytes(75 << 20),
    ];
    let mut killed_mid_transaction = 0;
    for point in points {
        // The log of a killed run may still be there (its frames are never committed).
        let base = wal_bytes(&env);
        let mut child = spawn_ingest(&env, big, &[]);
        let reached = match point {
            KillPoint::After(d) => {
                wait_until(&mut child, d, || false);
                child.try_wait().unwrap().is_none()
            }
            KillPoint::WalBytes(n) => wait_until(&mut child, Duration::from_secs(120), || {
                wal_bytes(&env) >= base + n
            }),
        };
        let wal_at_kill = wal_bytes(&env);
        let locked = write_locked(&env.db);
        child.kill().unwrap(); // SIGKILL: no destructor, no rollback, no checkpoint
        child.wait().unwrap();
        println!("{point:?}: reached {reached}, WAL {wal_at_kill} bytes, write lock held {locked}");
        assert!(
            reached,
            "{point:?}: the ingest ended before it could be killed"
        );
        killed_mid_transaction += usize::from(locked);

        env.assert_consistent();
        if imports(&env) == 1 {
            assert_eq!(env.digest(), before, "{point:?}: the archive changed");
        } else {
            // Killed in the instant between commit and exit: then the ingest is whole.
            assert_eq!(
                env.count("SELECT count(*) FROM imports WHERE finished_at IS NULL"),
                0
            );
            panic!("{point:?}: the ingest finished before the kill; raise the export size");
        }
    }
    assert!(
        killed_mid_transaction >= 3,
        "most kills should land inside the ingest's transaction"
    );

    // The same ingest, run again, completes normally.
    let out = Command::new(bin())
        .arg("--db")
        .arg(&env.db)
        .args(["ingest", "--json"])
        .arg(big)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["conversations"]["new"], conversations);
    assert_eq!(imports(&env), 2);
    assert_eq!(
        env.count("SELECT count(*) FROM conversations"),
        6 + conversations as i64
    );
    env.assert_consistent();
}

#[test]
fn ctrl_c_during_an_ingest_rolls_back_and_says_so() {
    let (big, _) = big_export();
    let (env, before) = archive_with_2024();
    let mut child = spawn_ingest(&env, big, &[]);
    wait_for_ingest_transaction(&mut child, &env.db);
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.contains("interrupted") && err.contains("the archive is unchanged"),
        "{err}"
    );
    assert_eq!(env.digest(), before);
    env.assert_consistent();
}

#[test]
fn a_second_ingest_waits_for_the_first_and_both_are_recorded() {
    let (big, conversations) = big_export();
    let (env, _) = archive_with_2024();
    let (_, z26) = fixture_zips(&env);
    let mut first = spawn_ingest(&env, big, &[]);
    wait_for_ingest_transaction(&mut first, &env.db);
    let second = spawn_ingest(&env, &z26, &[]);
    let second = second.wait_with_output().unwrap();
    let first = first.wait_with_output().unwrap();
    let err2 = String::from_utf8_lossy(&second.stderr);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(second.status.success(), "{err2}");
    assert!(
        err2.contains("another process is writing to") && err2.contains("waiting for it to finish"),
        "{err2}"
    );
    // Both imports recorded in full, the second after the first.
    assert_eq!(
        env.count("SELECT count(*) FROM imports WHERE finished_at IS NOT NULL"),
        3
    );
    assert_eq!(
        env.string("SELECT source FROM imports ORDER BY id DESC LIMIT 1"),
        Some(z26.display().to_string())
    );
    assert_eq!(
        env.count("SELECT count(*) FROM conversations"),
        conversations as i64 + 9
    );
    env.assert_consistent();
}

#[test]
fn a_second_ingest_that_cannot_wait_fails_clearly_and_loses_nothing() {
    let (big, conversations) = big_export();
    let (env, _) = archive_with_2024();
    let (_, z26) = fixture_zips(&env);
    let mut first = spawn_ingest(&env, big, &[]);
    wait_for_ingest_transaction(&mut first, &env.db);
    let second = spawn_ingest(&env, &z26, &[("CHATARCHIVE_LOCK_TIMEOUT", "1")])
        .wait_with_output()
        .unwrap();
    let err2 = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{err2}");
    assert!(
        err2.contains("another chatarchive process kept the archive locked; try again"),
        "{err2}"
    );
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success());
    assert_eq!(
        imports(&env),
        2,
        "the first import is whole, the second absent"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM conversations"),
        conversations as i64 + 6
    );
    env.assert_consistent();
}

#[test]
fn readers_keep_reading_the_last_committed_state_during_an_ingest() {
    let (big, conversations) = big_export();
    let (env, _) = archive_with_2024();
    let text_before = env.count("SELECT sum(length(text)) FROM messages");
    let mut child = spawn_ingest(&env, big, &[]);
    wait_for_ingest_transaction(&mut child, &env.db);
    // Wait until uncommitted pages sit in the WAL, so the reader has something to ignore.
    let spilled = wal_bytes(&env) + (5 << 20);
    assert!(wait_until(&mut child, Duration::from_secs(120), || {
        wal_bytes(&env) >= spilled
    }));
    let reader =
        Connection::open_with_flags(&env.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let (n, text): (i64, i64) = reader
        .query_row(
            "SELECT (SELECT count(*) FROM conversations), (SELECT sum(length(text)) FROM messages)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((n, text), (6, text_before));
    let hits: i64 = reader
        .query_row(
            "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'zanzibarite'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(hits, 1, "search works during an ingest");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the ingest was still running while we read"
    );
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let after: i64 = reader
        .query_row("SELECT count(*) FROM conversations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(after, 6 + conversations as i64);
}
