//! Which PC/SC library this build talks to, for `jpki --version` and bug reports.
//!
//! pcsc-lite exports no version call, and its library file is named after its ABI
//! (`libpcsclite.so.1.0.0` for every 1.x and 2.x release), so the honest answer on Linux is the
//! file the dynamic loader actually mapped, read from `/proc/self/maps` without unsafe code.

use std::fmt;
use std::path::{Path, PathBuf};

/// The PC/SC implementation jpki is linked against, and the file it was loaded from when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcscLibrary {
    /// The implementation and the library name the build links to.
    pub name: &'static str,
    /// The resolved file the process loaded, when the platform lets us see it.
    pub file: Option<PathBuf>,
}

impl fmt::Display for PcscLibrary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{}, {}", self.name, file.display()),
            None => f.write_str(self.name),
        }
    }
}

/// The PC/SC library in use by this process.
pub fn pcsc_library() -> PcscLibrary {
    if cfg!(target_os = "windows") {
        PcscLibrary {
            name: "WinSCard.dll (Windows Smart Card service)",
            file: None,
        }
    } else if cfg!(target_os = "macos") {
        PcscLibrary {
            name: "PCSC.framework (macOS CryptoTokenKit)",
            file: None,
        }
    } else {
        PcscLibrary {
            name: "pcsc-lite (libpcsclite.so.1)",
            file: std::fs::read_to_string("/proc/self/maps")
                .ok()
                .and_then(|maps| loaded_pcsclite(&maps)),
        }
    }
}

/// The pcsc-lite file named in a `/proc/PID/maps` listing, with symbolic links resolved.
fn loaded_pcsclite(maps: &str) -> Option<PathBuf> {
    let path = maps
        .lines()
        .filter_map(|line| line.split_whitespace().nth(5))
        .map(Path::new)
        .find(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("libpcsclite.so"))
        })?;
    Some(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loaded_library_is_found_in_the_maps_listing() {
        let maps = "\
55d0c0a00000-55d0c0a80000 r--p 00000000 fd:01 123 /usr/local/bin/jpki
7f52376cb000-7f52376ce000 r--p 00000000 fd:01 456 /nonexistent/lib/libpcsclite.so.1.0.0
7f52376d0000-7f52376d2000 r--p 00000000 00:00 0
";
        assert_eq!(
            loaded_pcsclite(maps),
            Some(PathBuf::from("/nonexistent/lib/libpcsclite.so.1.0.0"))
        );
        assert_eq!(loaded_pcsclite("7f00-7f01 r--p 0 00:00 0 [stack]\n"), None);
    }

    #[test]
    fn the_description_names_the_file_when_known() {
        let library = PcscLibrary {
            name: "pcsc-lite (libpcsclite.so.1)",
            file: Some("/usr/lib/libpcsclite.so.1.0.0".into()),
        };
        assert_eq!(
            library.to_string(),
            "pcsc-lite (libpcsclite.so.1), /usr/lib/libpcsclite.so.1.0.0"
        );
    }
}
