//! Leftovers of an interrupted snapshot write. sled writes a snapshot to
//! `snap.<lsn>.generating`, syncs it, then renames it into place; when the write fails (a
//! full disk) the file stays behind, empty or cut short, and sled's next open takes it for
//! the newest snapshot and reports the whole database corrupt. Such a file never holds the
//! database's state (the last complete snapshot and the log do), so it is removed. Also
//! here: putting the I/O errors of a failing disk into words.

use std::path::Path;

use crate::error::{Error, Result};

/// The trailer sled appends to a snapshot: its uncompressed length (8 bytes) and the CRC-32
/// of the bytes before the trailer (4 bytes).
const TRAILER: usize = 12;

/// Removes incomplete `snap.*.generating` files from the database directory `dir`; one
/// that cannot be listed has none. A complete one (sled stopped between its sync and its
/// rename) is left for sled, which reads it as the snapshot it is.
pub(crate) fn discard_incomplete_snapshots(dir: &Path) -> Result<()> {
    // Missing, not a directory, unreadable: sled's open reports that, as the store error.
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("snap.") && name.ends_with(".generating")) {
            continue;
        }
        let path = entry.path();
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        if is_complete(&bytes) {
            continue;
        }
        std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        tracing::warn!(
            file = %path.display(), bytes = bytes.len(),
            "removed a snapshot whose writing was interrupted (full disk?); the database is read from its last complete snapshot"
        );
    }
    Ok(())
}

/// After a failed open (a full disk): removes what the attempt left, so the database is
/// as it was before it.
pub(crate) fn after_failed_open(dir: &Path, err: Error) -> Error {
    if let Err(e) = discard_incomplete_snapshots(dir) {
        tracing::warn!(error = %e, "could not tidy after the failed open");
    }
    err
}

/// An I/O error from sled in words: sled wraps the OS error in one whose text is the
/// original's debug form, which a person should not have to read.
pub(crate) fn describe_io(io: &std::io::Error) -> String {
    use std::io::ErrorKind::{PermissionDenied, ReadOnlyFilesystem, StorageFull};
    match io.kind() {
        StorageFull => "No space left on device".to_owned(),
        ReadOnlyFilesystem => "read-only file system".to_owned(),
        PermissionDenied => "permission denied".to_owned(),
        _ => io.to_string(),
    }
}

/// Whether `bytes` end with a trailer whose checksum matches what precedes it.
fn is_complete(bytes: &[u8]) -> bool {
    let Some(body_len) = bytes.len().checked_sub(TRAILER).filter(|n| *n > 0) else {
        return false;
    };
    let (body, trailer) = bytes.split_at(body_len);
    let mut crc = [0u8; 4];
    crc.copy_from_slice(&trailer[8..]);
    crc32fast::hash(body) == u32::from_le_bytes(crc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(body: &[u8]) -> Vec<u8> {
        let mut v = body.to_vec();
        v.extend_from_slice(&(body.len() as u64).to_le_bytes());
        v.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
        v
    }

    #[test]
    fn only_incomplete_generating_files_go() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let full = snapshot(b"some snapshot");
        std::fs::write(d.join("snap.00000000000000A0"), &full).unwrap();
        std::fs::write(d.join("snap.00000000000000B0.generating"), b"").unwrap();
        std::fs::write(
            d.join("snap.00000000000000C0.generating"),
            &full[..full.len() - 3],
        )
        .unwrap();
        std::fs::write(d.join("snap.00000000000000D0.generating"), &full).unwrap();
        std::fs::write(d.join("db"), b"").unwrap();
        discard_incomplete_snapshots(d).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "db",
                "snap.00000000000000A0",
                "snap.00000000000000D0.generating"
            ]
        );
        discard_incomplete_snapshots(&d.join("missing")).unwrap();
    }
}
