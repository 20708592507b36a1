//! How a profile is written to disk: a one-byte format version, then the body.
//!
//! Version 1 is the profile's JSON (the same shape as the export). A later release that
//! changes the encoding adds version 2 and keeps decoding version 1, so data written by any
//! earlier release still reads; within version 1, fields added later carry serde defaults.
//! A value from a newer release, or one that does not decode, is reported, never guessed at.

use super::record::Profile;

/// The version this release writes.
pub(crate) const CURRENT: u8 = 1;

/// The stored bytes for a profile.
pub(crate) fn encode(profile: &Profile) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::with_capacity(1024);
    bytes.push(CURRENT);
    serde_json::to_writer(&mut bytes, profile).map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// The profile in stored bytes, or why they cannot be read.
pub(crate) fn decode(bytes: &[u8]) -> Result<Profile, String> {
    match bytes.split_first() {
        None => Err("empty value".into()),
        Some((1, body)) => serde_json::from_slice(body).map_err(|e| format!("format 1: {e}")),
        Some((version, _)) => Err(format!("unknown format {version} (written by a newer release?)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::ShopperId;
    use time::macros::datetime;

    #[test]
    fn a_profile_survives_encoding() {
        let profile = Profile::new(ShopperId::from_bytes([7; 16]), datetime!(2025-03-01 10:00 UTC));
        let bytes = encode(&profile).unwrap();
        assert_eq!(bytes[0], CURRENT);
        assert_eq!(decode(&bytes).unwrap(), profile);
    }

    #[test]
    fn unknown_versions_and_garbage_are_reported() {
        assert!(decode(&[9, b'{', b'}']).unwrap_err().contains("unknown format 9"));
        assert!(decode(&[1, b'{']).unwrap_err().starts_with("format 1"));
        assert!(decode(&[]).is_err());
    }
}
