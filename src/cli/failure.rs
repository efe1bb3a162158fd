//! What went wrong, classified once. The first error in the chain that jpki knows becomes a
//! [`Failure`]; the exit code, the English words and the Japanese words all follow from it, so
//! they cannot disagree about what happened.

use crate::cli::certificate_facts::CertificateError;
use crate::cli::exit::Exit;
use crate::cli::flags::record::RecordRefused;
use crate::cli::io::export::ExportError;
use crate::cli::io::output::ErrorObject;
use crate::cli::io::pin_entry_error::PinEntryError;
use crate::cli::io::render::printable_lines;
use crate::cli::lang::Lang;
use crate::cli::words::failure as words;
use jpki_card::card::{CardError, ChangeInputError, NeedsExperimental, PinFormatError};
use jpki_card::transport::trace::TraceError;
use jpki_card::transport::TransportError;
use jpki_vcard::StateError;
use std::error::Error;

/// A failure as jpki knows it: the error of the chain that decides the exit code and the words.
#[derive(Debug, Clone, Copy)]
pub enum Failure<'e> {
    /// `--record` where it cannot record.
    Record(&'e RecordRefused),
    /// PINs named or typed that make no sense for a change.
    ChangeInput(&'e ChangeInputError),
    /// A PIN typed in a form the card would refuse.
    PinFormat(&'e PinFormatError),
    /// The PINs could not be taken from the holder, or a signal ended the prompt.
    PinEntry(&'e PinEntryError),
    /// An experimental PIN named without `--experimental`.
    Experimental(&'e NeedsExperimental),
    /// A certificate of the card that could not be read or is no certificate.
    Certificate(&'e CertificateError),
    /// An exported certificate that could not be written where asked.
    Export(&'e ExportError),
    /// The card layer's failure.
    Card(&'e CardError),
    /// The reader's failure.
    Transport(&'e TransportError),
    /// A trace file's (`readers` and `doctor` load a trace themselves, outside any reader).
    Trace(&'e TraceError),
    /// The virtual card's state file's (`readers` opens it itself, outside any reader).
    State(&'e StateError),
    /// Nothing jpki knows: an unexpected failure, such as an output error.
    Unexpected,
}

/// The failure `error` is: the first error in its chain that jpki knows.
pub fn classify(error: &anyhow::Error) -> Failure<'_> {
    error.chain().find_map(known).unwrap_or(Failure::Unexpected)
}

/// The failure `cause` is, when jpki knows its type.
fn known<'e>(cause: &'e (dyn Error + 'static)) -> Option<Failure<'e>> {
    if let Some(e) = cause.downcast_ref() {
        return Some(Failure::Record(e));
    }
    if let Some(e) = cause.downcast_ref() {
        return Some(Failure::ChangeInput(e));
    }
    if let Some(e) = cause.downcast_ref() {
        return Some(Failure::PinFormat(e));
    }
    if let Some(e) = cause.downcast_ref() {
        return Some(Failure::PinEntry(e));
    }
    if let Some(e) = cause.downcast_ref() {
        return Some(Failure::Experimental(e));
    }
    if let Some(e) = cause.downcast_ref() {
        return Some(Failure::Certificate(e));
    }
    if let Some(e) = cause.downcast_ref() {
        return Some(Failure::Export(e));
    }
    if let Some(e) = cause.downcast_ref() {
        // The library's own refusal of an experiment not named reads as the command's.
        if let CardError::NeedsExperimental(e) = e {
            return Some(Failure::Experimental(e));
        }
        return Some(Failure::Card(e));
    }
    if let Some(e) = cause.downcast_ref() {
        return Some(Failure::Transport(e));
    }
    if let Some(e) = cause.downcast_ref() {
        return Some(Failure::Trace(e));
    }
    if let Some(e) = cause.downcast_ref() {
        return Some(Failure::State(e));
    }
    None
}

impl Failure<'_> {
    /// The exit code (docs/exit-codes.md).
    pub fn exit(self) -> Exit {
        match self {
            Failure::Record(_) => Exit::Usage,
            Failure::ChangeInput(_) | Failure::PinFormat(_) => Exit::InvalidPin,
            Failure::PinEntry(PinEntryError::Interrupted { .. }) => Exit::Interrupted,
            Failure::PinEntry(_) => Exit::InvalidPin,
            Failure::Experimental(_) => Exit::ExperimentalRefused,
            Failure::Certificate(_) => Exit::CertificateUnreadable,
            Failure::Export(_) => Exit::ExportRefused,
            Failure::Card(e) => card_exit(e),
            Failure::Transport(e) => transport_exit(e),
            // The virtual card's state file is for developers, as a trace is.
            Failure::Trace(_) | Failure::State(_) => Exit::Trace,
            Failure::Unexpected => Exit::Failure,
        }
    }

    /// The signal that ended a PIN prompt, when one did: the process should end by it too.
    pub fn signal(self) -> Option<i32> {
        match self {
            Failure::PinEntry(PinEntryError::Interrupted { signal }) => Some(*signal),
            _ => None,
        }
    }

    /// The exit status the process ends with: its code, or 128 + the signal that interrupted a
    /// PIN prompt (the process ends by that signal).
    pub fn status(self) -> u8 {
        match self.signal() {
            Some(signal) => 128u8.saturating_add(signal as u8),
            None => self.exit() as u8,
        }
    }

    /// Whether the run only checked a PIN (`verify-pin`): then no PIN can have changed.
    fn checking_only(self) -> bool {
        matches!(
            self,
            Failure::Card(
                CardError::OutcomeUnknown {
                    changing: false,
                    ..
                } | CardError::AnswerUnknown {
                    changing: false,
                    ..
                }
            )
        )
    }

    /// What went wrong, as the first line (or lines) after "jpki: error:". In English the whole
    /// chain as jpki and the library word it; in Japanese built from the failure's fields.
    fn text(self, error: &anyhow::Error, lang: Lang) -> String {
        if lang == Lang::En {
            // The library's words, then what the command adds: its flags and commands.
            return match self {
                Failure::Experimental(e) => words::experimental_en(e),
                _ => format!("{error:#}{}", words::library_hint_en(error)),
            };
        }
        match self {
            Failure::Record(e) => words::record_refused(e, lang),
            Failure::ChangeInput(e) => words::change_input_ja(e),
            Failure::PinFormat(e) => words::pin_format_ja(e),
            Failure::PinEntry(e) => words::pin_entry_ja(e),
            Failure::Experimental(e) => words::experimental_ja(e),
            Failure::Certificate(e) => crate::cli::words::certificate::certificate_ja(e),
            Failure::Export(e) => crate::cli::words::certificate::export_ja(e),
            Failure::Card(e) => words::card_ja(e),
            Failure::Transport(e) => words::transport_ja(e),
            Failure::Trace(e) => words::trace_ja(e),
            Failure::State(e) => words::state_ja(e),
            Failure::Unexpected => words::unexpected_ja(error),
        }
    }

    /// Whether the card was reset during the command (by another program, or the reader)
    /// rather than taken away: the advice differs, though the exit code is the same.
    fn reset(self) -> bool {
        matches!(
            self,
            Failure::Transport(TransportError::CardReset)
                | Failure::Card(CardError::Transport(TransportError::CardReset))
        )
    }

    /// What to do about it, when there is something to say.
    fn hint(self, lang: Lang) -> Option<String> {
        if self.reset() {
            return Some(words::reset_by_another_program(lang).to_string());
        }
        words::hint(self.exit(), self.checking_only(), lang)
    }
}

fn card_exit(e: &CardError) -> Exit {
    match e {
        CardError::Transport(t) => transport_exit(t),
        CardError::NotMyNumberCard { .. } => Exit::NotMyNumberCard,
        CardError::MalformedAnswer { .. }
        | CardError::ChangeRejected { .. }
        | CardError::UnexpectedAnswer { .. } => Exit::CardAnswer,
        CardError::WrongPin { .. } => Exit::WrongPin,
        CardError::LastTryRefused { .. } => Exit::LastTryRefused,
        CardError::PinLocked { .. } => Exit::PinLocked,
        CardError::OutcomeUnknown { .. } | CardError::AnswerUnknown { .. } => Exit::OutcomeUnknown,
        CardError::PinNotIssued { .. } => Exit::PinNotIssued,
        CardError::PartlyChanged { .. } => Exit::PartlyChanged,
        // A kind this version does not know: an unexpected failure.
        _ => Exit::Failure,
    }
}

fn transport_exit(e: &TransportError) -> Exit {
    match e {
        TransportError::ServiceUnavailable(_) => Exit::ServiceUnavailable,
        TransportError::NoReaders => Exit::NoReaders,
        TransportError::ReaderNotFound { .. }
        | TransportError::AmbiguousReader { .. }
        | TransportError::SeveralCards { .. } => Exit::ReaderChoice,
        TransportError::NoCard { .. } => Exit::NoCard,
        TransportError::CardRemoved | TransportError::CardReset => Exit::CardRemoved,
        TransportError::CardInUse => Exit::CardInUse,
        TransportError::WaitTimedOut { .. } => Exit::WaitTimedOut,
        TransportError::Reader(_) => Exit::ReaderFailure,
        TransportError::Trace(_) => Exit::Trace,
        TransportError::Backend(e) if e.is::<StateError>() => Exit::Trace,
        TransportError::Backend(_) => Exit::ReaderFailure,
        // A kind this version does not know: the reader failed somehow.
        _ => Exit::ReaderFailure,
    }
}

/// What went wrong, in `lang`, without the "jpki: error:" before it: `readers` and `doctor`
/// show it on a reader's line.
pub fn error_text(error: &anyhow::Error, lang: Lang) -> String {
    classify(error).text(error, lang)
}

/// The message printed on stderr: what went wrong, then what to do about it.
pub fn describe_error(error: &anyhow::Error, lang: Lang) -> String {
    let failure = classify(error);
    // Every piece from outside is escaped where it is put into words; this catches any other.
    let mut message = format!(
        "{}: {}",
        words::error_prefix(lang),
        printable_lines(&failure.text(error, lang))
    );
    if let Some(hint) = failure.hint(lang) {
        message.push('\n');
        message.push_str(&hint);
    }
    message
}

/// An error as JSON: `code` (the exit code's name), `exit`, `message` and `hint` (null when
/// there is none), in the output language.
pub fn error_json(error: &anyhow::Error, lang: Lang) -> serde_json::Value {
    let failure = classify(error);
    // A card without the JPKI application: not a card jpki knows, which a newer card generation
    // would also be. Said as such, not as "no My Number card".
    let (card_kind, reason) = match failure.exit() {
        Exit::NotMyNumberCard => (Some("unknown"), Some("no_jpki_application")),
        _ => (None, None),
    };
    ErrorObject {
        code: failure.exit().id(),
        exit: failure.status(),
        message: printable_lines(&failure.text(error, lang)),
        hint: failure.hint(lang),
        card_kind,
        reason,
    }
    .to_json()
}

/// The exit code a run ends with, as `main` gives it: its own, or its failure's.
#[cfg(test)]
pub fn exit_of(result: anyhow::Result<Exit>) -> Exit {
    match result {
        Ok(code) => code,
        Err(error) => classify(&error).exit(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::io::pin_entry_error::StdinLayout;
    use jpki_card::apdu::{ResponseError, StatusWord};
    use jpki_card::card::{Application, ChangeCommand, PinCommand, PinKind, TypedPin};
    use jpki_card::transport::ReaderChoice;

    /// Japanese text, with no run of three space-separated English words.
    fn assert_japanese(text: &str) {
        assert!(
            text.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
            "not Japanese: {text}"
        );
        let mut run = 0;
        for token in text.split(' ') {
            let word = token.trim_end_matches([',', '.', ';', ':']);
            let english = word.len() >= 2
                && word.chars().all(|c| c.is_ascii_alphabetic())
                && word.chars().any(|c| c.is_ascii_lowercase());
            run = if english { run + 1 } else { 0 };
            assert!(run < 3, "English sentence in: {text}");
        }
    }

    fn ja(error: impl Into<anyhow::Error>) -> String {
        error_text(&error.into(), Lang::Ja)
    }

    #[test]
    fn every_card_error_a_holder_meets_reads_in_japanese() {
        let sw = StatusWord::from(0x6A82);
        let errors = [
            CardError::NotMyNumberCard { sw },
            CardError::WrongPin {
                kind: PinKind::Auth,
                tries_left: 2,
            },
            CardError::WrongPin {
                kind: PinKind::Sign,
                tries_left: 0,
            },
            CardError::PinLocked {
                kind: PinKind::Juki,
                sw,
                pin_sent: false,
            },
            CardError::PinLocked {
                kind: PinKind::Auth,
                sw: StatusWord::AuthenticationBlocked,
                pin_sent: true,
            },
            CardError::LastTryRefused {
                kind: PinKind::Kenhojo,
            },
            CardError::PinNotIssued {
                kind: PinKind::Juki,
            },
            CardError::OutcomeUnknown {
                kind: PinKind::Auth,
                cause: TransportError::CardRemoved,
                changing: true,
            },
            CardError::OutcomeUnknown {
                kind: PinKind::Auth,
                cause: TransportError::CardRemoved,
                changing: false,
            },
            CardError::ChangeRejected {
                kind: PinKind::Auth,
                command: ChangeCommand::ReferenceData,
                sw,
            },
            CardError::PartlyChanged {
                kind: PinKind::Juki,
                changed: vec![Application::Juki],
                unchanged: vec![Application::Common],
                unknown: Vec::new(),
                source: Box::new(CardError::ChangeRejected {
                    kind: PinKind::Juki,
                    command: ChangeCommand::Key,
                    sw: StatusWord::InstructionNotSupported,
                }),
            },
            CardError::UnexpectedAnswer {
                kind: PinKind::Auth,
                command: "VERIFY",
                sw,
            },
            CardError::MalformedAnswer {
                command: "00 20 00 80".to_string(),
                source: ResponseError::TooShort(1),
            },
        ];
        for error in errors {
            assert_japanese(&ja(error));
        }
    }

    #[test]
    fn every_transport_error_a_holder_meets_reads_in_japanese() {
        let readers = vec!["A 00".to_string(), "B 01".to_string()];
        let errors = [
            TransportError::ServiceUnavailable(
                "The Smart card resource manager is not running.".to_string(),
            ),
            TransportError::NoReaders,
            TransportError::NoCard {
                reader: ReaderChoice::Named("A 00".to_string()),
            },
            TransportError::NoCard {
                reader: ReaderChoice::Any,
            },
            TransportError::ReaderNotFound {
                wanted: "C".to_string(),
                available: readers.clone(),
            },
            TransportError::AmbiguousReader {
                wanted: "0".to_string(),
                matches: readers.clone(),
            },
            TransportError::SeveralCards { readers },
            TransportError::CardRemoved,
            TransportError::CardReset,
            TransportError::CardInUse,
            TransportError::WaitTimedOut { seconds: 30 },
            TransportError::Reader("Card protocol mismatch.".to_string()),
        ];
        for error in errors {
            assert_japanese(ja(error).lines().next().unwrap());
        }
    }

    #[test]
    fn every_input_error_reads_in_japanese() {
        let formats = [
            PinFormatError::NotFourDigits {
                kind: PinKind::Auth,
            },
            PinFormatError::PasswordLength { length: 5 },
            PinFormatError::PasswordCharacters,
            PinFormatError::PasswordMix,
            PinFormatError::FullWidth {
                kind: PinKind::Auth,
            },
            PinFormatError::Space {
                kind: PinKind::Sign,
            },
        ];
        for problem in formats {
            assert_japanese(&ja(problem));
            assert_japanese(&ja(ChangeInputError::Format {
                typed: TypedPin::New,
                problem,
            }));
        }
        for error in [
            ChangeInputError::NoPins,
            ChangeInputError::Repeated(PinKind::Juki),
            ChangeInputError::MixedFormats,
            ChangeInputError::Unchanged,
        ] {
            assert_japanese(&ja(error));
        }
        for error in [
            PinEntryError::NoTerminal("not a terminal".to_string()),
            PinEntryError::Stdin("broken pipe".to_string()),
            PinEntryError::StdinLines {
                layout: StdinLayout::CurrentThenNew,
                found: 3,
            },
            PinEntryError::StdinLines {
                layout: StdinLayout::Pin,
                found: 2,
            },
            PinEntryError::StdinTooLong,
            PinEntryError::EntryTooLong,
            PinEntryError::Mismatch,
            PinEntryError::StdinIsTerminal,
            PinEntryError::Interrupted { signal: 2 },
        ] {
            // The OS's own words stay as they are, on a line of their own.
            let text = ja(error);
            assert_japanese(text.lines().next().unwrap());
        }
    }

    #[test]
    fn the_experimental_refusal_reads_in_japanese() {
        for command in [PinCommand::Change, PinCommand::Verify] {
            let text = ja(NeedsExperimental {
                kind: PinKind::Juki,
                command,
            });
            assert_japanese(&text);
            assert!(text.contains("--experimental"), "{text}");
        }
    }

    #[test]
    fn english_stays_the_library_text() {
        let error = CardError::WrongPin {
            kind: PinKind::Auth,
            tries_left: 2,
        };
        let expected = error.to_string();
        assert_eq!(error_text(&error.into(), Lang::En), expected);
    }

    #[test]
    fn english_adds_the_commands_flags_to_the_library_text() {
        let en = |error: anyhow::Error| error_text(&error, Lang::En);
        let last = CardError::LastTryRefused {
            kind: PinKind::Auth,
        };
        assert_eq!(
            en(last.into()),
            "the auth PIN has only one try left, and a wrong entry would lock it; nothing was sent (use --allow-last-try if you are sure of the PIN)"
        );
        let lost = CardError::OutcomeUnknown {
            kind: PinKind::Auth,
            cause: TransportError::CardRemoved,
            changing: false,
        };
        assert!(en(lost.into()).ends_with("; run `jpki status`"));
        let several = || TransportError::SeveralCards {
            readers: vec!["A".to_string(), "B".to_string()],
        };
        assert!(en(CardError::from(several()).into()).ends_with("; choose one with --reader"));
        assert!(en(several().into()).ends_with("; choose one with --reader"));
        // The library's own refusal of an experiment reads as the command's.
        let refused = CardError::NeedsExperimental(NeedsExperimental {
            kind: PinKind::Juki,
            command: PinCommand::Change,
        });
        assert_eq!(
            classify(&anyhow::Error::from(refused)).exit(),
            Exit::ExperimentalRefused
        );
        let text = en(CardError::NeedsExperimental(NeedsExperimental {
            kind: PinKind::Juki,
            command: PinCommand::Change,
        })
        .into());
        assert!(
            text.starts_with(
                "changing the juki PIN is experimental, so jpki did not touch the card."
            ),
            "{text}"
        );
        assert!(
            text.ends_with("run the same command with --experimental."),
            "{text}"
        );
    }

    #[test]
    fn a_card_held_or_reset_by_another_program_is_said_so_and_after_a_pin_the_try_may_count() {
        let describe = |error: anyhow::Error, lang| describe_error(&error, lang);
        let in_use = || anyhow::Error::from(CardError::Transport(TransportError::CardInUse));
        assert_eq!(classify(&in_use()).exit(), Exit::CardInUse);
        let en = describe(in_use(), Lang::En);
        assert!(en.contains("another program is using the card"), "{en}");
        assert!(en.contains("--wait=SECONDS"), "{en}");
        assert_japanese(&describe(in_use(), Lang::Ja));
        // Reset before any PIN: exit 9, and not the words of a card taken away.
        let reset = || anyhow::Error::from(CardError::Transport(TransportError::CardReset));
        assert_eq!(classify(&reset()).exit(), Exit::CardRemoved);
        let en = describe(reset(), Lang::En);
        assert!(en.contains("another program using the card"), "{en}");
        assert!(en.contains("close any other program"), "{en}");
        assert!(!en.contains("keep the card still"), "{en}");
        assert!(describe(reset(), Lang::Ja).contains("別のプログラム"));
        // Reset after a VERIFY went out: the try may have counted, and `jpki status` tells.
        for changing in [false, true] {
            let after_pin = || {
                anyhow::Error::from(CardError::OutcomeUnknown {
                    kind: PinKind::Auth,
                    cause: TransportError::CardReset,
                    changing,
                })
            };
            assert_eq!(classify(&after_pin()).exit(), Exit::OutcomeUnknown);
            let en = describe(after_pin(), Lang::En);
            assert!(en.contains("reset it"), "{en}");
            assert!(en.contains("the try may have been counted"), "{en}");
            assert!(en.contains("jpki status"), "{en}");
            assert!(!en.contains("close any other program"), "{en}");
            let ja = describe(after_pin(), Lang::Ja);
            assert!(ja.contains("jpki status"), "{ja}");
        }
    }

    #[test]
    fn an_unknown_error_says_so_in_japanese_before_the_detail() {
        let text = ja(anyhow::anyhow!("cannot write to stdout"));
        assert!(text.starts_with("予期しないエラー"), "{text}");
        assert!(text.ends_with("cannot write to stdout"), "{text}");
    }
}
