//! Reading the card in one transaction, spending no try: the 14-APDU counter exchange (five key
//! references: sign, auth, juki twice, kenhojo), and plain `status`'s extra reads (the token and
//! the auth certificate) before it.

use super::application::Application;
use super::card_info::{read_card_expiry, CardExpiry, CardInfoProblem};
use super::certificate::{
    not_after_of, read_auth_certificate, CertificateProblem, CertificateRead,
};
use super::counter::{KeyCounter, PinStatus, RetryCounter};
use super::error::CardError;
use super::exchange::{answer_to, in_transaction, send};
use super::key_reference::KeyReference;
use super::pin::PinKind;
use super::token::{read_card_kind, CardKind};
use crate::apdu::{Command, StatusWord};
use crate::transport::{Reader, Transaction};
use time::Date;

/// Everything plain `status` reads: the card kind, the auth certificate's last day, the PINs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardReport {
    /// What the token EF says the card is.
    pub kind: CardKind,
    /// The auth certificate's notAfter (a date in Japan), or why it could not be told.
    pub auth_not_after: AuthNotAfter,
    /// The card's own expiry from the 共通カードAP (one source for the layout), or why it was
    /// not told.
    pub card_expiry: CardExpiry,
    /// The four PINs, in the order of [`PinKind::ALL`].
    pub pins: Vec<PinStatus>,
}

/// The auth certificate's last day as plain `status` found it: a date, or why none was told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthNotAfter {
    /// The certificate's notAfter, as a date in Japan.
    Date(Date),
    /// No date: the token asks for a PIN first, the card refused, or its bytes are no
    /// certificate. The PIN counters are read all the same.
    Untold(CertificateProblem),
}

/// Read the counters of all four PINs, in the order of [`PinKind::ALL`]: every key reference in
/// the order of [`KeyReference::ALL`], the juki PIN's two included.
///
/// A missing juki or kenhojo application, or a missing PIN file, reports those key references as
/// absent and the exchange goes on; so does an answer that is no counter (90 00, a count above
/// the PIN's maximum, an answer too short for a status word), which makes that key reference
/// unreadable. A card without the JPKI application is not a My Number card.
pub fn read_pin_statuses(reader: &mut dyn Reader) -> Result<Vec<PinStatus>, CardError> {
    in_transaction(reader, |card| read_all(card, &mut |_, _| Ok(())))
}

/// Read the token, the auth certificate, the card's expiry and the four counters in one
/// transaction. The extra reads sit right after SELECT of the JPKI AP and of the 共通カードAP,
/// so no application is selected twice; what the card answers to them is reported, never an
/// error, so the counters are always shown.
pub fn read_card_report(reader: &mut dyn Reader) -> Result<CardReport, CardError> {
    in_transaction(reader, |card| {
        let mut kind = CardKind::Unreadable(Some(StatusWord::FileNotFound));
        let mut auth_not_after = AuthNotAfter::Untold(CertificateProblem::NeedsPin);
        let mut card_expiry = CardExpiry::Untold(CardInfoProblem::NoApplication);
        let pins = read_all(card, &mut |application, card| {
            if application == Application::Common {
                card_expiry = read_card_expiry(card)?;
                return Ok(());
            }
            if application != Application::Jpki {
                return Ok(());
            }
            kind = read_card_kind(card)?;
            auth_not_after = if kind.auth_certificate_is_public() {
                match read_auth_certificate(card)? {
                    CertificateRead::Der(der) => match not_after_of(&der) {
                        Ok(date) => AuthNotAfter::Date(date),
                        Err(problem) => AuthNotAfter::Untold(problem),
                    },
                    CertificateRead::Problem(problem) => AuthNotAfter::Untold(problem),
                }
            } else {
                AuthNotAfter::Untold(CertificateProblem::NeedsPin)
            };
            Ok(())
        })?;
        Ok(CardReport {
            kind,
            auth_not_after,
            card_expiry,
            pins,
        })
    })
}

/// SELECT the JPKI AP, then read the token (three APDUs): what the card is. For `readers` and
/// `doctor`.
pub fn probe_card_kind(reader: &mut dyn Reader) -> Result<CardKind, CardError> {
    in_transaction(reader, |card| {
        let selected = send(card, &Command::select_application(Application::Jpki.aid()))?.sw;
        if selected != StatusWord::Success {
            return Err(CardError::NotMyNumberCard { sw: selected });
        }
        read_card_kind(card)
    })
}

