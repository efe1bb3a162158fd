//! Taking PINs from the holder: hidden prompts on the terminal, or lines on stdin for scripts.
//! Never argv, never the environment. What is typed lives only in zeroizing buffers, and no
//! error here holds it. `change-pin` and `verify-pin` both take their PINs through this module.

use std::io::Read;
use thiserror::Error;
use zeroize::Zeroizing;

/// The most stdin may hold: two PINs of at most 16 characters need far less.
pub const STDIN_LIMIT: usize = 1024;

/// What the lines on stdin hold, in order, as the messages name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdinLayout {
    /// `verify-pin`: one line, the PIN.
    Pin,
    /// `change-pin`: two lines, the current PIN then the new PIN.
    CurrentThenNew,
}

impl StdinLayout {
    fn description(self) -> &'static str {
        match self {
            StdinLayout::Pin => "exactly one line: the PIN",
            StdinLayout::CurrentThenNew => "exactly two lines: the current PIN, then the new PIN",
        }
    }
}

/// Why the typed PINs could not be read. Never holds a PIN.
#[derive(Debug, Error)]
pub enum PinEntryError {
    /// No terminal to prompt on.
    #[error("cannot ask for the PIN on a terminal ({0}); pipe it with --stdin instead")]
    NoTerminal(String),
    /// stdin could not be read.
    #[error("cannot read the PINs from stdin: {0}")]
    Stdin(String),
    /// stdin does not hold the lines --stdin expects.
    #[error("--stdin expects {} (found {found} line(s))", .layout.description())]
    StdinLines {
        /// What was expected.
        layout: StdinLayout,
        /// How many lines there were.
        found: usize,
    },
    /// stdin is longer than its PINs could be.
    #[error("--stdin expects short lines, but stdin holds more than {STDIN_LIMIT} bytes")]
    StdinTooLong,
    /// The two entries of the new PIN differ.
    #[error("the two entries of the new PIN differ")]
    Mismatch,
}

/// Asks the holder for one hidden entry, showing the prompt.
pub type Ask<'a> = &'a mut dyn FnMut(&str) -> std::io::Result<String>;

/// Ask on the terminal with echo off.
pub fn hidden_prompt(prompt: &str) -> std::io::Result<String> {
    rpassword::prompt_password(prompt)
}

/// One hidden entry; what was typed is wiped when the result is dropped.
pub fn ask_one(ask: Ask, prompt: &str) -> Result<Zeroizing<String>, PinEntryError> {
    ask(prompt)
        .map(Zeroizing::new)
        .map_err(|e| PinEntryError::NoTerminal(e.to_string()))
}

/// The `N` lines of stdin that `layout` describes (`\n` or `\r\n`); a final newline is
/// optional, and anything more, even an empty line, is refused rather than guessed about.
pub fn read_stdin<const N: usize>(
    layout: StdinLayout,
) -> Result<[Zeroizing<String>; N], PinEntryError> {
    // Room for one byte more than the limit, so reading never reallocates (which would leave an
    // unwiped copy behind) and an over-long input shows as exactly `STDIN_LIMIT + 1` bytes.
    let mut buffer = Zeroizing::new(Vec::with_capacity(STDIN_LIMIT + 2));
    unbuffered_stdin()
        .map_err(|e| PinEntryError::Stdin(e.to_string()))?
        .take(STDIN_LIMIT as u64 + 1)
        .read_to_end(&mut buffer)
        .map_err(|e| PinEntryError::Stdin(e.to_string()))?;
    if buffer.len() > STDIN_LIMIT {
        return Err(PinEntryError::StdinTooLong);
    }
    split_lines(&buffer, layout)
}

/// Standard input read directly, not through std's buffer, which would keep an unwiped copy.
#[cfg(unix)]
fn unbuffered_stdin() -> std::io::Result<impl Read> {
    use std::os::fd::AsFd;
    Ok(std::fs::File::from(
        std::io::stdin().as_fd().try_clone_to_owned()?,
    ))
}

/// Standard input; elsewhere than Unix through std's buffer.
#[cfg(not(unix))]
fn unbuffered_stdin() -> std::io::Result<impl Read> {
    Ok(std::io::stdin())
}

fn split_lines<const N: usize>(
    bytes: &[u8],
    layout: StdinLayout,
) -> Result<[Zeroizing<String>; N], PinEntryError> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let lines: Vec<&[u8]> = body
        .split(|b| *b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .collect();
    let found = if bytes.is_empty() { 0 } else { lines.len() };
    let refused = PinEntryError::StdinLines { layout, found };
    if found != N {
        return Err(refused);
    }
    // Non-UTF-8 bytes become U+FFFD, which the format check then refuses.
    let texts: Vec<Zeroizing<String>> = lines
        .into_iter()
        .map(|line| Zeroizing::new(String::from_utf8_lossy(line).into_owned()))
        .collect();
    texts.try_into().map_err(|_| refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<const N: usize>(lines: [Zeroizing<String>; N]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn stdin_is_the_expected_lines_with_either_line_ending() {
        for input in [
            &b"1234\n5678\n"[..],
            b"1234\n5678",
            b"1234\r\n5678\r\n",
            b"1234\r\n5678",
        ] {
            let lines = split_lines::<2>(input, StdinLayout::CurrentThenNew).unwrap();
            assert_eq!(texts(lines), ["1234", "5678"]);
        }
        for input in [&b"1234\n"[..], b"1234", b"1234\r\n"] {
            let lines = split_lines::<1>(input, StdinLayout::Pin).unwrap();
            assert_eq!(texts(lines), ["1234"]);
        }
    }

    #[test]
    fn stdin_with_fewer_or_more_lines_is_refused() {
        let found = |result: Result<Vec<String>, PinEntryError>| match result {
            Err(PinEntryError::StdinLines { found, .. }) => found,
            other => panic!("{other:?}"),
        };
        let two =
            |input: &[u8]| found(split_lines::<2>(input, StdinLayout::CurrentThenNew).map(texts));
        let one = |input: &[u8]| found(split_lines::<1>(input, StdinLayout::Pin).map(texts));
        assert_eq!(two(b""), 0);
        assert_eq!(two(b"1234\n"), 1);
        assert_eq!(two(b"1234"), 1);
        assert_eq!(two(b"1234\n5678\n\n"), 3);
        assert_eq!(two(b"1234\n5678\n9999\n"), 3);
        assert_eq!(one(b""), 0);
        assert_eq!(one(b"1234\n5678\n"), 2);
        assert_eq!(one(b"1234\n\n"), 2);
    }
}
