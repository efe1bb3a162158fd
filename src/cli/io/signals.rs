//! The signals that can stop or end jpki while it holds the terminal or a PIN is on its way to
//! the card, handled on a thread of their own (signal-hook's self-pipe), in ordinary code.
//!
//! - Stopping (SIGTSTP, SIGTTIN, SIGTTOU): the terminal's own mode is put back, then the process
//!   stops as it would have; on SIGCONT the prompt's mode is applied again (only once jpki is in
//!   the foreground) and the prompt shown again.
//! - Ending (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, and SIGPIPE at a
//!   prompt): pending input is discarded and the terminal's mode put back first. At a prompt the
//!   prompt then returns, and the run ends by the signal through its ordinary path; while a PIN
//!   is on its way to the card the signal is held (see [`PinInFlight`]); elsewhere the signal
//!   does what it would have done.
//!
//! Installed the first time a PIN command opens the terminal or sends a PIN, and kept.

use crate::cli::io::pin_entry_error::PinEntryError;
use jpki_card::apdu::Outgoing;
use jpki_card::transport::{Layer, Transaction, TransportError};
use rustix::termios::{tcflush, tcgetpgrp, tcsetattr, OptionalActions, QueueSelector, Termios};
use signal_hook::consts::{
    SIGALRM, SIGCONT, SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU,
    SIGUSR1, SIGUSR2,
};
use signal_hook::iterator::Signals;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// The signals that end the process from a terminal or a peer.
pub const ENDING: [i32; 8] = [
    SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE,
];
/// The signals that stop it from a terminal.
const STOPPING: [i32; 3] = [SIGTSTP, SIGTTIN, SIGTTOU];

/// The terminal while a PIN command holds it: its own mode, and the prompt's.
pub struct Held {
    /// The controlling terminal (a duplicate of the prompt's descriptor).
    pub tty: OwnedFd,
    /// The mode found when it was opened, put back whenever jpki lets go of it.
    pub original: Termios,
    /// The prompt's mode.
    pub hidden: Termios,
    /// Whether the prompt's mode is the one in force now.
    pub applied: bool,
}

impl Held {
    /// Put the terminal's own mode back, discarding what was typed but not ended with Enter
    /// when `discard`.
    pub fn restore(&mut self, discard: bool) {
        if !self.applied {
            return;
        }
        if discard {
            let _ = tcflush(&self.tty, QueueSelector::IFlush);
        }
        // Nothing more can be done for a terminal that is gone (after SIGHUP).
        let _ = tcsetattr(&self.tty, OptionalActions::Now, &self.original);
        self.applied = false;
    }

    /// Apply the prompt's mode, if jpki is in the foreground (a background process would be
    /// stopped by the terminal for trying).
    pub fn apply(&mut self) {
        if self.applied || !in_foreground(&self.tty) {
            return;
        }
        if tcsetattr(&self.tty, OptionalActions::Now, &self.hidden).is_ok() {
            self.applied = true;
        }
    }
}

/// Whether this process's group is the terminal's foreground group.
pub fn in_foreground(tty: impl AsFd) -> bool {
    match tcgetpgrp(tty) {
        Ok(group) => group == rustix::process::getpgrp(),
        // No terminal to be in the background of.
        Err(_) => true,
    }
}

/// What the signal thread shares with the prompt and the run.
pub struct Watch {
    /// The terminal, while a PIN command holds it.
    terminal: Mutex<Option<Held>>,
    /// A prompt is waiting for the holder's entry.
    in_prompt: AtomicBool,
    /// The ending signal that arrived at a prompt, 0 for none.
    caught: AtomicI32,
    /// The process was continued (SIGCONT) while at a prompt: show it again.
    continued: AtomicBool,
    /// Readable when the prompt should look at the flags again.
    pub wake: UnixStream,
    wake_writer: UnixStream,
}

impl Watch {
    /// The terminal's slot (poisoning ignored: the slot holds plain data).
    pub fn terminal(&self) -> MutexGuard<'_, Option<Held>> {
        self.terminal.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Mark a prompt as waiting (or not), clearing what arrived before it.
    pub fn set_in_prompt(&self, waiting: bool) {
        if waiting {
            self.caught.store(0, Ordering::SeqCst);
            self.continued.store(false, Ordering::SeqCst);
            self.drain();
        }
        self.in_prompt.store(waiting, Ordering::SeqCst);
    }

