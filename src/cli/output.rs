//! Writing to stdout and stderr without `print!`/`eprint!`, which panic when the reader of a
//! pipe has gone (`jpki status | head -1`) or the disk is full: a failed data write is an ordinary
//! error with exit code 1, and a failed note on stderr is dropped.

use anyhow::Context;
use std::io::Write;

/// Write `data` to stdout and flush it; a failed write becomes an error, never a panic.
pub fn print(data: impl AsRef<[u8]>) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(data.as_ref())
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")
}

/// Write a note (a warning, a waiting line, the tries left) to stderr. Nothing can be done if
/// stderr is gone, and a note must never change the outcome, so a failed write is dropped.
pub fn note(text: impl AsRef<str>) {
    let _ = std::io::stderr().lock().write_all(text.as_ref().as_bytes());
}
