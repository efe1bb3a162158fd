//! What a PIN's retry counter says, and the state a holder cares about.

use super::PinKind;
use crate::apdu::StatusWord;

/// The card's answer about one PIN's counter, kept close to what the card said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryCounter {
    /// 63 Cx with x > 0: this many tries are left.
    Remaining(u8),
    /// 63 C0, 69 83 or 69 84: no try is left.
    Blocked(StatusWord),
    /// 6A 82 when selecting its application or EF: this card carries no such PIN.
    Absent,
    /// Any other answer; jpki does not guess what it means.
    Unreadable(StatusWord),
}

impl RetryCounter {
    /// Read the answer to an empty VERIFY. 90 00 is not "0 tries": it is unexpected.
    pub fn from_probe(sw: StatusWord) -> RetryCounter {
        match sw {
            StatusWord::TriesLeft(0) => RetryCounter::Blocked(sw),
            StatusWord::TriesLeft(n) => RetryCounter::Remaining(n),
            StatusWord::AuthenticationBlocked | StatusWord::ReferenceDataUnusable => {
                RetryCounter::Blocked(sw)
            }
            StatusWord::FileNotFound => RetryCounter::Absent,
            other => RetryCounter::Unreadable(other),
        }
    }

    /// Tries left, when the card said a number.
    pub fn tries_left(self) -> Option<u8> {
        match self {
            RetryCounter::Remaining(n) => Some(n),
            RetryCounter::Blocked(_) => Some(0),
            RetryCounter::Absent | RetryCounter::Unreadable(_) => None,
        }
    }

    /// The state a holder acts on.
    pub fn state(self) -> PinState {
        match self {
            RetryCounter::Remaining(1) => PinState::LastTry,
            RetryCounter::Remaining(_) => PinState::Ok,
            RetryCounter::Blocked(_) => PinState::Locked,
            RetryCounter::Absent => PinState::NotIssued,
            RetryCounter::Unreadable(_) => PinState::Error,
        }
    }

    /// The status word behind a counter that is not a plain number.
    pub fn status_word(self) -> Option<StatusWord> {
        match self {
            RetryCounter::Blocked(sw) | RetryCounter::Unreadable(sw) => Some(sw),
            _ => None,
        }
    }
}

/// A PIN's state, as `status` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PinState {
    /// Two or more tries left.
    Ok,
    /// One try left: a wrong entry locks it.
    LastTry,
    /// No try left.
    Locked,
    /// Not on this card.
    NotIssued,
    /// The card answered something jpki cannot read as a counter.
    Error,
}

impl PinState {
    /// The id used in JSON.
    pub fn id(self) -> &'static str {
        match self {
            PinState::Ok => "ok",
            PinState::LastTry => "last_try",
            PinState::Locked => "locked",
            PinState::NotIssued => "not_issued",
            PinState::Error => "error",
        }
    }
}

/// One PIN and its counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinStatus {
    /// Which PIN.
    pub kind: PinKind,
    /// What the card said.
    pub counter: RetryCounter,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_answers_map_to_states() {
        let state = |sw: u16| RetryCounter::from_probe(StatusWord::from(sw)).state();
        assert_eq!(state(0x63C5), PinState::Ok);
        assert_eq!(state(0x63C2), PinState::Ok);
        assert_eq!(state(0x63C1), PinState::LastTry);
        assert_eq!(state(0x63C0), PinState::Locked);
        assert_eq!(state(0x6983), PinState::Locked);
        assert_eq!(state(0x6984), PinState::Locked);
        assert_eq!(state(0x6A82), PinState::NotIssued);
        assert_eq!(state(0x9000), PinState::Error);
        assert_eq!(state(0x6F00), PinState::Error);
    }

    #[test]
    fn locked_counts_zero_and_unknown_counts_nothing() {
        assert_eq!(
            RetryCounter::from_probe(StatusWord::from(0x6983)).tries_left(),
            Some(0)
        );
        assert_eq!(RetryCounter::Absent.tries_left(), None);
        assert_eq!(
            RetryCounter::Unreadable(StatusWord::Success).tries_left(),
            None
        );
    }
}
