//! Reading the JPKI AP's four certificates: the auth certificate and the two CA certificates
//! without a PIN, in one transaction; the sign certificate only behind the guard of
//! [`verify_pin`](super::verify_pin), its VERIFY and its read in one transaction.

use super::application::Application;
use super::certificate::{read_certificate_in, CertificateKind, CertificateRead};
use super::error::CardError;
use super::exchange::{in_transaction, send};
use super::guarded::{self, Job, LastTry, Then};
use super::pin::{Pin, PinKind};
use super::verify::VerifyReport;
use crate::apdu::{Command, StatusWord};
use crate::transport::{Reader, Transaction};

/// SELECT the JPKI AP, then read each of `kinds`, in order, in one transaction: no PIN is sent.
/// The sign certificate among them reads as a refusal (69 82) unless its password was verified
/// in this session: for it, use [`read_sign_certificate`].
pub fn read_certificates(
    reader: &mut dyn Reader,
    kinds: &[CertificateKind],
) -> Result<Vec<(CertificateKind, CertificateRead)>, CardError> {
    in_transaction(reader, |card| {
        let selected = send(card, &Command::select_application(Application::Jpki.aid()))?.sw;
        if selected != StatusWord::Success {
            return Err(CardError::NotMyNumberCard { sw: selected });
        }
        read_each(card, kinds)
    })
}

fn read_each(
    card: &mut dyn Transaction,
    kinds: &[CertificateKind],
) -> Result<Vec<(CertificateKind, CertificateRead)>, CardError> {
    kinds
        .iter()
        .map(|kind| Ok((*kind, read_certificate_in(card, *kind)?)))
        .collect()
}

/// What reading the sign certificate gave: the VERIFY's report, and the certificates read
/// after it (the sign certificate first, then those asked `also`) when the card took the
/// password.
#[derive(Debug)]
pub struct SignCertificateReport {
    /// The check of the sign password, as [`verify_pin`](super::verify_pin) reports it.
    pub verify: VerifyReport,
    /// The sign certificate, then `also`, in order; empty when the VERIFY did not succeed.
    /// `Err` when the card was lost during the reads (after the password was taken).
    pub certificates: Result<Vec<(CertificateKind, CertificateRead)>, CardError>,
}

/// Read the sign certificate behind every guard of a PIN, in one transaction: the sign
/// password's counter read first, refusal at 0 and at 1 unless `last_try` allows it, one
/// VERIFY, never re-sent; only when the card took it, the sign certificate and `also` (such as
/// [`CertificateKind::SignCa`]). A wrong password spends one try, and the report says how many
/// are left. `pin` must be the sign password ([`PinKind::Sign`]); any other is refused
/// before the card is touched.
pub fn read_sign_certificate(
    reader: &mut dyn Reader,
    pin: &Pin,
    last_try: LastTry,
    also: &[CertificateKind],
) -> SignCertificateReport {
    if pin.kind() != PinKind::Sign {
        let mut verify = VerifyReport::from_ledger(pin.kind(), guarded::Ledger::empty(pin.kind()));
        verify.error = Some(CardError::NotTheSignPassword { kind: pin.kind() });
        return SignCertificateReport {
            verify,
            certificates: Ok(Vec::new()),
        };
    }
    let job = Job {
        current: pin,
        then: Then::Nothing,
    };
    let mut kinds = vec![CertificateKind::Sign];
    kinds.extend(also.iter().filter(|k| **k != CertificateKind::Sign));
    let (ledger, read) = guarded::run_then(reader, &[job], last_try, &[], |card| {
        read_each(card, &kinds)
    });
    SignCertificateReport {
        verify: VerifyReport::from_ledger(PinKind::Sign, ledger),
        certificates: read.unwrap_or_else(|| Ok(Vec::new())),
    }
}
