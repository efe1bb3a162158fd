//! `jpki-vcard`: create a virtual My Number card's state file, and serve the card to pcscd
//! through vsmartcard's vpcd driver (see [`crate::vpcd`]), so real PC/SC clients (jpki, OpenSC)
//! can talk to it. The binary is [`main`]; tests run the same command in-process with [`run`].
//!
//! Exit codes: 0 done, 1 the work failed (a file, vpcd), 2 a usage error (clap's own, or a
//! setting the chosen profile cannot take).

use crate::{
    applications_from_id, vpcd, Ap, CardState, Certificate, Code, LockedProbe, PinRecord, Profile,
    StateError, VirtualCard, JUKI_CARD_ATR, MY_NUMBER_CARD_ATR,
};
use anyhow::{Context, Result};
use clap::builder::PossibleValuesParser;
use clap::{Parser, Subcommand};
use jpki_card::card::{KeyReference, Pin, PinKind};
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

const ABOUT: &str = "A virtual My Number card for tests: write its state file, or serve it to \
pcscd through vsmartcard's vpcd driver";

const LONG_ABOUT: &str = "A virtual My Number card (マイナンバーカード) for tests.

`init` writes a state file: the card's applications, PINs, counters, certificates and ATR. \
`jpki --virtual-card STATE` uses it in-process; `serve` puts it behind pcscd through vsmartcard's \
vpcd driver, so jpki, OpenSC or any PC/SC program can talk to it. Every change a command makes \
(a try spent, a PIN changed) is saved to the state file before the card answers.

The state file holds its PINs in clear: use test PINs only, never a real card's.";

const AFTER_HELP: &str = "Examples:
  jpki-vcard init card.state
  jpki-vcard init --tries auth=1 --tries juki_ap=2 card.state
  jpki-vcard init --profile under-15 --atr juki-card --force card.state
  jpki-vcard serve --log card.state

See docs/virtual-card.md for what the card models and what it assumes.";

/// Values `--card-pin` and `--tries` take before the `=`.
const SETTING_KEYS: &str = "sign, auth, juki (both key references), juki_ap, common_ap, \
kenhojo, kenkaku_a, kenkaku_b, kenhojo_a, kenhojo_b";

#[derive(Debug, Parser)]
#[command(
    name = "jpki-vcard",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    max_term_width = 100
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a new state file (test PINs only: the file holds them in clear).
    #[command(after_help = AFTER_HELP)]
    Init {
        /// The card to start from.
        #[arg(
            long,
            default_value = "adult",
            value_parser = PossibleValuesParser::new(Profile::ALL.map(Profile::id)),
        )]
        profile: String,
        /// Set a PIN's value, e.g. `--card-pin auth=4321` (repeatable). KEY: sign, auth, juki
        /// (both key references), juki_ap, common_ap, kenhojo, or a 照合番号 (kenkaku_a, ...).
        #[arg(long = "card-pin", value_name = "KEY=VALUE", value_parser = setting)]
        pins: Vec<(Target, String)>,
        /// Set tries left, e.g. `--tries sign=3`; 0 locks it (repeatable). `juki=N` sets both
        /// juki key references, unless `juki_ap=N` or `common_ap=N` names one.
        #[arg(long = "tries", value_name = "KEY=N", value_parser = setting)]
        tries: Vec<(Target, String)>,
        /// How a locked PIN answers an empty VERIFY.
        #[arg(
            long,
            default_value = "63C0",
            value_parser = PossibleValuesParser::new(["63C0", "6983", "6984"]),
            ignore_case = true,
        )]
        locked_probe: String,
        /// Leave an application off the card (repeatable): jpki, juki (both juki_ap and
        /// common_ap), juki_ap, common_ap, kenhojo, kenkaku.
        #[arg(long = "without", value_name = "APPLICATION", value_parser = applications)]
        without: Vec<Applications>,
        /// DER file to serve as the user-authentication certificate (EF 00 0A).
        #[arg(long, value_name = "DER_FILE")]
        auth_certificate: Option<PathBuf>,
        /// The ATR: my-number (a My Number card's, the default), juki-card (the 住基カード ATR
        /// OpenSC's driver matches), or any ATR in hex.
        #[arg(long, value_name = "NAME|HEX", value_parser = atr)]
        atr: Option<Atr>,
        /// Replace the state file if it exists (under its lock: a running `serve` is waited for).
        #[arg(long)]
        force: bool,
        /// The state file to write.
        state: PathBuf,
    },
    /// Connect to vpcd on 127.0.0.1 and serve the card until pcscd goes away.
    #[command(after_help = AFTER_HELP)]
    Serve {
        /// vpcd's port on 127.0.0.1 (loopback only).
        #[arg(long, default_value_t = vpcd::DEFAULT_PORT)]
        port: u16,
        /// How long to keep trying to reach vpcd, in seconds (pcscd may still be starting).
        #[arg(long, default_value_t = 10)]
        connect_timeout: u64,
        /// Print every exchange on stderr as trace lines, PIN bytes redacted.
        #[arg(long)]
        log: bool,
        /// The state file; locked while served, and saved as each command changes the card.
        state: PathBuf,
    },
}

