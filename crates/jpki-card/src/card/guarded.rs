//! Guard first, then act: the two phases of every run that sends a PIN, inside one transaction
//! (docs/protocol.md, "Changing a PIN").
//!
//! 1. Guard: for every key reference of every PIN, in the order the PINs were named: SELECT AP,
//!    SELECT PIN EF, read the counter. A locked counter, a last try the holder did not allow, an
//!    answer jpki cannot read, or a PIN with no key reference on the card refuses the whole run
//!    before any PIN is sent.
//! 2. Act: for each key reference in the same order: SELECT AP and EF unless that EF is the one
//!    selected last, VERIFY with the current PIN (sent once, never again), then, for a change,
//!    the key reference's change command. The first failure stops the run.

use super::application::Application;
use super::counter::{PinStatus, RetryCounter};
use super::error::CardError;
use super::exchange::send;
use super::experimental::{Experiment, NeedsExperimental, PinCommand};
use super::key_reference::{ChangeCommand, KeyReference};
use super::pin::{Pin, PinKind};
use crate::apdu::{Command, StatusWord};
use crate::transport::{Reader, Transaction, TransportError};

/// Whether the guard lets a PIN be sent to a key reference with one try left: a wrong entry
/// there locks the PIN, so only the holder can say to spend it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LastTry {
    /// Refuse at one try left, before any PIN is sent (the default).
    #[default]
    Refuse,
    /// Spend the last try: the holder is sure of the PIN.
    Allow,
}

/// What follows a key reference's VERIFY.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Then<'a> {
    /// Nothing: the run only checks the PIN (`verify-pin`).
    Nothing,
    /// The change command with this new PIN (`change-pin`).
    Change(&'a Pin),
}

/// One PIN of a run: its current value and what follows each VERIFY.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Job<'a> {
    /// The PIN the card holds now, as typed.
    pub current: &'a Pin,
    /// What to do once the card took it.
    pub then: Then<'a>,
}

/// What happened at one key reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyResult {
    /// The card took the PIN: verified (`verify-pin`), or verified and changed (`change-pin`).
    Done,
    /// Not done, and nothing changed here: refused by the guard or by the card, or stopped
    /// before the PIN was sent. The run's error says why.
    NotDone,
    /// The PIN was sent, then the card was lost or answered without a status word: the try may
    /// have been counted, and a change may or may not have been made.
    Unknown,
    /// The run ended before this key reference's turn.
    NotAttempted,
    /// Its application or PIN file is not on the card (6A 82).
    NotOnCard,
}

/// One key reference's result and its tries left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyOutcome {
    /// Which key reference.
    pub key: KeyReference,
    /// What happened there.
    pub result: KeyResult,
    /// Tries left afterwards, when known: the maximum after a correct VERIFY, what 63 Cx said
    /// after a wrong one, what the guard read otherwise.
    pub tries_left: Option<u8>,
}

/// The tries left of a PIN held in these key references: 0 when any is locked, else the lowest,
/// and unknown when any key reference on the card has an unknown count (never a number jpki
/// cannot back).
pub(crate) fn lowest_tries(keys: &[KeyOutcome]) -> Option<u8> {
    let on_card: Vec<Option<u8>> = keys
        .iter()
        .filter(|k| k.result != KeyResult::NotOnCard)
        .map(|k| k.tries_left)
        .collect();
    if on_card.contains(&Some(0)) {
        return Some(0);
    }
    on_card
        .into_iter()
        .collect::<Option<Vec<u8>>>()?
        .into_iter()
        .min()
}

/// A run's record: every PIN's key references in order, what stopped the run, and where.
#[derive(Debug)]
pub(crate) struct Ledger {
    /// One entry per PIN, in the order named; in each, its key references in order.
    pub pins: Vec<Vec<KeyOutcome>>,
    /// What stopped the run; `None` when every key reference was done.
    pub error: Option<CardError>,
    /// The key reference the error arose at; `None` when it concerns no single one.
    pub stopped_at: Option<KeyReference>,
}

