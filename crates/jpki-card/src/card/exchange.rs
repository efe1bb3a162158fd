//! One command and its answer, inside one transaction: the only way the card layer talks to a
//! card.

use super::error::CardError;
use crate::apdu::{Command, Outgoing, Response, ResponseError, StatusWord};
use crate::transport::{Reader, Transaction};

/// Send one command and parse the answer.
pub(crate) fn send(card: &mut dyn Transaction, command: &Command) -> Result<Response, CardError> {
    let bytes = command.to_bytes();
    let answer = card.transmit(Outgoing::built_here(&bytes))?;
    Response::parse(&answer).map_err(|source| CardError::MalformedAnswer {
        command: format!("{command:?}"),
        source,
    })
}

/// What a card answered to one command of a read whose failure is reported rather than fatal
/// (the token, the certificate, a counter): a response, or an answer too short to be one.
#[derive(Debug)]
pub(crate) enum CardAnswer {
    /// Data and a status word.
    Response(Response),
    /// Fewer bytes than a status word: how many came.
    NoStatusWord(usize),
}

impl CardAnswer {
    /// The status word, or the length of an answer too short to hold one.
    pub(crate) fn status_word(&self) -> Result<StatusWord, usize> {
        match self {
            CardAnswer::Response(response) => Ok(response.sw),
            CardAnswer::NoStatusWord(length) => Err(*length),
        }
    }
}

/// Send one command and take whatever the card answers: a lost card is still an error, but an
/// answer without a status word comes back as [`CardAnswer::NoStatusWord`], for the caller to
/// report like a refusal.
pub(crate) fn answer_to(
    card: &mut dyn Transaction,
    command: &Command,
) -> Result<CardAnswer, CardError> {
    let bytes = command.to_bytes();
    let answer = card.transmit(Outgoing::built_here(&bytes))?;
    Ok(match Response::parse(&answer) {
        Ok(response) => CardAnswer::Response(response),
        Err(ResponseError::TooShort(length)) => CardAnswer::NoStatusWord(length),
    })
}

/// Run `operation` inside one transaction of `reader` and return its result.
pub(crate) fn in_transaction<R>(
    reader: &mut dyn Reader,
    operation: impl FnOnce(&mut dyn Transaction) -> Result<R, CardError>,
) -> Result<R, CardError> {
    let mut card = reader.transaction()?;
    let result = operation(card.as_mut());
    // Once the operation ran, the card's answers decide: failing to end the transaction
    // afterwards (a card lifted right after a successful CHANGE) changes nothing the card said.
    let _ = card.end();
    result
}
