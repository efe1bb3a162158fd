//! What a PIN's retry counter says, and the state a holder cares about.

use super::key_reference::KeyReference;
use super::pin::PinKind;
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
    /// Any other answer, a count above the PIN's maximum included; jpki does not guess what it
    /// means.
    Unreadable(StatusWord),
    /// An answer of this many bytes (0 or 1): no status word at all.
    NoStatusWord(usize),
}

impl RetryCounter {
    /// Read the answer to an empty VERIFY. 90 00 is not "0 tries": it is unexpected.
    pub(crate) fn from_probe(sw: StatusWord) -> RetryCounter {
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

    /// Read the answer to an empty VERIFY for a PIN of `kind`: as [`RetryCounter::from_probe`],
    /// but a count above the PIN's maximum (63 CF for the sign password's 5 tries, 63 C4 for a
    /// 3-try PIN) is no count the card can hold: unreadable, never "15 of 5 left".
    pub(crate) fn from_probe_of(kind: PinKind, sw: StatusWord) -> RetryCounter {
        match sw {
            StatusWord::TriesLeft(n) if n > kind.max_tries() => RetryCounter::Unreadable(sw),
            _ => RetryCounter::from_probe(sw),
        }
    }

    /// Tries left, when the card said a number.
    pub fn tries_left(self) -> Option<u8> {
        match self {
            RetryCounter::Remaining(n) => Some(n),
            RetryCounter::Blocked(_) => Some(0),
            RetryCounter::Absent | RetryCounter::Unreadable(_) | RetryCounter::NoStatusWord(_) => {
                None
            }
        }
    }

    /// The state a holder acts on.
    pub fn state(self) -> PinState {
        match self {
            RetryCounter::Remaining(1) => PinState::LastTry,
            RetryCounter::Remaining(_) => PinState::Ok,
            RetryCounter::Blocked(_) => PinState::Locked,
            RetryCounter::Absent => PinState::NotIssued,
            RetryCounter::Unreadable(_) | RetryCounter::NoStatusWord(_) => PinState::Error,
        }
    }

    /// The counter a PIN held in several key references shows: the lowest. A locked one beats
    /// everything; then one jpki cannot read (it never claims a number it cannot back); then the
    /// smallest number. Key references not on the card do not count; when none is, the PIN is
    /// absent.
    pub fn lowest(counters: impl IntoIterator<Item = RetryCounter>) -> RetryCounter {
        let present: Vec<RetryCounter> = counters
            .into_iter()
            .filter(|c| *c != RetryCounter::Absent)
            .collect();
        let blocked = present
            .iter()
            .find(|c| matches!(c, RetryCounter::Blocked(_)));
        let unreadable = present.iter().find(|c| {
            matches!(
                c,
                RetryCounter::Unreadable(_) | RetryCounter::NoStatusWord(_)
            )
        });
        let fewest = present.iter().filter_map(|c| match c {
            RetryCounter::Remaining(n) => Some(*n),
            _ => None,
        });
        match (blocked, unreadable, fewest.min()) {
            (Some(blocked), _, _) => *blocked,
            (None, Some(unreadable), _) => *unreadable,
            (None, None, Some(n)) => RetryCounter::Remaining(n),
            (None, None, None) => RetryCounter::Absent,
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

/// What the card said about one key reference's counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyCounter {
    /// Which key reference.
    pub key: KeyReference,
    /// What the card said ([`RetryCounter::Absent`] when its application or EF is missing).
    pub counter: RetryCounter,
}

/// One PIN and its counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinStatus {
    /// Which PIN.
    pub kind: PinKind,
    /// The counter the holder acts on: the lowest of `keys` ([`RetryCounter::lowest`]).
    pub counter: RetryCounter,
    /// Every key reference of the PIN, in [`KeyReference::ALL`] order, absent ones included.
    pub keys: Vec<KeyCounter>,
}

impl PinStatus {
    /// The status of `kind` from what its key references said.
    pub fn new(kind: PinKind, keys: Vec<KeyCounter>) -> PinStatus {
        PinStatus {
            kind,
            counter: RetryCounter::lowest(keys.iter().map(|k| k.counter)),
            keys,
        }
    }

    /// The status of a PIN whose key references all said `counter`, for the tests.
    #[cfg(test)]
    pub(crate) fn uniform(kind: PinKind, counter: RetryCounter) -> PinStatus {
        let keys = kind
            .key_references()
            .into_iter()
            .map(|key| KeyCounter { key, counter })
            .collect();
        PinStatus::new(kind, keys)
    }

    /// Whether its key references disagree (then `status` shows each).
    pub fn keys_differ(&self) -> bool {
        self.keys.windows(2).any(|w| w[0].counter != w[1].counter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_answers_map_to_states() {
        // The state and the number of tries each answer to an empty VERIFY stands for: a
        // counter shown one off is as wrong as a wrong state.
        let read = |sw: u16| {
            let counter = RetryCounter::from_probe(StatusWord::from(sw));
            (counter.state(), counter.tries_left())
        };
        assert_eq!(read(0x63C5), (PinState::Ok, Some(5)));
        assert_eq!(read(0x63C3), (PinState::Ok, Some(3)));
        assert_eq!(read(0x63C2), (PinState::Ok, Some(2)));
        assert_eq!(read(0x63C1), (PinState::LastTry, Some(1)));
        assert_eq!(read(0x63C0), (PinState::Locked, Some(0)));
        assert_eq!(read(0x6983), (PinState::Locked, Some(0)));
        assert_eq!(read(0x6984), (PinState::Locked, Some(0)));
        assert_eq!(read(0x6A82), (PinState::NotIssued, None));
        assert_eq!(read(0x9000), (PinState::Error, None));
        assert_eq!(read(0x6F00), (PinState::Error, None));
        assert_eq!(read(0x6D00), (PinState::Error, None));
    }

    #[test]
    fn the_lowest_of_two_key_references_is_the_one_shown() {
        use RetryCounter::*;
        let locked = Blocked(StatusWord::TriesLeft(0));
        let odd = Unreadable(StatusWord::Success);
        let cases = [
            ([Remaining(3), Remaining(2)], Remaining(2)),
            ([Remaining(1), Remaining(3)], Remaining(1)),
            ([Remaining(3), locked], locked),
            ([odd, locked], locked),
            ([Remaining(3), odd], odd),
            ([odd, Absent], odd),
            ([Absent, Remaining(2)], Remaining(2)),
            ([Remaining(3), Absent], Remaining(3)),
            ([Absent, Absent], Absent),
        ];
        for (pair, lowest) in cases {
            assert_eq!(RetryCounter::lowest(pair), lowest, "{pair:?}");
        }
    }

    #[test]
    fn a_count_above_the_maximum_is_unreadable() {
        let of = |kind, sw: u16| RetryCounter::from_probe_of(kind, StatusWord::from(sw));
        assert_eq!(of(PinKind::Sign, 0x63C5), RetryCounter::Remaining(5));
        assert_eq!(of(PinKind::Auth, 0x63C3), RetryCounter::Remaining(3));
        for (kind, sw) in [
            (PinKind::Sign, 0x63C6),
            (PinKind::Sign, 0x63CF),
            (PinKind::Auth, 0x63C4),
            (PinKind::Juki, 0x63C9),
            (PinKind::Kenhojo, 0x63CF),
        ] {
            let counter = of(kind, sw);
            assert_eq!(counter, RetryCounter::Unreadable(StatusWord::from(sw)));
            assert_eq!(
                (counter.state(), counter.tries_left()),
                (PinState::Error, None)
            );
        }
        // Everything else reads as without a maximum.
        assert_eq!(
            of(PinKind::Auth, 0x63C0),
            RetryCounter::from_probe(StatusWord::from(0x63C0))
        );
        assert_eq!(
            of(PinKind::Auth, 0x6983),
            RetryCounter::from_probe(StatusWord::from(0x6983))
        );
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

    #[test]
    fn the_juki_key_references_differ_only_when_their_counters_do() {
        let juki = |first, second| {
            PinStatus::new(
                PinKind::Juki,
                vec![
                    KeyCounter {
                        key: KeyReference::JUKI_AP,
                        counter: first,
                    },
                    KeyCounter {
                        key: KeyReference::JUKI_COMMON_AP,
                        counter: second,
                    },
                ],
            )
        };
        use RetryCounter::*;
        assert!(!juki(Remaining(3), Remaining(3)).keys_differ());
        assert!(juki(Remaining(3), Remaining(2)).keys_differ());
        assert!(juki(Remaining(3), Absent).keys_differ());
        assert!(!PinStatus::uniform(PinKind::Auth, Remaining(1)).keys_differ());
        assert!(!PinStatus::uniform(PinKind::Juki, Remaining(2)).keys_differ());
    }

    #[test]
    fn each_state_has_the_json_id_docs_json_md_names() {
        let ids: Vec<&str> = [
            PinState::Ok,
            PinState::LastTry,
            PinState::Locked,
            PinState::NotIssued,
            PinState::Error,
        ]
        .into_iter()
        .map(PinState::id)
        .collect();
        assert_eq!(ids, ["ok", "last_try", "locked", "not_issued", "error"]);
    }

    #[test]
    fn a_counter_that_is_no_plain_number_keeps_its_status_word() {
        let locked = StatusWord::from(0x6983);
        let odd = StatusWord::from(0x6F00);
        assert_eq!(RetryCounter::Blocked(locked).status_word(), Some(locked));
        assert_eq!(RetryCounter::Unreadable(odd).status_word(), Some(odd));
        assert_eq!(RetryCounter::Remaining(2).status_word(), None);
        assert_eq!(RetryCounter::Absent.status_word(), None);
        assert_eq!(RetryCounter::NoStatusWord(1).status_word(), None);
    }
}
