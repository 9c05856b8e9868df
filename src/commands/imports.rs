use std::process::ExitCode;

use super::{print, print_json};
use crate::cli::Cli;
use chatarchive::error::Result;
use chatarchive::model::Provider;
use chatarchive::query::imports::imports;
use chatarchive::render::table::Table;

pub fn run(cli: &Cli, provider: Option<Provider>, json: bool) -> Result<ExitCode> {
    let archive = super::open_existing(cli)?;
    let rows = imports(&archive.conn, provider)?;
    if json {
        return print_json(&rows);
    }
    let mut t = Table::new(&[
        "id",
        "ingested",
        "provider",
        "exported",
        "total",
        "new",
        "changed",
        "unchanged",
        "deleted",
        "messages",
        "warnings",
        "source",
    ])
    .numeric(&[0, 4, 5, 6, 7, 8, 9, 10]);
    for i in &rows {
        t.row(vec![
            i.id.to_string(),
            cli.tz.show(&i.started_at),
            i.provider.clone(),
            i.export_time
                .as_deref()
                .map(|e| cli.tz.show(e))
                .unwrap_or_default(),
            i.conversations_total.to_string(),
            i.conversations_new.to_string(),
            i.conversations_changed.to_string(),
            i.conversations_unchanged.to_string(),
            i.conversations_deleted.to_string(),
            i.messages_new.to_string(),
            i.warnings.len().to_string(),
            if i.partial {
                format!("{} (partial)", i.source)
            } else {
                i.source.clone()
            },
        ]);
    }
    let mut out = t.render();
    let partial = rows.iter().filter(|i| i.partial).count();
    out.push_str(&format!(
        "{} import{} (dates {}; messages = new messages){}\n",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        cli.tz,
        if partial > 0 {
            format!("; {partial} partial: no deletions judged by them")
        } else {
            String::new()
        }
    ));
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}
