//! How a profile is written to disk: a one-byte format version, then the body.
//!
//! Version 2 (written since issue 22) is binary (`binary`): a profile is read and written on
//! every turn, and its JSON cost a turn about a tenth of its instructions. Version 1 is the
//! profile's JSON (the same shape as the export); it is still read, so data written by any
//! earlier release loads (and is rewritten as version 2 at its next change). A release that
//! changes the encoding adds a version and keeps decoding the older ones. A value from a newer
//! release, or one that does not decode, is reported, never guessed at; decoding never reads
//! past the value or reserves more than it could hold.

use super::record::Profile;

mod binary;
mod wire;

#[cfg(test)]
mod tests;

/// The version this release writes.
pub(crate) const CURRENT: u8 = 2;

/// The stored bytes for a profile.
pub(crate) fn encode(profile: &Profile) -> Result<Vec<u8>, String> {
    let mut w = wire::Writer { bytes: Vec::with_capacity(256) };
    w.u8(CURRENT);
    binary::write(&mut w, profile);
    Ok(w.bytes)
}

/// The profile in stored bytes, or why they cannot be read.
pub(crate) fn decode(bytes: &[u8]) -> Result<Profile, String> {
    match bytes.split_first() {
        None => Err("empty value".into()),
        Some((1, body)) => serde_json::from_slice(body).map_err(|e| format!("format 1: {e}")),
        Some((2, body)) => binary::read(&mut wire::Reader::new(body)).map_err(|e| format!("format 2: {e}")),
        Some((version, _)) => Err(format!("unknown format {version} (written by a newer release?)")),
    }
}
