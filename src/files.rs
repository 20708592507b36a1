//! Files the server keeps private: directories only its own user can enter (0700), files only it
//! can read (0600), and whole-file writes that land atomically (a crash leaves the old file or
//! the new one, never a torn or empty one).
//!
//! On other platforms than Unix the modes are left to the system.

use std::io::Write;
use std::path::Path;

/// Creates `dir` (and its parents) if needed and makes it private (0700).
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    set_mode(dir, 0o700)
}

/// Makes every file under `dir` private (0600) and every directory 0700, recursively. For
/// stores (sled) that create their files with the process's default mode.
pub fn make_private(dir: &Path) -> std::io::Result<()> {
    set_mode(dir, 0o700)?;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            make_private(&entry.path())?;
        } else if kind.is_file() {
            set_mode(&entry.path(), 0o600)?;
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically and privately (0600): into a temporary file in the same
/// directory, synced, then renamed over `path`, and the directory synced so the rename lasts.
pub fn write_private_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    set_mode(temp.path(), 0o600)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn an_atomic_write_replaces_the_file_whole_and_keeps_it_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        write_private_atomically(&path, b"first").unwrap();
        write_private_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert_eq!(mode(&path), 0o600);
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[test]
    fn a_store_directory_is_made_private_all_the_way_down() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("db/blobs");
        std::fs::create_dir_all(&inner).unwrap();
        std::fs::write(inner.join("1"), b"x").unwrap();
        std::fs::set_permissions(inner.join("1"), std::fs::Permissions::from_mode(0o644)).unwrap();
        make_private(&dir.path().join("db")).unwrap();
        assert_eq!(mode(&dir.path().join("db")), 0o700);
        assert_eq!(mode(&inner), 0o700);
        assert_eq!(mode(&inner.join("1")), 0o600);
    }
}
