//! What a PC/SC error means to the user: the service is down, no reader, the card left or was
//! reset, another program holds it, or the reader itself failed. Every PC/SC error code is
//! named here, so none reaches the user in words that say something else.

use crate::transport::error::TransportError;

/// Translate a PC/SC error into what the user needs to know.
pub(super) fn from_pcsc(e: pcsc::Error) -> TransportError {
    use pcsc::Error as E;
    let reader = |what: &str| TransportError::Reader(format!("{what} ({})", code(e)));
    match e {
        // The service is gone or never answered: SCARD_F_COMM_ERROR is what a client sees when
        // pcscd stops while it waits or talks to it.
        E::NoService | E::ServiceStopped | E::CommError | E::Shutdown => {
            TransportError::ServiceUnavailable(format!("{e} ({})", code(e)))
        }
        E::NoReadersAvailable => TransportError::NoReaders,
        E::RemovedCard | E::NoSmartcard => TransportError::CardRemoved,
        // Reset or powered down by someone else between two of jpki's commands.
        E::ResetCard | E::UnpoweredCard => TransportError::CardReset,
        E::SharingViolation => TransportError::CardInUse,
        // pcsc-lite's answer when the reader could not carry a command to the card (its driver
        // failed the exchange), not only a transaction that ended; pcsc's own words mislead.
        E::NotTransacted => reader("the reader could not exchange the command with the card"),
        E::UnresponsiveCard => reader(
            "the card does not answer the reader: it may sit askew or be the wrong way round",
        ),
        E::UnsupportedCard | E::CardUnsupported | E::UnknownCard | E::InvalidAtr => {
            reader("the reader cannot talk to this card")
        }
        E::ProtoMismatch => reader("the reader and the card share no transmission protocol"),
        E::ReaderUnavailable | E::UnknownReader => {
            reader("the reader is not available any more: it was unplugged or its driver stopped")
        }
        E::ReaderUnsupported | E::DuplicateReader => reader("PC/SC cannot use this reader"),
        E::Timeout | E::WaitedTooLong => reader("the PC/SC service gave up waiting"),
        E::Cancelled | E::SystemCancelled | E::CancelledByUser => {
            reader("the PC/SC operation was cancelled")
        }
        E::ServerTooBusy => reader("the PC/SC service is too busy; try again"),
        E::NoMemory => reader("the PC/SC service ran out of memory"),
        // A failure of jpki's own call or of the PC/SC stack: pcsc's words, with the code.
        E::InternalError
        | E::InvalidHandle
        | E::InvalidParameter
        | E::InvalidTarget
        | E::InsufficientBuffer
        | E::CantDispose
        | E::NotReady
        | E::InvalidValue
        | E::UnknownError
        | E::PciTooSmall
        | E::IccInstallation
        | E::IccCreateorder
        | E::UnsupportedFeature
        | E::DirNotFound
        | E::FileNotFound
        | E::NoDir
        | E::NoFile
        | E::NoAccess
        | E::WriteTooMany
        | E::BadSeek
        | E::InvalidChv
        | E::UnknownResMng
        | E::NoSuchCertificate
        | E::CertificateUnavailable
        | E::CommDataLost
        | E::NoKeyContainer
        | E::SecurityViolation
        | E::WrongChv
        | E::ChvBlocked
        | E::Eof
        | E::CardNotAuthenticated
        | E::CacheItemNotFound
        | E::CacheItemStale
        | E::CacheItemTooBig => TransportError::Reader(format!("{e} ({})", code(e))),
        #[cfg(target_os = "windows")]
        E::Unexpected => TransportError::Reader(format!("{e} ({})", code(e))),
    }
}

/// The error's PC/SC code, as pcsc-lite and WinSCard document it.
fn code(e: pcsc::Error) -> String {
    format!("PC/SC 0x{:08X}", e as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pcsc_error_says_what_it_means() {
        use pcsc::Error as E;
        let service = [E::NoService, E::ServiceStopped, E::CommError, E::Shutdown];
        for e in service {
            assert!(
                matches!(from_pcsc(e), TransportError::ServiceUnavailable(_)),
                "{e:?}"
            );
        }
        assert!(matches!(
            from_pcsc(E::SharingViolation),
            TransportError::CardInUse
        ));
        assert!(matches!(from_pcsc(E::ResetCard), TransportError::CardReset));
        assert!(matches!(
            from_pcsc(E::RemovedCard),
            TransportError::CardRemoved
        ));
        let TransportError::Reader(words) = from_pcsc(E::NotTransacted) else {
            panic!()
        };
        assert_eq!(
            words,
            "the reader could not exchange the command with the card (PC/SC 0x80100016)"
        );
        let TransportError::Reader(words) = from_pcsc(E::InsufficientBuffer) else {
            panic!()
        };
        assert!(words.ends_with("(PC/SC 0x80100008)"), "{words}");
    }
}
