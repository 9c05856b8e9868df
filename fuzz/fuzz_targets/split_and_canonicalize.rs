//! A whole conversations.json: the streaming array splitter, then the canonicalizer on every
//! element (canonical form is a fixed point), then the conversation reader. Tiny read buffers
//! make elements straddle reads.
#![no_main]

use std::io::BufReader;

use chatarchive::json::canon::canonical_string;
use chatarchive::json::split::ArraySplitter;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let capacity = 1 + data.first().copied().unwrap_or(0) as usize % 64;
    let mut splitter = ArraySplitter::new(BufReader::with_capacity(capacity, data), 1 << 20);
    let mut total = 0;
    while let Ok(Some(element)) = splitter.next_element() {
        total += element.bytes.len();
        assert!(total <= data.len());
        if let Ok(canonical) = canonical_string(&element.bytes) {
            assert_eq!(canonical_string(canonical.as_bytes()).as_deref(), Ok(canonical.as_str()));
        }
        let _ = chatarchive::source::chatgpt::read_conversation(&element.bytes, element.index);
    }
});
