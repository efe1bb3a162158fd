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

    /// The language the system asks for: the locale variables when one of LC_ALL, LC_MESSAGES
    /// and LANG is set ([`Lang::from_locale`], Unix's way, and that of a shell on Windows or
    /// macOS that sets them); else, on Windows and macOS, the language the user chose in the
    /// system's settings (sys-locale, a BCP 47 tag such as `ja-JP`); else English.
    pub fn from_system(env: &impl Fn(&str) -> Option<String>) -> Lang {
        let set = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .any(|name| env(name).is_some_and(|value| !value.is_empty()));
        if set {
            return Lang::from_locale(env);
        }
        #[cfg(any(windows, target_os = "macos"))]
        if let Some(tag) = sys_locale::get_locale() {
            return Lang::from_tag(&tag);
        }
        Lang::En
    }

    /// The language of a BCP 47 tag (`ja`, `ja-JP`, `ja-Jpan-JP`), as the system settings of
    /// Windows and macOS name it.
    #[cfg_attr(not(any(windows, target_os = "macos", test)), allow(dead_code))]
    fn from_tag(tag: &str) -> Lang {
        let language = tag.split(['-', '_']).next().unwrap_or_default();
        if language.eq_ignore_ascii_case("ja") {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_system_tag_is_japanese_by_its_language_subtag() {
        for ja in ["ja", "ja-JP", "ja-Jpan-JP", "JA-jp", "ja_JP"] {
            assert_eq!(Lang::from_tag(ja), Lang::Ja, "{ja}");
        }
        for other in ["jam", "en-JP", "en-US", "", "zh-Hant"] {
            assert_eq!(Lang::from_tag(other), Lang::En, "{other}");
        }
    }

    #[test]
    fn the_locale_variables_come_first() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            Lang::from_system(&env(&[("LANG", "ja_JP.UTF-8")])),
            Lang::Ja
        );
        assert_eq!(Lang::from_system(&env(&[("LC_ALL", "C")])), Lang::En);
    }
}
