use std::process::ExitCode;

use super::{print, print_json};
use crate::cli::Cli;
use chatarchive::error::Result;
use chatarchive::query::diff::{diff, MessageRef};
use chatarchive::query::{conversation, dates::Tz};

pub fn run(cli: &Cli, id: &str, from: i64, to: i64, json: bool) -> Result<ExitCode> {
    let archive = super::open_existing(cli)?;
    let id = conversation::resolve(&archive.conn, id)?;
    let d = diff(&archive.conn, &id, from, to)?;
    if json {
        return print_json(&d);
    }
    let title = |t: &Option<String>| format!("{:?}", t.as_deref().unwrap_or(""));
    let mut out = format!(
        "conversation {} ({}) · version {} → version {}\n",
        d.conversation_id, d.provider, d.from.version, d.to.version
    );
    if d.title_changed {
        out.push_str(&format!(
            "title: {} → {}\n",
            title(&d.from.title),
            title(&d.to.title)
        ));
    } else {
        out.push_str(&format!("title: {} (unchanged)\n", title(&d.to.title)));
    }
    out.push_str(&format!(
        "messages: {} → {}\n",
        d.from.messages, d.to.messages
    ));
    if d.current_node_changed {
        out.push_str(&format!(
            "current node: {} → {}\n",
            d.from.current_node_key.as_deref().unwrap_or("none"),
            d.to.current_node_key.as_deref().unwrap_or("none")
        ));
    }
    section(&mut out, "added", '+', &d.added, cli.tz);
    section(&mut out, "removed", '-', &d.removed, cli.tz);
    out.push_str(&format!("\nchanged ({}):\n", d.changed.len()));
    for c in &d.changed {
        out.push_str(&format!(
            "~ {} {}\n    - {}\n    + {}\n",
            c.id,
            c.role.as_deref().unwrap_or("unknown"),
            excerpt(&c.old_text),
            excerpt(&c.new_text)
        ));
    }
    if !d.metadata_changed.is_empty() {
        out.push_str(&format!(
            "\n{} more message{} differ only in stored fields, not in text\n",
            d.metadata_changed.len(),
            if d.metadata_changed.len() == 1 {
                ""
            } else {
                "s"
            }
        ));
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn section(out: &mut String, name: &str, sign: char, items: &[MessageRef], tz: Tz) {
    out.push_str(&format!("\n{name} ({}):\n", items.len()));
    for m in items {
        out.push_str(&format!(
            "{sign} {} {}{} {}\n",
            m.id,
            m.role.as_deref().unwrap_or("unknown"),
            m.created_at
                .as_deref()
                .map(|t| format!(" {}", tz.show(t)))
                .unwrap_or_default(),
            excerpt(&m.text)
        ));
    }
}

/// The start of a text on one line.
fn excerpt(text: &str) -> String {
    const MAX: usize = 100;
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= MAX {
        format!("{flat:?}")
    } else {
        format!("{:?}…", flat.chars().take(MAX).collect::<String>())
    }
}
