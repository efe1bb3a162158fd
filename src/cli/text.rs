//! Every human word jpki prints, in Japanese and English, in one place.

use jpki::card::{Outcome, PinFormat, PinKind, PinState, PinStatus, Weakness};

/// A language of human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 日本語
    Ja,
    /// English
    En,
}

impl Lang {
    /// The locale's language: the first of LC_ALL, LC_MESSAGES, LANG that is set and not empty.
    pub fn from_locale(env: &impl Fn(&str) -> Option<String>) -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| env(name))
            .find(|value| !value.is_empty())
            .unwrap_or_default();
        if locale.starts_with("ja") {
            Lang::Ja
        } else {
            Lang::En
        }
    }

    /// Pick the text for this language.
    pub fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

/// The PIN's name as the holder knows it.
pub fn pin_name(kind: PinKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => kind.official_name(),
        Lang::En => match kind {
            PinKind::Sign => "Signature password",
            PinKind::Auth => "User authentication PIN",
            PinKind::Juki => "Resident registry PIN",
            PinKind::Kenhojo => "Card info input support PIN",
        },
    }
}

/// The state word of the status table.
pub fn state_word(state: PinState, lang: Lang) -> &'static str {
    match (state, lang) {
        (PinState::Ok, Lang::Ja) => "正常",
        (PinState::Ok, Lang::En) => "ok",
        (PinState::LastTry, Lang::Ja) => "残り1回",
        (PinState::LastTry, Lang::En) => "LAST TRY",
        (PinState::Locked, Lang::Ja) => "ロック中",
        (PinState::Locked, Lang::En) => "LOCKED",
        (PinState::NotIssued, Lang::Ja) => "未発行",
        (PinState::NotIssued, Lang::En) => "not issued",
        (PinState::Error, Lang::Ja) => "読み取りエラー",
        (PinState::Error, Lang::En) => "unreadable",
    }
}

/// What a PIN must look like, as the prompt says it.
pub fn format_hint(format: PinFormat, lang: Lang) -> &'static str {
    match format {
        PinFormat::FourDigits => lang.pick("数字4桁", "4 digits"),
        PinFormat::Password => lang.pick(
            "英大文字と数字を両方含む6〜16文字",
            "6-16 of A-Z and 0-9, with a letter and a digit",
        ),
    }
}

/// The names of the PINs one prompt is for, joined.
pub fn pin_names(kinds: &[PinKind], lang: Lang) -> String {
    let names: Vec<&str> = kinds.iter().map(|k| pin_name(*k, lang)).collect();
    names.join(lang.pick("・", " / "))
}

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
    let name = match lang {
        Lang::Ja => pin_name(status.kind, lang).to_string(),
        Lang::En => format!("{} ({})", pin_name(status.kind, lang), status.kind.id()),
    };
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
    format!("{name}: {state}")
}
