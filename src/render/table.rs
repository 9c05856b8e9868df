//! Plain text tables for the terminal: columns padded to their widest cell (by characters),
//! the last column left ragged so long titles do not pad every line. Cells are untrusted text:
//! control characters are shown escaped, so a title cannot break a row or drive the terminal.

use std::borrow::Cow;

pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Columns aligned to the right (numbers).
    right: Vec<bool>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            right: vec![false; headers.len()],
        }
    }

    /// Marks columns (by index) as numeric: aligned right.
    pub fn numeric(mut self, columns: &[usize]) -> Table {
        for &c in columns {
            if let Some(r) = self.right.get_mut(c) {
                *r = true;
            }
        }
        self
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(
            cells
                .into_iter()
                .map(|c| match printable(&c) {
                    Cow::Borrowed(_) => c,
                    Cow::Owned(o) => o,
                })
                .collect(),
        );
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn render(&self) -> String {
        let n = self.headers.len();
        let width = |s: &str| s.chars().count();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(n) {
                widths[i] = widths[i].max(width(cell));
            }
        }
        let mut out = String::new();
        let all = std::iter::once(&self.headers).chain(self.rows.iter());
        for row in all {
            let mut line = String::new();
            for (i, w) in widths.iter().enumerate() {
                let cell = row.get(i).map(String::as_str).unwrap_or("");
                let pad = w.saturating_sub(width(cell));
                if i > 0 {
                    line.push_str("  ");
                }
                if self.right[i] {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    if i + 1 < n {
                        line.push_str(&" ".repeat(pad));
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Text safe to print in one terminal cell: tab, newline and carriage return as `\t`, `\n`, `\r`,
/// any other control character (C0, DEL, C1) and the bidirectional overrides as `\u{..}`.
pub fn printable(s: &str) -> Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_cannot_break_a_row() {
        let mut t = Table::new(&["id", "title"]);
        t.row(vec![
            "a".into(),
            "one\ttwo\nthree\u{7}\u{1b}[31m\u{202e}x".into(),
        ]);
        assert_eq!(
            t.render(),
            "id  title\na   one\\ttwo\\nthree\\u{7}\\u{1b}[31m\\u{202e}x\n"
        );
        assert_eq!(printable("Café"), Cow::Borrowed("Café"));
    }

    #[test]
    fn columns_align() {
        let mut t = Table::new(&["id", "n", "title"]).numeric(&[1]);
        t.row(vec!["a".into(), "5".into(), "Café".into()]);
        t.row(vec!["bbb".into(), "12".into(), "x".into()]);
        assert_eq!(t.render(), "id    n  title\na     5  Café\nbbb  12  x\n");
    }
}
