//! Changing PINs without risking a lock: read the counter of every key reference first, refuse
//! when any is too low, then send the current PIN once per key reference and the new one, all
//! inside one transaction (docs/protocol.md, "Changing a PIN").
//!
//! A single sign, auth or kenhojo change is five APDUs: SELECT AP, SELECT PIN EF, VERIFY without
//! data (the guard), VERIFY with the current PIN, CHANGE REFERENCE DATA. The juki PIN has two key
//! references, each changed with CHANGE KEY.

use super::application::Application;
use super::counter::PinStatus;
use super::error::CardError;
use super::experimental::Experiment;
use super::guarded::{self, lowest_tries, Job, KeyOutcome, KeyResult, LastTry, Ledger, Then};
use super::key_reference::KeyReference;
use super::pin::{Pin, PinFormat, PinFormatError, PinKind};
use crate::transport::Reader;
use std::fmt;
use thiserror::Error;

/// One of the two PINs a holder types for a change: the one the card holds now, or the one to
/// set. Names which of them a format error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypedPin {
    /// The PIN the card holds now.
    Current,
    /// The PIN to set.
    New,
}

impl fmt::Display for TypedPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TypedPin::Current => "current PIN",
            TypedPin::New => "new PIN",
        })
    }
}

/// Why a change request is refused before any APDU is sent. Never holds a PIN.
#[non_exhaustive]
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
    #[error("the {typed} is not valid: {problem}")]
    Format {
        /// Which of the two PINs.
        typed: TypedPin,
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
                        typed: TypedPin::Current,
                        problem,
                    })?;
                let new = Pin::new(kind, new).map_err(|problem| ChangeInputError::Format {
                    typed: TypedPin::New,
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
    /// The card took the new PIN, in every key reference it has.
    Changed,
    /// Refused or rejected; the PIN is as it was. The report's error says why.
    NotChanged,
    /// The card was lost after a PIN was sent: the PIN may or may not have changed.
    Unknown,
    /// The run ended before this PIN's turn.
    NotAttempted,
    /// Some key references took the new PIN and others did not (or may not have): the PIN's
    /// copies now differ. The key references' outcomes say which holds which.
    PartlyChanged,
}

impl Outcome {
    /// Whether the PIN changed, when known to be all or nothing: `None` for an unknown outcome
    /// and for a partial change.
    pub fn changed(self) -> Option<bool> {
        match self {
            Outcome::Changed => Some(true),
            Outcome::NotChanged | Outcome::NotAttempted => Some(false),
            Outcome::Unknown | Outcome::PartlyChanged => None,
        }
    }

    /// The outcome of a PIN from its key references' results (those not on the card aside).
    fn of(keys: &[KeyOutcome]) -> Outcome {
        let on_card: Vec<KeyResult> = keys
            .iter()
            .map(|k| k.result)
            .filter(|r| *r != KeyResult::NotOnCard)
            .collect();
        let any = |result| on_card.contains(&result);
        if on_card.is_empty() {
            Outcome::NotChanged
        } else if on_card.iter().all(|r| *r == KeyResult::Done) {
            Outcome::Changed
        } else if any(KeyResult::Done) {
            Outcome::PartlyChanged
        } else if any(KeyResult::Unknown) {
            Outcome::Unknown
        } else if on_card.iter().all(|r| *r == KeyResult::NotAttempted) {
            Outcome::NotAttempted
        } else {
            Outcome::NotChanged
        }
    }
}

/// One PIN's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinOutcome {
    /// Which PIN.
    pub kind: PinKind,
    /// What happened.
    pub outcome: Outcome,
    /// Tries left afterwards, when known for every key reference (the lowest of them): the
    /// maximum after a correct VERIFY, what 63 Cx said after a wrong one, what the guard read.
    pub tries_left: Option<u8>,
    /// Each key reference's result, in order (the juki PIN has two), absent ones included.
    pub keys: Vec<KeyOutcome>,
}

impl PinOutcome {
    fn of(keys: Vec<KeyOutcome>) -> Option<PinOutcome> {
        Some(PinOutcome {
            kind: keys.first()?.key.kind(),
            outcome: Outcome::of(&keys),
            tries_left: lowest_tries(&keys),
            keys,
        })
    }
}