/// What a `--card-pin` or `--tries` setting names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// A PIN in every key reference that holds it.
    Pin(PinKind),
    /// One key reference.
    Key(KeyReference),
    /// A 照合番号.
    Code(Code),
}

impl Target {
    fn from_id(id: &str) -> Option<Target> {
        match id {
            "juki_ap" => Some(Target::Key(KeyReference::JUKI_AP)),
            "common_ap" => Some(Target::Key(KeyReference::JUKI_COMMON_AP)),
            _ => PinKind::from_id(id)
                .map(Target::Pin)
                .or_else(|| Code::from_id(id).map(Target::Code)),
        }
    }

    /// Whether a setting of this target is made after PIN-wide ones, so it wins over them.
    fn is_narrow(self) -> bool {
        !matches!(self, Target::Pin(_))
    }

    fn max_tries(self) -> u8 {
        match self {
            Target::Pin(kind) => crate::protocol::max_tries(kind),
            Target::Key(key) => crate::protocol::max_tries(key.kind()),
            Target::Code(code) => code.max_tries(),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Pin(kind) => write!(f, "{kind}"),
            Target::Key(key) => write!(f, "{}", key.application().id()),
            Target::Code(code) => write!(f, "{}", code.id()),
        }
    }
}

/// `KEY=VALUE` for `--card-pin` and `--tries`.
fn setting(text: &str) -> Result<(Target, String), String> {
    let (id, value) = text
        .split_once('=')
        .ok_or_else(|| "expected KEY=VALUE".to_string())?;
    let target =
        Target::from_id(id).ok_or_else(|| format!("unknown key {id:?} (one of {SETTING_KEYS})"))?;
    Ok((target, value.to_string()))
}

/// The applications one `--without` names.
#[derive(Debug, Clone)]
struct Applications(Vec<Ap>);

/// An ATR's bytes.
#[derive(Debug, Clone)]
struct Atr(Vec<u8>);

/// `--without APPLICATION`.
fn applications(id: &str) -> Result<Applications, String> {
    applications_from_id(id).map(Applications).ok_or_else(|| {
        format!("unknown application {id:?} (jpki, juki, juki_ap, common_ap, kenhojo, kenkaku)")
    })
}

/// `--atr NAME|HEX`.
fn atr(text: &str) -> Result<Atr, String> {
    match text {
        "my-number" => Ok(Atr(MY_NUMBER_CARD_ATR.to_vec())),
        "juki-card" => Ok(Atr(JUKI_CARD_ATR.to_vec())),
        _ => hex::decode(text.replace([' ', ':'], ""))
            .ok()
            .filter(|b| (2..=33).contains(&b.len()) && matches!(b[0], 0x3B | 0x3F))
            .map(Atr)
            .ok_or_else(|| {
                "expected my-number, juki-card, or 2 to 33 bytes of hex starting 3B or 3F"
                    .to_string()
            }),
    }
}

/// Why a run failed: how the user called it (exit 2), or the work itself (exit 1).
enum Failure {
    Usage(String),
    Run(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Failure {
        Failure::Run(error)
    }
}

fn usage(message: String) -> Failure {
    Failure::Usage(message)
}

/// `jpki-vcard` as its binary runs: the process's arguments, and clap's own help, version and
/// usage errors on the terminal.
pub fn main() -> ExitCode {
    let args = Args::parse();
    ExitCode::from(finish(
        execute(args, &mut std::io::stderr()),
        &mut std::io::stderr(),
    ))
}

/// `jpki-vcard` in-process, for tests: `args` as a command line (the program's name first), what
/// it would print on stdout written to `out` and on stderr to `err`; the exit code.
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    match Args::try_parse_from(args) {
        Ok(args) => {
            let result = execute(args, err);
            finish(result, err)
        }
        // Help and version go to stdout, usage errors to stderr, as clap prints them itself.
        Err(e) => {
            let text = e.render().to_string();
            let shown = if e.use_stderr() {
                err.write_all(text.as_bytes())
            } else {
                out.write_all(text.as_bytes())
            };
            drop(shown);
            u8::try_from(e.exit_code()).unwrap_or(2)
        }
    }
}

/// The exit code of a run, with its error said on `err`.
fn finish(result: Result<(), Failure>, err: &mut dyn Write) -> u8 {
    match result {
        Ok(()) => 0,
        Err(Failure::Usage(message)) => {
            let _ = writeln!(
                err,
                "jpki-vcard: error: {message}\n\nFor more information, try '--help'."
            );
            2
        }
        Err(Failure::Run(e)) => {
            let _ = writeln!(err, "jpki-vcard: error: {e:#}");
            1
        }
    }
}

