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
