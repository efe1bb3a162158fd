//! The main line of an error message, in the holder's language.
//!
//! The library's errors display in English: that is its API, and the English CLI prints them as
//! they are. A Japanese holder gets each class they can meet in Japanese instead, built from the
//! error's fields. No error type holds a PIN, so no message can show one. Trace and virtual-card
//! state errors are for developers: a short Japanese line, then the English detail.

use super::pin_entry::{PinEntryError, StdinLayout, STDIN_LIMIT};
use super::render::printable;
use super::text::{pin_name, Lang};
use jpki::apdu::ResponseError;
use jpki::card::{
    Application, CardError, ChangeCommand, ChangeInputError, NeedsExperimental, PinCommand,
    PinFormatError, PinKind, TypedPin,
};
use jpki::transport::trace::TraceError;
use jpki::transport::TransportError;
use jpki_vcard::StateError;

/// What went wrong, as the first line (or lines) after "jpki: error:".
pub fn error_text(error: &anyhow::Error, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{error:#}"),
        Lang::Ja => japanese(error),
    }
}

/// A transport failure alone, as `doctor` shows it in its detail column.
pub fn transport_text(error: &TransportError, lang: Lang) -> String {
    match lang {
        Lang::En => error.to_string(),
        Lang::Ja => transport_ja(error),
    }
}

/// The first error in the chain that jpki knows decides the words, as it decides the exit code.
fn japanese(error: &anyhow::Error) -> String {
    for cause in error.chain() {
        if let Some(e) = cause.downcast_ref::<super::open::RecordRefused>() {
            return e.text(Lang::Ja);
        }
        if let Some(e) = cause.downcast_ref::<CardError>() {
            return card_ja(e);
        }
        if let Some(e) = cause.downcast_ref::<TransportError>() {
            return transport_ja(e);
        }
        if let Some(e) = cause.downcast_ref::<ChangeInputError>() {
            return change_input_ja(e);
        }
        if let Some(e) = cause.downcast_ref::<PinFormatError>() {
            return pin_format_ja(e);
        }
        if let Some(e) = cause.downcast_ref::<PinEntryError>() {
            return pin_entry_ja(e);
        }
        if let Some(e) = cause.downcast_ref::<NeedsExperimental>() {
            return experimental_ja(e);
        }
        if let Some(e) = cause.downcast_ref::<TraceError>() {
            return trace_ja(e);
        }
        if let Some(e) = cause.downcast_ref::<StateError>() {
            return state_ja(e);
        }
    }
    format!("予期しないエラーが発生しました。詳細 (英語):\n{error:#}")
}

/// An error of a kind this version of the command has no Japanese words for (the library's
/// error types may grow): said so, with the English detail.
fn untranslated(error: &dyn std::fmt::Display) -> String {
    format!("予期しないエラーが発生しました。詳細 (英語):\n{error}")
}

/// The PIN as the holder knows it, with the id they type after `change-pin`.
fn named(kind: PinKind) -> String {
    format!("{} ({})", pin_name(kind, Lang::Ja), kind.id())
}

fn card_ja(error: &CardError) -> String {
    match error {
        CardError::Transport(e) => transport_ja(e),
        CardError::NotMyNumberCard { sw } => format!(
            "マイナンバーカードではありません (公的個人認証APの選択に、カードは {sw} と応答しました)"
        ),
        CardError::MalformedAnswer {
            command,
            source: ResponseError::TooShort(n),
        } => format!(
            "カードの応答が壊れています ({command} への応答が{n}バイトしかなく、末尾の状態の2バイトがありません)"
        ),
        CardError::WrongPin { kind, tries_left } => {
            let left = match tries_left {
                0 => "残り回数がなくなり、ロックされました".to_string(),
                1 => "残りは1回で、次に間違えるとロックされます".to_string(),
                n => format!("残りは{n}回です"),
            };
            format!("現在の{}が違います。{left}", named(*kind))
        }
        CardError::PinLocked {
            kind,
            sw,
            pin_sent: false,
        } => format!(
            "{}はロックされています (カードの応答: {sw})。暗証番号は送信していません",
            named(*kind)
        ),
        CardError::PinLocked {
            kind,
            sw,
            pin_sent: true,
        } => format!(
            "{}を送信したところ、カードが {sw} と応答しました。ロックされています",
            named(*kind)
        ),
        CardError::LastTryRefused { kind } => format!(
            "{}は残り1回のため、暗証番号は送信していません",
            named(*kind)
        ),
        CardError::PinNotIssued { kind } => format!(
            "このカードには{}がありません (そのアプリケーションか暗証番号のファイルがカードにありません)",
            named(*kind)
        ),
        CardError::OutcomeUnknown {
            kind,
            cause,
            changing,
        } => format!(
            "{}を送信した後にカードとの通信が途切れました ({})。試行回数が数えられたかもしれません{}。`jpki status` で確認してください",
            named(*kind),
            transport_ja(cause),
            changed_ja(*changing)
        ),
        CardError::AnswerUnknown {
            kind,
            problem,
            changing,
        } => {
            let ResponseError::TooShort(n) = problem else {
                return untranslated(error);
            };
            format!(
                "{}を送信した後のカードの応答が壊れています ({n}バイトしかなく、末尾の状態の2バイトがありません)。試行回数が数えられたかもしれません{}。`jpki status` で確認してください",
                named(*kind),
                changed_ja(*changing)
            )
        }
        CardError::ChangeRejected { kind, command, sw } => format!(
            "現在の暗証番号は正しかったものの、カードが新しい{}を受け付けませんでした ({} への応答: {sw})。{}",
            named(*kind),
            command.name(),
            match command {
                ChangeCommand::Key => "受け付けなかった側は現在の暗証番号のままです (このコマンドは公開資料が1つしかない実験的なものです)",
                ChangeCommand::ReferenceData => "暗証番号は変わっていません",
            }
        ),
        CardError::PartlyChanged {
            kind,
            changed,
            unchanged,
            unknown,
            source,
        } => {
            let mut parts = vec![format!("{}は新しい暗証番号になりました", labels_ja(changed))];
            if !unchanged.is_empty() {
                parts.push(format!(
                    "{}は現在の暗証番号のままです",
                    labels_ja(unchanged)
                ));
            }
            if !unknown.is_empty() {
                parts.push(format!(
                    "{}はどちらになったか分かりません (暗証番号の送信後にカードとの通信が途切れました)",
                    labels_ja(unknown)
                ));
            }
            format!(
                "{}は一部だけ変更されました: {}。止まった理由: {}",
                named(*kind),
                parts.join("、"),
                card_ja(source)
            )
        }
        CardError::UnexpectedAnswer { kind, command, sw } => format!(
            "{}の {command} に、カードが想定外の応答 {sw} を返したため、そこで止めました (`jpki status` で残り回数を確認できます)",
            named(*kind)
        ),
        _ => untranslated(error),
    }
}

