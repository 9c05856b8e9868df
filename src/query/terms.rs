//! What a person typed into `search`, as an FTS5 expression plus the substrings a hit must
//! contain. Written to be ported line for line (the Datasette plugin does it in Python):
//! docs/search.md gives the same steps in prose and tests/search/cases.json pins the output.
//!
//! The index tokenizer (unicode61, tokenchars '+#') splits `O(n)` into `o n`, so every typed word
//! becomes the phrase of its tokens, and a word with punctuation inside also becomes a substring
//! filter (`o(n)`), so the phrase `o n` in "go, no" does not count as a hit. Operators (AND, OR,
//! NOT, parentheses) only count when a person wrote them between terms.

use unicode_general_category::{get_general_category, GeneralCategory as G};

use crate::error::{Error, Result};

/// How a query is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// An FTS5 MATCH expression, and lower-case substrings every hit's text must contain.
    Fts {
        expression: String,
        contains: Vec<String>,
    },
    /// Text in a script written without spaces: a case-insensitive substring of the message.
    Substring(String),
}

pub fn plan(query: &str) -> Result<Plan> {
    let q = query.trim();
    if q.is_empty() {
        return Err(Error::Usage("the search query is empty".into()));
    }
    if q.chars().any(unspaced_script) {
        return Ok(Plan::Substring(q.to_lowercase()));
    }
    translate(q)
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

/// A character the index keeps inside a word: unicode61's default categories (letters L*,
/// numbers N*, private use Co) and the archive's tokenchars `+` and `#`.
pub fn token_char(c: char) -> bool {
    if c == '+' || c == '#' {
        return true;
    }
    matches!(
        get_general_category(c),
        G::UppercaseLetter
            | G::LowercaseLetter
            | G::TitlecaseLetter
            | G::ModifierLetter
            | G::OtherLetter
            | G::DecimalNumber
            | G::LetterNumber
            | G::OtherNumber
            | G::PrivateUse
    )
}

/// One whitespace-separated word of the query (step 1 of docs/search.md).
#[derive(Debug)]
struct Word {
    text: String,
    quoted: bool,
    prefix: bool,
    /// Grouping parentheses around the word: `(` before it, `)` after it.
    opens: usize,
    closes: usize,
}

impl Word {
    fn is_operator_word(&self) -> bool {
        !self.quoted
            && self.opens == 0
            && self.closes == 0
            && matches!(self.text.as_str(), "AND" | "OR" | "NOT")
    }

    fn tokens(&self) -> Vec<String> {
        self.text
            .split(|c: char| !token_char(c))
            .filter(|t| !t.is_empty())
            .map(str::to_lowercase)
            .collect()
    }
}

/// Step 1: words. Whitespace separates them; a `"` at the start of a word runs to the next `"`
/// (spaces included) or to the end; a `*` right after the closing quote makes it a prefix.
fn words(q: &str) -> Vec<Word> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        if chars[i] == '"' {
            let start = i + 1;
            let end = (start..chars.len())
                .find(|&j| chars[j] == '"')
                .unwrap_or(chars.len());
            let mut w = Word {
                text: chars[start..end].iter().collect(),
                quoted: true,
                prefix: false,
                opens: 0,
                closes: 0,
            };
            i = end + 1;
            if chars.get(i) == Some(&'*') {
                w.prefix = true;
                i += 1;
            }
            out.push(w);
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() {
            i += 1;
        }
        out.push(bare_word(chars[start..i].iter().collect()));
    }
    out
}

/// Step 2: a bare word's grouping parentheses, trailing sentence punctuation and prefix star.
fn bare_word(mut text: String) -> Word {
    let mut opens = 0;
    while let Some(rest) = text.strip_prefix('(') {
        text = rest.to_string();
        opens += 1;
    }
    let mut closes = 0;
    loop {
        let count = |c: char| text.chars().filter(|&x| x == c).count();
        match text.chars().last() {
            Some('.' | ',' | ';' | ':' | '!' | '?') => {
                text.pop();
            }
            Some(')') if count(')') > count('(') => {
                text.pop();
                closes += 1;
            }
            _ => break,
        }
    }
    let mut prefix = false;
    if text.chars().count() > 1 && text.ends_with('*') {
        text.pop();
        prefix = true;
    }
    Word {
        text,
        quoted: false,
        prefix,
        opens,
        closes,
    }
}

