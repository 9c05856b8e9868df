//! The ready-made queries of docs/queries.md, compiled in: Datasette offers them as canned
//! queries, and the test suite runs every one against the fixtures, so the page, the metadata
//! and the tests cannot drift apart.

/// docs/queries.md as it was when this binary was built.
pub const QUERIES_MD: &str = include_str!("../../docs/queries.md");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canned {
    /// From the `-- name: ...` line that opens the SQL block.
    pub name: String,
    /// The heading above the block.
    pub title: String,
    /// The paragraph(s) between the heading and the block.
    pub description: String,
    pub sql: String,
}

/// Every ```sql block that opens with `-- name: NAME`, with the heading and text before it.
pub fn parse(markdown: &str) -> Vec<Canned> {
    let mut out = Vec::new();
    let mut title = String::new();
    let mut description: Vec<String> = Vec::new();
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        if let Some(h) = line.strip_prefix('#') {
            title = h.trim_start_matches('#').trim().to_string();
            description.clear();
        } else if line.trim_start().starts_with("```sql") {
            let mut sql = Vec::new();
            for l in lines.by_ref() {
                if l.trim_start().starts_with("```") {
                    break;
                }
                sql.push(l);
            }
            let name = sql
                .first()
                .and_then(|l| l.trim().strip_prefix("-- name:"))
                .map(|n| n.trim().to_string());
            if let Some(name) = name {
                out.push(Canned {
                    name,
                    title: title.clone(),
                    description: description.join(" ").trim().to_string(),
                    sql: sql.join("\n").trim().to_string(),
                });
            }
            description.clear();
        } else if !line.trim().is_empty() {
            description.push(line.trim().to_string());
        }
    }
    out
}

pub fn queries() -> Vec<Canned> {
    parse(QUERIES_MD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_with_names_are_found() {
        let md = "# Page\n\nintro\n\n## Recent\n\nThe newest\nones.\n\n```sql\n-- name: recent\nSELECT 1;\n```\n\n```sql\nSELECT 'no name';\n```\n";
        assert_eq!(
            parse(md),
            vec![Canned {
                name: "recent".into(),
                title: "Recent".into(),
                description: "The newest ones.".into(),
                sql: "-- name: recent\nSELECT 1;".into()
            }]
        );
    }

    #[test]
    fn the_shipped_page_has_ten_named_queries_with_unique_names() {
        let q = queries();
        assert!(q.len() >= 10, "docs/queries.md has {} queries", q.len());
        let mut names: Vec<&str> = q.iter().map(|c| c.name.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), q.len(), "query names must be unique");
        assert!(q
            .iter()
            .all(|c| !c.title.is_empty() && !c.description.is_empty()));
    }
}
