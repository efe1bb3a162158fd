//! The mock reader: answers each command from a recorded trace, and insists the commands match.

use super::error::TransportError;
use super::reader::{Reader, Transaction};
use super::trace::{Answer, CommandPattern, Trace, TraceError};
use crate::apdu::Outgoing;

/// How many bytes of a command an error shows: a SELECT by AID (15 bytes) whole, and never more
/// than a line of a terminal, however long the command.
const SHOWN_BYTES: usize = 24;

/// A reader that replays a trace. Any command the trace does not expect next is an error, and
/// the first such error is remembered: every later command gets it again and so does
/// [`Reader::finish`], so a caller that threw the error away still cannot pass the run off as
/// the recorded exchange.
#[derive(Debug)]
pub struct Replay {
    trace: Trace,
    next: usize,
    reader: String,
    left_the_trace: Option<TraceError>,
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
            left_the_trace: None,
        }
    }

    /// The ATR the trace gives the card, if any.
    pub fn atr(&self) -> Option<&[u8]> {
        self.trace.atr.as_deref()
    }

    /// What `command` does to the replay: the next exchange's answer, or where it left the trace.
    fn step(&self, command: &[u8]) -> Result<&Answer, TraceError> {
        let step = self.next + 1;
        let origin = self.trace.origin.clone();
        let sent = CommandPattern::redacted(command);
        let Some(exchange) = self.trace.exchanges.get(self.next) else {
            return Err(TraceError::PastEnd {
                origin,
                step,
                actual: shown(&sent, 0),
            });
        };
        if !exchange.command.matches(command) {
            let at = first_difference(&exchange.command, command);
            return Err(TraceError::Diverged {
                origin,
                step,
                line: exchange.line,
                expected: shown(&exchange.command, at),
                actual: shown(&sent, at),
            });
        }
        Ok(&exchange.answer)
    }
}

/// The index of the first byte where `sent` does not match `expected` (a `??` matches any), or
/// where the shorter one ends.
fn first_difference(expected: &CommandPattern, sent: &[u8]) -> usize {
    expected
        .0
        .iter()
        .zip(sent)
        .position(|(want, got)| want.is_some_and(|w| w != *got))
        .unwrap_or_else(|| expected.0.len().min(sent.len()))
}

/// A command as an error shows it: whole when short, otherwise [`SHOWN_BYTES`] of it from a
/// little before byte `at`, with ellipses and the byte range shown.
fn shown(command: &CommandPattern, at: usize) -> String {
    let bytes = &command.0;
    if bytes.len() <= SHOWN_BYTES {
        return command.to_string();
    }
    let start = at
        .saturating_sub(SHOWN_BYTES / 3)
        .min(bytes.len() - SHOWN_BYTES);
    let end = start + SHOWN_BYTES;
    let window = CommandPattern(bytes[start..end].to_vec()).to_string();
    format!(
        "{}{window}{} (bytes {}-{end} of {})",
        if start > 0 { "… " } else { "" },
        if end < bytes.len() { " …" } else { "" },
        start + 1,
        bytes.len()
    )
}

impl Replay {
    /// The next exchange's answer to `command`, or the error that it left the trace.
    fn answer(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if let Some(first) = &self.left_the_trace {
            return Err(first.clone().into());
        }
        let answer = match self.step(command) {
            Ok(answer) => answer.clone(),
            Err(left) => {
                self.left_the_trace = Some(left.clone());
                return Err(left.into());
            }
        };
        self.next += 1;
        match answer {
            Answer::Removed => Err(TransportError::CardRemoved),
            Answer::Reset => Err(TransportError::CardReset),
            // A redacted answer comes back as zeros of its length: the personal bytes are gone.
            other => Ok(other.replayed().unwrap_or_default()),
        }
    }
}

impl Reader for Replay {
    fn name(&self) -> &str {
        &self.reader
    }

    /// The trace's ATR, so a recording of a replay keeps it.
    fn atr(&self) -> Option<Vec<u8>> {
        self.trace.atr.clone()
    }

