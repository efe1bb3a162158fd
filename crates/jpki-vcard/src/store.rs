//! A state file on disk, held for a whole run (docs/virtual-card.md, "Runs that share a state
//! file"). Why each step:
//!
//! - One advisory lock per file (the `fs4` crate: `flock` on Unix, `LockFileEx` on Windows; std's
//!   own `File::try_lock` needs Rust 1.89, above the supported 1.88) makes runs on one card take
//!   turns, so no two runs load the same counters and lose each other's changes, and a run never
//!   refunds tries another spent meanwhile.
//! - The state is read through the locked handle, once it is known to still be the file at the
//!   path: a writer may have renamed a new file over it while this run waited.
//! - A change goes to a new file created exclusively (`create_new`) beside the target, synced,
//!   given the old file's mode, locked, then renamed over the target. A crash leaves the old card
//!   or the new one, never half; no fixed temporary name exists for a planted symlink to catch.
//! - A symlinked state file is resolved first, so the link stays and its target is updated.
//! - Nothing is written when nothing changed, so reading a card needs no write access.

use super::state_file::StateError;
use fs4::fs_std::FileExt;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The largest state file read. A real one is about 12 KB (four certificates in hex); the
/// limit only stops a device or a wrong file from being read whole.
pub const MAX_STATE_BYTES: u64 = 1 << 20;
/// How long a run waits for another run that holds the same state file.
pub const LOCK_WAIT: Duration = Duration::from_secs(30);

/// An open, locked state file.
#[derive(Debug)]
pub struct StateFile {
    /// The path as the user gave it, for messages.
    origin: String,
    /// Where the bytes live: the path with every symlink resolved.
    target: PathBuf,
    /// A handle on the file now at `target`, holding its lock.
    held: File,
}

impl StateFile {
    /// Lock the state file at `path`, waiting at most `wait` for another process to let go.
    pub fn lock(path: &Path, wait: Duration) -> Result<StateFile, StateError> {
        let origin = path.display().to_string();
        let io = |action: &'static str| {
            let origin = origin.clone();
            move |e: std::io::Error| StateError::Io {
                origin: origin.clone(),
                reason: format!("cannot {action}: {e}"),
            }
        };
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            let target = std::fs::canonicalize(path).map_err(io("read"))?;
            // Checked before opening: opening a FIFO would block, and a device is no card.
            if !std::fs::metadata(&target).map_err(io("read"))?.is_file() {
                return Err(StateError::NotAFile { origin });
            }
            let held = File::open(&target).map_err(io("read"))?;
            if !held.metadata().map_err(io("read"))?.is_file() {
                return Err(StateError::NotAFile { origin });
            }
            match held.try_lock_exclusive() {
                Ok(true) => {}
                Ok(false) => {
                    if started.elapsed() >= wait {
                        return Err(StateError::Busy {
                            origin,
                            waited_secs: wait.as_secs(),
                        });
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(20));
                    continue;
                }
                Err(e) => return Err(io("lock")(e)),
            }
            if still_at(&held, &target) {
                return Ok(StateFile {
                    origin,
                    target,
                    held,
                });
            }
            // Another run replaced the file while this one waited: lock the new one, within the
            // same deadline.
            if started.elapsed() >= wait {
                return Err(StateError::Busy {
                    origin,
                    waited_secs: wait.as_secs(),
                });
            }
        }
    }

    /// The path as given, for messages.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The file's text, read through the locked handle.
    pub fn read(&self) -> Result<String, StateError> {
        let mut bytes = Vec::new();
        (&self.held)
            .take(MAX_STATE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| StateError::Io {
                origin: self.origin.clone(),
                reason: format!("cannot read: {e}"),
            })?;
        if bytes.len() as u64 > MAX_STATE_BYTES {
            return Err(StateError::TooLarge {
                origin: self.origin.clone(),
                limit: MAX_STATE_BYTES,
            });
        }
        String::from_utf8(bytes).map_err(|e| StateError::Malformed {
            origin: self.origin.clone(),
            line: 0,
            problem: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        })
    }

    /// Replace the file's content with `text` atomically, keeping its mode, and go on holding
    /// the lock, now on the new file.
    pub fn replace(&mut self, text: &str) -> Result<(), StateError> {
        let mode = self.held.metadata().map(|m| m.permissions()).ok();
        let (temporary, file) = write_temporary(&self.target, text, mode, Some(&self.held))
            .map_err(|e| self.cannot_write(e))?;
        // Locked before it is visible at the path, so the next run waits on it.
        let renamed = lock_now(&file).and_then(|()| std::fs::rename(&temporary, &self.target));
        if let Err(e) = renamed {
            let _ = std::fs::remove_file(&temporary);
            return Err(self.cannot_write(e));
        }
        sync_folder(&self.target);
        // The old handle goes, and its lock with it: a run waiting on the old file finds it gone
        // from the path and comes to this one.
        self.held = file;
        Ok(())
    }

    fn cannot_write(&self, e: std::io::Error) -> StateError {
        StateError::Io {
            origin: self.origin.clone(),
            reason: format!("cannot write: {e}"),
        }
    }
}

