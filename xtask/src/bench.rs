//! The benchmark: generate the exports (deterministic, with chatarchive-synth), measure the floor
//! (`unzip -p EXPORT | sha256sum`), then run the release binary on each scenario and report
//! ratios to the floor measured in the same run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use chatarchive_synth::{Layout, Options};

use crate::measure::{self, Measured};
use crate::report::{self, ExportInfo, History, Report, Step, Target};
use crate::{search, BenchArgs, LayoutArg};

type Res<T> = Result<T, String>;

const RSS_LIMIT_MB: f64 = 100.0;

pub fn run(args: &BenchArgs) -> Res<()> {
    let root = workspace_root();
    check_unzip()?;
    let bin = match &args.bin {
        Some(b) => b.clone(),
        None => build_release(&root)?,
    };
    let work = args.work.clone().unwrap_or_else(|| {
        target_dir(&root)
            .join("bench")
            .join(format!("{}mb-seed{}", args.size_mb, args.seed))
    });
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let load_before = loadavg();
    let opts = Options {
        seed: args.seed,
        target_mb: args.size_mb,
        layout: match args.layout {
            LayoutArg::Single => Layout::Single,
            LayoutArg::Sharded => Layout::Sharded,
        },
        slim: false,
        reserialize: false,
        images: true,
    };
    let exports = exports(&work, &opts, args)?;
    let base = &exports[0];
    let reser = &exports[1];
    let generations = &exports[2..];

    let mut steps = Vec::new();
    let history_db = work.join("history.db");
    remove_db(&history_db)?;
    let floor0 = floor(&work.join(&base.file), args.floor_runs)?;
    steps.push(floor_step(base, floor0));

    let first = ingest(&bin, &history_db, &work.join(&base.file))?;
    let check = expect(&first, base.conversations, 0, 0, base.conversations);
    let memory = Target::at_most(first.0.max_rss_mb(), RSS_LIMIT_MB, " MB");
    steps.push(step(
        "first ingest (new archive)",
        base,
        &first,
        Some((floor0, 2.0, false)),
        &history_db,
        check,
    ));

    // Diagnostic: the same first ingest with the full-text index left out (its triggers
    // dropped from a fresh archive), to show what FTS costs.
    let no_fts_db = work.join("no-fts.db");
    archive_without_fts(&bin, &no_fts_db, &work)?;
    let no_fts = ingest(&bin, &no_fts_db, &work.join(&base.file))?;
    let check = expect(&no_fts, base.conversations, 0, 0, base.conversations);
    steps.push(step(
        "first ingest, no FTS (diag.)",
        base,
        &no_fts,
        Some((floor0, 2.0, false)),
        &no_fts_db,
        check,
    ));
    remove_db(&no_fts_db)?;

    let again = ingest(&bin, &history_db, &work.join(&base.file))?;
    let check = if again.1["skipped"] == true {
        "ok".into()
    } else {
        "expected skipped: true".into()
    };
    steps.push(step(
        "same ZIP again",
        base,
        &again,
        Some((floor0, 0.05, true)),
        &history_db,
        check,
    ));

    let floor_r = floor(&work.join(&reser.file), args.floor_runs)?;
    steps.push(floor_step(reser, floor_r));
    let r = ingest(&bin, &history_db, &work.join(&reser.file))?;
    let check = expect(&r, 0, 0, 0, base.conversations);
    steps.push(step(
        "re-serialized copy",
        reser,
        &r,
        Some((floor_r, 1.2, false)),
        &history_db,
        check,
    ));

    let mut history = None;
    if let Some(g1) = generations.first() {
        let floor1 = floor(&work.join(&g1.file), args.floor_runs)?;
        steps.push(floor_step(g1, floor1));
        let n = ingest(&bin, &history_db, &work.join(&g1.file))?;
        let check = expect_generation(&n, g1);
        steps.push(step(
            "next export (gen 1)",
            g1,
            &n,
            Some((floor1, 1.3, false)),
            &history_db,
            check,
        ));
        let mut seconds = vec![n.0.wall];
        let mut checks = Vec::new();
        for g in &generations[1..] {
            eprintln!("bench: ingesting {}", g.file);
            let m = ingest(&bin, &history_db, &work.join(&g.file))?;
            seconds.push(m.0.wall);
            let c = expect_generation(&m, g);
            if c != "ok" {
                checks.push(format!("{}: {c}", g.file));
            }
        }
        let last = generations.last().expect("at least one generation");
        let alone_db = work.join("last-alone.db");
        remove_db(&alone_db)?;
        let alone = ingest(&bin, &alone_db, &work.join(&last.file))?;
        let c = expect(&alone, last.conversations, 0, 0, last.conversations);
        if c != "ok" {
            checks.push(format!("{} alone: {c}", last.file));
        }
        let archive_bytes = db_size(&history_db);
        let last_alone_bytes = db_size(&alone_db);
        let ratio = archive_bytes as f64 / last_alone_bytes.max(1) as f64;
        history = Some(History {
            exports: generations.len() + 1,
            archive_bytes,
            last_alone_bytes,
            ratio,
            target: Target::at_most(ratio, 1.2, "x"),
            seconds,
            checks,
        });
    }

    eprintln!("bench: search latency");
    let search = search::measure(&history_db, args.search_runs)
        .map_err(|e| format!("search on {}: {e}", history_db.display()))?;
    let report = Report {
        commit: git_commit(&root),
        binary: bin.display().to_string(),
        unix_time: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        cpus: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        load_before,
        load_after: loadavg(),
        size_mb: args.size_mb,
        seed: args.seed,
        generations: args.generations,
        layout: format!("{:?}", args.layout).to_lowercase(),
        export: base.clone(),
        steps,
        history,
        search: Some(search),
        memory,
    };
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    let json_path = work.join("bench.json");
    write(&json_path, &json)?;
    if let Some(p) = &args.json {
        write(p, &json)?;
    }
    print!("{}", report::table(&report));
    println!("{json}");
    eprintln!("bench: report written to {}", json_path.display());
    Ok(())
}

