//! Read the tries left of the card's four PINs, spending none.
//!
//! ```text
//! cargo run -p jpki-card --example read-counters                  # the first reader with a card
//! cargo run -p jpki-card --example read-counters -- --reader NAME # a reader by name
//! cargo run -p jpki-card --example read-counters -- --replay TRACE
//! ```
//!
//! `--replay` answers from a recorded trace (such as apdu-traces/status/fresh.trace) through
//! the library's mock reader, so the example runs without a card.

use jpki_card::card::{read_pin_statuses, RetryCounter};
use jpki_card::transport::pcsc::PcscReader;
use jpki_card::transport::trace::Trace;
use jpki_card::transport::{Reader, Replay};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("read-counters: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
    let mut reader: Box<dyn Reader> = match args.iter().map(String::as_str).collect::<Vec<_>>()[..]
    {
        [] => Box::new(PcscReader::connect(None)?),
        ["--reader", name] => Box::new(PcscReader::connect(Some(name))?),
        ["--replay", trace] => Box::new(Replay::new(Trace::load(Path::new(trace))?)),
        _ => return Err("usage: read-counters [--reader NAME | --replay TRACE]".into()),
    };
    for pin in read_pin_statuses(reader.as_mut())? {
        let tries = match pin.counter {
            RetryCounter::Remaining(n) => format!("{n} tries left"),
            RetryCounter::Blocked(_) => "locked".to_string(),
            RetryCounter::Absent => "not on this card".to_string(),
            other => format!("unreadable ({other:?})"),
        };
        println!("{}: {tries}", pin.kind);
    }
    // The replay reader says here whether every recorded exchange was used as recorded.
    reader.finish()?;
    Ok(())
}
