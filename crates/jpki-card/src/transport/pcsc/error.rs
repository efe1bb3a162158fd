//! What a PC/SC error means to the user: the service is down, no reader, the card left or was
//! reset, or the reader itself failed.

use crate::transport::error::TransportError;

/// Translate a PC/SC error into what the user needs to know.
pub(super) fn from_pcsc(e: pcsc::Error) -> TransportError {
    use pcsc::Error as E;
    match e {
        E::NoService | E::ServiceStopped => TransportError::ServiceUnavailable(e.to_string()),
        E::NoReadersAvailable => TransportError::NoReaders,
        E::RemovedCard | E::NoSmartcard => TransportError::CardRemoved,
        E::ResetCard => TransportError::CardReset,
        // pcsc-lite's answer when the reader could not carry a command to the card (its driver
        // failed the exchange), not only a transaction that ended; pcsc's own words mislead.
        E::NotTransacted => TransportError::Reader(
            "the reader could not exchange the command with the card (SCARD_E_NOT_TRANSACTED)"
                .to_string(),
        ),
        other => TransportError::Reader(other.to_string()),
    }
}
