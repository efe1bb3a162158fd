//! What can go wrong in the card layer.

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
    #[error("the card's answer to {command} is malformed: {source}")]
    MalformedAnswer {
        /// The command, PIN bytes redacted.
        command: String,
        /// What is wrong with the answer.
        source: ResponseError,
    },
}
