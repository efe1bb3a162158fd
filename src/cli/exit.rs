//! Exit codes, one per class of failure (docs/exit-codes.md), and the message for each error.

use super::text::Lang;
use jpki::card::CardError;
use jpki::transport::TransportError;

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// The command did what was asked (a card with locked PINs was still read).
    Success = 0,
    /// An unexpected failure, such as an output error.
    Failure = 1,
    /// Bad flags or arguments. clap exits with it itself; listed so the numbers stay in one place.
    #[allow(dead_code)]
    Usage = 2,
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
}

/// The exit code for an error: the first error in its chain that jpki knows decides.
pub fn exit_code_of(error: &anyhow::Error) -> Exit {
    for cause in error.chain() {
        if let Some(e) = cause.downcast_ref::<TransportError>() {
            return transport_exit(e);
        }
        if let Some(e) = cause.downcast_ref::<CardError>() {
            return match e {
                CardError::Transport(t) => transport_exit(t),
                CardError::NotMyNumberCard { .. } => Exit::NotMyNumberCard,
                CardError::MalformedAnswer { .. } => Exit::CardAnswer,
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
        TransportError::Reader(_) => Exit::ReaderFailure,
        TransportError::Trace(_) | TransportError::VirtualCard(_) => Exit::Trace,
    }
}

/// The message printed on stderr: what went wrong, then what to do about it.
pub fn describe_error(error: &anyhow::Error, lang: Lang) -> String {
    let mut message = format!("{}: {error:#}", lang.pick("jpki: エラー", "jpki: error"));
    let hint = match exit_code_of(error) {
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
        _ => None,
    };
    if let Some(hint) = hint {
        message.push('\n');
        message.push_str(hint);
    }
    message
}
