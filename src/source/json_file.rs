//! JSON out of one entry of an export: a small file whole, a large array one record at a time
//! (bounded memory), and errors that name the entry and the byte.

use std::io::{BufReader, Read};

use serde_json::Value;

use super::export::{Entry, Export};
use crate::error::{Error, Result};
use crate::json::split::{ArraySplitter, SplitError};

/// No single conversation (or other record) may be larger than this (a ZIP bomb or a broken
/// file otherwise could exhaust memory; the largest real conversations are tens of MB).
pub const MAX_CONVERSATION_BYTES: usize = 1 << 30;

/// Reads a small side file as JSON; a broken one is an error naming the file.
pub fn read_small_json(export: &mut Export, name: &str) -> Result<Option<Value>> {
    let Some(entry) = export.entry(name).cloned() else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    let path = export.path.clone();
    export
        .open_entry(&entry)?
        .take(64 << 20)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(&path, name, e))?;
    let mut scratch = Vec::new();
    crate::json::from_slice_lenient::<Value>(&bytes, &mut scratch)
        .map(Some)
        .map_err(|e| Error::Content {
            file: name.to_string(),
            offset: None,
            index: None,
            id: None,
            message: format!("not valid JSON: {e}"),
        })
}

/// A read that failed inside the export: name the entry; a ZIP that cannot be inflated was cut
/// short or damaged on the way.
pub(crate) fn unreadable(path: &std::path::Path, entry: &str, e: std::io::Error) -> Error {
    let hint = if damaged(&e) {
        ": the export is truncated or corrupt; download it again"
    } else {
        ""
    };
    Error::export(path, format!("cannot read `{entry}`: {e}{hint}"))
}

/// Whether a read error means damaged bytes (not a missing file or a permission).
pub(crate) fn damaged(e: &std::io::Error) -> bool {
    !matches!(
        e.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
    )
}

/// Fills `buf` as far as the stream goes; returns how many bytes it holds.
pub(crate) fn read_up_to(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Calls `f(index, offset, bytes)` for each record of a JSON file that holds either an array of
/// records (streamed one at a time) or a single record. `f` returns false to stop.
pub fn for_each_json_record(
    export: &mut Export,
    entry: &Entry,
    f: &mut dyn FnMut(usize, u64, Vec<u8>) -> Result<bool>,
) -> Result<()> {
    use std::io::BufRead;
    let file = export.display_name(entry);
    let full_path = export.path.join(&entry.name);
    let mut reader = BufReader::with_capacity(64 << 10, export.open_entry(entry)?);
    let mut skipped = 0u64;
    let first = loop {
        let buf = reader.fill_buf().map_err(|e| Error::io(&full_path, e))?;
        let Some(&b) = buf.first() else { break None };
        if b.is_ascii_whitespace() || b == 0xEF || b == 0xBB || b == 0xBF {
            reader.consume(1); // whitespace and a UTF-8 byte-order mark
            skipped += 1;
            continue;
        }
        break Some(b);
    };
    match first {
        None => Ok(()),
        Some(b'[') => {
            let mut splitter = ArraySplitter::new(reader, MAX_CONVERSATION_BYTES);
            let mut i = 0;
            loop {
                let element = match splitter.next_element() {
                    Ok(Some(e)) => e,
                    Ok(None) => return Ok(()),
                    Err(e) => {
                        let mut err = split_error(&file, i, e);
                        if let Error::Content { index, offset, .. } = &mut err {
                            *index = None;
                            *offset = offset.map(|o| o + skipped);
                        }
                        return Err(err);
                    }
                };
                if !f(i, element.offset + skipped, element.bytes)? {
                    return Ok(());
                }
                i += 1;
            }
        }
        Some(_) => {
            let mut bytes = Vec::new();
            reader
                .take(MAX_CONVERSATION_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| Error::io(&full_path, e))?;
            if bytes.len() > MAX_CONVERSATION_BYTES {
                return Err(Error::Content {
                    file,
                    offset: None,
                    index: None,
                    id: None,
                    message: format!("larger than the limit of {MAX_CONVERSATION_BYTES} bytes"),
                });
            }
            f(0, skipped, bytes).map(|_| ())
        }
    }
}

pub(crate) fn split_error(file: &str, index: usize, e: SplitError) -> Error {
    let message = match e {
        SplitError::Io { offset, source } => {
            let hint = if damaged(&source) {
                ": the export is truncated or corrupt; download it again"
            } else {
                ""
            };
            format!("read error at byte {offset} (in conversation #{index}): {source}{hint}")
        }
        SplitError::NotAnArray { offset, found } => format!(
            "not a JSON array of conversations: expected '[' at byte {offset}, found {found}"
        ),
        SplitError::Unexpected { offset, found } => format!(
            "unexpected {found} at byte {offset} after conversation #{} (expected ',' or ']'): the file is corrupt",
            index.saturating_sub(1)
        ),
        SplitError::Truncated { index, start } => format!(
            "the file ends inside conversation #{index} (which starts at byte {start}): it is truncated; \
             download or copy the export again"
        ),
        SplitError::TooLarge {
            index,
            start,
            limit,
        } => format!(
            "conversation #{index} (starting at byte {start}) is larger than {limit} bytes, the most one \
             conversation may hold: the file is corrupt (an unterminated string or bracket?)"
        ),
    };
    Error::Content {
        file: file.to_string(),
        offset: None,
        index: None,
        id: None,
        message,
    }
}
