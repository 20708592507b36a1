//! Erasure on disk. sled's `remove` is logical: the bytes of an erased profile stay in its log
//! segments until sled happens to reuse them. So every erasure is counted (`k/erasures`, in
//! the erasing transaction), and when the store opens with erasures not yet rewritten, it
//! copies every live key into a fresh database beside it, swaps the two directories and
//! deletes the old one: after a restart, no file of the store holds an erased profile.
//!
//! Crash safety: the copy is made in `profiles.rewrite` and only then renamed into place (the
//! old one becoming `profiles.old` first); an interrupted rewrite is finished or discarded at
//! the next open, so the store is always the old one or the complete new one.

use std::path::{Path, PathBuf};

use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::error::StoreError;

const ERASURES: &[u8] = b"k/erasures";
const REWRITTEN: &[u8] = b"k/rewritten";

/// Counts one erasure, inside the erasing transaction.
pub(crate) fn count(tx: &TransactionalTree) -> Result<(), ConflictableTransactionError<StoreError>> {
    let erasures = tx.get(ERASURES)?.map_or(0, |v| number(&v));
    tx.insert(ERASURES, &(erasures + 1).to_be_bytes()[..])?;
    Ok(())
}

fn number(value: &[u8]) -> u64 {
    <[u8; 8]>::try_from(value).map_or(0, u64::from_be_bytes)
}

fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Finishes or discards a rewrite a crash interrupted.
fn recover(path: &Path) -> std::io::Result<()> {
    let (new, old) = (beside(path, ".rewrite"), beside(path, ".old"));
    if !path.exists() && new.exists() {
        // The crash fell between the two renames: the copy is complete.
        std::fs::rename(&new, path)?;
    }
    if new.exists() {
        std::fs::remove_dir_all(&new)?;
    }
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    Ok(())
}

/// Rewrites the store at `path` without what erasures left behind, if any erasure happened
/// since the last rewrite. `open` opens a database at a path (waiting for a lock to be let go).
pub(crate) fn rewrite_if_erased(
    path: &Path,
    open: impl Fn(&Path) -> sled::Result<sled::Db>,
) -> Result<bool, StoreError> {
    let io = |e: std::io::Error| StoreError::Sled(sled::Error::Io(e));
    recover(path).map_err(io)?;
    if !path.exists() {
        return Ok(false);
    }
    let db = open(path)?;
    let erasures = db.get(ERASURES)?.map_or(0, |v| number(&v));
    if erasures == db.get(REWRITTEN)?.map_or(0, |v| number(&v)) {
        return Ok(false);
    }
    let new_path = beside(path, ".rewrite");
    let copy = open(&new_path)?;
    copy.import(db.export());
    copy.insert(REWRITTEN, &erasures.to_be_bytes()[..])?;
    copy.flush()?;
    drop((db, copy));
    let old = beside(path, ".old");
    std::fs::rename(path, &old).map_err(io)?;
    std::fs::rename(&new_path, path).map_err(io)?;
    if let Some(parent) = path.parent() {
        std::fs::File::open(parent).and_then(|d| d.sync_all()).map_err(io)?;
    }
    std::fs::remove_dir_all(&old).map_err(io)?;
    tracing::info!(path = %path.display(), erasures, "store rewritten without what erasures left behind");
    Ok(true)
}