impl Ledger {
    /// A ledger of one PIN whose run never started.
    pub(crate) fn empty(kind: PinKind) -> Ledger {
        Ledger::new([kind])
    }

    fn new(kinds: impl IntoIterator<Item = PinKind>) -> Ledger {
        let pins = kinds
            .into_iter()
            .map(|kind| {
                kind.key_references()
                    .into_iter()
                    .map(|key| KeyOutcome {
                        key,
                        result: KeyResult::NotAttempted,
                        tries_left: None,
                    })
                    .collect()
            })
            .collect();
        Ledger {
            pins,
            error: None,
            stopped_at: None,
        }
    }
}

/// Run `jobs` in one transaction: the guard for all of them, then VERIFY (and change) each. A
/// job that rests on an experiment the caller did not name stops the run before any
/// transaction is opened.
pub(crate) fn run(
    reader: &mut dyn Reader,
    jobs: &[Job],
    last_try: LastTry,
    experiments: &[Experiment],
) -> Ledger {
    run_then(reader, jobs, last_try, experiments, |_| ()).0
}

/// Like [`run`], then, when every job was done, `after` in the same transaction (a read that
/// the PINs just opened); its result is `None` when the run stopped before it.
pub(crate) fn run_then<R>(
    reader: &mut dyn Reader,
    jobs: &[Job],
    last_try: LastTry,
    experiments: &[Experiment],
    after: impl FnOnce(&mut dyn Transaction) -> R,
) -> (Ledger, Option<R>) {
    let mut ledger = Ledger::new(jobs.iter().map(|job| job.current.kind()));
    if let Err(refused) = consented(jobs, experiments) {
        ledger.error = Some(refused.into());
        return (ledger, None);
    }
    let Ledger {
        pins, stopped_at, ..
    } = &mut ledger;
    let ran = super::exchange::in_transaction(reader, |card| {
        let mut files = PinFiles {
            card,
            selected: None,
        };
        guard_all(&mut files, pins, stopped_at, last_try)?;
        act_all(&mut files, pins, stopped_at, jobs)?;
        Ok(after(files.card))
    });
    let (error, after) = match ran {
        Ok(after) => (None, Some(after)),
        Err(error) => (Some(error), None),
    };
    ledger.error = error;
    if ledger.error.is_none() {
        ledger.stopped_at = None;
    }
    (ledger, after)
}

/// Every job's experiment, if it rests on one, is among those the caller named.
fn consented(jobs: &[Job], experiments: &[Experiment]) -> Result<(), NeedsExperimental> {
    for job in jobs {
        let kind = job.current.kind();
        let command = match job.then {
            Then::Nothing => PinCommand::Verify,
            Then::Change(_) => PinCommand::Change,
        };
        if let Some(experiment) = Experiment::of(kind, command) {
            if !experiments.contains(&experiment) {
                return Err(NeedsExperimental { kind, command });
            }
        }
    }
    Ok(())
}

/// Apply the guard to counters read before the holder typed anything (interactive runs), so a
/// PIN the guard would refuse is refused before it is asked for. `None` when the guard lets the
/// run go ahead; it runs again inside the transaction.
pub(crate) fn precheck(
    kinds: &[PinKind],
    statuses: &[PinStatus],
    last_try: LastTry,
) -> Option<Ledger> {
    let mut ledger = Ledger::new(kinds.iter().copied());
    for (kind, pin) in kinds.iter().zip(ledger.pins.iter_mut()) {
        let status = statuses.iter().find(|s| s.kind == *kind)?;
        for outcome in pin.iter_mut() {
            let Some(read) = status.keys.iter().find(|k| k.key == outcome.key) else {
                continue;
            };
            outcome.tries_left = read.counter.tries_left();
            if read.counter == RetryCounter::Absent {
                outcome.result = KeyResult::NotOnCard;
                continue;
            }
            if let Err(error) = guard_counter(outcome.key, read.counter, last_try) {
                outcome.result = KeyResult::NotDone;
                ledger.error = Some(error);
                ledger.stopped_at = Some(outcome.key);
                return Some(ledger);
            }
        }
        if pin.iter().all(|o| o.result == KeyResult::NotOnCard) {
            ledger.error = Some(CardError::PinNotIssued { kind: *kind });
            return Some(ledger);
        }
    }
    None
}

