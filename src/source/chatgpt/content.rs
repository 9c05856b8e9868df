//! Readable text, attachments and citations of a ChatGPT message, per `content_type`. The rules
//! are documented in docs/schema.md; anything unknown falls back to its string leaves.

use serde_json::Value;

use crate::model::text::{join_nonempty, str_at, string_leaves};
use crate::model::{AttachmentRef, Citation};

/// Content types this version knows how to read. Anything else is kept raw, counted and given
/// best-effort text.
pub const KNOWN_CONTENT_TYPES: &[&str] = &[
    "text",
    "multimodal_text",
    "code",
    "execution_output",
    "tether_browsing_display",
    "tether_browsing_code",
    "tether_quote",
    "system_error",
    "thoughts",
    "reasoning_recap",
    "user_editable_context",
    "model_editable_context",
    "sonic_webpage",
    "computer_output",
    "super_widget",
];

pub struct Derived {
    pub text: String,
    pub attachments: Vec<AttachmentRef>,
    pub unknown: bool,
}

pub fn derive(content: &Value) -> Derived {
    let ct = str_at(content, "content_type").unwrap_or("");
    let mut attachments = Vec::new();
    let s = |k: &str| str_at(content, k).unwrap_or("");
    let text = match ct {
        "text" => parts_text(content, &mut attachments),
        "multimodal_text" => parts_text(content, &mut attachments),
        "code" | "execution_output" | "tether_browsing_code" => s("text").to_string(),
        "tether_browsing_display" => join_nonempty([s("summary"), s("result")]),
        "tether_quote" => join_nonempty([s("title"), s("url"), s("text")]),
        "system_error" => match (s("name"), s("text")) {
            ("", t) => t.to_string(),
            (n, t) => format!("{n}: {t}"),
        },
        "thoughts" => {
            let thoughts = content.get("thoughts").and_then(Value::as_array);
            let pieces: Vec<String> = thoughts
                .into_iter()
                .flatten()
                .map(|t| {
                    join_nonempty([
                        str_at(t, "summary").unwrap_or(""),
                        str_at(t, "content").unwrap_or(""),
                    ])
                })
                .collect();
            join_nonempty(pieces.iter().map(String::as_str))
        }
        "reasoning_recap" => s("content").to_string(),
        "user_editable_context" => join_nonempty([s("user_profile"), s("user_instructions")]),
        "model_editable_context" => join_nonempty([s("model_set_context"), s("repo_summary")]),
        "sonic_webpage" => join_nonempty([
            s("title"),
            s("url"),
            if s("text").is_empty() {
                s("snippet")
            } else {
                s("text")
            },
        ]),
        "computer_output" => {
            if let Some(shot) = content.get("screenshot") {
                part_attachment(shot, &mut attachments);
            }
            let state = content.get("state").unwrap_or(&Value::Null);
            join_nonempty([
                str_at(state, "title").unwrap_or(""),
                str_at(state, "url").unwrap_or(""),
            ])
        }
        _ => {
            collect_pointers(content, &mut attachments);
            string_leaves(content)
        }
    };
    Derived {
        text,
        attachments,
        unknown: !KNOWN_CONTENT_TYPES.contains(&ct),
    }
}

/// `parts` of text and multimodal messages: strings as they are, audio transcriptions as text,
/// media parts as attachments.
fn parts_text(content: &Value, attachments: &mut Vec<AttachmentRef>) -> String {
    let mut pieces: Vec<String> = Vec::new();
    for part in content
        .get("parts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match part {
            Value::String(s) => pieces.push(s.clone()),
            Value::Object(_) => match str_at(part, "content_type").unwrap_or("") {
                "audio_transcription" => {
                    pieces.push(str_at(part, "text").unwrap_or("").to_string())
                }
                "real_time_user_audio_video_asset_pointer" => {
                    for key in ["audio_asset_pointer", "video_container_asset_pointer"] {
                        if let Some(p) = part.get(key) {
                            part_attachment(p, attachments);
                        }
                    }
                    for frame in part
                        .get("frames_asset_pointers")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        part_attachment(frame, attachments);
                    }
                }
                _ if part.get("asset_pointer").is_some() => part_attachment(part, attachments),
                _ => {
                    collect_pointers(part, attachments);
                    pieces.push(string_leaves(part));
                }
            },
            Value::Null => {}
            other => pieces.push(other.to_string()),
        }
    }
    join_nonempty(pieces.iter().map(String::as_str))
        .trim()
        .to_string()
}

