//! Everything that can go wrong below the card layer.

use super::trace::TraceError;
use crate::text::escaped;
use thiserror::Error;

/// A failure to reach the card or to replay a trace.
#[non_exhaustive]
#[derive(Debug, Error)]
pub enum TransportError {
    /// The PC/SC service (pcscd, or SCardSvr on Windows) is not running.
    #[error("the PC/SC service is not running ({0})")]
    ServiceUnavailable(String),
    /// PC/SC answers, but no reader is connected.
    #[error("no smart-card reader is connected")]
    NoReaders,
    /// The chosen reader holds no card, or, with no reader named among several, none does.
    #[error("{}", no_card(.reader))]
    NoCard {
        /// The reader that was looked in.
        reader: ReaderChoice,
    },
    /// `--reader` matched no reader.
    #[error("no reader matches \"{}\"; readers: {}", escaped(.wanted), list(.available))]
    ReaderNotFound {
        /// What the user asked for.
        wanted: String,
        /// The readers there are.
        available: Vec<String>,
    },
    /// `--reader` matched several readers.
    #[error("\"{}\" matches several readers: {}; name one exactly or by index", escaped(.wanted), list(.matches))]
    AmbiguousReader {
        /// What the user asked for.
        wanted: String,
        /// The readers it matched.
        matches: Vec<String>,
    },
    /// No `--reader`, and cards sit in several readers: jpki never guesses.
    #[error("cards are present in several readers: {}; choose one", list(.readers))]
    SeveralCards {
        /// The readers holding a card.
        readers: Vec<String>,
    },
    /// The card was taken away during the command.
    #[error("the card was removed during the command")]
    CardRemoved,
    /// The card was reset or powered down during the command: by another program using it
    /// (PC/SC lets any program do so between two of jpki's commands), or by the reader.
    #[error("another program using the card (or the reader) reset it during the command")]
    CardReset,
    /// Another program holds the card for itself (SCARD_E_SHARING_VIOLATION): it is there, but
    /// no one else may use it until that program lets go.
    #[error("another program is using the card and holds it for itself")]
    CardInUse,
    /// `--wait` gave up: no card was presented in time.
    #[error("no card was presented within {}", seconds_en(*.seconds))]
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
    /// A failure of the reader's own machinery, kept whole so a caller can tell what it is:
    /// the virtual card's state file, for one. It shows as the inner error does.
    #[error(transparent)]
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

/// "1 second", "30 seconds".
fn seconds_en(seconds: u64) -> String {
    match seconds {
        1 => "1 second".to_string(),
        n => format!("{n} seconds"),
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "(none)".to_string()
    } else {
        names
            .iter()
            .map(|n| format!("\"{}\"", escaped(n)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Which reader a card was looked for in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderChoice {
    /// No reader was named, and there are several: any of them would have done.
    Any,
    /// This reader, by its PC/SC name.
    Named(String),
}

/// "No card" in the words of where it was looked for; a reader's name escaped.
fn no_card(reader: &ReaderChoice) -> String {
    match reader {
        ReaderChoice::Any => "no card in any reader".to_string(),
        ReaderChoice::Named(name) => format!("no card in reader \"{}\"", escaped(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::is_unprintable;

    #[test]
    fn one_second_is_singular() {
        let e = |seconds| TransportError::WaitTimedOut { seconds }.to_string();
        assert_eq!(e(1), "no card was presented within 1 second");
        assert_eq!(e(30), "no card was presented within 30 seconds");
        assert_eq!(e(0), "no card was presented within 0 seconds");
    }

    #[test]
    fn reader_names_in_errors_are_escaped() {
        let e = TransportError::NoCard {
            reader: ReaderChoice::Named("Evil\u{1b}[2J 00 00".into()),
        };
        assert_eq!(e.to_string(), "no card in reader \"Evil\\x1b[2J 00 00\"");
        let e = TransportError::ReaderNotFound {
            wanted: "x\u{7}".into(),
            available: vec!["a\u{9b}b".into()],
        };
        assert!(!e.to_string().chars().any(is_unprintable), "{e}");
    }

    #[test]
    fn the_readers_an_error_lists_are_quoted_and_none_is_said() {
        let e = |available: &[&str]| {
            TransportError::ReaderNotFound {
                wanted: "acr".into(),
                available: available.iter().map(|a| a.to_string()).collect(),
            }
            .to_string()
        };
        assert_eq!(
            e(&["A 00 00", "B 01 00"]),
            "no reader matches \"acr\"; readers: \"A 00 00\", \"B 01 00\""
        );
        assert_eq!(e(&[]), "no reader matches \"acr\"; readers: (none)");
    }
}
