//! Changing a PIN without risking a lock: read the counter, refuse when it is too low, send the
//! current PIN once, then the new one, all inside one exclusive hold of the card.
//!
//! Per PIN, five APDUs (shared/docs/protocol.md, "Changing a PIN"): SELECT AP, SELECT PIN EF,
//! VERIFY without data (the guard), VERIFY with the current PIN, CHANGE REFERENCE DATA.

use super::{held, send, Application, CardError, Pin, PinFormat, PinFormatError, PinKind};
use super::{PinStatus, RetryCounter};
use crate::apdu::{Command, StatusWord};
use crate::transport::{Transport, TransportError};
use std::fmt;
use thiserror::Error;

/// Which typed value a format error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// The PIN the card holds now.
    Current,
    /// The PIN to set.
    New,
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Entry::Current => "current PIN",
            Entry::New => "new PIN",
        })
    }
}

/// Why a change request is refused before any APDU is sent. Never holds a PIN.
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
pub enum ChangeInputError {
    /// No PIN was named.
    #[error("name at least one PIN to change: sign, auth, juki or kenhojo")]
    NoPins,
    /// The same PIN was named twice.
    #[error("the {0} PIN is named more than once")]
    Repeated(PinKind),
    /// The sign password was named together with 4-digit PINs; they cannot share one value.
    #[error("the sign password (6-16 letters and digits) cannot be changed together with 4-digit PINs; change it in a run of its own")]
    MixedFormats,
    /// A typed value does not fit the PIN's format.
    #[error("the {entry} is not valid: {problem}")]
    Format {
        /// Which value.
        entry: Entry,
        /// What is wrong with it.
        problem: PinFormatError,
    },
    /// The new PIN is the current one.
    #[error("the new PIN is the same as the current PIN")]
    Unchanged,
}

/// The PINs one run changes: one PIN, or several 4-digit ones, each named once, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeTargets(Vec<PinKind>);

impl ChangeTargets {
    /// Check the list: not empty, no repeats, no sign password among 4-digit PINs.
    pub fn new(kinds: &[PinKind]) -> Result<ChangeTargets, ChangeInputError> {
        if kinds.is_empty() {
            return Err(ChangeInputError::NoPins);
        }
        for (i, kind) in kinds.iter().enumerate() {
            if kinds[..i].contains(kind) {
                return Err(ChangeInputError::Repeated(*kind));
            }
        }
        if kinds.len() > 1 && kinds.contains(&PinKind::Sign) {
            return Err(ChangeInputError::MixedFormats);
        }
        Ok(ChangeTargets(kinds.to_vec()))
    }

    /// The PINs, in the order they are changed.
    pub fn kinds(&self) -> &[PinKind] {
        &self.0
    }

    /// The one format every target shares.
    pub fn format(&self) -> PinFormat {
        self.0[0].format()
    }
}

/// The checked current and new values for every target, ready to send.
#[derive(Debug, Clone)]
pub struct PinChange {
    steps: Vec<(Pin, Pin)>,
}

impl PinChange {
    /// Check both typed values against the targets' format, and that they differ.
    pub fn new(
        targets: &ChangeTargets,
        current: &str,
        new: &str,
    ) -> Result<PinChange, ChangeInputError> {
        let steps = targets
            .kinds()
            .iter()
            .map(|&kind| {
                let current =
                    Pin::new(kind, current).map_err(|problem| ChangeInputError::Format {
                        entry: Entry::Current,
                        problem,
                    })?;
                let new = Pin::new(kind, new).map_err(|problem| ChangeInputError::Format {
                    entry: Entry::New,
                    problem,
                })?;
                if current.expose() == new.expose() {
                    return Err(ChangeInputError::Unchanged);
                }
                Ok((current, new))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PinChange { steps })
    }

    /// The new value (the same for every target), for advice about how guessable it is.
    pub fn new_pin(&self) -> &Pin {
        &self.steps[0].1
    }
}

/// What happened to one PIN of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The card took the new PIN.
    Changed,
    /// Refused or rejected; the PIN is as it was. The report's error says why.
    NotChanged,
    /// The card was lost after a PIN was sent: the PIN may or may not have changed.
    Unknown,
    /// An earlier PIN failed, so this one was not tried.
    NotAttempted,
}

