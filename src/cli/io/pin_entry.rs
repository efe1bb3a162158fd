//! Taking PINs from the holder: hidden prompts on the terminal, or lines on stdin for scripts.
//! Never argv, never the environment. What is typed lives only in zeroizing buffers, and no
//! error here holds it. `change-pin` and `verify-pin` both take their PINs through this module.
//!
//! The terminal is opened before any card is touched, so "no terminal to prompt on" costs the
//! card nothing. While a hidden prompt waits, Ctrl-C, SIGTERM and SIGHUP do not kill jpki with
//! the echo still off: the prompt restores the terminal and returns
//! [`PinEntryError::Interrupted`], the run ends through its ordinary error path (a `--record`
//! trace is still written), and `main` then ends the process by the same signal.

use std::io::Read;
use zeroize::Zeroizing;

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
    /// A signal (Ctrl-C, SIGTERM, SIGHUP) ended a hidden prompt; the terminal was restored.
    /// Every prompt comes before the first PIN-bearing command, so no PIN was sent.
    #[cfg_attr(not(unix), allow(dead_code))]
    Interrupted {
        /// The signal's number.
        signal: i32,
    },
}

impl std::error::Error for PinEntryError {}

/// Asks the holder for one hidden entry, showing the prompt; what was typed is wiped when the
/// result is dropped.
pub type Ask<'a> = &'a mut dyn FnMut(&str) -> Result<Zeroizing<String>, PinEntryError>;

/// The terminal the hidden prompts are asked on: the controlling terminal (`/dev/tty`), as
/// rpassword and ssh use, so a PIN never comes from a redirected stdin by surprise.
#[cfg(unix)]
pub struct Terminal {
    tty: std::fs::File,
}

#[cfg(unix)]
impl Terminal {
    /// Open the controlling terminal, or say there is none. Called before the card is touched.
    pub fn open() -> Result<Terminal, PinEntryError> {
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .map_err(|e| PinEntryError::NoTerminal(e.to_string()))?;
        rustix::termios::tcgetattr(&tty)
            .map_err(|e| PinEntryError::NoTerminal(std::io::Error::from(e).to_string()))?;
        Ok(Terminal { tty })
    }

    /// Show `prompt` and read one line with the echo off. The echo comes back however the
    /// entry ends: Enter, an error, a panic, or Ctrl-C, SIGTERM or SIGHUP, which return
    /// [`PinEntryError::Interrupted`] instead of killing jpki with the echo off.
    pub fn ask(&mut self, prompt: &str) -> Result<Zeroizing<String>, PinEntryError> {
        hidden::ask(&self.tty, prompt)
    }
}

/// The terminal the hidden prompts are asked on; elsewhere than Unix, rpassword's.
#[cfg(not(unix))]
pub struct Terminal;

#[cfg(not(unix))]
impl Terminal {
    /// Nothing to open ahead: rpassword opens the console when it asks.
    pub fn open() -> Result<Terminal, PinEntryError> {
        Ok(Terminal)
    }

    /// Show `prompt` and read one line with the echo off (rpassword).
    pub fn ask(&mut self, prompt: &str) -> Result<Zeroizing<String>, PinEntryError> {
        rpassword::prompt_password(prompt)
            .map(Zeroizing::new)
            .map_err(|e| PinEntryError::NoTerminal(e.to_string()))
    }
}

