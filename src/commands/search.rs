use std::io::IsTerminal;
use std::process::ExitCode;

use super::print;
use crate::cli::Cli;
use chatarchive::error::Result;
use chatarchive::model::Provider;
use chatarchive::query::conversation;
use chatarchive::query::search::{search, Filters, Query, MARK_END, MARK_START};

pub struct Args {
    pub query: String,
    pub fts: bool,
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
            .map(|s| cli.zone.read_date(s))
            .transpose()?,
        until: a
            .until
            .as_deref()
            .map(|s| cli.zone.read_until(s))
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
    let query = if a.fts {
        Query::Fts(&a.query)
    } else {
        Query::Typed(&a.query)
    };
    let mut results = search(&archive.conn, query, &filters)?;
    if a.json {
        for h in &mut results.hits {
            h.snippet = mark(&h.snippet, "<mark>", "</mark>");
        }
        for d in &mut results.documents {
            d.snippet = mark(&d.snippet, "<mark>", "</mark>");
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
                .map(|t| cli.zone.show(t))
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
            chatarchive::query::ids::describe(&h.title, false),
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
    if !results.documents.is_empty() {
        out.push_str("Project documents:\n\n");
        for d in &results.documents {
            let mut facts = vec![d.provider.clone()];
            if !d.in_current_version {
                facts.push("older version of the project".into());
            }
            out.push_str(&format!(
                "{} · {} · {}\n  {}\n\n",
                chatarchive::query::ids::describe(&d.project_name, false),
                chatarchive::query::ids::describe(&d.filename, false),
                facts.join(" · "),
                mark(&d.snippet, on, off)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
        }
        let n = results.documents.len();
        out.push_str(&format!(
            "{n} matching project document{}\n",
            if n == 1 { "" } else { "s" }
        ));
    }
    let total = format!(
        "{}{}",
        thousands(results.total),
        if results.total_is_lower_bound {
            "+"
        } else {
            ""
        }
    );
    out.push_str(&match results.total {
        0 => format!("no messages match {:?}\n", a.query),
        t if t == shown => format!("{t} matching message{}\n", if t == 1 { "" } else { "s" }),
        _ => format!("{shown} of {total} matching messages shown (--limit to see more)\n"),
    });
    if results.total > results.ranked as i64 {
        out.push_str(&format!(
            "best of the {} most recently archived matches; more words, --since, --role or \
             --conversation narrow the search so that every match is ranked\n",
            thousands(results.ranked as i64)
        ));
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// 10000 → "10,000".
fn thousands(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mark(snippet: &str, on: &str, off: &str) -> String {
    snippet.replace(MARK_START, on).replace(MARK_END, off)
}