/// The result of a run: every target's outcome in order, and the error that stopped it, if any.
#[derive(Debug)]
pub struct ChangeReport {
    /// One entry per target, in the order asked.
    pub outcomes: Vec<PinOutcome>,
    /// What stopped the run; `None` when every PIN changed. A PIN left partly changed makes it
    /// [`CardError::PartlyChanged`], whose source is what stopped the run.
    pub error: Option<CardError>,
    /// The key reference the error arose at, when it concerns one.
    pub stopped_at: Option<KeyReference>,
}

impl ChangeReport {
    fn from_ledger(ledger: Ledger) -> ChangeReport {
        let outcomes: Vec<PinOutcome> =
            ledger.pins.into_iter().filter_map(PinOutcome::of).collect();
        let partly = outcomes
            .iter()
            .find(|o| o.outcome == Outcome::PartlyChanged);
        let error = match (ledger.error, partly) {
            (Some(cause), Some(pin)) => {
                let holding = |result| {
                    pin.keys
                        .iter()
                        .filter(|k| k.result == result)
                        .map(|k| k.key.application())
                        .collect::<Vec<Application>>()
                };
                let mut unchanged = holding(KeyResult::NotDone);
                unchanged.extend(holding(KeyResult::NotAttempted));
                Some(CardError::PartlyChanged {
                    kind: pin.kind,
                    changed: holding(KeyResult::Done),
                    unchanged,
                    unknown: holding(KeyResult::Unknown),
                    source: Box::new(cause),
                })
            }
            (error, _) => error,
        };
        ChangeReport {
            outcomes,
            error,
            stopped_at: ledger.stopped_at,
        }
    }
}

/// Change every target inside one transaction: first read the counter of every key reference of every
/// target and refuse (a counter at 0, or at 1 unless `last_try` is [`LastTry::Allow`]) before
/// any PIN is sent; then VERIFY and change each key reference in order, stopping at the first
/// failure.
///
/// The current PIN is sent at most once per key reference and never re-sent. A target whose
/// change is an [`Experiment`] (the juki PIN: [`Experiment::JukiChangeKey`]) is changed only when
/// `experiments` names it; otherwise the report's error is [`CardError::NeedsExperimental`] and
/// no transaction was opened.
pub fn change_pins(
    reader: &mut dyn Reader,
    change: &PinChange,
    last_try: LastTry,
    experiments: &[Experiment],
) -> ChangeReport {
    let jobs: Vec<Job> = change
        .steps
        .iter()
        .map(|(current, new)| Job {
            current,
            then: Then::Change(new),
        })
        .collect();
    ChangeReport::from_ledger(guarded::run(reader, &jobs, last_try, experiments))
}

/// Apply the guard to counters read before the holder is asked for anything (interactive runs),
/// so a PIN the guard would refuse is refused before it is typed. Every key reference of every
/// target is checked, so nothing changes when any of them would be refused. The guard runs
/// again inside the transaction.
pub fn precheck_change(
    targets: &ChangeTargets,
    statuses: &[PinStatus],
    last_try: LastTry,
) -> Option<ChangeReport> {
    guarded::precheck(targets.kinds(), statuses, last_try).map(ChangeReport::from_ledger)
}

#[cfg(test)]
mod tests {
    use super::*;

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
                typed: TypedPin::Current,
                ..
            }
        ));
        assert!(matches!(
            PinChange::new(&juki, "4827", "63x1").unwrap_err(),
            ChangeInputError::Format {
                typed: TypedPin::New,
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

    #[test]
    fn a_format_error_names_which_of_the_two_pins_it_is_about() {
        assert_eq!(TypedPin::Current.to_string(), "current PIN");
        assert_eq!(TypedPin::New.to_string(), "new PIN");
        let juki = ChangeTargets::new(&[PinKind::Juki]).unwrap();
        let error = PinChange::new(&juki, "4827", "63x1").unwrap_err();
        assert!(
            error.to_string().starts_with("the new PIN is not valid: "),
            "{error}"
        );
        let error = PinChange::new(&juki, "482", "6391").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("the current PIN is not valid: "),
            "{error}"
        );
    }
}
