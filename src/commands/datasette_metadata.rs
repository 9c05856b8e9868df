use std::path::Path;
use std::process::ExitCode;

use super::print_json;
use crate::cli::Cli;
use chatarchive::error::Result;
use chatarchive::render::datasette::{self, site};

pub fn run(cli: &Cli, database: Option<&str>, out: Option<&Path>) -> Result<ExitCode> {
    // Datasette names a database after its file, without the extension.
    let name = database.map(str::to_string).unwrap_or_else(|| {
        cli.db
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "chatarchive".into())
    });
    let metadata = datasette::metadata(&name);
    let Some(dir) = out else {
        return print_json(&metadata);
    };
    let written = site::write(dir, &name, &metadata)?;
    // The one line to run, with the paths as given (and the archive as given).
    let mut text = format!("Wrote {} files to {}.\n", written.len(), dir.display());
    text.push_str(&format!(
        "Serve the archive with (Python packages: tests/datasette/requirements.txt):\n  {}\n",
        site::serve_line(&cli.db.display().to_string(), &dir.display().to_string())
    ));
    super::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
