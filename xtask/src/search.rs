//! Search latency on a finished archive: a fixed set of full-text queries (rare and common words,
//! phrases, prefixes, boolean operators, non-ASCII), each run a few times, ranked top 20 with a
//! snippet, as a search command would.

use std::path::Path;
use std::time::Instant;

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

/// Planted markers (see chatarchive_synth::MARKERS), everyday words, and non-ASCII terms.
pub const QUERIES: &[&str] = &[
    "quokka",
    "marzipan",
    "halcyon OR xylograph",
    "\"borrow checker\"",
    "\"C++\"",
    "zanzibar NOT quokka",
    "café",
    "straße",
    "東京都",
    "kubernetes",
    "docker AND postgresql",
    "pand*",
    "function",
    "the",
    "\"node js\"",
    "sqlite",
];

const SQL: &str = "SELECT m.pk, m.conversation_id, snippet(messages_fts, 0, '[', ']', '…', 10)
     FROM messages_fts JOIN messages m ON m.pk = messages_fts.rowid
     WHERE messages_fts MATCH ?1 ORDER BY rank LIMIT 20";

#[derive(Serialize)]
pub struct QueryResult {
    pub query: String,
    pub hits: i64,
    pub median_ms: f64,
}

#[derive(Serialize)]
pub struct SearchReport {
    pub sql: String,
    pub runs_per_query: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
    pub queries: Vec<QueryResult>,
}

pub fn measure(db: &Path, runs: usize) -> rusqlite::Result<SearchReport> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut stmt = conn.prepare(SQL)?;
    let mut all = Vec::new();
    let mut queries = Vec::new();
    for q in QUERIES {
        let hits: i64 = conn.query_row(
            "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?1",
            [q],
            |r| r.get(0),
        )?;
        let mut times = Vec::new();
        for run in 0..=runs {
            let start = Instant::now();
            let rows: Vec<(i64, String, String)> = stmt
                .query_map([q], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?;
            let ms = start.elapsed().as_secs_f64() * 1e3;
            std::hint::black_box(rows);
            if run > 0 {
                // Run 0 warms the page cache.
                times.push(ms);
            }
        }
        all.extend_from_slice(&times);
        queries.push(QueryResult {
            query: q.to_string(),
            hits,
            median_ms: percentile(&mut times, 50.0),
        });
    }
    Ok(SearchReport {
        sql: SQL.split_whitespace().collect::<Vec<_>>().join(" "),
        runs_per_query: runs,
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
