//! Finds the conversation files of an export (one `conversations.json`, or the 2026 shards
//! `conversations-000.json`, ... checked against `export_manifest.json`) and streams the
//! conversations out of them in order, one at a time.

use std::io::{BufReader, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde_json::Value;

use super::export::{Entry, Export};
use super::{chatgpt, ElementError};
use crate::error::{Error, Result};
use crate::json::split::{ArraySplitter, SplitError};
use crate::model::{Conversation, Provider};

/// No single conversation may be larger than this (a ZIP bomb or a broken file otherwise could
/// exhaust memory; the largest real conversations are tens of MB).
pub const MAX_CONVERSATION_BYTES: usize = 1 << 30;

/// What an export holds, as far as the ingest is concerned.
#[derive(Debug)]
pub struct Layout {
    pub provider: Provider,
    pub conversation_files: Vec<Entry>,
    /// `user.json`'s `id`, when present.
    pub account_id: Option<String>,
    pub warnings: Vec<String>,
}

fn shard_number(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("conversations-")?.strip_suffix(".json")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

pub fn detect(export: &mut Export, forced: Option<Provider>) -> Result<Layout> {
    let path = export.path.clone();
    if export.kind() == "file" {
        check_bare_file(export)?;
    }
    let mut shards: Vec<(u32, Entry)> = export
        .entries
        .iter()
        .filter_map(|e| shard_number(&e.name).map(|n| (n, e.clone())))
        .collect();
    shards.sort_by_key(|(n, _)| *n);
    let single = export
        .entries
        .iter()
        .find(|e| e.name == "conversations.json")
        .or_else(|| (export.kind() == "file").then(|| &export.entries[0]))
        .cloned();
    let mut warnings = Vec::new();
    let conversation_files: Vec<Entry> = if !shards.is_empty() {
        for (expected, (n, e)) in shards.iter().enumerate() {
            if *n != expected as u32 {
                return Err(Error::export(
                    &path,
                    format!(
                        "the export is incomplete: conversation shard number {expected:03} is missing (found {} after it); \
                         nothing was imported. Download the export again",
                        e.name
                    ),
                ));
            }
        }
        if single.is_some() {
            warnings.push("both conversations.json and conversations-NNN.json shards found; reading the shards".into());
        }
        shards.into_iter().map(|(_, e)| e).collect()
    } else if let Some(e) = single {
        vec![e]
    } else {
        let found: Vec<&str> = export
            .entries
            .iter()
            .take(12)
            .map(|e| e.name.as_str())
            .collect();
        return Err(Error::export(
            &path,
            format!(
                "not a ChatGPT export: no conversations.json or conversations-NNN.json in it (found {}{})",
                if found.is_empty() { "nothing".to_string() } else { found.join(", ") },
                if export.entries.len() > 12 { ", ..." } else { "" }
            ),
        ));
    };
    check_manifest(export, &conversation_files)?;
    let provider = match forced {
        Some(p) => p,
        None => sniff_provider(export, &conversation_files[0])?,
    };
    if provider != Provider::Chatgpt {
        return Err(Error::export(
            &path,
            "this looks like a Claude export, which this version of chatarchive cannot read yet",
        ));
    }
    let account_id = read_small_json(export, "user.json")?
        .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_string));
    Ok(Layout {
        provider,
        conversation_files,
        account_id,
        warnings,
    })
}

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

