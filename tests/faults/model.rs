//! What a fault case is and what jpki must do after the fault: the facts its JSON must show,
//! the words its stderr must hold, the exit code.

use super::injection::Fault;
use jpki_card::transport::trace::Exchange;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Fact {
    pub(super) pin: Option<&'static str>,
    /// A JSON pointer, inside the PIN's entry or from the top.
    pub(super) pointer: &'static str,
    pub(super) value: Value,
}

/// The PIN `id`'s entry has `value` at `field`.
pub(super) fn pin_is(id: &'static str, field: &'static str, value: impl Into<Value>) -> Fact {
    Fact {
        pin: Some(id),
        pointer: field,
        value: value.into(),
    }
}

/// The top-level `pointer` holds `value`.
pub(super) fn top_is(pointer: &'static str, value: impl Into<Value>) -> Fact {
    Fact {
        pin: None,
        pointer,
        value: value.into(),
    }
}

/// Words stderr must hold, all of them (compared in lower case); `a|b` is held when either is.
pub(super) fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| w.to_lowercase()).collect()
}

/// What jpki must do after the fault.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Outcome {
    /// Stop with this exit code; stderr names the failure with all of these words, and JSON
    /// output (when asked for) shows these facts.
    Stop {
        exit: i32,
        says: Vec<String>,
        facts: Vec<Fact>,
    },
    /// Go on correctly: the next `skip` base exchanges are not sent, the rest are, then exit
    /// with `exit` (0, or `doctor`'s 19 for a check that failed) and nothing on stderr. `facts`
    /// are what JSON output must show.
    Continue {
        skip: usize,
        exit: i32,
        facts: Vec<Fact>,
    },
    /// Go on correctly, sending exactly these base exchanges (by index) after the faulted one,
    /// then exit with `exit` (a juki key reference found missing: the run goes on with the
    /// other and succeeds).
    ContinueWith {
        rest: Vec<usize>,
        exit: i32,
        facts: Vec<Fact>,
    },
    /// Go on to a command the base trace has no answer for (a SELECT that was due to fail now
    /// succeeds); the trace ends there, so the replay reports running past its end.
    Proceeds,
}

/// One command run under faults: a base trace of the happy exchange, the command line, the
/// standard input, and the PINs that must never show anywhere.
pub(super) struct Case {
    pub(super) name: &'static str,
    pub(super) trace: &'static str,
    pub(super) args: &'static [&'static str],
    pub(super) stdin: Option<&'static str>,
    pub(super) pins: &'static [&'static str],
    pub(super) expect: fn(&[Exchange], usize, &Fault) -> Outcome,
    /// Whether the stdout of a successful run is whole (args given to tell text from JSON).
    pub(super) valid_output: fn(&[&str], &str) -> bool,
    /// The faults injected at each step.
    pub(super) faults: fn() -> Vec<Fault>,
    /// Whether the command reports a failure on stdout, where the words of a stop are looked
    /// for (`readers` and `doctor` report a failed probe in their output), not on stderr.
    pub(super) reports_on_stdout: bool,
}
