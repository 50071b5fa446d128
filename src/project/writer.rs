//! Writing files atomically: a temporary file in the same directory, synced, then renamed
//! into place, so that a reader (or a process killed mid-write) sees the old content or the
//! new, never a part. The one file writer of the crate; callers add the path to the error.

use std::fs::Permissions;
use std::io::{Error, ErrorKind, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;

/// Writes `bytes` to `path` atomically.
///
/// Only a regular file is replaced: a symlink, a device (`/dev/null`), a FIFO, a socket or
/// a directory at `path` is refused, so that writing as root never swaps a system file for
/// a regular one. A new file gets the mode the user's umask gives (`0666 & !umask`), an
/// existing one keeps its own.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let existing = match std::fs::symlink_metadata(path) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    if let Some(meta) = &existing {
        if let Some(kind) = not_regular(meta.file_type()) {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!("it is {kind}, not a regular file, and is left as it is"),
            ));
        }
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // Created with 0666, which the kernel narrows by the umask, as any program's new file.
    let mut tmp = tempfile::Builder::new()
        .prefix(".dbridge-")
        .permissions(Permissions::from_mode(0o666))
        .tempfile_in(dir)?;
    if let Some(meta) = &existing {
        let mode = meta.permissions().mode() & 0o7777;
        tmp.as_file()
            .set_permissions(Permissions::from_mode(mode))?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// What a file that is not a regular one is, in words.
fn not_regular(kind: std::fs::FileType) -> Option<&'static str> {
    if kind.is_file() {
        None
    } else if kind.is_symlink() {
        Some("a symbolic link")
    } else if kind.is_dir() {
        Some("a directory")
    } else if kind.is_block_device() || kind.is_char_device() {
        Some("a device")
    } else if kind.is_fifo() {
        Some("a named pipe")
    } else if kind.is_socket() {
        Some("a socket")
    } else {
        Some("a special file")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn replaces_regular_files_and_refuses_anything_else() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out.sql");
        write_atomic(&file, b"one").unwrap();
        write_atomic(&file, b"two").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"two");
        let link = dir.path().join("link.sql");
        symlink(&file, &link).unwrap();
        let e = write_atomic(&link, b"three").unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read(&file).unwrap(), b"two");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        let e = write_atomic(Path::new("/dev/null"), b"x").unwrap_err();
        assert!(e.to_string().contains("a device"), "{e}");
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
        let e = write_atomic(dir.path(), b"x").unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
    }

    #[test]
    fn new_files_follow_the_umask_and_existing_ones_keep_their_mode() {
        let dir = tempfile::tempdir().unwrap();
        let umask = current_umask();
        let new = dir.path().join("new.sql");
        write_atomic(&new, b"x").unwrap();
        let mode = std::fs::metadata(&new).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666 & !umask);
        std::fs::set_permissions(&new, Permissions::from_mode(0o640)).unwrap();
        write_atomic(&new, b"y").unwrap();
        let mode = std::fs::metadata(&new).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    /// The process umask, from `/proc` (reading it with umask(2) would change it).
    fn current_umask() -> u32 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
        u32::from_str_radix(line["Umask:".len()..].trim(), 8).unwrap()
    }
}
