//! Full-text search over every message ever archived (all branches, all versions, deleted
//! conversations too), ranked by bm25. What the user types becomes an FTS5 expression: each
//! word a quoted phrase, so `C++`, `don't` and `node.js` mean what a person means; upper-case
//! AND/OR/NOT, NEAR(...), parentheses, "quoted phrases", prefix* and ^initial keep their FTS5
//! meaning. Text in scripts written without spaces (Chinese, Japanese, Thai...) is found by
//! substring instead (docs/search.md says why there is no trigram index).

use rusqlite::{params_from_iter, Connection};
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

#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub query: String,
    /// The FTS5 expression run, or None for a substring search.
    pub fts_query: Option<String>,
    pub total: i64,
    pub hits: Vec<Hit>,
}

/// How a query is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    Fts(String),
    Substring(String),
}

pub fn plan(query: &str) -> Result<Plan> {
    let q = query.trim();
    if q.is_empty() {
        return Err(Error::Usage("the search query is empty".into()));
    }
    if q.chars().any(unspaced_script) {
        return Ok(Plan::Substring(q.to_string()));
    }
    Ok(Plan::Fts(fts_expression(q)?))
}

/// Scripts written without spaces between words: the word tokenizer sees a whole sentence as one
/// token, so a word inside it can only be found as a substring.
fn unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x2FA1F) // CJK extensions B-F
}

/// Turns what the user typed into an FTS5 expression (see the module comment).
pub fn fts_expression(q: &str) -> Result<String> {
    let chars: Vec<char> = q.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    // Parentheses opened by NEAR take `, N` inside; others do not.
    let mut near_depth: Vec<bool> = Vec::new();
    let mut after_near = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '"' => {
                let mut j = i + 1;
                let mut phrase = String::from("\"");
                loop {
                    match chars.get(j) {
                        None => {
                            return Err(syntax(q, "a double quote is not closed"));
                        }
                        Some('"') if chars.get(j + 1) == Some(&'"') => {
                            phrase.push_str("\"\"");
                            j += 2;
                        }
                        Some('"') => {
                            phrase.push('"');
                            j += 1;
                            break;
                        }
                        Some(&ch) => {
                            phrase.push(ch);
                            j += 1;
                        }
                    }
                }
                if chars.get(j) == Some(&'*') {
                    phrase.push('*');
                    j += 1;
                }
                out.push(phrase);
                i = j;
            }
            '(' => {
                near_depth.push(after_near);
                after_near = false;
                out.push("(".into());
                i += 1;
            }
            ')' => {
                near_depth.pop();
                out.push(")".into());
                i += 1;
            }
            ',' if near_depth.last() == Some(&true) => {
                out.push(",".into());
                i += 1;
            }
            _ => {
                let start = i;
                let in_near = near_depth.last() == Some(&true);
                let ends_word = |c: char| {
                    c.is_whitespace() || matches!(c, '(' | ')' | '"') || (c == ',' && in_near)
                };
                while i < chars.len() && !ends_word(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                after_near = false;
                match word.as_str() {
                    "AND" | "OR" | "NOT" => out.push(word),
                    "NEAR" if chars.get(i) == Some(&'(') => {
                        after_near = true;
                        out.push(word);
                    }
                    w if near_depth.last() == Some(&true)
                        && w.bytes().all(|b| b.is_ascii_digit()) =>
                    {
                        out.push(word)
                    }
                    _ => out.push(phrase_of(&word)),
                }
            }
        }
    }
    // FTS5 writes `NEAR(` and `"x" ,` without spaces mattering; join with single spaces.
    let mut s = out.join(" ");
    s = s.replace("NEAR (", "NEAR(");
    Ok(s)
}

/// A typed word as a quoted phrase, keeping a trailing `*` (prefix) and a leading `^` (initial).
fn phrase_of(word: &str) -> String {
    let (caret, rest) = match word.strip_prefix('^') {
        Some(r) if !r.is_empty() => ("^", r),
        _ => ("", word),
    };
    let (body, star) = match rest.strip_suffix('*') {
        Some(b) if !b.is_empty() => (b, "*"),
        _ => (rest, ""),
    };
    format!("{caret}\"{}\"{star}", body.replace('"', "\"\""))
}

fn syntax(q: &str, why: &str) -> Error {
    Error::Usage(format!(
        "cannot search for {q:?}: {why}. Words are matched as typed; AND, OR, NOT, NEAR(a b, 10) and \
         parentheses combine them, \"a phrase\" matches words in order, word* matches a prefix"
    ))
}