impl Outcome {
    /// Whether the PIN changed, when known.
    pub fn changed(self) -> Option<bool> {
        match self {
            Outcome::Changed => Some(true),
            Outcome::NotChanged | Outcome::NotAttempted => Some(false),
            Outcome::Unknown => None,
        }
    }
}

/// One PIN's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinOutcome {
    /// Which PIN.
    pub kind: PinKind,
    /// What happened.
    pub outcome: Outcome,
    /// Tries left afterwards, when known: the maximum after a correct VERIFY, what 63 Cx said
    /// after a wrong one, what the counter said when the guard refused.
    pub tries_left: Option<u8>,
}

/// The result of a run: every target's outcome in order, and the error that stopped it, if any.
#[derive(Debug)]
pub struct ChangeReport {
    /// One entry per target, in the order asked.
    pub outcomes: Vec<PinOutcome>,
    /// What stopped the run; `None` when every PIN changed.
    pub error: Option<CardError>,
}

/// Change every target in order inside one hold, stopping at the first failure.
///
/// A counter at 0 is refused, and at 1 unless `allow_last_try`, before any PIN is sent. The
/// current PIN is sent at most once per target and never re-sent.
pub fn change_pins(
    transport: &mut dyn Transport,
    change: &PinChange,
    allow_last_try: bool,
) -> ChangeReport {
    let not_attempted = |(pin, _): &(Pin, Pin)| PinOutcome {
        kind: pin.kind(),
        outcome: Outcome::NotAttempted,
        tries_left: None,
    };
    let mut outcomes: Vec<PinOutcome> = change.steps.iter().map(not_attempted).collect();
    let ran = held(transport, |card| {
        for ((current, new), outcome) in change.steps.iter().zip(outcomes.iter_mut()) {
            change_one(card, current, new, allow_last_try, outcome)?;
        }
        Ok(())
    });
    ChangeReport {
        outcomes,
        error: ran.err(),
    }
}

/// Apply the guard to counters read before the holder is asked for anything (interactive runs),
/// so a PIN the guard would refuse is refused before it is typed. Every target is checked, so
/// nothing changes when any of them would be refused. The guard runs again inside the hold.
pub fn precheck(
    targets: &ChangeTargets,
    statuses: &[PinStatus],
    allow_last_try: bool,
) -> Option<ChangeReport> {
    let refused = targets.kinds().iter().enumerate().find_map(|(i, kind)| {
        let status = statuses.iter().find(|s| s.kind == *kind)?;
        let error = guard_counter(*status, allow_last_try).err()?;
        Some((i, status.counter.tries_left(), error))
    });
    let (index, tries_left, error) = refused?;
    let outcomes = targets
        .kinds()
        .iter()
        .enumerate()
        .map(|(i, &kind)| PinOutcome {
            kind,
            outcome: if i == index {
                Outcome::NotChanged
            } else {
                Outcome::NotAttempted
            },
            tries_left: if i == index { tries_left } else { None },
        })
        .collect();
    Some(ChangeReport {
        outcomes,
        error: Some(error),
    })
}

/// The five APDUs for one PIN, noting in `outcome` what the card said as it goes.
fn change_one(
    card: &mut dyn Transport,
    current: &Pin,
    new: &Pin,
    allow_last_try: bool,
    outcome: &mut PinOutcome,
) -> Result<(), CardError> {
    let kind = current.kind();
    outcome.outcome = Outcome::NotChanged;
    guard(card, kind, allow_last_try, outcome)?;
    let verified = send_secret(card, kind, &Command::verify(current.expose()), outcome)?;
    match verified {
        // A correct VERIFY puts the counter back at its maximum.
        StatusWord::Success => outcome.tries_left = Some(kind.max_tries()),
        StatusWord::TriesLeft(left) => {
            outcome.tries_left = Some(left);
            return Err(CardError::WrongPin {
                kind,
                tries_left: left,
            });
        }
        StatusWord::AuthenticationBlocked | StatusWord::ReferenceDataUnusable => {
            outcome.tries_left = Some(0);
            return Err(CardError::PinLocked { kind, sw: verified });
        }
        other => return Err(unexpected(kind, "VERIFY", other)),
    }
    let changed = send_secret(
        card,
        kind,
        &Command::change_reference_data(new.expose()),
        outcome,
    )?;
    if changed != StatusWord::Success {
        return Err(CardError::ChangeRejected { kind, sw: changed });
    }
    outcome.outcome = Outcome::Changed;
    Ok(())
}

