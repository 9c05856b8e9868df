//! Readers: open an export (a ZIP, an unpacked folder, a bare JSON file, or a manifest with the
//! ZIPs it names), recognise whose it is, and stream conversations (then projects and memories)
//! out of it one at a time. One module per provider. Nothing here touches SQLite.

pub mod chatgpt;
pub mod claude;
pub mod export;
pub mod stream;

pub use export::{Entry, Export};

use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::json::canon::{self, CanonError};
use crate::json::members::CanonicalObject;

/// A problem inside one array element, positioned relative to the element's first byte.
#[derive(Debug)]
pub struct ElementError {
    pub offset: Option<usize>,
    pub message: String,
}

impl ElementError {
    pub fn from_serde(e: &serde_json::Error, bytes: &[u8]) -> Self {
        let offset = line_col_to_offset(bytes, e.line(), e.column());
        // serde's message ends with "at line L column C", relative to the element: drop it.
        let text = e.to_string();
        let message = match text.find(" at line ") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        let message = if message.starts_with("invalid type") {
            format!("{message} (a conversation must be a JSON object)")
        } else {
            message
        };
        ElementError { offset, message }
    }

    pub fn from_canon(e: CanonError) -> Self {
        ElementError {
            offset: None,
            message: e.reason.to_string(),
        }
    }
}

fn line_col_to_offset(bytes: &[u8], line: usize, column: usize) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let mut start = 0;
    for _ in 1..line {
        start += memchr_newline(&bytes[start..])? + 1;
    }
    Some(start + column.saturating_sub(1))
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

/// The canonical bytes of a raw member value.
pub fn canonical_of(raw: &RawValue) -> Result<Vec<u8>, ElementError> {
    let mut out = Vec::with_capacity(raw.get().len());
    canon::canonicalize(raw.get().as_bytes(), &mut out).map_err(ElementError::from_canon)?;
    Ok(out)
}

/// Hashes the assembled canonical conversation and returns (sha256, envelope without the tree).
pub fn finish_hash(whole: &mut CanonicalObject, tree_key: Option<&str>) -> (String, String) {
    let mut bytes = Vec::new();
    whole.write(&mut bytes, None);
    let sha = crate::json::hex(&Sha256::digest(&bytes));
    let envelope = match tree_key {
        Some(k) => {
            let mut env = Vec::new();
            whole.write(&mut env, Some(k));
            env
        }
        None => bytes,
    };
    (sha, String::from_utf8(envelope).unwrap_or_default())
}
