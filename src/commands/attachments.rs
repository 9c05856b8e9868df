use std::path::Path;
use std::process::ExitCode;

use super::{print, print_json};
use crate::cli::Cli;
use chatarchive::error::{Error, Result};
use chatarchive::query::{attachments, conversation};
use chatarchive::render::table::Table;

/// One row of `attachments list --json`.
#[derive(serde::Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    file: &'a attachments::MessageFile,
    /// No export the archive holds had the file (`sha256` is null).
    missing: bool,
    /// Where `export` writes it, relative to the export folder.
    export_path: Option<String>,
}

/// `attachments list`: every file a message points at, stored or missing.
pub fn list(cli: &Cli, conversation: Option<&str>, json: bool) -> Result<ExitCode> {
    let archive = super::open_existing(cli)?;
    let id = conversation
        .map(|c| conversation::resolve(&archive.conn, c))
        .transpose()?;
    let files = attachments::message_files(&archive.conn, id.as_deref())?;
    if json {
        let rows: Vec<Listed> = files
            .iter()
            .map(|f| Listed {
                file: f,
                missing: f.is_missing(),
                export_path: f.export_path(),
            })
            .collect();
        return print_json(&rows);
    }
    let mut t =
        Table::new(&["conversation", "message", "type", "bytes", "sha256", "name"]).numeric(&[3]);
    for f in &files {
        t.row(vec![
            f.conversation_id.clone(),
            f.message_id.clone(),
            f.mime_type.clone().unwrap_or_default(),
            f.size.map(|s| s.to_string()).unwrap_or_default(),
            f.sha256.clone().unwrap_or_else(|| "missing".into()),
            f.name.clone().unwrap_or_default(),
        ]);
    }
    let missing = files.iter().filter(|f| f.is_missing()).count();
    let mut out = if files.is_empty() {
        String::new()
    } else {
        t.render()
    };
    out.push_str(&format!(
        "{} file{} ({missing} missing: no export held them)\n",
        files.len(),
        if files.len() == 1 { "" } else { "s" },
    ));
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// `attachments extract`: every stored file (or one conversation's) written back under a safe name.
pub fn extract(cli: &Cli, out: &Path, conversation: Option<&str>) -> Result<ExitCode> {
    let archive = super::open_existing(cli)?;
    let files = attachments::list(&archive.conn, conversation)?;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let names = attachments::unique_names(&files);
    let mut written = 0;
    for (file, name) in files.iter().zip(&names) {
        let path = out.join(name);
        let mut f = create_private(&path)?;
        attachments::write_bytes(&archive.conn, &file.sha256, &mut f)?;
        written += 1;
    }
    if !cli.quiet {
        eprintln!("wrote {written} files to {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Files the tool writes are readable by their owner only, like the archive.
pub fn create_private(path: &Path) -> Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map_err(|e| Error::io(path, e))
}
