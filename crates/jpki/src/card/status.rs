//! Reading the card in one hold, spending no try: the 14-APDU counter exchange (five key
//! references: sign, auth, juki twice, kenhojo), and plain `status`'s extra reads (the token and
//! the auth certificate) before it.

use super::certificate::{not_after_of, read_auth_certificate, CertificateProblem};
use super::token::{read_card_kind, CardKind};
use super::{
    held, send, send_reported, Application, CardError, KeyCounter, KeyReference, PinKind,
    PinStatus, RetryCounter,
};
use crate::apdu::{Command, Response, ResponseError, StatusWord};
use crate::transport::Transport;
use time::Date;

/// Everything plain `status` reads: the card kind, the auth certificate's last day, the PINs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardReport {
    /// What the token EF says the card is.
    pub kind: CardKind,
    /// The auth certificate's notAfter (a date in Japan), or why it could not be told.
    pub auth_not_after: Result<Date, CertificateProblem>,
    /// The four PINs, in the order of [`PinKind::ALL`].
    pub pins: Vec<PinStatus>,
}

/// Read the counters of all four PINs, in the order of [`PinKind::ALL`]: every key reference in
/// the order of [`KeyReference::ALL`], the juki PIN's two included.
///
/// A missing juki or kenhojo application, or a missing PIN file, reports those key references as
/// absent and the exchange goes on; so does an answer that is no counter (90 00, a count above
/// the PIN's maximum, an answer too short for a status word), which makes that key reference
/// unreadable. A card without the JPKI application is not a My Number card.
pub fn read_pin_statuses(transport: &mut dyn Transport) -> Result<Vec<PinStatus>, CardError> {
    held(transport, |t| read_all(t, &mut |_| Ok(())))
}

/// Read the token, the auth certificate and the four counters in one hold. The extra reads sit
/// right after SELECT of the JPKI AP, so the AP is selected once; what the card answers to them
/// is reported, never an error, so the counters are always shown.
pub fn read_card_report(transport: &mut dyn Transport) -> Result<CardReport, CardError> {
    held(transport, |t| {
        let mut kind = CardKind::Unreadable(Some(StatusWord::FileNotFound));
        let mut auth_not_after = Err(CertificateProblem::NeedsPin);
        let pins = read_all(t, &mut |t| {
            kind = read_card_kind(t)?;
            auth_not_after = if kind.auth_certificate_is_public() {
                read_auth_certificate(t)?.and_then(|der| not_after_of(&der))
            } else {
                Err(CertificateProblem::NeedsPin)
            };
            Ok(())
        })?;
        Ok(CardReport {
            kind: kind.clone(),
            auth_not_after: auth_not_after.clone(),
            pins,
        })
    })
}

/// SELECT the JPKI AP, then read the token (three APDUs): what the card is. For `readers` and
/// `doctor`.
pub fn probe_card_kind(transport: &mut dyn Transport) -> Result<CardKind, CardError> {
    held(transport, |t| {
        let selected = send(t, &Command::select_application(Application::Jpki.aid()))?.sw;
        if selected != StatusWord::Success {
            return Err(CardError::NotMyNumberCard { sw: selected });
        }
        read_card_kind(t)
    })
}

fn read_all(
    transport: &mut dyn Transport,
    after_jpki_selected: &mut dyn FnMut(&mut dyn Transport) -> Result<(), CardError>,
) -> Result<Vec<PinStatus>, CardError> {
    let mut keys = Vec::with_capacity(KeyReference::ALL.len());
    // The application selected last and how it answered: sign and auth share one SELECT.
    // The answer's status word, or the length of an answer too short to hold one.
    let mut current: Option<(Application, Result<StatusWord, usize>)> = None;
    for key in KeyReference::ALL {
        let selected = match current {
            Some((application, selected)) if application == key.application => selected,
            _ => {
                let select = Command::select_application(key.application.aid());
                let selected = if key.application == Application::Jpki {
                    // Without the JPKI AP this is no My Number card: nothing more to read.
                    let sw = send(transport, &select)?.sw;
                    if sw != StatusWord::Success {
                        return Err(CardError::NotMyNumberCard { sw });
                    }
                    after_jpki_selected(transport)?;
                    Ok(sw)
                } else {
                    status_word(send_reported(transport, &select)?)
                };
                current = Some((key.application, selected));
                selected
            }
        };
        let counter = match selected {
            Ok(StatusWord::Success) => read_counter(transport, key)?,
            Ok(StatusWord::FileNotFound) => RetryCounter::Absent,
            Ok(other) => RetryCounter::Unreadable(other),
            Err(length) => RetryCounter::NoStatusWord(length),
        };
        keys.push(KeyCounter { key, counter });
    }
    Ok(PinKind::ALL
        .into_iter()
        .map(|kind| {
            let of_kind = keys.iter().filter(|k| k.key.kind == kind).copied();
            PinStatus::new(kind, of_kind.collect())
        })
        .collect())
}

/// SELECT the key reference's EF in the current application and ask its counter: two APDUs, no
/// try spent. Only a lost card is an error: whatever the card answers is a counter, an
/// unreadable one included (the guard then refuses it).
pub(crate) fn read_counter(
    transport: &mut dyn Transport,
    key: KeyReference,
) -> Result<RetryCounter, CardError> {
    match status_word(send_reported(transport, &Command::select_file(key.ef()))?) {
        Ok(StatusWord::Success) => {}
        Ok(StatusWord::FileNotFound) => return Ok(RetryCounter::Absent),
        Ok(other) => return Ok(RetryCounter::Unreadable(other)),
        Err(length) => return Ok(RetryCounter::NoStatusWord(length)),
    }
    Ok(
        match status_word(send_reported(transport, &Command::read_retry_counter())?) {
            Ok(answer) => RetryCounter::from_probe_of(key.kind, answer),
            Err(length) => RetryCounter::NoStatusWord(length),
        },
    )
}

/// An answer's status word, or the length of an answer too short to hold one.
fn status_word(answer: Result<Response, ResponseError>) -> Result<StatusWord, usize> {
    answer
        .map(|a| a.sw)
        .map_err(|ResponseError::TooShort(length)| length)
}
