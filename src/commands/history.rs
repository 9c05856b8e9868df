use std::process::ExitCode;

use super::{print, print_json};
use crate::cli::Cli;
use chatarchive::error::Result;
use chatarchive::query::{conversation, history};
use chatarchive::render::table::Table;

pub fn run(cli: &Cli, id: &str, json: bool) -> Result<ExitCode> {
    let archive = super::open_existing(cli)?;
    let id = conversation::resolve(&archive.conn, id)?;
    let h = history::history(&archive.conn, &id)?;
    if json {
        return print_json(&h);
    }
    let mut out = format!(
        "{} · {} · {}\n\n",
        chatarchive::render::table::printable(h.title.as_deref().unwrap_or("(untitled)")),
        h.conversation_id,
        h.provider
    );
    let mut t = Table::new(&[
        "version", "import", "imported", "updated", "messages", "title",
    ])
    .numeric(&[1, 4]);
    for v in &h.versions {
        t.row(vec![
            format!("{}{}", v.version, if v.current { " (current)" } else { "" }),
            v.first_import_id.to_string(),
            cli.tz.show(&v.imported_at),
            v.updated_at
                .as_deref()
                .map(|u| cli.tz.show(u))
                .unwrap_or_default(),
            v.messages.to_string(),
            v.title.clone().unwrap_or_default(),
        ]);
    }
    out.push_str(&t.render());
    if let Some(i) = h.deleted_in_import {
        out.push_str(&format!(
            "\ndeleted upstream: import {i}{} no longer held it; every version above is kept\n",
            h.deleted_seen_at
                .as_deref()
                .map(|t| format!(" ({})", cli.tz.show(t)))
                .unwrap_or_default()
        ));
    }
    out.push_str(&format!("(dates {})\n", cli.tz));
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}
