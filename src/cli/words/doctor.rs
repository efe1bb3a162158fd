//! The words of `jpki doctor`: each check's name, what it saw, and the fix when it failed.

use crate::cli::lang::Lang;
use crate::cli::words::known_readers::KnownReader;

/// A check's name, as the line shows it.
pub fn check_label(id: &str, lang: Lang) -> &'static str {
    match id {
        "service" => lang.pick("PC/SC サービス", "PC/SC service"),
        "readers" => lang.pick("カードリーダー", "readers"),
        "card" => lang.pick("カード", "card"),
        "jpki_application" => lang.pick("公的個人認証AP", "JPKI application"),
        _ => lang.pick("カードの種類", "card kind"),
    }
}

/// A reader plugged in that PC/SC does not list, and what is known of it.
pub fn known_reader_caveat(known: &KnownReader, lang: Lang) -> String {
    let plugged = lang.pick(
        "が接続されていますが、PC/SC のリーダーとして一覧に出ていません。",
        " is plugged in, but PC/SC does not list it as a reader. ",
    );
    let close = lang.pick("。", ".");
    let reported = lang.pick("報告", "reported at");
    format!(
        "{}{plugged}{}{close} → {}{close} ({reported}: {})",
        known.model,
        known.symptom(lang),
        known.fix(lang),
        known.sources.join(", ")
    )
}

/// Another program holds the card for itself.
pub fn close_the_other_program(lang: Lang) -> &'static str {
    lang.pick(
        "カードを使っている別のプログラムを終了してから、もう一度実行してください (--wait=秒数 で空くまで待てます)",
        "close the other program using the card and run jpki doctor again (--wait=SECONDS waits for the card to be free)",
    )
}

/// The service check of a replay or the virtual card, which need none.
pub fn service_not_checked(lang: Lang) -> &'static str {
    lang.pick(
        "(リプレイまたは仮想カードのため確認なし)",
        "(replay or virtual card: not checked)",
    )
}

/// The PC/SC service answered.
pub fn service_reachable(lang: Lang) -> &'static str {
    lang.pick("PC/SC サービスに接続できます", "PC/SC service reachable")
}

/// The service lists no reader.
pub fn no_readers(lang: Lang) -> &'static str {
    lang.pick("カードリーダーがありません", "no readers")
}

/// The fix when no reader is listed.
pub fn connect_a_reader(lang: Lang) -> &'static str {
    lang.pick(
        "カードリーダーを接続してください (Linux ではドライバー libccid も必要です)",
        "connect a card reader (on Linux, its driver, usually libccid, too)",
    )
}

/// The fix when no reader holds a card.
pub fn put_the_card_on(lang: Lang) -> &'static str {
    lang.pick(
        "カードをリーダーに置いてください (非接触リーダーでは動かさずに置いたままにします)",
        "put the card on the reader (and keep it still on a contactless one)",
    )
}

/// The fix when the reader to use is not clear.
pub fn pick_a_reader(lang: Lang) -> &'static str {
    lang.pick(
        "`jpki readers` の一覧から --reader で選んでください",
        "pick a reader from `jpki readers` with --reader",
    )
}

/// The JPKI application answered its SELECT.
pub fn application_answers(lang: Lang) -> &'static str {
    lang.pick(
        "公的個人認証APが応答しました",
        "the JPKI application answers SELECT",
    )
}

/// The fix when the card is not a My Number card.
pub fn not_a_my_number_card(lang: Lang) -> &'static str {
    lang.pick(
        "マイナンバーカードか確認してください",
        "check that this is a My Number card",
    )
}

/// The fix when the card does not look like a My Number card to the probe.
pub fn does_not_look_like_one(lang: Lang) -> &'static str {
    lang.pick(
        "リーダーにあるのはマイナンバーカードではないようです",
        "the card does not look like a My Number card",
    )
}

/// The fix when the probe failed for another reason.
pub fn put_the_card_back(lang: Lang) -> &'static str {
    lang.pick(
        "カードを置き直して、もう一度実行してください",
        "put the card back on the reader and run it again",
    )
}

/// `--record` with no exchange to record.
pub fn no_trace_written(lang: Lang) -> &'static str {
    lang.pick(
        "カードには何も送っていないため、トレースは書いていません:",
        "nothing was sent to a card, so no trace was written:",
    )
}
