//! Whose export it is (ChatGPT or Claude), from its shape, never from a file name alone; then
//! the provider's own layout module lays it out.

use std::path::Path;

use super::export::{Entry, Export, ExportKind};
use super::json_file::{read_up_to, unreadable};
use super::layout::{found_list, shard_number, Layout};
use super::{chatgpt, claude};
use crate::error::{Error, Result};
use crate::model::Provider;

/// Recognises the provider (unless `forced`) and lays the export out. May add parts to the
/// export (the ZIPs a Claude manifest names), so call it before fingerprinting. An incomplete
/// export is refused; see `detect_with` to take one as partial.
pub fn detect(export: &mut Export, forced: Option<Provider>) -> Result<Layout> {
    detect_with(export, forced, false)
}

/// `detect`, and with `allow_partial` (`ingest --partial`) an incomplete export is laid out
/// with what it holds, the reasons in `Layout::partial`. A lone conversations shard given as a
/// file is partial either way, unless what lies beside it shows it is the whole export.
pub fn detect_with(
    export: &mut Export,
    forced: Option<Provider>,
    allow_partial: bool,
) -> Result<Layout> {
    if export.kind() == ExportKind::File && claude::layout::manifest_entry(export).is_none() {
        check_bare_file(export)?;
    }
    let lone_part = (export.kind() == ExportKind::Zip)
        .then(|| claude_part_name(&export.path))
        .flatten()
        .filter(|_| claude::layout::manifest_entry(export).is_none());
    // Only where it would be refused anyway: the name alone never decides (a ChatGPT export
    // renamed `export-2024.zip` reads as before).
    if let Some((category, _)) = &lone_part {
        let holds_conversations = export
            .entries
            .iter()
            .any(|e| e.name == "conversations.json" || shard_number(&e.name).is_some());
        if !holds_conversations && forced.is_none() {
            return Err(Error::export(
                &export.path,
                format!(
                    "this is the {category} ZIP of a Claude export made of several ZIPs; it is read \
                     together with the others through their manifest. Ingest the folder holding \
                     the manifest-….json and its ZIPs (or the manifest file itself)"
                ),
            ));
        }
    }
    let provider = match forced {
        Some(p) => p,
        None => recognise(export)?,
    };
    let mut layout = match provider {
        Provider::Chatgpt => chatgpt::layout::detect(export, allow_partial)?,
        Provider::Claude => claude::layout::detect(export, allow_partial)?,
    };
    if export.kind() == ExportKind::File {
        if let Some(why) = lone_shard(&export.path) {
            layout.partial.push(why);
        }
    }
    if let Some(why) = lone_part
        .filter(|(category, _)| provider == Provider::Claude && category == "conversations")
        .and_then(|(_, n)| lone_claude_part(&export.path, n))
    {
        layout.partial.push(why);
    }
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
        .or_else(|| (export.kind() == ExportKind::File).then(|| &export.entries[0]))
        .cloned();
    let sniffed = match &first {
        Some(e) => sniff_provider(export, e)?,
        None => None,
    };
    if let (None, Some(e)) = (sniffed, &first) {
        // Not even a JSON array: the reader's error (what was found, at which byte) says more
        // than "neither provider" would. A bare file holding an empty array is an export with
        // no conversations: nothing to attribute, nothing to judge.
        let bare = export.kind() == ExportKind::File;
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

/// `conversations-000.zip` → ("conversations", 0): the name of one category ZIP of a Claude
/// export delivered with a manifest (`projects-000.zip`, `light_metadata-000.zip`, …).
fn claude_part_name(path: &Path) -> Option<(String, u32)> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".zip")?;
    let (category, digits) = stem.rsplit_once('-')?;
    let plain = |s: &str, ok: fn(u8) -> bool| !s.is_empty() && s.bytes().all(ok);
    if !plain(category, |b| b.is_ascii_lowercase() || b == b'_')
        || !plain(digits, |b| b.is_ascii_digit())
    {
        return None;
    }
    Some((category.to_string(), digits.parse().ok()?))
}

/// A Claude `conversations-NNN.zip` given without its manifest holds all the conversations
/// only when it is the first and nothing beside it says there are more (another
/// `conversations-NNN.zip`, a `manifest-….json`): otherwise every conversation of the other
/// ZIPs would be judged deleted. Returns why it is partial.
fn lone_claude_part(path: &Path, n: u32) -> Option<String> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    if n > 0 {
        return Some(format!(
            "{name} is one ZIP of a Claude export made of several (its manifest is not given)"
        ));
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let beside = std::fs::read_dir(dir).ok()?.find_map(|i| {
        let f = i.ok()?.file_name().to_string_lossy().into_owned();
        let more = claude::layout::is_manifest_name(&f)
            || claude_part_name(Path::new(&f)).is_some_and(|(c, k)| c == "conversations" && k > 0);
        more.then_some(f)
    })?;
    Some(format!(
        "{name} is one ZIP of a Claude export made of several ({beside} lies beside it; ingest \
         the folder or the manifest to read them together)"
    ))
}

/// A conversations shard given on its own is part of an export: partial, unless it is shard 000
/// and neither sibling shards nor a manifest beside it name more. Returns why it is partial.
fn lone_shard(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    let n = shard_number(&name)?;
    if n > 0 {
        return Some(format!(
            "{name} is one shard of a sharded export (conversations-000.json is not given)"
        ));
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let sibling = std::fs::read_dir(dir).ok().and_then(|items| {
        items
            .filter_map(|i| i.ok())
            .map(|i| i.file_name().to_string_lossy().into_owned())
            .find(|f| shard_number(f).is_some_and(|k| k > 0))
    });
    if let Some(other) = sibling {
        return Some(format!(
            "{name} is one shard of a sharded export ({other} lies beside it)"
        ));
    }
    // A manifest is small; a file of that name that is not must not be read whole.
    let mut manifest = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(
            std::fs::File::open(dir.join("export_manifest.json")).ok()?,
            4 << 20,
        ),
        &mut manifest,
    )
    .ok()?;
    let text = String::from_utf8_lossy(&manifest);
    let names_more = text.match_indices("conversations-").any(|(i, _)| {
        shard_number(text[i..].split('"').next().unwrap_or("")).is_some_and(|k| k > 0)
    });
    names_more.then(|| {
        format!(
            "{name} is one shard of a sharded export (export_manifest.json beside it names more)"
        )
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
