//! `--record`'s rules: a trace records one card's exchange, and never replaces what the run
//! reads. Broken ones are refused before any card is touched, with exit code 2 like any other
//! misuse of the flags.

use crate::cli::flags::config::{Action, CardSource, Config};

/// `--record` refused: the command would send nothing to a card, or more than one trace can hold,
/// or recording would replace a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordRefused {
    /// The command never talks to a card.
    NoCard {
        /// The command, as typed.
        command: &'static str,
    },
    /// `readers` found no card to probe, so it would send nothing.
    NoCardPresent,
    /// `readers` would probe several cards; a trace holds one reader's exchange.
    SeveralCards {
        /// How many readers hold a card.
        count: usize,
    },
    /// The path is a file this run reads (through any name, link or hard link): recording
    /// would replace it.
    SameAsInput {
        /// Which input: `--replay` or `--virtual-card`.
        flag: &'static str,
    },
    /// The path is a symbolic link: a trace is never written through one.
    Link,
}

// Its words, English (`Display`) and Japanese, are in `words::failure`.
impl std::error::Error for RecordRefused {}

/// Refuse `--record` before anything is opened: a path that is an input of this run or a
/// symbolic link, or a command that sends nothing to a card.
pub fn check(config: &Config) -> Result<(), RecordRefused> {
    check_path(config)?;
    match (&config.record, &config.action) {
        (Some(_), Action::Completions { .. } | Action::Manpage { .. } | Action::Pins) => {
            Err(RecordRefused::NoCard {
                command: config.action.name(),
            })
        }
        _ => Ok(()),
    }
}

/// `readers` under `--record` probes every card present: a trace holds one card's exchange, and
/// an empty one would claim a recording that never happened.
pub fn check_cards_to_probe(present: usize) -> Result<(), RecordRefused> {
    match present {
        1 => Ok(()),
        0 => Err(RecordRefused::NoCardPresent),
        count => Err(RecordRefused::SeveralCards { count }),
    }
}

/// A `--record` path that would replace an input of this run, or that is a symbolic link. An existing regular file is replaced (renamed over, never written into); a folder,
/// a device or a pipe there is refused by the recorder as unwritable (crates/jpki-card/src/transport/recorder.rs).
fn check_path(config: &Config) -> Result<(), RecordRefused> {
    let Some(record) = &config.record else {
        return Ok(());
    };
    let Ok(there) = std::fs::symlink_metadata(record) else {
        // Nothing there yet: the recorder creates it.
        return Ok(());
    };
    let input = match &config.source {
        CardSource::Replay(path) => Some(("--replay", path)),
        CardSource::Virtual(path) => Some(("--virtual-card", path)),
        CardSource::Reader(_) => None,
    };
    if let Some((flag, input)) = input {
        // Through the link too: `--record` naming a link to the input is the input.
        if same_file(record, input) {
            return Err(RecordRefused::SameAsInput { flag });
        }
    }
    if there.file_type().is_symlink() {
        return Err(RecordRefused::Link);
    }
    Ok(())
}

/// Whether two paths name one file: the same device and inode (hard links, links, `./x` and
/// `x` alike); elsewhere than Unix, the same canonical path.
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
    }
}
