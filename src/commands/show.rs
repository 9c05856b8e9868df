use std::process::ExitCode;

use crate::archive::Archive;
use crate::cli::{Cli, ShowFormat};
use crate::error::{Error, Result};
use crate::query::conversation;

pub fn run(
    cli: &Cli,
    id: &str,
    version: Option<i64>,
    format: ShowFormat,
    _all_branches: bool,
    _include_hidden: bool,
) -> Result<ExitCode> {
    let archive = Archive::open_existing(&cli.db)?;
    let vid = conversation::version_id(&archive.conn, id, version)?;
    match format {
        ShowFormat::Original => println!("{}", conversation::original_json(&archive.conn, vid)?),
        _ => return Err(Error::Usage("not implemented yet".into())),
    }
    Ok(ExitCode::SUCCESS)
}