fn part_attachment(part: &Value, attachments: &mut Vec<AttachmentRef>) {
    let (pointer, kind) = match part {
        Value::String(s) => (s.clone(), "file".to_string()),
        _ => match str_at(part, "asset_pointer") {
            Some(p) => (
                p.to_string(),
                str_at(part, "content_type").unwrap_or("asset").to_string(),
            ),
            None => return,
        },
    };
    let int = |k: &str| part.get(k).and_then(Value::as_i64);
    attachments.push(AttachmentRef {
        pointer,
        kind,
        name: None,
        mime_type: str_at(part, "format").map(|f| {
            if f.contains('/') {
                f.to_string()
            } else {
                format!("audio/{f}")
            }
        }),
        size: int("size_bytes"),
        width: int("width"),
        height: int("height"),
        extracted_text: None,
    });
}

/// Asset pointers anywhere inside content of a type we do not know yet.
fn collect_pointers(v: &Value, attachments: &mut Vec<AttachmentRef>) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if map.get("asset_pointer").and_then(Value::as_str).is_some() {
                    part_attachment(v, attachments);
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
}

/// Files the user attached to a message (`metadata.attachments`): id, name, mime type, size.
pub fn metadata_attachments(metadata: &Value) -> Vec<AttachmentRef> {
    let list = metadata.get("attachments").and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter_map(|a| {
            let id = str_at(a, "id")?;
            Some(AttachmentRef {
                pointer: id.to_string(),
                kind: "upload".into(),
                name: str_at(a, "name").map(str::to_string),
                mime_type: str_at(a, "mime_type")
                    .or_else(|| str_at(a, "mimeType"))
                    .map(str::to_string),
                size: a.get("size").and_then(Value::as_i64),
                width: a.get("width").and_then(Value::as_i64),
                height: a.get("height").and_then(Value::as_i64),
                extracted_text: None,
            })
        })
        .collect()
}

/// Images a code-interpreter run displayed (charts, plots): the tool message's text is only
/// `<<ImageDisplayed>>`; the picture is named in `metadata.aggregate_result.messages[]` as
/// `{"message_type": "image", "image_url": "file-service://file-…", "width", "height"}`, and the
/// export holds the file like any other asset.
pub fn execution_images(metadata: &Value) -> Vec<AttachmentRef> {
    let messages = metadata
        .get("aggregate_result")
        .and_then(|r| r.get("messages"))
        .and_then(Value::as_array);
    messages
        .into_iter()
        .flatten()
        .filter(|m| str_at(m, "message_type") == Some("image"))
        .filter_map(|m| {
            let url = str_at(m, "image_url")?;
            Some(AttachmentRef {
                pointer: url.to_string(),
                kind: "execution_output_image".into(),
                name: None,
                mime_type: None,
                size: None,
                width: m.get("width").and_then(Value::as_i64),
                height: m.get("height").and_then(Value::as_i64),
                extracted_text: None,
            })
        })
        .collect()
}

