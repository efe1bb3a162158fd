//! Exit codes, one per class of failure (docs/exit-codes.md), and the message for each error.

use super::lang::Lang;
use super::messages::error_text;
use super::pin_entry::PinEntryError;
use super::render::printable_lines;
use jpki::card::{CardError, ChangeInputError, NeedsExperimental, PinFormatError};
use jpki::transport::trace::TraceError;
use jpki::transport::TransportError;
use jpki_vcard::StateError;

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
    /// `change-pin`, `verify-pin`: Ctrl-C, SIGTERM or SIGHUP at a hidden PIN prompt; no PIN was
    /// sent. jpki then ends by that signal, so a shell shows 128 + its number (130 for Ctrl-C);
    /// this is the code when it cannot.
    Interrupted = 130,
}

/// The signal that ended a PIN prompt, when one did: the process should end by it too.
pub fn interrupting_signal(error: &anyhow::Error) -> Option<i32> {
    error
        .chain()
        .find_map(|cause| match cause.downcast_ref::<PinEntryError>() {
            Some(PinEntryError::Interrupted { signal }) => Some(*signal),
            _ => None,
        })
}

/// The exit code for an error: the first error in its chain that jpki knows decides.
pub fn exit_code_of(error: &anyhow::Error) -> Exit {
    if interrupting_signal(error).is_some() {
        return Exit::Interrupted;
    }
    for cause in error.chain() {
        if cause.is::<super::open::RecordRefused>() {
            return Exit::Usage;
        }
        if cause.is::<ChangeInputError>()
            || cause.is::<PinFormatError>()
            || cause.is::<PinEntryError>()
        {
            return Exit::InvalidPin;
        }
        if cause.is::<NeedsExperimental>() {
            return Exit::ExperimentalRefused;
        }
        if let Some(e) = cause.downcast_ref::<TransportError>() {
            return transport_exit(e);
        }
        // `readers` and `doctor` load a trace themselves: its error is not inside a
        // TransportError there.
        if cause.is::<TraceError>() {
            return Exit::Trace;
        }
        if let Some(e) = cause.downcast_ref::<CardError>() {
            return match e {
                CardError::Transport(t) => transport_exit(t),
                CardError::NotMyNumberCard { .. } => Exit::NotMyNumberCard,
                CardError::MalformedAnswer { .. }
                | CardError::ChangeRejected { .. }
                | CardError::UnexpectedAnswer { .. } => Exit::CardAnswer,
                CardError::WrongPin { .. } => Exit::WrongPin,
                CardError::LastTryRefused { .. } => Exit::LastTryRefused,
                CardError::PinLocked { .. } => Exit::PinLocked,
                CardError::OutcomeUnknown { .. } | CardError::AnswerUnknown { .. } => {
                    Exit::OutcomeUnknown
                }
                CardError::PinNotIssued { .. } => Exit::PinNotIssued,
                CardError::PartlyChanged { .. } => Exit::PartlyChanged,
                // A kind this version does not know: an unexpected failure.
                _ => Exit::Failure,
            };
        }
    }
    Exit::Failure
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
        TransportError::WaitTimedOut { .. } => Exit::WaitTimedOut,
        TransportError::Reader(_) => Exit::ReaderFailure,
        TransportError::Trace(_) => Exit::Trace,
        // The virtual card's state file is for developers, as a trace is.
        TransportError::Backend(e) if e.is::<StateError>() => Exit::Trace,
        TransportError::Backend(_) => Exit::ReaderFailure,
        // A kind this version does not know: the reader failed somehow.
        _ => Exit::ReaderFailure,
    }
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
            Exit::Interrupted => "interrupted",
        }
    }
}

/// The exit status the process ends with for `error`: its code, or 128 + the signal that
/// interrupted a PIN prompt (the process ends by that signal).
pub fn exit_status_of(error: &anyhow::Error) -> u8 {
    match interrupting_signal(error) {
        Some(signal) => 128u8.saturating_add(signal as u8),
        None => exit_code_of(error) as u8,
    }
}

/// The message printed on stderr: what went wrong, then what to do about it.
pub fn describe_error(error: &anyhow::Error, lang: Lang) -> String {
    // Every piece from outside is escaped where it is put into words; this catches any other.
    let mut message = format!(
        "{}: {}",
        lang.pick("jpki: エラー", "jpki: error"),
        printable_lines(&error_text(error, lang))
    );
    if let Some(hint) = hint_text(error, lang) {
        message.push('\n');
        message.push_str(hint);
    }
    message
}

