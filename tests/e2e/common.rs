//! Shared helpers for the end-to-end tests: build real ZIPs from `fixtures/`, run the real
//! binary against a fresh archive in a temp dir, and look at the rows.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use rusqlite::Connection;
use sha2::{Digest, Sha256};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The search corpus (tests/search/corpus/, shared with the Datasette plugin's tests): small
/// conversations whose words the search cases pin down; other tests start from its JSON.
pub fn search_corpus_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/search/corpus/conversations.json")
}

/// The search corpus's conversations, to edit before writing them out as an export.
pub fn search_corpus_json() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(search_corpus_path()).unwrap()).unwrap()
}

pub const ACCOUNT: &str = "user-4Yx7Qm2Lc9TgVbH1sJ3kD8aF";
pub const C1: &str = "66d620c4-f7aa-8005-aed4-8e483ddc3c47";
pub const C2: &str = "66d78729-7339-8005-92f1-89a15355588d";
pub const C3: &str = "66e17772-e6af-8005-9480-85ab00a6d7e6";
pub const C4: &str = "66fd1aeb-54dc-8005-933e-49f4ec55770c";
pub const C5: &str = "6756ceee-186e-8005-b6e3-8c38e268447c";
pub const C6: &str = "64f867e2-4630-8005-a45a-1522ff6097bd";
pub const C7: &str = "69ccf736-b014-8005-869c-45f28c9eead3";
pub const C8: &str = "6a0069e5-a704-8005-b391-73e0b59572bf";
pub const C9: &str = "6a26913f-35ae-8005-b127-42a34ff46274";

/// A temp dir holding one archive, with the binary pointed at it.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("archive.db");
        Env { dir, db }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("chatarchive").unwrap();
        // Dates are shown in UTC unless a test sets a zone (the default is the machine's).
        c.arg("--db")
            .arg(&self.db)
            .env_remove("CHATARCHIVE_DB")
            .env("CHATARCHIVE_TZ", "UTC")
            .env("TZ", "UTC")
            .current_dir(self.dir.path());
        c
    }

    /// Runs `ingest --json` on each path and returns the parsed report lines.
    pub fn ingest(&self, paths: &[&Path]) -> Vec<serde_json::Value> {
        let out = self
            .cmd()
            .arg("ingest")
            .arg("--json")
            .args(paths)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ingest failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    pub fn ingest_one(&self, path: &Path) -> serde_json::Value {
        self.ingest(&[path]).remove(0)
    }

    /// Runs a command that must succeed and returns its stdout.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn conn(&self) -> Connection {
        Connection::open(&self.db).unwrap()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// The first column of the first row (None when there is no row or it is NULL).
    pub fn string(&self, sql: &str) -> Option<String> {
        use rusqlite::OptionalExtension;
        self.conn()
            .query_row(sql, [], |r| r.get(0))
            .optional()
            .unwrap()
            .flatten()
    }

    /// A digest of every row of every table: equal digests mean the archive's content is equal.
    pub fn digest(&self) -> String {
        self.digest_except(&[])
    }

    /// The digest of the conversations' content only: without the per-import bookkeeping
    /// (imports, export_files, last-seen marks) and the export's files.
    pub fn digest_without_imports(&self) -> String {
        self.digest_except(&[
            "imports",
            "import_accounts",
            "export_files",
            "account_snapshots",
            "attachments",
            "attachment_chunks",
        ])
    }

    fn digest_except(&self, skip: &[&str]) -> String {
        if !self.db.exists() {
            return "no archive".into();
        }
        let conn = self.conn();
        let mut tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        tables.retain(|t| !skip.contains(&t.as_str()));
        tables.retain(|t| {
            !t.ends_with("_fts_data")
                && !t.ends_with("_fts_idx")
                && !t.ends_with("_fts_docsize")
                && !t.ends_with("_fts_config")
        });
        let mut h = Sha256::new();
        for t in tables {
            h.update(t.as_bytes());
            let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
            let bookkeeping = ["last_seen_import_id", "last_import_id"];
            let n = stmt.column_count();
            let mut rows: Vec<String> = stmt
                .query_map([], |r| {
                    let mut s = String::new();
                    for i in 0..n {
                        if !skip.is_empty() && bookkeeping.contains(&r.as_ref().column_name(i)?) {
                            continue;
                        }
                        let v: rusqlite::types::Value = r.get(i)?;
                        s.push_str(&format!("{v:?}|"));
                    }
                    Ok(s)
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            rows.sort();
            for r in rows {
                h.update(r.as_bytes());
            }
        }
        hex(&h.finalize())
    }

    /// `PRAGMA integrity_check` and `foreign_key_check` both clean.
    pub fn assert_consistent(&self) {
        let conn = self.conn();
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let fk: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(fk, 0, "foreign key violations");
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Zips a fixture folder (every file, deflated) into `dest`.
pub fn zip_dir(src: &Path, dest: &Path) -> PathBuf {
    let file = std::fs::File::create(dest).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut files = Vec::new();
    collect(src, src, &mut files);
    files.sort();
    for rel in files {
        zip.start_file(rel.replace('\\', "/"), opts).unwrap();
        zip.write_all(&std::fs::read(src.join(&rel)).unwrap())
            .unwrap();
    }
    zip.finish().unwrap();
    dest.to_path_buf()
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(root, &p, out);
        } else {
            out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
        }
    }
}

/// Copies the files of `src` into `dest` and zips each of its folders into `<folder>.zip`.
pub fn zip_parts(src: &Path, dest: &Path) -> PathBuf {
    std::fs::create_dir_all(dest).unwrap();
    for item in std::fs::read_dir(src).unwrap() {
        let p = item.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            zip_dir(&p, &dest.join(format!("{name}.zip")));
        } else {
            std::fs::copy(&p, dest.join(&name)).unwrap();
        }
    }
    dest.to_path_buf()
}

/// Copies a fixture folder so a test can change it.
pub fn copy_dir(src: &Path, dest: &Path) -> PathBuf {
    let mut files = Vec::new();
    collect(src, src, &mut files);
    for rel in files {
        let to = dest.join(&rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(src.join(&rel), to).unwrap();
    }
    dest.to_path_buf()
}

/// Writes a ZIP from (name, bytes) pairs.
pub fn zip_entries(dest: &Path, entries: &[(&str, &[u8])]) -> PathBuf {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(dest).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    dest.to_path_buf()
}

/// The 2024 and 2026 fixture exports as ZIPs in the env's temp dir.
pub fn fixture_zips(env: &Env) -> (PathBuf, PathBuf) {
    (
        zip_dir(&fixture("chatgpt-2024"), &env.path("chatgpt-2024.zip")),
        zip_dir(&fixture("chatgpt-2026"), &env.path("chatgpt-2026.zip")),
    )
}
