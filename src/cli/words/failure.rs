//! The words of a failure: an error's main line in Japanese, built from the error's fields, and
//! what to do about it in both languages.
//!
//! The library's errors display in English: that is its API, and the English command line prints
//! them as they are. A Japanese holder gets each class they can meet in Japanese instead. No
//! error type holds a PIN, so no message can show one. Trace and virtual-card state errors are
//! for developers: a short Japanese line, then the English detail.

use crate::cli::exit::Exit;
use crate::cli::flags::record::RecordRefused;
use crate::cli::io::pin_entry_error::{PinEntryError, StdinLayout, STDIN_LIMIT};
use crate::cli::io::render::printable;
use crate::cli::lang::Lang;
use crate::cli::words::pin_name;
use jpki_card::apdu::ResponseError;
use jpki_card::card::{
    Application, CardError, ChangeCommand, ChangeInputError, NeedsExperimental, PinCommand,
    PinFormatError, PinKind, TypedPin,
};
use jpki_card::transport::trace::TraceError;
use jpki_card::transport::{ReaderChoice, TransportError};
use jpki_vcard::StateError;
use std::fmt;

/// What starts every error line.
pub fn error_prefix(lang: Lang) -> &'static str {
    lang.pick("jpki: エラー", "jpki: error")
}

/// What to do when the PC/SC service is not running: `doctor`'s fix, and the hint after the
/// error of any other command.
pub fn start_pcsc_service(lang: Lang) -> &'static str {
    lang.pick(
        "PC/SC サービスを起動してください (Debian/Ubuntu: sudo apt-get install pcscd && sudo systemctl start pcscd.socket、Windows: Smart Card サービス)",
        "start the PC/SC service (Debian/Ubuntu: sudo apt-get install pcscd && sudo systemctl start pcscd.socket; Windows: the Smart Card service)",
    )
}

/// A transport failure alone, as `doctor` shows it in its detail column.
pub fn transport_text(error: &TransportError, lang: Lang) -> String {
    match lang {
        Lang::En => error.to_string(),
        Lang::Ja => transport_ja(error),
    }
}

/// What the command adds, in English, to the library's words for the last error of the chain:
/// the flag or command that helps. The library names none of the command's flags or commands,
/// so a program using it never reads advice about a command line it does not have.
pub fn library_hint_en(error: &anyhow::Error) -> &'static str {
    let Some(last) = error.chain().last() else {
        return "";
    };
    if let Some(card) = last.downcast_ref::<CardError>() {
        return match card {
            CardError::Transport(t) => transport_hint_en(t),
            CardError::LastTryRefused { .. } => {
                " (use --allow-last-try if you are sure of the PIN)"
            }
            CardError::OutcomeUnknown { .. } | CardError::AnswerUnknown { .. } => {
                "; run `jpki status`"
            }
            CardError::UnexpectedAnswer { .. } => " (`jpki status` shows the counters)",
            _ => "",
        };
    }
    last.downcast_ref::<TransportError>()
        .map_or("", transport_hint_en)
}

/// What the command adds to a reader failure, in English.
fn transport_hint_en(error: &TransportError) -> &'static str {
    match error {
        TransportError::SeveralCards { .. } => " with --reader",
        _ => "",
    }
}

/// The refusal of an experimental PIN without `--experimental`, in English.
pub fn experimental_en(error: &NeedsExperimental) -> String {
    format!(
        "{} the {} PIN is experimental, so jpki did not touch the card. {} To go ahead anyway, run the same command with --experimental.",
        error.command,
        error.kind,
        error.risks()
    )
}

/// An error jpki does not know (an unexpected failure), in Japanese: said so, with the English
/// detail.
pub fn unexpected_ja(error: &anyhow::Error) -> String {
    untranslated(&format!("{error:#}"))
}

/// What to do about a failure with this exit code, when there is something to say. `checking`:
/// the run only checked a PIN (`verify-pin`), so no PIN can have changed. A locked PIN has no
/// hint here: the report of `change-pin` and `verify-pin` gives the advice `status` gives, in
/// the same words.
pub fn hint(exit: Exit, checking: bool, lang: Lang) -> Option<String> {
    let hint = match exit {
        Exit::ServiceUnavailable => {
            return Some(format!(
                "{}{}",
                start_pcsc_service(lang),
                lang.pick("。", ".")
            ))
        }
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
            "このカードには、このバージョンの jpki が知っている公的個人認証APがありません。別のICカードか、このバージョンが知らない新しい世代のマイナンバーカード (次期個人番号カードはAPが2つになる計画で、その識別子は公開されていません) かもしれません。どの暗証番号を何に使うかは `jpki pins` で確認できます (カード不要)。",
            "this card has no JPKI application of the kind this version of jpki knows: it is another IC card, or a My Number card of a generation this version does not know (the next-generation card is planned with two applications whose identifiers are not public). `jpki pins` explains the PINs without a card.",
        )),
        Exit::CardRemoved => Some(lang.pick(
            "カードを動かさずに置いたまま、もう一度実行してください。",
            "keep the card still on the reader and run the command again.",
        )),
        Exit::CardInUse => Some(lang.pick(
            "カードを使っている別のプログラム (ブラウザ、マイナポータル、e-Taxソフトなど) を終了してから、もう一度実行してください。--wait=秒数 を付けると、カードが空くまで待ちます。",
            "close the other program using the card (a browser, a signing or tax application) and run the command again; with --wait=SECONDS jpki waits for the card to be free.",
        )),
        Exit::InvalidPin => Some(lang.pick(
            "暗証番号はカードに送信していません。",
            "no PIN was sent to the card.",
        )),
        Exit::WrongPin => Some(lang.pick(
            "暗証番号を確かめてから実行してください。残り回数は `jpki status` で確認できます。",
            "make sure of the PIN before trying again; `jpki status` shows the tries left.",
        )),
        Exit::LastTryRefused => Some(lang.pick(
            "残り1回です。次に間違えるとロックされます。暗証番号に確信がある場合に限り --allow-last-try を付けて実行してください。",
            "one try is left and a wrong entry locks the PIN; only if you are sure of the PIN, run again with --allow-last-try.",
        )),
        Exit::OutcomeUnknown if checking => Some(lang.pick(
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
    };
    hint.map(String::from)
}

