//! The trace parser on arbitrary bytes, read as a trace file is: it must return a trace or an
//! error, never panic; an error must be safe to print and short; and a trace it accepts must
//! survive writing and reading again.
#![no_main]

use jpki_card::text::is_unprintable;
use jpki_card::transport::trace::{Trace, TraceError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match Trace::from_bytes(data, "fuzz") {
        Ok(trace) => {
            let again =
                Trace::parse(&trace.to_text(), "again").expect("a written trace reads back");
            assert_eq!(again.exchanges.len(), trace.exchanges.len());
            for (a, b) in again.exchanges.iter().zip(&trace.exchanges) {
                assert_eq!((&a.command, &a.answer), (&b.command, &b.answer));
            }
            assert_eq!(
                (again.source, &again.reader, &again.atr),
                (trace.source, &trace.reader, &trace.atr)
            );
        }
        Err(error @ TraceError::Malformed { .. }) => {
            let shown = error.to_string();
            assert!(
                !shown.chars().any(|c| c != '\n' && is_unprintable(c)),
                "{shown:?}"
            );
            assert!(shown.chars().count() < 600, "{shown}");
        }
        Err(TraceError::TooLarge { .. }) => {}
        Err(other) => panic!("parsing gave a non-parse error: {other}"),
    }
});
