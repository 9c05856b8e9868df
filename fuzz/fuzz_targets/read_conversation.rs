//! One conversation object, as the splitter hands it over: never a panic, and whatever is read
//! is stored canonically (each node's JSON canonical and hashed as stored).
#![no_main]

use chatarchive::json::canon::canonical_string;
use chatarchive::json::sha256_hex;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(c) = chatarchive::source::chatgpt::read_conversation(data, 0) else {
        return;
    };
    assert_eq!(canonical_string(c.envelope.as_bytes()).as_deref(), Ok(c.envelope.as_str()));
    for node in &c.nodes {
        assert_eq!(sha256_hex(node.json.as_bytes()), node.sha256);
        assert_eq!(canonical_string(node.json.as_bytes()).as_deref(), Ok(node.json.as_str()));
    }
    assert!(c.thread.iter().all(|&i| i < c.nodes.len()));
});
