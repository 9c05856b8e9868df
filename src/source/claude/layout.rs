//! Where a Claude export keeps things, in each delivery shape: one ZIP (or its unpacked folder,
//! or a bare `conversations.json`) with `users.json`, `projects.json` or `projects/<uuid>.json`,
//! `memories.json`; or, for larger accounts, a `manifest-<uuid>-<date>.json` naming one ZIP per
//! category, whose ZIPs are added to the export as further parts (streamed, never unpacked).

use serde_json::Value;

use super::side;
use crate::error::{Error, Result};
use crate::model::{Account, Provider};
use crate::source::export::{Entry, Export, ExportKind, Located};
use crate::source::json_file::{for_each_json_record, read_small_json};
use crate::source::layout::{found_list, incomplete, shard_number, Layout};

/// `manifest-<uuid>-<date>.json` at the top of the export (or the file given).
pub fn is_manifest_name(name: &str) -> bool {
    !name.contains('/') && name.starts_with("manifest-") && name.ends_with(".json")
}

pub fn manifest_entry(export: &Export) -> Option<Entry> {
    export
        .entries
        .iter()
        .find(|e| e.part == 0 && is_manifest_name(&e.name))
        .cloned()
}

pub fn detect(export: &mut Export, allow_partial: bool) -> Result<Layout> {
    let mut warnings = Vec::new();
    let mut partial = Vec::new();
    let manifest = manifest_entry(export);
    if let Some(m) = &manifest {
        add_manifest_parts(export, m, &mut warnings, allow_partial, &mut partial)?;
    }
    let mut conversation_files: Vec<(usize, u32, Entry)> = export
        .entries
        .iter()
        .filter_map(|e| {
            let n = if e.name == "conversations.json" {
                0
            } else {
                shard_number(&e.name)?
            };
            Some((e.part, n, e.clone()))
        })
        .collect();
    conversation_files.sort_by_key(|(part, n, _)| (*part, *n));
    let mut conversation_files: Vec<Entry> =
        conversation_files.into_iter().map(|(_, _, e)| e).collect();
    if conversation_files.is_empty() && export.kind() == ExportKind::File && manifest.is_none() {
        conversation_files.push(export.entries[0].clone());
    }
    if conversation_files.is_empty() {
        return Err(Error::export(
            &export.path,
            format!(
                "not a complete Claude export: no conversations.json in it{} (found {})",
                if manifest.is_some() {
                    " or in the ZIPs its manifest names"
                } else {
                    ""
                },
                found_list(export)
            ),
        ));
    }
    let accounts = read_accounts(export)?;
    let is_json = |e: &&Entry, file: &str, folder: &str| {
        e.name == file || (e.name.starts_with(folder) && e.name.ends_with(".json"))
    };
    let project_files: Vec<Entry> = export
        .entries
        .iter()
        .filter(|e| is_json(e, "projects.json", "projects/"))
        .cloned()
        .collect();
    let memory_files: Vec<Entry> = export
        .entries
        .iter()
        .filter(|e| is_json(e, "memories.json", "memories/"))
        .cloned()
        .collect();
    // Added parts with nothing this version reads (design chats, ...) are worth a word.
    for part in 1..export.part_count() {
        let used = |e: &Entry| {
            conversation_files.contains(e)
                || project_files.contains(e)
                || memory_files.contains(e)
                || e.name == "users.json"
        };
        let entries: Vec<&Entry> = export.entries.iter().filter(|e| e.part == part).collect();
        if !entries.iter().any(|e| used(e)) {
            if let Some(name) = entries.first().and_then(|e| export.part_name(e)) {
                warnings.push(format!(
                    "{name}: nothing in it that this version reads ({}); not archived",
                    entries
                        .iter()
                        .take(5)
                        .map(|e| e.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    Ok(Layout {
        provider: Provider::Claude,
        conversation_files,
        // An export that names exactly one account is that account's; a team export names
        // several and each conversation carries its own.
        account_id: (accounts.len() == 1).then(|| accounts[0].id.clone()),
        accounts,
        project_files,
        memory_files,
        original_names: Default::default(),
        warnings,
        partial,
        missing_files: Vec::new(),
    })
}

/// Adds every ZIP the manifest names as a part of the export. A named ZIP that is missing (or
/// not the size the manifest gives) makes the export incomplete: refused before anything is
/// written, so nothing is marked deleted; with `allow_partial` it is left out and noted.
fn add_manifest_parts(
    export: &mut Export,
    manifest: &Entry,
    warnings: &mut Vec<String>,
    allow_partial: bool,
    partial: &mut Vec<String>,
) -> Result<()> {
    if export.part_count() > 1 {
        return Ok(()); // already added
    }
    let value = read_small_json(export, &manifest.name)?.unwrap_or(Value::Null);
    let listed = zip_names(&value);
    if listed.is_empty() {
        warnings.push(format!("{}: names no ZIP files", manifest.name));
    }
    for (name, size) in listed {
        let path = export.path.clone();
        let refuse_or_note = |why: String, partial: &mut Vec<String>| {
            incomplete(
                &path,
                format!(
                    "{} names {name}, {why}. Put every ZIP of the export beside the manifest",
                    manifest.name
                ),
                allow_partial,
                partial,
            )
        };
        match export.locate(&name) {
            Located::Found(path) => {
                let actual = std::fs::metadata(&path)
                    .map_err(|e| Error::io(&path, e))?
                    .len();
                if let Some(expected) = size.filter(|s| *s != actual) {
                    refuse_or_note(
                        format!("which is {actual} bytes instead of {expected}"),
                        partial,
                    )?;
                    continue;
                }
                export.add_zip(&path)?;
            }
            Located::Missing => refuse_or_note("which is missing".into(), partial)?,
            Located::InsideZip => {
                return Err(Error::export(
                    &export.path,
                    format!(
                        "{name} is a ZIP inside this ZIP; ZIPs inside a ZIP are not read. \
                         Unpack this ZIP and ingest the folder (or the manifest in it)"
                    ),
                ))
            }
        }
    }
    Ok(())
}

/// Every `*.zip` name in the manifest, whatever its shape, with a size when one sits beside it.
fn zip_names(manifest: &Value) -> Vec<(String, Option<u64>)> {
    const SIZE_KEYS: &[&str] = &["size_bytes", "size", "bytes", "file_size"];
    let mut out: Vec<(String, Option<u64>)> = Vec::new();
    let mut push = |name: &str, size: Option<u64>| {
        if name.to_ascii_lowercase().ends_with(".zip") && !out.iter().any(|(n, _)| n == name) {
            out.push((name.to_string(), size));
        }
    };
    let mut stack = vec![manifest];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                let size = SIZE_KEYS
                    .iter()
                    .find_map(|k| map.get(*k).and_then(Value::as_u64));
                for item in map.values() {
                    match item {
                        Value::String(s) => push(s, size),
                        other => stack.push(other),
                    }
                }
            }
            Value::Array(items) => {
                for item in items.iter().rev() {
                    match item {
                        Value::String(s) => push(s, None),
                        other => stack.push(other),
                    }
                }
            }
            _ => {}
        }
    }
    out.sort();
    out
}

/// Every record of every `users.json` in the export (one per part at most, usually one).
fn read_accounts(export: &mut Export) -> Result<Vec<Account>> {
    let files: Vec<Entry> = export
        .entries
        .iter()
        .filter(|e| e.name == "users.json")
        .cloned()
        .collect();
    let mut accounts: Vec<Account> = Vec::new();
    for entry in files {
        let file = export.display_name(&entry);
        for_each_json_record(export, &entry, &mut |i, offset, bytes| {
            match side::read_account(&bytes) {
                Ok(Some(a)) if !accounts.iter().any(|x| x.id == a.id) => accounts.push(a),
                Ok(_) => {}
                Err(e) => {
                    return Err(Error::Content {
                        file: file.clone(),
                        offset: Some(offset + e.offset.unwrap_or(0) as u64),
                        index: None,
                        id: None,
                        message: format!("account #{i}: {}", e.message),
                    })
                }
            }
            Ok(true)
        })?;
    }
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn manifest_names_are_recognised() {
        assert!(is_manifest_name("manifest-0c6a-2026-09-01.json"));
        assert!(!is_manifest_name("export_manifest.json"));
        assert!(!is_manifest_name("x/manifest-a.json"));
    }

    #[test]
    fn zip_names_in_any_manifest_shape() {
        let v = json!({"export": {"files": [
            {"file_name": "conversations-000.zip", "size_bytes": 10, "category": "conversations"},
            {"path": "projects-000.zip"}
        ]}, "also": ["memories-000.zip", "readme.txt"], "conversations-000.zip": true});
        assert_eq!(
            zip_names(&v),
            [
                ("conversations-000.zip".to_string(), Some(10)),
                ("memories-000.zip".to_string(), None),
                ("projects-000.zip".to_string(), None)
            ]
        );
    }
}