fn write(path: &Path, text: &str) -> Res<()> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn check_unzip() -> Res<()> {
    match Command::new("unzip").arg("-v").output() {
        Ok(o) if o.status.success() => Ok(()),
        _ => Err(
            "the floor is measured with `unzip -p EXPORT | sha256sum`, and `unzip` was not found: \
                  install it (Debian/Ubuntu: sudo apt-get install unzip)"
                .into(),
        ),
    }
}

pub(crate) fn build_release(root: &Path) -> Res<PathBuf> {
    eprintln!("bench: building the release binary");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "-p",
            "chatarchive",
            "--bin",
            "chatarchive",
        ])
        .status()
        .map_err(|e| format!("cargo build: {e}"))?;
    if !status.success() {
        return Err("cargo build --release failed".into());
    }
    Ok(target_dir(root).join("release").join("chatarchive"))
}

/// The base export, its re-serialized copy, then generations 1..=N; generated two at a time, or
/// reused from an earlier run with the same options when `--reuse` is given.
fn exports(work: &Path, opts: &Options, args: &BenchArgs) -> Res<Vec<ExportInfo>> {
    let manifest = work.join("exports.json");
    let key = format!("{opts:?} generations={}", args.generations);
    if args.reuse {
        if let Ok(text) = std::fs::read_to_string(&manifest) {
            if let Ok((k, infos)) = serde_json::from_str::<(String, Vec<ExportInfo>)>(&text) {
                if k == key && infos.iter().all(|i| work.join(&i.file).exists()) {
                    eprintln!("bench: reusing the exports in {}", work.display());
                    return Ok(infos);
                }
            }
        }
    }
    let _ = std::fs::remove_file(&manifest);
    let mut jobs: Vec<(String, u32, bool)> = vec![
        ("g0.zip".into(), 0, false),
        ("g0-reserialized.zip".into(), 0, true),
    ];
    jobs.extend((1..=args.generations).map(|g| (format!("g{g}.zip"), g, false)));
    let queue = Mutex::new(jobs.clone());
    let done = Mutex::new(Vec::new());
    let failed = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some((file, generation, reserialize)) = queue.lock().expect("queue").pop()
                else {
                    return;
                };
                eprintln!("bench: generating {file}");
                let path = work.join(&file);
                let o = Options {
                    reserialize,
                    ..opts.clone()
                };
                match chatarchive_synth::write_zip(&path, &o, generation) {
                    Ok(sum) => done.lock().expect("done").push(ExportInfo {
                        zip_bytes: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
                        file,
                        generation,
                        reserialized: reserialize,
                        json_bytes: sum.json_bytes,
                        conversations: sum.conversations,
                        new: sum.new.len(),
                        changed: sum.changed.len(),
                        deleted: sum.deleted.len(),
                        messages: sum.messages,
                        largest_conversation_bytes: sum.largest_conversation_bytes,
                        images: sum.images,
                    }),
                    Err(e) => {
                        *failed.lock().expect("failed") =
                            Some(format!("generating {}: {e}", path.display()))
                    }
                }
            });
        }
    });
    if let Some(e) = failed.into_inner().expect("failed") {
        return Err(e);
    }
    let mut infos = done.into_inner().expect("done");
    infos.sort_by_key(|i| jobs.iter().position(|j| j.0 == i.file));
    let text = serde_json::to_string_pretty(&(key, &infos)).map_err(|e| e.to_string())?;
    write(&manifest, &text)?;
    Ok(infos)
}

