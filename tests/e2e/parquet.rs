//! `export --format parquet`: two archives of different providers and accounts export into one
//! dataset at the same time (two processes), and a real engine (DuckDB, pinned in
//! tests/parquet/requirements.txt) reads it back: every table's rows, and docs/parquet.md's
//! DuckDB versions of docs/queries.md's queries answer what SQLite answers on each archive.
//!
//! DuckDB is found as $DUCKDB_PYTHON (a Python with the `duckdb` package; .ci/run sets it) or
//! `python3` if that imports duckdb. Without it the DuckDB part says so and passes, except under
//! CI=true, where it must run. The layout, atomicity and pseudonymization tests need no DuckDB.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::*;
use chatarchive::query::canned;
use rusqlite::types::ValueRef;
use serde_json::{json, Value};

const PARQUET_MD: &str = include_str!("../../docs/parquet.md");

/// Every table and the SQLite count of its rows (what the dataset must hold for the archive).
const COUNTS: &[(&str, &str)] = &[
    ("conversations", "SELECT count(*) FROM conversations"),
    (
        "conversation_versions",
        "SELECT count(*) FROM conversation_versions",
    ),
    ("messages", "SELECT count(*) FROM messages"),
    (
        "current_thread",
        "SELECT count(*) FROM current_thread_positions",
    ),
    (
        "message_attachments",
        "SELECT count(*) FROM message_attachments",
    ),
    ("attachments", "SELECT count(*) FROM attachments"),
    ("imports", "SELECT count(*) FROM imports"),
    ("accounts", "SELECT count(*) FROM accounts"),
    ("projects", "SELECT count(*) FROM projects"),
    ("memories", "SELECT count(*) FROM memories"),
];

