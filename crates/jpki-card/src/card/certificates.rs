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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::trace::Trace;
    use crate::transport::Replay;

    fn replay(text: &str) -> Replay {
        Replay::new(Trace::parse(text, "unit").unwrap())
    }

    /// The guard of the sign password: SELECT JPKI AP, SELECT its EF, the counter (5 left).
    const SIGN_GUARD: &str = "@source hand-written
> 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01
< 90 00
> 00 A4 02 0C 02 00 1B
< 90 00
> 00 20 00 80
< 63 C5
";

    #[test]
    fn another_pin_than_the_sign_password_is_refused_before_the_card() {
        let mut card = replay("@source hand-written\n");
        let pin = Pin::new(PinKind::Auth, "1234").unwrap();
        let report = read_sign_certificate(&mut card, &pin, LastTry::Refuse, &[]);
        assert!(matches!(
            report.verify.error,
            Some(CardError::NotTheSignPassword {
                kind: PinKind::Auth
            })
        ));
        card.finish().unwrap();
    }

    #[test]
    fn a_wrong_password_reads_nothing_and_a_last_try_is_refused() {
        let guard = format!("{SIGN_GUARD}> 00 20 00 80 06 ?? ?? ?? ?? ?? ??\n< 63 C4\n");
        let mut card = replay(&guard);
        let pin = Pin::new(PinKind::Sign, "ABC999").unwrap();
        let report =
            read_sign_certificate(&mut card, &pin, LastTry::Refuse, &[CertificateKind::SignCa]);
        assert_eq!(report.verify.tries_left, Some(4));
        assert!(matches!(report.certificates, Ok(ref c) if c.is_empty()));
        card.finish().unwrap();
        let last = guard.replace("< 63 C5", "< 63 C1");
        let last = &last[..last.find("> 00 20 00 80 06").unwrap()];
        let mut card = replay(last);
        let report = read_sign_certificate(&mut card, &pin, LastTry::Refuse, &[]);
        assert!(matches!(
            report.verify.error,
            Some(CardError::LastTryRefused { .. })
        ));
        card.finish().unwrap();
    }

    #[test]
    fn a_right_password_reads_the_sign_certificate_first_and_once_then_the_others() {
        let mut card = replay(&format!(
            "{SIGN_GUARD}> 00 20 00 80 06 ?? ?? ?? ?? ?? ??
< 90 00
> 00 A4 02 0C 02 00 01
< 90 00
> 00 B0 00 00 00
< 30 01 01 90 00
> 00 A4 02 0C 02 00 02
< 90 00
> 00 B0 00 00 00
< 30 01 02 90 00
"
        ));
        let pin = Pin::new(PinKind::Sign, "ABC123").unwrap();
        let also = [CertificateKind::Sign, CertificateKind::SignCa];
        let report = read_sign_certificate(&mut card, &pin, LastTry::Refuse, &also);
        assert!(report.verify.error.is_none(), "{:?}", report.verify.error);
        let reads = report.certificates.unwrap();
        let kinds: Vec<CertificateKind> = reads.iter().map(|r| r.0).collect();
        assert_eq!(kinds, vec![CertificateKind::Sign, CertificateKind::SignCa]);
        assert_eq!(reads[1].1, CertificateRead::Der(vec![0x30, 0x01, 0x02]));
        card.finish().unwrap();
    }

    #[test]
    fn public_certificates_are_read_in_one_transaction_after_one_select() {
        let mut card = replay(
            "@source hand-written
> 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01
< 90 00
> 00 A4 02 0C 02 00 0B
< 6A 82
> 00 A4 02 0C 02 00 02
< 90 00
> 00 B0 00 00 00
< 30 01 00 90 00
",
        );
        let reads = read_certificates(
            &mut card,
            &[CertificateKind::AuthCa, CertificateKind::SignCa],
        )
        .unwrap();
        assert_eq!(reads[1].1, CertificateRead::Der(vec![0x30, 0x01, 0x00]));
        assert!(matches!(reads[0].1, CertificateRead::Problem(_)));
        card.finish().unwrap();
    }
}
