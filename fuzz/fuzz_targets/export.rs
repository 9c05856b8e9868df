//! The export reader end to end on arbitrary bytes taken as a ZIP (or a bare file): open it, find
//! its layout, stream every conversation. Errors are fine; panics and hangs are not.
#![no_main]

use std::sync::atomic::{AtomicBool, AtomicU64};

use chatarchive::source::{stream, Export};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let name = if data.starts_with(b"PK") { "export.zip" } else { "conversations.json" };
    let path = dir.path().join(name);
    std::fs::write(&path, data).unwrap();
    let Ok(mut export) = Export::open(&path) else {
        return;
    };
    let Ok(layout) = stream::detect(&mut export, None) else {
        return;
    };
    let (read, cancel) = (AtomicU64::new(0), AtomicBool::new(false));
    let known = chatarchive::source::KnownVersions::new();
    let _ = stream::for_each_conversation(&mut export, &layout, &known, &read, &cancel, |_| true);
});