/// The hidden prompt on a Unix terminal, and the signals that may end it.
#[cfg(unix)]
mod hidden {
    use super::{PinEntryError, STDIN_LIMIT};
    use rustix::event::{poll, PollFd, PollFlags};
    use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions, Termios};
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use std::fs::File;
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, OnceLock};
    use zeroize::{Zeroize, Zeroizing};

    /// The signals that end a prompt, rather than the process with the echo off.
    const ENDING: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];

    /// What the signal handlers share with the prompt. Installed once, at the first prompt, and
    /// kept: signal-hook cannot give a signal its default action back, so outside a prompt the
    /// handler itself runs the default action (the process ends as it did before).
    struct Watch {
        /// Written to (one byte) by the handler: wakes the prompt's poll.
        wake: UnixStream,
        /// The last ending signal that arrived, 0 for none.
        caught: Arc<AtomicUsize>,
        /// True outside a prompt: the handler then runs the signal's default action.
        outside: Arc<AtomicBool>,
    }

    fn install() -> std::io::Result<Watch> {
        let (wake, wake_writer) = UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        let caught = Arc::new(AtomicUsize::new(0));
        let outside = Arc::new(AtomicBool::new(true));
        // Actions run in the order registered: note the signal, wake the prompt, and (outside
        // a prompt only) do what the signal would have done without jpki's handler.
        for signal in ENDING {
            signal_hook::flag::register_usize(signal, Arc::clone(&caught), signal as usize)?;
            signal_hook::low_level::pipe::register(signal, wake_writer.try_clone()?)?;
            signal_hook::flag::register_conditional_default(signal, Arc::clone(&outside))?;
        }
        Ok(Watch {
            wake,
            caught,
            outside,
        })
    }

    fn watch() -> Result<&'static Watch, PinEntryError> {
        static WATCH: OnceLock<Result<Watch, String>> = OnceLock::new();
        WATCH
            .get_or_init(|| install().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| PinEntryError::NoTerminal(format!("cannot watch for Ctrl-C: {e}")))
    }

    /// The echo off for as long as it lives, and the prompt marked as running. Dropping it (on
    /// any path, a panic's unwinding included) puts the terminal back as it was first, then
    /// lets the signals do their default again, so no signal can end jpki in between.
    struct EchoOff<'a> {
        tty: &'a File,
        saved: Termios,
        watch: &'static Watch,
    }

    impl<'a> EchoOff<'a> {
        fn start(tty: &'a File, watch: &'static Watch) -> Result<EchoOff<'a>, PinEntryError> {
            let failed = |e: rustix::io::Errno| {
                PinEntryError::NoTerminal(std::io::Error::from(e).to_string())
            };
            let saved = tcgetattr(tty).map_err(failed)?;
            // From here on a signal wakes the prompt instead of ending the process.
            watch.outside.store(false, Ordering::SeqCst);
            let guard = EchoOff { tty, saved, watch };
            let mut hidden = guard.saved.clone();
            hidden.local_modes.remove(LocalModes::ECHO);
            // Enter still moves to the next line.
            hidden.local_modes.insert(LocalModes::ECHONL);
            tcsetattr(tty, OptionalActions::Now, &hidden).map_err(failed)?;
            Ok(guard)
        }
    }

    impl Drop for EchoOff<'_> {
        fn drop(&mut self) {
            // Nothing more can be done for a terminal that is gone (after SIGHUP).
            let _ = tcsetattr(self.tty, OptionalActions::Now, &self.saved);
            self.watch.outside.store(true, Ordering::SeqCst);
        }
    }

    /// Empty the wake-up socket of bytes left by signals before this prompt.
    fn drain(watch: &Watch) {
        let mut byte = [0u8; 16];
        while matches!((&watch.wake).read(&mut byte), Ok(n) if n > 0) {}
    }

    pub(super) fn ask(tty: &File, prompt: &str) -> Result<Zeroizing<String>, PinEntryError> {
        let watch = watch()?;
        drain(watch);
        watch.caught.store(0, Ordering::SeqCst);
        let typed = {
            let _echo_off = EchoOff::start(tty, watch)?;
            let mut out = tty;
            let _ = out.write_all(prompt.as_bytes()).and_then(|()| out.flush());
            read_line(tty, watch)
        };
        if let Err(PinEntryError::Interrupted { .. }) = &typed {
            // The prompt's line was never ended: the next output starts on a line of its own.
            let mut out = tty;
            let _ = out.write_all(b"\n");
        }
        typed
    }

    /// Read one line from the terminal, waiting on it and on the signals at once.
    fn read_line(tty: &File, watch: &Watch) -> Result<Zeroizing<String>, PinEntryError> {
        // Never grown, so no copy of what was typed is left behind by a reallocation.
        let mut line = Zeroizing::new(Vec::with_capacity(STDIN_LIMIT));
        let mut chunk = Zeroizing::new([0u8; 64]);
        let mut too_long = false;
        loop {
            let signal = watch.caught.load(Ordering::SeqCst);
            if signal != 0 {
                return Err(PinEntryError::Interrupted {
                    signal: signal as i32,
                });
            }
            let mut fds = [
                PollFd::new(tty, PollFlags::IN),
                PollFd::new(&watch.wake, PollFlags::IN),
            ];
            match poll(&mut fds, None) {
                Ok(_) => {}
                // A signal interrupted the wait: the loop looks at what arrived.
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => {
                    return Err(PinEntryError::NoTerminal(
                        std::io::Error::from(e).to_string(),
                    ))
                }
            }
            if !fds[1].revents().is_empty() {
                drain(watch);
                continue;
            }
            if fds[0].revents().is_empty() {
                continue;
            }
            let read = match (&*tty).read(chunk.as_mut()) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(PinEntryError::NoTerminal(e.to_string())),
            };
            let got = &chunk[..read];
            let end = got.iter().position(|b| *b == b'\n');
            let kept = &got[..end.unwrap_or(read)];
            if line.len() + kept.len() > line.capacity() {
                // Read on to the end of the line, so no part of it is left for the shell.
                too_long = true;
            } else if !too_long {
                line.extend_from_slice(kept);
            }
            chunk.zeroize();
            if end.is_some() || read == 0 {
                break;
            }
        }
        if too_long {
            return Err(PinEntryError::EntryTooLong);
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        // Non-UTF-8 bytes become U+FFFD, which the format check then refuses.
        Ok(Zeroizing::new(String::from_utf8_lossy(&line).into_owned()))
    }
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