/// SELECT the PIN's application and EF, read its counter, and refuse when it is too low.
fn guard(
    card: &mut dyn Transport,
    kind: PinKind,
    allow_last_try: bool,
    outcome: &mut PinOutcome,
) -> Result<(), CardError> {
    let application = super::status::legacy_application(kind);
    match send(card, &Command::select_application(application.aid()))?.sw {
        StatusWord::Success => {}
        // As in `status`: without the JPKI AP this is not a My Number card.
        sw if application == Application::Jpki => return Err(CardError::NotMyNumberCard { sw }),
        StatusWord::FileNotFound => return Err(CardError::PinNotIssued { kind }),
        other => return Err(unexpected(kind, "SELECT", other)),
    }
    let counter = super::status::read_counter(card, kind)?;
    outcome.tries_left = counter.tries_left();
    guard_counter(PinStatus { kind, counter }, allow_last_try)
}

/// The guard itself: which counters let a PIN be sent.
fn guard_counter(status: PinStatus, allow_last_try: bool) -> Result<(), CardError> {
    let kind = status.kind;
    match status.counter {
        RetryCounter::Remaining(1) if !allow_last_try => Err(CardError::LastTryRefused { kind }),
        RetryCounter::Remaining(_) => Ok(()),
        RetryCounter::Blocked(sw) => Err(CardError::PinLocked { kind, sw }),
        RetryCounter::Absent => Err(CardError::PinNotIssued { kind }),
        RetryCounter::Unreadable(sw) => Err(unexpected(kind, "VERIFY (counter)", sw)),
    }
}

/// Send a command carrying a PIN, once. A card lost now, or an answer without a status word,
/// leaves the outcome unknown: the card got the PIN, and nothing it said tells what it did.
fn send_secret(
    card: &mut dyn Transport,
    kind: PinKind,
    command: &Command,
    outcome: &mut PinOutcome,
) -> Result<StatusWord, CardError> {
    match send(card, command) {
        Ok(answer) => Ok(answer.sw),
        Err(CardError::Transport(
            cause @ (TransportError::CardRemoved
            | TransportError::CardReset
            | TransportError::Reader(_)),
        )) => {
            outcome.outcome = Outcome::Unknown;
            outcome.tries_left = None;
            Err(CardError::OutcomeUnknown { kind, cause })
        }
        Err(CardError::MalformedAnswer { source, .. }) => {
            outcome.outcome = Outcome::Unknown;
            outcome.tries_left = None;
            Err(CardError::AnswerUnknown {
                kind,
                problem: source,
            })
        }
        Err(other) => Err(other),
    }
}

