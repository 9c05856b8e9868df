//! Canvas documents of a conversation, each with the version every create or update wrote, for
//! transcripts (shown where they were written) and exports (one file per document).

use rusqlite::{params, Connection};

use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanvasDocument {
    pub name: Option<String>,
    /// `document`, `code/python`, ... as the provider named it.
    pub kind: Option<String>,
    /// The final text.
    pub content: String,
    pub versions: Vec<CanvasVersion>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanvasVersion {
    pub version: i64,
    /// The message whose tool call wrote it.
    pub message_id: String,
    /// `create` or `update`.
    pub operation: String,
    /// The whole document as this version left it.
    pub content: String,
}

impl CanvasDocument {
    /// The language of a code document (`code/python` → `python`).
    pub fn language(&self) -> Option<&str> {
        self.kind.as_deref()?.strip_prefix("code/")
    }

    /// The extension of its own file: `md` for a text document, the language's otherwise
    /// (`txt` when unknown, and for markup a browser would run).
    pub fn extension(&self) -> &'static str {
        match self.language() {
            None => "md",
            Some(lang) => match lang {
                "python" => "py",
                "javascript" => "js",
                "typescript" => "ts",
                "rust" => "rs",
                "go" => "go",
                "java" => "java",
                "c" => "c",
                "cpp" => "cpp",
                "csharp" => "cs",
                "ruby" => "rb",
                "php" => "php",
                "swift" => "swift",
                "kotlin" => "kt",
                "sql" => "sql",
                "bash" | "shell" | "sh" => "sh",
                "css" => "css",
                "json" => "json",
                "yaml" => "yaml",
                "markdown" => "md",
                _ => "txt",
            },
        }
    }
}

/// A conversation's canvas documents in the order they were created.
pub fn documents(conn: &Connection, conversation_id: &str) -> Result<Vec<CanvasDocument>> {
    let mut docs: Vec<(i64, CanvasDocument)> = conn
        .prepare_cached(
            "SELECT id, name, type, content FROM canvas_documents WHERE conversation_id = ?1 ORDER BY id",
        )?
        .query_map(params![conversation_id], |r| {
            Ok((
                r.get(0)?,
                CanvasDocument {
                    name: r.get(1)?,
                    kind: r.get(2)?,
                    content: r.get(3)?,
                    versions: Vec::new(),
                },
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT version, message_id, operation, content FROM canvas_document_versions
         WHERE document_id = ?1 ORDER BY version",
    )?;
    for (id, doc) in &mut docs {
        doc.versions = stmt
            .query_map(params![*id], |r| {
                Ok(CanvasVersion {
                    version: r.get(0)?,
                    message_id: r.get(1)?,
                    operation: r.get(2)?,
                    content: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
    }
    Ok(docs.into_iter().map(|(_, d)| d).collect())
}
