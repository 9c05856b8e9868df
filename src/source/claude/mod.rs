//! Claude.ai conversations: one element of `conversations.json` in, one hashed, provider-neutral
//! `Conversation` out. The messages sit in an array (`chat_messages`); 2026 exports link them
//! into a tree with `parent_message_uuid`, older ones are a flat list in order. Tolerant like the
//! ChatGPT reader: anything may be missing, unknown blocks are kept raw and counted.

pub mod content;
pub mod layout;
pub mod side;

use serde_json::value::RawValue;
use serde_json::Value;

use crate::json::lenient_value;
use crate::json::members::{CanonicalObject, Members};
use crate::model::text::str_at;
use crate::model::time::normalize_iso;
use crate::model::{tree, Conversation, Message, Node, Provider, TreeKind};
use crate::source::element::{canonical_of, finish_hash, ElementError};

const TREE_KEY: &str = "chat_messages";

/// The parent Claude gives the first message of a conversation: no message has this id.
pub const ROOT_PARENT: &str = "00000000-0000-4000-8000-000000000000";

/// Reads one conversation object (the bytes of one element of `conversations.json`).
pub fn read_conversation(bytes: &[u8], index: usize) -> Result<Conversation, ElementError> {
    let members: Members = serde_json::from_slice(bytes)
        .map_err(|e| ElementError::from_serde(&e, bytes, "conversation"))?;
    let mut whole = CanonicalObject::with_capacity(members.0.len());
    let mut items: Vec<Value> = Vec::new();
    let mut problems = Vec::new();
    let mut tree_key = None;
    let mut nodes = Vec::new();
    for (key, raw) in &members.0 {
        if key == TREE_KEY && tree_key.is_none() {
            if let Ok(list) = serde_json::from_str::<Vec<&RawValue>>(raw.get()) {
                let mut array = String::with_capacity(raw.get().len());
                array.push('[');
                for (i, item) in list.iter().enumerate() {
                    let json = canonical_of(item)?;
                    if i > 0 {
                        array.push(',');
                    }
                    array.push_str(&json);
                    let value = lenient_value(item);
                    nodes.push(Node {
                        id: String::new(),
                        parent: None,
                        sha256: crate::json::sha256_hex(json.as_bytes()),
                        json,
                        node_json: String::new(),
                        message_sha256: None,
                        message: None,
                    });
                    items.push(value);
                }
                array.push(']');
                whole.push(key, array);
                tree_key = Some(TREE_KEY.to_string());
                continue;
            }
            problems.push("`chat_messages` is not an array; kept as it is".to_string());
        }
        whole.push(key, canonical_of(raw)?);
    }
    if tree_key.is_none() && !problems.iter().any(|p| p.contains(TREE_KEY)) {
        problems.push(
            "no `chat_messages`: the conversation has no messages to read; kept raw".to_string(),
        );
    }
    let (content_sha256, envelope) = finish_hash(&mut whole, tree_key.as_deref());

    name_nodes(&mut nodes, &items, &mut problems);
    link_nodes(&mut nodes, &items);
    for (node, value) in nodes.iter_mut().zip(&items) {
        if value.is_object() {
            // The node is its message: stored once, as the message's raw (an empty shell).
            node.message = Some(read_message(value, node.json.clone()));
            node.message_sha256 = Some(node.sha256.clone());
        } else {
            node.node_json = node.json.clone();
        }
    }
    let info = tree::analyze(&nodes, None);
    problems.extend(info.problems);
    for (node, parent) in nodes.iter_mut().zip(info.message_parent) {
        if let Some(m) = node.message.as_mut() {
            m.parent_id = parent;
        }
    }

    let field = |k: &str| -> Value { members.get(k).map(lenient_value).unwrap_or(Value::Null) };
    let string = |k: &str| field(k).as_str().map(str::to_string);
    let nonempty = |k: &str| string(k).filter(|s| !s.is_empty());
    let id = string("uuid").unwrap_or_else(|| {
        problems.push("no `uuid`: identified by its content hash".to_string());
        format!("missing-id-{}", &content_sha256[..16])
    });
    Ok(Conversation {
        provider: Provider::Claude,
        index,
        id,
        title: nonempty("name"),
        summary: nonempty("summary"),
        created_at: string("created_at").as_deref().and_then(normalize_iso),
        updated_at: string("updated_at").as_deref().and_then(normalize_iso),
        model: nonempty("model"),
        is_archived: field("is_archived").as_bool(),
        current_node: None,
        account_id: str_at(&field("account"), "uuid").map(str::to_string),
        content_sha256,
        envelope,
        tree_key,
        tree_kind: TreeKind::Array,
        nodes,
        thread: info.thread,
        problems,
    })
}

