//! The conversation id a person typed, resolved the same way by every command: an exact id, or an
//! unambiguous start of one (the eight characters in an exported file's name are enough). An
//! ambiguous start lists the candidates with their titles; an empty id is a usage error.

use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::render::table::printable;

/// The shortest start of an id that is resolved (shorter ones match too much by accident).
pub const MIN_PREFIX: usize = 4;

/// Where to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Conversations in the archive.
    Archived,
    /// Also ids `forget` removed (their id is all that is left), so they can be scrubbed again.
    ArchivedOrForgotten,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub id: String,
    pub title: Option<String>,
    /// Only an id remembered by `forget`.
    pub forgotten: bool,
    /// The person typed the whole id.
    pub exact: bool,
}

/// Resolves against the conversations in the archive.
pub fn resolve(conn: &Connection, typed: &str) -> Result<String> {
    Ok(resolve_in(conn, typed, Scope::Archived)?.id)
}

pub fn resolve_in(conn: &Connection, typed: &str, scope: Scope) -> Result<Resolved> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(Error::Usage(
            "the conversation id is empty: give an id or its first characters (see `chatarchive list`)"
                .into(),
        ));
    }
    let forgotten = scope == Scope::ArchivedOrForgotten;
    let exact: Option<(String, Option<String>, bool)> = conn
        .query_row(
            "SELECT id, title, 0 FROM conversations WHERE id = ?1
             UNION ALL
             SELECT conversation_id, NULL, 1 FROM forgotten_conversations
             WHERE ?2 AND conversation_id = ?1 AND conversation_id NOT IN (SELECT id FROM conversations)
             LIMIT 1",
            rusqlite::params![typed, forgotten],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((id, title, forgotten)) = exact {
        return Ok(Resolved {
            id,
            title,
            forgotten,
            exact: true,
        });
    }
    let pattern = format!(
        "{}%",
        typed
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    const SHOWN: usize = 5;
    let found: Vec<(String, Option<String>, bool)> = conn
        .prepare(
            "SELECT id, title, 0 FROM conversations WHERE id LIKE ?1 ESCAPE '\\'
             UNION ALL
             SELECT conversation_id, NULL, 1 FROM forgotten_conversations
             WHERE ?2 AND conversation_id LIKE ?1 ESCAPE '\\'
               AND conversation_id NOT IN (SELECT id FROM conversations)
             ORDER BY 1 LIMIT 51",
        )?
        .query_map(rusqlite::params![pattern, forgotten], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    let shown = printable(typed).into_owned();
    match found.len() {
        0 => Err(Error::Usage(format!(
            "no conversation with id {shown} in the archive{} (see `chatarchive list`)",
            if forgotten { " or forgotten" } else { "" }
        ))),
        1 if typed.chars().count() < MIN_PREFIX => Err(Error::Usage(format!(
            "{shown} is too short to name a conversation: give at least {MIN_PREFIX} characters of the id"
        ))),
        1 => {
            let (id, title, forgotten) = found.into_iter().next().unwrap_or_default();
            Ok(Resolved {
                id,
                title,
                forgotten,
                exact: false,
            })
        }
        n => {
            let mut msg = format!(
                "{shown} matches {}{n} conversations; give more of the id:",
                if n > 50 { "more than " } else { "" }
            );
            for (id, title, gone) in found.iter().take(SHOWN) {
                msg.push_str(&format!("\n  {id}  {}", describe(title, *gone)));
            }
            match n {
                n if n > 50 => msg.push_str("\n  and more"),
                n if n > SHOWN => msg.push_str(&format!("\n  and {} more", n - SHOWN)),
                _ => {}
            }
            Err(Error::Usage(msg))
        }
    }
}

/// A title for a person's eyes: control characters escaped, `(untitled)`, `(forgotten)`.
pub fn describe(title: &Option<String>, forgotten: bool) -> String {
    match (title, forgotten) {
        (_, true) => "(forgotten)".into(),
        (Some(t), false) => printable(t).into_owned(),
        (None, false) => "(untitled)".into(),
    }
}
