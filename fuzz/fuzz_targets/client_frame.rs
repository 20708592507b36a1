//! Decoding any chat frame never panics: it is a frame or an error with a protocol code.
#![no_main]

use concierge::chat::protocol::ClientFrame;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(error) = ClientFrame::parse(text) {
        assert!(["bad_message", "unknown_type"].contains(&error.code), "{}", error.code);
    }
});
