//! The plain config the rest of the program takes; logic never reaches back into clap.

use crate::cli::flags::args::{
    Args, CertificateArg, CertificateKindArg, ColorArg, CommandArg, LangArg, PinArg,
};
use crate::cli::flags::{help, usage};
use crate::cli::io::colour::{self, ColourChoice};
use crate::cli::lang::Lang;
use clap::FromArgMatches;
use jpki_card::card::certificate::{today_in_japan, CertificateKind};
use jpki_card::card::{Experiment, LastTry, PinKind};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;
use time::Date;

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
        /// Only the 14-APDU counter exchange.
        pins_only: bool,
    },
    /// `jpki completions SHELL`
    Completions {
        /// The shell (clap_complete's own plain enum, the generator's input).
        shell: clap_complete::Shell,
    },
    /// `jpki manpage [--out-dir DIR]` (hidden)
    Manpage {
        /// Write every page here instead of printing jpki.1.
        out_dir: Option<PathBuf>,
    },
    /// `jpki change-pin`
    ChangePin {
        /// The PINs named, in order (checked later, before any card is touched).
        pins: Vec<PinKind>,
        /// Where the current and new PIN come from, and the guards.
        options: PinOptions,
    },
    /// `jpki verify-pin`
    VerifyPin {
        /// The PIN named.
        pin: PinKind,
        /// Where the PIN comes from, and the guards.
        options: PinOptions,
    },
    /// `jpki certificate show|export KIND`
    Certificate {
        /// Which certificate.
        kind: CertificateKind,
        /// Show it, or export it where.
        output: CertificateOutput,
        /// For the sign certificate: where the password comes from, and the guard.
        options: PinOptions,
    },
    /// `jpki doctor`
    Doctor,
    /// `jpki pins`: no card.
    Pins,
}

/// What `certificate` does with the certificate it read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateOutput {
    /// `show`: its fields, and whether its CA certificate signed it.
    Show,
    /// `export`: its bytes.
    Export(Export),
}

/// `certificate export`'s flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// DER instead of PEM.
    pub der: bool,
    /// Into this new file instead of stdout.
    pub out: Option<PathBuf>,
    /// Replace a regular file already at `out`.
    pub force: bool,
}

impl Action {
    /// The command as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Readers => "readers",
            Action::Status { .. } => "status",
            Action::Completions { .. } => "completions",
            Action::Manpage { .. } => "manpage",
            Action::ChangePin { .. } => "change-pin",
            Action::VerifyPin { .. } => "verify-pin",
            Action::Certificate { .. } => "certificate",
            Action::Doctor => "doctor",
            Action::Pins => "pins",
        }
    }
}

/// The flags a PIN command (`change-pin`, `verify-pin`) shares: `--stdin`, `--allow-last-try`,
/// `--experimental`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinOptions {
    /// Where typed PINs come from.
    pub input: PinInput,
    /// Whether a counter at 1 may be spent.
    pub last_try: LastTry,
    /// Whether experimental PINs (juki) may be sent.
    pub experimental: bool,
}

impl PinOptions {
    /// The options from the three flags as clap parsed them.
    fn from_flags(stdin: bool, allow_last_try: bool, experimental: bool) -> PinOptions {
        PinOptions {
            input: PinInput::from_flag(stdin),
            last_try: if allow_last_try {
                LastTry::Allow
            } else {
                LastTry::Refuse
            },
            experimental,
        }
    }

    /// The experiments the library may run: every one with `--experimental`, none without.
    pub fn experiments(self) -> &'static [Experiment] {
        experiments(self.experimental)
    }
}

/// What `--experimental` names to the library: every experiment (given), or none.
pub fn experiments(experimental: bool) -> &'static [Experiment] {
    if experimental {
        &[Experiment::JukiVerify, Experiment::JukiChangeKey]
    } else {
        &[]
    }
}

/// `--wait`: whether, and how long, to wait for a card before the command starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// No `--wait`: a reader without a card is an error at once.
    No,
    /// `--wait` without a limit.
    Forever,
    /// `--wait=SECONDS`; zero looks once.
    For(Duration),
}

/// `--reader` (or `JPKI_READER`) as the library matches it: empty is no choice, and bytes that
/// are not UTF-8 (a reader named in Shift-JIS, typed as it is) take the `\xNN` form the reader's
/// name is shown and matched in.
fn reader_choice(flag: Option<std::ffi::OsString>) -> Option<String> {
    let flag = flag.filter(|f| !f.is_empty())?;
    Some(jpki_card::text::bytes_as_text(flag.as_encoded_bytes()))
}

