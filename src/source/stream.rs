//! The reading of an export, in order: every conversation (decompressed and split on a thread
//! of its own, parsed and hashed on the caller's), then the projects and memories, then every
//! other file; each handed on as an `Item`. The ingest runs all of it on its reader thread.

use std::io::{BufReader, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;

use sha2::{Digest, Sha256};

use super::budget::Budget;
use super::context::ReadContext;
use super::element::ElementError;
use super::export::Export;
use super::files::{self, classify};
use super::item::Item;
use super::json_file::{for_each_json_record, split_error, MAX_CONVERSATION_BYTES};
use super::layout::Layout;
use super::provider::read;
use super::{chatgpt, claude};
use crate::error::{Error, Result};
use crate::json::split::{ArraySplitter, Element};
use crate::model::{FileItem, FileKind, Provider};

/// Streams a whole export through `sink`: every conversation, then projects and memories, then
/// every other file (stored content-addressed by the archive) with the records of the side
/// files a reader understands. Stops early, without error, when the sink returns false.
pub fn read_export(
    export: &mut Export,
    layout: &Layout,
    ctx: &mut ReadContext,
    sink: &mut dyn FnMut(Item) -> bool,
) -> Result<()> {
    let hashes = for_each_record(export, layout, ctx, sink)?;
    for (entry, (size, sha256)) in layout.conversation_files.iter().zip(hashes) {
        let item = FileItem {
            path: entry.name.clone(),
            size,
            sha256,
            kind: FileKind::Conversations,
            file_id: None,
            original_name: None,
            mime_type: Some("application/json".into()),
            store: false,
            data: None,
            chunk_count: 0,
        };
        if !sink(Item::File(item)) {
            return Ok(());
        }
    }
    let entries = export.entries.clone();
    for entry in &entries {
        if ctx.cancel.load(Ordering::Relaxed) {
            return Err(Error::Interrupted);
        }
        let kind = classify(entry, &layout.conversation_files);
        if kind == FileKind::Conversations || export.is_added_part(entry) {
            continue;
        }
        if layout.provider == Provider::Chatgpt && kind == FileKind::Side {
            if let Some(records) = chatgpt::side::read_records(export, entry)? {
                if !sink(Item::Records(records)) {
                    return Ok(());
                }
            }
        }
        if !files::read_file(export, layout, entry, kind, ctx, sink)? {
            return Ok(());
        }
    }
    Ok(())
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
const ELEMENT_BYTES_AHEAD: usize = 2 << 20;

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
    ctx: &ReadContext,
    mut sink: impl FnMut(Item) -> bool,
) -> Result<Vec<(u64, String)>> {
    let (bytes_read, cancel) = (&*ctx.bytes_read, &*ctx.cancel);
    let files: Vec<String> = layout
        .conversation_files
        .iter()
        .map(|e| export.display_name(e))
        .collect();
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
            let conversation = read(layout.provider, &element.bytes, index, &ctx.known_versions);
            budget.give_back(element.bytes.capacity());
            let file = &files[file];
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
        let file = export.display_name(entry);
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
                Err(e) => return Err(split_error(&file, index, e)),
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

/// Streams every record of the export through `sink`: the conversations, then (for providers
/// whose exports have them) projects and memories. Stops like `for_each_conversation`.
pub fn for_each_record(
    export: &mut Export,
    layout: &Layout,
    ctx: &ReadContext,
    sink: &mut dyn FnMut(Item) -> bool,
) -> Result<Vec<(u64, String)>> {
    let mut going = true;
    let hashes = for_each_conversation(export, layout, ctx, |item| {
        going = sink(item);
        going
    })?;
    for entry in &layout.project_files {
        if !going {
            return Ok(hashes);
        }
        let file = export.display_name(entry);
        for_each_json_record(export, entry, &mut |i, offset, bytes| {
            if ctx.cancel.load(Ordering::Relaxed) {
                return Err(Error::Interrupted);
            }
            let project = match layout.provider {
                Provider::Claude => claude::side::read_project(&bytes, i),
                Provider::Chatgpt => return Ok(false),
            };
            let project =
                project.map_err(|e| side_error(&file, "project", i, offset, &bytes, e))?;
            going = sink(Item::Project(Box::new(project)));
            Ok(going)
        })?;
    }
    for entry in &layout.memory_files {
        if !going {
            return Ok(hashes);
        }
        let file = export.display_name(entry);
        // `memories/<account uuid>.json` is named after the account it belongs to.
        let file_account = entry
            .name
            .strip_prefix("memories/")
            .and_then(|n| n.strip_suffix(".json"))
            .map(str::to_string);
        for_each_json_record(export, entry, &mut |i, offset, bytes| {
            let record = match layout.provider {
                Provider::Claude => {
                    claude::side::read_memory_record(&bytes, &file, i, file_account.as_deref())
                }
                Provider::Chatgpt => return Ok(false),
            };
            let record = record.map_err(|e| side_error(&file, "memory", i, offset, &bytes, e))?;
            going = sink(Item::Memory(record));
            Ok(going)
        })?;
    }
    Ok(hashes)
}

fn side_error(
    file: &str,
    what: &str,
    i: usize,
    offset: u64,
    bytes: &[u8],
    e: ElementError,
) -> Error {
    Error::Content {
        file: file.to_string(),
        offset: Some(offset + e.offset.unwrap_or(0) as u64),
        index: None,
        id: find_id(bytes),
        message: format!("{what} #{i}: {}", e.message),
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
    fn ids_are_found_for_error_messages() {
        assert_eq!(
            find_id(br#"{"title": "t", "conversation_id": "abc-1", "mapping": {"#).as_deref(),
            Some("abc-1")
        );
    }
}
