//! ChatGPT conversations: one array element in, one hashed, provider-neutral `Conversation` out.
//! Tolerant by design: every field may be missing or null, unknown fields and content types are
//! kept, and a conversation that makes no sense is kept raw with its problems listed.

pub mod content;
pub mod side;

use serde_json::value::RawValue;
use serde_json::Value;

use crate::json::lenient_value;
use crate::json::members::{CanonicalObject, Members};
use crate::model::text::str_at;
use crate::model::time::{epoch_to_iso, normalize_iso};
use crate::model::{tree, Conversation, Message, Node, Provider, TreeKind};
use crate::source::{canonical_of, finish_hash, ElementError};

const TREE_KEY: &str = "mapping";

/// Reads one conversation object (the bytes of one element of `conversations.json`).
pub fn read_conversation(bytes: &[u8], index: usize) -> Result<Conversation, ElementError> {
    let members: Members =
        serde_json::from_slice(bytes).map_err(|e| ElementError::from_serde(&e, bytes))?;
    let mut whole = CanonicalObject::with_capacity(members.0.len());
    let mut nodes = Vec::new();
    let mut problems = Vec::new();
    let mut tree_key = None;
    for (key, raw) in &members.0 {
        if key == TREE_KEY {
            if let Ok(mapping) = serde_json::from_str::<Members>(raw.get()) {
                let mut mapping_canon = CanonicalObject::with_capacity(mapping.0.len());
                for (node_key, node_raw) in &mapping.0 {
                    let node = read_node(node_key, node_raw)?;
                    mapping_canon.push(node_key, node.json.clone().into_bytes());
                    nodes.push(node);
                }
                let mut out = Vec::new();
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
    let current_node = string("current_node");
    let info = tree::analyze(&nodes, current_node.as_deref());
    problems.extend(info.problems);
    for (node, parent) in nodes.iter_mut().zip(info.message_parent) {
        if let Some(m) = node.message.as_mut() {
            m.parent_id = parent;
        }
    }
    Ok(Conversation {
        provider: Provider::Chatgpt,
        index,
        id,
        title: string("title"),
        summary: None,
        created_at: time_value(&field("create_time")),
        updated_at: time_value(&field("update_time")),
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

/// One `mapping` entry. Each member is canonicalized once; the node's canonical form is assembled
/// from them and the message's canonical form is reused as `messages.raw`.
fn read_node(key: &str, raw: &RawValue) -> Result<Node, ElementError> {
    let Ok(members) = serde_json::from_str::<Members>(raw.get()) else {
        // Not an object: keep it as it is, with no message.
        let json = String::from_utf8(canonical_of(raw)?).unwrap_or_default();
        let sha256 = crate::json::sha256_hex(json.as_bytes());
        return Ok(Node {
            id: key.to_string(),
            parent: None,
            shell: json.clone(),
            json,
            sha256,
            message_sha256: None,
            message: None,
        });
    };
    let mut node = CanonicalObject::with_capacity(members.0.len());
    let mut message_canon = None;
    for (k, v) in &members.0 {
        let c = canonical_of(v)?;
        if k == "message" {
            message_canon = Some(c.clone());
        }
        node.push(k, c);
    }
    let mut out = Vec::with_capacity(raw.get().len());
    node.write(&mut out, None);
    let json = String::from_utf8(out).unwrap_or_default();
    let sha256 = crate::json::sha256_hex(json.as_bytes());
    let message_is_object = message_canon
        .as_ref()
        .is_some_and(|m| m.first() == Some(&b'{'));
    let (shell, message_sha256) = if message_is_object {
        let mut shell = Vec::with_capacity(128);
        node.write(&mut shell, Some("message"));
        let sha = message_canon.as_deref().map(crate::json::sha256_hex);
        (String::from_utf8(shell).unwrap_or_default(), sha)
    } else {
        (json.clone(), None)
    };
    let parent = members
        .get("parent")
        .map(lenient_value)
        .and_then(|v| v.as_str().map(str::to_string));
    let message = match members.get("message").map(lenient_value) {
        Some(m @ Value::Object(_)) => {
            let raw_message =
                String::from_utf8(message_canon.unwrap_or_default()).unwrap_or_default();
            Some(read_message(key, &m, raw_message))
        }
        _ => None,
    };
    Ok(Node {
        id: key.to_string(),
        parent,
        json,
        sha256,
        shell,
        message_sha256,
        message,
    })
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
    let mut attachments = derived.attachments;
    attachments.extend(content::metadata_attachments(metadata));
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
        text: derived.text,
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

    #[test]
    fn lone_surrogate_message_is_kept() {
        let src = br#"{"id":"c","mapping":{"r":{"id":"r","message":null,"parent":null},"m":{"id":"m","parent":"r","message":{"id":"m","author":{"role":"assistant"},"content":{"content_type":"text","parts":["x \ud83d y"]},"weight":1.0,"metadata":{"finish_details":{"type":"stop","stop_tokens":[200002]}}}}}}"#;
        let c = read_conversation(src, 0).unwrap();
        let m = c.nodes[1].message.as_ref().expect("message kept");
        assert_eq!(m.text, "x \u{fffd} y");
        assert!(m.raw.contains("\\ud83d"));
    }
}
