//! Exported file names: `2024-09-03-rust-lifetimes-66d78729.md`. Safe on every file system
//! (lower-case ASCII letters, digits and dashes), stable for a conversation as long as its
//! creation date and title stay the same, and unique through the id.

/// Longest slug taken from a title, in characters (names stay well under any path limit).
const SLUG_MAX: usize = 60;

/// The file name stem for a conversation; `long_id` uses the whole id (when two conversations
/// would otherwise share a name).
pub fn stem(created_at: Option<&str>, title: Option<&str>, id: &str, long_id: bool) -> String {
    let date = created_at
        .and_then(|c| c.get(..10))
        .filter(|d| d.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
        .unwrap_or("undated");
    let slug = slug(title.unwrap_or(""));
    let id_part = id_part(id, long_id);
    if slug.is_empty() {
        format!("{date}-{id_part}")
    } else {
        format!("{date}-{slug}-{id_part}")
    }
}

fn id_part(id: &str, long: bool) -> String {
    let clean: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase();
    if long {
        clean
    } else {
        clean.chars().take(8).collect()
    }
}

/// Lower-case ASCII words joined by dashes; accents and other scripts transliterated
/// (`Café à Lisboa` → `cafe-a-lisboa`, `里斯本` → `li-si-ben`).
pub fn slug(title: &str) -> String {
    let ascii = deunicode::deunicode(title).to_ascii_lowercase();
    let mut out = String::new();
    for word in ascii.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let extra = word.len() + usize::from(!out.is_empty());
        if out.len() + extra > SLUG_MAX {
            if out.is_empty() {
                out.push_str(&word[..SLUG_MAX]);
            }
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_and_stable() {
        assert_eq!(
            stem(
                Some("2024-09-03T22:01:13.215Z"),
                Some("Rust lifetimes"),
                "66d78729-7339-8005-92f1-89a15355588d",
                false
            ),
            "2024-09-03-rust-lifetimes-66d78729"
        );
        assert_eq!(
            stem(None, Some("../../etc/passwd"), "AB/..", false),
            "undated-etc-passwd-ab"
        );
        assert_eq!(stem(None, Some("  "), "x1", true), "undated-x1");
        assert_eq!(
            stem(None, Some("🚀 launch"), "x1", true),
            "undated-rocket-launch-x1"
        );
        assert_eq!(slug("里斯本"), "li-si-ben");
        assert_eq!(
            slug("Café à Lisboa — Ferry booking"),
            "cafe-a-lisboa-ferry-booking"
        );
        assert_eq!(slug("C++ / C#: don't"), "c-c-don-t");
        assert!(slug(&"word ".repeat(40)).len() <= SLUG_MAX);
        assert_eq!(slug(&"x".repeat(100)).len(), SLUG_MAX);
    }
}