/// Steps 3-5: terms, operators, parentheses.
fn translate(q: &str) -> Result<Plan> {
    let words = words(q);
    // Step 3: an AND/OR/NOT is an operator only between two terms: after a term (or a closing
    // parenthesis) and before a word that is a term or opens a group.
    let is_term = |w: &Word| !w.is_operator_word() && !w.tokens().is_empty();
    let mut operator = vec![false; words.len()];
    let mut after_term = false;
    for (i, w) in words.iter().enumerate() {
        if w.is_operator_word() && after_term {
            let next = words.get(i + 1);
            operator[i] =
                next.is_some_and(|n| is_term(n) || (n.opens > 0 && !n.is_operator_word()));
        }
        after_term = !operator[i] && (!w.tokens().is_empty() || w.closes > 0);
    }
    let with_operators = operator.iter().any(|&o| o);
    // Step 4: each term its phrase; punctuation inside a term adds a substring filter.
    let mut items: Vec<String> = Vec::new();
    let mut contains: Vec<String> = Vec::new();
    let mut depth = 0usize;
    for (w, &op) in words.iter().zip(&operator) {
        if with_operators {
            for _ in 0..w.opens {
                items.push("(".into());
                depth += 1;
            }
        }
        if op {
            items.push(w.text.clone());
        } else {
            let tokens = w.tokens();
            if !tokens.is_empty() {
                items.push(format!(
                    "\"{}\"{}",
                    tokens.join(" "),
                    if w.prefix { "*" } else { "" }
                ));
                if needs_filter(&w.text) {
                    let f = w.text.to_lowercase();
                    if !contains.contains(&f) {
                        contains.push(f);
                    }
                }
            }
        }
        if with_operators {
            for _ in 0..w.closes {
                if depth > 0 {
                    items.push(")".into());
                    depth -= 1;
                }
            }
        }
    }
    items.extend(std::iter::repeat_n(")".to_string(), depth));
    clean_up(&mut items);
    if !items.iter().any(|i| i.starts_with('"')) {
        return Err(Error::Usage(format!(
            "cannot search for {q:?}: it has no letters or digits to look for"
        )));
    }
    // Step 6: substrings filter only what every hit must contain; with OR or NOT a hit may lack
    // a term, so the phrases alone decide.
    if items.iter().any(|i| i == "OR" || i == "NOT") {
        contains.clear();
    }
    let expression = items.join(" ");
    Ok(Plan::Fts {
        expression,
        contains,
    })
}

/// Step 5, last part: what a group of punctuation leaves behind. Repeated until nothing changes:
/// `( )` goes; an operator first or last, right after `(` or another operator, or right before
/// `)` goes. Then an explicit AND between a group and what stands beside it.
fn clean_up(items: &mut Vec<String>) {
    let is_op = |s: &str| matches!(s, "AND" | "OR" | "NOT");
    loop {
        let n = items.len();
        let drop = (0..n).find(|&i| {
            let cur = items[i].as_str();
            let prev = i.checked_sub(1).map(|p| items[p].as_str());
            let next = items.get(i + 1).map(String::as_str);
            (cur == "(" && next == Some(")"))
                || (is_op(cur)
                    && (prev.is_none_or(|p| p == "(" || is_op(p)) || next.is_none_or(|x| x == ")")))
        });
        match drop {
            Some(i) if items[i] == "(" => {
                items.drain(i..i + 2);
            }
            Some(i) => {
                items.remove(i);
            }
            None => break,
        }
    }
    // FTS5 reads side-by-side phrases as AND, but not a phrase beside a group: write the AND.
    let mut i = 1;
    while i < items.len() {
        let (prev, cur) = (items[i - 1].as_str(), items[i].as_str());
        let ends = prev == ")" || prev.starts_with('"');
        let starts = cur == "(" || cur.starts_with('"');
        if ends && starts && (prev == ")" || cur == "(") {
            items.insert(i, "AND".into());
        }
        i += 1;
    }
}

