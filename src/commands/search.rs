use std::io::IsTerminal;
use std::process::ExitCode;

use super::print;
use crate::cli::Cli;
use chatarchive::error::Result;
use chatarchive::model::Provider;
use chatarchive::query::conversation;
use chatarchive::query::search::{search, Filters, MARK_END, MARK_START};

pub struct Args {
    pub query: String,
    pub role: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub model: Option<String>,
    pub conversation: Option<String>,
    pub provider: Option<Provider>,
    pub limit: usize,
    pub json: bool,
}

pub fn run(cli: &Cli, a: Args) -> Result<ExitCode> {
    let archive = super::open_existing(cli)?;
    let filters = Filters {
        role: a.role,
        since: a
            .since
            .as_deref()
            .map(|s| cli.tz.read_date(s))
            .transpose()?,
        until: a
            .until
            .as_deref()
            .map(|s| cli.tz.read_until(s))
            .transpose()?,
        model: a.model,
        conversation_id: a
            .conversation
            .as_deref()
            .map(|c| conversation::resolve(&archive.conn, c))
            .transpose()?,
        provider: a.provider,
        limit: a.limit,
    };
    let mut results = search(&archive.conn, &a.query, &filters)?;
    if a.json {
        for h in &mut results.hits {
            h.snippet = mark(&h.snippet, "<mark>", "</mark>");
        }
        let mut s = serde_json::to_string_pretty(&results).unwrap_or_default();
        s.push('\n');
        print(&s)?;
        return Ok(ExitCode::SUCCESS);
    }
    let (on, off) = if std::io::stdout().is_terminal() {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("[", "]")
    };
    let mut out = String::new();
    for h in &results.hits {
        let mut facts = vec![
            h.provider.clone(),
            h.created_at
                .as_deref()
                .map(|t| cli.tz.show(t))
                .unwrap_or_else(|| "undated".into()),
            h.role.clone().unwrap_or_else(|| "unknown".into()),
        ];
        if let Some(m) = &h.model {
            facts.push(m.clone());
        }
        if !h.on_current_thread {
            facts.push("other branch or older version".into());
        }
        if h.hidden {
            facts.push("hidden".into());
        }
        if h.deleted_upstream {
            facts.push("deleted upstream".into());
        }
        out.push_str(&format!(
            "{} · {}\n  {} {}\n  {}\n\n",
            h.title.as_deref().unwrap_or("(untitled)"),
            facts.join(" · "),
            h.conversation_id,
            h.message_id,
            mark(&h.snippet, on, off)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    let shown = results.hits.len() as i64;
    out.push_str(&match results.total {
        0 => format!("no messages match {:?}\n", a.query),
        t if t == shown => format!("{t} matching message{}\n", if t == 1 { "" } else { "s" }),
        t => format!("{shown} of {t} matching messages shown (--limit to see more)\n"),
    });
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn mark(snippet: &str, on: &str, off: &str) -> String {
    snippet.replace(MARK_START, on).replace(MARK_END, off)
}
