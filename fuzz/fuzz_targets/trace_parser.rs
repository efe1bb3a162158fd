//! The trace parser on arbitrary text: it must return a trace or an error, never panic, and a
//! trace it accepts must survive writing and reading again.
#![no_main]

use jpki::transport::trace::Trace;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(trace) = Trace::parse(&text, "fuzz") {
        let again = Trace::parse(&trace.to_text(), "again").expect("a written trace reads back");
        assert_eq!(again.exchanges.len(), trace.exchanges.len());
        for (a, b) in again.exchanges.iter().zip(&trace.exchanges) {
            assert_eq!((&a.command, &a.answer), (&b.command, &b.answer));
        }
        assert_eq!((again.source, &again.atr), (trace.source, &trace.atr));
    }
});
