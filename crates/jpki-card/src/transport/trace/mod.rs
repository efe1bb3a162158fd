//! The trace file: a recorded exchange with a card, as line-oriented text (docs/trace-format.md).
//!
//! A [`Trace`] and its parts say what a trace holds, and write it ([`Trace::to_text`]); the
//! parser reads one back ([`Trace::parse`], [`Trace::load`]); a [`TraceError`] says what went
//! wrong, quoting the file only escaped and cut short.

mod error;
mod format;
mod parse;

pub use error::TraceError;
pub use format::{
    Answer, CommandPattern, Exchange, Source, Trace, MAX_LINE_BYTES, MAX_TRACE_BYTES,
};

#[cfg(test)]
mod tests;