/// Write a state file: a new one, or (with `replace`) over an existing one, under its lock.
pub fn create(path: &Path, text: &str, replace: bool, wait: Duration) -> Result<(), StateError> {
    let origin = path.display().to_string();
    if std::fs::symlink_metadata(path).is_ok() {
        if !replace {
            return Err(StateError::Exists { origin });
        }
        return StateFile::lock(path, wait)?.replace(text);
    }
    let cannot = |e: std::io::Error| StateError::Io {
        origin: origin.clone(),
        reason: format!("cannot write: {e}"),
    };
    let (temporary, _file) = write_temporary(path, text, None, None).map_err(cannot)?;
    // A hard link appears whole and never replaces a file created meanwhile.
    let linked = std::fs::hard_link(&temporary, path);
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Ok(()) => {
            sync_folder(path);
            Ok(())
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(StateError::Exists { origin }),
        // A file system without hard links: create the file exclusively and write it there.
        Err(_) => {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .map_err(|e| match e.kind() {
                    ErrorKind::AlreadyExists => StateError::Exists {
                        origin: origin.clone(),
                    },
                    _ => cannot(e),
                })?;
            lock_now(&file)
                .and_then(|()| file.write_all(text.as_bytes()))
                .and_then(|()| file.sync_all())
                .map_err(cannot)
        }
    }
}

/// Whether `held` is still the file at `target` (Unix: same device and inode).
#[cfg(unix)]
fn still_at(held: &File, target: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (held.metadata(), std::fs::metadata(target)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Elsewhere a file open in another process cannot be replaced, so it is still there.
#[cfg(not(unix))]
fn still_at(_held: &File, _target: &Path) -> bool {
    true
}

/// Lock a file nobody else can know of yet; being told to wait would mean something is wrong.
fn lock_now(file: &File) -> std::io::Result<()> {
    match file.try_lock_exclusive()? {
        true => Ok(()),
        false => Err(std::io::Error::other("a fresh file is locked")),
    }
}

/// A fresh file beside `target`, created exclusively, holding `text`, synced, with `mode` (or
/// the default mode of new files) and, on Unix, the owner of `like`: its path and handle.
fn write_temporary(
    target: &Path,
    text: &str,
    mode: Option<std::fs::Permissions>,
    like: Option<&File>,
) -> std::io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut attempt = 0;
    let (path, mut file) = loop {
        let unique = format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = folder.join(unique);
        let mut options = OpenOptions::new();
        // create_new is O_CREAT | O_EXCL: it never follows a symlink or reuses a file.
        options.write(true).create_new(true);
        #[cfg(unix)]
        if mode.is_some() {
            use std::os::unix::fs::OpenOptionsExt;
            // Private until it has the old file's mode.
            options.mode(0o600);
        }
        match options.open(&path) {
            Ok(file) => break (path, file),
            Err(e) if e.kind() == ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(e) => return Err(e),
        }
    };
    let written = (|| {
        file.write_all(text.as_bytes())?;
        if let Some(mode) = mode {
            file.set_permissions(mode)?;
        }
        keep_owner(&file, like);
        file.sync_all()
    })();
    match written {
        Ok(()) => Ok((path, file)),
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            Err(e)
        }
    }
}

/// Give `file` the owner and group of `like`, when they differ and the process may (root may;
/// others own what they write, and could not have written another's file's folder otherwise).
#[cfg(unix)]
fn keep_owner(file: &File, like: Option<&File>) {
    use std::os::unix::fs::MetadataExt;
    let (Some(like), Ok(new)) = (like.and_then(|f| f.metadata().ok()), file.metadata()) else {
        return;
    };
    if (like.uid(), like.gid()) != (new.uid(), new.gid()) {
        let _ = std::os::unix::fs::fchown(file, Some(like.uid()), Some(like.gid()));
    }
}

#[cfg(not(unix))]
fn keep_owner(_file: &File, _like: Option<&File>) {}

/// Make a rename or link in `path`'s folder durable (Unix; elsewhere a folder cannot be opened).
fn sync_folder(path: &Path) {
    #[cfg(unix)]
    if let Some(folder) = path.parent() {
        let folder = if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            folder
        };
        if let Ok(handle) = File::open(folder) {
            let _ = handle.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
