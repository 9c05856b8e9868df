//! Regression inputs for the fuzz targets in `fuzz/`: every file under
//! `tests/fuzz_regressions/<target>/` goes through the same code and checks as that target (kept in
//! step by hand; the targets are ten lines each). A crash the fuzzer finds is copied here with a
//! name saying what it was, so it is checked on every `cargo test`, without a fuzzing toolchain.

use chatarchive::json::canon::canonical_string;
use chatarchive::json::sha256_hex;
use chatarchive::json::split::ArraySplitter;
use chatarchive::source::{chatgpt, detect, stream, Export, ReadContext};
use std::io::BufReader;
use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

/// fuzz/fuzz_targets/read_conversation.rs
fn read_conversation(data: &[u8]) {
    let Ok(c) = chatgpt::read_conversation(data, 0) else {
        return;
    };
    assert_eq!(
        canonical_string(c.envelope.as_bytes()).as_deref(),
        Ok(c.envelope.as_str())
    );
    for node in &c.nodes {
        assert_eq!(sha256_hex(node.json.as_bytes()), node.sha256);
        assert_eq!(
            canonical_string(node.json.as_bytes()).as_deref(),
            Ok(node.json.as_str())
        );
    }
    assert!(c.thread.iter().all(|&i| i < c.nodes.len()));
}

/// fuzz/fuzz_targets/split_and_canonicalize.rs
fn split_and_canonicalize(data: &[u8]) {
    let capacity = 1 + data.first().copied().unwrap_or(0) as usize % 64;
    let mut splitter = ArraySplitter::new(BufReader::with_capacity(capacity, data), 1 << 20);
    let mut total = 0;
    while let Ok(Some(element)) = splitter.next_element() {
        total += element.bytes.len();
        assert!(total <= data.len());
        if let Ok(canonical) = canonical_string(&element.bytes) {
            assert_eq!(
                canonical_string(canonical.as_bytes()).as_deref(),
                Ok(canonical.as_str())
            );
        }
        let _ = chatgpt::read_conversation(&element.bytes, element.index);
    }
}

/// fuzz/fuzz_targets/export.rs
fn export(data: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let name = if data.starts_with(b"PK") {
        "export.zip"
    } else {
        "conversations.json"
    };
    let path = dir.path().join(name);
    std::fs::write(&path, data).unwrap();
    let Ok(mut export) = Export::open(&path) else {
        return;
    };
    let Ok(layout) = detect(&mut export, None) else {
        return;
    };
    let ctx = ReadContext::default();
    let _ = stream::for_each_conversation(&mut export, &layout, &ctx, |_| true);
}

#[test]
fn read_conversation_regressions() {
    for (path, bytes) in inputs("read_conversation") {
        println!("{}", path.display());
        read_conversation(&bytes);
    }
}

#[test]
fn split_and_canonicalize_regressions() {
    for (path, bytes) in inputs("split_and_canonicalize") {
        println!("{}", path.display());
        split_and_canonicalize(&bytes);
    }
}

#[test]
fn export_regressions() {
    for (path, bytes) in inputs("export") {
        println!("{}", path.display());
        export(&bytes);
    }
}
