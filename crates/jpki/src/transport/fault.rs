//! Fault injection: a transport wrapper that spoils the k-th exchange on purpose, so tests can
//! prove what jpki does when a card or reader misbehaves at any step.
//!
//! The wrapper also counts the commands that carried a PIN, so a test can check the promise that
//! such a command is sent at most once per user entry and never again after a fault.

use super::{wire, Transport, TransportError};
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
            Fault::Answer(bytes) => write!(f, "answer {}", wire::spaced_hex(bytes)),
            Fault::Padded(extra) => write!(f, "due answer with {extra} extra bytes"),
        }
    }
}

/// What the wrapper counted; shared between the wrapper and its view inside a hold.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FaultCounts {
    /// Commands that reached the wrapper, the faulted one included.
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

/// A transport that passes every exchange through, except the one at index `at` (0-based,
/// counted across holds), whose answer `fault` replaces.
#[derive(Debug)]
pub struct FaultInjection<T> {
    inner: T,
    fault: Fault,
    fate: Fate,
    counts: FaultCounts,
}

impl<T: Transport> FaultInjection<T> {
    /// Spoil exchange number `at` (0-based) of `inner` with `fault`. The faulted command does
    /// reach the inner card: the worst case for a PIN, whose try the card counts while its
    /// answer is lost.
    pub fn new(inner: T, at: usize, fault: Fault) -> FaultInjection<T> {
        FaultInjection {
            inner,
            fault,
            fate: Fate {
                at,
                reaches_card: true,
            },
            counts: FaultCounts::default(),
        }
    }

    /// Like [`FaultInjection::new`], but command number `at` is lost on its way and never
    /// reaches the inner card (a card pulled away just before it): no try can have been spent.
    pub fn before_card(inner: T, at: usize, fault: Fault) -> FaultInjection<T> {
        FaultInjection {
            fate: Fate {
                at,
                reaches_card: false,
            },
            ..FaultInjection::new(inner, at, fault)
        }
    }

    /// What passed through so far.
    pub fn counts(&self) -> &FaultCounts {
        &self.counts
    }

    /// The wrapped transport (for example, to inspect a virtual card's counters).
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped transport, giving up the wrapper.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

/// Pass one command through, or spoil it.
fn inject(
    inner: &mut dyn Transport,
    fault: &Fault,
    fate: Fate,
    counts: &mut FaultCounts,
    command: &[u8],
) -> Result<Vec<u8>, TransportError> {
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
    if wire::secret_data(command).is_some() {
        counts.secrets_sent += 1;
        if counts.fired {
            counts.secrets_after_fault += 1;
        }
    }
    let due = inner.transmit(command);
    if !strikes {
        return due;
    }
    counts.fired = true;
    // An inner failure (a replay that diverged, say) is the truth; there is nothing to spoil.
    let due = due?;
    let answer = fault.answer(&due);
    counts.same_as_card = answer.as_ref().is_ok_and(|bytes| *bytes == due);
    answer
}

/// The wrapper's view of a transport inside a hold.
struct Held<'a> {
    inner: &'a mut dyn Transport,
    fault: &'a Fault,
    fate: Fate,
    counts: &'a mut FaultCounts,
}

impl Transport for Held<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        inject(self.inner, self.fault, self.fate, self.counts, command)
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

    fn atr(&self) -> Option<Vec<u8>> {
        self.inner.atr()
    }
}

