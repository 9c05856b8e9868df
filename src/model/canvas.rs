//! Canvas documents: ChatGPT writes them through tool calls to `canmore.create_textdoc`
//! (`{"name", "type", "content"}`) and `canmore.update_textdoc` (`{"updates": [{"pattern",
//! "multiple", "replacement"}]}`, regex replacements over the previous text). Replaying those calls
//! along a thread gives every version of every document.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub versions: Vec<DocumentVersion>,
    /// ChatGPT's own id of the document, when the tool's reply to its creation named it.
    pub textdoc_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DocumentVersion {
    pub message_id: String,
    pub created_at: Option<String>,
    pub operation: &'static str,
    pub content: String,
}

/// One message of a thread, as canvas replay needs it.
pub struct CanvasCall<'a> {
    pub message_id: &'a str,
    pub created_at: Option<&'a str>,
    pub recipient: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub text: &'a str,
    /// The document the tool's reply to this call names (`metadata.canvas.textdoc_id`), when
    /// the export kept the reply: it says which document an update went to.
    pub textdoc_id: Option<&'a str>,
}

/// `metadata.canvas.textdoc_id` of a canvas tool's reply (its raw message), if it names one.
pub fn reply_textdoc_id(raw_message: &str) -> Option<String> {
    let m: Value = serde_json::from_str(raw_message).ok()?;
    m.pointer("/metadata/canvas/textdoc_id")?
        .as_str()
        .map(str::to_string)
}

/// A recipient that is ChatGPT's canvas tool (`canmore.create_textdoc`, `canmore.update_textdoc`, …).
pub fn is_canvas_tool(recipient: &str) -> bool {
    recipient.starts_with("canmore.")
}

/// What a person reads of a canvas call (a `code` message whose `text` is the call's JSON
/// arguments): the document's name and content for a create or rewrite, each replacement for an
/// update, the comments of a comment call. None when it is not a canvas call, so the caller keeps
/// the code as it is. The JSON itself would hide words behind its escapes from search
/// (`\nword` is the token `nword`).
pub fn call_text(recipient: Option<&str>, args: &str) -> Option<String> {
    let canvas = recipient.is_some_and(is_canvas_tool);
    // As `replay` reads them: a canvas recipient, or none at all (2026 exports dropped it).
    if !canvas && recipient.is_some() {
        return None;
    }
    let args: Value = serde_json::from_str(args).ok()?;
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let each = |list: &str, k: &str| -> Option<Vec<String>> {
        let items = args.get(list)?.as_array()?;
        Some(items.iter().filter_map(|u| s(u, k)).collect())
    };
    let pieces: Vec<String> =
        if args.get("content").is_some() && (canvas || args.get("name").is_some()) {
            [s(&args, "name"), s(&args, "content")]
                .into_iter()
                .flatten()
                .collect()
        } else if let Some(replacements) = each("updates", "replacement") {
            replacements
        } else {
            each("comments", "comment").filter(|_| canvas)?
        };
    let pieces: Vec<&str> = pieces
        .iter()
        .map(String::as_str)
        .filter(|p| !p.is_empty())
        .collect();
    (!pieces.is_empty()).then(|| pieces.join("\n\n"))
}

/// The arguments of a canvas call as the export wrote them: `content.text` of the message's raw
/// JSON (its `text` in the archive is `call_text`'s reading).
pub fn call_args(raw_message: &str) -> Option<String> {
    let m: Value = serde_json::from_str(raw_message).ok()?;
    m.get("content")?.get("text")?.as_str().map(str::to_string)
}

