//! Understanding any shopper message never panics, with or without a pending question.
#![no_main]

use std::sync::OnceLock;

use concierge::slots::SlotName;
use concierge::understand::{Lexicon, Understander};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static UNDERSTANDER: OnceLock<Understander> = OnceLock::new();
    let understander = UNDERSTANDER.get_or_init(|| Understander::new(Lexicon::builtin()));
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = understander.understand(text);
    let _ = understander.understand_with(text, Some(SlotName::Budget));
});
