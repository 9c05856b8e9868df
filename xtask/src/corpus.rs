//! `xtask corpus`: many accounts end to end, as a data team would run them (docs/scale.md). A
//! deterministic corpus of synthetic accounts (sizes spread over --min-mb..--max-mb) is generated,
//! ingested one archive per account by --jobs parallel workers, exported into one Parquet
//! dataset, and each account's export and archive are deleted once exported (the disk holds at
//! most --jobs of them). Then DuckDB runs docs/parquet.md's queries over the whole dataset.
//! Figures go to docs/performance.md ("Many accounts").

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use chatarchive_synth::{Layout, Options};
use serde::Serialize;

use crate::measure;

type Res<T> = Result<T, String>;

#[derive(clap::Args, Clone, Debug)]
pub struct CorpusArgs {
    /// Accounts in the corpus.
    #[arg(long, default_value_t = 200)]
    pub accounts: usize,
    /// Smallest account's conversation JSON, in MB.
    #[arg(long, default_value_t = 1.0)]
    pub min_mb: f64,
    /// Largest account's conversation JSON, in MB.
    #[arg(long, default_value_t = 20.0)]
    pub max_mb: f64,
    /// Seed of the corpus (each account's seed derives from it and its number).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Accounts processed at once (default: the machine's cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Work folder; the dataset is DATASET under it (default: target/corpus).
    #[arg(long)]
    pub work: Option<PathBuf>,
    /// The chatarchive binary (default: build and use target/release/chatarchive).
    #[arg(long)]
    pub bin: Option<PathBuf>,
    /// A Python with the duckdb package for the query timings (default: $DUCKDB_PYTHON, else
    /// target/duckdb-venv/bin/python as .ci/run makes it).
    #[arg(long)]
    pub python: Option<PathBuf>,
    /// Timed runs of each DuckDB query (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub query_runs: usize,
}

#[derive(Serialize, Default, Clone)]
struct Account {
    number: usize,
    seed: u64,
    target_mb: f64,
    zip_bytes: u64,
    json_bytes: u64,
    conversations: usize,
    messages: usize,
    generate_s: f64,
    ingest_wall_s: f64,
    ingest_cpu_s: f64,
    ingest_rss_mb: f64,
    archive_bytes: u64,
    export_wall_s: f64,
    export_cpu_s: f64,
    export_rss_mb: f64,
}

#[derive(Serialize)]
struct Query {
    name: String,
    median_s: f64,
    rows: usize,
}

#[derive(Serialize)]
struct Report {
    command: String,
    binary: String,
    accounts: usize,
    jobs: usize,
    cores: usize,
    wall_s: f64,
    zip_bytes: u64,
    json_bytes: u64,
    archive_bytes: u64,
    dataset_bytes: u64,
    dataset_files: usize,
    messages: usize,
    ingest_cpu_s: f64,
    export_cpu_s: f64,
    ingest_wall_s: f64,
    export_wall_s: f64,
    max_ingest_rss_mb: f64,
    max_export_rss_mb: f64,
    /// Accounts per minute of wall time, per job (ingest + export, generation excluded).
    accounts_per_minute_per_core: f64,
    /// Accounts per CPU-minute (ingest + export): what a dedicated core does.
    accounts_per_cpu_minute: f64,
    queries: Vec<Query>,
    per_account: Vec<Account>,
}

/// SplitMix64: one well-mixed number per (seed, account), so sizes are deterministic.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

