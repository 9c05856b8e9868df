use std::process::ExitCode;

use super::{print, print_json};
use crate::cli::Cli;
use chatarchive::error::Result;
use chatarchive::model::Provider;
use chatarchive::query::list::{list, Filters};
use chatarchive::render::table::Table;

pub fn run(
    cli: &Cli,
    deleted: bool,
    since: Option<&str>,
    provider: Option<Provider>,
    json: bool,
) -> Result<ExitCode> {
    let archive = super::open_existing(cli)?;
    let since = since.map(|s| cli.tz.read_date(s)).transpose()?;
    let filters = Filters {
        deleted_only: deleted,
        since: since.as_deref(),
        provider,
    };
    let rows = list(&archive.conn, filters)?;
    if json {
        return print_json(&rows);
    }
    let mut t = Table::new(&[
        "id", "provider", "created", "updated", "messages", "versions", "flags", "title",
    ])
    .numeric(&[4, 5]);
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
            r.provider.clone(),
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
