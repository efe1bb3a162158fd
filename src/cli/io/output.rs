//! Writing to stdout and stderr without `print!`/`eprint!`, which panic when the reader of a
//! pipe has gone (`jpki status | head -1`) or the disk is full: a failed data write is an ordinary
//! error with exit code 1 (a pipe whose reader went away ends the run quietly instead, see
//! [`reader_went_away`]), and a failed note on stderr is dropped.
//!
//! A stdout that was closed when jpki started (`jpki status >&-`) fails too. Rust's runtime
//! puts /dev/null in place of a closed standard descriptor before `main`, where every write
//! succeeds; so on Linux a constructor that runs before the runtime notes whether fd 1 was
//! open ([`stdout_was_closed`]).

use crate::cli::io::warnings;
use anyhow::Context;
use serde_json::Value;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// The version of every JSON object jpki prints (docs/json.md): raised when a key changes
/// meaning or goes away, not when one is added.
pub const SCHEMA_VERSION: u32 = 1;

/// The start of every JSON object: `schema_version`, then `command`, the command that printed
/// it (null when the command line could not be read).
pub fn json_object(command: Option<&str>) -> Value {
    serde_json::json!({ "schema_version": SCHEMA_VERSION, "command": command })
}

/// The `error` object of every JSON object (docs/json.md, `error`): what went wrong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ErrorObject {
    /// The exit code's name ([`crate::cli::Exit::id`]).
    pub code: &'static str,
    /// The exit code (128 + the signal's number for `interrupted`).
    pub exit: u8,
    /// What went wrong, in the output language.
    pub message: String,
    /// What to do about it, when there is something to say.
    pub hint: Option<String>,
    /// `unknown` for a card without the JPKI application.
    pub card_kind: Option<&'static str>,
    /// `no_jpki_application` with `card_kind` `unknown`.
    pub reason: Option<&'static str>,
}

impl ErrorObject {
    /// The object as JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("an error object is strings and numbers only")
    }
}

/// Set by a command that printed its JSON object: an error after that is inside it, and `main`
/// prints no second object.
static JSON_PRINTED: AtomicBool = AtomicBool::new(false);

/// Write `data` to stdout and flush it; a failed write becomes an error, never a panic.
pub fn print(data: impl AsRef<[u8]>) -> anyhow::Result<()> {
    if stdout_was_closed() {
        anyhow::bail!("cannot write to stdout: it was closed when jpki started");
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(data.as_ref())
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")
}

/// Whether `error` is a write to a pipe whose reader has gone (EPIPE): Rust ignores SIGPIPE, so
/// such a write fails with [`std::io::ErrorKind::BrokenPipe`] instead of ending the process.
pub fn reader_went_away(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Print a command's JSON object (one line) and remember it was printed.
pub fn print_json(value: &Value) -> anyhow::Result<()> {
    JSON_PRINTED.store(true, Ordering::SeqCst);
    print(report_line(value))
}

/// A command's JSON object as one line ([`json_line`]), with the run's `warnings` last.
pub fn report_line(value: &Value) -> String {
    let mut value = value.clone();
    value["warnings"] = warnings::to_json();
    json_line(&value)
}

/// Remember that a command printed its JSON object (through [`print_report`]).
pub fn note_json_printed() {
    JSON_PRINTED.store(true, Ordering::SeqCst);
}

/// Whether a command printed its JSON object already (its error is inside it).
pub fn json_printed() -> bool {
    JSON_PRINTED.load(Ordering::SeqCst)
}

/// Print what happened on the card. Should stdout fail, the person must still learn it: the
/// failure and then the same report in words go to stderr, and the caller's exit code stays the
/// card's outcome (docs/exit-codes.md).
pub fn print_report(shown: &str, in_words: impl FnOnce() -> String, lang_ja: bool) {
    if let Err(error) = print(shown) {
        let lead = if lang_ja {
            "jpki: エラー: 標準出力に書き込めません。カードで起きたことをここに示します"
        } else {
            "jpki: error: what happened on the card could not be written to stdout, so here it is"
        };
        note(format!("{lead} ({error:#}):\n{}", in_words()));
    }
}

/// Write a note (a warning, a waiting line, the tries left) to stderr. Nothing can be done if
/// stderr is gone, and a note must never change the outcome, so a failed write is dropped.
pub fn note(text: impl AsRef<str>) {
    let _ = std::io::stderr().lock().write_all(text.as_ref().as_bytes());
}

/// `value` as one line of JSON. serde_json escapes the C0 controls; this also writes DEL, the C1
/// controls and the bidirectional controls as `\u` escapes, so text from a card or a reader
/// cannot act on a terminal that shows the JSON either. Such a character can only stand inside a
/// string of compact JSON, so escaping it wherever it stands keeps the JSON what it was.
pub fn json_line(value: &Value) -> String {
    let compact = value.to_string();
    let mut text = String::with_capacity(compact.len() + 1);
    for c in compact.chars() {
        if jpki_card::text::is_unprintable(c) {
            let _ = write!(text, "\\u{:04x}", u32::from(c));
        } else {
            text.push(c);
        }
    }
    text.push('\n');
    text
}

/// Whether stdout (fd 1) was closed when the process started.
pub fn stdout_was_closed() -> bool {
    CLOSED_AT_START.load(Ordering::SeqCst)
}

static CLOSED_AT_START: AtomicBool = AtomicBool::new(false);

/// Look at fd 1 before Rust's runtime replaces a closed one with /dev/null.
#[cfg(target_os = "linux")]
extern "C" fn note_closed_stdout() {
    let closed = rustix::io::fcntl_getfd(std::io::stdout()).is_err();
    CLOSED_AT_START.store(closed, Ordering::SeqCst);
}

/// The constructor list the dynamic loader runs before `main` (and before Rust's runtime).
// SAFETY of the attribute: `.init_array` holds pointers to functions that take no arguments
// the callee reads and return nothing; `note_closed_stdout` is one, touches no runtime state
// (one fcntl system call through rustix and one atomic store), and cannot unwind.
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static NOTE_CLOSED_STDOUT: extern "C" fn() = note_closed_stdout;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_every_terminal_control() {
        let value = serde_json::json!({ "name": "a\u{1b}]0;x\u{7}\u{9b}\u{7f}\u{202e}ー" });
        let line = json_line(&value);
        assert_eq!(
            line,
            "{\"name\":\"a\\u001b]0;x\\u0007\\u009b\\u007f\\u202eー\"}\n"
        );
        let back: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back, value);
    }
}
