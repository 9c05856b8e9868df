//! `export`: one file per conversation. A file is rewritten only when its bytes would change, so
//! re-running after an ingest touches just what the ingest changed (sync tools and notes apps
//! see no churn). A small manifest remembers each conversation's file, so a renamed
//! conversation's old file is removed instead of left behind.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::print;
use crate::cli::{Cli, ExportFormat};
use chatarchive::archive::Archive;
use chatarchive::error::{Error, Result};
use chatarchive::model::Provider;
use chatarchive::query::conversation;
use chatarchive::render::{markdown, names, simple, Selection};

/// Written into the output folder; lists the file of each exported conversation.
const MANIFEST: &str = ".chatarchive-export.json";

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Manifest {
    format: String,
    /// Conversation id → file name.
    files: BTreeMap<String, String>,
}

pub fn run(
    cli: &Cli,
    format: ExportFormat,
    out: &Path,
    include_deleted: bool,
    provider: Option<Provider>,
) -> Result<ExitCode> {
    let archive = super::open_existing(cli)?;
    create_private_dir(out)?;
    let manifest_path = out.join(MANIFEST);
    let mut manifest: Manifest = match std::fs::read(&manifest_path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            Error::Usage(format!(
            "{}: not a chatarchive export manifest ({e}); move it away to export into this folder",
            manifest_path.display()
        ))
        })?,
        Err(_) => Manifest::default(),
    };
    let before = serde_json::to_vec(&manifest.files).unwrap_or_default();
    manifest.format = "chatarchive.export.v1".into();
    let ext = match format {
        ExportFormat::Markdown => "md",
        ExportFormat::Json => "json",
    };
    let file_names = file_names(&archive, include_deleted, provider, ext)?;
    let (mut written, mut unchanged, mut renamed) = (0usize, 0usize, 0usize);
    let selection = Selection {
        all_branches: false,
        include_hidden: false,
    };
    for (id, name) in &file_names {
        let view = conversation::load(&archive.conn, id, None)?;
        let bytes = match format {
            ExportFormat::Markdown => markdown::render(
                &view,
                markdown::Options {
                    selection,
                    tz: chatarchive::query::dates::Tz::UTC,
                    front_matter: true,
                },
            ),
            ExportFormat::Json => simple::render(&view, selection),
        }
        .into_bytes();
        let path = out.join(name);
        if std::fs::read(&path).ok().as_deref() == Some(bytes.as_slice()) {
            unchanged += 1;
        } else {
            write_private(&path, &bytes)?;
            written += 1;
        }
        if let Some(old) = manifest.files.insert(id.clone(), name.clone()) {
            let old_path = out.join(&old);
            // Only a plain file name this export wrote itself, never a path elsewhere.
            let ours = Path::new(&old).file_name().map(|f| f == old.as_str()) == Some(true);
            if old != *name && ours && old_path.is_file() {
                std::fs::remove_file(&old_path).map_err(|e| Error::io(&old_path, e))?;
                renamed += 1;
            }
        }
    }
    if serde_json::to_vec(&manifest.files).unwrap_or_default() != before || !manifest_path.exists()
    {
        let mut json = serde_json::to_string_pretty(&manifest).unwrap_or_default();
        json.push('\n');
        write_private(&manifest_path, json.as_bytes())?;
    }
    if !cli.quiet {
        print(&format!(
            "{}: {} conversations: {written} written, {unchanged} unchanged{}\n",
            out.display(),
            file_names.len(),
            if renamed > 0 {
                format!(", {renamed} renamed (old file removed)")
            } else {
                String::new()
            }
        ))?;
    }
    Ok(ExitCode::SUCCESS)
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
    f.write_all(bytes).map_err(|e| Error::io(&tmp, e))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}
