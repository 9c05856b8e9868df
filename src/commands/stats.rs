use std::process::ExitCode;

use super::{print, print_json};
use crate::cli::Cli;
use chatarchive::error::Result;
use chatarchive::model::Provider;
use chatarchive::query::stats::stats;
use chatarchive::render::table::Table;

pub fn run(cli: &Cli, provider: Option<Provider>, json: bool) -> Result<ExitCode> {
    let archive = super::open_existing(cli)?;
    let s = stats(&archive.conn, cli.tz, provider)?;
    if json {
        return print_json(&s);
    }
    let t = &s.totals;
    let show = |d: &Option<String>| {
        d.as_deref()
            .map(|d| cli.tz.show(d))
            .unwrap_or_else(|| "-".into())
    };
    let mut out = match &s.provider {
        Some(p) => format!("{p} only\n"),
        None => String::new(),
    };
    out.push_str(&format!(
        "conversations: {} ({} deleted upstream, {} archived), {} versions\n\
         messages: {} ({} user, {} assistant), from {} to {}\n\
         imports: {}\n\
         {} attachments missing (no export held them)\n",
        t.conversations,
        t.deleted_upstream,
        t.archived,
        t.versions,
        t.messages,
        t.user_messages,
        t.assistant_messages,
        show(&t.first_message_at),
        show(&t.last_message_at),
        t.imports,
        t.attachments_missing
    ));
    let mut providers = Table::new(&[
        "provider",
        "conversations",
        "deleted",
        "versions",
        "messages",
        "user",
        "assistant",
        "imports",
        "first message",
        "last message",
    ])
    .numeric(&[1, 2, 3, 4, 5, 6, 7]);
    for p in &s.providers {
        let t = &p.totals;
        providers.row(vec![
            p.provider.clone(),
            t.conversations.to_string(),
            t.deleted_upstream.to_string(),
            t.versions.to_string(),
            t.messages.to_string(),
            t.user_messages.to_string(),
            t.assistant_messages.to_string(),
            t.imports.to_string(),
            show(&t.first_message_at),
            show(&t.last_message_at),
        ]);
    }
    out.push_str("\nper provider:\n");
    out.push_str(&providers.render());
    let mut models = Table::new(&[
        "provider",
        "model",
        "conversations",
        "assistant messages",
        "first used",
        "last used",
    ])
    .numeric(&[2, 3]);
    for m in &s.models {
        models.row(vec![
            m.provider.clone(),
            m.model.clone().unwrap_or_else(|| "(unknown)".into()),
            m.conversations.to_string(),
            m.assistant_messages.to_string(),
            show(&m.first_used),
            show(&m.last_used),
        ]);
    }
    out.push_str("\nper model:\n");
    out.push_str(&models.render());
    let mut months = Table::new(&[
        "month",
        "started",
        "active",
        "user",
        "assistant",
        "messages",
    ])
    .numeric(&[1, 2, 3, 4, 5]);
    for m in &s.months {
        months.row(vec![
            m.month.clone(),
            m.conversations_started.to_string(),
            m.conversations_active.to_string(),
            m.user_messages.to_string(),
            m.assistant_messages.to_string(),
            m.messages.to_string(),
        ]);
    }
    out.push_str(&format!(
        "\nper month ({}; started = conversations created, active = with a message):\n",
        s.time_zone
    ));
    out.push_str(&months.render());
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}
