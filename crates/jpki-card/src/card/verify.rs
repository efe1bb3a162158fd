//! Checking a PIN without changing it: the guard of a change (every key reference's counter read
//! first, refusal at 0 and, unless allowed, at 1), then one VERIFY per key reference, in one
//! transaction.
//! A correct VERIFY puts the counter back at its maximum: this is how a holder with one try left
//! gets all of them back. The juki PIN is checked in both its key references, stopping at the
//! first that refuses it.

use super::counter::PinStatus;
use super::error::CardError;
use super::experimental::Experiment;
use super::guarded::{self, lowest_tries, Job, KeyOutcome, LastTry, Ledger, Then};
use super::key_reference::KeyReference;
use super::pin::{Pin, PinKind};
use crate::transport::Reader;

/// The result of checking one PIN.
#[derive(Debug)]
pub struct VerifyReport {
    /// Which PIN.
    pub kind: PinKind,
    /// Tries left afterwards, when known for every key reference (the lowest of them).
    pub tries_left: Option<u8>,
    /// Each key reference's result, in order (the juki PIN has two), absent ones included.
    pub keys: Vec<KeyOutcome>,
    /// What stopped the run; `None` when the card took the PIN at every key reference.
    pub error: Option<CardError>,
    /// The key reference the error arose at, when it concerns one.
    pub stopped_at: Option<KeyReference>,
}

impl VerifyReport {
    pub(crate) fn from_ledger(kind: PinKind, ledger: Ledger) -> VerifyReport {
        let keys = ledger.pins.into_iter().next().unwrap_or_default();
        VerifyReport {
            kind,
            tries_left: lowest_tries(&keys),
            keys,
            error: ledger.error,
            stopped_at: ledger.stopped_at,
        }
    }

    /// Whether the card took the PIN at every key reference it has.
    pub fn is_right(&self) -> bool {
        self.error.is_none()
    }
}

/// Check `pin` inside one transaction: read the counter of each of its key references and refuse (a
/// counter at 0, or at 1 unless `last_try` is [`LastTry::Allow`]) before sending it; then VERIFY
/// each key reference once, stopping at the first that does not take it. Never re-sent.
///
/// A PIN whose check is an [`Experiment`] (the juki PIN: [`Experiment::JukiVerify`]) is sent only
/// when `experiments` names it; otherwise the report's error is
/// [`CardError::NeedsExperimental`] and no transaction was opened.
pub fn verify_pin(
    reader: &mut dyn Reader,
    pin: &Pin,
    last_try: LastTry,
    experiments: &[Experiment],
) -> VerifyReport {
    let job = Job {
        current: pin,
        then: Then::Nothing,
    };
    VerifyReport::from_ledger(
        pin.kind(),
        guarded::run(reader, &[job], last_try, experiments),
    )
}

/// Apply the guard to counters read before the holder typed the PIN (interactive runs); `None`
/// when it lets the check go ahead. The guard runs again inside the transaction.
pub fn precheck_verify(
    kind: PinKind,
    statuses: &[PinStatus],
    last_try: LastTry,
) -> Option<VerifyReport> {
    guarded::precheck(&[kind], statuses, last_try)
        .map(|ledger| VerifyReport::from_ledger(kind, ledger))
}
