//! Table-driven tests of understanding, one file per concept, all through the public API.

use super::*;

pub(super) fn understander() -> Understander {
    Understander::new(Lexicon::builtin())
}

pub(super) fn understand(text: &str) -> Understanding {
    understander().understand(text)
}
