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

/// Builds a canonical object from (key, canonical value) pairs.
#[derive(Default)]
pub struct CanonicalObject {
    members: Vec<(Vec<u8>, Vec<u8>)>,
}

impl CanonicalObject {
    pub fn with_capacity(n: usize) -> Self {
        CanonicalObject {
            members: Vec::with_capacity(n),
        }
    }

    pub fn push(&mut self, key: &str, canonical_value: Vec<u8>) {
        let mut k = Vec::with_capacity(key.len() + 2);
        canon::write_str(key, &mut k);
        self.members.push((k, canonical_value));
    }

    /// Writes `{...}` with members sorted by key, leaving out `skip` (the envelope is the
    /// conversation without its tree).
    pub fn write(&mut self, out: &mut Vec<u8>, skip: Option<&str>) {
        self.members.sort_by(|a, b| a.0.cmp(&b.0));
        let skip_literal = skip.map(|s| {
            let mut k = Vec::new();
            canon::write_str(s, &mut k);
            k
        });
        out.push(b'{');
        let mut first = true;
        for (k, v) in &self.members {
            if Some(k) == skip_literal.as_ref() {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(k);
            out.push(b':');
            out.extend_from_slice(v);
        }
        out.push(b'}');
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
            let mut c = Vec::new();
            canon::canonicalize(v.get().as_bytes(), &mut c).unwrap();
            obj.push(k, c);
        }
        let mut out = Vec::new();
        obj.write(&mut out, None);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            canon::canonical_string(src.as_bytes()).unwrap()
        );
        let mut env = Vec::new();
        obj.write(&mut env, Some("m"));
        assert_eq!(
            String::from_utf8(env).unwrap(),
            r#"{"aé":{"x":"/","y":1},"z":[1,2]}"#
        );
        assert_eq!(members.0[0].0, "z");
    }
}

/// Inserts `"key": value` (both canonical) into a canonical object, keeping it canonical.
pub fn insert_member(object: &str, key: &str, value: &str) -> Result<String, serde_json::Error> {
    let members: Members = serde_json::from_str(object)?;
    let mut obj = CanonicalObject::with_capacity(members.0.len() + 1);
    for (k, v) in &members.0 {
        obj.push(k, v.get().as_bytes().to_vec());
    }
    obj.push(key, value.as_bytes().to_vec());
    let mut out = Vec::with_capacity(object.len() + value.len() + key.len() + 4);
    obj.write(&mut out, None);
    Ok(String::from_utf8(out).unwrap_or_default())
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
