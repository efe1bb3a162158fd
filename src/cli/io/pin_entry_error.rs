//! Why the PINs could not be taken from the holder, and what stdin was expected to hold: the
//! errors of the hidden prompt and of `--stdin`, apart from the prompt itself so that the signal
//! handling and the words can name them without depending on the prompt.

/// The most stdin may hold: two PINs of at most 16 characters need far less. One hidden entry
/// may hold as much.
pub const STDIN_LIMIT: usize = 1024;

/// What the lines on stdin hold, in order, as the messages name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdinLayout {
    /// `verify-pin`: one line, the PIN.
    Pin,
    /// `change-pin`: two lines, the current PIN then the new PIN.
    CurrentThenNew,
}

/// Why the typed PINs could not be read. Never holds a PIN. Its words, English (`Display`) and
/// Japanese, are in `words::failure`.
#[derive(Debug)]
pub enum PinEntryError {
    /// No terminal to prompt on.
    NoTerminal(String),
    /// stdin could not be read.
    Stdin(String),
    /// stdin does not hold the lines --stdin expects.
    StdinLines {
        /// What was expected.
        layout: StdinLayout,
        /// How many lines there were.
        found: usize,
    },
    /// stdin is longer than its PINs could be.
    StdinTooLong,
    /// A hidden entry is longer than any PIN could be.
    // The prompt that finds this out is Unix's; rpassword's elsewhere does not.
    #[cfg_attr(not(unix), allow(dead_code))]
    EntryTooLong,
    /// The two entries of the new PIN differ.
    Mismatch,
    /// `--stdin` while stdin is a terminal: what is typed there would be shown.
    StdinIsTerminal,
    /// An ending signal (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT, ...) ended a hidden prompt; the
    /// terminal was restored.
    /// Every prompt comes before the first PIN-bearing command, so no PIN was sent.
    #[cfg_attr(not(unix), allow(dead_code))]
    Interrupted {
        /// The signal's number.
        signal: i32,
    },
}

impl std::error::Error for PinEntryError {}