/// What to do when the card was reset during the command: most often another program that
/// uses the card did it, between two of jpki's commands.
pub fn reset_by_another_program(lang: Lang) -> &'static str {
    lang.pick(
        "カードを使っている別のプログラムがあれば終了してから、もう一度実行してください。",
        "close any other program using the card, then run the command again.",
    )
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

/// A card-layer failure in Japanese.
pub fn card_ja(error: &CardError) -> String {
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
            format!("{}が違います。{left}", named(*kind))
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

/// The refusal of an experimental PIN without `--experimental`, in Japanese.
pub fn experimental_ja(error: &NeedsExperimental) -> String {
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

/// A reader failure in Japanese.
pub fn transport_ja(error: &TransportError) -> String {
    match error {
        // PC/SC's own words are English sentences and add nothing to "not running".
        TransportError::ServiceUnavailable(_) => "PC/SC サービスが動いていません".to_string(),
        TransportError::NoReaders => "カードリーダーが接続されていません".to_string(),
        TransportError::NoCard {
            reader: ReaderChoice::Any,
        } => "どのカードリーダーにもカードがありません".to_string(),
        TransportError::NoCard {
            reader: ReaderChoice::Named(reader),
        } => format!("カードリーダー「{}」にカードがありません", printable(reader)),
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
        TransportError::CardReset => {
            "処理の途中でカードがリセットされました (カードを使っている別のプログラムか、カードリーダーによるものです)"
                .to_string()
        }
        TransportError::CardInUse => {
            "別のプログラムがカードを使用中で、カードを占有しています".to_string()
        }
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

/// A trace file's failure: a Japanese line, then the English detail.
pub fn trace_ja(error: &TraceError) -> String {
    let what = match error {
        TraceError::Unwritable { .. } => "トレースファイルに書き込めません",
        TraceError::Diverged { .. }
        | TraceError::PastEnd { .. }
        | TraceError::Unconsumed { .. } => "リプレイがトレースファイルの内容と一致しません",
        _ => "トレースファイルを読み込めません",
    };
    format!("{what} (開発者向けの詳細、英語):\n{error}")
}

/// The virtual card's state file's failure: a Japanese line, then the English detail.
pub fn state_ja(error: &StateError) -> String {
    format!("仮想カードの状態ファイルを使えません (開発者向けの詳細、英語):\n{error}")
}

/// A PIN typed in a form the card would refuse, in Japanese.
pub fn pin_format_ja(error: &PinFormatError) -> String {
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
        PinFormatError::FullWidth { kind } => format!(
            "{}に全角文字が含まれています。半角 (0〜9、A〜Z) で入力してください (日本語入力をオフに)",
            named(*kind)
        ),
        PinFormatError::Space { kind } => format!(
            "{}に空白 (半角または全角のスペース) が含まれています。空白を除いて入力してください",
            named(*kind)
        ),
        _ => untranslated(error),
    }
}

/// PINs named or typed that make no sense for a change, in Japanese.
pub fn change_input_ja(error: &ChangeInputError) -> String {
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

/// PINs that could not be taken from the holder, in Japanese.
pub fn pin_entry_ja(error: &PinEntryError) -> String {
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
        PinEntryError::StdinIsTerminal => {
            "--stdin はパイプ用です。外すと、入力が表示されないプロンプトで尋ねます".to_string()
        }
        PinEntryError::EntryTooLong => format!(
            "入力が{STDIN_LIMIT}バイトを超えています。暗証番号はそれよりずっと短いはずです"
        ),
        PinEntryError::Interrupted { signal } => format!(
            "暗証番号の入力中に {} で中断しました。暗証番号はカードに送信していません",
            signal_name(*signal)
        ),
    }
}

/// `--record` refused, in `lang`.
pub fn record_refused(error: &RecordRefused, lang: Lang) -> String {
    match (error, lang) {
        (RecordRefused::NoCard { command }, Lang::En) => format!(
            "--record: `{command}` sends nothing to a card, so there is nothing to record"
        ),
        (RecordRefused::NoCard { command }, Lang::Ja) => format!(
            "--record: `{command}` はカードに何も送らないため、記録するものがありません"
        ),
        (RecordRefused::NoCardPresent, Lang::En) => "--record: no reader holds a card, so \
            `readers` would send nothing to record; put the card on the reader and run it again"
            .to_string(),
        (RecordRefused::NoCardPresent, Lang::Ja) => "--record: カードのあるリーダーがないため、\
            `readers` は何も送らず、記録するものがありません。カードを置いてからもう一度実行してください"
            .to_string(),
        (RecordRefused::SeveralCards { count }, Lang::En) => format!(
            "--record: {count} readers hold a card and a trace records one; take the other \
             cards away, or record `jpki --record FILE --reader NAME doctor`, which probes one"
        ),
        (RecordRefused::SeveralCards { count }, Lang::Ja) => format!(
            "--record: カードのあるリーダーが {count} 台ありますが、トレースには 1 枚分しか記録できません。\
             ほかのカードを外すか、`jpki --record ファイル --reader 名前 doctor` で 1 枚を記録してください"
        ),
        (RecordRefused::SameAsInput { flag }, Lang::En) => format!(
            "--record: that file is the one {flag} reads in this run; recording would replace \
             it. Record to another path"
        ),
        (RecordRefused::SameAsInput { flag }, Lang::Ja) => format!(
            "--record: そのファイルはこの実行で {flag} が読むファイルです。記録すると置き換わってしまうため、別のパスを指定してください"
        ),
        (RecordRefused::Link, Lang::En) => "--record: the path is a symbolic link, and jpki \
            never writes a trace through one; name the file itself or a new path"
            .to_string(),
        (RecordRefused::Link, Lang::Ja) => "--record: そのパスはシンボリックリンクです。jpki はリンクを通してトレースを書きません。\
            ファイルそのものか、新しいパスを指定してください"
            .to_string(),
    }
}

impl fmt::Display for RecordRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&record_refused(self, Lang::En))
    }
}

