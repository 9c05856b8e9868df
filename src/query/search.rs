//! Full-text search over every message ever archived (all branches, all versions, deleted
//! conversations too), ranked by bm25. What the user types is translated by `terms` (literal
//! words, operators only between terms); text in scripts written without spaces (Chinese,
//! Japanese, Thai...) is found by substring (docs/search.md says why there is no trigram index).
//! A common word matches most of the archive: the count stops at [`COUNT_CAP`] and only the
//! [`RANKED_CAP`] most recently archived matches are ranked, so a search stays fast.

use rusqlite::{params_from_iter, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::Provider;

/// Highlight markers inside snippets: control characters no message text contains, replaced by
/// the caller's markers (terminal colours, `[`…`]`, `<mark>`…`</mark>`).
pub const MARK_START: char = '\u{1}';
pub const MARK_END: char = '\u{2}';

#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub role: Option<String>,
    /// Archive timestamps (UTC): created_at >= since, created_at < until.
    pub since: Option<String>,
    pub until: Option<String>,
    pub model: Option<String>,
    pub conversation_id: Option<String>,
    pub provider: Option<Provider>,
    pub limit: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub conversation_id: String,
    /// Whose export the conversation came from (`chatgpt`, `claude`).
    pub provider: String,
    pub title: Option<String>,
    pub message_id: String,
    pub role: Option<String>,
    pub created_at: Option<String>,
    pub model: Option<String>,
    pub hidden: bool,
    pub deleted_upstream: bool,
    /// On the conversation's current thread (false: another branch or an older version).
    pub on_current_thread: bool,
    pub snippet: String,
    /// bm25 score (lower is better); 0 for substring matches.
    pub rank: f64,
}

/// A Claude project document that matches (V10 made them searchable).
#[derive(Debug, Clone, Serialize)]
pub struct DocumentHit {
    pub project_id: String,
    pub project_name: Option<String>,
    pub provider: String,
    pub doc_id: Option<String>,
    pub filename: Option<String>,
    pub created_at: Option<String>,
    /// In the project's current version (false: only an older version had this text).
    pub in_current_version: bool,
    pub snippet: String,
    /// bm25 score (lower is better); 0 for substring matches.
    pub rank: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub query: String,
    /// The FTS5 expression run, or None for a substring search.
    pub fts_query: Option<String>,
    /// Lower-case substrings every hit contains (terms with punctuation inside, `o(n)`).
    pub contains: Vec<String>,
    /// Matching messages, counted up to [`COUNT_CAP`].
    pub total: i64,
    /// More than `total` match (the count stopped at the cap).
    pub total_is_lower_bound: bool,
    /// How many matches were ranked for the best hits: all of them, or when more match, the
    /// [`RANKED_CAP`] most recently archived.
    pub ranked: usize,
    pub hits: Vec<Hit>,
    /// Project documents that match, best first (at most `limit`); searched only when no filter
    /// that only messages have (role, model, dates, conversation) is given.
    pub documents: Vec<DocumentHit>,
}

pub use super::terms::{plan, Plan};

/// At most this many matches are counted; more are reported as "10,000+" (counting walks every
/// match of the index; for a word in half the messages that is most of the search's time).
pub const COUNT_CAP: i64 = 10_000;

/// At most this many matches are ranked: the most recently archived ones (FTS5 hands them out
/// newest rowid first without scoring the rest). bm25 scores every row it is asked for, so
/// ranking all 300,000 matches of a common word takes seconds; docs/search.md has the figures.
pub const RANKED_CAP: usize = 2_000;

