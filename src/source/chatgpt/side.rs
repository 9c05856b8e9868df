//! ChatGPT's account and side files (user.json, message_feedback.json, shared links, model
//! comparisons, library_files.json) as plain records for the archive's tables. Shapes vary
//! between exports: every field is optional and the raw record is always kept.

use serde_json::Value;

use super::time_value;
use crate::error::Result;
use crate::json::canon::canonical_string;
use crate::json::sha256_hex;
use crate::model::text::str_at;
use crate::model::SideRecord;
use crate::source::export::{Entry, Export};
use crate::source::json_file::read_small_json;

/// The records of a side file this reader understands (None: a file it only keeps).
pub fn read_records(export: &mut Export, entry: &Entry) -> Result<Option<Vec<SideRecord>>> {
    Ok(read_small_json(export, &entry.name)?.and_then(|value| records(&entry.name, &value)))
}

/// Records for one side file, by its name in the export (`None`: not a file with records).
pub fn records(name: &str, value: &Value) -> Option<Vec<SideRecord>> {
    let list = || -> Vec<&Value> {
        match value {
            Value::Array(items) => items.iter().collect(),
            // Some files wrap their list: {"items": [...]} and the like.
            Value::Object(map) => map.values().filter_map(Value::as_array).flatten().collect(),
            _ => Vec::new(),
        }
    };
    let out = match name {
        "message_feedback.json" => list().into_iter().filter_map(feedback).collect(),
        "shared_conversations.json" => list().into_iter().filter_map(shared).collect(),
        "model_comparisons.json" => list().into_iter().map(comparison).collect(),
        "library_files.json" => list().into_iter().filter_map(library_file).collect(),
        _ => return None,
    };
    Some(out)
}

/// A record's canonical JSON (as exported, when nested deeper than canonical form allows).
fn raw(v: &Value) -> String {
    let text = v.to_string();
    canonical_string(text.as_bytes()).unwrap_or(text)
}

fn s(v: &Value, key: &str) -> Value {
    str_at(v, key)
        .map(|x| Value::String(x.to_string()))
        .unwrap_or(Value::Null)
}

fn time(v: &Value, key: &str) -> Value {
    v.get(key)
        .and_then(time_value)
        .map(Value::String)
        .unwrap_or(Value::Null)
}

fn feedback(v: &Value) -> Option<SideRecord> {
    let id = str_at(v, "id")?.to_string();
    // `content` is itself JSON in a string: {"tags": [...], "text": "..."}.
    let content: Value = match v.get("content") {
        Some(Value::String(text)) => {
            serde_json::from_str(text).unwrap_or(Value::String(text.clone()))
        }
        Some(other) => other.clone(),
        None => Value::Null,
    };
    let text = match &content {
        Value::String(t) => Value::String(t.clone()),
        other => s(other, "text"),
    };
    let tags = content
        .get("tags")
        .map(|t| Value::String(t.to_string()))
        .unwrap_or(Value::Null);
    let message_id = if v.get("message_id").is_some() {
        s(v, "message_id")
    } else {
        Value::String(id.clone())
    };
    Some(SideRecord {
        table: "message_feedback",
        key_column: "id",
        key: id,
        columns: vec![
            ("conversation_id", s(v, "conversation_id")),
            ("message_id", message_id),
            ("user_id", s(v, "user_id")),
            ("rating", s(v, "rating")),
            ("text", text),
            ("tags", tags),
            ("created_at", time(v, "create_time")),
        ],
        raw: raw(v),
    })
}

fn shared(v: &Value) -> Option<SideRecord> {
    let id = str_at(v, "id")?.to_string();
    Some(SideRecord {
        table: "shared_conversations",
        key_column: "id",
        key: id,
        columns: vec![
            ("conversation_id", s(v, "conversation_id")),
            ("title", s(v, "title")),
            (
                "is_anonymous",
                v.get("is_anonymous")
                    .filter(|b| b.is_boolean())
                    .cloned()
                    .unwrap_or(Value::Null),
            ),
        ],
        raw: raw(v),
    })
}

fn comparison(v: &Value) -> SideRecord {
    let raw = raw(v);
    SideRecord {
        table: "model_comparisons",
        key_column: "sha256",
        key: sha256_hex(raw.as_bytes()),
        columns: vec![
            ("id", s(v, "id")),
            ("conversation_id", s(v, "conversation_id")),
        ],
        raw,
    }
}

fn library_file(v: &Value) -> Option<SideRecord> {
    let id = str_at(v, "file_id")
        .or_else(|| str_at(v, "id"))?
        .to_string();
    Some(SideRecord {
        table: "library_files",
        key_column: "file_id",
        key: id,
        columns: vec![
            ("file_name", s(v, "file_name")),
            ("mime_type", s(v, "mime_type")),
            ("created_at", time(v, "created_at")),
            ("deleted_at", time(v, "deleted_at")),
            ("origination_message_id", s(v, "origination_message_id")),
            ("conversation_id", s(v, "origination_thread_id")),
        ],
        raw: raw(v),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn feedback_content_is_unpacked() {
        let v = json!([{"id": "m1", "conversation_id": "c1", "rating": "thumbsDown",
            "content": "{\"tags\": [\"not-factual\"], \"text\": \"wrong\"}", "create_time": "2024-09-03T22:06:31.184402+00:00"}]);
        let r = records("message_feedback.json", &v).unwrap();
        assert_eq!(r.len(), 1);
        let col = |k: &str| {
            r[0].columns
                .iter()
                .find(|(c, _)| *c == k)
                .unwrap()
                .1
                .clone()
        };
        assert_eq!(col("text"), "wrong");
        assert_eq!(col("tags"), "[\"not-factual\"]");
        assert_eq!(col("message_id"), "m1");
        assert_eq!(col("created_at"), "2024-09-03T22:06:31.184Z");
    }

    #[test]
    fn odd_shapes_do_not_fail() {
        assert_eq!(
            records("shared_conversations.json", &json!({}))
                .unwrap()
                .len(),
            0
        );
        assert_eq!(
            records("model_comparisons.json", &json!({"items": [{"x": 1}]}))
                .unwrap()
                .len(),
            1
        );
        assert!(records("sora.json", &json!({})).is_none());
    }
}
