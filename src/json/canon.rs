//! Canonical JSON, in the spirit of RFC 8785: sorted keys, no whitespace, one spelling for every
//! string and number. Two exports that differ only in key order, indentation or escaping give the
//! same bytes, hence the same content hash. Works on raw bytes so lone surrogate escapes (which
//! Python writes and strict decoders reject) survive: they are kept as `\udXXX` escapes.

use std::fmt;

/// Deeper nesting than this is refused: real exports stay far below it, and a bound keeps a
/// hostile file from overflowing the stack.
pub const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonError {
    pub offset: usize,
    pub reason: &'static str,
}

impl fmt::Display for CanonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.reason, self.offset)
    }
}

impl std::error::Error for CanonError {}

/// Appends the canonical form of the JSON value in `input` to `out`.
///
/// ```
/// let mut out = Vec::new();
/// chatarchive::json::canon::canonicalize(br#"{ "b": 1.0, "a": "\u00e9" }"#, &mut out).unwrap();
/// assert_eq!(out, "{\"a\":\"é\",\"b\":1}".as_bytes());
/// ```
pub fn canonicalize(input: &[u8], out: &mut Vec<u8>) -> Result<(), CanonError> {
    let mut p = Parser {
        s: input,
        i: 0,
        top: None,
        utf8: std::str::from_utf8(input).is_ok(),
        scratch: Vec::new(),
    };
    p.skip_ws();
    p.value(out, 0)?;
    p.skip_ws();
    if p.i != p.s.len() {
        return Err(p.err("trailing characters after the JSON value"));
    }
    Ok(())
}

/// Where one member of the top-level object sits in the canonical output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The key as a canonical string literal, quotes included.
    pub key: std::ops::Range<usize>,
    pub value: std::ops::Range<usize>,
}

/// Like `canonicalize`, for a JSON object, also telling where each top-level member landed in
/// `out` (in canonical order), so a few fields can be read back without parsing again.
pub fn canonicalize_object(input: &[u8], out: &mut Vec<u8>) -> Result<Vec<Member>, CanonError> {
    let mut p = Parser {
        s: input,
        i: 0,
        top: Some(Vec::new()),
        utf8: std::str::from_utf8(input).is_ok(),
        scratch: Vec::new(),
    };
    p.skip_ws();
    if p.s.get(p.i) != Some(&b'{') {
        return Err(p.err("expected a JSON object"));
    }
    p.value(out, 0)?;
    p.skip_ws();
    if p.i != p.s.len() {
        return Err(p.err("trailing characters after the JSON value"));
    }
    Ok(p.top.unwrap_or_default())
}

/// The canonical form as a `String` (always valid UTF-8: lone surrogates stay escaped).
pub fn canonical_string(input: &[u8]) -> Result<String, CanonError> {
    let mut out = Vec::with_capacity(input.len());
    canonicalize(input, &mut out)?;
    // Safe by construction: input strings are copied as validated UTF-8, everything else is ASCII.
    String::from_utf8(out).map_err(|_| CanonError {
        offset: 0,
        reason: "invalid UTF-8 in string",
    })
}

/// Writes `s` as a canonical JSON string literal (quotes included).
pub fn write_str(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'"' || b == b'\\' || b < 0x20 {
            out.extend_from_slice(&bytes[start..i]);
            escape_ascii(b, out);
            start = i + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// `write_str` as a `String`: the literal of a `&str` is UTF-8 by type, no check needed.
pub fn str_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == b'"' || b == b'\\' || b < 0x20 {
            // `b` is ASCII, so `i` is a char boundary.
            out.push_str(&s[start..i]);
            let mut escaped = Vec::with_capacity(6);
            escape_ascii(b, &mut escaped);
            out.extend(escaped.iter().map(|&c| char::from(c)));
            start = i + 1;
        }
    }
    out.push_str(&s[start..]);
    out.push('"');
    out
}

fn escape_ascii(b: u8, out: &mut Vec<u8>) {
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(b >> 4) as usize]);
            out.push(HEX[(b & 15) as usize]);
        }
    }
}