/// What to search for: what the person typed (translated, docs/search.md) or, with `--fts`, an
/// FTS5 expression passed through as written.
#[derive(Debug, Clone, Copy)]
pub enum Query<'a> {
    Typed(&'a str),
    Fts(&'a str),
}

pub fn search(conn: &Connection, query: Query, f: &Filters) -> Result<Results> {
    let (typed, plan) = match query {
        Query::Typed(q) => (q, plan(q)?),
        Query::Fts(e) if e.trim().is_empty() => {
            return Err(Error::Usage("the search query is empty".into()))
        }
        Query::Fts(e) => (
            e,
            Plan::Fts {
                expression: e.trim().to_string(),
                contains: Vec::new(),
            },
        ),
    };
    if let Some(role) = &f.role {
        check_role(conn, role)?;
    }
    let mut conds: Vec<String> = Vec::new();
    let mut args: Vec<String> = Vec::new();
    let (fts_query, contains) = match &plan {
        Plan::Fts {
            expression,
            contains,
        } => {
            conds.push("messages_fts MATCH ?".into());
            args.push(expression.clone());
            (Some(expression.clone()), contains.clone())
        }
        Plan::Substring(s) => (None, vec![s.clone()]),
    };
    for c in &contains {
        // SQLite's lower() folds ASCII only; the needle is already lower-case.
        conds.push("instr(lower(m.text), ?) > 0".into());
        args.push(c.clone());
    }
    if let Some(r) = &f.role {
        conds.push("m.role = ?".into());
        args.push(r.clone());
    }
    if let Some(s) = &f.since {
        conds.push("m.created_at >= ?".into());
        args.push(s.clone());
    }
    if let Some(u) = &f.until {
        conds.push("m.created_at < ?".into());
        args.push(u.clone());
    }
    if let Some(model) = &f.model {
        conds.push("coalesce(m.model, c.model) = ?".into());
        args.push(model.clone());
    }
    if let Some(id) = &f.conversation_id {
        conds.push("m.conversation_id = ?".into());
        args.push(id.clone());
    }
    if let Some(p) = f.provider {
        conds.push("c.provider = ?".into());
        args.push(p.as_str().to_string());
    }
    // Without filters the index alone answers: counting its matches is cheap (95,000 in 6 ms),
    // looking each one up in `messages` is not (10,000 in 45 ms).
    let index_only = matches!(plan, Plan::Fts { .. }) && conds.len() == 1;
    // `conversations` is joined only for the filters that read it: one lookup less per match.
    let needs_conversation = f.model.is_some() || f.provider.is_some();
    let conversation = if needs_conversation {
        " JOIN conversations c ON c.id = m.conversation_id"
    } else {
        ""
    };
    let from = match plan {
        Plan::Fts { .. } if index_only => "messages_fts".to_string(),
        Plan::Fts { .. } => {
            format!("messages_fts JOIN messages m ON m.pk = messages_fts.rowid{conversation}")
        }
        Plan::Substring(_) => format!("messages m{conversation}"),
    };
    let wher = conds.join(" AND ");
    // The candidates: pk and score. FTS5 walks its matches newest rowid first and stops at the
    // cap; the score is computed for those rows only.
    let (pk, rank, order) = match (&fts_query, index_only) {
        (Some(_), true) => ("rowid", "bm25(messages_fts)", "rowid DESC"),
        (Some(_), false) => ("m.pk", "bm25(messages_fts)", "messages_fts.rowid DESC"),
        (None, _) => ("m.pk", "0.0", "m.created_at DESC, m.pk DESC"),
    };
    let ranked_cap = RANKED_CAP.max(f.limit);
    let mut candidates: Vec<(i64, f64)> = conn
        .prepare(&format!(
            "SELECT {pk}, {rank} FROM {from} WHERE {wher} ORDER BY {order} LIMIT {ranked_cap}"
        ))
        .map_err(|e| fts_error(typed, e))?
        .query_map(params_from_iter(args.iter()), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map_err(|e| fts_error(typed, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| fts_error(typed, e))?;
    let ranked = candidates.len();
    let walked = ranked as i64;
    // Fewer candidates than the cap: the walk saw every match, nothing is left to count (most
    // searches). Otherwise count the rest, walking on from the last candidate, up to the cap.
    let counted: i64 = if ranked < ranked_cap {
        walked
    } else if index_only {
        conn.query_row(
            &format!("SELECT count(*) FROM {from} WHERE {wher}"),
            params_from_iter(args.iter()),
            |r| r.get(0),
        )
        .map_err(|e| fts_error(typed, e))?
    } else if walked > COUNT_CAP {
        walked
    } else {
        // FTS5 walks newest rowid first: go on below the last candidate (a rowid of ours, an
        // integer). A substring scan is ordered by date: it counts again from the top.
        let (below, already) = match (&fts_query, candidates.last()) {
            (Some(_), Some((last, _))) => (format!(" AND messages_fts.rowid < {last}"), walked),
            _ => (String::new(), 0),
        };
        let more: i64 = conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM (SELECT 1 FROM {from} WHERE {wher}{below} LIMIT {})",
                    COUNT_CAP + 1 - already
                ),
                params_from_iter(args.iter()),
                |r| r.get(0),
            )
            .map_err(|e| fts_error(typed, e))?;
        already + more
    };
    // Best score first (bm25: lower is better); equal scores most recently archived first (a
    // substring search has no score: its candidates are already newest first).
    if fts_query.is_some() {
        candidates.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
    }
    candidates.truncate(f.limit);
    let mut detail = conn.prepare(
        "SELECT m.conversation_id, c.title, m.id, m.role, m.created_at, coalesce(m.model, CASE WHEN m.role = 'assistant' THEN c.model END),
                m.hidden, c.deleted_import_id IS NOT NULL,
                EXISTS (SELECT 1 FROM current_thread_positions t WHERE t.message_pk = m.pk),
                m.text, c.provider
         FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.pk = ?1",
    )?;
    let mut snippet = conn.prepare(
        "SELECT snippet(messages_fts, 0, char(1), char(2), '…', 24) FROM messages_fts
         WHERE messages_fts MATCH ?1 AND rowid = ?2",
    )?;
    let mut hits = Vec::new();
    for (pk, rank) in candidates {
        let mut h = detail.query_row([pk], |r| {
            Ok(Hit {
                conversation_id: r.get(0)?,
                title: r.get(1)?,
                message_id: r.get(2)?,
                role: r.get(3)?,
                created_at: r.get(4)?,
                model: r.get(5)?,
                hidden: r.get(6)?,
                deleted_upstream: r.get(7)?,
                on_current_thread: r.get(8)?,
                snippet: r.get(9)?,
                rank,
                provider: r.get(10)?,
            })
        })?;
        h.snippet = match (&fts_query, contains.first()) {
            // A filter term is marked as typed (`O(n)`), not as the tokens `o` … `n`.
            (_, Some(needle)) => substring_snippet(&h.snippet, needle),
            (Some(e), None) => snippet
                .query_row(rusqlite::params![e, pk], |r| r.get(0))
                .map_err(|e| fts_error(typed, e))?,
            (None, None) => substring_snippet(&h.snippet, ""),
        };
        hits.push(h);
    }
    let documents = if f.role.is_none()
        && f.model.is_none()
        && f.since.is_none()
        && f.until.is_none()
        && f.conversation_id.is_none()
    {
        documents(conn, &fts_query, &contains, f, typed)?
    } else {
        Vec::new()
    };
    Ok(Results {
        documents,
        query: typed.to_string(),
        fts_query,
        contains,
        total: if index_only {
            counted
        } else {
            counted.min(COUNT_CAP)
        },
        total_is_lower_bound: !index_only && counted > COUNT_CAP,
        ranked,
        hits,
    })
}

/// Project documents matching the same expression and substrings. Few enough (hundreds) to rank
/// them all.
fn documents(
    conn: &Connection,
    fts_query: &Option<String>,
    contains: &[String],
    f: &Filters,
    typed: &str,
) -> Result<Vec<DocumentHit>> {
    let mut conds = Vec::new();
    let mut args: Vec<String> = Vec::new();
    if let Some(e) = fts_query {
        conds.push("project_doc_revisions_fts MATCH ?".to_string());
        args.push(e.clone());
    }
    for c in contains {
        conds.push(
            "instr(lower(coalesce(r.filename, '') || ' ' || coalesce(r.content, '')), ?) > 0"
                .into(),
        );
        args.push(c.clone());
    }
    let (from, rank, snippet) = match fts_query {
        Some(_) => (
            "project_doc_revisions_fts JOIN project_doc_revisions r ON r.id = project_doc_revisions_fts.rowid",
            "bm25(project_doc_revisions_fts)",
            "snippet(project_doc_revisions_fts, -1, char(1), char(2), '…', 24)",
        ),
        None => ("project_doc_revisions r", "0.0", "coalesce(r.content, '')"),
    };
    let sql = format!(
        "SELECT r.id, r.doc_id, r.filename, r.created_at, {rank}, {snippet} FROM {from}
         WHERE {} ORDER BY 5, r.id DESC",
        conds.join(" AND ")
    );
    struct DocRow {
        id: i64,
        doc_id: Option<String>,
        filename: Option<String>,
        created_at: Option<String>,
        rank: f64,
        snippet: String,
    }
    let found: Vec<DocRow> = conn
        .prepare(&sql)
        .map_err(|e| fts_error(typed, e))?
        .query_map(params_from_iter(args.iter()), |r| {
            Ok(DocRow {
                id: r.get(0)?,
                doc_id: r.get(1)?,
                filename: r.get(2)?,
                created_at: r.get(3)?,
                rank: r.get(4)?,
                snippet: r.get(5)?,
            })
        })
        .map_err(|e| fts_error(typed, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| fts_error(typed, e))?;
    // The newest project version holding the revision names the project.
    let mut project = conn.prepare(
        "SELECT p.id, p.name, p.provider, p.current_version_id = v.id
         FROM project_version_docs vd
         JOIN project_versions v ON v.id = vd.version_id
         JOIN projects p ON p.id = v.project_id
         WHERE vd.revision_id = ?1 ORDER BY p.current_version_id = v.id DESC, v.version DESC LIMIT 1",
    )?;
    let mut out = Vec::new();
    for DocRow {
        id,
        doc_id,
        filename,
        created_at,
        rank,
        snippet: snip,
    } in found
    {
        let Some((project_id, project_name, provider, current)) = project
            .query_row([id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?, r.get(3)?))
            })
            .optional()?
        else {
            continue;
        };
        if f.provider.is_some_and(|p| p.as_str() != provider) {
            continue;
        }
        let snippet = match (fts_query, contains.first()) {
            (Some(_), None) => snip,
            (_, Some(needle)) => {
                let text = conn.query_row(
                    "SELECT coalesce(filename, '') || ' ' || coalesce(content, '') FROM project_doc_revisions WHERE id = ?1",
                    [id],
                    |r| r.get::<_, String>(0),
                )?;
                substring_snippet(&text, needle)
            }
            (None, None) => snip.chars().take(120).collect(),
        };
        out.push(DocumentHit {
            project_id,
            project_name,
            provider,
            doc_id,
            filename,
            created_at,
            in_current_version: current,
            snippet,
            rank,
        });
        if out.len() >= f.limit {
            break;
        }
    }
    Ok(out)
}

