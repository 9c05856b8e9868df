//! Search latency on a finished archive: a fixed set of queries (rare and common words, phrases,
//! prefixes, boolean operators, non-ASCII, and a CJK one that the search runs as a substring
//! scan), each run a few times through chatarchive's own search (total count, then the top 20
//! by rank with snippets), exactly what `chatarchive search QUERY` runs after opening the archive.

use std::path::Path;
use std::time::Instant;

use chatarchive::query::search::{search, Filters, Query};
use chatarchive::Archive;
use serde::Serialize;

/// Planted markers (see chatarchive_synth::MARKERS), everyday words, and non-ASCII terms, in
/// the search command's query language.
pub const QUERIES: &[&str] = &[
    "quokka",
    "marzipan",
    "halcyon OR xylograph",
    "\"borrow checker\"",
    "C++",
    "zanzibar NOT quokka",
    "café",
    "straße",
    "東京都",
    "kubernetes",
    "docker AND postgresql",
    "pand*",
    "function",
    "the",
    "node.js",
    "sqlite",
];

const LIMIT: usize = 20;

#[derive(Serialize)]
pub struct QueryResult {
    pub query: String,
    /// The FTS5 expression run, or null for a substring scan.
    pub fts: Option<String>,
    pub hits: i64,
    pub median_ms: f64,
}

#[derive(Serialize)]
pub struct SearchReport {
    pub runs_per_query: usize,
    pub limit: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
    pub queries: Vec<QueryResult>,
}

pub fn measure(db: &Path, runs: usize) -> chatarchive::Result<SearchReport> {
    let archive = Archive::open_existing(db)?;
    let filters = Filters {
        limit: LIMIT,
        ..Filters::default()
    };
    let mut all = Vec::new();
    let mut queries = Vec::new();
    for q in QUERIES {
        let mut times = Vec::new();
        let mut last = None;
        for run in 0..=runs {
            let start = Instant::now();
            let results = search(&archive.conn, Query::Typed(q), &filters)?;
            let ms = start.elapsed().as_secs_f64() * 1e3;
            if run > 0 {
                // Run 0 warms the page cache.
                times.push(ms);
            }
            last = Some(results);
        }
        all.extend_from_slice(&times);
        let results = last.expect("at least one run");
        queries.push(QueryResult {
            query: q.to_string(),
            fts: results.fts_query,
            hits: results.total,
            median_ms: percentile(&mut times, 50.0),
        });
    }
    Ok(SearchReport {
        runs_per_query: runs,
        limit: LIMIT,
        p50_ms: percentile(&mut all, 50.0),
        p95_ms: percentile(&mut all, 95.0),
        max_ms: all.iter().cloned().fold(0.0, f64::max),
        queries,
    })
}

/// Nearest-rank percentile.
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank() {
        let mut v = vec![5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(percentile(&mut v, 50.0), 3.0);
        assert_eq!(percentile(&mut v, 95.0), 5.0);
        assert_eq!(percentile(&mut v, 0.0), 1.0);
        assert_eq!(percentile(&mut [], 50.0), 0.0);
    }
}
