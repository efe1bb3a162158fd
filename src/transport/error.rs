//! Everything that can go wrong below the card layer.

use super::trace::TraceError;
use thiserror::Error;

/// A failure to reach the card or to replay a trace.
#[derive(Debug, Error)]
pub enum TransportError {
    /// The PC/SC service (pcscd, or SCardSvr on Windows) is not running.
    #[error("the PC/SC service is not running ({0})")]
    ServiceUnavailable(String),
    /// PC/SC answers, but no reader is connected.
    #[error("no smart-card reader is connected")]
    NoReaders,
    /// The chosen reader holds no card.
    #[error("no card in reader \"{reader}\"")]
    NoCard {
        /// The reader that was asked.
        reader: String,
    },
    /// `--reader` matched no reader.
    #[error("no reader matches \"{wanted}\"; readers: {}", list(.available))]
    ReaderNotFound {
        /// What the user asked for.
        wanted: String,
        /// The readers there are.
        available: Vec<String>,
    },
    /// `--reader` matched several readers.
    #[error("\"{wanted}\" matches several readers: {}; name one exactly or by index", list(.matches))]
    AmbiguousReader {
        /// What the user asked for.
        wanted: String,
        /// The readers it matched.
        matches: Vec<String>,
    },
    /// No `--reader`, and cards sit in several readers: jpki never guesses.
    #[error("cards are present in several readers: {}; choose one with --reader", list(.readers))]
    SeveralCards {
        /// The readers holding a card.
        readers: Vec<String>,
    },
    /// The card was taken away during the command.
    #[error("the card was removed during the command")]
    CardRemoved,
    /// The card was reset (by another program or the reader) during the command.
    #[error("the card was reset during the command")]
    CardReset,
    /// `--wait` gave up: no card was presented in time.
    #[error("no card was presented within {seconds} seconds")]
    WaitTimedOut {
        /// The limit that passed.
        seconds: u64,
    },
    /// Any other reader or driver failure.
    #[error("reader failure: {0}")]
    Reader(String),
    /// A trace file could not be read or did not match the exchange.
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// The virtual card's state file could not be read, parsed or written.
    #[error(transparent)]
    VirtualCard(#[from] crate::virtual_card::StateError),
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "(none)".to_string()
    } else {
        names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
