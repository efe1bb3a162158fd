//! Fault injection: a layer that spoils the k-th exchange on purpose, so tests can prove what
//! jpki does when a card or reader misbehaves at any step.
//!
//! The layer also counts the commands that carried a PIN, so a test can check the promise that
//! such a command is sent at most once per user entry and never again after a fault.

use jpki_card::apdu::secret;
use jpki_card::apdu::Outgoing;
use jpki_card::transport::{Layer, Transaction, TransportError};
use std::fmt;

/// How the k-th exchange goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The card is taken away: this and every later command fail with `CardRemoved`.
    Removed,
    /// The card is reset: this and every later command fail with `CardReset`, as PC/SC reports
    /// a reset on every call until the program reconnects.
    Reset,
    /// The card answers these bytes instead of its own answer (a status word, one byte, nothing).
    Answer(Vec<u8>),
    /// The card's own answer with this many extra bytes (`0xA5`) before its status word.
    Padded(usize),
}

impl Fault {
    /// A status word answered in place of the card's own answer.
    pub fn status(sw: u16) -> Fault {
        Fault::Answer(sw.to_be_bytes().to_vec())
    }

    /// Every fault the reliability harness injects at each step (docs/reliability.md).
    pub fn catalogue() -> Vec<Fault> {
        let mut faults = vec![Fault::Removed, Fault::Reset];
        faults.extend(
            [
                0x6D00, 0x6E00, 0x6F00, 0x6A82, 0x6982, 0x6700, 0x6283, 0x9000,
            ]
            .map(Fault::status),
        );
        faults.extend([
            Fault::Answer(vec![0x90]),
            Fault::Answer(Vec::new()),
            Fault::Padded(300),
        ]);
        faults
    }

    /// What the card "answers" under this fault, given what it would have answered.
    pub fn answer(&self, due: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self {
            Fault::Removed => Err(TransportError::CardRemoved),
            Fault::Reset => Err(TransportError::CardReset),
            Fault::Answer(bytes) => Ok(bytes.clone()),
            Fault::Padded(extra) => {
                let split = due.len().saturating_sub(2);
                let mut bytes = due[..split].to_vec();
                bytes.extend(std::iter::repeat_n(0xA5, *extra));
                bytes.extend_from_slice(&due[split..]);
                Ok(bytes)
            }
        }
    }

    /// True when the fault leaves the card unusable for the rest of the session.
    fn is_sticky(&self) -> bool {
        matches!(self, Fault::Removed | Fault::Reset)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Removed => f.write_str("card removed"),
            Fault::Reset => f.write_str("card reset"),
            Fault::Answer(bytes) if bytes.is_empty() => f.write_str("empty answer"),
            Fault::Answer(bytes) => write!(f, "answer {}", secret::spaced_hex(bytes)),
            Fault::Padded(extra) => write!(f, "due answer with {extra} extra bytes"),
        }
    }
}

/// What the layer counted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FaultCounts {
    /// Commands that reached the layer, the faulted one included.
    pub transmits: usize,
    /// Commands carrying a PIN (VERIFY with data, CHANGE REFERENCE DATA, CHANGE KEY) passed to
    /// the card.
    pub secrets_sent: usize,
    /// Commands carrying a PIN that came after the fault fired: a retry, if the fault hit one.
    pub secrets_after_fault: usize,
    /// Whether the fault has fired.
    pub fired: bool,
    /// Whether the fault, when it fired, answered exactly what the card answered (90 00 where
    /// 90 00 was due, say): then nothing went wrong, and a test should not count it as a fault.
    /// Never set for a command lost before the card, which the card did not hear.
    pub same_as_card: bool,
}

/// Where the fault strikes: after the card heard the command, or before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fate {
    at: usize,
    reaches_card: bool,
}

/// A layer that passes every exchange through, except the one at index `at` (0-based, counted
/// across transactions), whose answer `fault` replaces.
#[derive(Debug)]
pub struct FaultInjection {
    fault: Fault,
    fate: Fate,
    counts: FaultCounts,
}