/// An error as JSON: `code` (the exit code's name), `exit`, `message` and `hint` (null when
/// there is none), in the output language.
pub fn error_json(error: &anyhow::Error, lang: Lang) -> serde_json::Value {
    serde_json::json!({
        "code": exit_code_of(error).id(),
        "exit": exit_status_of(error),
        "message": printable_lines(&error_text(error, lang)),
        "hint": hint_text(error, lang),
    })
}

/// What to do about an error, when there is something to say. A locked PIN has none here: the
/// report of `change-pin` and `verify-pin` gives the advice `status` gives, in the same words.
fn hint_text(error: &anyhow::Error, lang: Lang) -> Option<&'static str> {
    let checking_only = error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<CardError>(),
            Some(
                CardError::OutcomeUnknown {
                    changing: false,
                    ..
                } | CardError::AnswerUnknown {
                    changing: false,
                    ..
                }
            )
        )
    });
    match exit_code_of(error) {
        Exit::ServiceUnavailable => Some(lang.pick(
            "PC/SC サービスを起動してください (Debian/Ubuntu: sudo systemctl start pcscd.socket、Windows: Smart Card サービス)。",
            "start the PC/SC service (Debian/Ubuntu: sudo systemctl start pcscd.socket; Windows: the Smart Card service).",
        )),
        Exit::NoReaders => Some(lang.pick(
            "カードリーダーを接続してください。接続済みなら `jpki readers` で確認できます。",
            "connect a card reader; `jpki readers` lists the readers PC/SC sees.",
        )),
        Exit::ReaderChoice => Some(lang.pick(
            "`jpki readers` の一覧から --reader で名前か番号を指定してください。",
            "pick one from `jpki readers` with --reader NAME|INDEX.",
        )),
        Exit::NoCard => Some(lang.pick(
            "カードをリーダーに置いてからもう一度実行してください。",
            "put the card on the reader and run the command again.",
        )),
        Exit::NotMyNumberCard => Some(lang.pick(
            "リーダーにあるのはマイナンバーカードではないようです。",
            "the card in the reader does not look like a My Number card.",
        )),
        Exit::CardRemoved => Some(lang.pick(
            "カードを動かさずに置いたまま、もう一度実行してください。",
            "keep the card still on the reader and run the command again.",
        )),
        Exit::InvalidPin => Some(lang.pick(
            "暗証番号はカードに送信していません。",
            "no PIN was sent to the card.",
        )),
        Exit::WrongPin => Some(lang.pick(
            "現在の暗証番号を確かめてから実行してください。残り回数は `jpki status` で確認できます。",
            "make sure of the current PIN before trying again; `jpki status` shows the tries left.",
        )),
        Exit::LastTryRefused => Some(lang.pick(
            "残り1回です。次に間違えるとロックされます。現在の暗証番号に確信がある場合に限り --allow-last-try を付けて実行してください。",
            "one try is left and a wrong entry locks the PIN; only if you are sure of the current PIN, run again with --allow-last-try.",
        )),
        Exit::OutcomeUnknown if checking_only => Some(lang.pick(
            "試行回数が数えられたかもしれません。`jpki status` で残り回数を確認してください（回数は減りません）。",
            "the try may have been counted. `jpki status` shows the counters without spending a try.",
        )),
        Exit::OutcomeUnknown => Some(lang.pick(
            "`jpki status` で残り回数を確認してください（回数は減りません）。",
            "the try may have been counted, and the PIN may or may not have changed. `jpki status` shows the counters without spending a try.",
        )),
        Exit::PinNotIssued => Some(lang.pick(
            "このカードにはその暗証番号がありません。`jpki status` で確認できます。",
            "this card does not carry that PIN; `jpki status` lists the ones it has.",
        )),
        Exit::ExperimentalRefused => Some(lang.pick(
            "暗証番号はカードに送信していません。",
            "no PIN was sent to the card.",
        )),
        Exit::PartlyChanged => Some(lang.pick(
            "`change-pin juki` をそのまま再実行しないでください。新しい暗証番号になった側では現在の暗証番号は誤りとなり、間違えるたびに試行回数が減ります。`jpki status` で両方の残り回数を確認できます（回数は減りません）。市区町村の窓口で、1つの暗証番号に設定し直せます（カードと本人確認書類をお持ちください）。",
            "do not run `change-pin juki` again as it is: the current PIN is now wrong for the key reference that took the new one, and each wrong entry costs a try there. `jpki status` shows both counters without spending a try. The city office can set the juki PIN to one value again (bring the card and an identity document).",
        )),
        Exit::WaitTimedOut => Some(lang.pick(
            "カードをリーダーに置いてから、もう一度実行してください (--wait=秒数 で待ち時間を延ばせます)。",
            "present the card and run the command again (--wait=SECONDS waits longer).",
        )),
        _ => None,
    }
}
