//! The command lines of a plain `jpki status`, read without clap: building clap's whole command
//! (every subcommand, every flag and its help) costs a status more than its 14 APDUs do.
//!
//! Only the simplest lines are read here: `status`, `--pins-only` after it, and anywhere
//! `--json`, `--reader NAME` (or `=NAME`) and `--lang ja|en` (or `=`), each at most once. Anything
//! else, JPKI_READER set, or a value clap might read otherwise (empty, or starting with `-`), is
//! left to clap, so every line means here exactly what it means there (the tests compare them).

use super::args::{Args, ColorArg, CommandArg, LangArg};
use std::ffi::OsString;

/// The flags of `argv` (the program's name first) when it is a plain status line, else `None`.
pub fn parse(argv: &[OsString], env: impl Fn(&str) -> Option<OsString>) -> Option<Args> {
    if env("JPKI_READER").is_some() {
        return None;
    }
    let mut words = argv.get(1..)?.iter().map(|word| word.to_str());
    let (mut status, mut pins_only, mut json) = (false, false, false);
    let (mut reader, mut lang) = (None, None);
    while let Some(word) = words.next() {
        let word = word?;
        let (flag, inline) = match word.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
            _ => (word, None),
        };
        let mut value = || match inline {
            Some(value) => Some(value),
            None => words.next()?,
        };
        match flag {
            "status" if !status && inline.is_none() => status = true,
            "--pins-only" if status && !pins_only && inline.is_none() => pins_only = true,
            "--json" if !json && inline.is_none() => json = true,
            "--reader" if reader.is_none() => {
                let name = value().filter(|v| !v.is_empty() && !v.starts_with('-'))?;
                reader = Some(name.to_string());
            }
            "--lang" if lang.is_none() => {
                lang = Some(match value()? {
                    "ja" => LangArg::Ja,
                    "en" => LangArg::En,
                    _ => return None,
                });
            }
            _ => return None,
        }
    }
    status.then_some(Args {
        reader: reader.map(OsString::from),
        replay: None,
        virtual_card: None,
        record: None,
        lang,
        json,
        color: ColorArg::Auto,
        wait: None,
        today: None,
        command: CommandArg::Status { pins_only },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn argv(words: &[&str]) -> Vec<OsString> {
        std::iter::once("jpki")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect()
    }

    fn no_env(_: &str) -> Option<OsString> {
        None
    }

    /// What clap makes of the line, in the same form (Args has no PartialEq).
    fn by_clap(words: &[&str]) -> Option<String> {
        Args::try_parse_from(argv(words))
            .ok()
            .map(|args| format!("{args:?}"))
    }

    /// Every line of up to four words from these: whatever is read here, clap reads the same.
    #[test]
    fn a_line_read_here_means_what_it_means_to_clap() {
        let vocabulary = [
            "status",
            "--pins-only",
            "--json",
            "--reader",
            "--reader=Virtual PCD 00 00",
            "--reader=",
            "SCR 3310",
            "-x",
            "--lang",
            "--lang=ja",
            "en",
            "JA",
            "readers",
            "--wait",
            "--",
            "--help",
            "--version",
            "=",
        ];
        let mut lines: Vec<Vec<&str>> = vec![Vec::new()];
        let mut read_here = 0;
        for _ in 0..4 {
            let longer: Vec<Vec<&str>> = lines
                .iter()
                .flat_map(|line| {
                    vocabulary.iter().map(move |word| {
                        let mut line = line.clone();
                        line.push(*word);
                        line
                    })
                })
                .collect();
            for line in &longer {
                if let Some(args) = parse(&argv(line), no_env) {
                    read_here += 1;
                    assert_eq!(Some(format!("{args:?}")), by_clap(line), "{line:?}");
                }
            }
            lines = longer;
        }
        assert!(read_here >= 200, "only {read_here} lines were read here");
    }

    #[test]
    fn the_common_status_lines_are_read_here() {
        for line in [
            &["status"][..],
            &["status", "--pins-only"],
            &["--json", "status", "--pins-only"],
            &["status", "--reader", "SCR 3310", "--lang=ja", "--json"],
            &["--reader=1", "--lang", "en", "status"],
        ] {
            let args = parse(&argv(line), no_env).unwrap_or_else(|| panic!("{line:?}"));
            assert_eq!(Some(format!("{args:?}")), by_clap(line), "{line:?}");
        }
    }

    #[test]
    fn other_lines_and_jpki_reader_are_left_to_clap() {
        for line in [
            &[][..],
            &["readers"],
            &["status", "--pins-only", "--pins-only"],
            &["--pins-only", "status"],
            &["status", "--reader"],
            &["status", "--reader="],
            &["status", "--reader", "-1"],
            &["status", "--wait"],
            &["status", "--lang=JA"],
            &["status", "--json=true"],
            &["--version"],
            &["status", "--help"],
        ] {
            assert!(parse(&argv(line), no_env).is_none(), "{line:?}");
        }
        let set = |name: &str| (name == "JPKI_READER").then(OsString::new);
        assert!(parse(&argv(&["status"]), set).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_word_that_is_not_utf8_is_left_to_clap() {
        use std::os::unix::ffi::OsStringExt;
        let mut line = argv(&["status", "--reader"]);
        line.push(OsString::from_vec(vec![0x83, 0x8A]));
        assert!(parse(&line, no_env).is_none());
    }
}