impl Wait {
    /// From `--wait`'s parsed value: absent, given without a value, or given seconds.
    fn from_flag(wait: Option<Option<u64>>) -> Wait {
        match wait {
            None => Wait::No,
            Some(None) => Wait::Forever,
            Some(Some(seconds)) => Wait::For(Duration::from_secs(seconds)),
        }
    }
}

/// Where typed PINs come from. Never argv, never the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinInput {
    /// Hidden prompts on the terminal.
    Prompt,
    /// Lines on stdin: the PIN (`verify-pin`), or the current PIN then the new PIN
    /// (`change-pin`).
    Stdin,
}

impl PinInput {
    /// stdin when `--stdin` was given, else the terminal.
    fn from_flag(stdin: bool) -> PinInput {
        if stdin {
            PinInput::Stdin
        } else {
            PinInput::Prompt
        }
    }
}

impl From<PinArg> for PinKind {
    fn from(arg: PinArg) -> PinKind {
        match arg {
            PinArg::Sign => PinKind::Sign,
            PinArg::Auth => PinKind::Auth,
            PinArg::Juki => PinKind::Juki,
            PinArg::Kenhojo => PinKind::Kenhojo,
        }
    }
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
    /// `--wait`: wait for a card first, or not.
    pub wait: Wait,
    /// Today's date in Japan: the clock's, or `--today` (for tests only).
    pub today: Date,
    /// Colour the state words: `--color`, NO_COLOR, CLICOLOR_FORCE, TERM and whether stdout is a
    /// terminal decide ([`colour::wanted`]); never with `--json`.
    pub colour: bool,
}

impl Config {
    /// Parse the process's arguments; bad usage ends the process with code 2 and jpki's own
    /// message (src/cli/usage.rs). `--version` also names the PC/SC library, which is only
    /// known at run time.
    pub fn from_env_args() -> Config {
        let argv_os: Vec<std::ffi::OsString> = std::env::args_os().collect();
        let args = super::status_args::parse(&argv_os, |name| std::env::var_os(name))
            .unwrap_or_else(|| Config::parse_with_clap(argv_os));
        Config::from_args(
            args,
            |name| std::env::var(name).ok(),
            std::io::stdout().is_terminal(),
        )
    }

    /// What clap makes of `argv`, with the help in the language asked for (read before clap
    /// parses); bad usage ends the process (see [`Config::from_env_args`]).
    fn parse_with_clap(argv_os: Vec<std::ffi::OsString>) -> Args {
        let argv: Vec<String> = argv_os
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let locale = Lang::from_system(&|name: &str| std::env::var(name).ok());
        let lang = usage::language(&argv, locale);
        let mut command = help::command(lang);
        // Only `--version` shows the PC/SC library, which takes reading /proc/self/maps to find.
        if argv_os.iter().skip(1).any(|a| a == "--version") {
            command = command.long_version(super::version::long_version());
        }
        command
            .try_get_matches_from(argv_os)
            .and_then(|matches| Args::from_arg_matches(&matches))
            .unwrap_or_else(|e| usage::exit(e, &argv, locale))
    }

    /// The config for these flags, this environment, and whether stdout is a terminal.
    fn from_args(
        args: Args,
        env: impl Fn(&str) -> Option<String>,
        stdout_is_terminal: bool,
    ) -> Config {
        let lang = match args.lang {
            Some(LangArg::Ja) => Lang::Ja,
            Some(LangArg::En) => Lang::En,
            None => Lang::from_system(&env),
        };
        let source = match (args.replay, args.virtual_card) {
            (Some(path), _) => CardSource::Replay(path),
            (None, Some(path)) => CardSource::Virtual(path),
            (None, None) => CardSource::Reader(reader_choice(args.reader)),
        };
        let action = match args.command {
            CommandArg::Readers => Action::Readers,
            CommandArg::Status { pins_only } => Action::Status { pins_only },
            CommandArg::Completions { shell } => Action::Completions { shell },
            CommandArg::Manpage { out_dir } => Action::Manpage { out_dir },
            CommandArg::ChangePin {
                stdin,
                allow_last_try,
                experimental,
                pins,
            } => Action::ChangePin {
                pins: pins.into_iter().map(PinKind::from).collect(),
                options: PinOptions::from_flags(stdin, allow_last_try, experimental),
            },
            CommandArg::VerifyPin {
                stdin,
                allow_last_try,
                experimental,
                pin,
            } => Action::VerifyPin {
                pin: pin.into(),
                options: PinOptions::from_flags(stdin, allow_last_try, experimental),
            },
            CommandArg::Certificate { action } => certificate_action(action),
            CommandArg::Doctor => Action::Doctor,
            CommandArg::Pins => Action::Pins,
        };
        let wait = Wait::from_flag(args.wait);
        let choice = match args.color {
            ColorArg::Auto => ColourChoice::Auto,
            ColorArg::Always => ColourChoice::Always,
            ColorArg::Never => ColourChoice::Never,
        };
        let colour = !args.json && colour::wanted(choice, &env, stdout_is_terminal);
        Config {
            source,
            record: args.record,
            lang,
            json: args.json,
            action,
            wait,
            today: args.today.unwrap_or_else(today_in_japan),
            colour,
        }
    }
}

