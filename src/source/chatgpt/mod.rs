//! ChatGPT conversations: one array element in, one hashed, provider-neutral `Conversation` out.
//! Tolerant by design: every field may be missing or null, unknown fields and content types are
//! kept, and a conversation that makes no sense is kept raw with its problems listed.

pub mod content;
pub mod layout;
pub mod side;

use serde_json::value::RawValue;
use serde_json::Value;

use crate::json::lenient_value;
use crate::json::members::{CanonicalObject, Members};
use crate::json::{canon, from_slice_lenient};
use crate::model::text::str_at;
use crate::model::time::{epoch_to_iso, normalize_iso};
use crate::model::{tree, Conversation, Known, KnownVersions, Message, Node, Provider, TreeKind};
use crate::source::element::{canonical_of, finish_hash, ElementError};
use crate::source::item::Item;

const TREE_KEY: &str = "mapping";

/// Reads one conversation object (the bytes of one element of `conversations.json`).
pub fn read_conversation(bytes: &[u8], index: usize) -> Result<Conversation, ElementError> {
    match read(bytes, index, &KnownVersions::new())? {
        Item::Conversation(c) => Ok(*c),
        _ => unreachable!("nothing is known, so the conversation is read in full"),
    }
}

/// Reads one conversation object, but stops after hashing it when the archive already holds
/// that content (`known`): most conversations of a new export are unchanged, and taking them
/// apart (message values, text, node hashes, the tree) would be thrown away.
/// Returns an `Item::Conversation`, or an `Item::Known` for content in `known`.
pub fn read(bytes: &[u8], index: usize, known: &KnownVersions) -> Result<Item, ElementError> {
    if !known.is_empty() {
        if let Some(k) = recognise(bytes, index).filter(|k| {
            // (A lookup needs the owned pair; this is one small allocation per conversation.)
            known.contains(&(k.id.clone(), k.content_sha256.clone()))
        }) {
            return Ok(Item::Known(k));
        }
    }
    let members: Members = serde_json::from_slice(bytes)
        .map_err(|e| ElementError::from_serde(&e, bytes, "conversation"))?;
    let mut whole = CanonicalObject::with_capacity(members.0.len());
    let mut canons = Vec::new();
    let mut problems = Vec::new();
    let mut tree_key = None;
    for (key, raw) in &members.0 {
        if key == TREE_KEY {
            if let Ok(mapping) = serde_json::from_str::<Members>(raw.get()) {
                let mut mapping_canon = CanonicalObject::with_capacity(mapping.0.len());
                for (node_key, node_raw) in &mapping.0 {
                    let node = canonical_node(node_key, node_raw)?;
                    mapping_canon.push(node_key, node.json.clone());
                    canons.push(node);
                }
                let mut out = String::new();
                mapping_canon.write(&mut out, None);
                whole.push(key, out);
                tree_key = Some(TREE_KEY.to_string());
                continue;
            }
            problems.push("`mapping` is not an object; kept as it is".to_string());
        }
        whole.push(key, canonical_of(raw)?);
    }
    if tree_key.is_none() && !problems.iter().any(|p| p.contains("mapping")) {
        problems
            .push("no `mapping`: the conversation has no messages to read; kept raw".to_string());
    }
    let (content_sha256, envelope) = finish_hash(&mut whole, tree_key.as_deref());

    let field = |k: &str| -> Value { members.get(k).map(lenient_value).unwrap_or(Value::Null) };
    let string = |k: &str| field(k).as_str().map(str::to_string);
    let id = string("conversation_id")
        .or_else(|| string("id"))
        .unwrap_or_else(|| {
            problems
                .push("no `id` or `conversation_id`: identified by its content hash".to_string());
            format!("missing-id-{}", &content_sha256[..16])
        });
    let updated_at = time_value(&field("update_time"));
    if known.contains(&(id.clone(), content_sha256.clone())) {
        return Ok(Item::Known(Known {
            index,
            id,
            content_sha256,
            updated_at,
        }));
    }
    let mut nodes: Vec<Node> = canons.into_iter().map(finish_node).collect();
    let current_node = string("current_node");
    let info = tree::analyze(&nodes, current_node.as_deref());
    problems.extend(info.problems);
    for (node, parent) in nodes.iter_mut().zip(info.message_parent) {
        if let Some(m) = node.message.as_mut() {
            m.parent_id = parent;
        }
    }
    Ok(Item::Conversation(Box::new(Conversation {
        provider: Provider::Chatgpt,
        index,
        id,
        title: string("title"),
        summary: None,
        created_at: time_value(&field("create_time")),
        updated_at,
        model: string("default_model_slug"),
        is_archived: field("is_archived").as_bool(),
        current_node,
        account_id: None,
        content_sha256,
        envelope,
        tree_key,
        tree_kind: TreeKind::Object,
        nodes,
        thread: info.thread,
        problems,
    })))
}

