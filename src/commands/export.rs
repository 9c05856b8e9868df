//! `export`: one file per conversation, and beside them in a Markdown export every file they
//! link: `attachments/<sha256>.<ext>` (each stored file once, content-addressed, never
//! rewritten) and `canvas/<conversation>-<document>.<ext>` (each canvas document's final text). A
//! file is rewritten only when its bytes would change, so re-running after an ingest touches just
//! what the ingest changed (sync tools and notes apps see no churn). A small manifest records every
//! file written, per conversation, so a renamed conversation's old files and files no
//! conversation uses any more (after `forget`) are removed instead of left behind.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rusqlite::OptionalExtension;

use super::print;
use crate::cli::{Cli, ExportFormat, ParquetArgs};
use chatarchive::archive::Archive;
use chatarchive::error::{Error, Result};
use chatarchive::model::Provider;
use chatarchive::query::{attachments, canvas, conversation};
use chatarchive::render::parquet::{self, pseudonym, Pseudonymizer};
use chatarchive::render::{markdown, names, simple, Selection};

/// Written into the output folder; lists the files of each exported conversation.
const MANIFEST: &str = ".chatarchive-export.json";

/// Sub-folders holding the files conversations link to; only paths under them are ever removed.
const ASSET_DIRS: [&str; 2] = ["attachments", "canvas"];

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Manifest {
    format: String,
    /// Conversation id → file name.
    files: BTreeMap<String, String>,
    /// Conversation id → the other files its transcript links (paths relative to the folder).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    assets: BTreeMap<String, BTreeSet<String>>,
}

impl Manifest {
    fn all_assets(&self) -> BTreeSet<&String> {
        self.assets.values().flatten().collect()
    }
}

#[derive(Default)]
struct Counts {
    written: usize,
    unchanged: usize,
    renamed: usize,
    assets_written: usize,
    assets_unchanged: usize,
    removed: usize,
}

