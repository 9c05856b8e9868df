//! Plain text tables for the terminal: columns padded to their widest cell (by characters),
//! the last column left ragged so long titles do not pad every line.

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

    /// Adds a row; control characters in a cell are escaped (an archived title is untrusted and a
    /// tab or newline in it would break the columns).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows
            .push(cells.iter().map(|c| escape_control(c)).collect());
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

/// Text from the archive on one terminal line: tab, newline and carriage return as `\t`, `\n`,
/// `\r`; other control characters (escape sequences included) and the bidirectional overrides
/// that reorder what is shown as `\u{..}`.
pub fn escape_control(s: &str) -> String {
    let needs =
        |c: char| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if !s.chars().any(needs) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if needs(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("a\tb\nc"), "a\\tb\\nc");
        assert_eq!(escape_control("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(escape_control("abc\u{202E}def"), "abc\\u{202e}def");
        assert_eq!(escape_control("Café"), "Café");
        let mut t = Table::new(&["id", "title"]);
        t.row(vec!["a".into(), "x\ty".into()]);
        assert_eq!(t.render(), "id  title\na   x\\ty\n");
    }

    #[test]
    fn columns_align() {
        let mut t = Table::new(&["id", "n", "title"]).numeric(&[1]);
        t.row(vec!["a".into(), "5".into(), "Café".into()]);
        t.row(vec!["bbb".into(), "12".into(), "x".into()]);
        assert_eq!(t.render(), "id    n  title\na     5  Café\nbbb  12  x\n");
    }
}