/// The card inside the transaction, remembering which PIN file is selected so the act phase
/// selects it again only when another one was selected since.
struct PinFiles<'a> {
    card: &'a mut dyn Transaction,
    selected: Option<KeyReference>,
}

impl PinFiles<'_> {
    /// SELECT the key reference's application and EF and read its counter: three APDUs (one when
    /// the application is not on the card), no try spent.
    fn read_counter(&mut self, key: KeyReference) -> Result<RetryCounter, CardError> {
        self.selected = None;
        match send(
            self.card,
            &Command::select_application(key.application().aid()),
        )?
        .sw
        {
            StatusWord::Success => {}
            // As in `status`: without the JPKI AP this is not a My Number card.
            sw if key.application() == Application::Jpki => {
                return Err(CardError::NotMyNumberCard { sw })
            }
            StatusWord::FileNotFound => return Ok(RetryCounter::Absent),
            other => return Err(unexpected(key.kind(), "SELECT", other)),
        }
        let counter = super::status::read_counter(self.card, key)?;
        if matches!(
            counter,
            RetryCounter::Remaining(_) | RetryCounter::Blocked(_)
        ) {
            self.selected = Some(key);
        }
        Ok(counter)
    }

    /// Make the key reference's EF the current one: nothing when it already is, else SELECT AP
    /// and SELECT EF, which the guard saw answer 90 00, so any other answer now stops the run.
    fn select(&mut self, key: KeyReference) -> Result<(), CardError> {
        if self.selected == Some(key) {
            return Ok(());
        }
        self.selected = None;
        for command in [
            Command::select_application(key.application().aid()),
            Command::select_file(key.ef()),
        ] {
            let sw = send(self.card, &command)?.sw;
            if sw != StatusWord::Success {
                return Err(unexpected(key.kind(), "SELECT", sw));
            }
        }
        self.selected = Some(key);
        Ok(())
    }

    /// Send a command carrying a PIN, once. A card lost now, or an answer without a status
    /// word, leaves the outcome unknown: the card got the PIN, and nothing it said tells what
    /// it did.
    fn send_secret(
        &mut self,
        command: &Command,
        changing: bool,
        outcome: &mut KeyOutcome,
    ) -> Result<StatusWord, CardError> {
        let kind = outcome.key.kind();
        match send(self.card, command) {
            Ok(answer) => Ok(answer.sw),
            Err(CardError::Transport(
                cause @ (TransportError::CardRemoved
                | TransportError::CardReset
                | TransportError::Reader(_)),
            )) => {
                outcome.result = KeyResult::Unknown;
                outcome.tries_left = None;
                Err(CardError::OutcomeUnknown {
                    kind,
                    cause,
                    changing,
                })
            }
            Err(CardError::MalformedAnswer { source, .. }) => {
                outcome.result = KeyResult::Unknown;
                outcome.tries_left = None;
                Err(CardError::AnswerUnknown {
                    kind,
                    problem: source,
                    changing,
                })
            }
            Err(other) => Err(other),
        }
    }
}

/// The guard phase: every counter read, in order, before any PIN is sent.
fn guard_all(
    files: &mut PinFiles,
    pins: &mut [Vec<KeyOutcome>],
    stopped_at: &mut Option<KeyReference>,
    last_try: LastTry,
) -> Result<(), CardError> {
    for pin in pins.iter_mut() {
        for outcome in pin.iter_mut() {
            *stopped_at = Some(outcome.key);
            // Marked as the stopping point until its counter lets the run go on.
            outcome.result = KeyResult::NotDone;
            let counter = files.read_counter(outcome.key)?;
            outcome.tries_left = counter.tries_left();
            if counter == RetryCounter::Absent {
                outcome.result = KeyResult::NotOnCard;
                continue;
            }
            guard_counter(outcome.key, counter, last_try)?;
            outcome.result = KeyResult::NotAttempted;
        }
        if let Some(first) = pin.first() {
            if pin.iter().all(|o| o.result == KeyResult::NotOnCard) {
                *stopped_at = None;
                return Err(CardError::PinNotIssued {
                    kind: first.key.kind(),
                });
            }
        }
    }
    Ok(())
}