    /// The ending signal that arrived at the prompt, if any.
    pub fn caught(&self) -> Option<i32> {
        Some(self.caught.load(Ordering::SeqCst)).filter(|s| *s != 0)
    }

    /// Whether the process was continued since last asked.
    pub fn take_continued(&self) -> bool {
        self.continued.swap(false, Ordering::SeqCst)
    }

    /// Empty the wake-up socket.
    pub fn drain(&self) {
        let mut byte = [0u8; 16];
        while matches!((&self.wake).read(&mut byte), Ok(n) if n > 0) {}
    }

    fn wake_prompt(&self) {
        let _ = (&self.wake_writer).write(&[0]);
    }

    fn on_signal(&self, signal: i32) {
        if STOPPING.contains(&signal) {
            let mut terminal = self.terminal();
            if let Some(held) = terminal.as_mut() {
                if in_foreground(&held.tty) {
                    held.restore(false);
                }
            }
            drop(terminal);
            // Stops here until continued.
            let _ = signal_hook::low_level::emulate_default_handler(signal);
            return;
        }
        if signal == SIGCONT {
            if let Some(held) = self.terminal().as_mut() {
                held.apply();
            }
            if self.in_prompt.load(Ordering::SeqCst) {
                self.continued.store(true, Ordering::SeqCst);
                self.wake_prompt();
            }
            return;
        }
        let at_prompt = self.in_prompt.load(Ordering::SeqCst);
        if signal == SIGPIPE && !at_prompt {
            // As without jpki's handler (Rust ignores it): a write to a closed pipe fails with
            // EPIPE, and the run says so.
            return;
        }
        if HOLDING.load(Ordering::SeqCst) {
            // A PIN is on its way to the card: the run ends by the signal once the card has
            // answered and the run has said what it knows.
            let _ = DEFERRED.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
            return;
        }
        if DEFERRED.load(Ordering::SeqCst) != 0 {
            // Held already (by the handler, while the card worked): the run ends by it soon.
            return;
        }
        if let Some(held) = self.terminal().as_mut() {
            held.restore(true);
        }
        if at_prompt {
            self.caught.store(signal, Ordering::SeqCst);
            self.wake_prompt();
        } else {
            let _ = signal_hook::low_level::emulate_default_handler(signal);
        }
    }
}

fn install() -> std::io::Result<Watch> {
    let (wake, wake_writer) = UnixStream::pair()?;
    wake.set_nonblocking(true)?;
    wake_writer.set_nonblocking(true)?;
    let mut all = ENDING.to_vec();
    all.extend(STOPPING);
    all.push(SIGCONT);
    let mut signals = Signals::new(&all)?;
    for signal in ENDING {
        // A write to a closed pipe while the card works is the reader's error to report, not a
        // reason to end: SIGPIPE is not held.
        if signal == SIGPIPE {
            continue;
        }
        // SAFETY: the action only loads and swaps atomics, which is async-signal-safe.
        unsafe {
            signal_hook::low_level::register(signal, move || {
                if HOLDING.load(Ordering::SeqCst) {
                    let _ =
                        DEFERRED.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
                }
            })?;
        }
    }
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                // A signal that comes while `install` is still returning waits for the watch
                // (which this thread's start means will be there), rather than being lost.
                let watch = loop {
                    if let Some(watch) = WATCH.get() {
                        break watch;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(1));
                };
                if let Ok(watch) = watch {
                    watch.on_signal(signal);
                }
            }
        })?;
    Ok(Watch {
        terminal: Mutex::new(None),
        in_prompt: AtomicBool::new(false),
        caught: AtomicI32::new(0),
        continued: AtomicBool::new(false),
        wake,
        wake_writer,
    })
}

static WATCH: OnceLock<Result<Watch, String>> = OnceLock::new();

/// A PIN-bearing command is on its way to the card. Read by the signal handler itself, at the
/// moment the signal arrives, so a signal is held however late the signal thread runs.
static HOLDING: AtomicBool = AtomicBool::new(false);
/// The ending signal that arrived while a PIN was on its way, 0 for none: the run ends by it
/// once it has said what the card answered.
static DEFERRED: AtomicI32 = AtomicI32::new(0);

/// The signal watch, installed on first use.
pub fn watch() -> Result<&'static Watch, PinEntryError> {
    WATCH
        .get_or_init(|| install().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| PinEntryError::NoTerminal(format!("cannot watch for signals: {e}")))
}

