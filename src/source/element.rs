//! One array element (a conversation, a project) on its way through a reader: its canonical
//! pieces and hash, and the errors that point into it.

use serde_json::value::RawValue;

use crate::json::canon::{self, CanonError};
use crate::json::members::CanonicalObject;

/// A problem inside one array element, positioned relative to the element's first byte.
#[derive(Debug)]
pub struct ElementError {
    pub offset: Option<usize>,
    pub message: String,
    /// Where in memory the problem is, when only a borrowed slice of the element was at hand
    /// (a member's raw value): [`ElementError::offset_in`] turns it into an offset.
    pub address: Option<usize>,
}

impl ElementError {
    /// `kind` names what the element is (`conversation`, `project`) in the message for a value
    /// that is not an object.
    pub fn from_serde(e: &serde_json::Error, bytes: &[u8], kind: &str) -> Self {
        let offset = line_col_to_offset(bytes, e.line(), e.column());
        // serde says "invalid unicode code point" for raw bytes that are not UTF-8 too: name the
        // byte, since that is what a person can look for.
        if let Err(bad) = std::str::from_utf8(bytes) {
            let at = bad.valid_up_to();
            if offset.is_none_or(|o| o >= at) {
                return ElementError {
                    offset: Some(at),
                    message: format!(
                        "invalid UTF-8 (byte 0x{:02x}); JSON must be UTF-8, so the file is corrupt",
                        bytes[at]
                    ),
                    address: None,
                };
            }
        }
        // serde's message ends with "at line L column C", relative to the element: drop it.
        let text = e.to_string();
        let message = match text.find(" at line ") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        let message = if message.starts_with("invalid type") {
            format!("{message} (a {kind} must be a JSON object)")
        } else {
            message
        };
        ElementError {
            offset,
            message,
            address: None,
        }
    }

    /// A canonicalization error inside `raw` (a member value borrowed from the element).
    pub fn from_canon(e: CanonError, raw: &[u8]) -> Self {
        let message = if e.reason == "JSON nested too deeply" {
            format!(
                "JSON nested deeper than {} levels; no real export does that, so the file is corrupt or hostile",
                canon::MAX_DEPTH
            )
        } else {
            e.reason.to_string()
        };
        ElementError {
            offset: None,
            message,
            address: Some(raw.as_ptr() as usize + e.offset),
        }
    }

    /// The error's offset inside `element`, from `offset` or from `address` when that points
    /// into `element`.
    pub fn offset_in(&self, element: &[u8]) -> Option<usize> {
        self.offset.or_else(|| {
            let start = element.as_ptr() as usize;
            self.address
                .filter(|a| *a >= start && *a <= start + element.len())
                .map(|a| a - start)
        })
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

/// The canonical form of a raw member value.
pub fn canonical_of(raw: &RawValue) -> Result<String, ElementError> {
    canon::canonical_string(raw.get().as_bytes())
        .map_err(|e| ElementError::from_canon(e, raw.get().as_bytes()))
}

/// Hashes the assembled canonical conversation and returns (sha256, envelope without the tree).
pub fn finish_hash(whole: &mut CanonicalObject, tree_key: Option<&str>) -> (String, String) {
    let mut whole_json = String::new();
    whole.write(&mut whole_json, None);
    let sha = crate::json::sha256_hex(whole_json.as_bytes());
    let envelope = match tree_key {
        Some(k) => {
            let mut env = String::new();
            whole.write(&mut env, Some(k));
            env
        }
        None => whole_json,
    };
    (sha, envelope)
}
