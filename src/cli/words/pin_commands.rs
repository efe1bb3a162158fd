//! The words of `change-pin` and `verify-pin`: the prompts, the counters shown above them, the
//! warning about a guessable new PIN, and each report's lines.

use crate::cli::lang::Lang;
use crate::cli::words::status::{key_counters_text, state_word};
use crate::cli::words::{format_hint, pin_label, pin_name, pin_names};
use jpki_card::card::{KeyResult, Outcome, PinFormat, PinKind, PinState, PinStatus, Weakness};

/// The three hidden prompts of `change-pin`: current, new, new again.
pub fn change_prompts(kinds: &[PinKind], format: PinFormat, lang: Lang) -> [String; 3] {
    let names = pin_names(kinds, lang);
    let hint = format_hint(format, lang);
    match lang {
        Lang::Ja => [
            format!("現在の{names}（{hint}）: "),
            format!("新しい{names}（{hint}）: "),
            format!("新しい{names}（確認のためもう一度）: "),
        ],
        Lang::En => [
            format!("Current {names} ({hint}): "),
            format!("New {names} ({hint}): "),
            format!("New {names} again, to confirm: "),
        ],
    }
}

/// What happened to one PIN, as the change report says it.
pub fn outcome_word(outcome: Outcome, lang: Lang) -> &'static str {
    match outcome {
        Outcome::Changed => lang.pick("変更しました", "changed"),
        Outcome::NotChanged => lang.pick("変更していません", "not changed"),
        Outcome::Unknown => lang.pick(
            "不明（変更されたかどうか分かりません）",
            "unknown: it may or may not have changed",
        ),
        Outcome::NotAttempted => lang.pick("変更していません（未実施）", "not changed (not tried)"),
        Outcome::PartlyChanged => lang.pick(
            "一部だけ変更されました（下記のとおり、場所によって暗証番号が異なります）",
            "PARTLY CHANGED: its key references now hold different PINs (below)",
        ),
    }
}

/// What one key reference holds after a change, as the report's indented line says it.
pub fn key_result_text(result: KeyResult, lang: Lang) -> &'static str {
    match result {
        KeyResult::Done => lang.pick("新しい暗証番号に変わりました", "now holds the new PIN"),
        KeyResult::NotDone | KeyResult::NotAttempted => lang.pick(
            "変わっていません（現在の暗証番号のままです）",
            "still holds the current PIN",
        ),
        KeyResult::Unknown => lang.pick(
            "変わったかどうか分かりません（現在と新しいどちらの暗証番号か不明）",
            "unknown: it may hold either the current or the new PIN",
        ),
        KeyResult::NotOnCard => lang.pick("このカードにはありません", "not on this card"),
    }
}

/// The warning for a guessable new PIN; it never repeats the PIN.
pub fn weakness_warning(weakness: Weakness, lang: Lang) -> &'static str {
    match weakness {
        Weakness::Repeated => lang.pick(
            "jpki: 注意: 新しい暗証番号は同じ数字の繰り返しで、推測されやすいものです（このまま設定します）。",
            "jpki: warning: the new PIN repeats one digit and is easy to guess (setting it anyway).",
        ),
        Weakness::Sequential => lang.pick(
            "jpki: 注意: 新しい暗証番号は連続した数字で、推測されやすいものです（このまま設定します）。",
            "jpki: warning: the new PIN is a run of consecutive digits and is easy to guess (setting it anyway).",
        ),
        Weakness::YearLike => lang.pick(
            "jpki: 注意: 新しい暗証番号は西暦の年のようで、生年などから推測されやすいものです（このまま設定します）。",
            "jpki: warning: the new PIN looks like a year, such as a birth year, and is easy to guess (setting it anyway).",
        ),
    }
}

/// One PIN's counter, as shown above the change prompt.
pub fn counter_line(status: &PinStatus, lang: Lang) -> String {
    let name = pin_label(status.kind, lang);
    let max = status.kind.max_tries();
    let state = match (status.counter.state(), status.counter.tries_left(), lang) {
        (PinState::Ok, Some(n), Lang::Ja) => format!("残り{n}回（{max}回中）"),
        (PinState::Ok, Some(n), Lang::En) => format!("{n} of {max} tries left"),
        (PinState::LastTry, _, Lang::Ja) => {
            format!("残り1回（{max}回中）。間違えるとロックされます")
        }
        (PinState::LastTry, _, Lang::En) => {
            format!("1 of {max} tries left: a wrong entry locks it")
        }
        (state, _, _) => state_word(state, lang).to_string(),
    };
    match key_counters_text(status, lang) {
        Some(keys) => format!("{name}: {state} ({keys})"),
        None => format!("{name}: {state}"),
    }
}

/// The hidden prompt of `verify-pin`.
pub fn verify_prompt(kind: PinKind, lang: Lang) -> String {
    let name = pin_name(kind, lang);
    let hint = format_hint(kind.format(), lang);
    match lang {
        Lang::Ja => format!("確認する{name}（{hint}）: "),
        Lang::En => format!("{name} to check ({hint}): "),
    }
}

/// The report of a right PIN: it is right, and its counter is back at its maximum.
pub fn verified_text(kind: PinKind, lang: Lang) -> String {
    let max = kind.max_tries();
    match lang {
        Lang::Ja => format!("正しい暗証番号です。残り回数は最大の{max}回に戻りました。"),
        Lang::En => format!("right. The counter is back at its maximum: {max} of {max} tries."),
    }
}

/// The report of a PIN the card did not take, with the tries left when known.
pub fn not_verified_text(wrong: bool, tries_left: Option<u8>, max: u8, lang: Lang) -> String {
    let what = match (wrong, lang) {
        (true, Lang::Ja) => "暗証番号が違います。",
        (true, Lang::En) => "WRONG.",
        (false, Lang::Ja) => "確認できませんでした。",
        (false, Lang::En) => "not checked.",
    };
    match (tries_left, lang) {
        (Some(0), Lang::Ja) => format!("{what}残り回数がなく、ロックされています。"),
        (Some(0), Lang::En) => format!("{what} No try is left: it is locked."),
        (Some(n), Lang::Ja) => format!("{what}残り{n}回（{max}回中）です。"),
        (Some(n), Lang::En) => format!("{what} {n} of {max} tries left."),
        (None, Lang::Ja) => format!("{what}残り回数は分かりません。`jpki status` で確認できます。"),
        (None, Lang::En) => format!("{what} The tries left are unknown; `jpki status` shows them."),
    }
}

/// What one key reference said to `verify-pin`, as the report's indented line says it.
pub fn key_verified_text(result: KeyResult, wrong_here: bool, lang: Lang) -> &'static str {
    match (result, wrong_here) {
        (KeyResult::Done, _) => lang.pick(
            "正しい（残り回数は最大に戻りました）",
            "right (its counter is back at its maximum)",
        ),
        (KeyResult::NotDone, true) => lang.pick("違います", "wrong"),
        (KeyResult::NotDone, false) => lang.pick("確認していません", "not checked"),
        (KeyResult::NotAttempted, _) => {
            lang.pick("確認していません（未実施）", "not checked (not tried)")
        }
        (KeyResult::Unknown, _) => lang.pick(
            "不明（試行回数が数えられたかもしれません）",
            "unknown: the try may have been counted",
        ),
        (KeyResult::NotOnCard, _) => lang.pick("このカードにはありません", "not on this card"),
    }
}