fn execute(args: Args, err: &mut dyn Write) -> Result<(), Failure> {
    match args.command {
        Command::Init {
            profile,
            pins,
            tries,
            locked_probe,
            without,
            auth_certificate,
            atr,
            force,
            state,
        } => {
            let profile = Profile::from_id(&profile).expect("clap checked the profile");
            let mut card = profile.card();
            set_pins(&mut card, profile, &pins)?;
            set_tries(&mut card, profile, &tries)?;
            card.locked_probe = LockedProbe::from_hex(&locked_probe).expect("clap checked it");
            for ap in without.into_iter().flat_map(|a| a.0) {
                card.remove(ap);
            }
            if let Some(der) = auth_certificate {
                let bytes = read_certificate(&der)
                    .with_context(|| format!("--auth-certificate {}", der.display()))?;
                card.set_certificate(Certificate::Auth, Some(bytes));
            }
            if let Some(Atr(atr)) = atr {
                card.atr = atr;
            }
            VirtualCard::create_state(&card, &state, force).map_err(|e| match e {
                StateError::Exists { .. } => {
                    Failure::Run(anyhow::anyhow!("{e}; pass --force to replace it"))
                }
                e => Failure::Run(e.into()),
            })
        }
        Command::Serve {
            port,
            connect_timeout,
            log,
            state,
        } => Ok(serve(
            port,
            Duration::from_secs(connect_timeout),
            log,
            &state,
            err,
        )?),
    }
}

/// The most a certificate EF can serve: READ BINARY's offset has 15 bits, and one more read of
/// 256 bytes follows the last offset.
const MAX_CERTIFICATE_BYTES: u64 = 0x7FFF + 256;

/// A DER file for a certificate EF: a regular file of at most [`MAX_CERTIFICATE_BYTES`].
fn read_certificate(path: &Path) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    anyhow::ensure!(file.metadata()?.is_file(), "not a regular file");
    let mut bytes = Vec::new();
    file.take(MAX_CERTIFICATE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    anyhow::ensure!(
        bytes.len() as u64 <= MAX_CERTIFICATE_BYTES,
        "larger than {MAX_CERTIFICATE_BYTES} bytes, more than a card's EF serves"
    );
    Ok(bytes)
}

/// The targets of `settings`, PIN-wide ones first, so a narrower one set later wins.
fn in_order(settings: &[(Target, String)]) -> Vec<&(Target, String)> {
    let mut ordered: Vec<&(Target, String)> = settings.iter().collect();
    ordered.sort_by_key(|(target, _)| target.is_narrow());
    ordered
}

/// The records a target names on this card; a usage error when it has none.
fn records<'a>(
    card: &'a mut CardState,
    profile: Profile,
    option: &str,
    target: Target,
) -> Result<Vec<&'a mut PinRecord>, Failure> {
    let found: Vec<_> = match target {
        Target::Pin(kind) => card.pins_of(kind).collect(),
        Target::Key(key) => card.pin_mut(key).into_iter().collect(),
        Target::Code(code) => card
            .codes
            .iter_mut()
            .filter(|(c, _)| *c == code)
            .map(|(_, r)| r)
            .collect(),
    };
    if found.is_empty() {
        return Err(usage(format!(
            "{option} {target}: the {} profile has no {target} PIN",
            profile.id()
        )));
    }
    Ok(found)
}

fn set_pins(
    card: &mut CardState,
    profile: Profile,
    settings: &[(Target, String)],
) -> Result<(), Failure> {
    for (target, value) in in_order(settings) {
        let pin = |kind| {
            Pin::new(kind, value)
                .map(|pin| pin.expose().to_vec())
                .map_err(|e| usage(format!("--card-pin {target}: {e}")))
        };
        let bytes = match target {
            Target::Pin(kind) => pin(*kind)?,
            Target::Key(key) => pin(key.kind())?,
            Target::Code(_) if Code::accepts(value) => value.as_bytes().to_vec(),
            Target::Code(code) => {
                return Err(usage(format!(
                    "--card-pin {}: must be 1 to 16 digits",
                    code.id()
                )))
            }
        };
        for record in records(card, profile, "--card-pin", *target)? {
            record.value = bytes.clone();
        }
    }
    Ok(())
}

fn set_tries(
    card: &mut CardState,
    profile: Profile,
    settings: &[(Target, String)],
) -> Result<(), Failure> {
    for (target, value) in in_order(settings) {
        let max = target.max_tries();
        let n: u8 = value.parse().ok().filter(|n| *n <= max).ok_or_else(|| {
            usage(format!(
                "--tries {target}: must be 0 to {max}, not {value:?}"
            ))
        })?;
        for record in records(card, profile, "--tries", *target)? {
            record.tries_left = n;
        }
    }
    Ok(())
}

/// `serve`: the card, opened first and held to the end so no other run can use it while it is
/// served, behind vpcd until pcscd goes away.
fn serve(port: u16, timeout: Duration, log: bool, path: &Path, err: &mut dyn Write) -> Result<()> {
    let mut card = VirtualCard::open(path)?;
    let mut stream = vpcd::connect(port, timeout)?;
    vpcd::serve(&mut card, &mut stream, log, err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }
}
