//! The language of human output, and which one the locale asks for.

/// A language of human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 日本語
    Ja,
    /// English
    En,
}

impl Lang {
    /// The locale's language: Japanese when the messages locale (the first of LC_ALL,
    /// LC_MESSAGES, LANG that is set and not empty) is Japanese (`ja`, `ja_JP`, `ja.…`, `ja@…`;
    /// `jam_JM` is Jamaican) and the character set (the first of LC_ALL, LC_CTYPE, LANG) is
    /// UTF-8 or not named. Under a locale that names another character set (`ja_JP.eucJP`,
    /// `ja_JP.SJIS`) the terminal cannot show jpki's UTF-8 Japanese, so the output is English.
    pub fn from_locale(env: &impl Fn(&str) -> Option<String>) -> Lang {
        let first_of = |names: &[&str]| {
            names
                .iter()
                .filter_map(|name| env(name))
                .find(|value| !value.is_empty())
                .unwrap_or_default()
        };
        let messages = first_of(&["LC_ALL", "LC_MESSAGES", "LANG"]);
        let japanese = messages
            .strip_prefix("ja")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['_', '.', '@']));
        let charset = first_of(&["LC_ALL", "LC_CTYPE", "LANG"]);
        let codeset = charset
            .split_once('.')
            .map(|(_, rest)| rest.split('@').next().unwrap_or(rest).to_ascii_lowercase());
        let utf8 = codeset.is_none_or(|c| c == "utf-8" || c == "utf8");
        if japanese && utf8 {
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