/// Median wall time of `unzip -p EXPORT | sha256sum`: every entry decompressed and hashed.
fn floor(export: &Path, runs: usize) -> Res<f64> {
    let mut times = Vec::new();
    for _ in 0..runs.max(1) {
        let m = measure::run(
            Command::new("bash")
                .args([
                    "-c",
                    "set -o pipefail; unzip -p \"$1\" | sha256sum",
                    "floor",
                ])
                .arg(export),
        )
        .map_err(|e| format!("floor: {e}"))?;
        if m.code != 0 {
            return Err(format!(
                "floor: unzip -p {} failed: {}",
                export.display(),
                String::from_utf8_lossy(&m.stderr)
            ));
        }
        times.push(m.wall);
    }
    Ok(search::percentile(&mut times, 50.0))
}

fn floor_step(e: &ExportInfo, seconds: f64) -> Step {
    Step {
        name: format!("floor ({})", e.file.trim_end_matches(".zip")),
        export: e.file.clone(),
        seconds,
        cpu_seconds: 0.0,
        max_rss_mb: 0.0,
        floor_seconds: None,
        ratio: None,
        target: None,
        archive_bytes: 0,
        check: "unzip -p | sha256sum, median".into(),
        report: serde_json::Value::Null,
    }
}

/// `chatarchive --db DB --quiet ingest --json EXPORT`, measured; returns its JSON report.
fn ingest(bin: &Path, db: &Path, export: &Path) -> Res<(Measured, serde_json::Value)> {
    let m = measure::run(
        Command::new(bin)
            .arg("--db")
            .arg(db)
            .args(["--quiet", "ingest", "--json"])
            .arg(export)
            .env_remove("CHATARCHIVE_DB"),
    )
    .map_err(|e| format!("running {}: {e}", bin.display()))?;
    if m.code != 0 {
        return Err(format!(
            "ingest of {} failed (exit {}): {}",
            export.display(),
            m.code,
            String::from_utf8_lossy(&m.stderr)
        ));
    }
    let report = serde_json::from_slice(&m.stdout).map_err(|e| {
        format!(
            "ingest of {}: unreadable --json output: {e}",
            export.display()
        )
    })?;
    Ok((m, report))
}

