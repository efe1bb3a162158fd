//! What can go wrong in the card layer.

use super::PinKind;
use crate::apdu::{ResponseError, StatusWord};
use crate::transport::TransportError;
use thiserror::Error;

/// A failure talking to the My Number card.
#[derive(Debug, Error)]
pub enum CardError {
    /// The reader or trace failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// SELECT of the JPKI application failed: this is not a My Number card.
    #[error("this is not a My Number card: SELECT of the JPKI application answered {sw}")]
    NotMyNumberCard {
        /// What the card answered.
        sw: StatusWord,
    },
    /// The card's answer is not a response APDU.
    #[error("the card's answer to {command} is malformed")]
    MalformedAnswer {
        /// The command, PIN bytes redacted.
        command: String,
        /// What is wrong with the answer.
        source: ResponseError,
    },
    /// The current PIN was wrong (63 Cx); the card counted the try.
    #[error("the current {kind} PIN is wrong; {}", tries_phrase(*.tries_left))]
    WrongPin {
        /// Which PIN.
        kind: PinKind,
        /// What the card said is left.
        tries_left: u8,
    },
    /// The PIN is locked: no PIN was sent, or the card said so to the VERIFY.
    #[error("the {kind} PIN is locked (the card answered {sw}); no PIN was sent")]
    PinLocked {
        /// Which PIN.
        kind: PinKind,
        /// How the card said it.
        sw: StatusWord,
    },
    /// One try is left and the user did not allow spending it.
    #[error("the {kind} PIN has only one try left, and a wrong entry would lock it; nothing was sent (use --allow-last-try if you are sure of the current PIN)")]
    LastTryRefused {
        /// Which PIN.
        kind: PinKind,
    },
    /// The card has no such PIN (6A 82 on its application or EF).
    #[error("this card has no {kind} PIN (the application or PIN file is not on it)")]
    PinNotIssued {
        /// Which PIN.
        kind: PinKind,
    },
    /// The card was lost after a PIN-bearing command was sent: nobody knows what it did.
    #[error("the card was lost after the {kind} PIN was sent ({cause}): the try may have been counted, and the PIN may or may not have changed; run `jpki status`")]
    OutcomeUnknown {
        /// Which PIN.
        kind: PinKind,
        /// How it was lost.
        cause: TransportError,
    },
    /// The card answered a PIN-bearing command with no status word: it got the PIN, and what it
    /// did with it is as unknown as when the card is lost.
    #[error("the card's answer after the {kind} PIN was sent is unreadable ({problem}): the try may have been counted, and the PIN may or may not have changed; run `jpki status`")]
    AnswerUnknown {
        /// Which PIN.
        kind: PinKind,
        /// What is wrong with the answer (a field, not an error source: the message says it).
        problem: ResponseError,
    },
    /// The current PIN was right, but CHANGE REFERENCE DATA was refused; the PIN is unchanged.
    #[error("the card refused the new {kind} PIN (answered {sw}); the PIN is unchanged")]
    ChangeRejected {
        /// Which PIN.
        kind: PinKind,
        /// What the card answered.
        sw: StatusWord,
    },
    /// An answer jpki cannot read, so it stops before sending anything more.
    #[error("the card answered {sw} to {command} for the {kind} PIN; jpki stopped there (`jpki status` shows the counters)")]
    UnexpectedAnswer {
        /// Which PIN.
        kind: PinKind,
        /// The command it answered.
        command: &'static str,
        /// What it answered.
        sw: StatusWord,
    },
}

fn tries_phrase(left: u8) -> String {
    match left {
        0 => "no try is left: the PIN is now locked".to_string(),
        1 => "1 try left: a wrong entry locks it".to_string(),
        n => format!("{n} tries left"),
    }
}
