//! The exit codes, one per class of failure (docs/exit-codes.md). Which failure gets which code
//! is decided in `failure.rs`.

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// The command did what was asked (a card with locked PINs was still read).
    Success = 0,
    /// An unexpected failure, such as an output error.
    Failure = 1,
    /// Bad flags or arguments (clap exits with it itself), and `--record` where it cannot record.
    Usage = 2,
    /// A PIN typed in a form the card would refuse, or a change request that makes no sense.
    InvalidPin = 3,
    /// The PC/SC service is not running.
    ServiceUnavailable = 4,
    /// No reader is connected.
    NoReaders = 5,
    /// `--reader` matched none or several, or cards sit in several readers.
    ReaderChoice = 6,
    /// No card in the reader.
    NoCard = 7,
    /// The card is not a My Number card.
    NotMyNumberCard = 8,
    /// The card was removed or reset during the command.
    CardRemoved = 9,
    /// Any other reader failure.
    ReaderFailure = 10,
    /// A trace or virtual-card state file is malformed, or the replay diverged from its trace.
    Trace = 11,
    /// The card answered something jpki cannot use.
    CardAnswer = 12,
    /// `change-pin`, `verify-pin`: the PIN typed was wrong; the card counted the try.
    WrongPin = 13,
    /// `change-pin`, `verify-pin`: a counter is at 1 and --allow-last-try was not given; no PIN
    /// was sent.
    LastTryRefused = 14,
    /// `change-pin`, `verify-pin`: the PIN is locked.
    PinLocked = 15,
    /// `change-pin`, `verify-pin`: the card was lost after a PIN was sent: the try may have
    /// counted, and (change-pin) the PIN may have changed.
    OutcomeUnknown = 16,
    /// `change-pin`, `verify-pin`: this card has no such PIN.
    PinNotIssued = 17,
    /// `--wait` timed out: no card was presented.
    WaitTimedOut = 18,
    /// A `jpki doctor` check failed.
    DoctorFailed = 19,
    /// `change-pin`, `verify-pin`: an experimental PIN (juki) without `--experimental`; the
    /// card was not touched.
    ExperimentalRefused = 20,
    /// `change-pin`: a PIN held in two key references (juki) took the new PIN in one and not
    /// (or not surely) in the other.
    PartlyChanged = 21,
    /// Another program holds the card for itself (SCARD_E_SHARING_VIOLATION), and `--wait`
    /// did not wait or it did not let go in time.
    CardInUse = 22,
    /// `certificate`: the certificate EF is absent, empty, truncated, longer than any
    /// certificate, or not DER (or its answer unusable); the message names which and why.
    CertificateUnreadable = 23,
    /// `certificate export --out`: the file is there (without --force), a symbolic link, not a
    /// regular file, or could not be written; or DER was asked onto a terminal.
    ExportRefused = 24,
    /// `change-pin`, `verify-pin`: Ctrl-C, SIGTERM or SIGHUP at a hidden PIN prompt; no PIN was
    /// sent. jpki then ends by that signal, so a shell shows 128 + its number (130 for Ctrl-C);
    /// this is the code when it cannot.
    Interrupted = 130,
}

impl Exit {
    /// The code's name in JSON (`error.code`), stable like the number.
    pub fn id(self) -> &'static str {
        match self {
            Exit::Success => "success",
            Exit::Failure => "failure",
            Exit::Usage => "usage",
            Exit::InvalidPin => "invalid_pin",
            Exit::ServiceUnavailable => "service_unavailable",
            Exit::NoReaders => "no_readers",
            Exit::ReaderChoice => "reader_choice",
            Exit::NoCard => "no_card",
            Exit::NotMyNumberCard => "not_my_number_card",
            Exit::CardRemoved => "card_removed",
            Exit::ReaderFailure => "reader_failure",
            Exit::Trace => "trace",
            Exit::CardAnswer => "card_answer",
            Exit::WrongPin => "wrong_pin",
            Exit::LastTryRefused => "last_try_refused",
            Exit::PinLocked => "pin_locked",
            Exit::OutcomeUnknown => "outcome_unknown",
            Exit::PinNotIssued => "pin_not_issued",
            Exit::WaitTimedOut => "wait_timed_out",
            Exit::DoctorFailed => "doctor_failed",
            Exit::ExperimentalRefused => "experimental_refused",
            Exit::PartlyChanged => "partly_changed",
            Exit::CardInUse => "card_in_use",
            Exit::CertificateUnreadable => "certificate_unreadable",
            Exit::ExportRefused => "export_refused",
            Exit::Interrupted => "interrupted",
        }
    }
}