/// A shard the manifest names must be present with the size the manifest gives; anything else
/// means a partial download, and a partial export must never mark conversations deleted.
fn check_manifest(export: &mut Export, files: &[Entry]) -> Result<()> {
    let Some(manifest) = read_small_json(export, "export_manifest.json")? else {
        return Ok(());
    };
    let mut listed = Vec::new();
    let mut stack = vec![&manifest];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                let name = ["path", "file_name", "name", "file"]
                    .iter()
                    .find_map(|k| map.get(*k).and_then(Value::as_str));
                let size = ["size_bytes", "size", "bytes"]
                    .iter()
                    .find_map(|k| map.get(*k).and_then(Value::as_u64));
                if let Some(n) = name {
                    listed.push((super::export::normalize_name(n), size));
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    for (name, size) in listed {
        let base = name.rsplit('/').next().unwrap_or(&name).to_string();
        if shard_number(&base).is_none() && base != "conversations.json" {
            continue;
        }
        match files.iter().find(|e| e.name == name || e.basename() == base) {
            None => {
                return Err(Error::export(
                    &export.path,
                    format!("the export is incomplete: export_manifest.json lists {name}, which is missing; nothing was imported"),
                ))
            }
            Some(e) if size.is_some_and(|s| s != e.size) => {
                return Err(Error::export(
                    &export.path,
                    format!(
                        "the export is incomplete: {name} is {} bytes but export_manifest.json says {}; nothing was imported",
                        e.size,
                        size.unwrap_or(0)
                    ),
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// A bare file must be a JSON array (a `conversations.json`); anything else gets told what it
/// looks like instead, and what to pass.
fn check_bare_file(export: &mut Export) -> Result<()> {
    let entry = export.entries[0].clone();
    let mut head = vec![0u8; 512];
    let path = export.path.clone();
    let n = read_up_to(&mut export.open_entry(&entry)?, &mut head)
        .map_err(|e| unreadable(&path, &entry.name, e))?;
    let head = &head[..n];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let first = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| &head[i..]);
    let what = match first {
        None => "empty".to_string(),
        Some(b) if b.starts_with(b"[") => return Ok(()),
        Some(b) if b.starts_with(b"\x89PNG") => "a PNG image".to_string(),
        Some(b) if b.starts_with(b"\xFF\xD8\xFF") => "a JPEG image".to_string(),
        Some(b) if b.starts_with(b"%PDF") => "a PDF document".to_string(),
        Some(b) if b.starts_with(b"\x1F\x8B") => "gzip-compressed (unpack it first)".to_string(),
        Some(b) if b.starts_with(b"{") => {
            "a JSON object, not the JSON array of conversations a conversations.json holds"
                .to_string()
        }
        Some(b) => match std::str::from_utf8(&b[..b.len().min(24)]) {
            Ok(text) => format!("not JSON (it starts with {text:?})"),
            Err(_) => format!("not JSON (it starts with byte 0x{:02x})", b[0]),
        },
    };
    Err(Error::export(
        &path,
        format!(
            "not a ChatGPT export: this file is {what}. Give chatarchive the export's ZIP as downloaded, \
             the folder it unpacks to, or its conversations.json"
        ),
    ))
}

fn sniff_provider(export: &mut Export, first: &Entry) -> Result<Provider> {
    let mut head = vec![0u8; 64 << 10];
    let path = export.path.clone();
    let n = read_up_to(&mut export.open_entry(first)?, &mut head)
        .map_err(|e| unreadable(&path, &first.name, e))?;
    let head = &head[..n];
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    let claude = (has(b"\"chat_messages\"") || has(b"\"sender\"")) && !has(b"\"mapping\"");
    Ok(
        if claude || (export.entry("users.json").is_some() && export.entry("user.json").is_none()) {
            Provider::Claude
        } else {
            Provider::Chatgpt
        },
    )
}

/// A read that failed inside the export: name the entry; a ZIP that cannot be inflated was cut
/// short or damaged on the way.
fn unreadable(path: &std::path::Path, entry: &str, e: std::io::Error) -> Error {
    let hint = if damaged(&e) {
        ": the export is truncated or corrupt; download it again"
    } else {
        ""
    };
    Error::export(path, format!("cannot read `{entry}`: {e}{hint}"))
}

/// Whether a read error means damaged bytes (not a missing file or a permission).
fn damaged(e: &std::io::Error) -> bool {
    !matches!(
        e.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
    )
}

fn read_up_to(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Counts bytes as they are read, for the progress bar.
struct Counting<'a, R> {
    inner: R,
    count: &'a AtomicU64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Streams every conversation of the export through `sink`, in order. Stops early (Ok) when the
/// sink returns false, and with `Error::Interrupted` when `cancel` is set.
pub fn for_each_conversation(
    export: &mut Export,
    layout: &Layout,
    bytes_read: &AtomicU64,
    cancel: &AtomicBool,
    mut sink: impl FnMut(Conversation) -> bool,
) -> Result<()> {
    let mut index = 0usize;
    for entry in &layout.conversation_files {
        let reader = Counting {
            inner: export.open_entry(entry)?,
            count: bytes_read,
        };
        let mut splitter = ArraySplitter::new(
            BufReader::with_capacity(256 << 10, reader),
            MAX_CONVERSATION_BYTES,
        );
        let file = entry.name.clone();
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Interrupted);
            }
            let element = match splitter.next_element() {
                Ok(Some(e)) => e,
                Ok(None) => break,
                Err(e) => return Err(split_error(&file, index, e)),
            };
            let conversation = match layout.provider {
                Provider::Chatgpt => chatgpt::read_conversation(&element.bytes, index),
                Provider::Claude => unreachable!("Claude exports are refused in detect()"),
            };
            let conversation =
                conversation.map_err(|e| element_error(&file, index, &element, e))?;
            index += 1;
            if !sink(conversation) {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// The splitter's errors in words that say what is wrong with the file and what to do.
fn split_error(file: &str, index: usize, e: SplitError) -> Error {
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

fn element_error(
    file: &str,
    index: usize,
    element: &crate::json::split::Element,
    e: ElementError,
) -> Error {
    // The conversation's id, if it can be seen, helps the user find it.
    let id = find_id(&element.bytes);
    Error::Content {
        file: file.to_string(),
        offset: Some(element.offset + e.offset_in(&element.bytes).unwrap_or(0) as u64),
        index: Some(index),
        id,
        message: e.message,
    }
}

fn find_id(bytes: &[u8]) -> Option<String> {
    for key in [&b"\"conversation_id\""[..], b"\"uuid\"", b"\"id\""] {
        if let Some(p) = bytes.windows(key.len()).position(|w| w == key) {
            let rest = &bytes[p + key.len()..];
            let start = rest.iter().position(|&b| b == b'"')? + 1;
            let len = rest[start..].iter().take(80).position(|&b| b == b'"')?;
            return std::str::from_utf8(&rest[start..start + len])
                .ok()
                .map(str::to_string);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_names() {
        assert_eq!(shard_number("conversations-000.json"), Some(0));
        assert_eq!(shard_number("conversations-012.json"), Some(12));
        assert_eq!(shard_number("conversations.json"), None);
        assert_eq!(shard_number("conversations-x.json"), None);
    }

    #[test]
    fn ids_are_found_for_error_messages() {
        assert_eq!(
            find_id(br#"{"title": "t", "conversation_id": "abc-1", "mapping": {"#).as_deref(),
            Some("abc-1")
        );
    }
}