pub fn search(conn: &Connection, query: &str, f: &Filters) -> Result<Results> {
    let plan = plan(query)?;
    let (matcher, fts_query) = match &plan {
        Plan::Fts(e) => ("messages_fts MATCH ?", Some(e.clone())),
        Plan::Substring(_) => ("instr(lower(m.text), lower(?)) > 0", None),
    };
    let needle = match &plan {
        Plan::Fts(e) | Plan::Substring(e) => e.clone(),
    };
    let mut conds = vec![matcher.to_string()];
    let mut args: Vec<String> = vec![needle.clone()];
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
    let from = match plan {
        Plan::Fts(_) => "messages_fts JOIN messages m ON m.pk = messages_fts.rowid JOIN conversations c ON c.id = m.conversation_id",
        Plan::Substring(_) => "messages m JOIN conversations c ON c.id = m.conversation_id",
    };
    let wher = conds.join(" AND ");
    let total: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM {from} WHERE {wher}"),
            params_from_iter(args.iter()),
            |r| r.get(0),
        )
        .map_err(|e| fts_error(query, e))?;
    let (snippet, rank, order) = match fts_query {
        Some(_) => (
            "snippet(messages_fts, 0, char(1), char(2), '…', 24)".to_string(),
            "bm25(messages_fts)",
            "bm25(messages_fts), m.created_at DESC",
        ),
        None => ("m.text".to_string(), "0.0", "m.created_at DESC"),
    };
    let sql = format!(
        "SELECT m.conversation_id, c.title, m.id, m.role, m.created_at, coalesce(m.model, CASE WHEN m.role = 'assistant' THEN c.model END),
                m.hidden, c.deleted_import_id IS NOT NULL,
                EXISTS (SELECT 1 FROM current_thread_positions t WHERE t.message_pk = m.pk),
                {snippet}, {rank}, c.provider
         FROM {from} WHERE {wher} ORDER BY {order} LIMIT {}",
        f.limit
    );
    let mut stmt = conn.prepare(&sql).map_err(|e| fts_error(query, e))?;
    let rows = stmt
        .query_map(params_from_iter(args.iter()), |r| {
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
                rank: r.get(10)?,
                provider: r.get(11)?,
            })
        })
        .map_err(|e| fts_error(query, e))?;
    let mut hits = Vec::new();
    for h in rows {
        let mut h = h.map_err(|e| fts_error(query, e))?;
        if fts_query.is_none() {
            h.snippet = substring_snippet(&h.snippet, &needle);
        }
        hits.push(h);
    }
    Ok(Results {
        query: query.to_string(),
        fts_query,
        total,
        hits,
    })
}

/// FTS5 reports a bad expression as an SQL error when the statement runs: say what to fix.
fn fts_error(query: &str, e: rusqlite::Error) -> Error {
    let msg = e.to_string();
    if msg.contains("fts5") || msg.contains("syntax error") || msg.contains("no such column") {
        let why = msg
            .trim_start_matches("fts5: ")
            .replace("syntax error near \"\"", "it ends too soon");
        return syntax(query, &format!("not a valid search expression ({why})"));
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

    fn fts(q: &str) -> String {
        fts_expression(q).unwrap()
    }

    #[test]
    fn plain_words_become_phrases() {
        assert_eq!(fts("C++"), r#""C++""#);
        assert_eq!(fts("don't node.js"), r#""don't" "node.js""#);
        assert_eq!(fts("rust lifetimes"), r#""rust" "lifetimes""#);
        assert_eq!(fts("and or"), r#""and" "or""#);
    }

    #[test]
    fn explicit_syntax_is_kept() {
        assert_eq!(
            fts("rust AND (C++ OR C#)"),
            r#""rust" AND ( "C++" OR "C#" )"#
        );
        assert_eq!(
            fts(r#""borrow checker" life*"#),
            r#""borrow checker" "life"*"#
        );
        assert_eq!(
            fts("NEAR(rust lifetime, 5)"),
            r#"NEAR( "rust" "lifetime" , 5 )"#
        );
        assert_eq!(fts("^hello"), r#"^"hello""#);
        assert_eq!(fts(r#""say ""hi""""#), r#""say ""hi""""#);
        assert_eq!(fts("x NOT y"), r#""x" NOT "y""#);
    }

    #[test]
    fn unclosed_quote_is_a_clear_error() {
        let e = fts_expression(r#""unclosed"#).unwrap_err().to_string();
        assert!(e.contains("double quote is not closed"), "{e}");
    }

    #[test]
    fn unspaced_scripts_search_by_substring() {
        assert_eq!(plan("里斯本").unwrap(), Plan::Substring("里斯本".into()));
        assert!(matches!(plan("Lisbon").unwrap(), Plan::Fts(_)));
        assert!(plan("   ").is_err());
    }

    #[test]
    fn substring_snippets_mark_the_match() {
        let s = substring_snippet("Olá 里斯本 café", "里斯本");
        assert_eq!(s, "Olá \u{1}里斯本\u{2} café");
    }
}
