use std::process::ExitCode;

use super::{print, print_json};
use crate::archive::Archive;
use crate::cli::Cli;
use crate::error::Result;
use crate::query::list::list;
use crate::render::table::Table;

pub fn run(cli: &Cli, deleted: bool, since: Option<&str>, json: bool) -> Result<ExitCode> {
    let archive = Archive::open_existing(&cli.db)?;
    let since = since.map(|s| cli.tz.read_date(s)).transpose()?;
    let rows = list(&archive.conn, deleted, since.as_deref())?;
    if json {
        return print_json(&rows);
    }
    let mut t = Table::new(&[
        "id", "created", "updated", "messages", "versions", "flags", "title",
    ])
    .numeric(&[3, 4]);
    let show = |d: &Option<String>| d.as_deref().map(|d| cli.tz.show(d)).unwrap_or_default();
    for r in &rows {
        let mut flags = Vec::new();
        if r.deleted_upstream {
            flags.push("deleted");
        }
        if r.is_archived {
            flags.push("archived");
        }
        t.row(vec![
            r.conversation_id.clone(),
            show(&r.created_at),
            show(&r.updated_at),
            r.messages.to_string(),
            r.versions.to_string(),
            flags.join(","),
            r.title.clone().unwrap_or_default(),
        ]);
    }
    let mut out = t.render();
    out.push_str(&format!(
        "{} conversation{} (dates {})\n",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        cli.tz
    ));
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}