/// The ending signal that arrived while a PIN was on its way to the card, if any: the run is
/// to end by it once its report is out.
pub fn deferred() -> Option<i32> {
    Some(DEFERRED.load(Ordering::SeqCst)).filter(|s| *s != 0)
}

/// The layer that holds the ending signals while a command carrying a PIN is on its way to the
/// card, so that jpki is never killed between sending a PIN and hearing what the card did with
/// it. A signal that arrived meanwhile is kept: every command after it is refused unsent
/// ([`Stopped`]), the run reports what the card said, and the process ends by the signal.
pub struct PinInFlight;

/// A command refused, unsent, because an ending signal arrived while a PIN was on its way. Its
/// words are in `words::failure`, with every other signal's.
#[derive(Debug)]
pub struct Stopped {
    /// The signal's number.
    pub signal: i32,
}

impl std::error::Error for Stopped {}

impl Layer for PinInFlight {
    fn transmit(
        &mut self,
        card: &mut dyn Transaction,
        command: Outgoing<'_>,
    ) -> Result<Vec<u8>, TransportError> {
        if let Some(signal) = deferred() {
            return Err(TransportError::Backend(Box::new(Stopped { signal })));
        }
        if !command.carries_pin() {
            return card.transmit(command);
        }
        // Not sent when the signals cannot be watched: nothing of the card was touched by it.
        watch().map_err(|e| TransportError::Reader(e.to_string()))?;
        HOLDING.store(true, Ordering::SeqCst);
        let blocked = block_ending();
        let answer = card.transmit(command);
        // Unblocked first: a signal held by this thread's mask is handled while still held.
        unblock(blocked);
        HOLDING.store(false, Ordering::SeqCst);
        answer
    }
}

/// Block the ending signals in this thread while the card works, so none interrupts the
/// reader's system calls; the signal thread still sees them, and holds them. Returns the mask
/// to put back.
fn block_ending() -> Option<libc::sigset_t> {
    // SAFETY: sigemptyset and sigaddset fill the set they are given; pthread_sigmask reads
    // `set` and writes `old`, both valid for the call.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in ENDING {
            libc::sigaddset(&mut set, signal);
        }
        (libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old) == 0).then_some(old)
    }
}

fn unblock(previous: Option<libc::sigset_t>) {
    if let Some(previous) = previous {
        // SAFETY: `previous` is the mask pthread_sigmask gave back.
        unsafe {
            libc::pthread_sigmask(libc::SIG_SETMASK, &previous, std::ptr::null_mut());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jpki_card::card::{read_pin_statuses, verify_pin, LastTry, Pin, PinKind};
    use jpki_card::transport::Layered;
    use jpki_vcard::{Profile, VirtualCard};

    /// Below the layer under test: SIGTERM is sent to this process while the card works on a
    /// PIN, and the card answers a little later.
    struct SignalledMidway;

    impl Layer for SignalledMidway {
        fn transmit(
            &mut self,
            card: &mut dyn Transaction,
            command: Outgoing<'_>,
        ) -> Result<Vec<u8>, TransportError> {
            if command.carries_pin() {
                let me = rustix::process::getpid();
                rustix::process::kill_process(me, rustix::process::Signal::TERM).unwrap();
                std::thread::sleep(std::time::Duration::from_millis(300));
            }
            card.transmit(command)
        }
    }

    #[test]
    fn a_signal_while_a_pin_is_in_flight_waits_for_the_answer_and_stops_what_follows() {
        let card = VirtualCard::new(Profile::Adult.card());
        let mut reader = Layered::new(Layered::new(card, SignalledMidway), PinInFlight);
        // The test process lives on: SIGTERM was held, and the card's answer comes back.
        let pin = Pin::new(PinKind::Auth, "1234").unwrap();
        let report = verify_pin(&mut reader, &pin, LastTry::Refuse, &[]);
        assert!(report.is_right(), "{report:?}");
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert_eq!(deferred(), Some(SIGTERM));
        // What follows is refused unsent; the run then reports and ends by SIGTERM.
        let refused = read_pin_statuses(&mut reader).unwrap_err();
        assert!(
            format!("{refused:#}").contains("SIGTERM after the card answered")
                || std::error::Error::source(&refused)
                    .is_some_and(|s| s.to_string().contains("SIGTERM after the card answered")),
            "{refused}"
        );
    }
}