/// `certificate show|export`: no experiment is ever involved (the sign password has none).
fn certificate_action(action: CertificateArg) -> Action {
    let (kind, output, stdin, allow_last_try) = match action {
        CertificateArg::Show {
            kind,
            stdin,
            allow_last_try,
        } => (kind, CertificateOutput::Show, stdin, allow_last_try),
        CertificateArg::Export {
            kind,
            der,
            out,
            force,
            stdin,
            allow_last_try,
        } => (
            kind,
            CertificateOutput::Export(Export { der, out, force }),
            stdin,
            allow_last_try,
        ),
    };
    Action::Certificate {
        kind: kind.into(),
        output,
        options: PinOptions::from_flags(stdin, allow_last_try, false),
    }
}

impl From<CertificateKindArg> for CertificateKind {
    fn from(arg: CertificateKindArg) -> CertificateKind {
        match arg {
            CertificateKindArg::Auth => CertificateKind::Auth,
            CertificateKindArg::AuthCa => CertificateKind::AuthCa,
            CertificateKindArg::Sign => CertificateKind::Sign,
            CertificateKindArg::SignCa => CertificateKind::SignCa,
        }
    }
}

/// A config that replays `trace` (a path under apdu-traces/) in English: what the unit tests
/// of the PIN commands run on.
#[cfg(test)]
pub fn replaying(trace: &str) -> Config {
    Config {
        source: CardSource::Replay(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("apdu-traces")
                .join(trace),
        ),
        record: None,
        lang: Lang::En,
        json: false,
        action: Action::Readers,
        wait: Wait::No,
        today: jpki_card::card::certificate::today_in_japan(),
        colour: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn config(argv: &[&str], env: &[(&str, &str)]) -> Config {
        let args = Args::try_parse_from(argv).unwrap();
        // As on a terminal: the environment and the flags decide colour.
        let terminal = true;
        Config::from_args(
            args,
            |k| {
                env.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            },
            terminal,
        )
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
    fn only_a_japanese_utf8_locale_is_japanese() {
        let lang = |vars: &[(&str, &str)]| config(&["jpki", "status"], vars).lang;
        for japanese in [
            "ja",
            "ja_JP",
            "ja_JP.UTF-8",
            "ja_JP.utf8",
            "ja.UTF-8",
            "ja@x",
        ] {
            assert_eq!(lang(&[("LANG", japanese)]), Lang::Ja, "{japanese}");
        }
        for other in [
            "jam_JM",
            "jam_JM.UTF-8",
            "jv_ID",
            "ja_JP.eucJP",
            "ja_JP.SJIS",
            "C",
            "",
        ] {
            assert_eq!(lang(&[("LANG", other)]), Lang::En, "{other}");
        }
        // The character set comes from LC_CTYPE when LC_ALL is unset.
        assert_eq!(
            lang(&[("LANG", "ja_JP.UTF-8"), ("LC_CTYPE", "ja_JP.eucJP")]),
            Lang::En
        );
        assert_eq!(
            lang(&[("LC_MESSAGES", "ja_JP.UTF-8"), ("LANG", "C.UTF-8")]),
            Lang::Ja
        );
    }

    #[test]
    fn term_dumb_turns_colour_off() {
        assert!(!config(&["jpki", "status"], &[("TERM", "dumb")]).colour);
        assert!(config(&["jpki", "status"], &[("TERM", "xterm-256color")]).colour);
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
    fn change_pin_keeps_the_order_and_the_input() {
        let c = config(
            &["jpki", "change-pin", "--stdin", "juki", "kenhojo", "auth"],
            &[],
        );
        assert_eq!(
            c.action,
            Action::ChangePin {
                pins: vec![PinKind::Juki, PinKind::Kenhojo, PinKind::Auth],
                options: PinOptions {
                    input: PinInput::Stdin,
                    last_try: LastTry::Refuse,
                    experimental: false,
                },
            }
        );
        let c = config(&["jpki", "change-pin", "--experimental", "juki"], &[]);
        assert_eq!(
            c.action,
            Action::ChangePin {
                pins: vec![PinKind::Juki],
                options: PinOptions {
                    input: PinInput::Prompt,
                    last_try: LastTry::Refuse,
                    experimental: true,
                },
            }
        );
    }

    #[test]
    fn verify_pin_takes_exactly_one_pin_and_no_value() {
        let c = config(
            &["jpki", "verify-pin", "--stdin", "--allow-last-try", "auth"],
            &[],
        );
        assert_eq!(
            c.action,
            Action::VerifyPin {
                pin: PinKind::Auth,
                options: PinOptions {
                    input: PinInput::Stdin,
                    last_try: LastTry::Allow,
                    experimental: false,
                },
            }
        );
        assert!(Args::try_parse_from(["jpki", "verify-pin"]).is_err());
        assert!(Args::try_parse_from(["jpki", "verify-pin", "auth", "kenhojo"]).is_err());
        assert!(Args::try_parse_from(["jpki", "verify-pin", "auth", "1234"]).is_err());
    }

    #[test]
    fn change_pin_takes_no_pin_value_on_the_command_line() {
        assert!(Args::try_parse_from(["jpki", "change-pin", "juki", "1234"]).is_err());
        assert!(Args::try_parse_from(["jpki", "change-pin"]).is_err());
    }

    #[test]
    fn an_empty_reader_is_no_choice_and_raw_bytes_take_their_escaped_form() {
        let reader = |argv: &[&str]| match config(argv, &[]).source {
            CardSource::Reader(reader) => reader,
            _ => panic!(),
        };
        assert_eq!(reader(&["jpki", "--reader", "", "status"]), None);
        assert_eq!(reader(&["jpki", "status"]), None);
        assert_eq!(
            reader(&["jpki", "--reader", "pasori", "status"]).as_deref(),
            Some("pasori")
        );
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            let raw = std::ffi::OsString::from_vec(b"\x83J\x81[ 00 00".to_vec());
            assert_eq!(
                reader_choice(Some(raw)).as_deref(),
                Some("\\x83J\\x81[ 00 00")
            );
        }
    }

    #[test]
    fn certificate_takes_one_of_four_kinds_and_export_its_flags() {
        let c = config(&["jpki", "certificate", "show", "auth-ca"], &[]);
        assert_eq!(
            c.action,
            Action::Certificate {
                kind: CertificateKind::AuthCa,
                output: CertificateOutput::Show,
                options: PinOptions::from_flags(false, false, false),
            }
        );
        let c = config(
            &[
                "jpki",
                "certificate",
                "export",
                "sign",
                "--der",
                "--out",
                "s.der",
                "--force",
                "--stdin",
            ],
            &[],
        );
        assert_eq!(
            c.action,
            Action::Certificate {
                kind: CertificateKind::Sign,
                output: CertificateOutput::Export(Export {
                    der: true,
                    out: Some("s.der".into()),
                    force: true
                }),
                options: PinOptions::from_flags(true, false, false),
            }
        );
        assert!(Args::try_parse_from(["jpki", "certificate", "show", "root"]).is_err());
        assert!(
            Args::try_parse_from(["jpki", "certificate", "export", "auth", "--force"]).is_err()
        );
        assert!(Args::try_parse_from(["jpki", "certificate", "show"]).is_err());
    }

    #[test]
    fn wait_takes_an_optional_limit() {
        assert_eq!(config(&["jpki", "status"], &[]).wait, Wait::No);
        assert_eq!(
            config(&["jpki", "--wait", "status"], &[]).wait,
            Wait::Forever
        );
        assert_eq!(
            config(&["jpki", "--wait=30", "status"], &[]).wait,
            Wait::For(Duration::from_secs(30))
        );
        assert!(Args::try_parse_from(["jpki", "--wait=soon", "status"]).is_err());
        // 0 is a limit of no time: look once, never "no limit".
        assert_eq!(
            config(&["jpki", "--wait=0", "status"], &[]).wait,
            Wait::For(Duration::ZERO)
        );
    }

    #[test]
    fn no_color_and_json_turn_colour_off() {
        assert!(config(&["jpki", "status"], &[]).colour);
        assert!(config(&["jpki", "status"], &[("NO_COLOR", "")]).colour);
        assert!(!config(&["jpki", "status"], &[("NO_COLOR", "1")]).colour);
        assert!(!config(&["jpki", "--json", "status"], &[]).colour);
        assert!(!config(&["jpki", "--json", "--color=always", "status"], &[]).colour);
        assert!(
            config(
                &["jpki", "--color", "always", "status"],
                &[("NO_COLOR", "1")]
            )
            .colour
        );
        assert!(!config(&["jpki", "--color=never", "status"], &[]).colour);
    }

    #[test]
    fn today_can_be_set_for_tests() {
        let c = config(&["jpki", "--today", "2031-02-01", "status"], &[]);
        assert_eq!(
            jpki_card::card::certificate::date_text(c.today),
            "2031-02-01"
        );
        assert!(Args::try_parse_from(["jpki", "--today", "2031-13-01", "status"]).is_err());
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
