//! Writing an exported certificate: PEM or DER, into a new file that is never a link's target
//! and replaces a file already there only when told (`--force`), and then only a regular file,
//! by renaming a new file onto it.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why `--out FILE` was not written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A file is there, and `--force` was not given.
    #[error("{} exists; jpki replaces it only with --force", shown(.path))]
    Exists {
        /// The path given.
        path: PathBuf,
    },
    /// The path is a symbolic link: jpki never writes through one, with or without --force.
    #[error("{} is a symbolic link; jpki never writes through one", shown(.path))]
    Link {
        /// The path given.
        path: PathBuf,
    },
    /// The path is a folder, a device or a pipe, which is never replaced.
    #[error("{} is not a regular file", shown(.path))]
    NotAFile {
        /// The path given.
        path: PathBuf,
    },
    /// The file could not be written.
    #[error("cannot write {}: {reason}", shown(.path))]
    Unwritable {
        /// The path given.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// DER is binary: it goes to a terminal only through a file.
    #[error("DER is binary and stdout is a terminal; give --out FILE, or redirect stdout")]
    BinaryToTerminal,
}

fn shown(path: &Path) -> String {
    jpki_card::text::escaped(&path.display().to_string())
}

/// `der` as PEM: `-----BEGIN CERTIFICATE-----`, base64 in lines of 64, `-----END ...`.
pub fn pem(der: &[u8]) -> String {
    let encoded = base64(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in encoded.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or(""));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let b = [
            group[0],
            *group.get(1).unwrap_or(&0),
            *group.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= group.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Before the card is touched: whether `path` may be written, so a refusal costs nothing (no
/// password asked, no try spent).
pub fn check(path: &Path, force: bool) -> Result<(), ExportError> {
    let there = match std::fs::symlink_metadata(path) {
        Ok(there) => there.file_type(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(unwritable(path, &e)),
    };
    if there.is_symlink() {
        return Err(ExportError::Link { path: path.into() });
    }
    if !there.is_file() {
        return Err(ExportError::NotAFile { path: path.into() });
    }
    if !force {
        return Err(ExportError::Exists { path: path.into() });
    }
    Ok(())
}

/// Write `bytes` at `path`: into a new file created exclusively there, or (with `force`, over a
/// regular file) into a new file beside it, renamed onto it. `private` files (the sign
/// certificate) are readable by their owner only.
pub fn write(path: &Path, bytes: &[u8], force: bool, private: bool) -> Result<(), ExportError> {
    check(path, force)?;
    let exists = std::fs::symlink_metadata(path).is_ok();
    let target = if exists {
        partial_beside(path)
    } else {
        path.to_path_buf()
    };
    let mut file = create_new(&target, private).map_err(|e| match e.kind() {
        // Something appeared at the path since the check: never written into.
        std::io::ErrorKind::AlreadyExists => ExportError::Exists { path: path.into() },
        _ => unwritable(path, &e),
    })?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            if exists {
                std::fs::rename(&target, path)
            } else {
                Ok(())
            }
        });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&target);
        return Err(unwritable(path, &e));
    }
    Ok(())
}

/// `.NAME.PID.partial` beside `path`.
fn partial_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let folder = path.parent().unwrap_or(Path::new(""));
    folder.join(format!(".{name}.{}.partial", std::process::id()))
}

/// A new file, created exclusively (`O_EXCL`: never an existing file, never through a link)
/// and, on Unix, with `O_NOFOLLOW` too.
fn create_new(path: &Path, private: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
        if private {
            options.mode(0o600);
        }
    }
    #[cfg(not(unix))]
    let _ = private;
    options.open(path)
}

fn unwritable(path: &Path, e: &std::io::Error) -> ExportError {
    ExportError::Unwritable {
        path: path.into(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads_like_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        let text = pem(&[0u8; 100]);
        assert!(text.starts_with("-----BEGIN CERTIFICATE-----\nAAAA"));
        assert!(text
            .lines()
            .all(|l| l.len() <= 64 || l.starts_with("-----")));
    }

    #[test]
    fn a_file_there_is_kept_unless_forced_and_a_link_always() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.pem");
        write(&path, b"one", false, false).unwrap();
        assert!(matches!(
            write(&path, b"two", false, false),
            Err(ExportError::Exists { .. })
        ));
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        write(&path, b"two", true, false).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let precious = dir.path().join("precious");
        std::fs::write(&precious, "keep").unwrap();
        let link = dir.path().join("link.pem");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&precious, &link).unwrap();
            for force in [false, true] {
                assert!(matches!(
                    write(&link, b"x", force, false),
                    Err(ExportError::Link { .. })
                ));
            }
            // A dangling link too: nothing is created at its target.
            let dangling = dir.path().join("dangling.pem");
            std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
            assert!(write(&dangling, b"x", true, false).is_err());
            assert!(!dir.path().join("nowhere").exists());
        }
        assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep");
        assert!(matches!(
            write(dir.path(), b"x", true, false),
            Err(ExportError::NotAFile { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_private_file_is_its_owners_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sign.pem");
        write(&path, b"x", false, true).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0);
    }
}