fn step(
    name: &str,
    e: &ExportInfo,
    (m, report): &(Measured, serde_json::Value),
    floor: Option<(f64, f64, bool)>,
    db: &Path,
    check: String,
) -> Step {
    let ratio = floor.map(|(f, _, _)| m.wall / f);
    Step {
        name: name.into(),
        export: e.file.clone(),
        seconds: m.wall,
        cpu_seconds: m.cpu,
        max_rss_mb: m.max_rss_mb(),
        floor_seconds: floor.map(|f| f.0),
        ratio,
        target: floor.map(|(f, limit, strict)| {
            if strict {
                Target::below(m.wall / f, limit, "x")
            } else {
                Target::at_most(m.wall / f, limit, "x")
            }
        }),
        archive_bytes: db_size(db),
        check,
        report: report.clone(),
    }
}

/// Compares the ingest's counts with what the generator says the export holds.
fn expect(
    (_, r): &(Measured, serde_json::Value),
    new: usize,
    changed: usize,
    deleted: usize,
    total: usize,
) -> String {
    let c = &r["conversations"];
    let mut wrong = Vec::new();
    for (name, want) in [
        ("new", new),
        ("changed", changed),
        ("deleted", deleted),
        ("total", total),
    ] {
        let got = c[name].as_u64().unwrap_or(u64::MAX);
        if got != want as u64 {
            wrong.push(format!("{name} {got} (expected {want})"));
        }
    }
    if wrong.is_empty() {
        "ok".into()
    } else {
        wrong.join(", ")
    }
}

fn expect_generation(m: &(Measured, serde_json::Value), g: &ExportInfo) -> String {
    expect(m, g.new, g.changed, g.deleted, g.conversations)
}

/// A new archive whose `messages` triggers (the ones that keep `messages_fts` in step) are
/// dropped: made by ingesting an empty export, so the schema is the binary's own, then emptied.
fn archive_without_fts(bin: &Path, db: &Path, work: &Path) -> Res<()> {
    remove_db(db)?;
    let empty = work.join("empty-conversations.json");
    write(&empty, "[]")?;
    let m = measure::run(
        Command::new(bin)
            .arg("--db")
            .arg(db)
            .args(["--quiet", "ingest", "--account", "bench"])
            .arg(&empty),
    )
    .map_err(|e| format!("running {}: {e}", bin.display()))?;
    if m.code != 0 {
        return Err(format!(
            "creating {}: {}",
            db.display(),
            String::from_utf8_lossy(&m.stderr)
        ));
    }
    let conn = rusqlite::Connection::open(db).map_err(|e| e.to_string())?;
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'messages' AND sql LIKE '%messages_fts%'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(|e| e.to_string())?;
    for t in triggers {
        conn.execute_batch(&format!("DROP TRIGGER \"{t}\""))
            .map_err(|e| e.to_string())?;
    }
    // Without its one (empty) import the archive counts as new again, so the ingest measured
    // takes the same path as a first ingest (see `first_ingest_without_wal`).
    let referencing: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%REFERENCES imports%'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(|e| e.to_string())?;
    for t in referencing {
        conn.execute_batch(&format!("DELETE FROM \"{t}\""))
            .map_err(|e| e.to_string())?;
    }
    conn.execute_batch("DELETE FROM imports")
        .map_err(|e| e.to_string())?;
    Ok(())
}

fn remove_db(db: &Path) -> Res<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("{}: {e}", Path::new(&p).display())),
        }
    }
    Ok(())
}

/// The archive's size on disk, write-ahead log included.
fn db_size(db: &Path) -> u64 {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    [db.as_os_str().to_owned(), wal]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn git_commit(root: &Path) -> Option<String> {
    let out = Command::new("git")
        .current_dir(root)
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
