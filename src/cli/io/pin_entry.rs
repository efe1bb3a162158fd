//! Taking PINs from the holder: hidden prompts on the terminal, or lines on stdin for scripts.
//! Never argv, never the environment. What is typed lives only in zeroizing buffers, and no
//! error here holds it. `change-pin` and `verify-pin` both take their PINs through this module.
//!
//! The terminal is opened before any card is touched, so "no terminal to prompt on" costs the
//! card nothing, and from then on it is in the prompt's mode (no echo). While a hidden prompt
//! waits, an ending signal (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT, ...) does not kill jpki with the
//! echo still off: the terminal is restored, the prompt returns [`PinEntryError::Interrupted`],
//! the run ends through its ordinary error path (a `--record` trace is still written), and
//! `main` then ends the process by the same signal. The signals themselves are handled in
//! `io::signals`.

use super::pin_entry_error::{PinEntryError, StdinLayout, STDIN_LIMIT};
use std::io::Read;
use zeroize::Zeroizing;

/// Asks the holder for one hidden entry, showing the prompt; what was typed is wiped when the
/// result is dropped.
pub type Ask<'a> = &'a mut dyn FnMut(&str) -> Result<Zeroizing<String>, PinEntryError>;

/// The terminal the hidden prompts are asked on: the controlling terminal (`/dev/tty`), as
/// rpassword and ssh use, so a PIN never comes from a redirected stdin by surprise. From the
/// moment it is opened until it is dropped, the terminal is in the prompt's own mode (no echo),
/// so what is typed while the card is read is never shown.
#[cfg(unix)]
pub struct Terminal {
    tty: std::fs::File,
}

#[cfg(unix)]
impl Terminal {
    /// Open the controlling terminal, or say there is none. Called before the card is touched:
    /// a process in the background waits to be brought to the foreground first (as OpenSSH's
    /// readpassphrase does), then the prompt's mode is set and pending input discarded.
    pub fn open() -> Result<Terminal, PinEntryError> {
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .map_err(|e| PinEntryError::NoTerminal(e.to_string()))?;
        rustix::termios::tcgetattr(&tty)
            .map_err(|e| PinEntryError::NoTerminal(std::io::Error::from(e).to_string()))?;
        hidden::take(&tty)?;
        Ok(Terminal { tty })
    }

    /// Show `prompt` and read one line with the echo off. The terminal's mode comes back
    /// however jpki ends or stops: Enter and the last prompt, an error, a panic, a stop
    /// (Ctrl-Z), or an ending signal, which at a prompt returns [`PinEntryError::Interrupted`]
    /// instead of killing jpki.
    pub fn ask(&mut self, prompt: &str) -> Result<Zeroizing<String>, PinEntryError> {
        hidden::ask(&self.tty, prompt)
    }
}