/// Citations from `metadata.citations` and `metadata.content_references`.
pub fn citations(metadata: &Value) -> Vec<Citation> {
    let mut out = Vec::new();
    for c in metadata
        .get("citations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let m = c.get("metadata").unwrap_or(c);
        if str_at(m, "url").is_some() || str_at(m, "title").is_some() {
            out.push(Citation {
                url: str_at(m, "url").map(str::to_string),
                title: str_at(m, "title").map(str::to_string),
                snippet: str_at(m, "text").map(str::to_string),
            });
        }
    }
    for r in metadata
        .get("content_references")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let items = r.get("items").and_then(Value::as_array);
        let singles = std::iter::once(r).filter(|r| str_at(r, "url").is_some());
        for item in items.into_iter().flatten().chain(singles) {
            if let Some(url) = str_at(item, "url") {
                out.push(Citation {
                    url: Some(url.to_string()),
                    title: str_at(item, "title").map(str::to_string),
                    snippet: str_at(item, "snippet").map(str::to_string),
                });
            }
        }
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(v: Value) -> String {
        derive(&v).text
    }

    #[test]
    fn text_rules_per_content_type() {
        assert_eq!(
            text(json!({"content_type": "text", "parts": ["Hello", "", "world"]})),
            "Hello\n\nworld"
        );
        assert_eq!(
            text(json!({"content_type": "code", "language": "python", "text": "print(1)"})),
            "print(1)"
        );
        assert_eq!(
            text(json!({"content_type": "execution_output", "text": "1"})),
            "1"
        );
        assert_eq!(
            text(
                json!({"content_type": "system_error", "name": "Timeout", "text": "took too long"})
            ),
            "Timeout: took too long"
        );
        assert_eq!(
            text(
                json!({"content_type": "thoughts", "thoughts": [{"summary": "Plan", "content": "Think first"}]})
            ),
            "Plan\n\nThink first"
        );
        assert_eq!(
            text(json!({"content_type": "reasoning_recap", "content": "Thought for 5s"})),
            "Thought for 5s"
        );
        assert_eq!(
            text(
                json!({"content_type": "tether_quote", "url": "https://e.x", "domain": "e.x", "text": "q", "title": "T"})
            ),
            "T\n\nhttps://e.x\n\nq"
        );
        assert_eq!(
            text(
                json!({"content_type": "user_editable_context", "user_profile": "I am", "user_instructions": "Be brief"})
            ),
            "I am\n\nBe brief"
        );
        assert_eq!(
            text(
                json!({"content_type": "sonic_webpage", "title": "T", "url": "u", "snippet": "s"})
            ),
            "T\n\nu\n\ns"
        );
    }

    #[test]
    fn voice_and_images_in_multimodal_parts() {
        let d = derive(&json!({"content_type": "multimodal_text", "parts": [
            {"content_type": "audio_transcription", "text": "hola", "direction": "in"},
            {"content_type": "audio_asset_pointer", "asset_pointer": "sediment://file_1", "format": "wav", "size_bytes": 10},
            {"content_type": "image_asset_pointer", "asset_pointer": "file-service://file-A", "width": 2, "height": 3},
            {"content_type": "real_time_user_audio_video_asset_pointer", "audio_asset_pointer": {"asset_pointer": "sediment://file_2"},
             "frames_asset_pointers": [], "video_container_asset_pointer": {"asset_pointer": "sediment://file_3"}},
            "what is this?"
        ]}));
        assert_eq!(d.text, "hola\n\nwhat is this?");
        let pointers: Vec<&str> = d.attachments.iter().map(|a| a.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "sediment://file_1",
                "file-service://file-A",
                "sediment://file_2",
                "sediment://file_3"
            ]
        );
        assert_eq!(d.attachments[0].mime_type.as_deref(), Some("audio/wav"));
        assert_eq!(d.attachments[1].width, Some(2));
        assert!(!d.unknown);
    }

    #[test]
    fn unknown_types_get_their_string_leaves() {
        let d = derive(
            &json!({"content_type": "quantum_widget", "payload": {"label": "spin up", "id": "x1"}}),
        );
        assert!(d.unknown);
        assert_eq!(d.text, "spin up");
    }

    #[test]
    fn code_interpreter_charts_are_attachments() {
        let a = execution_images(
            &json!({"aggregate_result": {"status": "success", "messages": [
                {"message_type": "stream", "text": "hi"},
                {"message_type": "image", "image_payload": null, "image_url": "file-service://file-Ch1", "width": 800, "height": 600},
                {"message_type": "image", "image_url": null}
            ]}}),
        );
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].pointer, "file-service://file-Ch1");
        assert_eq!((a[0].width, a[0].height), (Some(800), Some(600)));
        assert!(execution_images(&json!({"aggregate_result": null})).is_empty());
    }

    #[test]
    fn citations_from_both_shapes() {
        let c = citations(&json!({
            "citations": [{"metadata": {"url": "https://a", "title": "A", "text": "t"}}],
            "content_references": [{"items": [{"url": "https://b", "title": "B"}]}]
        }));
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].url.as_deref(), Some("https://b"));
    }
}
