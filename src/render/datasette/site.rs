//! Everything Datasette needs besides metadata.json, compiled into the binary so a user needs no
//! other file: the reading plugin, its page templates (named by Datasette's own rule for canned
//! query templates), two small overrides of Datasette's templates, and the settings the README's
//! serve line passes. `chatarchive datasette-metadata --out DIR` writes them all.

use std::path::{Path, PathBuf};

use md5::{Digest, Md5};
use serde_json::{json, Value};

use crate::error::{Error, Result};

/// The plugin: conversation and search pages, attachments, links (Python, for Datasette 0.65).
pub const PLUGIN: &str = include_str!("chatarchive_plugin.py");
pub const PLUGIN_FILE: &str = "chatarchive_plugin.py";
const CONVERSATION_TEMPLATE: &str = include_str!("conversation.html");
const SEARCH_TEMPLATE: &str = include_str!("search.html");
/// Datasette 0.65.5's table.html with the column descriptions folded.
const TABLE_TEMPLATE: &str = include_str!("table.html");
/// Datasette 0.65.5's menu script, no longer folding the reader's own <details>.
const CLOSE_MENUS_TEMPLATE: &str = include_str!("close_open_menus.html");

/// The canned queries whose pages the plugin renders, by name.
pub const CONVERSATION_QUERY: &str = "conversation";
pub const SEARCH_QUERY: &str = "search";

/// `--setting NAME VALUE` pairs the serve line passes (and settings.json records): a substring
/// search of a large archive (Chinese, Japanese, Thai...) scans every message and takes longer
/// than Datasette's default one second.
pub const SETTINGS: &[(&str, i64)] = &[("sql_time_limit_ms", 10_000)];

pub fn settings() -> Value {
    let map: serde_json::Map<String, Value> = SETTINGS
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    Value::Object(map)
}

/// The `datasette serve` line for an archive and a folder written by `--out`, paths quoted for a
/// POSIX shell when they need it.
pub fn serve_line(db: &str, dir: &str) -> String {
    let path = |p: String| shell_word(&p);
    let mut line = format!(
        "datasette serve {} --metadata {} --template-dir {} --plugins-dir {}",
        path(db.to_string()),
        path(format!("{dir}/metadata.json")),
        path(format!("{dir}/templates")),
        path(format!("{dir}/plugins")),
    );
    for (k, v) in SETTINGS {
        line.push_str(&format!(" --setting {k} {v}"));
    }
    line
}

fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:=,@".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Datasette's `to_css_class` (datasette/utils/__init__.py): the name itself when it is a plain
/// CSS class, else the name stripped of invalid characters plus the first 6 hex digits of its
/// md5, so the template file names match what Datasette looks for.
pub fn to_css_class(s: &str) -> String {
    let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        return s.to_string();
    }
    let digest = Md5::digest(s.as_bytes());
    let suffix: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let suffix = &suffix[..6];
    let stripped = s.trim_start_matches('_').trim_start_matches('-');
    let hyphenated = stripped.split_whitespace().collect::<Vec<_>>().join("-");
    let kept: String = hyphenated
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    if kept.is_empty() {
        suffix.to_string()
    } else {
        format!("{kept}-{suffix}")
    }
}

/// (path relative to DIR, contents) of every file besides metadata.json.
pub fn files(database: &str) -> Vec<(String, String)> {
    let db = to_css_class(database);
    let mut settings = serde_json::to_string_pretty(&settings()).unwrap_or_default();
    settings.push('\n');
    vec![
        (format!("plugins/{PLUGIN_FILE}"), PLUGIN.to_string()),
        (
            format!(
                "templates/query-{db}-{}.html",
                to_css_class(CONVERSATION_QUERY)
            ),
            CONVERSATION_TEMPLATE.to_string(),
        ),
        (
            format!("templates/query-{db}-{}.html", to_css_class(SEARCH_QUERY)),
            SEARCH_TEMPLATE.to_string(),
        ),
        ("templates/table.html".into(), TABLE_TEMPLATE.to_string()),
        (
            "templates/_close_open_menus.html".into(),
            CLOSE_MENUS_TEMPLATE.to_string(),
        ),
        ("settings.json".into(), settings),
    ]
}

/// Writes metadata.json and every file of [`files`] under `dir`; returns the paths written.
/// Files of an earlier run are overwritten; a template for another database name is left alone.
pub fn write(dir: &Path, database: &str, metadata: &Value) -> Result<Vec<PathBuf>> {
    let mut metadata_json = serde_json::to_string_pretty(metadata)
        .map_err(|e| Error::Usage(format!("cannot write JSON: {e}")))?;
    metadata_json.push('\n');
    let mut all = vec![("metadata.json".to_string(), metadata_json)];
    all.extend(files(database));
    let mut written = Vec::new();
    for (relative, contents) in all {
        let path = dir.join(&relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&path, contents).map_err(|e| Error::io(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_classes_match_datasette() {
        // Values from Datasette 0.65.5's own to_css_class.
        assert_eq!(to_css_class("chatarchive"), "chatarchive");
        assert_eq!(to_css_class("my-archive_2"), "my-archive_2");
        assert_eq!(to_css_class("2026 archive"), "2026-archive-503beb");
        assert_eq!(to_css_class("_private"), "private-143ab9");
        assert_eq!(to_css_class("café"), "caf-07117f");
    }

    #[test]
    fn template_names_follow_the_database_name() {
        let names: Vec<String> = files("2026 archive").into_iter().map(|(p, _)| p).collect();
        assert!(names.contains(&"templates/query-2026-archive-503beb-conversation.html".into()));
        assert!(names.contains(&"templates/query-2026-archive-503beb-search.html".into()));
        assert!(names.contains(&"plugins/chatarchive_plugin.py".into()));
        assert!(names.contains(&"settings.json".into()));
    }

    #[test]
    fn the_readme_shows_the_serve_line() {
        let readme = include_str!("../../../README.md");
        let line = serve_line("chatarchive.db", "site");
        assert!(
            readme.lines().any(|l| l.trim() == line),
            "README.md should show: {line}"
        );
    }

    #[test]
    fn paths_in_the_serve_line_are_quoted_when_needed() {
        let line = serve_line("my chats.db", "/tmp/it's here");
        assert!(
            line.starts_with(
                "datasette serve 'my chats.db' --metadata '/tmp/it'\\''s here/metadata.json' "
            ),
            "{line}"
        );
    }

    #[test]
    fn the_serve_line_passes_every_setting() {
        let line = serve_line("chatarchive.db", "site");
        for (k, v) in SETTINGS {
            assert!(line.contains(&format!("--setting {k} {v}")), "{line}");
        }
    }
}