/// 、暗証番号が変わったかどうかも分かりません, when the run was changing the PIN.
fn changed_ja(changing: bool) -> &'static str {
    if changing {
        "。暗証番号が変わったかどうかも分かりません"
    } else {
        ""
    }
}

/// Application names joined: 住基AP・共通AP.
fn labels_ja(applications: &[Application]) -> String {
    applications
        .iter()
        .map(|a| a.label())
        .collect::<Vec<_>>()
        .join("・")
}

fn experimental_ja(error: &NeedsExperimental) -> String {
    let what = match error.command {
        PinCommand::Change => "の変更",
        PinCommand::Verify => "の確認",
    };
    let detail = match error.command {
        PinCommand::Change => "公開資料が1つしかない事実: 住民基本台帳用暗証番号は2か所 (住基AP と 共通AP) に別々に保存されていて、それぞれを CHANGE KEY (80 32 00 80) で変更すること。このコマンドは soltia48/myna-card だけが使っており、そこでも模擬カードでしか試されていません。市区町村の端末がどちらを照合するかを示す公開資料はありません。起こり得ること: カードがこのコマンドを受け付けない、または一方だけが新しい暗証番号になり、2か所の暗証番号が異なる状態になる (その場合 jpki はどちらがどうなったかを表示します。窓口で設定し直せます)。",
        PinCommand::Verify => "公開資料が1つしかない事実: 住民基本台帳用暗証番号は2か所 (住基AP と 共通AP) にそれぞれの残り回数とともに保存されていること (soltia48/myna-card)。市区町村の端末がどちらを照合するかを示す公開資料はなく、jpki は両方を順に確認します。起こり得ること: 2か所の暗証番号が異なると、一方では入力した暗証番号が誤りとなり、そこで試行回数が1回減ります (jpki は最初の誤りで止めます)。",
    };
    format!(
        "{}{what}は実験的な機能のため、カードには触れていません。{detail}それでも実行するには、同じコマンドに --experimental を付けてください",
        named(error.kind)
    )
}

/// Reader names as a list: 「a」、「b」, or なし.
fn readers_ja(names: &[String]) -> String {
    if names.is_empty() {
        "なし".to_string()
    } else {
        names
            .iter()
            .map(|n| format!("「{}」", printable(n)))
            .collect::<Vec<_>>()
            .join("、")
    }
}

fn transport_ja(error: &TransportError) -> String {
    match error {
        // PC/SC's own words are English sentences and add nothing to "not running".
        TransportError::ServiceUnavailable(_) => "PC/SC サービスが動いていません".to_string(),
        TransportError::NoReaders => "カードリーダーが接続されていません".to_string(),
        TransportError::NoCard { reader } => {
            format!("カードリーダー「{}」にカードがありません", printable(reader))
        }
        TransportError::ReaderNotFound { wanted, available } => format!(
            "「{}」に一致するカードリーダーがありません。接続されているリーダー: {}",
            printable(wanted),
            readers_ja(available)
        ),
        TransportError::AmbiguousReader { wanted, matches } => format!(
            "「{}」は複数のカードリーダーに一致します: {}。名前を正確に書くか、番号で指定してください",
            printable(wanted),
            readers_ja(matches)
        ),
        TransportError::SeveralCards { readers } => format!(
            "複数のカードリーダーにカードがあります: {}。--reader でどれか1つを選んでください",
            readers_ja(readers)
        ),
        TransportError::CardRemoved => "処理の途中でカードが取り外されました".to_string(),
        TransportError::CardReset => "処理の途中でカードがリセットされました".to_string(),
        TransportError::WaitTimedOut { seconds } => {
            format!("{seconds}秒待ちましたが、カードが置かれませんでした")
        }
        TransportError::Reader(detail) => {
            format!("カードリーダーでエラーが起きました。PC/SC の詳細 (英語):\n{detail}")
        }
        TransportError::Trace(e) => trace_ja(e),
        TransportError::Backend(e) => match e.downcast_ref::<StateError>() {
            Some(e) => state_ja(e),
            None => format!("カードリーダーでエラーが起きました。詳細 (英語):\n{e}"),
        },
        _ => untranslated(error),
    }
}

