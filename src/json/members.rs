//! An object's members as borrowed raw slices, in document order, and the canonical assembly of
//! an object from separately canonicalized members (so a conversation's hash is built from its
//! nodes' canonical forms without canonicalizing anything twice).

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::canon;

/// Members of a JSON object in document order (duplicates kept), values borrowed raw.
pub struct Members<'a>(pub Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some((k, v)) = map.next_entry::<Cow<'de, str>, &'de RawValue>()? {
                    out.push((k, v));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

impl<'a> Members<'a> {
    pub fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

/// Builds a canonical object from (key, canonical value) pairs. Strings throughout: the
/// canonical form is hashed, so it is UTF-8 by type rather than checked (and defaulted) later.
#[derive(Default)]
pub struct CanonicalObject {
    members: Vec<(String, String)>,
}

impl CanonicalObject {
    pub fn with_capacity(n: usize) -> Self {
        CanonicalObject {
            members: Vec::with_capacity(n),
        }
    }

    pub fn push(&mut self, key: &str, canonical_value: String) {
        self.members
            .push((canon::str_literal(key), canonical_value));
    }

    /// Writes `{...}` with members sorted by key, leaving out `skip` (the envelope is the
    /// conversation without its tree).
    pub fn write(&mut self, out: &mut String, skip: Option<&str>) {
        // Byte order of the literals, as `canon` sorts keys.
        self.members
            .sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let skip_literal = skip.map(canon::str_literal);
        out.push('{');
        let mut first = true;
        for (k, v) in &self.members {
            if Some(k) == skip_literal.as_ref() {
                continue;
            }
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(k);
            out.push(':');
            out.push_str(v);
        }
        out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assembled_object_equals_direct_canonical_form() {
        let src = r#"{"z": [1, 2.0], "a\u00e9": {"y": 1, "x": "\/"}, "m": null}"#;
        let members: Members = serde_json::from_str(src).unwrap();
        let mut obj = CanonicalObject::default();
        for (k, v) in &members.0 {
            obj.push(k, canon::canonical_string(v.get().as_bytes()).unwrap());
        }
        let mut out = String::new();
        obj.write(&mut out, None);
        assert_eq!(out, canon::canonical_string(src.as_bytes()).unwrap());
        let mut env = String::new();
        obj.write(&mut env, Some("m"));
        assert_eq!(env, r#"{"aé":{"x":"/","y":1},"z":[1,2]}"#);
        assert_eq!(members.0[0].0, "z");
    }
}

/// Inserts `"key": value` (both canonical) into a canonical object, keeping it canonical.
pub fn insert_member(object: &str, key: &str, value: &str) -> Result<String, serde_json::Error> {
    let members: Members = serde_json::from_str(object)?;
    let mut obj = CanonicalObject::with_capacity(members.0.len() + 1);
    for (k, v) in &members.0 {
        obj.push(k, v.get().to_string());
    }
    obj.push(key, value.to_string());
    let mut out = String::with_capacity(object.len() + value.len() + key.len() + 4);
    obj.write(&mut out, None);
    Ok(out)
}

#[cfg(test)]
mod insert_tests {
    #[test]
    fn inserted_member_lands_in_key_order() {
        let got = super::insert_member(
            r#"{"children":[],"id":"a","parent":null}"#,
            "message",
            r#"{"x":"\ud83d"}"#,
        )
        .unwrap();
        assert_eq!(
            got,
            r#"{"children":[],"id":"a","message":{"x":"\ud83d"},"parent":null}"#
        );
    }
}
