//! The plain config the rest of the program takes; logic never reaches back into clap.

use super::args::{Args, CommandArg, LangArg};
use super::text::Lang;
use clap::Parser;
use std::path::PathBuf;

/// Where the card is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardSource {
    /// A PC/SC reader, chosen by `--reader` or automatically.
    Reader(Option<String>),
    /// A trace replayed by the mock reader.
    Replay(PathBuf),
    /// A virtual card whose state lives in this file.
    Virtual(PathBuf),
}

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `jpki readers`
    Readers,
    /// `jpki status`
    Status {
        /// Only the 11-APDU counter exchange.
        pins_only: bool,
    },
}

/// Everything a run needs to know, decided once from the flags and the environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the card is.
    pub source: CardSource,
    /// Write a trace here.
    pub record: Option<PathBuf>,
    /// Human output language.
    pub lang: Lang,
    /// JSON instead of human text.
    pub json: bool,
    /// The command.
    pub action: Action,
}

impl Config {
    /// Parse the process's arguments; clap exits with code 2 on bad usage.
    pub fn from_env_args() -> Config {
        Config::from_args(Args::parse(), |name| std::env::var(name).ok())
    }

    fn from_args(args: Args, env: impl Fn(&str) -> Option<String>) -> Config {
        let lang = match args.lang {
            Some(LangArg::Ja) => Lang::Ja,
            Some(LangArg::En) => Lang::En,
            None => Lang::from_locale(&env),
        };
        let source = match (args.replay, args.virtual_card) {
            (Some(path), _) => CardSource::Replay(path),
            (None, Some(path)) => CardSource::Virtual(path),
            (None, None) => CardSource::Reader(args.reader),
        };
        let action = match args.command {
            CommandArg::Readers => Action::Readers,
            CommandArg::Status { pins_only } => Action::Status { pins_only },
        };
        Config {
            source,
            record: args.record,
            lang,
            json: args.json,
            action,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(argv: &[&str], env: &[(&str, &str)]) -> Config {
        let args = Args::try_parse_from(argv).unwrap();
        Config::from_args(args, |k| {
            env.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn language_comes_from_the_flag_then_the_locale() {
        assert_eq!(
            config(&["jpki", "status"], &[("LANG", "ja_JP.UTF-8")]).lang,
            Lang::Ja
        );
        assert_eq!(
            config(&["jpki", "status"], &[("LANG", "C.UTF-8")]).lang,
            Lang::En
        );
        assert_eq!(
            config(
                &["jpki", "status"],
                &[("LC_ALL", "en_US.UTF-8"), ("LANG", "ja_JP.UTF-8")]
            )
            .lang,
            Lang::En
        );
        assert_eq!(
            config(
                &["jpki", "--lang", "en", "status"],
                &[("LANG", "ja_JP.UTF-8")]
            )
            .lang,
            Lang::En
        );
    }

    #[test]
    fn replay_replaces_the_reader() {
        let c = config(
            &["jpki", "status", "--replay", "x.trace", "--pins-only"],
            &[],
        );
        assert_eq!(c.source, CardSource::Replay("x.trace".into()));
        assert_eq!(c.action, Action::Status { pins_only: true });
    }

    #[test]
    fn a_virtual_card_replaces_the_reader_and_excludes_replay() {
        let c = config(&["jpki", "--virtual-card", "card.state", "status"], &[]);
        assert_eq!(c.source, CardSource::Virtual("card.state".into()));
        assert!(
            Args::try_parse_from(["jpki", "--virtual-card", "a", "--replay", "b", "status"])
                .is_err()
        );
    }
}