pub fn run(
    cli: &Cli,
    format: ExportFormat,
    out: &Path,
    include_deleted: bool,
    provider: Option<Provider>,
    parquet: &ParquetArgs,
) -> Result<ExitCode> {
    if format == ExportFormat::Parquet {
        return run_parquet(cli, out, include_deleted, provider, parquet);
    }
    if parquet.with_bytes || parquet.no_raw || parquet.pseudonymize {
        return Err(Error::Usage(
            "--with-bytes, --no-raw and --pseudonymize go with --format parquet".into(),
        ));
    }
    let archive = super::open_existing(cli)?;
    create_private_dir(out)?;
    let manifest_path = out.join(MANIFEST);
    let old: Manifest = match std::fs::read(&manifest_path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            Error::Usage(format!(
            "{}: not a chatarchive export manifest ({e}); move it away to export into this folder",
            manifest_path.display()
        ))
        })?,
        Err(_) => Manifest::default(),
    };
    let mut manifest = Manifest {
        format: "chatarchive.export.v1".into(),
        files: old.files.clone(),
        assets: old.assets.clone(),
    };
    let ext = match format {
        ExportFormat::Markdown => "md",
        ExportFormat::Json => "json",
        ExportFormat::Parquet => "parquet", // handled by run_parquet above
    };
    let file_names = file_names(&archive, include_deleted, provider, ext)?;
    let mut n = Counts::default();
    let selection = Selection {
        all_branches: false,
        include_hidden: false,
    };
    // Attachments already checked in this run (several conversations can link one file).
    let mut done: HashSet<String> = HashSet::new();
    for (id, name) in &file_names {
        let view = conversation::load(&archive.conn, id, None)?;
        let mut uses: BTreeSet<String> = BTreeSet::new();
        let bytes = match format {
            ExportFormat::Markdown => {
                let files = attachments::message_files(&archive.conn, Some(id))?;
                let docs = canvas::documents(&archive.conn, id)?;
                let stem = name.strip_suffix(".md").unwrap_or(name);
                let extras = markdown::Extras {
                    canvas_files: canvas_file_names(stem, &docs),
                    files,
                    canvas: docs,
                };
                let md = markdown::render(
                    &view,
                    &extras,
                    markdown::Options {
                        selection,
                        tz: chatarchive::query::dates::Tz::UTC,
                        front_matter: true,
                        export: true,
                    },
                );
                // Write what the transcript links, and only that (a file of another branch is
                // not linked).
                for f in &extras.files {
                    let (Some(sha), Some(path)) = (f.sha256.as_deref(), f.export_path()) else {
                        continue;
                    };
                    if !md.contains(&format!("]({path})")) || !uses.insert(path.clone()) {
                        continue;
                    }
                    if done.insert(path.clone()) {
                        write_attachment(&archive, out, sha, f.size, &path, &mut n)?;
                    }
                }
                for (doc, path) in extras.canvas.iter().zip(&extras.canvas_files) {
                    if !md.contains(&format!("]({path})")) || !uses.insert(path.clone()) {
                        continue;
                    }
                    write_if_changed(&out.join(path), doc.content.as_bytes(), &mut n)?;
                }
                md
            }
            ExportFormat::Json | ExportFormat::Parquet => simple::render(&view, selection),
        }
        .into_bytes();
        let path = out.join(name);
        if std::fs::read(&path).ok().as_deref() == Some(bytes.as_slice()) {
            n.unchanged += 1;
        } else {
            write_private(&path, &bytes)?;
            n.written += 1;
        }
        if let Some(old_name) = manifest.files.insert(id.clone(), name.clone()) {
            if old_name != *name && remove_ours(out, &old_name)? {
                n.renamed += 1;
            }
        }
        // A JSON export links nothing; it leaves a Markdown export's files in the folder alone.
        if format == ExportFormat::Markdown {
            if uses.is_empty() {
                manifest.assets.remove(id);
            } else {
                manifest.assets.insert(id.clone(), uses);
            }
        }
    }
    // Conversations the archive no longer holds (forgotten): their files go. Those only left
    // out this time (deleted upstream, another provider) keep theirs.
    let exported: HashSet<&String> = file_names.iter().map(|(id, _)| id).collect();
    let mut exists = archive
        .conn
        .prepare("SELECT 1 FROM conversations WHERE id = ?1")?;
    let gone: Vec<String> = manifest
        .files
        .keys()
        .filter(|id| !exported.contains(id))
        .filter_map(|id| match exists.query_row([id], |_| Ok(())).optional() {
            Ok(Some(())) => None,
            Ok(None) => Some(Ok(id.clone())),
            Err(e) => Some(Err(e)),
        })
        .collect::<std::result::Result<_, _>>()?;
    for id in gone {
        if let Some(file) = manifest.files.remove(&id) {
            if remove_ours(out, &file)? {
                n.removed += 1;
            }
        }
        manifest.assets.remove(&id);
    }
    let used = manifest.all_assets();
    for path in old.all_assets().difference(&used) {
        if remove_ours(out, path)? {
            n.removed += 1;
        }
    }
    let changed = serde_json::to_vec(&manifest.files).ok() != serde_json::to_vec(&old.files).ok()
        || serde_json::to_vec(&manifest.assets).ok() != serde_json::to_vec(&old.assets).ok();
    if changed || !manifest_path.exists() {
        let mut json = serde_json::to_string_pretty(&manifest).unwrap_or_default();
        json.push('\n');
        write_private(&manifest_path, json.as_bytes())?;
    }
    if !cli.quiet {
        let mut line = format!(
            "{}: {} conversations: {} written, {} unchanged{}",
            out.display(),
            file_names.len(),
            n.written,
            n.unchanged,
            if n.renamed > 0 {
                format!(", {} renamed (old file removed)", n.renamed)
            } else {
                String::new()
            }
        );
        if n.assets_written + n.assets_unchanged > 0 {
            line.push_str(&format!(
                "; linked files: {} written, {} unchanged",
                n.assets_written, n.assets_unchanged
            ));
        }
        if n.removed > 0 {
            let s = if n.removed == 1 { "" } else { "s" };
            line.push_str(&format!("; {} unused file{s} removed", n.removed));
        }
        print(&format!("{line}\n"))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `export --format parquet`: the archive's files in a dataset folder other archives share.
fn run_parquet(
    cli: &Cli,
    out: &Path,
    include_deleted: bool,
    provider: Option<Provider>,
    args: &ParquetArgs,
) -> Result<ExitCode> {
    if include_deleted || provider.is_some() {
        return Err(Error::Usage(
            "--format parquet exports the whole archive: every provider, and conversations \
             deleted upstream with their deleted_import_id (filter in the query instead)"
                .into(),
        ));
    }
    if args.with_bytes && args.pseudonymize {
        return Err(Error::Usage(
            "--with-bytes cannot be pseudonymized: files carry names, faces and metadata \
             (export the bytes without --pseudonymize, or leave them out)"
                .into(),
        ));
    }
    let pseudonym = if args.pseudonymize {
        let env = std::env::var_os(pseudonym::KEY_ENV).map(|v| v.into_encoded_bytes());
        Some(Pseudonymizer::from_sources(
            args.pseudonym_key_file.as_deref(),
            env,
        )?)
    } else {
        None
    };
    let archive = super::open_existing(cli)?;
    let options = parquet::Options {
        with_bytes: args.with_bytes,
        no_raw: args.no_raw,
        pseudonym,
    };
    let report = parquet::export(&archive.conn, out, &options)?;
    if !cli.quiet {
        let rows: Vec<String> = report
            .rows
            .iter()
            .map(|(table, n)| format!("{table} {n}"))
            .collect();
        print(&format!(
            "{}: archive {}: {} files written, {} unchanged, {} removed; rows: {}\n",
            out.display(),
            report.archive_id,
            report.written,
            report.unchanged,
            report.removed,
            rows.join(", ")
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Each canvas document's file: `canvas/<conversation file stem>-<document name>.<ext>`, names
/// cleaned like the conversation's, a number added when two documents share one.
fn canvas_file_names(stem: &str, docs: &[canvas::CanvasDocument]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    docs.iter()
        .map(|d| {
            let mut slug = names::slug(d.name.as_deref().unwrap_or(""));
            if slug.is_empty() {
                slug = "document".into();
            }
            let n = seen.entry(slug.clone()).or_default();
            *n += 1;
            if *n > 1 {
                slug = format!("{slug}-{n}");
            }
            format!("canvas/{stem}-{slug}.{}", d.extension())
        })
        .collect()
}

/// A stored file, written once under its hash: a file already there with the right size is
/// the same file (written through a rename, never in part), so it is left alone.
fn write_attachment(
    archive: &Archive,
    out: &Path,
    sha256: &str,
    size: Option<i64>,
    rel: &str,
    n: &mut Counts,
) -> Result<()> {
    let path = out.join(rel);
    let len = std::fs::metadata(&path).ok().map(|m| m.len() as i64);
    if len.is_some() && (size.is_none() || len == size) {
        n.assets_unchanged += 1;
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    write_private_with(&path, |f| {
        attachments::write_bytes(&archive.conn, sha256, f).map(|_| ())
    })?;
    n.assets_written += 1;
    Ok(())
}

fn write_if_changed(path: &Path, bytes: &[u8], n: &mut Counts) -> Result<()> {
    if std::fs::read(path).ok().as_deref() == Some(bytes) {
        n.assets_unchanged += 1;
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    write_private(path, bytes)?;
    n.assets_written += 1;
    Ok(())
}

/// Removes a file this export wrote: a plain name in the folder, or one under `ASSET_DIRS` —
/// never a path elsewhere, whatever the manifest says. True when a file was removed.
fn remove_ours(out: &Path, rel: &str) -> Result<bool> {
    let parts: Vec<&str> = rel.split('/').collect();
    let plain = |p: &str| !p.is_empty() && p != "." && p != ".." && !p.contains('\\');
    let ours = match parts.as_slice() {
        [file] => plain(file),
        [dir, file] => ASSET_DIRS.contains(dir) && plain(file),
        _ => false,
    };
    let path = out.join(rel);
    if !ours || !path.is_file() {
        return Ok(false);
    }
    std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
    Ok(true)
}

/// Each conversation's file name; conversations that would share one get their whole id in it.
fn file_names(
    archive: &Archive,
    include_deleted: bool,
    provider: Option<Provider>,
    ext: &str,
) -> Result<Vec<(String, String)>> {
    let ids = conversation::all_ids(&archive.conn, include_deleted, provider)?;
    let mut stmt = archive
        .conn
        .prepare("SELECT created_at, title FROM conversations WHERE id = ?1")?;
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        let (created, title): (Option<String>, Option<String>) =
            stmt.query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let short = names::stem(created.as_deref(), title.as_deref(), &id, false);
        rows.push((id, created, title, short));
    }
    let mut uses: HashMap<String, usize> = HashMap::new();
    for r in &rows {
        *uses.entry(r.3.clone()).or_default() += 1;
    }
    Ok(rows
        .into_iter()
        .map(|(id, created, title, short)| {
            let stem = if uses[&short] > 1 {
                names::stem(created.as_deref(), title.as_deref(), &id, true)
            } else {
                short
            };
            (id, format!("{stem}.{ext}"))
        })
        .collect())
}

/// Exported conversations are as private as the archive: folder 0700 when created, files 0600.
fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|e| Error::io(dir, e))
}

/// Writes through a temporary file and a rename, so a reader never sees half a file.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    write_private_with(path, |f| f.write_all(bytes).map_err(|e| Error::io(path, e)))
}

/// `write_private` with the bytes coming from `fill`.
fn write_private_with(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> Result<()>,
) -> Result<()> {
    let tmp: PathBuf = path.with_file_name(format!(
        ".{}.tmp",
        path.file_name()
            .map(|f| f.to_string_lossy())
            .unwrap_or_default()
    ));
    let _ = std::fs::remove_file(&tmp); // a leftover of an interrupted run, with unknown mode
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp).map_err(|e| Error::io(&tmp, e))?;
    if let Err(e) = fill(&mut f) {
        drop(f);
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}
