//! Recognises whose export it is (ChatGPT or Claude, from its shape), finds its conversation
//! files (one `conversations.json`, or the 2026 shards `conversations-000.json`, ... checked
//! against `export_manifest.json`; Claude's own layouts in `claude::layout`) and streams the
//! conversations, then the projects and memories, out of them in order, one at a time.

use std::io::{BufReader, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::budget::Budget;
use super::export::{Entry, Export};
use super::{claude, ElementError};
use crate::error::{Error, Result};
use crate::json::split::{ArraySplitter, Element, SplitError};
use crate::model::{Account, Conversation, MemoryRecord, Project, Provider};

/// No single conversation may be larger than this (a ZIP bomb or a broken file otherwise could
/// exhaust memory; the largest real conversations are tens of MB).
pub const MAX_CONVERSATION_BYTES: usize = 1 << 30;

/// What an export holds, as far as the ingest is concerned.
#[derive(Debug)]
pub struct Layout {
    pub provider: Provider,
    pub conversation_files: Vec<Entry>,
    /// The account the export belongs to, when it names exactly one (`user.json`'s `id`, the
    /// one record of `users.json`).
    pub account_id: Option<String>,
    /// `.dat` name → original name (conversation_asset_file_names.json, 2026 exports).
    pub original_names: std::collections::HashMap<String, String>,
    /// Every account the export names. Team exports name several; each conversation then says
    /// whose it is.
    pub accounts: Vec<Account>,
    /// Files holding projects: each an array of project objects or one object.
    pub project_files: Vec<Entry>,
    /// Files holding memory records: each an array of records or one object.
    pub memory_files: Vec<Entry>,
    pub warnings: Vec<String>,
}

/// What the ingest receives from an export, in this order: conversations, projects, memories.
#[derive(Debug)]
pub enum Record {
    Conversation(Box<Conversation>),
    /// A conversation the archive already holds unchanged (see `super::Read::Known`).
    Known(super::Known),
    Project(Project),
    Memory(MemoryRecord),
}

pub fn shard_number(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("conversations-")?.strip_suffix(".json")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Recognises the provider (unless `forced`) and lays the export out. May add parts to the
/// export (the ZIPs a Claude manifest names), so call it before fingerprinting.
pub fn detect(export: &mut Export, forced: Option<Provider>) -> Result<Layout> {
    if export.kind() == "file" && claude::layout::manifest_entry(export).is_none() {
        check_bare_file(export)?;
    }
    let provider = match forced {
        Some(p) => p,
        None => recognise(export)?,
    };
    let mut layout = match provider {
        Provider::Chatgpt => chatgpt_layout(export)?,
        Provider::Claude => claude::layout::detect(export)?,
    };
    // The user's word wins, but a shape that says otherwise is worth a warning.
    if let Some(seen) = forced
        .and_then(|_| recognise(export).ok())
        .filter(|seen| *seen != provider)
    {
        layout.warnings.push(format!(
            "read as a {provider} export as asked, but it looks like a {seen} export"
        ));
    }
    Ok(layout)
}

/// Whose export this is, from its shape: the keys of its first conversation decide; failing
/// that, the side files each provider writes. Never from the file name alone.
fn recognise(export: &mut Export) -> Result<Provider> {
    if claude::layout::manifest_entry(export).is_some() {
        return Ok(Provider::Claude);
    }
    let has = |n: &str| export.entry(n).is_some();
    let chatgpt_files = [
        "user.json",
        "export_manifest.json",
        "message_feedback.json",
        "conversation_asset_file_names.json",
        "chat.html",
    ]
    .iter()
    .any(|n| has(n))
        || export
            .entries
            .iter()
            .any(|e| shard_number(&e.name).is_some());
    let claude_files = ["users.json", "projects.json", "memories.json"]
        .iter()
        .any(|n| has(n))
        || export
            .entries
            .iter()
            .any(|e| e.name.starts_with("projects/") || e.name.starts_with("memories/"));
    let first = export
        .entries
        .iter()
        .find(|e| e.name == "conversations.json" || shard_number(&e.name) == Some(0))
        .or_else(|| (export.kind() == "file").then(|| &export.entries[0]))
        .cloned();
    let sniffed = match &first {
        Some(e) => sniff_provider(export, e)?,
        None => None,
    };
    if let (None, Some(e)) = (sniffed, &first) {
        // Not even a JSON array: the reader's error (what was found, at which byte) says more
        // than "neither provider" would. A bare file holding an empty array is an export with
        // no conversations: nothing to attribute, nothing to judge.
        let bare = export.kind() == "file";
        match array_shape(export, e)? {
            None if !claude_files => return Ok(Provider::Chatgpt),
            Some(true) if bare => return Ok(Provider::Chatgpt),
            _ => {}
        }
    }
    match (sniffed, chatgpt_files, claude_files) {
        (Some(p), _, _) => Ok(p),
        (None, true, false) => Ok(Provider::Chatgpt),
        (None, false, true) => Ok(Provider::Claude),
        _ => Err(Error::export(
            &export.path,
            format!(
                "not a ChatGPT or Claude export: {}found {}. If you know whose it is, say so with --provider chatgpt|claude",
                match &first {
                    Some(e) => format!("{} has neither ChatGPT's `mapping` nor Claude's `chat_messages` in its first conversation; ", e.name),
                    None => "no conversations.json; ".to_string(),
                },
                found_list(export)
            ),
        )),
    }
}

/// The first dozen entry names, for messages that say what an export holds.
pub fn found_list(export: &Export) -> String {
    let found: Vec<String> = export
        .entries
        .iter()
        .take(12)
        .map(|e| export.display_name(e))
        .collect();
    format!(
        "{}{}",
        if found.is_empty() {
            "nothing".to_string()
        } else {
            found.join(", ")
        },
        if export.entries.len() > 12 {
            ", ..."
        } else {
            ""
        }
    )
}

fn chatgpt_layout(export: &mut Export) -> Result<Layout> {
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
        return Err(Error::export(
            &path,
            format!(
                "not a ChatGPT export: no conversations.json or conversations-NNN.json in it (found {})",
                found_list(export)
            ),
        ));
    };
    check_manifest(export, &conversation_files)?;
    let user = read_small_json(export, "user.json")?;
    let account = user.as_ref().and_then(|v| {
        let id = v.get("id").and_then(Value::as_str)?;
        let text = serde_json::to_string(v).ok()?;
        Some(Account {
            id: id.to_string(),
            name: None,
            email: v.get("email").and_then(Value::as_str).map(str::to_string),
            raw: crate::json::canon::canonical_string(text.as_bytes()).ok()?,
        })
    });
    let original_names = read_small_json(export, "conversation_asset_file_names.json")?
        .and_then(|v| v.as_object().cloned())
        .map(|m| {
            m.into_iter()
                .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    Ok(Layout {
        provider: Provider::Chatgpt,
        conversation_files,
        account_id: account.as_ref().map(|a| a.id.clone()),
        accounts: account.into_iter().collect(),
        project_files: Vec::new(),
        memory_files: Vec::new(),
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

/// Looks for keys only one provider writes in the first 64 KiB of the conversations; the one
/// seen first wins. None when neither shows.
fn sniff_provider(export: &mut Export, first: &Entry) -> Result<Option<Provider>> {
    const CHATGPT: &[&[u8]] = &[
        b"\"mapping\":",
        b"\"current_node\":",
        b"\"conversation_id\":",
        b"\"create_time\":",
    ];
    const CLAUDE: &[&[u8]] = &[
        b"\"chat_messages\":",
        b"\"sender\":",
        b"\"parent_message_uuid\":",
    ];
    let mut head = vec![0u8; 64 << 10];
    let path = export.path.clone();
    let n = read_up_to(&mut export.open_entry(first)?, &mut head)
        .map_err(|e| unreadable(&path, &first.name, e))?;
    let head = &head[..n];
    let first_of = |needles: &[&[u8]]| {
        needles
            .iter()
            .filter_map(|needle| head.windows(needle.len()).position(|w| w == *needle))
            .min()
    };
    Ok(match (first_of(CHATGPT), first_of(CLAUDE)) {
        (Some(a), Some(b)) if b < a => Some(Provider::Claude),
        (Some(_), _) => Some(Provider::Chatgpt),
        (None, Some(_)) => Some(Provider::Claude),
        (None, None) => None,
    })
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
            "not a ChatGPT or Claude export: this file is {what}. Give chatarchive the export's ZIP as downloaded, \
             the folder it unpacks to, or its conversations.json"
        ),
    ))
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

/// None when the file does not start as a JSON array; else whether the array is empty.
fn array_shape(export: &mut Export, entry: &Entry) -> Result<Option<bool>> {
    let mut head = vec![0u8; 64];
    let path = export.path.clone();
    let n = read_up_to(&mut export.open_entry(entry)?, &mut head)
        .map_err(|e| unreadable(&path, &entry.name, e))?;
    let head = head[..n]
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&head[..n]);
    let mut bytes = head.iter().filter(|b| !b.is_ascii_whitespace());
    Ok(match (bytes.next(), bytes.next()) {
        (Some(b'['), Some(b']')) => Some(true),
        (Some(b'['), _) => Some(false),
        _ => None,
    })
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
    known: &super::KnownVersions,
    bytes_read: &AtomicU64,
    cancel: &AtomicBool,
    mut sink: impl FnMut(super::Read) -> bool,
) -> Result<Vec<(u64, String)>> {
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
            let conversation = super::read(layout.provider, &element.bytes, index, known);
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
    known: &super::KnownVersions,
    bytes_read: &AtomicU64,
    cancel: &AtomicBool,
    mut sink: impl FnMut(Record) -> bool,
) -> Result<Vec<(u64, String)>> {
    let mut going = true;
    let hashes = for_each_conversation(export, layout, known, bytes_read, cancel, |r| {
        going = sink(match r {
            super::Read::Conversation(c) => Record::Conversation(c),
            super::Read::Known(k) => Record::Known(k),
        });
        going
    })?;
    for entry in &layout.project_files {
        if !going {
            return Ok(hashes);
        }
        let file = export.display_name(entry);
        for_each_json_record(export, entry, &mut |i, offset, bytes| {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Interrupted);
            }
            let project = match layout.provider {
                Provider::Claude => claude::side::read_project(&bytes, i),
                Provider::Chatgpt => return Ok(false),
            };
            let project =
                project.map_err(|e| side_error(&file, "project", i, offset, &bytes, e))?;
            going = sink(Record::Project(project));
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
            going = sink(Record::Memory(record));
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
