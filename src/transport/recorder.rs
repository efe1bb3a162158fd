//! The recorder: wraps any transport and writes what passed through it as a trace, PIN bytes
//! replaced by `??` before they are ever stored.

use super::trace::{Answer, CommandPattern, Exchange, Source, Trace, TraceError};
use super::{Transport, TransportError};
use std::path::PathBuf;

/// A transport that remembers every exchange and writes a trace file when finished.
#[derive(Debug)]
pub struct Recorder<T> {
    inner: T,
    path: PathBuf,
    source: Source,
    exchanges: Vec<Exchange>,
}

impl<T: Transport> Recorder<T> {
    /// Record what passes through `inner`; `source` says what is behind it.
    pub fn new(inner: T, path: PathBuf, source: Source) -> Recorder<T> {
        Recorder {
            inner,
            path,
            source,
            exchanges: Vec::new(),
        }
    }

    /// Like [`Recorder::new`], but first check that the trace file can be written, by creating
    /// it. A command that changed the card must not end in an error only because its trace could
    /// not be saved afterwards; so an unwritable path fails here, before any command is sent.
    pub fn create(inner: T, path: PathBuf, source: Source) -> Result<Recorder<T>, TransportError> {
        std::fs::File::create(&path).map_err(|e| unwritable(&path, &e))?;
        Ok(Recorder::new(inner, path, source))
    }

    /// The trace so far.
    pub fn trace(&self) -> Trace {
        Trace {
            origin: self.path.display().to_string(),
            source: self.source,
            reader: Some(self.inner.reader_name().to_string()),
            atr: self.inner.atr(),
            exchanges: self.exchanges.clone(),
        }
    }
}

fn unwritable(path: &std::path::Path, e: &std::io::Error) -> TransportError {
    TransportError::Trace(TraceError::Unwritable {
        origin: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// Send through `inner` and log the exchange, redacted.
fn record(
    inner: &mut dyn Transport,
    log: &mut Vec<Exchange>,
    command: &[u8],
) -> Result<Vec<u8>, TransportError> {
    let result = inner.transmit(command);
    let answer = match &result {
        Ok(bytes) => Answer::Bytes(bytes.clone()),
        Err(TransportError::CardRemoved) => Answer::Removed,
        Err(TransportError::CardReset) => Answer::Reset,
        // Nothing reached the card, or nothing is known of it: no exchange to write down.
        Err(_) => return result,
    };
    log.push(Exchange {
        command: CommandPattern::redacted(command),
        answer,
        line: 0,
    });
    result
}

/// The recorder's view of a transport inside a hold.
struct Held<'a> {
    inner: &'a mut dyn Transport,
    log: &'a mut Vec<Exchange>,
}

impl Transport for Held<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        record(self.inner, self.log, command)
    }

    fn exclusive(
        &mut self,
        session: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError> {
        session(self); // already held
        Ok(())
    }

    fn reader_name(&self) -> &str {
        self.inner.reader_name()
    }
}

impl<T: Transport> Transport for Recorder<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        record(&mut self.inner, &mut self.exchanges, command)
    }

    fn exclusive(
        &mut self,
        session: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError> {
        let log = &mut self.exchanges;
        self.inner
            .exclusive(&mut |held| session(&mut Held { inner: held, log }))
    }

    fn reader_name(&self) -> &str {
        self.inner.reader_name()
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.inner.atr()
    }

    /// Writes the trace even when the command failed: a failed run is the one worth a bug report.
    fn finish(&mut self) -> Result<(), TransportError> {
        let inner = self.inner.finish();
        std::fs::write(&self.path, self.trace().to_text())
            .map_err(|e| unwritable(&self.path, &e))?;
        inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Replay;

    #[test]
    fn recorded_trace_hides_pins_and_replays() {
        let text = "@source hand-written\n> 00 20 00 80 04 ?? ?? ?? ??\n< 90 00\n> 00 24 01 80 04 ?? ?? ?? ??\n< 90 00\n";
        let replay = Replay::new(Trace::parse(text, "t").unwrap());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.trace");
        let mut rec = Recorder::new(replay, path.clone(), Source::HandWritten);
        rec.exclusive(&mut |t| {
            t.transmit(&[0, 0x20, 0, 0x80, 4, b'1', b'2', b'3', b'4'])
                .unwrap();
            t.transmit(&[0, 0x24, 1, 0x80, 4, b'9', b'8', b'7', b'6'])
                .unwrap();
        })
        .unwrap();
        rec.finish().unwrap();
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(
            written.contains("> 00 20 00 80 04 ?? ?? ?? ??"),
            "{written}"
        );
        assert!(
            !written.contains("31 32") && !written.contains("39 38"),
            "{written}"
        );
        let again = Trace::parse(&written, "out").unwrap();
        assert_eq!(again.exchanges.len(), 2);
    }

    #[test]
    fn an_unwritable_path_fails_before_any_command() {
        let replay = Replay::new(Trace::parse("@source hand-written\n", "t").unwrap());
        let dir = tempfile::tempdir().unwrap();
        let err = Recorder::create(replay, dir.path().to_path_buf(), Source::HandWritten)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("cannot write trace"), "{err}");
    }
}