/// `--role` names one of the roles the archive holds (providers have more than four: `human`,
/// `critic`, `developer`...); a role no message has is a typo to name, not an empty result.
fn check_role(conn: &Connection, role: &str) -> Result<()> {
    let known: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM messages WHERE role = ?1 LIMIT 1",
            [role],
            |r| r.get(0),
        )
        .optional()?;
    if known.is_some() {
        return Ok(());
    }
    let roles: Vec<String> = conn
        .prepare("SELECT DISTINCT role FROM messages WHERE role IS NOT NULL ORDER BY role")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Err(Error::Usage(if roles.is_empty() {
        format!("no message in the archive has the role {role:?}; the archive holds no messages")
    } else {
        format!(
            "no message in the archive has the role {role:?}; its roles are {}",
            roles.join(", ")
        )
    }))
}

/// FTS5 reports a bad expression as an SQL error when the statement runs: say what to fix.
fn fts_error(query: &str, e: rusqlite::Error) -> Error {
    let msg = e.to_string();
    if msg.contains("fts5") || msg.contains("syntax error") || msg.contains("no such column") {
        let why = msg
            .trim_start_matches("fts5: ")
            .replace("syntax error near \"\"", "it ends too soon");
        return Error::Usage(format!(
            "cannot search for {query:?}: not a valid search expression ({why}). Without --fts, words are \
             matched as typed and AND, OR, NOT and parentheses between words combine them"
        ));
    }
    Error::from(e)
}