pub fn run(args: &CorpusArgs, root: &Path, target: &Path) -> Res<()> {
    if args.accounts == 0 || args.min_mb <= 0.0 || args.max_mb < args.min_mb {
        return Err("need --accounts > 0 and 0 < --min-mb <= --max-mb".into());
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = args.jobs.unwrap_or(cores).max(1);
    let bin = match &args.bin {
        Some(b) => b.clone(),
        None => crate::bench::build_release(root)?,
    };
    let work = args.work.clone().unwrap_or_else(|| target.join("corpus"));
    let dataset = work.join("dataset");
    let scratch = work.join("scratch");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    eprintln!(
        "corpus: {} accounts of {}–{} MB, {jobs} at a time, into {}",
        args.accounts,
        args.min_mb,
        args.max_mb,
        dataset.display()
    );

    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Account>> = Mutex::new(Vec::new());
    let failure: Mutex<Option<String>> = Mutex::new(None);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= args.accounts || failure.lock().unwrap().is_some() {
                    return;
                }
                match account(i, args, &bin, &scratch, &dataset) {
                    Ok(a) => {
                        let mut d = done.lock().unwrap();
                        d.push(a);
                        if d.len().is_multiple_of(10) || d.len() == args.accounts {
                            eprintln!(
                                "corpus: {}/{} accounts, {:.0} s",
                                d.len(),
                                args.accounts,
                                start.elapsed().as_secs_f64()
                            );
                        }
                    }
                    Err(e) => *failure.lock().unwrap() = Some(format!("account {i}: {e}")),
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap() {
        return Err(e);
    }
    let wall = start.elapsed().as_secs_f64();
    let mut per_account = done.into_inner().unwrap();
    per_account.sort_by_key(|a| a.number);

    let (dataset_bytes, dataset_files) = du(&dataset);
    let python = args
        .python
        .clone()
        .or_else(|| std::env::var_os("DUCKDB_PYTHON").map(PathBuf::from))
        .unwrap_or_else(|| target.join("duckdb-venv/bin/python"));
    let queries = duckdb_times(&python, root, &dataset, args.query_runs)?;

    let sum = |f: fn(&Account) -> f64| per_account.iter().map(f).sum::<f64>();
    let (ingest_cpu, export_cpu) = (sum(|a| a.ingest_cpu_s), sum(|a| a.export_cpu_s));
    let (ingest_wall, export_wall) = (sum(|a| a.ingest_wall_s), sum(|a| a.export_wall_s));
    let n = per_account.len() as f64;
    let report = Report {
        command: std::env::args().collect::<Vec<_>>().join(" "),
        binary: bin.display().to_string(),
        accounts: per_account.len(),
        jobs,
        cores,
        wall_s: wall,
        zip_bytes: per_account.iter().map(|a| a.zip_bytes).sum(),
        json_bytes: per_account.iter().map(|a| a.json_bytes).sum(),
        archive_bytes: per_account.iter().map(|a| a.archive_bytes).sum(),
        dataset_bytes,
        dataset_files,
        messages: per_account.iter().map(|a| a.messages).sum(),
        ingest_cpu_s: ingest_cpu,
        export_cpu_s: export_cpu,
        ingest_wall_s: ingest_wall,
        export_wall_s: export_wall,
        max_ingest_rss_mb: per_account
            .iter()
            .map(|a| a.ingest_rss_mb)
            .fold(0.0, f64::max),
        max_export_rss_mb: per_account
            .iter()
            .map(|a| a.export_rss_mb)
            .fold(0.0, f64::max),
        accounts_per_minute_per_core: n / ((ingest_wall + export_wall) / 60.0),
        accounts_per_cpu_minute: n / ((ingest_cpu + export_cpu) / 60.0),
        queries,
        per_account,
    };
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    let path = work.join("corpus.json");
    std::fs::write(&path, json).map_err(|e| format!("{}: {e}", path.display()))?;
    print_summary(&report);
    eprintln!("corpus: report in {}", path.display());
    Ok(())
}

fn account(
    i: usize,
    args: &CorpusArgs,
    bin: &Path,
    scratch: &Path,
    dataset: &Path,
) -> Res<Account> {
    let h = mix(args.seed ^ mix(i as u64));
    let target_mb = args.min_mb + (args.max_mb - args.min_mb) * ((h % 10_000) as f64 / 9_999.0);
    let seed = mix(h);
    // Half the accounts in the 2026 sharded, slim form, half in the single-file form.
    let sharded = h >> 32 & 1 == 1;
    let opts = Options {
        seed,
        target_mb,
        layout: if sharded {
            Layout::Sharded
        } else {
            Layout::Single
        },
        slim: sharded,
        reserialize: false,
        images: true,
    };
    let zip = scratch.join(format!("account-{i:06}.zip"));
    let db = scratch.join(format!("account-{i:06}.db"));
    let t = Instant::now();
    let summary = chatarchive_synth::write_zip(&zip, &opts, 0).map_err(|e| e.to_string())?;
    let generate_s = t.elapsed().as_secs_f64();
    let zip_bytes = std::fs::metadata(&zip).map_err(|e| e.to_string())?.len();

    let ingest = measure::run(
        Command::new(bin)
            .arg("--db")
            .arg(&db)
            .args(["--quiet", "ingest"])
            .arg(&zip),
    )
    .map_err(|e| e.to_string())?;
    if ingest.code != 0 {
        return Err(format!(
            "ingest: {}",
            String::from_utf8_lossy(&ingest.stderr)
        ));
    }
    let archive_bytes = std::fs::metadata(&db).map_err(|e| e.to_string())?.len();
    let export = measure::run(
        Command::new(bin)
            .arg("--db")
            .arg(&db)
            .args(["--quiet", "export", "--format", "parquet", "--out"])
            .arg(dataset),
    )
    .map_err(|e| e.to_string())?;
    if export.code != 0 {
        return Err(format!(
            "export: {}",
            String::from_utf8_lossy(&export.stderr)
        ));
    }
    // Spare the disk: the dataset is what stays.
    for p in [
        zip.clone(),
        db.clone(),
        db.with_extension("db-wal"),
        db.with_extension("db-shm"),
    ] {
        let _ = std::fs::remove_file(p);
    }
    Ok(Account {
        number: i,
        seed,
        target_mb,
        zip_bytes,
        json_bytes: summary.json_bytes,
        conversations: summary.conversations,
        messages: summary.messages,
        generate_s,
        ingest_wall_s: ingest.wall,
        ingest_cpu_s: ingest.cpu,
        ingest_rss_mb: ingest.max_rss_mb(),
        archive_bytes,
        export_wall_s: export.wall,
        export_cpu_s: export.cpu,
        export_rss_mb: export.max_rss_mb(),
    })
}

/// Bytes and files under a folder.
fn du(dir: &Path) -> (u64, usize) {
    let mut bytes = 0;
    let mut files = 0;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                let (b, f) = du(&p);
                bytes += b;
                files += f;
            } else if let Ok(m) = e.metadata() {
                bytes += m.len();
                files += 1;
            }
        }
    }
    (bytes, files)
}