/// The conversation's identity from one canonicalization pass over the whole object: the same
/// canonical bytes, hence the same hash, that `read` assembles node by node (a test holds the
/// two together; if they ever differed, a known conversation would only be read in full).
/// None when the object needs the full reading (errors are reported there).
fn recognise(bytes: &[u8], index: usize) -> Option<Known> {
    let mut out = Vec::with_capacity(bytes.len());
    let members = canon::canonicalize_object(bytes, &mut out).ok()?;
    let content_sha256 = crate::json::sha256_hex(&out);
    // The last member of that name wins, as in `Members::get`.
    let field = |name: &str| -> Value {
        let mut literal = Vec::new();
        canon::write_str(name, &mut literal);
        members
            .iter()
            .rev()
            .find(|m| out[m.key.clone()] == literal[..])
            .and_then(|m| {
                let mut scratch = Vec::new();
                from_slice_lenient(&out[m.value.clone()], &mut scratch).ok()
            })
            .unwrap_or(Value::Null)
    };
    let string = |name: &str| field(name).as_str().map(str::to_string);
    let id = string("conversation_id")
        .or_else(|| string("id"))
        .unwrap_or_else(|| format!("missing-id-{}", &content_sha256[..16]));
    Some(Known {
        index,
        id,
        content_sha256,
        updated_at: time_value(&field("update_time")),
    })
}

/// Epoch floats as exported; ISO strings tolerated in case a future export switches.
pub fn time_value(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => n.as_f64().and_then(epoch_to_iso),
        Value::String(s) => {
            normalize_iso(s).or_else(|| s.parse::<f64>().ok().and_then(epoch_to_iso))
        }
        _ => None,
    }
}

/// One `mapping` entry, canonicalized: what the conversation's hash needs. Each member is
/// canonicalized once; the node's canonical form is assembled from them and the message's
/// canonical form is reused as `messages.raw`.
struct NodeCanon<'a> {
    key: String,
    /// None when the entry is not an object.
    members: Option<Members<'a>>,
    json: String,
    /// The node without its message (when the message is an object), and the message.
    shell: Option<String>,
    message_canon: Option<String>,
}

fn canonical_node<'a>(key: &str, raw: &'a RawValue) -> Result<NodeCanon<'a>, ElementError> {
    let Ok(members) = serde_json::from_str::<Members>(raw.get()) else {
        // Not an object: keep it as it is, with no message.
        return Ok(NodeCanon {
            key: key.to_string(),
            members: None,
            json: canonical_of(raw)?,
            shell: None,
            message_canon: None,
        });
    };
    let mut object = CanonicalObject::with_capacity(members.0.len());
    let mut message_canon = None;
    for (k, v) in &members.0 {
        let c = canonical_of(v)?;
        if k == "message" {
            message_canon = Some(c.clone());
        }
        object.push(k, c);
    }
    let mut out = String::with_capacity(raw.get().len());
    object.write(&mut out, None);
    let message_is_object = message_canon.as_ref().is_some_and(|m| m.starts_with('{'));
    let shell = message_is_object.then(|| {
        let mut shell = String::with_capacity(128);
        object.write(&mut shell, Some("message"));
        shell
    });
    Ok(NodeCanon {
        key: key.to_string(),
        members: Some(members),
        json: out,
        shell,
        message_canon,
    })
}

/// The rest of a node, for a conversation the archive does not hold yet: hashes, parent link,
/// and the message taken apart.
fn finish_node(canon: NodeCanon) -> Node {
    let NodeCanon {
        key,
        members,
        json,
        shell,
        message_canon,
    } = canon;
    let sha256 = crate::json::sha256_hex(json.as_bytes());
    let Some(members) = members else {
        return Node {
            id: key,
            parent: None,
            node_json: json.clone(),
            json,
            sha256,
            message_sha256: None,
            message: None,
        };
    };
    let (shell, message_sha256) = match shell {
        Some(shell) => (
            shell,
            message_canon
                .as_deref()
                .map(|m| crate::json::sha256_hex(m.as_bytes())),
        ),
        None => (json.clone(), None),
    };
    let parent = members
        .get("parent")
        .map(lenient_value)
        .and_then(|v| v.as_str().map(str::to_string));
    // An object message always has its canonical form (see `canonical_node`).
    let message = match (members.get("message").map(lenient_value), message_canon) {
        (Some(m @ Value::Object(_)), Some(raw_message)) => {
            Some(read_message(&key, &m, raw_message))
        }
        _ => None,
    };
    Node {
        id: key,
        parent,
        json,
        sha256,
        node_json: shell,
        message_sha256,
        message,
    }
}

