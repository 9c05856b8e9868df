use std::path::Path;
use std::process::ExitCode;

use crate::cli::Cli;
use chatarchive::error::{Error, Result};
use chatarchive::query::attachments;

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
