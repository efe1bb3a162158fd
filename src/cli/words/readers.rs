//! The words of `jpki readers`, and of waiting for a card (`--wait`).

use crate::cli::lang::Lang;

/// No reader is connected.
pub fn no_readers_found(lang: Lang) -> &'static str {
    lang.pick("カードリーダーが見つかりません。", "No readers found.")
}

/// A reader holds a card.
pub fn card_present(lang: Lang) -> &'static str {
    lang.pick("カードあり", "card present")
}

/// A reader holds no card.
pub fn no_card(lang: Lang) -> &'static str {
    lang.pick("カードなし", "no card")
}

/// The card did not answer the JPKI application's SELECT.
pub fn unknown_kind(lang: Lang) -> &'static str {
    lang.pick(
        "種類不明 (公的個人認証APを選択できません)",
        "unknown kind (no JPKI application answered)",
    )
}

/// The probe failed for another reason; the reason follows.
pub fn not_read(lang: Lang) -> &'static str {
    lang.pick("読み取れません", "not read")
}

/// `--record` with a card that went away before the probe reached it.
pub fn no_trace_written(lang: Lang) -> &'static str {
    lang.pick(
        "カードに接続できなかったため、トレースは書いていません:",
        "the card could not be reached, so no trace was written:",
    )
}

/// `--wait`: asking for the card, with the limit in seconds when there is one.
pub fn waiting_for_a_card(limit_seconds: Option<u64>, lang: Lang) -> String {
    let line = lang.pick(
        "カードをリーダーに置いてください…",
        "Waiting for a card on the reader…",
    );
    match limit_seconds {
        Some(seconds) => format!("{line} ({seconds}s)"),
        None => line.to_string(),
    }
}

/// `--wait`: the card is there, but another program holds it for itself.
pub fn waiting_for_the_card_to_be_free(lang: Lang) -> &'static str {
    lang.pick(
        "別のプログラムがカードを使用中です。カードが空くのを待っています…",
        "Another program is using the card; waiting for it to be free…",
    )
}

/// A transaction that has not begun after a second: another program's keeps the card.
pub fn waiting_for_another_program(lang: Lang) -> &'static str {
    lang.pick(
        "別のプログラムがカードを使い終わるのを待っています…",
        "Waiting for another program to release the card…",
    )
}
