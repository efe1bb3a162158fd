//! Usage errors (bad flags or arguments, exit 2) in jpki's own words: the `jpki: error:` prefix,
//! Japanese under `--lang ja` or a Japanese locale, anything the user typed shown escaped, and
//! never an argument that looks like a PIN (`jpki change-pin auth 1234` must not print 1234
//! back: it may be a real PIN, now in the shell's history and on the screen once more).

use crate::cli::exit::Exit;
use crate::cli::io::output;
use crate::cli::io::render::printable;
use crate::cli::lang::Lang;
use clap::error::{ContextKind, ContextValue, ErrorKind};

/// What is shown in place of an argument that looks like a PIN.
fn hidden(lang: Lang) -> &'static str {
    lang.pick(
        "(暗証番号のように見えるため表示しません)",
        "(not shown: it looks like a PIN)",
    )
}

/// Whether `text` (an argument as typed) could be a PIN: four or more digits in a row, or,
/// after any `--flag=`, 6 to 16 letters and digits with at least one of each (the sign
/// password's form, whatever the case).
pub fn looks_like_pin(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 4 {
            return true;
        }
    }
    let value = text.rsplit('=').next().unwrap_or(text);
    (6..=16).contains(&value.len())
        && value.chars().all(|c| c.is_ascii_alphanumeric())
        && value.chars().any(|c| c.is_ascii_digit())
        && value.chars().any(|c| c.is_ascii_alphabetic())
}

/// An argument the user typed, as a message may show it: escaped, or hidden when it looks like
/// a PIN, quoted.
fn shown(text: &str, lang: Lang) -> String {
    if looks_like_pin(text) {
        hidden(lang).to_string()
    } else {
        format!("'{}'", printable(text))
    }
}

/// A context value of clap's as plain strings.
fn strings(value: Option<&ContextValue>) -> Vec<String> {
    match value {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(list)) => list.clone(),
        Some(ContextValue::StyledStr(s)) => vec![s.to_string()],
        Some(ContextValue::StyledStrs(list)) => list.iter().map(|s| s.to_string()).collect(),
        Some(ContextValue::Number(n)) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

/// The first string of a context value.
fn first(error: &clap::Error, kind: ContextKind) -> Option<String> {
    strings(error.get(kind)).into_iter().next()
}

/// The argument names clap gives (`--wait[=<SECONDS>]`, `<PIN>...`): jpki's own, shown as is.
fn names(error: &clap::Error, kind: ContextKind) -> String {
    strings(error.get(kind)).join(", ")
}

/// What went wrong, in `lang`, with every typed value escaped or hidden.
fn detail(error: &clap::Error, lang: Lang) -> String {
    let arg = names(error, ContextKind::InvalidArg);
    let value = first(error, ContextKind::InvalidValue).map(|v| shown(&v, lang));
    let valid = strings(error.get(ContextKind::ValidValue)).join(", ");
    match (error.kind(), lang) {
        (ErrorKind::InvalidValue, Lang::En) => {
            let mut text = format!(
                "invalid value {} for {arg}",
                value.unwrap_or_else(|| "''".into())
            );
            if !valid.is_empty() {
                text.push_str(&format!(" (possible values: {valid})"));
            }
            text
        }
        (ErrorKind::InvalidValue, Lang::Ja) => {
            let mut text = format!(
                "{arg} に {} は指定できません",
                value.unwrap_or_else(|| "''".into())
            );
            if !valid.is_empty() {
                text.push_str(&format!("。指定できる値: {valid}"));
            }
            text
        }
        (ErrorKind::ValueValidation, _) => {
            // Why, in jpki's or Rust's words: never the value itself.
            let why = std::error::Error::source(error)
                .map(|e| format!(" ({})", printable(&e.to_string())))
                .unwrap_or_default();
            let value = value.unwrap_or_else(|| "''".into());
            match lang {
                Lang::En => format!("invalid value {value} for {arg}{why}"),
                Lang::Ja => format!("{arg} の値 {value} が正しくありません{why}"),
            }
        }
        (ErrorKind::UnknownArgument, _) => {
            let typed = first(error, ContextKind::InvalidArg).unwrap_or_default();
            match lang {
                Lang::En => format!("unexpected argument {}", shown(&typed, lang)),
                Lang::Ja => format!("{} という引数は使えません", shown(&typed, lang)),
            }
        }
        (ErrorKind::InvalidSubcommand, _) => {
            let typed = first(error, ContextKind::InvalidSubcommand).unwrap_or_default();
            match lang {
                Lang::En => format!(
                    "unrecognized command {} (the commands: readers, status, pins, change-pin, verify-pin, certificate, doctor, completions)",
                    shown(&typed, lang)
                ),
                Lang::Ja => format!(
                    "{} というコマンドはありません (コマンド: readers、status、pins、change-pin、verify-pin、certificate、doctor、completions)",
                    shown(&typed, lang)
                ),
            }
        }
        (ErrorKind::MissingRequiredArgument, Lang::En) => {
            format!("the following required arguments were not provided: {arg}")
        }
        (ErrorKind::MissingRequiredArgument, Lang::Ja) => {
            format!("必要な引数が指定されていません: {arg}")
        }
        (ErrorKind::MissingSubcommand, Lang::En) => "a command is required".to_string(),
        (ErrorKind::MissingSubcommand, Lang::Ja) => "コマンドを指定してください".to_string(),
        (ErrorKind::ArgumentConflict, _) => {
            let prior = names(error, ContextKind::PriorArg);
            match lang {
                Lang::En => format!("{arg} cannot be used with {prior}"),
                Lang::Ja => format!("{arg} と {prior} は一緒に指定できません"),
            }
        }
        (ErrorKind::NoEquals, Lang::En) => {
            format!("{arg} takes its value after '=' (for example --wait=30)")
        }
        (ErrorKind::NoEquals, Lang::Ja) => {
            format!("{arg} の値は '=' の後に書きます (例: --wait=30)")
        }
        (ErrorKind::TooManyValues, _) => {
            let typed = first(error, ContextKind::InvalidValue).unwrap_or_default();
            match lang {
                Lang::En => format!("unexpected value {}", shown(&typed, lang)),
                Lang::Ja => format!("{} という値は使えません", shown(&typed, lang)),
            }
        }
        (_, Lang::En) => format!("the command line is not valid ({:?})", error.kind()),
        (_, Lang::Ja) => format!(
            "コマンドラインの指定が正しくありません ({:?})",
            error.kind()
        ),
    }
}

/// The whole message: `jpki: error:` and what went wrong, the usage line, where to read more.
pub fn message(error: &clap::Error, lang: Lang) -> String {
    let mut text = format!(
        "{}: {}\n",
        lang.pick("jpki: エラー", "jpki: error"),
        detail(error, lang)
    );
    if let Some(usage) = first(error, ContextKind::Usage) {
        let usage = usage.trim();
        let usage = usage.strip_prefix("Usage: ").unwrap_or(usage);
        text.push_str(&format!("{}: {usage}\n", lang.pick("使い方", "Usage")));
    }
    text.push_str(lang.pick(
        "詳しくは `jpki --help` を見てください。\n",
        "For more information, try `jpki --help`.\n",
    ));
    text
}

/// The language the command line asks for, read without clap (before it parses, for the
/// help's language, or when its parse failed): `--lang ja`/`--lang=ja`, else the locale.
pub fn language(argv: &[String], locale: Lang) -> Lang {
    let mut words = argv.iter().take_while(|a| *a != "--");
    while let Some(word) = words.next() {
        let value = match word.strip_prefix("--lang") {
            Some("") => words.next().map(String::as_str),
            Some(rest) => rest.strip_prefix('='),
            None => None,
        };
        match value {
            Some("ja") => return Lang::Ja,
            Some("en") => return Lang::En,
            _ => {}
        }
    }
    locale
}

/// jpki's commands as typed: what a usage error's JSON names as `command`.
pub(crate) const COMMANDS: [&str; 9] = [
    "readers",
    "status",
    "pins",
    "change-pin",
    "verify-pin",
    "certificate",
    "doctor",
    "completions",
    "manpage",
];

/// The command named on the command line, when one of jpki's is.
fn command(argv: &[String]) -> Option<&'static str> {
    argv.iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .find_map(|a| COMMANDS.iter().find(|c| **c == a.as_str()).copied())
}