impl FaultInjection {
    /// Spoil exchange number `at` (0-based) with `fault`. The faulted command does reach the
    /// card below: the worst case for a PIN, whose try the card counts while its answer is lost.
    pub fn new(at: usize, fault: Fault) -> FaultInjection {
        FaultInjection {
            fault,
            fate: Fate {
                at,
                reaches_card: true,
            },
            counts: FaultCounts::default(),
        }
    }

    /// Like [`FaultInjection::new`], but command number `at` is lost on its way and never
    /// reaches the card below (a card pulled away just before it): no try can have been spent.
    pub fn before_card(at: usize, fault: Fault) -> FaultInjection {
        FaultInjection {
            fate: Fate {
                at,
                reaches_card: false,
            },
            ..FaultInjection::new(at, fault)
        }
    }

    /// What passed through so far.
    pub fn counts(&self) -> &FaultCounts {
        &self.counts
    }
}

impl Layer for FaultInjection {
    /// Pass one command through, or spoil it.
    fn transmit(
        &mut self,
        card: &mut dyn Transaction,
        command: Outgoing<'_>,
    ) -> Result<Vec<u8>, TransportError> {
        let (fault, fate, counts) = (&self.fault, self.fate, &mut self.counts);
        let index = counts.transmits;
        counts.transmits += 1;
        if counts.fired && fault.is_sticky() {
            // A removed or reset card hears nothing more.
            return fault.answer(&[]);
        }
        let strikes = index == fate.at;
        if strikes && !fate.reaches_card {
            counts.fired = true;
            return fault.answer(&[]);
        }
        if super::pin_bytes::carries_pin(command.bytes()) {
            counts.secrets_sent += 1;
            if counts.fired {
                counts.secrets_after_fault += 1;
            }
        }
        let due = card.transmit(command);
        if !strikes {
            return due;
        }
        counts.fired = true;
        // A failure below (a replay that diverged, say) is the truth; there is nothing to spoil.
        let due = due?;
        let answer = fault.answer(&due);
        counts.same_as_card = answer.as_ref().is_ok_and(|bytes| *bytes == due);
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jpki_card::card::{verify_pin, CardError, LastTry, Pin, PinKind, VerifyReport};
    use jpki_card::transport::trace::Trace;
    use jpki_card::transport::{Layered, Reader, Replay};

    type Faulted = Layered<Replay, FaultInjection>;

    /// `verify-pin auth` as the library sends it: SELECT AP (answered with two bytes of data),
    /// SELECT EF, the counter read, then the VERIFY, at step 3. A PIN reaches a transaction
    /// only through such a guarded operation, so the layer's count of PINs is tested through
    /// one.
    const VERIFY_RUN: &str = "@source hand-written\n\
        > 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01\n< 01 02 90 00\n\
        > 00 A4 02 0C 02 00 18\n< 90 00\n\
        > 00 20 00 80\n< 63 C3\n\
        > 00 20 00 80 04 ?? ?? ?? ??\n< 63 C2\n";

    /// The step of the VERIFY in [`VERIFY_RUN`].
    const AT_VERIFY: usize = 3;

    fn over(at: usize, fault: Fault) -> Faulted {
        replayed(FaultInjection::new(at, fault))
    }

    fn replayed(injection: FaultInjection) -> Faulted {
        Layered::new(
            Replay::new(Trace::parse(VERIFY_RUN, "t").unwrap()),
            injection,
        )
    }

    /// Send one command that carries no PIN in a transaction of its own.
    fn send(reader: &mut Faulted, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        reader
            .transaction()?
            .transmit(Outgoing::new(command).unwrap())
    }

    /// Check the auth PIN through the library's guarded operation.
    fn verify(reader: &mut Faulted) -> VerifyReport {
        let pin = Pin::new(PinKind::Auth, "4821").unwrap();
        verify_pin(reader, &pin, LastTry::Refuse, &[])
    }

    const SELECT: [u8; 15] = [
        0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
    ];

    #[test]
    fn only_the_chosen_exchange_is_spoiled() {
        let mut t = over(AT_VERIFY, Fault::status(0x6F00));
        let report = verify(&mut t);
        assert!(matches!(
            report.error,
            Some(CardError::UnexpectedAnswer { .. })
        ));
        assert_eq!(t.layer().counts().secrets_sent, 1);
        assert_eq!(t.layer().counts().secrets_after_fault, 0);
        t.finish().unwrap();
    }

    #[test]
    fn padding_goes_before_the_status_word() {
        let mut t = over(0, Fault::Padded(3));
        assert_eq!(
            send(&mut t, &SELECT).unwrap(),
            vec![1, 2, 0xA5, 0xA5, 0xA5, 0x90, 0]
        );
        assert_eq!(Fault::Padded(2).answer(&[]).unwrap(), vec![0xA5, 0xA5]);
    }

    #[test]
    fn a_removed_card_stays_removed_and_hears_no_pin() {
        let mut t = over(0, Fault::Removed);
        let mut errors = Vec::new();
        let mut card = t.transaction().unwrap();
        errors.push(card.transmit(Outgoing::new(&SELECT).unwrap()).unwrap_err());
        errors.push(card.transmit(Outgoing::new(&SELECT).unwrap()).unwrap_err());
        drop(card);
        assert!(errors
            .iter()
            .all(|e| matches!(e, TransportError::CardRemoved)));
        assert_eq!(t.layer().counts().transmits, 2);
        // The guarded run that follows stops at its first command: no PIN is sent.
        assert!(verify(&mut t).error.is_some());
        assert_eq!(t.layer().counts().transmits, 3);
        assert_eq!(t.layer().counts().secrets_sent, 0);
    }

    #[test]
    fn a_command_lost_before_the_card_spends_nothing() {
        let mut t = replayed(FaultInjection::before_card(AT_VERIFY, Fault::Removed));
        let report = verify(&mut t);
        assert!(matches!(
            report.error,
            Some(CardError::OutcomeUnknown { .. })
        ));
        assert_eq!(t.layer().counts().secrets_sent, 0);
        assert!(t.layer().counts().fired);
        // The VERIFY never reached the replay, which still expects it.
        assert!(t.finish().is_err());
    }

    #[test]
    fn a_pin_sent_after_the_fault_is_counted_as_such() {
        // Padding before 90 00 leaves the SELECT a success: the run goes on to the VERIFY.
        let mut t = over(1, Fault::Padded(1));
        verify(&mut t);
        assert_eq!(t.layer().counts().secrets_sent, 1);
        assert_eq!(t.layer().counts().secrets_after_fault, 1);
    }

    #[test]
    fn a_fault_that_answers_what_the_card_answers_is_told_apart() {
        // 63 C2 was due at the VERIFY: "answering" 63 C2 spoils nothing.
        let mut t = over(AT_VERIFY, Fault::status(0x63C2));
        verify(&mut t);
        assert!(t.layer().counts().fired && t.layer().counts().same_as_card);
        for fault in [Fault::status(0x6F00), Fault::Padded(1), Fault::Removed] {
            let mut t = over(AT_VERIFY, fault.clone());
            verify(&mut t);
            assert!(
                t.layer().counts().fired && !t.layer().counts().same_as_card,
                "{fault}"
            );
        }
        // Lost before the card: the card never heard it, whatever the answer.
        let mut t = replayed(FaultInjection::before_card(0, Fault::status(0x9000)));
        send(&mut t, &SELECT).unwrap();
        assert!(t.layer().counts().fired && !t.layer().counts().same_as_card);
    }

    #[test]
    fn the_catalogue_has_thirteen_faults() {
        let faults = Fault::catalogue();
        assert_eq!(faults.len(), 13);
        assert_eq!(faults[0].to_string(), "card removed");
        assert_eq!(faults[11].to_string(), "empty answer");
    }
}
