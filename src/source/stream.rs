//! Finds the conversation files of an export (one `conversations.json`, or the 2026 shards
//! `conversations-000.json`, ... checked against `export_manifest.json`) and streams the
//! conversations out of them in order, one at a time.

use std::io::{BufReader, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::budget::Budget;
use super::export::{Entry, Export};
use super::ElementError;
use crate::error::{Error, Result};
use crate::json::split::{ArraySplitter, Element, SplitError};
use crate::model::Provider;

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
    /// `.dat` name → original name (conversation_asset_file_names.json, 2026 exports).
    pub original_names: std::collections::HashMap<String, String>,
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
    let original_names = read_small_json(export, "conversation_asset_file_names.json")?
        .and_then(|v| v.as_object().cloned())
        .map(|m| {
            m.into_iter()
                .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    Ok(Layout {
        provider,
        conversation_files,
        account_id,
        original_names,
        warnings,
    })
}

/// Reads a small side file as JSON; a broken one is an error naming the file.
pub fn read_small_json(export: &mut Export, name: &str) -> Result<Option<Value>> {
    let Some(entry) = export.entry(name).cloned() else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    let full_path = export.path.join(name);
    export
        .open_entry(&entry)?
        .take(64 << 20)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(full_path, e))?;
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

fn sniff_provider(export: &mut Export, first: &Entry) -> Result<Provider> {
    let mut head = vec![0u8; 64 << 10];
    let path = export.path.clone();
    let n =
        read_up_to(&mut export.open_entry(first)?, &mut head).map_err(|e| Error::io(path, e))?;
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

/// Counts bytes as they are read (for the progress bar) and hashes them (for export_files).
struct Counting<'a, R> {
    inner: R,
    count: &'a AtomicU64,
    hasher: Sha256,
    total: u64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        self.hasher.update(&buf[..n]);
        self.total += n as u64;
        Ok(n)
    }
}

/// Bytes of conversation JSON the splitting thread may run ahead of the parsing (a single larger
/// conversation still goes through, alone).
const ELEMENT_BYTES_AHEAD: usize = 4 << 20;

/// What the splitting thread hands the parsing side.
enum Piece {
    Element {
        file: usize,
        element: Element,
    },
    /// A conversation file read to its end: its (size, sha256).
    FileDone(u64, String),
}

/// Streams every conversation of the export through `sink`, in order, and returns each
/// conversation file's (size, sha256). Stops early when the sink returns false, and with
/// `Error::Interrupted` when `cancel` is set.
///
/// Decompressing and splitting run on a thread of their own, parsing and hashing on the caller's:
/// each is about half of the reading, and reading is all there is to do when few conversations
/// changed (the writer then idles).
pub fn for_each_conversation(
    export: &mut Export,
    layout: &Layout,
    known: &super::KnownVersions,
    bytes_read: &AtomicU64,
    cancel: &AtomicBool,
    mut sink: impl FnMut(super::Read) -> bool,
) -> Result<Vec<(u64, String)>> {
    // The budget bounds the bytes ahead; the channel only needs room for them.
    let (sender, pieces) = mpsc::sync_channel::<Result<Piece>>(64);
    let budget = Budget::new(ELEMENT_BYTES_AHEAD);
    std::thread::scope(|scope| {
        let splitter_budget = budget.clone();
        scope.spawn(move || {
            if let Err(e) = split_all(
                export,
                layout,
                bytes_read,
                cancel,
                &splitter_budget,
                &sender,
            ) {
                let _ = sender.send(Err(e));
            }
        });
        // Returning drops `pieces` (moved in here) and closes the budget, which stops the
        // splitting thread wherever it waits, before the scope joins it.
        let pieces = pieces;
        let _closer = budget.closer();
        let mut index = 0usize;
        let mut hashes = Vec::new();
        for piece in pieces.iter() {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Interrupted);
            }
            let (file, element) = match piece? {
                Piece::Element { file, element } => (file, element),
                Piece::FileDone(size, sha256) => {
                    hashes.push((size, sha256));
                    continue;
                }
            };
            let conversation = super::read(layout.provider, &element.bytes, index, known);
            budget.give_back(element.bytes.capacity());
            let file = &layout.conversation_files[file].name;
            let conversation = conversation.map_err(|e| element_error(file, index, &element, e))?;
            index += 1;
            if !sink(conversation) {
                return Ok(hashes);
            }
        }
        Ok(hashes)
    })
}

/// The splitting thread: every conversation file, decompressed and cut into elements.
fn split_all(
    export: &mut Export,
    layout: &Layout,
    bytes_read: &AtomicU64,
    cancel: &AtomicBool,
    budget: &Budget,
    pieces: &mpsc::SyncSender<Result<Piece>>,
) -> Result<()> {
    let mut index = 0usize;
    for (n, entry) in layout.conversation_files.iter().enumerate() {
        let reader = Counting {
            inner: export.open_entry(entry)?,
            count: bytes_read,
            hasher: Sha256::new(),
            total: 0,
        };
        let mut splitter = ArraySplitter::new(
            BufReader::with_capacity(256 << 10, reader),
            MAX_CONVERSATION_BYTES,
        );
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Interrupted);
            }
            let element = match splitter.next_element() {
                Ok(Some(e)) => e,
                Ok(None) => break,
                Err(e) => return Err(split_error(&entry.name, index, e)),
            };
            index += 1;
            if !budget.take(element.bytes.capacity())
                || pieces
                    .send(Ok(Piece::Element { file: n, element }))
                    .is_err()
            {
                return Ok(()); // the parsing side stopped
            }
        }
        let counting = splitter.into_inner().into_inner();
        let done = Piece::FileDone(
            counting.total,
            crate::json::hex(&counting.hasher.finalize()),
        );
        if pieces.send(Ok(done)).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

fn split_error(file: &str, index: usize, e: SplitError) -> Error {
    let (offset, message) = match &e {
        SplitError::Io { offset, source } => {
            let hint = if source.to_string().contains("checksum")
                || source.kind() == std::io::ErrorKind::UnexpectedEof
            {
                ": the ZIP is truncated or corrupt; download the export again"
            } else {
                ""
            };
            (Some(*offset), format!("read error: {source}{hint}"))
        }
        SplitError::NotAnArray { offset, .. } | SplitError::Unexpected { offset, .. } => {
            (Some(*offset), e.to_string())
        }
        SplitError::Truncated { start, .. } | SplitError::TooLarge { start, .. } => {
            (Some(*start), e.to_string())
        }
    };
    let message = message
        .split(" at byte ")
        .next()
        .unwrap_or(&message)
        .to_string();
    Error::Content {
        file: file.to_string(),
        offset,
        index: Some(index),
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
        offset: Some(element.offset + e.offset.unwrap_or(0) as u64),
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