/// Why the run ends by `signal` although the card answered: it arrived while a PIN was on its
/// way, and was held until the answer was back.
pub fn held_signal(signal: i32, lang: Lang) -> String {
    let name = signal_name(signal);
    match lang {
        Lang::Ja => format!(
            "{name} を受けたのは暗証番号をカードに送っている間でした。カードの答えを待ってから終了します。上の結果がカードの答えです"
        ),
        Lang::En => format!(
            "{name} arrived while a PIN was on its way to the card; jpki waited for the card's answer (reported above) before ending"
        ),
    }
}

/// A signal's usual name, for messages.
pub fn signal_name(signal: i32) -> String {
    match signal {
        1 => "SIGHUP".to_string(),
        2 => "SIGINT (Ctrl-C)".to_string(),
        3 => "SIGQUIT (Ctrl-\\)".to_string(),
        10 => "SIGUSR1".to_string(),
        12 => "SIGUSR2".to_string(),
        13 => "SIGPIPE".to_string(),
        14 => "SIGALRM".to_string(),
        15 => "SIGTERM".to_string(),
        other => format!("signal {other}"),
    }
}

#[cfg(unix)]
impl fmt::Display for crate::cli::io::signals::Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let signal = signal_name(self.signal);
        write!(
            f,
            "stopped by {signal} after the card answered; this command was not sent"
        )
    }
}

/// What the lines on stdin must hold, as the English message says it.
fn stdin_layout_en(layout: StdinLayout) -> &'static str {
    match layout {
        StdinLayout::Pin => "exactly one line: the PIN",
        StdinLayout::CurrentThenNew => "exactly two lines: the current PIN, then the new PIN",
    }
}

impl fmt::Display for PinEntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PinEntryError::NoTerminal(detail) => write!(
                f,
                "cannot ask for the PIN on a terminal ({detail}); pipe it with --stdin instead"
            ),
            PinEntryError::Stdin(detail) => write!(f, "cannot read the PINs from stdin: {detail}"),
            PinEntryError::StdinLines { layout, found } => write!(
                f,
                "--stdin expects {} (found {found} line(s))",
                stdin_layout_en(*layout)
            ),
            PinEntryError::StdinTooLong => write!(
                f,
                "--stdin expects short lines, but stdin holds more than {STDIN_LIMIT} bytes"
            ),
            PinEntryError::EntryTooLong => write!(
                f,
                "the entry is longer than {STDIN_LIMIT} bytes, far more than any PIN"
            ),
            PinEntryError::Mismatch => f.write_str("the two entries of the new PIN differ"),
            PinEntryError::StdinIsTerminal => {
                f.write_str("--stdin is for pipes; drop it to be asked on a hidden prompt")
            }
            PinEntryError::Interrupted { signal } => write!(
                f,
                "interrupted by {} at the PIN prompt; no PIN was sent to the card",
                signal_name(*signal)
            ),
        }
    }
}