impl<T: Transport> Transport for FaultInjection<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        inject(
            &mut self.inner,
            &self.fault,
            self.fate,
            &mut self.counts,
            command,
        )
    }

    fn exclusive(
        &mut self,
        session: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError> {
        let (fault, fate, counts) = (&self.fault, self.fate, &mut self.counts);
        self.inner.exclusive(&mut |held| {
            session(&mut Held {
                inner: held,
                fault,
                fate,
                counts,
            })
        })
    }

    fn reader_name(&self) -> &str {
        self.inner.reader_name()
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.inner.atr()
    }

    fn finish(&mut self) -> Result<(), TransportError> {
        self.inner.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::trace::Trace;
    use crate::transport::Replay;

    const TWO: &str = "@source hand-written\n> 00 A4 02 0C 02 00 18\n< 01 02 90 00\n> 00 20 00 80 04 ?? ?? ?? ??\n< 63 C2\n";

    fn over(at: usize, fault: Fault) -> FaultInjection<Replay> {
        FaultInjection::new(Replay::new(Trace::parse(TWO, "t").unwrap()), at, fault)
    }

    const SELECT: [u8; 7] = [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18];
    const VERIFY: [u8; 9] = [0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34];

    #[test]
    fn only_the_chosen_exchange_is_spoiled() {
        let mut t = over(1, Fault::status(0x6F00));
        assert_eq!(t.transmit(&SELECT).unwrap(), vec![1, 2, 0x90, 0]);
        assert_eq!(t.transmit(&VERIFY).unwrap(), vec![0x6F, 0]);
        assert_eq!(t.counts().secrets_sent, 1);
        assert_eq!(t.counts().secrets_after_fault, 0);
        t.finish().unwrap();
    }

    #[test]
    fn padding_goes_before_the_status_word() {
        let mut t = over(0, Fault::Padded(3));
        assert_eq!(
            t.transmit(&SELECT).unwrap(),
            vec![1, 2, 0xA5, 0xA5, 0xA5, 0x90, 0]
        );
        assert_eq!(Fault::Padded(2).answer(&[]).unwrap(), vec![0xA5, 0xA5]);
    }

    #[test]
    fn a_removed_card_stays_removed_and_counts_later_secrets() {
        let mut t = over(0, Fault::Removed);
        let mut errors = Vec::new();
        t.exclusive(&mut |held| {
            errors.push(held.transmit(&SELECT).unwrap_err());
            errors.push(held.transmit(&VERIFY).unwrap_err());
        })
        .unwrap();
        assert!(errors
            .iter()
            .all(|e| matches!(e, TransportError::CardRemoved)));
        // The second command never reached the card, so no PIN was sent.
        assert_eq!(t.counts().transmits, 2);
        assert_eq!(t.counts().secrets_sent, 0);
    }

    #[test]
    fn a_command_lost_before_the_card_spends_nothing() {
        let replay = Replay::new(Trace::parse(TWO, "t").unwrap());
        let mut t = FaultInjection::before_card(replay, 1, Fault::Removed);
        t.transmit(&SELECT).unwrap();
        assert!(matches!(
            t.transmit(&VERIFY),
            Err(TransportError::CardRemoved)
        ));
        assert_eq!(t.counts().secrets_sent, 0);
        assert!(t.counts().fired);
        // The VERIFY never reached the replay, which still expects it.
        assert!(t.finish().is_err());
    }

    #[test]
    fn a_pin_sent_after_the_fault_is_counted_as_such() {
        let mut t = over(0, Fault::status(0x6700));
        t.transmit(&SELECT).unwrap();
        t.transmit(&VERIFY).unwrap();
        assert_eq!(t.counts().secrets_after_fault, 1);
    }

    #[test]
    fn a_fault_that_answers_what_the_card_answers_is_told_apart() {
        // 63 C2 was due at step 1: "answering" 63 C2 spoils nothing.
        let mut t = over(1, Fault::status(0x63C2));
        t.transmit(&SELECT).unwrap();
        assert_eq!(t.transmit(&VERIFY).unwrap(), vec![0x63, 0xC2]);
        assert!(t.counts().fired && t.counts().same_as_card);
        for fault in [Fault::status(0x6F00), Fault::Padded(1), Fault::Removed] {
            let mut t = over(1, fault.clone());
            t.transmit(&SELECT).unwrap();
            let _ = t.transmit(&VERIFY);
            assert!(t.counts().fired && !t.counts().same_as_card, "{fault}");
        }
        // Lost before the card: the card never heard it, whatever the answer.
        let replay = Replay::new(Trace::parse(TWO, "t").unwrap());
        let mut t = FaultInjection::before_card(replay, 0, Fault::status(0x9000));
        t.transmit(&SELECT).unwrap();
        assert!(t.counts().fired && !t.counts().same_as_card);
    }

    #[test]
    fn the_catalogue_has_thirteen_faults() {
        let faults = Fault::catalogue();
        assert_eq!(faults.len(), 13);
        assert_eq!(faults[0].to_string(), "card removed");
        assert_eq!(faults[11].to_string(), "empty answer");
    }
}
