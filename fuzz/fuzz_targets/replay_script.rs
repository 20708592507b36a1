//! Parsing any replay script never panics: it is a script or a list of `file:line` problems.
#![no_main]

use concierge::replay::Script;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = Script::parse(text, std::path::Path::new("fuzz.yaml"));
});
