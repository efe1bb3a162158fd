//! The mock reader: answers each command from a recorded trace, and insists the commands match.

use super::trace::{Answer, Trace, TraceError};
use super::{wire, Transport, TransportError};

/// A reader that replays a trace. Any command the trace does not expect next is an error.
#[derive(Debug)]
pub struct Replay {
    trace: Trace,
    next: usize,
    reader: String,
}

impl Replay {
    /// A mock reader over `trace`.
    pub fn new(trace: Trace) -> Replay {
        let reader = trace
            .reader
            .clone()
            .unwrap_or_else(|| format!("replay of {}", trace.origin));
        Replay {
            trace,
            next: 0,
            reader,
        }
    }

    /// The ATR the trace gives the card, if any.
    pub fn atr(&self) -> Option<&[u8]> {
        self.trace.atr.as_deref()
    }
}

impl Transport for Replay {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let step = self.next + 1;
        let origin = self.trace.origin.clone();
        let Some(exchange) = self.trace.exchanges.get(self.next) else {
            return Err(TraceError::PastEnd {
                origin,
                step,
                actual: wire::redacted_hex(command),
            }
            .into());
        };
        if !exchange.command.matches(command) {
            return Err(TraceError::Diverged {
                origin,
                step,
                line: exchange.line,
                expected: exchange.command.to_string(),
                actual: wire::redacted_hex(command),
            }
            .into());
        }
        self.next += 1;
        match &exchange.answer {
            Answer::Bytes(bytes) => Ok(bytes.clone()),
            Answer::Removed => Err(TransportError::CardRemoved),
            Answer::Reset => Err(TransportError::CardReset),
        }
    }

    fn exclusive(
        &mut self,
        session: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError> {
        session(self);
        Ok(())
    }

    fn reader_name(&self) -> &str {
        &self.reader
    }

    fn finish(&mut self) -> Result<(), TransportError> {
        match self.trace.exchanges.get(self.next) {
            None => Ok(()),
            Some(unused) => Err(TraceError::Unconsumed {
                origin: self.trace.origin.clone(),
                step: self.next + 1,
                line: unused.line,
                remaining: self.trace.exchanges.len() - self.next,
                expected: unused.command.to_string(),
            }
            .into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replay(text: &str) -> Replay {
        Replay::new(Trace::parse(text, "t.trace").unwrap())
    }

    #[test]
    fn answers_in_order_and_matches_redacted_bytes() {
        let mut r = replay("@source hand-written\n> 00 20 00 80 02 ?? ??\n< 63 C1\n");
        assert_eq!(
            r.transmit(&[0, 0x20, 0, 0x80, 2, 7, 7]).unwrap(),
            vec![0x63, 0xC1]
        );
        r.finish().unwrap();
    }

    #[test]
    fn a_different_command_names_step_line_and_both_commands_without_the_pin() {
        let mut r = replay("@source hand-written\n\n> 00 A4 02 0C 02 00 1B\n< 90 00\n");
        let err = r.transmit(&[0, 0x20, 0, 0x80, 2, 0x31, 0x32]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("t.trace:3"), "{text}");
        assert!(text.contains("step 1"), "{text}");
        assert!(text.contains("00 A4 02 0C 02 00 1B"), "{text}");
        assert!(text.contains("00 20 00 80 02 ?? ??"), "{text}");
    }

    #[test]
    fn running_past_the_end_and_leaving_exchanges_are_both_errors() {
        let mut r = replay("@source hand-written\n> 00 20 00 80\n< 63 C3\n");
        r.transmit(&[0, 0x20, 0, 0x80]).unwrap();
        assert!(matches!(
            r.transmit(&[0, 0x20, 0, 0x80]),
            Err(TransportError::Trace(TraceError::PastEnd { step: 2, .. }))
        ));
        let mut r = replay("@source hand-written\n> 00 20 00 80\n< 63 C3\n");
        assert!(matches!(
            r.finish(),
            Err(TransportError::Trace(TraceError::Unconsumed {
                remaining: 1,
                line: 2,
                ..
            }))
        ));
    }

    #[test]
    fn card_events_become_transport_errors() {
        let mut r =
            replay("@source hand-written\n> 00 20 00 80\n< !removed\n> 00 20 00 80\n< !reset\n");
        assert!(matches!(
            r.transmit(&[0, 0x20, 0, 0x80]),
            Err(TransportError::CardRemoved)
        ));
        assert!(matches!(
            r.transmit(&[0, 0x20, 0, 0x80]),
            Err(TransportError::CardReset)
        ));
    }
}
