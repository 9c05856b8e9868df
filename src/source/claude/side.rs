//! What a Claude export holds besides conversations: accounts (`users.json`), projects
//! (`projects.json` or `projects/<uuid>.json`) and memories (`memories.json` as an array, or
//! `memories/<account uuid>.json` as one object). One record's bytes in, one model value out.

use serde_json::value::RawValue;
use serde_json::Value;

use crate::json::canon::canonical_string;
use crate::json::from_slice_lenient;
use crate::json::members::{CanonicalObject, Members};
use crate::model::text::str_at;
use crate::model::time::normalize_iso;
use crate::model::{Account, MemoryItem, MemoryRecord, Project, ProjectDoc, Provider};
use crate::source::element::{canonical_of, finish_hash, ElementError};

const DOCS_KEY: &str = "docs";

fn lenient(bytes: &[u8]) -> Value {
    let mut scratch = Vec::new();
    from_slice_lenient(bytes, &mut scratch).unwrap_or(Value::Null)
}

fn canonical(bytes: &[u8]) -> Result<String, ElementError> {
    canonical_string(bytes).map_err(|e| ElementError::from_canon(e, bytes))
}

/// One `users.json` record: `{uuid, full_name, email_address, verified_phone_number}`. A record
/// without a `uuid` names no account and is skipped.
pub fn read_account(bytes: &[u8]) -> Result<Option<Account>, ElementError> {
    let raw = canonical(bytes)?;
    let v = lenient(bytes);
    let Some(id) = str_at(&v, "uuid").filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    Ok(Some(Account {
        id: id.to_string(),
        name: str_at(&v, "full_name").map(str::to_string),
        email: str_at(&v, "email_address").map(str::to_string),
        raw,
    }))
}

/// One project object. Its documents are hashed one by one (a changed document is a new
/// revision); the project's own hash covers everything, documents included.
pub fn read_project(bytes: &[u8], index: usize) -> Result<Project, ElementError> {
    let members: Members = serde_json::from_slice(bytes)
        .map_err(|e| ElementError::from_serde(&e, bytes, "project"))?;
    let mut whole = CanonicalObject::with_capacity(members.0.len());
    let mut docs = Vec::new();
    let mut docs_key = None;
    let mut problems = Vec::new();
    for (key, raw) in &members.0 {
        if key == DOCS_KEY && docs_key.is_none() {
            if let Ok(list) = serde_json::from_str::<Vec<&RawValue>>(raw.get()) {
                let mut array = String::from("[");
                for (i, item) in list.iter().enumerate() {
                    let doc = read_doc(item)?;
                    if i > 0 {
                        array.push(',');
                    }
                    array.push_str(&doc.json);
                    docs.push(doc);
                }
                array.push(']');
                whole.push(key, array);
                docs_key = Some(DOCS_KEY.to_string());
                continue;
            }
            problems.push("`docs` is not an array; kept as it is".to_string());
        }
        whole.push(key, canonical_of(raw)?);
    }
    let (content_sha256, envelope) = finish_hash(&mut whole, docs_key.as_deref());
    let field = |k: &str| members.get(k).map(|r| lenient(r.get().as_bytes()));
    let string = |k: &str| field(k).and_then(|v| v.as_str().map(str::to_string));
    let id = string("uuid").unwrap_or_else(|| {
        problems.push("no `uuid`: identified by its content hash".to_string());
        format!("missing-id-{}", &content_sha256[..16])
    });
    Ok(Project {
        provider: Provider::Claude,
        index,
        id,
        name: string("name"),
        description: string("description").filter(|s| !s.is_empty()),
        instructions: string("prompt_template").filter(|s| !s.is_empty()),
        is_private: field("is_private").and_then(|v| v.as_bool()),
        created_at: string("created_at").as_deref().and_then(normalize_iso),
        updated_at: string("updated_at").as_deref().and_then(normalize_iso),
        creator_id: field("creator")
            .as_ref()
            .and_then(|c| str_at(c, "uuid"))
            .map(str::to_string),
        content_sha256,
        envelope,
        docs_key,
        docs,
        problems,
    })
}