/// Canonical spelling of a JSON number token: integer literals are kept digit for digit (so ids
/// beyond 2^53 stay exact); anything with a fraction or exponent goes through f64 and is written
/// as an integer when whole (`1725309124.0` → `1725309124`), else in shortest round-trip form.
pub fn write_number(token: &[u8], out: &mut Vec<u8>) -> Result<(), &'static str> {
    let is_integer = !token.iter().any(|b| matches!(b, b'.' | b'e' | b'E'));
    if is_integer {
        if token == b"-0" {
            out.push(b'0');
        } else {
            out.extend_from_slice(token);
        }
        return Ok(());
    }
    let text = std::str::from_utf8(token).map_err(|_| "invalid number")?;
    let value: f64 = text.parse().map_err(|_| "invalid number")?;
    if !value.is_finite() {
        return Err("number out of range");
    }
    use std::io::Write;
    // Writing to a Vec cannot fail.
    if value == value.trunc() && value.abs() < 9_007_199_254_740_992.0 {
        // Whole and exactly representable: print as an integer (also folds -0.0 into 0).
        let _ = write!(out, "{}", value as i64);
    } else {
        let _ = write!(out, "{value}");
    }
    Ok(())
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    /// Positions of the top-level object's members in the output, when asked for.
    top: Option<Vec<Member>>,
    /// The whole input is valid UTF-8 (checked at once, faster than string by string; when it
    /// is not, strings are checked one by one to say which is broken).
    utf8: bool,
    /// One reusable scratch buffer per nesting depth (allocating one per object was a tenth of
    /// the canonicalization time).
    scratch: Vec<Scratch>,
}

/// An object's members rendered in document order, and where each is: (key start, value
/// start, end).
#[derive(Default)]
struct Scratch {
    bytes: Vec<u8>,
    members: Vec<(usize, usize, usize)>,
}

