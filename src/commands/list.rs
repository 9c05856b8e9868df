use std::process::ExitCode;

use super::{print, print_json};
use crate::cli::Cli;
use chatarchive::error::Result;
use chatarchive::model::Provider;
use chatarchive::query::list::{list, Filters};
use chatarchive::render::table::Table;

pub struct Args<'a> {
    pub title: Option<&'a str>,
    pub limit: Option<usize>,
    pub deleted: bool,
    pub since: Option<&'a str>,
    pub provider: Option<Provider>,
    pub json: bool,
}

pub fn run(cli: &Cli, a: Args) -> Result<ExitCode> {
    let json = a.json;
    let archive = super::open_existing(cli)?;
    let since = a.since.map(|s| cli.zone.read_date(s)).transpose()?;
    let filters = Filters {
        deleted_only: a.deleted,
        since: since.as_deref(),
        provider: a.provider,
        title: a.title,
        limit: a.limit,
    };
    let (rows, total) = list(&archive.conn, filters)?;
    if json {
        return print_json(&rows);
    }
    let mut t = Table::new(&[
        "id", "provider", "created", "updated", "messages", "versions", "flags", "title",
    ])
    .numeric(&[4, 5]);
    let show = |d: &Option<String>| d.as_deref().map(|d| cli.zone.show(d)).unwrap_or_default();
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
    let shown = if total > rows.len() {
        format!("{} of {total} conversations", rows.len())
    } else {
        format!(
            "{} conversation{}",
            rows.len(),
            if rows.len() == 1 { "" } else { "s" }
        )
    };
    out.push_str(&format!("{shown} (dates {})\n", cli.zone));
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}
