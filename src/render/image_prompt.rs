//! ChatGPT's calls to its image generator, read as what they are: the prompt (and size) the
//! assistant sent, not the JSON argument it was sent as. The reply (the image) is the tool's own
//! message and rendered elsewhere. The Datasette plugin applies the same rule
//! (`image_prompt` in datasette/chatarchive_plugin.py); tests/render/image_prompt_cases.json
//! holds the cases both are checked against.

use serde_json::Value;

use super::escape;

/// The tools an image call is addressed to: DALL·E (2023–24) and the 2025 image generator.
const IMAGE_TOOLS: [&str; 2] = ["dalle.text2im", "t2uay3k.sj1i4kz"];

/// Every argument seen in such calls. Without a recipient (2026 exports drop it) only a JSON
/// object limited to these is taken for a call: an answer that is JSON is left as written.
const KNOWN_KEYS: [&str; 7] = [
    "prompt",
    "size",
    "n",
    "referenced_image_ids",
    "transparent_background",
    "seeds",
    "aspect_ratio",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePrompt {
    pub prompt: String,
    pub size: Option<String>,
}

/// The image call a message is, if it is one: a ChatGPT assistant message addressed to an image
/// tool whose text is a JSON object with a `prompt` string, or, with no recipient, text that is
/// exactly such an object and nothing more.
pub fn recognise(
    provider: &str,
    role: Option<&str>,
    recipient: Option<&str>,
    text: &str,
) -> Option<ImagePrompt> {
    if provider != "chatgpt" || role != Some("assistant") {
        return None;
    }
    let to_image_tool = match recipient {
        Some(r) if IMAGE_TOOLS.contains(&r) => true,
        Some(_) => return None, // `all` (an answer) or another tool
        None => false,
    };
    // Cheap refusal first: most messages are not JSON at all.
    let text = text.trim_matches([' ', '\t', '\n', '\r']);
    if !text.starts_with('{') {
        return None;
    }
    let Ok(Value::Object(args)) = serde_json::from_str::<Value>(text) else {
        return None;
    };
    if !to_image_tool && !args.keys().all(|k| KNOWN_KEYS.contains(&k.as_str())) {
        return None;
    }
    let prompt = args
        .get("prompt")
        .and_then(Value::as_str)
        .filter(|p| !p.trim().is_empty())?;
    Some(ImagePrompt {
        prompt: prompt.to_string(),
        size: args.get("size").and_then(Value::as_str).map(str::to_string),
    })
}

impl ImagePrompt {
    /// `*Image prompt (1024x1024):* …`: the prompt was written by the model from what the user
    /// asked, so it is escaped like typed text (shown as written, starting no Markdown block).
    pub fn markdown(&self) -> String {
        let label = match self.size.as_deref().map(escape::inline) {
            Some(size) if !size.is_empty() => format!("Image prompt ({size}):"),
            _ => "Image prompt:".to_string(),
        };
        format!("*{label}* {}", escape::plain(self.prompt.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tests/render/image_prompt_cases.json, shared with the Datasette plugin's tests.
    const CASES: &str = include_str!("../../tests/render/image_prompt_cases.json");

    #[test]
    fn shared_cases() {
        let cases: Vec<Value> = serde_json::from_str(CASES).unwrap();
        assert!(cases.len() >= 10);
        for case in &cases {
            let s = |k: &str| case[k].as_str();
            let got = recognise(
                s("provider").unwrap(),
                s("role"),
                s("recipient"),
                s("text").unwrap(),
            );
            let want = case["expect"].as_object().map(|e| ImagePrompt {
                prompt: e["prompt"].as_str().unwrap().to_string(),
                size: e["size"].as_str().map(str::to_string),
            });
            assert_eq!(got, want, "{}", s("case").unwrap());
        }
    }

    #[test]
    fn recipient_names_the_call_even_with_keys_not_seen_before() {
        let text = r#"{"prompt": "a lighthouse at dusk", "size": "1792x1024", "style": "vivid"}"#;
        let call = recognise("chatgpt", Some("assistant"), Some("dalle.text2im"), text).unwrap();
        assert_eq!(call.prompt, "a lighthouse at dusk");
        assert_eq!(call.size.as_deref(), Some("1792x1024"));
        // Without the recipient an unknown key means it may be an answer: left alone.
        assert_eq!(recognise("chatgpt", Some("assistant"), None, text), None);
    }

    #[test]
    fn malformed_json_is_left_alone() {
        for text in [
            r#"{"prompt": "a cat""#,
            r#"{"prompt": "a cat",}"#,
            "{prompt: 'a cat'}",
        ] {
            for recipient in [None, Some("t2uay3k.sj1i4kz")] {
                assert_eq!(
                    recognise("chatgpt", Some("assistant"), recipient, text),
                    None,
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn the_line_escapes_the_prompt_like_typed_text() {
        let call = ImagePrompt {
            prompt: "# A *bold* <b>cat</b>\n- on a mat".into(),
            size: Some("1024x1024".into()),
        };
        assert_eq!(
            call.markdown(),
            "*Image prompt (1024x1024):* \\# A *bold* \\<b>cat\\</b>  \n\\- on a mat"
        );
        let plain = ImagePrompt {
            prompt: "a cat".into(),
            size: None,
        };
        assert_eq!(plain.markdown(), "*Image prompt:* a cat");
    }

    /// The line read by a CommonMark parser, with hostile text in the prompt and the size: it
    /// stays one paragraph of text, no heading, block, HTML or link comes out of it.
    #[test]
    fn a_hostile_prompt_stays_text_through_a_commonmark_parser() {
        use pulldown_cmark::{Event, Parser, Tag};
        let call = ImagePrompt {
            prompt: "# Owned\n<img src=x onerror=alert(1)>\n```\n> quote\n1. list\n[x](javascript:alert(1))"
                .into(),
            size: Some("<script>alert(1)</script>".into()),
        };
        let md = call.markdown();
        let mut text = String::new();
        for event in Parser::new(&md) {
            match event {
                Event::Start(Tag::Paragraph | Tag::Emphasis) | Event::End(_) => {}
                Event::Text(t) => text.push_str(&t),
                Event::SoftBreak | Event::HardBreak => text.push('\n'),
                Event::Start(Tag::Link { dest_url, .. }) => {
                    assert!(!dest_url.starts_with("javascript"), "{md}")
                }
                other => panic!("{other:?} in {md}"),
            }
        }
        assert!(text.contains("<img src=x onerror=alert(1)>"), "{text}");
        assert!(text.contains("<script>alert(1)</script>"), "{text}");
        assert!(text.contains("# Owned"), "{text}");
    }
}
