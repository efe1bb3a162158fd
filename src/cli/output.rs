//! Writing data to stdout without `println!`, which panics when the reader of a pipe has gone
//! (`jpki status | head -1`); here a closed stdout is an ordinary error with exit code 1.

use anyhow::Context;
use std::io::Write;

/// Write `data` to stdout and flush it; a failed write becomes an error, never a panic.
pub fn print(data: impl AsRef<[u8]>) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(data.as_ref())
        .and_then(|()| stdout.flush())
        .context("writing to stdout")
}
