//! Every human word jpki prints, in Japanese and English, in one place.

use jpki::card::{PinKind, PinState};

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
