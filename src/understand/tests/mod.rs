//! Table-driven tests of understanding, one file per concept, all through the public API.

mod acts;
mod gaps;
mod interests;
mod money;
mod not_money;
mod occasions;
mod people;
mod realistic;
mod whole;

use super::*;

/// One understander for all tests: compiling the lexicon is the slow part.
pub(super) fn understander() -> &'static Understander {
    static SHARED: std::sync::OnceLock<Understander> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| Understander::new(Lexicon::builtin()))
}

pub(super) fn understand(text: &str) -> Understanding {
    understander().understand(text)
}