pub fn replay<'a>(calls: impl IntoIterator<Item = CanvasCall<'a>>) -> Vec<Document> {
    let mut docs: Vec<Document> = Vec::new();
    for call in calls {
        let is_canvas = call.recipient.is_some_and(is_canvas_tool);
        if !is_canvas && call.content_type != Some("code") {
            continue;
        }
        let Ok(args) = serde_json::from_str::<Value>(call.text) else {
            continue;
        };
        let version = |operation, content| DocumentVersion {
            message_id: call.message_id.to_string(),
            created_at: call.created_at.map(str::to_string),
            operation,
            content,
        };
        let create = call
            .recipient
            .is_some_and(|r| r.ends_with("create_textdoc"))
            || (call.recipient.is_none()
                && args.get("content").is_some()
                && args.get("name").is_some());
        let update = call
            .recipient
            .is_some_and(|r| r.ends_with("update_textdoc") || r.ends_with("rewrite_textdoc"))
            || (call.recipient.is_none() && args.get("updates").is_some());
        if create {
            let content = args
                .get("content")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            docs.push(Document {
                name: args.get("name").and_then(Value::as_str).map(str::to_string),
                kind: args.get("type").and_then(Value::as_str).map(str::to_string),
                versions: vec![version("create", content)],
                textdoc_id: call.textdoc_id.map(str::to_string),
            });
        } else if update {
            // An update goes to the document its reply names; without a reply (2026 exports keep
            // only user and assistant messages), to the most recently created one.
            let named = call.textdoc_id.and_then(|id| {
                docs.iter()
                    .rposition(|d| d.textdoc_id.as_deref() == Some(id))
            });
            let Some(target) = named.or(docs.len().checked_sub(1)) else {
                continue;
            };
            let doc = &mut docs[target];
            let mut content = doc
                .versions
                .last()
                .map(|v| v.content.clone())
                .unwrap_or_default();
            if let Some(full) = args.get("content").and_then(Value::as_str) {
                content = full.to_string(); // rewrite_textdoc
            }
            for u in args
                .get("updates")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let pattern = u.get("pattern").and_then(Value::as_str).unwrap_or(".*");
                let replacement = u.get("replacement").and_then(Value::as_str).unwrap_or("");
                let multiple = u.get("multiple").and_then(Value::as_bool).unwrap_or(false);
                // The model writes Python-style patterns; `.*` over a whole document means "all of it".
                let Ok(re) = regex::RegexBuilder::new(pattern)
                    .dot_matches_new_line(true)
                    .build()
                else {
                    continue;
                };
                let replacement = regex::NoExpand(replacement);
                content = if multiple {
                    re.replace_all(&content, replacement).into_owned()
                } else {
                    re.replace(&content, replacement).into_owned()
                };
            }
            doc.versions.push(version("update", content));
        }
    }
    docs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call<'a>(id: &'a str, recipient: &'a str, text: &'a str) -> CanvasCall<'a> {
        CanvasCall {
            message_id: id,
            created_at: None,
            recipient: Some(recipient),
            content_type: Some("code"),
            text,
            textdoc_id: None,
        }
    }

    #[test]
    fn an_update_goes_to_the_document_its_reply_names() {
        let with_id = |c: CanvasCall<'static>, id: &'static str| CanvasCall {
            textdoc_id: Some(id),
            ..c
        };
        let create_a = r#"{"name":"a","type":"document","content":"alpha"}"#;
        let create_b = r#"{"name":"b","type":"document","content":"beta"}"#;
        let to_gamma = r#"{"updates":[{"pattern":".*","replacement":"gamma"}]}"#;
        let to_delta = r#"{"updates":[{"pattern":".*","replacement":"delta"}]}"#;
        let docs = replay([
            with_id(call("m1", "canmore.create_textdoc", create_a), "doc-a"),
            with_id(call("m2", "canmore.create_textdoc", create_b), "doc-b"),
            with_id(call("m3", "canmore.update_textdoc", to_gamma), "doc-a"),
            // No reply kept: the most recent document, as before.
            call("m4", "canmore.update_textdoc", to_delta),
            // A reply naming a document never created here: the most recent too.
            with_id(call("m5", "canmore.update_textdoc", to_gamma), "doc-x"),
        ]);
        let last = |d: &Document| d.versions.last().unwrap().content.clone();
        assert_eq!(
            (last(&docs[0]), docs[0].versions.len()),
            ("gamma".into(), 2)
        );
        assert_eq!(
            (last(&docs[1]), docs[1].versions.len()),
            ("gamma".into(), 3)
        );
        assert_eq!(
            reply_textdoc_id(r#"{"metadata":{"canvas":{"textdoc_id":"6750aa","version":2}}}"#)
                .as_deref(),
            Some("6750aa")
        );
        assert_eq!(reply_textdoc_id(r#"{"metadata":{}}"#), None);
    }

    #[test]
    fn create_then_update_gives_every_version() {
        let docs = replay([
            call(
                "m1",
                "canmore.create_textdoc",
                r#"{"name":"poem","type":"document","content":"Roses are red"}"#,
            ),
            call("m2", "python", "print(1)"),
            call(
                "m3",
                "canmore.update_textdoc",
                r#"{"updates":[{"pattern":".*","replacement":"Roses are red\nViolets are blue"}]}"#,
            ),
            call(
                "m4",
                "canmore.update_textdoc",
                r#"{"updates":[{"pattern":"blue","multiple":true,"replacement":"$1 teal"}]}"#,
            ),
        ]);
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].name.as_deref(), Some("poem"));
        let contents: Vec<&str> = docs[0]
            .versions
            .iter()
            .map(|v| v.content.as_str())
            .collect();
        assert_eq!(
            contents,
            [
                "Roses are red",
                "Roses are red\nViolets are blue",
                "Roses are red\nViolets are $1 teal"
            ]
        );
    }

    #[test]
    fn a_call_reads_as_its_document() {
        let create = r#"{"name":"poem","type":"document","content":"Roses\nare red"}"#;
        let text = call_text(Some("canmore.create_textdoc"), create).unwrap();
        assert_eq!(text, "poem\n\nRoses\nare red");
        // 2026 exports dropped `recipient`: the arguments' shape says it.
        assert_eq!(call_text(None, create).unwrap(), text);
        let update = r#"{"updates":[{"pattern":".*","replacement":"Violets\nare blue"}]}"#;
        assert_eq!(
            call_text(Some("canmore.update_textdoc"), update).unwrap(),
            "Violets\nare blue"
        );
        let comment = r#"{"comments":[{"pattern":"Roses","comment":"Say which roses"}]}"#;
        assert_eq!(
            call_text(Some("canmore.comment_textdoc"), comment).unwrap(),
            "Say which roses"
        );
        // Code for other tools, and what does not parse, stays as written.
        assert_eq!(call_text(Some("python"), create), None);
        assert_eq!(call_text(None, "print(1)"), None);
        assert_eq!(call_text(Some("canmore.create_textdoc"), "not json"), None);
        assert_eq!(
            call_args(r#"{"id":"m","content":{"content_type":"code","text":"{}"}}"#).as_deref(),
            Some("{}")
        );
    }

    #[test]
    fn broken_calls_are_skipped() {
        let docs = replay([
            call("m1", "canmore.update_textdoc", "{}"),
            call("m2", "canmore.create_textdoc", "not json"),
        ]);
        assert!(docs.is_empty());
    }
}