impl Parser<'_> {
    fn err(&self, reason: &'static str) -> CanonError {
        CanonError {
            offset: self.i,
            reason,
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn value(&mut self, out: &mut Vec<u8>, depth: usize) -> Result<(), CanonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("JSON nested too deeply"));
        }
        match self.s.get(self.i) {
            Some(b'{') => self.object(out, depth),
            Some(b'[') => self.array(out, depth),
            Some(b'"') => self.string(out),
            Some(b't') => self.literal(b"true", out),
            Some(b'f') => self.literal(b"false", out),
            Some(b'n') => self.literal(b"null", out),
            Some(b'-' | b'0'..=b'9') => self.number(out),
            Some(_) => Err(self.err("unexpected character")),
            None => Err(self.err("unexpected end of JSON")),
        }
    }

    fn literal(&mut self, word: &[u8], out: &mut Vec<u8>) -> Result<(), CanonError> {
        if self.s[self.i..].starts_with(word) {
            self.i += word.len();
            out.extend_from_slice(word);
            Ok(())
        } else {
            Err(self.err("invalid literal"))
        }
    }

    fn number(&mut self, out: &mut Vec<u8>) -> Result<(), CanonError> {
        let start = self.i;
        while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.s.get(self.i) {
            self.i += 1;
        }
        write_number(&self.s[start..self.i], out).map_err(|reason| CanonError {
            offset: start,
            reason,
        })
    }

    fn array(&mut self, out: &mut Vec<u8>, depth: usize) -> Result<(), CanonError> {
        self.i += 1;
        out.push(b'[');
        self.skip_ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            out.push(b']');
            return Ok(());
        }
        loop {
            self.skip_ws();
            self.value(out, depth + 1)?;
            self.skip_ws();
            match self.s.get(self.i) {
                Some(b',') => {
                    self.i += 1;
                    out.push(b',');
                }
                Some(b']') => {
                    self.i += 1;
                    out.push(b']');
                    return Ok(());
                }
                _ => return Err(self.err("expected ',' or ']' in array")),
            }
        }
    }

    fn object(&mut self, out: &mut Vec<u8>, depth: usize) -> Result<(), CanonError> {
        self.i += 1;
        self.skip_ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            out.extend_from_slice(b"{}");
            return Ok(());
        }
        // Members are rendered into one scratch buffer, then emitted in key order.
        if self.scratch.len() <= depth {
            self.scratch.resize_with(depth + 1, Scratch::default);
        }
        let Scratch {
            bytes: mut scratch,
            mut members,
        } = std::mem::take(&mut self.scratch[depth]);
        scratch.clear();
        members.clear();
        let result = self.members(&mut scratch, &mut members, depth);
        if result.is_ok() {
            self.emit(out, &scratch, &mut members, depth);
        }
        self.scratch[depth] = Scratch {
            bytes: scratch,
            members,
        };
        result
    }

    fn members(
        &mut self,
        scratch: &mut Vec<u8>,
        members: &mut Vec<(usize, usize, usize)>,
        depth: usize,
    ) -> Result<(), CanonError> {
        loop {
            self.skip_ws();
            if self.s.get(self.i) != Some(&b'"') {
                return Err(self.err("expected a string key in object"));
            }
            let key_start = scratch.len();
            self.string(scratch)?;
            self.skip_ws();
            if self.s.get(self.i) != Some(&b':') {
                return Err(self.err("expected ':' after object key"));
            }
            self.i += 1;
            self.skip_ws();
            let value_start = scratch.len();
            self.value(scratch, depth + 1)?;
            members.push((key_start, value_start, scratch.len()));
            self.skip_ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(self.err("expected ',' or '}' in object")),
            }
        }
    }

    fn emit(
        &mut self,
        out: &mut Vec<u8>,
        scratch: &[u8],
        members: &mut [(usize, usize, usize)],
        depth: usize,
    ) {
        // Canonical keys are compared as their canonical literal bytes; for keys without escapes
        // that is UTF-8 byte order (RFC 8785 uses UTF-16 order: they differ only for astral
        // characters against U+E000..U+FFFF, which does not matter for a content hash).
        members.sort_by(|a, b| scratch[a.0..a.1].cmp(&scratch[b.0..b.1]));
        out.push(b'{');
        let mut top = if depth == 0 { self.top.take() } else { None };
        for (n, &(k, v, e)) in members.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            let key_at = out.len();
            out.extend_from_slice(&scratch[k..v]);
            out.push(b':');
            let value_at = out.len();
            out.extend_from_slice(&scratch[v..e]);
            if let Some(top) = top.as_mut() {
                top.push(Member {
                    key: key_at..value_at - 1,
                    value: value_at..out.len(),
                });
            }
        }
        out.push(b'}');
        if depth == 0 {
            self.top = top;
        }
    }

    fn hex4(&mut self) -> Result<u16, CanonError> {
        let digits = self
            .s
            .get(self.i..self.i + 4)
            .ok_or_else(|| self.err("truncated \\u escape"))?;
        let text = std::str::from_utf8(digits).map_err(|_| self.err("invalid \\u escape"))?;
        let v = u16::from_str_radix(text, 16).map_err(|_| self.err("invalid \\u escape"))?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self, out: &mut Vec<u8>) -> Result<(), CanonError> {
        self.i += 1;
        out.push(b'"');
        loop {
            let start = self.i;
            // Strings are most of an export: find the next quote or backslash with memchr, then
            // make sure no control character came before it.
            while let Some(&b) = self.s.get(self.i) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            let run = &self.s[start..self.i];
            if !self.utf8 && std::str::from_utf8(run).is_err() {
                return Err(CanonError {
                    offset: start,
                    reason: "invalid UTF-8 in string",
                });
            }
            out.extend_from_slice(run);
            match self.s.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    out.push(b'"');
                    return Ok(());
                }
                Some(b'\\') => {
                    self.i += 1;
                    self.escape(out)?;
                }
                Some(_) => return Err(self.err("control character in string")),
                None => return Err(self.err("unterminated string")),
            }
        }
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), CanonError> {
        let c = *self
            .s
            .get(self.i)
            .ok_or_else(|| self.err("unterminated string"))?;
        self.i += 1;
        let simple = match c {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'u' => None,
            _ => return Err(self.err("invalid escape")),
        };
        if let Some(b) = simple {
            if b == b'/' {
                out.push(b'/');
            } else {
                escape_ascii(b, out);
            }
            return Ok(());
        }
        let unit = self.hex4()?;
        let ch = match unit {
            0xD800..=0xDBFF => {
                // A high surrogate: combine with a following low one, or keep it as a lone escape.
                let low = if self.s[self.i..].starts_with(b"\\u") {
                    let save = self.i;
                    self.i += 2;
                    match self.hex4() {
                        Ok(l @ 0xDC00..=0xDFFF) => Some(l),
                        _ => {
                            self.i = save;
                            None
                        }
                    }
                } else {
                    None
                };
                match low {
                    Some(l) => char::from_u32(
                        0x10000 + (((unit as u32) - 0xD800) << 10) + ((l as u32) - 0xDC00),
                    ),
                    None => None,
                }
            }
            0xDC00..=0xDFFF => None,
            _ => char::from_u32(unit as u32),
        };
        match ch {
            Some(ch) if (ch as u32) < 0x20 || ch == '"' || ch == '\\' => {
                escape_ascii(ch as u8, out)
            }
            Some(ch) => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
            None => out.extend_from_slice(format!("\\u{unit:04x}").as_bytes()),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literals_are_written_one_way() {
        for s in [
            "",
            "plain",
            "quote \" back \\ slash",
            "\u{0}\u{1f}\n\t\r\u{8}\u{c}",
            "é 里 🚀 \u{7f}",
        ] {
            let mut bytes = Vec::new();
            write_str(s, &mut bytes);
            assert_eq!(str_literal(s).as_bytes(), &bytes[..], "{s:?}");
            // The same spelling serde_json gives a string (rebuilt trees used it before).
            assert_eq!(str_literal(s), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    fn canon(s: &str) -> String {
        canonical_string(s.as_bytes()).unwrap()
    }

    #[test]
    fn sorts_keys_and_drops_whitespace() {
        assert_eq!(
            canon(r#" { "b" : [1, 2], "a": {"d": null, "c": true} } "#),
            r#"{"a":{"c":true,"d":null},"b":[1,2]}"#
        );
    }

    #[test]
    fn one_spelling_per_string() {
        assert_eq!(canon(r#""\u00e9\/x""#), canon(r#""é/x""#));
        assert_eq!(canon(r#""\ud83d\ude80""#), "\"🚀\"");
        assert_eq!(canon(r#""a\u0001\n\"""#), r#""a\u0001\n\"""#);
        assert_eq!(canon(r#""\u0041""#), r#""A""#);
    }

    #[test]
    fn lone_surrogates_are_kept_escaped() {
        assert_eq!(canon(r#""x\uD83Dy""#), r#""x\ud83dy""#);
        assert_eq!(canon(r#""\ude80\ud83d""#), r#""\ude80\ud83d""#);
        assert_eq!(canon(r#""\ud83d\u0041""#), r#""\ud83dA""#);
    }

    #[test]
    fn one_spelling_per_number() {
        assert_eq!(canon("1725309124.0"), "1725309124");
        assert_eq!(canon("1725309124"), "1725309124");
        assert_eq!(canon("1.725309124544e9"), "1725309124.544");
        assert_eq!(canon("1725309124.5440"), "1725309124.544");
        assert_eq!(canon("-0.0"), "0");
        assert_eq!(
            canon("123456789012345678901234567890"),
            "123456789012345678901234567890"
        );
        assert_eq!(canon("1e2"), "100");
        assert_eq!(canon("0.1"), "0.1");
    }

    #[test]
    fn top_level_members_are_located_in_the_output() {
        let mut out = Vec::new();
        let members = canonicalize_object(
            br#" {"b": [1, {"z": 2, "y": 1}], "a": "x", "a": 2.0} "#,
            &mut out,
        )
        .unwrap();
        assert_eq!(out, br#"{"a":"x","a":2,"b":[1,{"y":1,"z":2}]}"#);
        let parts: Vec<(&[u8], &[u8])> = members
            .iter()
            .map(|m| (&out[m.key.clone()], &out[m.value.clone()]))
            .collect();
        assert_eq!(
            parts,
            vec![
                (&b"\"a\""[..], &b"\"x\""[..]),
                (&b"\"a\""[..], &b"2"[..]),
                (&b"\"b\""[..], &br#"[1,{"y":1,"z":2}]"#[..]),
            ]
        );
        assert!(canonicalize_object(b"[1]", &mut Vec::new()).is_err());
    }

    #[test]
    fn sorted_keys_use_decoded_form() {
        assert_eq!(canon(r#"{"\u0062":1,"a":2}"#), r#"{"a":2,"b":1}"#);
    }

    #[test]
    fn rejects_broken_input_with_position() {
        assert_eq!(
            canonical_string(b"[1,").unwrap_err().reason,
            "unexpected end of JSON"
        );
        assert_eq!(canonical_string(b"{\"a\" 1}").unwrap_err().offset, 5);
        let deep = "[".repeat(MAX_DEPTH + 2) + &"]".repeat(MAX_DEPTH + 2);
        assert_eq!(
            canonical_string(deep.as_bytes()).unwrap_err().reason,
            "JSON nested too deeply"
        );
        assert!(canonical_string(b"\"\xff\"").is_err());
    }
}