/// A node is known by its message's `uuid`. One without (or repeating an earlier one) gets its
/// position as `#N` appended, so that every node of a conversation has its own key.
fn name_nodes(nodes: &mut [Node], items: &[Value], problems: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    for (i, (node, value)) in nodes.iter_mut().zip(items).enumerate() {
        let uuid = str_at(value, "uuid").unwrap_or("");
        node.id = if uuid.is_empty() {
            format!("#{i}")
        } else if seen.contains(uuid) {
            problems.push(format!(
                "message {uuid} appears more than once; copy #{i} is kept as {uuid}#{i}"
            ));
            format!("{uuid}#{i}")
        } else {
            uuid.to_string()
        };
        seen.insert(node.id.clone());
    }
}

/// Parent links: `parent_message_uuid` where any message has one (2026 exports: a tree whose
/// root messages name `ROOT_PARENT`); otherwise the array order (older exports: one thread).
fn link_nodes(nodes: &mut [Node], items: &[Value]) {
    let linked = items.iter().any(|v| v.get("parent_message_uuid").is_some());
    let mut previous: Option<String> = None;
    for (node, value) in nodes.iter_mut().zip(items) {
        node.parent = if linked {
            str_at(value, "parent_message_uuid")
                .filter(|p| *p != ROOT_PARENT && !p.is_empty())
                .map(str::to_string)
        } else {
            previous.clone()
        };
        previous = Some(node.id.clone());
    }
}