/// Report a usage error and end with its exit code. Help and version go through clap as usual.
pub fn exit(error: clap::Error, argv: &[String], locale: Lang) -> ! {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        error.exit();
    }
    let lang = language(argv, locale);
    let text = message(&error, lang);
    if argv
        .iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "--json")
    {
        let mut object = output::json_object(command(argv));
        object["error"] = output::ErrorObject {
            code: Exit::Usage.id(),
            exit: Exit::Usage as u8,
            message: detail(&error, lang),
            hint: None,
            card_kind: None,
            reason: None,
        }
        .to_json();
        let _ = output::print(output::report_line(&object));
    }
    output::note(&text);
    std::process::exit(Exit::Usage as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_and_passwords_are_recognised() {
        for pin in [
            "1234",
            "0000",
            "--code=4827",
            "x12345",
            "ABC123",
            "abc123",
            "--pw=ABCD12",
        ] {
            assert!(looks_like_pin(pin), "{pin}");
        }
        for word in [
            "auth", "kenhojo", "tcsh", "frob", "--bogus", "123", "ABCDEF", "A1", "ja",
        ] {
            assert!(!looks_like_pin(word), "{word}");
        }
    }

    #[test]
    fn the_language_comes_from_the_flag_then_the_locale() {
        let argv = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert_eq!(
            language(&argv(&["jpki", "--lang", "ja", "x"]), Lang::En),
            Lang::Ja
        );
        assert_eq!(
            language(&argv(&["jpki", "--lang=ja", "x"]), Lang::En),
            Lang::Ja
        );
        assert_eq!(
            language(&argv(&["jpki", "--lang=en", "x"]), Lang::Ja),
            Lang::En
        );
        assert_eq!(language(&argv(&["jpki", "x"]), Lang::Ja), Lang::Ja);
        assert_eq!(
            language(&argv(&["jpki", "--", "--lang=ja"]), Lang::En),
            Lang::En
        );
    }
}
