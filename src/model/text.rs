//! Provider-neutral helpers for deriving readable text from JSON content.

use serde_json::Value;

/// Every string leaf of a value, depth first, skipping keys that hold identifiers or pointers
/// rather than prose. The fallback for content types nobody has documented yet.
pub fn string_leaves(value: &Value) -> String {
    const SKIP: &[&str] = &[
        "content_type",
        "type",
        "id",
        "asset_pointer",
        "mime_type",
        "url",
        "uuid",
        "source_analysis_msg_id",
    ];
    let mut parts: Vec<&str> = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) if !s.trim().is_empty() => parts.push(s),
            Value::Array(items) => stack.extend(items.iter().rev()),
            Value::Object(map) => {
                // Reverse so that popping visits members in document order.
                let members: Vec<&Value> = map
                    .iter()
                    .filter(|(k, _)| !SKIP.contains(&k.as_str()))
                    .map(|(_, v)| v)
                    .collect();
                stack.extend(members.into_iter().rev());
            }
            _ => {}
        }
    }
    parts.join("\n")
}

/// Joins non-empty pieces with blank lines.
pub fn join_nonempty<'a>(pieces: impl IntoIterator<Item = &'a str>) -> String {
    let kept: Vec<&str> = pieces
        .into_iter()
        .map(str::trim_end)
        .filter(|s| !s.trim().is_empty())
        .collect();
    kept.join("\n\n")
}

pub fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn leaves_in_document_order_without_ids() {
        let v = json!({"content_type": "x", "title": "T", "items": [{"id": "1", "text": "a"}, "b"], "n": 3});
        // serde_json's map is sorted by key without preserve_order: items, n, title.
        assert_eq!(string_leaves(&v), "a\nb\nT");
    }

    #[test]
    fn join_skips_blanks() {
        assert_eq!(join_nonempty(["a\n", " ", "b"]), "a\n\nb");
    }
}