/// About 12 words either side of the first match, the match between the markers.
fn substring_snippet(text: &str, needle: &str) -> String {
    let lower = text.to_lowercase();
    let n = needle.to_lowercase();
    // Lower-casing can change byte lengths; map back through char positions.
    let Some(byte_at) = lower.find(&n) else {
        return text.chars().take(120).collect();
    };
    let chars: Vec<char> = text.chars().collect();
    let char_at = lower[..byte_at].chars().count().min(chars.len());
    let len = n.chars().count();
    const CONTEXT: usize = 60;
    let from = char_at.saturating_sub(CONTEXT);
    let to = (char_at + len + CONTEXT).min(chars.len());
    let mut s = String::new();
    if from > 0 {
        s.push('…');
    }
    s.extend(&chars[from..char_at]);
    s.push(MARK_START);
    s.extend(&chars[char_at..(char_at + len).min(chars.len())]);
    s.push(MARK_END);
    s.extend(&chars[(char_at + len).min(chars.len())..to]);
    if to < chars.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_snippets_mark_the_match() {
        let s = substring_snippet("Olá 里斯本 café", "里斯本");
        assert_eq!(s, "Olá \u{1}里斯本\u{2} café");
        assert_eq!(
            substring_snippet("cost is O(n) here", "o(n)"),
            "cost is \u{1}O(n)\u{2} here"
        );
    }
}