fn read_doc(raw: &RawValue) -> Result<ProjectDoc, ElementError> {
    let json = canonical_of(raw)?;
    let v = lenient(raw.get().as_bytes());
    let s = |k: &str| str_at(&v, k).map(str::to_string);
    Ok(ProjectDoc {
        id: s("uuid"),
        filename: s("filename"),
        content: s("content"),
        created_at: s("created_at").as_deref().and_then(normalize_iso),
        sha256: crate::json::sha256_hex(json.as_bytes()),
        json,
    })
}

/// One memory record: `{conversations_memory, project_memories {<project uuid>: text},
/// account_uuid}`. `file_account` is the account a `memories/<uuid>.json` file is named after,
/// used when the record does not say.
pub fn read_memory_record(
    bytes: &[u8],
    source: &str,
    position: usize,
    file_account: Option<&str>,
) -> Result<MemoryRecord, ElementError> {
    let raw = canonical(bytes)?;
    let v = lenient(bytes);
    let mut items = Vec::new();
    if let Some(t) = str_at(&v, "conversations_memory").filter(|t| !t.trim().is_empty()) {
        items.push(MemoryItem {
            project_id: None,
            text: t.to_string(),
        });
    }
    if let Some(Value::Object(map)) = v.get("project_memories") {
        for (project, text) in map {
            if let Some(t) = text.as_str().filter(|t| !t.trim().is_empty()) {
                items.push(MemoryItem {
                    project_id: Some(project.clone()),
                    text: t.to_string(),
                });
            }
        }
    }
    Ok(MemoryRecord {
        source: source.to_string(),
        position,
        account_id: str_at(&v, "account_uuid")
            .or(file_account)
            .map(str::to_string),
        raw,
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_docs_are_hashed_one_by_one_and_times_normalized() {
        let src = r#"{"uuid": "p1", "name": "Trip", "description": "", "is_private": true, "prompt_template": "Be brief",
            "created_at": "2026-01-02T10:00:00.123456+00:00", "updated_at": "2026-01-03T10:00:00+00:00",
            "creator": {"uuid": "acc", "full_name": "A"},
            "docs": [{"uuid": "d1", "filename": "a.md", "content": "alpha", "created_at": "2026-01-02T10:00:00+00:00"},
                     {"uuid": "d2", "filename": "b.md", "content": "beta", "created_at": "2026-01-02T11:00:00+00:00"}]}"#;
        let p = read_project(src.as_bytes(), 0).unwrap();
        assert_eq!(p.id, "p1");
        assert_eq!(p.description, None);
        assert_eq!(p.instructions.as_deref(), Some("Be brief"));
        assert_eq!(p.created_at.as_deref(), Some("2026-01-02T10:00:00.123Z"));
        assert_eq!(p.creator_id.as_deref(), Some("acc"));
        assert_eq!(p.docs.len(), 2);
        assert_eq!(p.docs[1].content.as_deref(), Some("beta"));
        assert!(!p.envelope.contains("alpha"));
        let changed = read_project(src.replace("beta", "beta2").as_bytes(), 0).unwrap();
        assert_ne!(changed.content_sha256, p.content_sha256);
        assert_eq!(changed.docs[0].sha256, p.docs[0].sha256);
        assert_ne!(changed.docs[1].sha256, p.docs[1].sha256);
    }

    #[test]
    fn memory_records_in_both_shapes() {
        let r = read_memory_record(
            br#"{"conversations_memory": "Likes ferries", "project_memories": {"p1": "Trip notes", "p2": ""}, "account_uuid": "acc"}"#,
            "memories.json",
            3,
            None,
        )
        .unwrap();
        assert_eq!(r.account_id.as_deref(), Some("acc"));
        assert_eq!(r.items.len(), 2);
        assert_eq!(r.items[1].project_id.as_deref(), Some("p1"));
        let named = read_memory_record(
            br#"{"conversations_memory": "x"}"#,
            "memories/acc2.json",
            0,
            Some("acc2"),
        )
        .unwrap();
        assert_eq!(named.account_id.as_deref(), Some("acc2"));
    }

    #[test]
    fn accounts_need_a_uuid() {
        let a = read_account(br#"{"uuid": "u", "full_name": "N", "email_address": "e@x", "verified_phone_number": null}"#)
            .unwrap()
            .unwrap();
        assert_eq!(
            (a.name.as_deref(), a.email.as_deref()),
            (Some("N"), Some("e@x"))
        );
        assert!(read_account(br#"{"full_name": "N"}"#).unwrap().is_none());
    }
}
