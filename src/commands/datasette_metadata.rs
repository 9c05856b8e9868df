use std::process::ExitCode;

use super::print_json;
use crate::cli::Cli;
use chatarchive::error::Result;
use chatarchive::render::datasette;

pub fn run(cli: &Cli, database: Option<&str>) -> Result<ExitCode> {
    // Datasette names a database after its file, without the extension.
    let name = database.map(str::to_string).unwrap_or_else(|| {
        cli.db
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "chatarchive".into())
    });
    print_json(&datasette::metadata(&name))
}
