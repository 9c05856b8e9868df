//! JSON plumbing shared by every reader: streaming the big array, canonical form and hashing,
//! and tolerant decoding of values that strict decoders reject.

pub mod canon;
pub mod members;
pub mod split;

use sha2::{Digest, Sha256};

/// Lower-case hex sha256 of some bytes: the form every `*_sha256` column stores.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Parses JSON into `T`, replacing lone surrogate escapes by U+FFFD when (and only when) a strict
/// parse fails on them. Only derived data goes through here; raw JSON is stored untouched.
pub fn from_slice_lenient<'a, T: serde::Deserialize<'a>>(
    bytes: &'a [u8],
    scratch: &'a mut Vec<u8>,
) -> Result<T, serde_json::Error> {
    match serde_json::from_slice(bytes) {
        Ok(v) => Ok(v),
        Err(e) if has_surrogate_escape(bytes) => {
            let _ = e;
            *scratch = replace_lone_surrogates(bytes);
            serde_json::from_slice(scratch)
        }
        Err(e) => Err(e),
    }
}

/// A raw member as a `Value`, tolerating lone surrogates; `Null` if it cannot be read at all.
pub fn lenient_value(raw: &serde_json::value::RawValue) -> serde_json::Value {
    let mut scratch = Vec::new();
    from_slice_lenient(raw.get().as_bytes(), &mut scratch).unwrap_or(serde_json::Value::Null)
}

fn has_surrogate_escape(bytes: &[u8]) -> bool {
    bytes.windows(4).any(|w| {
        w[0] == b'\\'
            && w[1] == b'u'
            && (w[2] | 0x20) == b'd'
            && matches!(w[3] | 0x20, b'8'..=b'9' | b'a'..=b'f')
    })
}

/// Rewrites `\uD800`..`\uDFFF` escapes that are not part of a valid pair as `\uFFFD`.
pub fn replace_lone_surrogates(bytes: &[u8]) -> Vec<u8> {
    fn unit_at(b: &[u8], i: usize) -> Option<u16> {
        if b.get(i) != Some(&b'\\') || b.get(i + 1) != Some(&b'u') {
            return None;
        }
        let hex = std::str::from_utf8(b.get(i + 2..i + 6)?).ok()?;
        u16::from_str_radix(hex, 16).ok()
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if let Some(unit) = unit_at(bytes, i) {
                match unit {
                    0xD800..=0xDBFF if matches!(unit_at(bytes, i + 6), Some(0xDC00..=0xDFFF)) => {
                        out.extend_from_slice(&bytes[i..i + 12]);
                        i += 12;
                    }
                    0xD800..=0xDFFF => {
                        out.extend_from_slice(b"\\ufffd");
                        i += 6;
                    }
                    _ => {
                        out.extend_from_slice(&bytes[i..i + 6]);
                        i += 6;
                    }
                }
                continue;
            }
            // Any other escape: copy it whole so an escaped backslash is not read as a new escape.
            out.extend_from_slice(&bytes[i..(i + 2).min(bytes.len())]);
            i += 2;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_parse_replaces_only_lone_surrogates() {
        let mut scratch = Vec::new();
        let v: String =
            from_slice_lenient(br#""a\ud83db\ud83d\ude80\\ud83d""#, &mut scratch).unwrap();
        assert_eq!(v, "a\u{fffd}b🚀\\ud83d");
    }

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(sha256_hex(b"").len(), 64);
        assert_eq!(hex(&[0xab, 0x01]), "ab01");
    }
}