fn trace_ja(error: &TraceError) -> String {
    let what = match error {
        TraceError::Unwritable { .. } => "トレースファイルに書き込めません",
        TraceError::Diverged { .. }
        | TraceError::PastEnd { .. }
        | TraceError::Unconsumed { .. } => "リプレイがトレースファイルの内容と一致しません",
        _ => "トレースファイルを読み込めません",
    };
    format!("{what} (開発者向けの詳細、英語):\n{error}")
}

fn state_ja(error: &StateError) -> String {
    format!("仮想カードの状態ファイルを使えません (開発者向けの詳細、英語):\n{error}")
}

fn pin_format_ja(error: &PinFormatError) -> String {
    let sign = pin_name(PinKind::Sign, Lang::Ja);
    match error {
        PinFormatError::NotFourDigits { kind } => {
            format!("{}は数字4桁 (0〜9) です", named(*kind))
        }
        PinFormatError::PasswordLength { length } => {
            format!("{sign}は6〜16文字です ({length}文字でした)")
        }
        PinFormatError::PasswordCharacters => {
            format!("{sign}に使えるのは英字 A〜Z と数字 0〜9 だけです")
        }
        PinFormatError::PasswordMix => {
            format!("{sign}には英字と数字をそれぞれ1文字以上含めてください")
        }
        _ => untranslated(error),
    }
}

fn change_input_ja(error: &ChangeInputError) -> String {
    match error {
        ChangeInputError::NoPins => {
            "変更する暗証番号を指定してください: sign、auth、juki、kenhojo のいずれか".to_string()
        }
        ChangeInputError::Repeated(kind) => {
            format!("{}が2回以上指定されています", named(*kind))
        }
        ChangeInputError::MixedFormats => format!(
            "{} (英数字6〜16文字) は4桁の暗証番号と一緒には変更できません。別々に実行してください",
            pin_name(PinKind::Sign, Lang::Ja)
        ),
        ChangeInputError::Format { typed, problem } => {
            let which = match typed {
                TypedPin::Current => "現在の暗証番号",
                TypedPin::New => "新しい暗証番号",
            };
            format!(
                "入力された{which}が正しい形式ではありません: {}",
                pin_format_ja(problem)
            )
        }
        ChangeInputError::Unchanged => "新しい暗証番号が現在の暗証番号と同じです".to_string(),
        _ => untranslated(error),
    }
}

fn pin_entry_ja(error: &PinEntryError) -> String {
    match error {
        PinEntryError::NoTerminal(detail) => format!(
            "端末で暗証番号を尋ねられません。--stdin を付けてパイプで渡してください。OS の詳細 (英語):\n{detail}"
        ),
        PinEntryError::Stdin(detail) => {
            format!("標準入力から暗証番号を読み取れません。OS の詳細 (英語):\n{detail}")
        }
        PinEntryError::StdinLines { layout, found } => match layout {
            StdinLayout::CurrentThenNew => format!(
                "--stdin には、1行目に現在の暗証番号、2行目に新しい暗証番号のちょうど2行が必要です ({found}行ありました)"
            ),
            StdinLayout::Pin => format!(
                "--stdin には、暗証番号1行だけが必要です ({found}行ありました)"
            ),
        },
        PinEntryError::StdinTooLong => format!(
            "--stdin には短い行が必要ですが、標準入力が{STDIN_LIMIT}バイトを超えています"
        ),
        PinEntryError::Mismatch => {
            "新しい暗証番号の1回目と確認の2回目の入力が一致しません".to_string()
        }
        PinEntryError::EntryTooLong => format!(
            "入力が{STDIN_LIMIT}バイトを超えています。暗証番号はそれよりずっと短いはずです"
        ),
        PinEntryError::Interrupted { signal } => format!(
            "暗証番号の入力中に {} で中断しました。暗証番号はカードに送信していません",
            super::pin_entry::signal_name(*signal)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jpki::apdu::StatusWord;

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
                reader: "A 00".to_string(),
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
    fn an_unknown_error_says_so_in_japanese_before_the_detail() {
        let text = ja(anyhow::anyhow!("cannot write to stdout"));
        assert!(text.starts_with("予期しないエラー"), "{text}");
        assert!(text.ends_with("cannot write to stdout"), "{text}");
    }
}
