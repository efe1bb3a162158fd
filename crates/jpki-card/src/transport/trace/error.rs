//! What goes wrong with a trace: a file that cannot be read or written or is not a trace, and a
//! replay that left the trace's path.

use super::format::MAX_TRACE_BYTES;
use thiserror::Error;

/// A trace that cannot be read, or a replay that left the trace's path. Every piece of the file
/// a message quotes is escaped and cut short.
#[non_exhaustive]
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum TraceError {
    /// The file could not be read.
    #[error("cannot read trace {origin}: {reason}")]
    Unreadable {
        /// The file.
        origin: String,
        /// What the OS said.
        reason: String,
    },
    /// The file is larger than any trace: it was not read further.
    #[error("trace {origin} is larger than {MAX_TRACE_BYTES} bytes (1 MiB), the most a trace may hold; a real exchange takes a few KB, so this is not a trace")]
    TooLarge {
        /// The file.
        origin: String,
    },
    /// The trace file could not be written (`--record`).
    #[error("cannot write trace {origin}: {reason}")]
    Unwritable {
        /// The file.
        origin: String,
        /// What the OS said.
        reason: String,
    },
    /// A line is not valid trace syntax, or the file as a whole is not a trace.
    #[error("{origin}:{line}: {problem}{}", quoting(*.line, .excerpt))]
    Malformed {
        /// The file.
        origin: String,
        /// 1-based line number (0 only for an empty file, which has no line).
        line: usize,
        /// What is wrong.
        problem: String,
        /// The line as the message shows it: escaped and cut short (empty: none shown).
        excerpt: String,
    },
    /// The program sent a command other than the one the trace expects next.
    #[error("{origin}:{line}: replay diverged at step {step}: the trace expects\n  > {expected}\nbut the program sent\n  > {actual}")]
    Diverged {
        /// The file.
        origin: String,
        /// 1-based number of the exchange.
        step: usize,
        /// Line of the expected command.
        line: usize,
        /// The expected command, cut short around the first difference.
        expected: String,
        /// The command sent, PIN bytes redacted, cut short the same way.
        actual: String,
    },
    /// The program sent more commands than the trace holds.
    #[error(
        "{origin}: replay ran past the end of the trace at step {step}: the program sent\n  > {actual}"
    )]
    PastEnd {
        /// The file.
        origin: String,
        /// 1-based number of the command that had no exchange.
        step: usize,
        /// The command sent, PIN bytes redacted, cut short.
        actual: String,
    },
    /// The command finished but the trace holds more exchanges.
    #[error("{origin}:{line}: replay finished with {remaining} exchange(s) of the trace unused, from step {step}:\n  > {expected}")]
    Unconsumed {
        /// The file.
        origin: String,
        /// Step of the first unused exchange.
        step: usize,
        /// Its line.
        line: usize,
        /// How many are left.
        remaining: usize,
        /// The first unused command, cut short.
        expected: String,
    },
}

/// The second line of a parse error: the bad line as the file holds it, made safe to print.
fn quoting(line: usize, excerpt: &str) -> String {
    if excerpt.is_empty() {
        String::new()
    } else {
        format!("\n  line {line} reads \"{excerpt}\"")
    }
}