fn duckdb_python() -> Option<PathBuf> {
    let candidate = std::env::var_os("DUCKDB_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("python3"));
    let works = Command::new(&candidate)
        .args(["-c", "import duckdb"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    works.then_some(candidate)
}

/// The ChatGPT archive (2024 then 2026 export of one account) and the Claude archive.
fn two_archives() -> (Env, Env) {
    let gpt = Env::new();
    let (z24, z26) = fixture_zips(&gpt);
    gpt.ingest(&[&z24, &z26]);
    let claude = Env::new();
    let march = zip_dir(&fixture("claude-2026-03"), &claude.path("claude-03.zip"));
    let june = zip_dir(&fixture("claude-2026-06"), &claude.path("claude-06.zip"));
    claude.ingest(&[&march, &june]);
    (gpt, claude)
}

fn archive_id(env: &Env) -> String {
    env.string("SELECT id FROM archive").unwrap()
}

fn export_cmd(env: &Env, out: &Path, extra: &[&str]) -> assert_cmd::Command {
    let mut c = env.cmd();
    c.args(["export", "--format", "parquet", "--out"])
        .arg(out)
        .args(extra)
        .env_remove("CHATARCHIVE_PSEUDONYM_KEY");
    c
}

/// The export as a child process that runs while the test goes on.
fn spawn_export(env: &Env, out: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_chatarchive"))
        .arg("--db")
        .arg(&env.db)
        .args(["export", "--format", "parquet", "--out"])
        .arg(out)
        .env_remove("CHATARCHIVE_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn export(env: &Env, out: &Path, extra: &[&str]) -> String {
    let o = export_cmd(env, out, extra).output().unwrap();
    assert!(
        o.status.success(),
        "export failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}

fn sqlite_rows(env: &Env, sql: &str) -> Vec<Vec<Value>> {
    let conn = env.conn();
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    let mut rows = stmt.query([]).unwrap();
    let mut out = Vec::new();
    while let Some(r) = rows.next().unwrap() {
        out.push(
            (0..n)
                .map(|i| match r.get_ref(i).unwrap() {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => json!(v),
                    ValueRef::Real(v) => json!(v),
                    ValueRef::Text(t) => json!(String::from_utf8_lossy(t)),
                    ValueRef::Blob(b) => json!(b.len()),
                })
                .collect(),
        );
    }
    out
}

/// One block of docs/parquet.md by its `-- name:`.
fn doc_block(name: &str) -> String {
    canned::parse(PARQUET_MD)
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("docs/parquet.md has no block {name}"))
        .sql
}

#[test]
fn two_archives_export_into_one_dataset_at_once_and_duckdb_reads_what_sqlite_holds() {
    let (gpt, claude) = two_archives();
    let (gpt_id, claude_id) = (archive_id(&gpt), archive_id(&claude));
    assert_ne!(gpt_id, claude_id);
    let shared = tempfile::tempdir().unwrap();
    let out = shared.path().join("dataset");

    // Two processes at the same time into one folder.
    let mut a = spawn_export(&gpt, &out);
    let mut b = spawn_export(&claude, &out);
    let (ra, rb) = (a.wait().unwrap(), b.wait().unwrap());
    assert!(ra.success() && rb.success());
    let mut said = String::new();
    std::io::Read::read_to_string(a.stdout.as_mut().unwrap(), &mut said).unwrap();
    assert!(
        said.contains(&format!(
            "archive {gpt_id}: 8 files written, 0 unchanged, 0 removed"
        )),
        "{said}"
    );
    assert!(said.contains("conversations 9, "), "{said}");

    // Layout: only final files, each named after its archive, under provider= and account=.
    let all = files(&out);
    assert!(all.iter().all(|f| f.ends_with(".parquet")), "{all:?}");
    let gpt_account = gpt
        .string("SELECT account_id FROM conversations LIMIT 1")
        .unwrap();
    assert_eq!(gpt_account, ACCOUNT);
    assert!(all.contains(&format!(
        "messages/provider=chatgpt/account={ACCOUNT}/part-{gpt_id}.parquet"
    )));
    let claude_account = claude.string("SELECT id FROM accounts LIMIT 1").unwrap();
    assert!(all.contains(&format!(
        "memories/provider=claude/account={claude_account}/part-{claude_id}.parquet"
    )));
    assert!(all
        .iter()
        .all(|f| f.ends_with(&format!("part-{gpt_id}.parquet"))
            || f.ends_with(&format!("part-{claude_id}.parquet"))));

    let Some(python) = duckdb_python() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but DuckDB is missing: .ci/run installs it (tests/parquet/requirements.txt) and sets DUCKDB_PYTHON");
        }
        eprintln!("skipped the DuckDB half: no Python with duckdb (set DUCKDB_PYTHON; .ci/run installs it)");
        return;
    };
    let names = [
        "messages_per_provider",
        "provider_by_month",
        "messages_per_month",
        "conversations_started_per_month",
        "busiest_days",
        "models_used",
        "deleted_upstream",
        "renamed_conversations",
        "code_by_language",
        "imports_timeline",
    ];
    let queries: BTreeMap<&str, String> = names.iter().map(|n| (*n, doc_block(n))).collect();
    let spec = json!({
        "dir": out.to_str().unwrap(),
        "setup": doc_block("duckdb_setup"),
        "views": doc_block("duckdb_views"),
        "tables": COUNTS.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
        "archives": [gpt_id, claude_id],
        "queries": queries,
    });
    let spec_path = shared.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parquet/duckdb_check.py");
    let o = Command::new(&python)
        .arg(&script)
        .arg(&spec_path)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "DuckDB: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let duck: Value = serde_json::from_slice(&o.stdout).unwrap();

    for (table, sql) in COUNTS {
        let (g, c) = (gpt.count(sql), claude.count(sql));
        assert_eq!(duck["all"][table], json!(g + c), "{table}: whole dataset");
        assert_eq!(
            duck["archives"][&gpt_id]["counts"][table],
            json!(g),
            "{table}: ChatGPT archive"
        );
        assert_eq!(
            duck["archives"][&claude_id]["counts"][table],
            json!(c),
            "{table}: Claude archive"
        );
    }
    // Every table but the Claude-only ones has rows of both archives.
    assert!(gpt.count("SELECT count(*) FROM messages") > 0);
    assert!(claude.count("SELECT count(*) FROM memories") > 0);
    // One partition per provider and account of the messages' conversations (the June Claude
    // export is a team export: three accounts).
    let mut expected: Vec<Vec<Value>> = [&gpt, &claude]
        .iter()
        .flat_map(|e| {
            sqlite_rows(
                e,
                "SELECT DISTINCT c.provider, c.account_id FROM messages m
                 JOIN conversations c ON c.id = m.conversation_id",
            )
        })
        .collect();
    expected.sort_by_key(|r| r.iter().map(|v| v.to_string()).collect::<Vec<_>>());
    assert!(expected.len() >= 3, "{expected:?}");
    assert!(expected.contains(&vec![json!("claude"), json!(claude_account)]));
    assert_eq!(duck["partitions"]["messages"], json!(expected));

    let sqlite: BTreeMap<String, String> = canned::queries()
        .into_iter()
        .map(|c| (c.name, c.sql))
        .collect();
    for (env, id) in [(&gpt, &gpt_id), (&claude, &claude_id)] {
        for name in names {
            let expected = sqlite_rows(env, &sqlite[name]);
            let got = &duck["archives"][id.as_str()]["queries"][name];
            assert_eq!(
                got,
                &json!(expected),
                "{name} on archive {id}: DuckDB (left) and SQLite (right) differ"
            );
        }
    }
    // The comparison is not vacuous: the queries found rows in both archives.
    for id in [&gpt_id, &claude_id] {
        let q = &duck["archives"][id.as_str()]["queries"];
        assert!(!q["messages_per_provider"].as_array().unwrap().is_empty());
        assert!(!q["imports_timeline"].as_array().unwrap().is_empty());
    }
    assert!(!duck["archives"][&gpt_id]["queries"]["code_by_language"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(!duck["archives"][&gpt_id]["queries"]["deleted_upstream"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn re_export_rewrites_nothing_when_unchanged_and_replaces_only_that_archives_files() {
    let (gpt, claude) = two_archives();
    let (gpt_id, claude_id) = (archive_id(&gpt), archive_id(&claude));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    export(&gpt, &out, &["--with-bytes"]);
    export(&claude, &out, &[]);
    let mtimes = |filter: &str| -> BTreeMap<String, std::time::SystemTime> {
        files(&out)
            .into_iter()
            .filter(|f| f.contains(filter))
            .map(|f| {
                let m = std::fs::metadata(out.join(&f)).unwrap().modified().unwrap();
                (f, m)
            })
            .collect()
    };
    let before = mtimes("");
    assert!(before.keys().any(|f| f.starts_with("attachment_bytes/")));
    std::thread::sleep(std::time::Duration::from_millis(20));

    // A temporary file an interrupted export left is removed by the archive's next export; one
    // of another archive (exporting right now, say) is not touched.
    let partition = out.join(format!("messages/provider=chatgpt/account={ACCOUNT}"));
    let ours = partition.join(format!(".part-{gpt_id}.999999.tmp"));
    let theirs = partition.join(".part-00000000-0000-4000-8000-000000000000.999999.tmp");
    std::fs::write(&ours, "half a file").unwrap();
    std::fs::write(&theirs, "half a file").unwrap();

    // Unchanged archive: every file compared by fingerprint, none replaced.
    let said = export(&gpt, &out, &["--with-bytes"]);
    assert!(
        said.contains(&format!(
            "archive {gpt_id}: 0 files written, 9 unchanged, 0 removed"
        )),
        "{said}"
    );
    assert!(!ours.exists());
    assert!(theirs.exists());
    std::fs::remove_file(&theirs).unwrap();
    assert_eq!(mtimes(""), before);

    // Without --with-bytes the archive's bytes files go; the Claude archive's files stay as
    // they were.
    let said = export(&gpt, &out, &[]);
    assert!(
        said.contains("0 files written, 8 unchanged, 1 removed"),
        "{said}"
    );
    assert!(!files(&out)
        .iter()
        .any(|f| f.starts_with("attachment_bytes/")));
    let claude_files = mtimes(&claude_id);
    assert!(!claude_files.is_empty());
    assert_eq!(
        claude_files,
        before
            .iter()
            .filter(|(f, _)| f.contains(&claude_id))
            .map(|(f, m)| (f.clone(), *m))
            .collect()
    );

    // An archive that changed rewrites only the files whose rows changed: forgetting one
    // conversation changes conversations and messages, not accounts.
    gpt.run(&["forget", "--yes", C1]);
    let accounts_file =
        format!("accounts/provider=chatgpt/account={ACCOUNT}/part-{gpt_id}.parquet");
    let conv_file =
        format!("conversations/provider=chatgpt/account={ACCOUNT}/part-{gpt_id}.parquet");
    let before = mtimes(&gpt_id);
    export(&gpt, &out, &[]);
    let after = mtimes(&gpt_id);
    assert_eq!(after[&accounts_file], before[&accounts_file]);
    assert_ne!(after[&conv_file], before[&conv_file]);

    // Forgetting the whole account removes its partitions from the dataset.
    gpt.run(&["forget", "--yes", "--account", ACCOUNT]);
    let said = export(&gpt, &out, &[]);
    assert!(said.contains("removed"), "{said}");
    let left: Vec<String> = files(&out)
        .into_iter()
        .filter(|f| f.contains(&gpt_id))
        .collect();
    assert!(
        left.iter()
            .all(|f| !f.starts_with("messages/") && !f.starts_with("conversations/")),
        "{left:?}"
    );
    assert!(!out
        .join(format!("messages/provider=chatgpt/account={ACCOUNT}"))
        .exists());
}

#[test]
fn odd_and_missing_accounts_get_escaped_and_default_partitions() {
    let env = Env::new();
    let bare = fixture("chatgpt-2024").join("conversations.json");
    env.ingest(&[&bare]);
    let other = Env::new();
    let out = env.path("ds");
    export(&env, &out, &[]);
    let id = archive_id(&env);
    assert!(files(&out).contains(&format!(
        "conversations/provider=chatgpt/account=__HIVE_DEFAULT_PARTITION__/part-{id}.parquet"
    )));
    let odd = other
        .cmd()
        .args(["ingest", "--account", "lab/p:01 #7"])
        .arg(&bare)
        .output()
        .unwrap();
    assert!(
        odd.status.success(),
        "{}",
        String::from_utf8_lossy(&odd.stderr)
    );
    export(&other, &out, &[]);
    let oid = archive_id(&other);
    assert!(files(&out).contains(&format!(
        "conversations/provider=chatgpt/account=lab%2Fp%3A01 %237/part-{oid}.parquet"
    )));
    // DuckDB decodes both partition values back to what the archive holds.
    let Some(python) = duckdb_python() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but DuckDB is missing (.ci/run sets DUCKDB_PYTHON)");
        }
        eprintln!("skipped the DuckDB half: no Python with duckdb (set DUCKDB_PYTHON)");
        return;
    };
    let script = format!(
        "import duckdb\n\
         con = duckdb.connect(config={{'autoinstall_known_extensions': False, 'autoload_known_extensions': False}})\n\
         print(con.execute(\"SELECT DISTINCT coalesce(account, 'NULL') || ' ' || coalesce(account_id, 'NULL') FROM read_parquet('{}/conversations/**/*.parquet', hive_partitioning = true, hive_types = {{'provider': VARCHAR, 'account': VARCHAR}}) ORDER BY 1\").fetchall())",
        out.display()
    );
    let o = Command::new(python).args(["-c", &script]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "[('NULL NULL',), ('lab/p:01 #7 lab/p:01 #7',)]"
    );
}

#[test]
fn pseudonymized_export_hides_ids_and_personal_columns_and_takes_no_key_on_the_command_line() {
    let (gpt, _claude) = two_archives();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");

    // No key: refused, nothing written.
    let o = export_cmd(&gpt, &out, &["--pseudonymize"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--pseudonymize needs a key"), "{err}");
    assert!(files(&out).is_empty());
    // A key on the command line is not an option at all.
    let o = export_cmd(&gpt, &out, &["--pseudonymize", "--pseudonym-key", "k"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    // Bytes cannot be pseudonymized.
    let o = export_cmd(&gpt, &out, &["--pseudonymize", "--with-bytes"])
        .env(
            "CHATARCHIVE_PSEUDONYM_KEY",
            "a study key of 32 characters....",
        )
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));

    let key = dir.path().join("key");
    std::fs::write(&key, "a study key of 32 characters....\n").unwrap();
    export(
        &gpt,
        &out,
        &[
            "--pseudonymize",
            "--pseudonym-key-file",
            key.to_str().unwrap(),
        ],
    );
    let all = files(&out);
    // The account is not in any path; its pseudonym is.
    assert!(all.iter().all(|f| !f.contains(ACCOUNT)), "{all:?}");
    let pseudonym = {
        use hmac::{Hmac, Mac};
        let mut m =
            Hmac::<sha2::Sha256>::new_from_slice(b"a study key of 32 characters....").unwrap();
        m.update(ACCOUNT.as_bytes());
        m.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert!(all
        .iter()
        .any(|f| f.contains(&format!("account={pseudonym}/"))));
    // No id, email, name, phone number or path of the archive appears in any file's bytes.
    let conn = gpt.conn();
    let mut secrets: Vec<String> = conn
        .prepare(
            "SELECT id FROM conversations UNION SELECT id FROM messages WHERE length(id) > 8
             UNION SELECT email FROM accounts UNION SELECT name FROM accounts
             UNION SELECT phone_number FROM accounts UNION SELECT source FROM imports
             UNION SELECT sha256 FROM attachments",
        )
        .unwrap()
        .query_map([], |r| r.get::<_, Option<String>>(0))
        .unwrap()
        .filter_map(|r| r.unwrap())
        .collect();
    secrets.push(ACCOUNT.to_string());
    assert!(secrets.len() > 20, "{secrets:?}");
    for f in &all {
        let bytes = std::fs::read(out.join(f)).unwrap();
        for s in &secrets {
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                "{f} holds {s:?}"
            );
        }
    }
    // The same key from the environment gives the same dataset (nothing rewritten).
    let o = export_cmd(&gpt, &out, &["--pseudonymize"])
        .env(
            "CHATARCHIVE_PSEUDONYM_KEY",
            "a study key of 32 characters....",
        )
        .output()
        .unwrap();
    assert!(o.status.success());
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("0 files written, 8 unchanged"), "{said}");
}

#[test]
fn every_column_is_documented() {
    for table in chatarchive::render::parquet::tables::TABLES {
        let heading = format!("### `{}`", table.name);
        let at = PARQUET_MD
            .find(&heading)
            .unwrap_or_else(|| panic!("docs/parquet.md: no section {heading}"));
        let section = &PARQUET_MD[at..];
        let section = &section[..section[4..].find("\n### ").map_or(section.len(), |i| i + 4)];
        for col in table.columns {
            assert!(
                section.contains(&format!("| `{}` |", col.name)),
                "docs/parquet.md: {}.{} is not documented",
                table.name,
                col.name
            );
        }
    }
}

/// The column names and Parquet types of one file.
fn columns(path: &Path) -> Vec<String> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    schema
        .columns()
        .iter()
        .map(|c| {
            format!(
                "{} {} {:?}",
                c.name(),
                c.physical_type(),
                c.logical_type_ref()
            )
        })
        .collect()
}

#[test]
fn no_raw_leaves_the_raw_columns_out_and_types_are_real() {
    let env = Env::new();
    let (z24, z26) = fixture_zips(&env);
    env.ingest(&[&z24, &z26]);
    let id = archive_id(&env);
    let out = env.path("ds");
    export(&env, &out, &[]);
    let file = out.join(format!(
        "messages/provider=chatgpt/account={ACCOUNT}/part-{id}.parquet"
    ));
    let full = columns(&file);
    assert_eq!(full[0], "archive_id BYTE_ARRAY Some(String)");
    assert!(
        full.contains(&"text BYTE_ARRAY Some(String)".to_string()),
        "{full:?}"
    );
    assert!(
        full.contains(&"hidden BOOLEAN None".to_string()),
        "{full:?}"
    );
    assert!(full.contains(&"pk INT64 None".to_string()), "{full:?}");
    assert!(
        full.iter().any(|c| c.contains("created_at INT64")
            && c.contains("is_adjusted_to_u_t_c: true, unit: MILLIS")),
        "{full:?}"
    );
    assert!(full.iter().any(|c| c.starts_with("raw ")), "{full:?}");

    let said = export(&env, &out, &["--no-raw"]);
    assert!(said.contains("written"), "{said}");
    let slim = columns(&file);
    assert!(!slim.iter().any(|c| c.starts_with("raw ")), "{slim:?}");
    assert_eq!(slim.len(), full.len() - 1);
    let accounts = columns(&out.join(format!(
        "accounts/provider=chatgpt/account={ACCOUNT}/part-{id}.parquet"
    )));
    assert!(
        !accounts.iter().any(|c| c.starts_with("raw ")),
        "{accounts:?}"
    );
    // Personal columns stay without --pseudonymize.
    assert!(
        accounts.iter().any(|c| c.starts_with("email ")),
        "{accounts:?}"
    );

    // The Markdown export does not take Parquet's options.
    let o = env
        .cmd()
        .args(["export", "--out"])
        .arg(env.path("md"))
        .arg("--no-raw")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("go with --format parquet"));
}