fn read_message(node_key: &str, m: &Value, raw: String) -> Message {
    let author = m.get("author").unwrap_or(&Value::Null);
    let metadata = m.get("metadata").unwrap_or(&Value::Null);
    let content = m.get("content").unwrap_or(&Value::Null);
    let derived = content::derive(content);
    let role = str_at(author, "role").map(str::to_string);
    let content_type = str_at(content, "content_type").map(str::to_string);
    let recipient = str_at(m, "recipient").map(str::to_string);
    let hidden = metadata
        .get("is_visually_hidden_from_conversation")
        .and_then(Value::as_bool)
        == Some(true)
        || role.as_deref() == Some("system")
        || recipient.as_deref().is_some_and(|r| r != "all")
        // `code` is only ever a call to a tool (python, canvas); 2026 exports dropped `recipient`.
        || (content_type.as_deref() == Some("code") && recipient.as_deref() != Some("all"))
        || matches!(
            content_type.as_deref(),
            Some("user_editable_context" | "model_editable_context")
        );
    let mut text = derived.text;
    if content_type.as_deref() == Some("code") {
        if let Some(document) = crate::model::canvas::call_text(recipient.as_deref(), &text) {
            text = document;
        }
    }
    let mut attachments = derived.attachments;
    attachments.extend(content::metadata_attachments(metadata));
    attachments.extend(content::execution_images(metadata));
    Message {
        message_id: str_at(m, "id")
            .filter(|id| *id != node_key)
            .map(str::to_string),
        author_name: str_at(author, "name").map(str::to_string),
        reasoning: matches!(
            content_type.as_deref(),
            Some("thoughts" | "reasoning_recap")
        ),
        unknown_types: content_type
            .iter()
            .filter(|_| derived.unknown)
            .cloned()
            .collect(),
        spans: Vec::new(),
        role,
        content_type,
        text,
        created_at: time_value(m.get("create_time").unwrap_or(&Value::Null)),
        updated_at: time_value(m.get("update_time").unwrap_or(&Value::Null)),
        model: str_at(metadata, "model_slug").map(str::to_string),
        status: str_at(m, "status").map(str::to_string),
        recipient,
        end_turn: m.get("end_turn").and_then(Value::as_bool),
        finish_reason: metadata
            .get("finish_details")
            .and_then(|f| str_at(f, "type"))
            .map(str::to_string),
        hidden,
        raw,
        attachments,
        citations: content::citations(metadata),
        parent_id: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass identity must agree with the full reading, or known conversations would
    /// never be recognised (correct, but slow).
    #[test]
    fn recognising_gives_the_same_identity_as_reading() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut checked = 0;
        for file in [
            "chatgpt-2024/conversations.json",
            "chatgpt-2026/conversations-000.json",
            "chatgpt-2026/conversations-001.json",
        ] {
            let text = std::fs::read(dir.join(file)).unwrap();
            let all: Vec<&RawValue> = serde_json::from_slice(&text).unwrap();
            for (i, raw) in all.iter().enumerate() {
                let bytes = raw.get().as_bytes();
                let c = read_conversation(bytes, i).unwrap();
                let k = recognise(bytes, i).expect("recognised");
                assert_eq!(
                    (&k.id, &k.content_sha256, &k.updated_at),
                    (&c.id, &c.content_sha256, &c.updated_at),
                    "{file} #{i}"
                );
                checked += 1;
            }
        }
        assert!(checked >= 9);
        for odd in [
            &br#"{"title": "no id", "mapping": [1, 2], "update_time": "2024-09-02T20:32:04.544Z"}"#
                [..],
            br#"{"id": "a", "id": "b", "mapping": {"n": 3, "m": {"message": {"x": 1e2}}}}"#,
            br#"{"id": "s", "mapping": {"n": {"message": {"content": {"parts": ["\ud83d"]}}}}}"#,
        ] {
            let c = read_conversation(odd, 0).unwrap();
            let k = recognise(odd, 0).unwrap();
            assert_eq!((k.id, k.content_sha256), (c.id, c.content_sha256));
        }
    }

    #[test]
    fn lone_surrogate_message_is_kept() {
        let src = br#"{"id":"c","mapping":{"r":{"id":"r","message":null,"parent":null},"m":{"id":"m","parent":"r","message":{"id":"m","author":{"role":"assistant"},"content":{"content_type":"text","parts":["x \ud83d y"]},"weight":1.0,"metadata":{"finish_details":{"type":"stop","stop_tokens":[200002]}}}}}}"#;
        let c = read_conversation(src, 0).unwrap();
        let m = c.nodes[1].message.as_ref().expect("message kept");
        assert_eq!(m.text, "x \u{fffd} y");
        assert!(m.raw.contains("\\ud83d"));
    }
}