fn unexpected(kind: PinKind, command: &'static str, sw: StatusWord) -> CardError {
    CardError::UnexpectedAnswer { kind, command, sw }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::trace::Trace;
    use crate::transport::Replay;

    const SELECT_JPKI: &str = "> 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
    const SELECT_JUKI: &str = "> 00 A4 04 0C 0A D3 92 10 00 31 00 01 01 01 00";
    const SELECT_AUTH_EF: &str = "> 00 A4 02 0C 02 00 18";
    const SELECT_JUKI_EF: &str = "> 00 A4 02 0C 02 00 1C";
    const COUNTER: &str = "> 00 20 00 80";
    const VERIFY: &str = "> 00 20 00 80 04 ?? ?? ?? ??";
    const CHANGE: &str = "> 00 24 01 80 04 ?? ?? ?? ??";

    /// Change `kinds` from 4827 to 6391 over a replay of `lines`, which must be used up.
    fn run(kinds: &[PinKind], allow_last_try: bool, lines: &[&str]) -> ChangeReport {
        let text = format!("@source hand-written\n{}\n", lines.join("\n"));
        let mut replay = Replay::new(Trace::parse(&text, "t.trace").unwrap());
        let targets = ChangeTargets::new(kinds).unwrap();
        let change = PinChange::new(&targets, "4827", "6391").unwrap();
        let report = change_pins(&mut replay, &change, allow_last_try);
        replay
            .finish()
            .expect("every exchange of the trace is used");
        report
    }

    /// An auth change whose guard reads `counter`; the trace ends there.
    /// A juki PIN changed without trouble: its five exchanges, all answered as hoped.
    const JUKI_CHANGED: [&str; 10] = [
        SELECT_JUKI,
        "< 90 00",
        SELECT_JUKI_EF,
        "< 90 00",
        COUNTER,
        "< 63 C3",
        VERIFY,
        "< 90 00",
        CHANGE,
        "< 90 00",
    ];

    /// The trace of a change of the auth PIN: SELECT JPKI AP, SELECT its PIN EF and the counter
    /// read (both SELECTs answered 90 00), then `rest` from the counter's answer on.
    fn auth_pin<'a>(rest: &[&'a str]) -> Vec<&'a str> {
        let mut lines = vec![SELECT_JPKI, "< 90 00", SELECT_AUTH_EF, "< 90 00", COUNTER];
        lines.extend_from_slice(rest);
        lines
    }

    fn refused_at(counter: &str, allow_last_try: bool) -> ChangeReport {
        let answer = format!("< {counter}");
        run(&[PinKind::Auth], allow_last_try, &auth_pin(&[&answer]))
    }

    #[test]
    fn a_full_counter_leads_to_five_apdus_and_a_change() {
        let report = run(
            &[PinKind::Auth],
            false,
            &auth_pin(&["< 63 C3", VERIFY, "< 90 00", CHANGE, "< 90 00"]),
        );
        assert!(report.error.is_none(), "{:?}", report.error);
        assert_eq!(report.outcomes[0].outcome, Outcome::Changed);
        assert_eq!(report.outcomes[0].tries_left, Some(3));
    }

    #[test]
    fn the_guard_refuses_a_locked_pin_before_any_pin_is_sent() {
        for sw in ["63 C0", "69 83", "69 84"] {
            let report = refused_at(sw, true);
            assert!(
                matches!(
                    report.error,
                    Some(CardError::PinLocked {
                        kind: PinKind::Auth,
                        ..
                    })
                ),
                "{sw}: {:?}",
                report.error
            );
            assert_eq!(report.outcomes[0].tries_left, Some(0));
        }
    }

    #[test]
    fn the_guard_refuses_the_last_try_unless_allowed() {
        let report = refused_at("63 C1", false);
        assert!(matches!(
            report.error,
            Some(CardError::LastTryRefused {
                kind: PinKind::Auth
            })
        ));
        assert_eq!(report.outcomes[0].tries_left, Some(1));
        let allowed = run(
            &[PinKind::Auth],
            true,
            &auth_pin(&["< 63 C1", VERIFY, "< 90 00", CHANGE, "< 90 00"]),
        );
        assert!(allowed.error.is_none());
        assert_eq!(allowed.outcomes[0].tries_left, Some(3));
    }

    #[test]
    fn a_missing_pin_file_or_application_is_not_issued() {
        let report = run(
            &[PinKind::Auth],
            false,
            &[SELECT_JPKI, "< 90 00", SELECT_AUTH_EF, "< 6A 82"],
        );
        assert!(matches!(
            report.error,
            Some(CardError::PinNotIssued {
                kind: PinKind::Auth
            })
        ));
        let report = run(&[PinKind::Juki], false, &[SELECT_JUKI, "< 6A 82"]);
        assert!(matches!(
            report.error,
            Some(CardError::PinNotIssued {
                kind: PinKind::Juki
            })
        ));
        let report = run(&[PinKind::Auth], false, &[SELECT_JPKI, "< 6A 82"]);
        assert!(matches!(
            report.error,
            Some(CardError::NotMyNumberCard { .. })
        ));
    }

    #[test]
    fn an_unreadable_counter_stops_before_any_pin_is_sent() {
        for sw in ["90 00", "6F 00"] {
            let report = refused_at(sw, true);
            assert!(
                matches!(report.error, Some(CardError::UnexpectedAnswer { .. })),
                "{sw}"
            );
        }
    }

    #[test]
    fn a_wrong_pin_reports_the_tries_the_card_counted() {
        let report = run(
            &[PinKind::Auth],
            false,
            &auth_pin(&["< 63 C3", VERIFY, "< 63 C2"]),
        );
        assert!(matches!(
            report.error,
            Some(CardError::WrongPin {
                kind: PinKind::Auth,
                tries_left: 2
            })
        ));
        assert_eq!(report.outcomes[0].outcome, Outcome::NotChanged);
        assert_eq!(report.outcomes[0].tries_left, Some(2));
    }

    #[test]
    fn a_wrong_pin_on_the_last_try_says_the_pin_is_now_locked() {
        let report = run(
            &[PinKind::Auth],
            true,
            &auth_pin(&["< 63 C1", VERIFY, "< 63 C0"]),
        );
        let error = report.error.unwrap();
        assert!(error.to_string().contains("now locked"), "{error}");
        assert_eq!(report.outcomes[0].tries_left, Some(0));
    }

    #[test]
    fn losing_the_card_before_a_pin_is_sent_is_a_plain_removal() {
        let report = run(&[PinKind::Auth], false, &auth_pin(&["< !removed"]));
        assert!(matches!(
            report.error,
            Some(CardError::Transport(TransportError::CardRemoved))
        ));
        assert_eq!(report.outcomes[0].outcome, Outcome::NotChanged);
    }

    #[test]
    fn losing_the_card_after_a_pin_is_sent_leaves_the_outcome_unknown() {
        for (verify, change) in [("< !removed", None), ("< 90 00", Some("< !reset"))] {
            let mut rest = vec!["< 63 C3", VERIFY, verify];
            if let Some(change) = change {
                rest.extend([CHANGE, change]);
            }
            let report = run(&[PinKind::Auth], false, &auth_pin(&rest));
            assert!(matches!(
                report.error,
                Some(CardError::OutcomeUnknown {
                    kind: PinKind::Auth,
                    ..
                })
            ));
            assert_eq!(report.outcomes[0].outcome, Outcome::Unknown);
            assert_eq!(report.outcomes[0].outcome.changed(), None);
        }
    }

    #[test]
    fn an_answer_without_a_status_word_after_a_pin_leaves_the_outcome_unknown() {
        for (verify, change) in [("< 90", None), ("< 90 00", Some("<"))] {
            let mut rest = vec!["< 63 C3", VERIFY, verify];
            if let Some(change) = change {
                rest.extend([CHANGE, change]);
            }
            let report = run(&[PinKind::Auth], false, &auth_pin(&rest));
            let error = report.error.unwrap();
            assert!(
                matches!(
                    error,
                    CardError::AnswerUnknown {
                        kind: PinKind::Auth,
                        ..
                    }
                ),
                "{error:?}"
            );
            assert!(error.to_string().contains("may have been counted"));
            assert_eq!(report.outcomes[0].outcome, Outcome::Unknown);
        }
    }

    #[test]
    fn several_pins_stop_at_the_first_failure() {
        let report = run(
            &[PinKind::Juki, PinKind::Auth, PinKind::Kenhojo],
            false,
            &[&JUKI_CHANGED[..], &auth_pin(&["< 63 C1"])].concat(),
        );
        let outcomes: Vec<Outcome> = report.outcomes.iter().map(|o| o.outcome).collect();
        assert_eq!(
            outcomes,
            [Outcome::Changed, Outcome::NotChanged, Outcome::NotAttempted]
        );
        assert!(matches!(
            report.error,
            Some(CardError::LastTryRefused {
                kind: PinKind::Auth
            })
        ));
    }

    /// Counts holds, and commands sent outside one.
    struct Holds {
        inner: Replay,
        holds: usize,
        outside: usize,
    }

    impl Transport for Holds {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.outside += 1;
            self.inner.transmit(command)
        }

        fn exclusive(
            &mut self,
            session: &mut dyn FnMut(&mut dyn Transport),
        ) -> Result<(), TransportError> {
            self.holds += 1;
            session(&mut self.inner);
            Ok(())
        }

        fn reader_name(&self) -> &str {
            "holds"
        }
    }

    #[test]
    fn several_pins_change_inside_one_hold() {
        let lines = [
            &JUKI_CHANGED[..],
            &auth_pin(&["< 63 C3", VERIFY, "< 90 00", CHANGE, "< 90 00"]),
        ]
        .concat();
        let text = format!("@source hand-written\n{}\n", lines.join("\n"));
        let mut card = Holds {
            inner: Replay::new(Trace::parse(&text, "t.trace").unwrap()),
            holds: 0,
            outside: 0,
        };
        let targets = ChangeTargets::new(&[PinKind::Juki, PinKind::Auth]).unwrap();
        let change = PinChange::new(&targets, "4827", "6391").unwrap();
        let report = change_pins(&mut card, &change, false);
        assert!(report.error.is_none(), "{:?}", report.error);
        assert_eq!((card.holds, card.outside), (1, 0));
        card.inner.finish().unwrap();
    }

    #[test]
    fn precheck_refuses_the_whole_run_when_any_target_would_be_refused() {
        let status = |kind, sw: u16| PinStatus {
            kind,
            counter: RetryCounter::from_probe(StatusWord::from(sw)),
        };
        let statuses = [
            status(PinKind::Sign, 0x63C5),
            status(PinKind::Auth, 0x63C1),
            status(PinKind::Juki, 0x63C3),
            status(PinKind::Kenhojo, 0x6983),
        ];
        let targets = ChangeTargets::new(&[PinKind::Juki, PinKind::Auth]).unwrap();
        let report = precheck(&targets, &statuses, false).unwrap();
        assert!(matches!(
            report.error,
            Some(CardError::LastTryRefused {
                kind: PinKind::Auth
            })
        ));
        let outcomes: Vec<(Outcome, Option<u8>)> = report
            .outcomes
            .iter()
            .map(|o| (o.outcome, o.tries_left))
            .collect();
        assert_eq!(
            outcomes,
            [
                (Outcome::NotAttempted, None),
                (Outcome::NotChanged, Some(1))
            ]
        );
        assert!(precheck(&targets, &statuses, true).is_none());
        let kenhojo = ChangeTargets::new(&[PinKind::Kenhojo]).unwrap();
        assert!(matches!(
            precheck(&kenhojo, &statuses, true).unwrap().error,
            Some(CardError::PinLocked { .. })
        ));
    }

    #[test]
    fn requests_are_checked_before_anything_is_sent() {
        use PinKind::*;
        assert_eq!(ChangeTargets::new(&[]), Err(ChangeInputError::NoPins));
        assert_eq!(
            ChangeTargets::new(&[Juki, Auth, Juki]),
            Err(ChangeInputError::Repeated(Juki))
        );
        assert_eq!(
            ChangeTargets::new(&[Auth, Sign]),
            Err(ChangeInputError::MixedFormats)
        );
        let juki = ChangeTargets::new(&[Juki]).unwrap();
        assert_eq!(
            PinChange::new(&juki, "4827", "4827").unwrap_err(),
            ChangeInputError::Unchanged
        );
        assert!(matches!(
            PinChange::new(&juki, "482", "6391").unwrap_err(),
            ChangeInputError::Format {
                entry: Entry::Current,
                ..
            }
        ));
        assert!(matches!(
            PinChange::new(&juki, "4827", "63x1").unwrap_err(),
            ChangeInputError::Format {
                entry: Entry::New,
                ..
            }
        ));
        // The password is upper-cased before the comparison: these two are the same.
        let sign = ChangeTargets::new(&[Sign]).unwrap();
        assert_eq!(
            PinChange::new(&sign, "abc123", "ABC123").unwrap_err(),
            ChangeInputError::Unchanged
        );
    }
}