    /// A trace records no transactions: each one runs on through the exchanges.
    fn transaction(&mut self) -> Result<Box<dyn Transaction + '_>, TransportError> {
        Ok(Box::new(ReplayTransaction { replay: self }))
    }

    /// The first command that left the trace, if any, even when its error was thrown away;
    /// otherwise the exchanges left unused.
    fn finish(&mut self) -> Result<(), TransportError> {
        if let Some(first) = &self.left_the_trace {
            return Err(first.clone().into());
        }
        match self.trace.exchanges.get(self.next) {
            None => Ok(()),
            Some(unused) => Err(TraceError::Unconsumed {
                origin: self.trace.origin.clone(),
                step: self.next + 1,
                line: unused.line,
                remaining: self.trace.exchanges.len() - self.next,
                expected: shown(&unused.command, 0),
            }
            .into()),
        }
    }
}

/// A transaction on the replayed card.
struct ReplayTransaction<'a> {
    replay: &'a mut Replay,
}

impl Transaction for ReplayTransaction<'_> {
    fn transmit(&mut self, command: Outgoing<'_>) -> Result<Vec<u8>, TransportError> {
        self.replay.answer(command.bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apdu::secret;

    fn replay(text: &str) -> Replay {
        Replay::new(Trace::parse(text, "t.trace").unwrap())
    }

    /// Send one command in a transaction of its own.
    fn send(replay: &mut Replay, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        replay
            .transaction()?
            .transmit(Outgoing::built_here(command))
    }

    #[test]
    fn answers_in_order_and_matches_redacted_bytes() {
        let mut r = replay("@source hand-written\n> 00 20 00 80 02 ?? ??\n< 63 C1\n");
        assert_eq!(
            send(&mut r, &[0, 0x20, 0, 0x80, 2, 7, 7]).unwrap(),
            vec![0x63, 0xC1]
        );
        r.finish().unwrap();
    }

    #[test]
    fn a_different_command_names_step_line_and_both_commands_without_the_pin() {
        let mut r = replay("@source hand-written\n\n> 00 A4 02 0C 02 00 1B\n< 90 00\n");
        let err = send(&mut r, &[0, 0x20, 0, 0x80, 2, 0x31, 0x32]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("t.trace:3"), "{text}");
        assert!(text.contains("step 1"), "{text}");
        assert!(text.contains("00 A4 02 0C 02 00 1B"), "{text}");
        assert!(text.contains("00 20 00 80 02 ?? ??"), "{text}");
    }

    #[test]
    fn running_past_the_end_and_leaving_exchanges_are_both_errors() {
        let mut r = replay("@source hand-written\n> 00 20 00 80\n< 63 C3\n");
        send(&mut r, &[0, 0x20, 0, 0x80]).unwrap();
        assert!(matches!(
            send(&mut r, &[0, 0x20, 0, 0x80]),
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
        // One of two used: the second is the first unused, and the only one left.
        let mut r =
            replay("@source hand-written\n> 00 20 00 80\n< 63 C3\n> 00 20 00 81\n< 63 C3\n");
        send(&mut r, &[0, 0x20, 0, 0x80]).unwrap();
        assert!(matches!(
            r.finish(),
            Err(TransportError::Trace(TraceError::Unconsumed {
                step: 2,
                remaining: 1,
                line: 4,
                ..
            }))
        ));
    }

    #[test]
    fn the_reader_and_atr_are_the_traces() {
        let r = replay("@source hand-written\n@reader ACS ACR39U 00 00\n@atr 3B 8F 80 01\n");
        assert_eq!(Reader::name(&r), "ACS ACR39U 00 00");
        assert_eq!(r.atr(), Some(&[0x3B, 0x8F, 0x80, 0x01][..]));
        assert_eq!(Reader::atr(&r), Some(vec![0x3B, 0x8F, 0x80, 0x01]));
        assert_eq!(replay("@source hand-written\n").atr(), None);
    }

    #[test]
    fn a_diverging_command_is_remembered_even_when_its_error_is_thrown_away() {
        let mut r = replay("@source hand-written\n> 00 A4 02 0C 02 00 1B\n< 90 00\n");
        let t: &mut dyn Reader = &mut r;
        let mut card = t.transaction().unwrap();
        let _ = card.transmit(Outgoing::built_here(&[0, 0xA4, 2, 0x0C, 2, 0, 0x18]));
        // The command the trace does expect does not put the replay back on its path.
        assert!(matches!(
            card.transmit(Outgoing::built_here(&[0, 0xA4, 2, 0x0C, 2, 0, 0x1B])),
            Err(TransportError::Trace(TraceError::Diverged { step: 1, .. }))
        ));
        drop(card);
        assert!(matches!(
            t.finish(),
            Err(TransportError::Trace(TraceError::Diverged { step: 1, .. }))
        ));
    }

    #[test]
    fn a_command_past_the_end_is_remembered_even_when_its_error_is_thrown_away() {
        // A careless caller: the whole recorded exchange, then one more command whose error it
        // drops. Every exchange was used, so only the memory of that command fails the run.
        let mut r = replay("@source hand-written\n> 00 20 00 80\n< 63 C3\n");
        let mut card = r.transaction().unwrap();
        assert_eq!(
            card.transmit(Outgoing::built_here(&[0, 0x20, 0, 0x80]))
                .unwrap(),
            vec![0x63, 0xC3]
        );
        let _ = card.transmit(Outgoing::built_here(&[0, 0x20, 0, 0x81]));
        card.end().unwrap();
        let err = r.finish().unwrap_err();
        assert!(
            matches!(
                err,
                TransportError::Trace(TraceError::PastEnd { step: 2, .. })
            ),
            "{err}"
        );
        assert!(err.to_string().contains("> 00 20 00 81"), "{err}");
    }

    #[test]
    fn a_long_command_is_shown_around_its_first_difference_pin_still_redacted() {
        // UPDATE BINARY of 60,000 bytes that differs from the trace at byte 30,001.
        let mut expected = vec![0x00, 0xD6, 0x00, 0x00, 0x00, 0xEA, 0x5B];
        expected.resize(7 + 59_993, 0xAB);
        let mut sent = expected.clone();
        sent[30_000] = 0xCD;
        let mut r = replay(&format!(
            "@source hand-written\n> {}\n< 90 00\n",
            secret::spaced_hex(&expected)
        ));
        let text = send(&mut r, &sent).unwrap_err().to_string();
        assert!(text.len() < 400, "{text}");
        assert!(
            text.contains("> … AB AB AB AB AB AB AB AB CD AB"),
            "the sent command is shown from a little before the difference: {text}"
        );
        assert!(text.contains("(bytes 29993-30016 of 60000)"), "{text}");
        // A difference in the last byte: the window ends with the command.
        let mut sent = expected.clone();
        sent[59_999] = 0xCD;
        let text = send(
            &mut replay(&format!(
                "@source hand-written\n> {}\n< 90 00\n",
                secret::spaced_hex(&expected)
            )),
            &sent,
        )
        .unwrap_err()
        .to_string();
        assert!(
            text.contains("AB AB CD (bytes 59977-60000 of 60000)"),
            "{text}"
        );
        // A long CHANGE REFERENCE DATA that differs in its header: the PIN stays `??`.
        let mut change = vec![0x00, 0x24, 0x01, 0x80, 0x28];
        change.extend(b"0123456789012345678901234567890123456789");
        let mut r = replay(&format!(
            "@source hand-written\n> 00 24 01 81 28 {}\n< 90 00\n",
            vec!["??"; 40].join(" ")
        ));
        let text = send(&mut r, &change).unwrap_err().to_string();
        assert!(text.contains("> 00 24 01 80 28 ?? ?? "), "{text}");
        assert!(!text.contains("30 31") && !text.contains("31 32"), "{text}");
    }

    #[test]
    fn card_events_become_transport_errors() {
        let mut r =
            replay("@source hand-written\n> 00 20 00 80\n< !removed\n> 00 20 00 80\n< !reset\n");
        assert!(matches!(
            send(&mut r, &[0, 0x20, 0, 0x80]),
            Err(TransportError::CardRemoved)
        ));
        assert!(matches!(
            send(&mut r, &[0, 0x20, 0, 0x80]),
            Err(TransportError::CardReset)
        ));
    }
}
