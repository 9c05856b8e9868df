//! Where an archive's files go in the dataset: `<table>/provider=<p>/account=<a>/part-<archive
//! id>.parquet`, with partition values escaped exactly as Hive and Spark escape them, so every
//! engine that reads Hive-style folders recovers the value.

use std::path::{Path, PathBuf};

/// The partition value of a row without an account (a team export, a bare conversations.json
/// ingested without `--account`): Hive's and Spark's name for NULL, read back as NULL by Spark,
/// Hive and Trino.
pub const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// Characters Hive (`FileUtils.escapePathName`) and Spark (`ExternalCatalogUtils.escapePathName`)
/// escape in a partition value: control characters, `"#%'*/:=?\` DEL, `{[]^`. Each becomes `%XX`
/// (upper-case hex of the character); everything else, non-ASCII included, is kept as is.
fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '\u{0}'
            ..='\u{1f}'
                | '"'
                | '#'
                | '%'
                | '\''
                | '*'
                | '/'
                | ':'
                | '='
                | '?'
                | '\\'
                | '\u{7f}'
                | '{'
                | '['
                | ']'
                | '^'
    )
}

/// A partition value as a folder name component (`None` and `""` are the default partition, as in
/// Spark).
pub fn escape(value: Option<&str>) -> String {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return NULL_PARTITION.to_string();
    };
    let mut s = String::with_capacity(value.len());
    for c in value.chars() {
        if needs_escape(c) {
            s.push_str(&format!("%{:02X}", c as u32));
        } else {
            s.push(c);
        }
    }
    s
}

/// `DIR/<table>/provider=<p>/account=<a>`.
pub fn partition_dir(out: &Path, table: &str, provider: &str, account: Option<&str>) -> PathBuf {
    out.join(table)
        .join(format!("provider={}", escape(Some(provider))))
        .join(format!("account={}", escape(account)))
}

/// The archive's file in a partition.
pub fn file_name(archive_id: &str) -> String {
    format!("part-{archive_id}.parquet")
}

/// The name a file is written under before it is complete: hidden (a leading dot: Spark, Hive
/// and Trino skip it) and not ending in `.parquet` (a `*.parquet` glob skips it); the process id
/// keeps two exports of the same archive from writing one temporary file.
pub fn temp_name(archive_id: &str) -> String {
    format!(".part-{archive_id}.{}.tmp", std::process::id())
}

/// Whether a file name in a partition is this archive's (final or temporary).
pub fn is_ours(name: &str, archive_id: &str) -> bool {
    name == file_name(archive_id)
        || (name.starts_with(&format!(".part-{archive_id}.")) && name.ends_with(".tmp"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_hive_and_spark() {
        assert_eq!(escape(Some("user-4Yx7Qm2L")), "user-4Yx7Qm2L");
        assert_eq!(escape(Some("a/b=c:d")), "a%2Fb%3Dc%3Ad");
        assert_eq!(escape(Some("50% #1?")), "50%25 %231%3F");
        assert_eq!(escape(Some("tab\there")), "tab%09here");
        assert_eq!(escape(Some("{x}[y]^'\"\\*")), "%7Bx}%5By%5D%5E%27%22%5C%2A");
        assert_eq!(escape(Some("..")), "..");
        assert_eq!(escape(Some("Zoë 里斯本")), "Zoë 里斯本");
        assert_eq!(escape(None), NULL_PARTITION);
        assert_eq!(escape(Some("")), NULL_PARTITION);
    }

    #[test]
    fn paths_and_names() {
        let p = partition_dir(Path::new("/d"), "messages", "claude", None);
        assert_eq!(
            p,
            Path::new("/d/messages/provider=claude/account=__HIVE_DEFAULT_PARTITION__")
        );
        assert_eq!(file_name("u1"), "part-u1.parquet");
        let tmp = temp_name("u1");
        assert!(!tmp.ends_with(".parquet") && tmp.starts_with('.'));
        assert!(is_ours(&tmp, "u1") && is_ours("part-u1.parquet", "u1"));
        assert!(!is_ours("part-u2.parquet", "u1") && !is_ours(".part-u2.9.tmp", "u1"));
    }
}