/// A term needs a substring filter when it holds a character that is neither a token character,
/// whitespace nor an apostrophe (`don't` should find `don’t`; `O(n)` must not find `o, n`).
fn needs_filter(text: &str) -> bool {
    text.chars()
        .any(|c| !token_char(c) && !c.is_whitespace() && c != '\'' && c != '’')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fts(q: &str) -> (String, Vec<String>) {
        match plan(q).unwrap() {
            Plan::Fts {
                expression,
                contains,
            } => (expression, contains),
            p => panic!("{p:?}"),
        }
    }

    fn e(q: &str) -> String {
        fts(q).0
    }

    #[test]
    fn code_like_terms_are_phrases_with_a_filter() {
        assert_eq!(fts("O(n)"), (r#""o n""#.into(), vec!["o(n)".into()]));
        assert_eq!(fts("log(n)"), (r#""log n""#.into(), vec!["log(n)".into()]));
        assert_eq!(
            fts("node.js"),
            (r#""node js""#.into(), vec!["node.js".into()])
        );
        assert_eq!(fts("--flag"), (r#""flag""#.into(), vec!["--flag".into()]));
        assert_eq!(fts("a/b"), (r#""a b""#.into(), vec!["a/b".into()]));
        assert_eq!(fts("C#"), (r#""c#""#.into(), vec![]));
        assert_eq!(fts("C++"), (r#""c++""#.into(), vec![]));
        assert_eq!(fts("don't"), (r#""don t""#.into(), vec![]));
    }

    #[test]
    fn plain_words_and_sentence_punctuation() {
        assert_eq!(e("rust lifetimes"), r#""rust" "lifetimes""#);
        assert_eq!(
            fts("what is O(n)?"),
            (r#""what" "is" "o n""#.into(), vec!["o(n)".into()])
        );
        assert_eq!(e("and or"), r#""and" "or""#);
        assert_eq!(e("(see O(n))"), r#""see" "o n""#);
    }

    #[test]
    fn operators_only_between_terms() {
        assert_eq!(e("NOT python"), r#""not" "python""#);
        assert_eq!(e("rust NOT python"), r#""rust" NOT "python""#);
        assert_eq!(e("rust AND"), r#""rust" "and""#);
        assert_eq!(e("OR"), r#""or""#);
        assert_eq!(
            fts("rust AND (C++ OR C#)"),
            (r#""rust" AND ( "c++" OR "c#" )"#.into(), vec![])
        );
        assert_eq!(
            fts("O(n) AND log(n)"),
            (
                r#""o n" AND "log n""#.into(),
                vec!["o(n)".into(), "log(n)".into()]
            )
        );
        assert_eq!(
            fts("O(n) OR log(n)"),
            (r#""o n" OR "log n""#.into(), vec![])
        );
        assert_eq!(e("(rust OR go"), r#"( "rust" OR "go" )"#);
        assert_eq!(e("rust OR go)"), r#""rust" OR "go""#);
        assert_eq!(e("a AND NOT b"), r#""a" "and" NOT "b""#);
        assert_eq!(
            e("rust AND ( go OR python )"),
            r#""rust" AND ( "go" OR "python" )"#
        );
        assert_eq!(e("rust AND ( -- )"), r#""rust""#);
        assert_eq!(e("a AND ( -- ) OR b"), r#""a" AND "b""#);
        assert_eq!(
            e("rust AND go (c OR d)"),
            r#""rust" AND "go" AND ( "c" OR "d" )"#
        );
    }

    #[test]
    fn quotes_and_prefixes() {
        assert_eq!(e(r#""Borrow checker""#), r#""borrow checker""#);
        assert_eq!(e("life*"), r#""life"*"#);
        assert_eq!(e(r#""borrow check"*"#), r#""borrow check"*"#);
        assert_eq!(e(r#""unclosed quote"#), r#""unclosed quote""#);
        assert_eq!(e(r#""NOT" python"#), r#""not" "python""#);
    }

    #[test]
    fn nothing_to_look_for_is_a_clear_error() {
        assert_eq!(
            plan("-- ?").unwrap_err().to_string(),
            "cannot search for \"-- ?\": it has no letters or digits to look for"
        );
        assert_eq!(
            plan("   ").unwrap_err().to_string(),
            "the search query is empty"
        );
    }

    #[test]
    fn unspaced_scripts_search_by_substring() {
        assert_eq!(plan("里斯本").unwrap(), Plan::Substring("里斯本".into()));
    }

    /// Whatever a person types, FTS5 can read the expression: sequences of pieces from an
    /// alphabet of troublemakers.
    #[test]
    fn every_expression_is_valid_fts5() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(text, tokenize=\"unicode61 remove_diacritics 2 tokenchars '+#'\");
             INSERT INTO t VALUES ('rust and go o(n) not python');",
        )
        .unwrap();
        let pieces = [
            "a", "AND", "OR", "NOT", "(", ")", "\"", "*", "--", "O(n)", "x)", "(y", "C#", "^",
        ];
        // Up to three pieces joined with or without a space, four with spaces.
        let grow = |queries: &[String], glued: bool| {
            let mut next = Vec::new();
            for q in queries {
                for p in pieces {
                    next.push(format!("{q} {p}"));
                    if glued {
                        next.push(format!("{q}{p}"));
                    }
                }
            }
            next
        };
        let mut glued = vec![String::new()];
        let mut spaced = vec![String::new()];
        for _ in 0..3 {
            glued = grow(&glued, true);
            spaced = grow(&spaced, false);
        }
        let mut queries = glued;
        queries.extend(grow(&spaced, false));
        for q in &queries {
            match plan(q) {
                Ok(Plan::Fts { expression, .. }) => {
                    let r: rusqlite::Result<i64> = conn.query_row(
                        "SELECT count(*) FROM t WHERE t MATCH ?1",
                        [&expression],
                        |r| r.get(0),
                    );
                    assert!(r.is_ok(), "{q:?} -> {expression:?}: {r:?}");
                }
                Ok(Plan::Substring(_)) => {}
                Err(e) => assert!(e.to_string().contains("no letters or digits"), "{q:?}: {e}"),
            }
        }
    }
}
