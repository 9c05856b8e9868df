//! The benchmark's result: one serializable report, printed as a table and as JSON.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::search::SearchReport;

#[derive(Serialize)]
pub struct Report {
    /// The workspace's commit (the xtask's); `binary` is what was measured.
    pub commit: Option<String>,
    pub binary: String,
    pub unix_time: u64,
    pub cpus: usize,
    /// /proc/loadavg before and after: other work on the machine makes absolute times noisy.
    pub load_before: String,
    pub load_after: String,
    pub size_mb: f64,
    pub seed: u64,
    pub generations: u32,
    pub layout: String,
    pub export: ExportInfo,
    pub steps: Vec<Step>,
    pub history: Option<History>,
    pub search: Option<SearchReport>,
    /// Peak RSS of the first ingest against the 100 MB target.
    pub memory: Target,
}

/// One generated export, as the generator described it.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct ExportInfo {
    pub file: String,
    pub generation: u32,
    pub reserialized: bool,
    pub zip_bytes: u64,
    pub json_bytes: u64,
    pub conversations: usize,
    pub new: usize,
    pub changed: usize,
    pub deleted: usize,
    pub messages: usize,
    pub largest_conversation_bytes: u64,
    pub images: usize,
}

#[derive(Serialize)]
pub struct Step {
    pub name: String,
    pub export: String,
    pub seconds: f64,
    pub cpu_seconds: f64,
    pub max_rss_mb: f64,
    pub floor_seconds: Option<f64>,
    pub ratio: Option<f64>,
    pub target: Option<Target>,
    pub archive_bytes: u64,
    /// "ok", or what the ingest reported that the generator did not predict.
    pub check: String,
    /// chatarchive's own `--json` report.
    pub report: serde_json::Value,
}

#[derive(Serialize, Clone)]
pub struct Target {
    pub text: String,
    pub value: f64,
    pub met: bool,
}

impl Target {
    pub fn at_most(value: f64, limit: f64, unit: &str) -> Target {
        Target {
            text: format!("<= {limit}{unit}"),
            value,
            met: value <= limit,
        }
    }

    pub fn below(value: f64, limit: f64, unit: &str) -> Target {
        Target {
            text: format!("< {limit}{unit}"),
            value,
            met: value < limit,
        }
    }
}

#[derive(Serialize)]
pub struct History {
    pub exports: usize,
    pub archive_bytes: u64,
    pub last_alone_bytes: u64,
    pub ratio: f64,
    pub target: Target,
    /// Wall seconds of each successive ingest, generation 1 first.
    pub seconds: Vec<f64>,
    pub checks: Vec<String>,
}

fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

fn met(t: &Target) -> &'static str {
    if t.met {
        "met"
    } else {
        "NOT met"
    }
}

pub fn table(r: &Report) -> String {
    let e = &r.export;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "chatarchive bench: {} of conversation JSON ({} conversations, {} messages, largest {}), ZIP {}, seed {}, {} CPUs, load {} -> {}",
        mb(e.json_bytes),
        e.conversations,
        e.messages,
        mb(e.largest_conversation_bytes),
        mb(e.zip_bytes),
        r.seed,
        r.cpus,
        r.load_before,
        r.load_after
    );
    let _ = writeln!(
        s,
        "{:<28} {:>8} {:>8} {:>8} {:>15} {:>8} {:>9} {:>9}  check",
        "step", "seconds", "floor s", "x floor", "target", "CPU s", "peak RSS", "archive"
    );
    for st in &r.steps {
        let target = st
            .target
            .as_ref()
            .map(|t| format!("{} {}", t.text, if t.met { "met" } else { "NO" }))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{:<28} {:>8.2} {:>8} {:>8} {:>15} {:>8.2} {:>9} {:>9}  {}",
            st.name,
            st.seconds,
            st.floor_seconds
                .map(|f| format!("{f:.2}"))
                .unwrap_or_default(),
            st.ratio.map(|f| format!("{f:.2}")).unwrap_or_default(),
            target,
            st.cpu_seconds,
            format!("{:.0} MB", st.max_rss_mb),
            if st.archive_bytes > 0 {
                mb(st.archive_bytes)
            } else {
                String::new()
            },
            st.check
        );
    }
    if let Some(h) = &r.history {
        let _ = writeln!(
            s,
            "history: archive after {} exports {} vs last export alone {}: {:.3}x ({} {})",
            h.exports,
            mb(h.archive_bytes),
            mb(h.last_alone_bytes),
            h.ratio,
            h.target.text,
            met(&h.target)
        );
    }
    let _ = writeln!(
        s,
        "memory: peak RSS of the first ingest {:.0} MB ({} {})",
        r.memory.value,
        r.memory.text,
        met(&r.memory)
    );
    if let Some(q) = &r.search {
        let _ = writeln!(
            s,
            "search: {} queries x {} runs, top 20 by rank with snippet: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
            q.queries.len(),
            q.runs_per_query,
            q.p50_ms,
            q.p95_ms,
            q.max_ms
        );
    }
    s
}