#[cfg(unix)]
impl Drop for Terminal {
    fn drop(&mut self) {
        hidden::release();
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

/// The hidden prompt on a Unix terminal: its mode, the foreground wait, and the line read.
#[cfg(unix)]
mod hidden {
    use super::{PinEntryError, STDIN_LIMIT};
    use crate::cli::io::signals::{in_foreground, watch, Held, Watch};
    use rustix::event::{poll, PollFd, PollFlags};
    use rustix::termios::{
        tcflush, tcgetattr, InputModes, LocalModes, OutputModes, QueueSelector, Termios,
    };
    use std::fs::File;
    use std::io::{Read, Write};
    use std::os::fd::AsFd;
    use std::time::Duration;
    use zeroize::{Zeroize, Zeroizing};

    fn failed(e: rustix::io::Errno) -> PinEntryError {
        PinEntryError::NoTerminal(std::io::Error::from(e).to_string())
    }

    /// The prompt's mode, set in full rather than derived from what the shell left: lines
    /// (canonical input, so erase and kill work), CR taken as Enter, nothing echoed, not even
    /// the newline, Ctrl-C and Ctrl-Z still signals, and output newlines as CR NL.
    pub(super) fn prompt_mode(original: &Termios) -> Termios {
        let mut mode = original.clone();
        mode.local_modes.remove(
            LocalModes::ECHO
                | LocalModes::ECHOE
                | LocalModes::ECHOK
                | LocalModes::ECHONL
                | LocalModes::ECHOCTL
                | LocalModes::ECHOKE,
        );
        mode.local_modes
            .insert(LocalModes::ICANON | LocalModes::ISIG);
        mode.input_modes
            .remove(InputModes::INLCR | InputModes::IGNCR);
        mode.input_modes.insert(InputModes::ICRNL);
        mode.output_modes
            .insert(OutputModes::OPOST | OutputModes::ONLCR);
        mode
    }

    /// Wait until this process is in the terminal's foreground: a background job asks the
    /// terminal to stop it (SIGTTOU, as when it writes there), and looks again once continued.
    fn wait_for_foreground(tty: &File) {
        while !in_foreground(tty) {
            let _ = rustix::process::kill_process(
                rustix::process::getpid(),
                rustix::process::Signal::TTOU,
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Take the terminal for the PIN command: in the foreground, in the prompt's mode, with
    /// whatever was typed before discarded.
    pub(super) fn take(tty: &File) -> Result<(), PinEntryError> {
        wait_for_foreground(tty);
        let watch = watch()?;
        let original = tcgetattr(tty).map_err(failed)?;
        let held = Held {
            tty: tty
                .as_fd()
                .try_clone_to_owned()
                .map_err(|e| PinEntryError::NoTerminal(e.to_string()))?,
            hidden: prompt_mode(&original),
            original,
            applied: false,
        };
        // In the slot before the mode changes, so a signal from here on finds it to put back.
        let mut slot = watch.terminal();
        slot.insert(held).apply();
        let _ = tcflush(tty, QueueSelector::IFlush);
        Ok(())
    }

    /// Give the terminal its own mode back.
    pub(super) fn release() {
        if let Ok(watch) = watch() {
            // Put back under the lock, so no signal finds the slot empty with the mode still on.
            let mut slot = watch.terminal();
            if let Some(held) = slot.as_mut() {
                held.restore(false);
            }
            *slot = None;
        }
    }

    /// The prompt marked as waiting for as long as it lives, on every path out.
    struct Waiting(&'static Watch);

    impl Drop for Waiting {
        fn drop(&mut self) {
            self.0.set_in_prompt(false);
        }
    }

    /// In the foreground, in the prompt's mode, pending input discarded (an entry counts only
    /// when typed after its prompt was shown), and the prompt shown.
    fn show(tty: &File, watch: &Watch, prompt: &str) {
        wait_for_foreground(tty);
        if let Some(held) = watch.terminal().as_mut() {
            held.apply();
        }
        let _ = tcflush(tty, QueueSelector::IFlush);
        let mut out = tty;
        let _ = out.write_all(prompt.as_bytes()).and_then(|()| out.flush());
    }

    pub(super) fn ask(tty: &File, prompt: &str) -> Result<Zeroizing<String>, PinEntryError> {
        let watch = watch()?;
        watch.set_in_prompt(true);
        let waiting = Waiting(watch);
        show(tty, watch, prompt);
        let typed = read_line(tty, watch, prompt);
        drop(waiting);
        // Enter is not echoed: the next output starts on a line of its own.
        let mut out = tty;
        let _ = out.write_all(b"\n");
        if typed.is_err() {
            // Ended without Enter: nothing typed is left for the shell to read.
            let _ = tcflush(tty, QueueSelector::IFlush);
        }
        typed
    }

    /// Read one line from the terminal, waiting on it and on the signals at once. A stop and
    /// continue (Ctrl-Z, `fg`) starts the entry over, with the prompt shown again.
    fn read_line(
        tty: &File,
        watch: &Watch,
        prompt: &str,
    ) -> Result<Zeroizing<String>, PinEntryError> {
        // Never grown, so no copy of what was typed is left behind by a reallocation.
        let mut line = Zeroizing::new(Vec::with_capacity(STDIN_LIMIT));
        let mut chunk = Zeroizing::new([0u8; 64]);
        let mut too_long = false;
        loop {
            if let Some(signal) = watch.caught() {
                return Err(PinEntryError::Interrupted { signal });
            }
            if watch.take_continued() {
                line.zeroize();
                too_long = false;
                let mut out = tty;
                let _ = out.write_all(b"\n");
                show(tty, watch, prompt);
                continue;
            }
            let mut fds = [
                PollFd::new(tty, PollFlags::IN),
                PollFd::new(&watch.wake, PollFlags::IN),
            ];
            match poll(&mut fds, None) {
                Ok(_) => {}
                // A signal interrupted the wait: the loop looks at what arrived.
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(failed(e)),
            }
            if !fds[1].revents().is_empty() {
                watch.drain();
                continue;
            }
            if fds[0].revents().is_empty() {
                continue;
            }
            if !in_foreground(tty) {
                // Reading now would stop jpki inside the read, where a continue goes unseen.
                wait_for_foreground(tty);
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

    /// The system's allocator, counting freed blocks that still hold [`NEEDLE`]: a buffer that
    /// held a PIN and was freed unwiped.
    struct Searching;

    /// A PIN used nowhere else, so a match is a leak.
    const NEEDLE: &[u8] = b"5821JQ";
    static FOUND: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    // SAFETY: every call is passed on to `System` unchanged; `dealloc` only reads the block it
    // is given, valid for `layout.size()` bytes until it is passed on.
    unsafe impl std::alloc::GlobalAlloc for Searching {
        unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
            std::alloc::System.alloc(layout)
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
            let block = std::slice::from_raw_parts(ptr, layout.size());
            if block.windows(NEEDLE.len()).any(|w| w == NEEDLE) {
                FOUND.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            std::alloc::System.dealloc(ptr, layout)
        }
    }

    #[global_allocator]
    static SEARCHING: Searching = Searching;

    #[test]
    fn lines_read_from_stdin_leave_no_unwiped_copy() {
        let found = || FOUND.load(std::sync::atomic::Ordering::SeqCst);
        let input = Zeroizing::new([NEEDLE, b"\r\n", NEEDLE, b"\n"].concat());
        let lines = split_lines::<2>(&input, StdinLayout::CurrentThenNew).unwrap();
        assert_eq!(lines[0].as_bytes(), NEEDLE);
        drop((lines, input));
        assert_eq!(found(), 0, "a freed block held the PIN");
        // The search finds a copy that was not wiped.
        drop(std::hint::black_box(NEEDLE.to_vec()));
        assert_eq!(found(), 1);
    }

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
