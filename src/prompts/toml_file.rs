//! Reading a prompt file's TOML into typed settings, with every error placed at its line.

use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// The 1-based line of a byte offset in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parses `text` as `T`; a syntax error, an unknown key or a missing key becomes a problem
/// at the line toml points to (the whole file when it points nowhere).
pub(crate) fn parse<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, Problem> {
    toml::from_str(text).map_err(|e| Problem {
        file: file.to_string(),
        line: e.span().map_or(0, |s| line_of(text, s.start)),
        message: e.message().trim().to_string(),
    })
}
