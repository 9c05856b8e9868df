use std::process::ExitCode;

use super::print;
use crate::cli::{Cli, ShowFormat};
use chatarchive::error::Result;
use chatarchive::query::{attachments, canvas, conversation};
use chatarchive::render::{markdown, simple, Selection};

pub fn run(
    cli: &Cli,
    id: &str,
    version: Option<i64>,
    format: ShowFormat,
    all_branches: bool,
    include_hidden: bool,
) -> Result<ExitCode> {
    let archive = super::open_existing(cli)?;
    let id = conversation::resolve(&archive.conn, id)?;
    let selection = Selection {
        all_branches,
        include_hidden,
    };
    let text = match format {
        ShowFormat::Original => {
            let vid = conversation::version_id(&archive.conn, &id, version)?;
            format!("{}\n", conversation::original_json(&archive.conn, vid)?)
        }
        ShowFormat::Markdown => {
            let view = conversation::load(&archive.conn, &id, version)?;
            let extras = markdown::Extras {
                files: attachments::message_files(&archive.conn, Some(&id))?,
                canvas: canvas::documents(&archive.conn, &id)?,
                canvas_files: Vec::new(),
            };
            markdown::render(
                &view,
                &extras,
                markdown::Options {
                    selection,
                    tz: cli.tz,
                    front_matter: false,
                    export: false,
                },
            )
        }
        ShowFormat::Json => {
            simple::render(&conversation::load(&archive.conn, &id, version)?, selection)
        }
    };
    print(&text)?;
    Ok(ExitCode::SUCCESS)
}