fn read_all(
    card: &mut dyn Transaction,
    after_selected: &mut dyn FnMut(Application, &mut dyn Transaction) -> Result<(), CardError>,
) -> Result<Vec<PinStatus>, CardError> {
    let mut keys = Vec::with_capacity(KeyReference::ALL.len());
    // The application selected last and how it answered: sign and auth share one SELECT.
    // The answer's status word, or the length of an answer too short to hold one.
    let mut current: Option<(Application, Result<StatusWord, usize>)> = None;
    for key in KeyReference::ALL {
        let selected = match current {
            Some((application, selected)) if application == key.application() => selected,
            _ => {
                let select = Command::select_application(key.application().aid());
                let selected = if key.application() == Application::Jpki {
                    // Without the JPKI AP this is no My Number card: nothing more to read.
                    let sw = send(card, &select)?.sw;
                    if sw != StatusWord::Success {
                        return Err(CardError::NotMyNumberCard { sw });
                    }
                    after_selected(Application::Jpki, card)?;
                    Ok(sw)
                } else {
                    let selected = answer_to(card, &select)?.status_word();
                    if selected == Ok(StatusWord::Success) {
                        after_selected(key.application(), card)?;
                    }
                    selected
                };
                current = Some((key.application(), selected));
                selected
            }
        };
        let counter = match selected {
            Ok(StatusWord::Success) => read_counter(card, key)?,
            Ok(StatusWord::FileNotFound) => RetryCounter::Absent,
            Ok(other) => RetryCounter::Unreadable(other),
            Err(length) => RetryCounter::NoStatusWord(length),
        };
        keys.push(KeyCounter { key, counter });
    }
    Ok(PinKind::ALL
        .into_iter()
        .map(|kind| {
            let of_kind = keys.iter().filter(|k| k.key.kind() == kind).copied();
            PinStatus::new(kind, of_kind.collect())
        })
        .collect())
}