/// Times docs/parquet.md's DuckDB queries over the dataset (views as the page creates them).
fn duckdb_times(python: &Path, root: &Path, dataset: &Path, runs: usize) -> Res<Vec<Query>> {
    let doc = std::fs::read_to_string(root.join("docs/parquet.md")).map_err(|e| e.to_string())?;
    let blocks = chatarchive::query::canned::parse(&doc);
    let block = |name: &str| {
        blocks
            .iter()
            .find(|b| b.name == name)
            .map(|b| b.sql.clone())
            .ok_or_else(|| format!("docs/parquet.md has no {name} block"))
    };
    let setup = block("duckdb_setup")?;
    // Only views over tables the corpus has (synthetic ChatGPT accounts have no projects).
    let views: Vec<String> = block("duckdb_views")?
        .lines()
        .filter(|l| {
            l.split("'DIR/")
                .nth(1)
                .and_then(|r| r.split('/').next())
                .is_some_and(|t| dataset.join(t).is_dir())
        })
        .map(|l| l.replace("DIR", &dataset.display().to_string()))
        .collect();
    let queries: Vec<(String, String)> = blocks
        .iter()
        .filter(|b| !b.name.starts_with("duckdb_"))
        .map(|b| (b.name.clone(), b.sql.clone()))
        .collect();
    let spec = serde_json::json!({
        "setup": setup, "views": views.join("\n"), "queries": queries, "runs": runs,
    });
    let script = r#"
import json, statistics, sys, time
import duckdb
spec = json.load(sys.stdin)
con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
# No progress bar: it is drawn on stdout, which carries the JSON.
con.execute("SET enable_progress_bar = false")
con.execute(spec["setup"]); con.execute(spec["views"])
out = []
for name, sql in spec["queries"]:
    times = []
    for _ in range(spec["runs"]):
        t = time.perf_counter(); rows = con.execute(sql).fetchall(); times.append(time.perf_counter() - t)
    out.append({"name": name, "median_s": statistics.median(times), "rows": len(rows)})
json.dump(out, sys.stdout)
"#;
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "{}: {e} (pass --python or set DUCKDB_PYTHON)",
                python.display()
            )
        })?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("piped");
        stdin
            .write_all(spec.to_string().as_bytes())
            .map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err("DuckDB queries failed (see above)".into());
    }
    #[derive(serde::Deserialize)]
    struct Row {
        name: String,
        median_s: f64,
        rows: usize,
    }
    let rows: Vec<Row> = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    Ok(rows
        .into_iter()
        .map(|r| Query {
            name: r.name,
            median_s: r.median_s,
            rows: r.rows,
        })
        .collect())
}

fn print_summary(r: &Report) {
    let mb = |b: u64| b as f64 / 1e6;
    println!(
        "{} accounts, {} jobs on {} cores: {:.1} min wall (generation included)",
        r.accounts,
        r.jobs,
        r.cores,
        r.wall_s / 60.0
    );
    println!(
        "exports: {:.1} MB ZIP, {:.1} MB conversation JSON, {} messages; archives {:.1} MB",
        mb(r.zip_bytes),
        mb(r.json_bytes),
        r.messages,
        mb(r.archive_bytes)
    );
    println!(
        "dataset: {:.1} MB in {} files ({:.2}x the ZIPs, {:.2}x the JSON)",
        mb(r.dataset_bytes),
        r.dataset_files,
        r.dataset_bytes as f64 / r.zip_bytes as f64,
        r.dataset_bytes as f64 / r.json_bytes as f64
    );
    println!(
        "ingest: {:.1} s CPU, {:.1} s process wall; export: {:.1} s CPU, {:.1} s process wall",
        r.ingest_cpu_s, r.ingest_wall_s, r.export_cpu_s, r.export_wall_s
    );
    println!(
        "accounts per minute per core: {:.2} (wall per job), {:.2} (per CPU-minute)",
        r.accounts_per_minute_per_core, r.accounts_per_cpu_minute
    );
    println!(
        "peak RSS: ingest {:.0} MB, export {:.0} MB",
        r.max_ingest_rss_mb, r.max_export_rss_mb
    );
    for q in &r.queries {
        println!(
            "duckdb {:<34} {:>8.3} s  {} rows",
            q.name, q.median_s, q.rows
        );
    }
}