/// The act phase: VERIFY each key reference on the card, then change it when asked.
fn act_all(
    files: &mut PinFiles,
    pins: &mut [Vec<KeyOutcome>],
    stopped_at: &mut Option<KeyReference>,
    jobs: &[Job],
) -> Result<(), CardError> {
    for (job, pin) in jobs.iter().zip(pins.iter_mut()) {
        let changing = matches!(job.then, Then::Change(_));
        for outcome in pin.iter_mut().filter(|o| o.result != KeyResult::NotOnCard) {
            let key = outcome.key;
            let kind = key.kind();
            *stopped_at = Some(key);
            outcome.result = KeyResult::NotDone;
            files.select(key)?;
            let verify = Command::verify(job.current.expose());
            let verified = files.send_secret(&verify, changing, outcome)?;
            match verified {
                // A correct VERIFY puts the counter back at its maximum.
                StatusWord::Success => outcome.tries_left = Some(kind.max_tries()),
                // After a wrong entry fewer tries than the maximum are left: a count at or
                // above it is no count this card gives, so it is shown as the answer it is.
                StatusWord::TriesLeft(left) if left < kind.max_tries() => {
                    outcome.tries_left = Some(left);
                    return Err(CardError::WrongPin {
                        kind,
                        tries_left: left,
                    });
                }
                StatusWord::AuthenticationBlocked | StatusWord::ReferenceDataUnusable => {
                    outcome.tries_left = Some(0);
                    return Err(CardError::PinLocked {
                        kind,
                        sw: verified,
                        pin_sent: true,
                    });
                }
                other => {
                    // The card got the PIN and said nothing jpki can read as a count: the count
                    // the guard read before may no longer hold.
                    outcome.tries_left = None;
                    return Err(unexpected(kind, "VERIFY", other));
                }
            }
            if let Then::Change(new) = job.then {
                let command = key.change_command();
                let apdu = match command {
                    ChangeCommand::ReferenceData => Command::change_reference_data(new.expose()),
                    ChangeCommand::Key => Command::change_key(new.expose()),
                };
                let changed = files.send_secret(&apdu, changing, outcome)?;
                if changed != StatusWord::Success {
                    return Err(CardError::ChangeRejected {
                        kind,
                        command,
                        sw: changed,
                    });
                }
            }
            outcome.result = KeyResult::Done;
        }
    }
    Ok(())
}

/// The guard itself: which counters let a PIN be sent to a key reference.
fn guard_counter(
    key: KeyReference,
    counter: RetryCounter,
    last_try: LastTry,
) -> Result<(), CardError> {
    let kind = key.kind();
    match counter {
        RetryCounter::Remaining(1) if last_try == LastTry::Refuse => {
            Err(CardError::LastTryRefused { kind })
        }
        RetryCounter::Remaining(_) => Ok(()),
        RetryCounter::Blocked(sw) => Err(CardError::PinLocked {
            kind,
            sw,
            pin_sent: false,
        }),
        RetryCounter::Absent => Err(CardError::PinNotIssued { kind }),
        RetryCounter::Unreadable(sw) => Err(unexpected(kind, "VERIFY (counter)", sw)),
        RetryCounter::NoStatusWord(length) => Err(CardError::MalformedAnswer {
            command: format!("{:?}", Command::read_retry_counter()),
            source: crate::apdu::ResponseError::TooShort(length),
        }),
    }
}

fn unexpected(kind: PinKind, command: &'static str, sw: StatusWord) -> CardError {
    CardError::UnexpectedAnswer { kind, command, sw }
}

#[cfg(test)]
pub(crate) mod tests;