fn read_message(m: &Value, raw: String) -> Message {
    let derived = content::derive(m);
    let role = str_at(m, "sender").map(|s| match s {
        "human" => "user".to_string(),
        other => other.to_string(),
    });
    Message {
        message_id: None,
        parent_id: None,
        role,
        author_name: None,
        content_type: derived.content_type,
        text: derived.text,
        created_at: str_at(m, "created_at").and_then(normalize_iso),
        updated_at: str_at(m, "updated_at").and_then(normalize_iso),
        model: str_at(m, "model").map(str::to_string),
        status: None,
        recipient: None,
        end_turn: None,
        finish_reason: str_at(m, "stop_reason").map(str::to_string),
        hidden: false,
        reasoning: derived.reasoning,
        spans: derived.spans,
        raw,
        unknown_types: derived.unknown_types,
        attachments: derived.attachments,
        citations: derived.citations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(uuid: &str, parent: Option<&str>, sender: &str, at: &str, text: &str) -> String {
        let parent = parent
            .map(|p| format!(r#", "parent_message_uuid": "{p}""#))
            .unwrap_or_default();
        format!(
            r#"{{"uuid": "{uuid}", "text": "", "content": [{{"type": "text", "text": "{text}"}}], "sender": "{sender}", "created_at": "{at}"{parent}}}"#
        )
    }

    #[test]
    fn branches_follow_parent_links_and_the_thread_ends_on_the_latest_leaf() {
        let r = ROOT_PARENT;
        let src = format!(
            r#"{{"uuid": "c", "name": "", "summary": "S", "account": {{"uuid": "acc"}}, "chat_messages": [{}, {}, {}, {}, {}]}}"#,
            msg("h1", Some(r), "human", "2026-01-01T10:00:00.000001Z", "q"),
            msg(
                "a1",
                Some("h1"),
                "assistant",
                "2026-01-01T10:00:01Z",
                "first"
            ),
            msg(
                "a2",
                Some("h1"),
                "assistant",
                "2026-01-01T10:05:00Z",
                "regenerated"
            ),
            msg(
                "h2",
                Some("a1"),
                "human",
                "2026-01-01T10:02:00Z",
                "follow-up"
            ),
            msg(
                "x",
                Some("ghost"),
                "assistant",
                "2026-01-01T09:00:00Z",
                "orphan"
            ),
        );
        let c = read_conversation(src.as_bytes(), 0).unwrap();
        assert_eq!(c.title, None, "an empty name is no title");
        assert_eq!(c.summary.as_deref(), Some("S"));
        assert_eq!(c.account_id.as_deref(), Some("acc"));
        let ids: Vec<&str> = c.thread.iter().map(|&i| c.nodes[i].id.as_str()).collect();
        assert_eq!(ids, ["h1", "a2"]);
        let m = c.nodes[0].message.as_ref().unwrap();
        assert_eq!(m.role.as_deref(), Some("user"));
        assert_eq!(m.created_at.as_deref(), Some("2026-01-01T10:00:00.000Z"));
        assert_eq!(m.parent_id, None);
        assert_eq!(
            c.nodes[3].message.as_ref().unwrap().parent_id.as_deref(),
            Some("a1")
        );
        assert!(c
            .problems
            .iter()
            .any(|p| p.contains("missing parent ghost")));
        assert_eq!(c.tree_kind, TreeKind::Array);
        assert!(!c.envelope.contains("chat_messages"));
    }

    #[test]
    fn flat_exports_are_one_thread_in_array_order() {
        let src = format!(
            r#"{{"uuid": "c", "name": "Old", "chat_messages": [{}, {}, {}]}}"#,
            msg("m1", None, "human", "2024-05-01T10:00:00Z", "a"),
            msg("m2", None, "assistant", "2024-05-01T09:00:00Z", "b"),
            msg("m3", None, "human", "2024-05-01T11:00:00Z", "c"),
        );
        let c = read_conversation(src.as_bytes(), 0).unwrap();
        let ids: Vec<&str> = c.thread.iter().map(|&i| c.nodes[i].id.as_str()).collect();
        assert_eq!(ids, ["m1", "m2", "m3"]);
        assert_eq!(
            c.nodes[2].message.as_ref().unwrap().parent_id.as_deref(),
            Some("m2")
        );
        assert!(c.problems.is_empty(), "{:?}", c.problems);
    }

    #[test]
    fn repeated_and_missing_uuids_get_their_own_keys() {
        let src = r#"{"uuid": "c", "chat_messages": [{"uuid": "m", "sender": "human"}, {"uuid": "m", "sender": "assistant"}, {"sender": "human"}, null]}"#;
        let c = read_conversation(src.as_bytes(), 0).unwrap();
        let ids: Vec<&str> = c.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["m", "m#1", "#2", "#3"]);
        assert!(c.nodes[3].message.is_none());
        assert_eq!(c.message_count(), 3);
        assert!(c.problems.iter().any(|p| p.contains("more than once")));
    }

    #[test]
    fn hash_ignores_serialization_but_not_content() {
        let a = r#"{"uuid": "c", "name": "caf\u00e9", "chat_messages": [{"uuid": "m", "sender": "human", "text": "x"}]}"#;
        let b = r#"{"chat_messages":[{"text":"x","sender":"human","uuid":"m"}],"name":"café","uuid":"c"}"#;
        let c = r#"{"uuid": "c", "name": "café", "chat_messages": [{"uuid": "m", "sender": "human", "text": "y"}]}"#;
        let h = |s: &str| read_conversation(s.as_bytes(), 0).unwrap().content_sha256;
        assert_eq!(h(a), h(b));
        assert_ne!(h(a), h(c));
    }
}
