//! Where a ChatGPT export keeps things: one `conversations.json` or the 2026 shards
//! `conversations-000.json`, ... (checked against `export_manifest.json`), `user.json` for the
//! account, `conversation_asset_file_names.json` for the original names of `.dat` files.

use std::collections::HashMap;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::{Account, Provider};
use crate::source::export::{normalize_name, Entry, Export, ExportKind};
use crate::source::json_file::read_small_json;
use crate::source::layout::{found_list, incomplete, shard_number, Layout};

/// Lays out a ChatGPT export; an incomplete one (a shard missing, or not the size its manifest
/// says) is refused before anything is written, unless `allow_partial` (then it is noted in
/// `Layout::partial`).
pub fn detect(export: &mut Export, allow_partial: bool) -> Result<Layout> {
    let path = export.path.clone();
    // A file given on its own is read whole, whatever its name (the caller judges a lone shard).
    let bare = export.kind() == ExportKind::File;
    let mut shards: Vec<(u32, Entry)> = export
        .entries
        .iter()
        .filter(|_| !bare)
        .filter_map(|e| shard_number(&e.name).map(|n| (n, e.clone())))
        .collect();
    shards.sort_by_key(|(n, _)| *n);
    let single = export
        .entries
        .iter()
        .find(|e| e.name == "conversations.json")
        .or_else(|| bare.then(|| &export.entries[0]))
        .cloned();
    let mut warnings = Vec::new();
    let mut partial = Vec::new();
    let mut gaps = Vec::new();
    let conversation_files: Vec<Entry> = if !shards.is_empty() {
        let mut expected = 0u32;
        for (n, e) in &shards {
            if *n != expected {
                let gap = if *n == expected + 1 {
                    format!("conversation shard number {expected:03} is missing")
                } else {
                    format!(
                        "conversation shards {expected:03} to {:03} are missing",
                        n - 1
                    )
                };
                gaps.push(format!("{gap} (found {} after it)", e.name));
            }
            expected = n + 1;
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
    // The manifest names what is missing; without one (or when it lists no shards) the gaps in
    // the numbering still give it away.
    let missing_files = check_manifest(export, &conversation_files, allow_partial, &mut partial)?;
    if partial.is_empty() {
        for gap in gaps {
            incomplete(&path, gap, allow_partial, &mut partial)?;
        }
    }
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
    let mut original_names: HashMap<String, String> =
        read_small_json(export, "conversation_asset_file_names.json")?
            .and_then(|v| v.as_object().cloned())
            .map(|m| {
                m.into_iter()
                    .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
    if let Some(library) = read_small_json(export, "library_files.json")? {
        library_names(&library, &mut original_names);
    }
    Ok(Layout {
        provider: Provider::Chatgpt,
        conversation_files,
        account_id: account.as_ref().map(|a| a.id.clone()),
        accounts: account.into_iter().collect(),
        project_files: Vec::new(),
        memory_files: Vec::new(),
        original_names,
        warnings,
        partial,
        missing_files,
    })
}

/// A shard the manifest names must be present with the size the manifest gives; anything else
/// means a partial download, and a partial export must never mark conversations deleted.
/// Returns the other files the manifest names that the export lacks.
fn check_manifest(
    export: &mut Export,
    files: &[Entry],
    allow_partial: bool,
    partial: &mut Vec<String>,
) -> Result<Vec<String>> {
    let Some(manifest) = read_small_json(export, "export_manifest.json")? else {
        return Ok(Vec::new());
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
                    listed.push((normalize_name(n), size));
                }
                // `logical_files` (late 2026): {"conversations.json": {"files": ["conversations-000.json",
                // …], "shard_count": 3}, "user.json": {"files": ["user.json"]}}: names without sizes.
                let files = map.get("files").and_then(Value::as_array);
                for n in files.into_iter().flatten().filter_map(Value::as_str) {
                    listed.push((normalize_name(n), None));
                }
                let shard_count = map
                    .get("conversations.json")
                    .and_then(|c| c.get("shard_count"))
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                // A count no real export reaches is not a list to check (nor to allocate).
                for i in 0..shard_count.min(100_000) {
                    listed.push((format!("conversations-{i:03}.json"), None));
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    // The same file named by both parts of the manifest is checked once, with its size if any.
    listed.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.is_some().cmp(&a.1.is_some())));
    listed.dedup_by(|later, first| later.0 == first.0);
    let mut missing = Vec::new();
    for (name, size) in listed {
        let base = name.rsplit('/').next().unwrap_or(&name).to_string();
        if shard_number(&base).is_none() && base != "conversations.json" {
            let held = export
                .entries
                .iter()
                .any(|e| e.name == name || e.basename() == base);
            // Only what reads as a file name: a manifest may name other things (`name`).
            let file_like = base.contains('.') && !base.contains(char::is_whitespace);
            if !held && file_like && !missing.contains(&name) {
                missing.push(name);
            }
            continue;
        }
        match files
            .iter()
            .find(|e| e.name == name || e.basename() == base)
        {
            None => incomplete(
                &export.path,
                format!("export_manifest.json lists {name}, which is missing"),
                allow_partial,
                partial,
            )?,
            Some(e) if size.is_some_and(|s| s != e.size) => incomplete(
                &export.path,
                format!(
                    "{name} is {} bytes but export_manifest.json says {}",
                    e.size,
                    size.unwrap_or(0)
                ),
                allow_partial,
                partial,
            )?,
            _ => {}
        }
    }
    missing.sort();
    Ok(missing)
}

/// Names from `library_files.json` (`file_id`, `file_name`) for the `.dat` files that
/// `conversation_asset_file_names.json` does not name: `file-Ab12.dat` is the file `file-Ab12`.
fn library_names(library: &Value, names: &mut HashMap<String, String>) {
    let entries: Vec<&Value> = match library {
        Value::Array(items) => items.iter().collect(),
        // Wrapped lists ({"files": [...]}) as side.rs reads them.
        Value::Object(map) => map.values().filter_map(Value::as_array).flatten().collect(),
        _ => Vec::new(),
    };
    for e in entries {
        let (Some(id), Some(name)) = (
            e.get("file_id").and_then(Value::as_str),
            e.get("file_name").and_then(Value::as_str),
        ) else {
            continue;
        };
        if !name.trim().is_empty() {
            names
                .entry(format!("{id}.dat"))
                .or_insert_with(|| name.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_library_names_dat_files_the_asset_map_does_not() {
        let mut names: HashMap<String, String> = [(
            "file-A.dat".to_string(),
            "dalle-generations/a.webp".to_string(),
        )]
        .into();
        library_names(
            &json!([
                {"file_id": "file-A", "file_name": "other.png"},
                {"file_id": "file_b1", "file_name": "photo.png", "mime_type": "image/png"},
                {"file_id": "file-C", "file_name": ""},
                {"file_name": "no-id.png"},
                null
            ]),
            &mut names,
        );
        assert_eq!(
            names["file-A.dat"], "dalle-generations/a.webp",
            "the asset map wins"
        );
        assert_eq!(names["file_b1.dat"], "photo.png");
        assert_eq!(names.len(), 2);
        let mut wrapped = HashMap::new();
        library_names(
            &json!({"files": [{"file_id": "file-D", "file_name": "d.pdf"}]}),
            &mut wrapped,
        );
        assert_eq!(wrapped["file-D.dat"], "d.pdf");
    }
}
