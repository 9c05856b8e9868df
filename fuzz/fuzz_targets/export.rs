//! The export reader end to end on arbitrary bytes taken as a ZIP (or a bare file): open it, find
//! its layout, stream every conversation. Errors are fine; panics and hangs are not.
#![no_main]

use chatarchive::source::{detect, stream, Export, ReadContext};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let name = if data.starts_with(b"PK") { "export.zip" } else { "conversations.json" };
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
});