/// SELECT the key reference's EF in the current application and ask its counter: two APDUs, no
/// try spent. Only a lost card is an error: whatever the card answers is a counter, an
/// unreadable one included (the guard then refuses it).
pub(crate) fn read_counter(
    card: &mut dyn Transaction,
    key: KeyReference,
) -> Result<RetryCounter, CardError> {
    match answer_to(card, &Command::select_file(key.ef()))?.status_word() {
        Ok(StatusWord::Success) => {}
        Ok(StatusWord::FileNotFound) => return Ok(RetryCounter::Absent),
        Ok(other) => return Ok(RetryCounter::Unreadable(other)),
        Err(length) => return Ok(RetryCounter::NoStatusWord(length)),
    }
    Ok(
        match answer_to(card, &Command::read_retry_counter())?.status_word() {
            Ok(answer) => RetryCounter::from_probe_of(key.kind(), answer),
            Err(length) => RetryCounter::NoStatusWord(length),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::trace::Trace;
    use crate::transport::Replay;

    use crate::card::guarded::tests::{
        COUNTER, OK, SELECT_COMMON_AP, SELECT_JPKI, SELECT_JUKI_AP, SELECT_KENHOJO_AP,
    };

    /// A replay of `lines`, which the test then checks were used up.
    fn replay(lines: &[&str]) -> Replay {
        let text = format!("@source hand-written\n{}\n", lines.join("\n"));
        Replay::new(Trace::parse(&text, "t.trace").unwrap())
    }

    /// Each PIN's id and every key reference's tries left, in the order they were read.
    fn tries(pins: &[PinStatus]) -> Vec<(&'static str, Vec<Option<u8>>)> {
        pins.iter()
            .map(|p| {
                (
                    p.kind.id(),
                    p.keys.iter().map(|k| k.counter.tries_left()).collect(),
                )
            })
            .collect()
    }

    /// The 14 APDUs of the five counters, each application selected once; the juki PIN's two
    /// key references answer differently.
    #[rustfmt::skip]
    const FIVE_COUNTERS: &[&str] = &[
        SELECT_JPKI, OK,
        "> 00 A4 02 0C 02 00 1B", OK, COUNTER, "< 63 C5",
        "> 00 A4 02 0C 02 00 18", OK, COUNTER, "< 63 C3",
        SELECT_JUKI_AP, OK,
        "> 00 A4 02 0C 02 00 1C", OK, COUNTER, "< 63 C3",
        SELECT_COMMON_AP, OK,
        "> 00 A4 02 0C 02 00 1C", OK, COUNTER, "< 63 C2",
        SELECT_KENHOJO_AP, OK,
        "> 00 A4 02 0C 02 00 11", OK, COUNTER, "< 63 C1",
    ];

    #[test]
    fn every_key_reference_is_read_once_in_its_own_application() {
        let mut card = replay(FIVE_COUNTERS);
        let pins = read_pin_statuses(&mut card).unwrap();
        card.finish().unwrap();
        assert_eq!(
            tries(&pins),
            vec![
                ("sign", vec![Some(5)]),
                ("auth", vec![Some(3)]),
                ("juki", vec![Some(3), Some(2)]),
                ("kenhojo", vec![Some(1)]),
            ]
        );
        assert_eq!(pins[2].counter, RetryCounter::Remaining(2));
    }

    #[test]
    fn a_missing_application_makes_its_key_references_absent_and_the_rest_is_read() {
        #[rustfmt::skip]
        let mut card = replay(&[
            SELECT_JPKI, OK,
            "> 00 A4 02 0C 02 00 1B", OK, COUNTER, "< 63 C5",
            "> 00 A4 02 0C 02 00 18", OK, COUNTER, "< 63 C3",
            SELECT_JUKI_AP, "< 6A 82",
            SELECT_COMMON_AP, "< 6A 82",
            SELECT_KENHOJO_AP, "< 69 99",
        ]);
        let pins = read_pin_statuses(&mut card).unwrap();
        card.finish().unwrap();
        let juki: Vec<RetryCounter> = pins[2].keys.iter().map(|k| k.counter).collect();
        assert_eq!(juki, vec![RetryCounter::Absent, RetryCounter::Absent]);
        assert_eq!(
            pins[3].counter,
            RetryCounter::Unreadable(StatusWord::from(0x6999))
        );
    }

    #[test]
    fn a_probe_reads_the_token_only_when_the_jpki_ap_is_there() {
        let mut card = replay(&[SELECT_JPKI, OK, "> 00 A4 02 0C 02 00 06", "< 6A 82"]);
        let kind = probe_card_kind(&mut card).unwrap();
        card.finish().unwrap();
        assert_eq!(kind, CardKind::Unreadable(Some(StatusWord::FileNotFound)));
        let mut card = replay(&[SELECT_JPKI, "< 6A 82"]);
        assert!(matches!(
            probe_card_kind(&mut card),
            Err(CardError::NotMyNumberCard { .. })
        ));
        card.finish().unwrap();
    }

    #[test]
    fn a_card_without_the_jpki_application_is_no_my_number_card() {
        let mut card = replay(&[SELECT_JPKI, "< 6A 82"]);
        let refused = read_pin_statuses(&mut card).unwrap_err();
        card.finish().unwrap();
        assert!(matches!(
            refused,
            CardError::NotMyNumberCard {
                sw: StatusWord::FileNotFound
            }
        ));
    }

    #[test]
    fn the_report_reads_the_token_and_certificate_in_the_jpki_ap_and_the_expiry_in_the_common_ap() {
        #[rustfmt::skip]
        let mut card = replay(&[
            SELECT_JPKI, OK,
            "> 00 A4 02 0C 02 00 06", "< 6A 82",
            "> 00 A4 02 0C 02 00 0A", "< 6A 82",
            "> 00 A4 02 0C 02 00 1B", OK, COUNTER, "< 63 C5",
            "> 00 A4 02 0C 02 00 18", OK, COUNTER, "< 63 C3",
            SELECT_JUKI_AP, OK,
            "> 00 A4 02 0C 02 00 1C", OK, COUNTER, "< 63 C3",
            SELECT_COMMON_AP, OK,
            "> 00 A4 02 0C 02 00 01", OK,
            "> 00 B2 01 04 00",
            "< 01 1C 30 30 30 30 30 30 30 30 30 30 30 30 30 30 30 30 30 30 30 30 32 30 33 36 30 33 33 31 90 00",
            "> 00 A4 02 0C 02 00 1C", OK, COUNTER, "< 63 C3",
            SELECT_KENHOJO_AP, OK,
            "> 00 A4 02 0C 02 00 11", OK, COUNTER, "< 63 C3",
        ]);
        let report = read_card_report(&mut card).unwrap();
        card.finish().unwrap();
        assert_eq!(
            report.kind,
            CardKind::Unreadable(Some(StatusWord::FileNotFound))
        );
        assert!(matches!(report.auth_not_after, AuthNotAfter::Untold(_)));
        assert_eq!(
            report.card_expiry,
            CardExpiry::Date(Date::from_calendar_date(2036, time::Month::March, 31).unwrap())
        );
        assert_eq!(
            tries(&report.pins),
            vec![
                ("sign", vec![Some(5)]),
                ("auth", vec![Some(3)]),
                ("juki", vec![Some(3), Some(3)]),
                ("kenhojo", vec![Some(3)]),
            ]
        );
    }
}
