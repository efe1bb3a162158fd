//! `jpki change-pin`: take the PINs from the user, check them, then change them on the card.
//!
//! Everything typed is checked before any transport is opened, so bad input never reaches a
//! reader. PINs live only in zeroizing buffers and never appear in output.

use super::config::{Config, PinInput};
use super::exit::Exit;
use super::open::open;
use super::output;
use super::text::{change_prompts, counter_line, outcome_word, pin_name, weakness_warning, Lang};
use jpki::card::{
    change_pins, precheck, read_pin_statuses, weakness, CardError, ChangeInputError, ChangeReport,
    ChangeTargets, Outcome, PinChange, PinKind, PinOutcome, PinStatus,
};
use jpki::transport::Transport;
use serde_json::{json, Value};
use std::io::Read;
use thiserror::Error;
use zeroize::Zeroizing;

/// The most stdin may hold: two PINs of at most 16 characters need far less.
pub(super) const STDIN_LIMIT: usize = 1024;

/// Why the typed PINs could not be read. Never holds a PIN.
#[derive(Debug, Error)]
pub enum PinEntryError {
    /// No terminal to prompt on.
    #[error("cannot ask for the PIN on a terminal ({0}); pipe it with --stdin instead")]
    NoTerminal(String),
    /// stdin could not be read.
    #[error("cannot read the PINs from stdin: {0}")]
    Stdin(String),
    /// stdin is not the two lines --stdin expects.
    #[error(
        "--stdin expects exactly two lines: the current PIN, then the new PIN (found {0} line(s))"
    )]
    StdinLines(usize),
    /// stdin is longer than two PINs could be.
    #[error("--stdin expects two short lines, but stdin holds more than {STDIN_LIMIT} bytes")]
    StdinTooLong,
    /// The two entries of the new PIN differ.
    #[error("the two entries of the new PIN differ")]
    Mismatch,
}

/// Asks the holder for one hidden entry, showing the prompt.
type Ask<'a> = &'a mut dyn FnMut(&str) -> std::io::Result<String>;

/// Check the input, change the PINs, report each one; a failure ends with its own exit code.
pub fn run(
    config: &Config,
    pins: &[PinKind],
    input: PinInput,
    allow_last_try: bool,
) -> anyhow::Result<Exit> {
    let mut terminal = |prompt: &str| rpassword::prompt_password(prompt);
    run_with(config, pins, input, allow_last_try, &mut terminal)
}

fn run_with(
    config: &Config,
    pins: &[PinKind],
    input: PinInput,
    allow_last_try: bool,
    ask: Ask,
) -> anyhow::Result<Exit> {
    let lang = config.lang;
    let targets = ChangeTargets::new(pins)?;
    match input {
        PinInput::Stdin => {
            // Everything is checked before the transport is opened: bad input reaches no card.
            let change = checked(&targets, read_stdin()?)?;
            warn_if_guessable(&change, lang);
            let mut transport = open(config)?;
            let report = change_pins(transport.as_mut(), &change, allow_last_try);
            drop(change);
            finish_and_report(config, transport, report)
        }
        PinInput::Prompt => {
            let mut transport = open(config)?;
            // Show the counters above the prompt, and refuse before asking for a PIN the guard
            // would refuse. No PIN is sent here; the guard runs again inside the hold.
            let statuses = match read_pin_statuses(transport.as_mut()) {
                Ok(statuses) => statuses,
                Err(error) => return abandon(transport, error.into()),
            };
            output::note(counters_text(&targets, &statuses, lang));
            if let Some(report) = precheck(&targets, &statuses, allow_last_try) {
                return finish_and_report(config, transport, report);
            }
            let typed = prompt(&targets, lang, ask).map_err(anyhow::Error::from);
            let change = match typed.and_then(|typed| Ok(checked(&targets, typed)?)) {
                Ok(change) => change,
                Err(error) => return abandon(transport, error),
            };
            warn_if_guessable(&change, lang);
            let report = change_pins(transport.as_mut(), &change, allow_last_try);
            drop(change);
            finish_and_report(config, transport, report)
        }
    }
}

/// Both typed values checked against the targets; the typed strings are wiped on return.
fn checked(
    targets: &ChangeTargets,
    (current, new): (Zeroizing<String>, Zeroizing<String>),
) -> Result<PinChange, ChangeInputError> {
    PinChange::new(targets, &current, &new)
}

fn warn_if_guessable(change: &PinChange, lang: Lang) {
    if let Some(weakness) = weakness(change.new_pin()) {
        output::note(format!("{}\n", weakness_warning(weakness, lang)));
    }
}

/// Stop before any PIN was sent; the transport still writes what it recorded.
fn abandon(mut transport: Box<dyn Transport>, error: anyhow::Error) -> anyhow::Result<Exit> {
    // The run's own error is the one to report; a replay left half-used is expected here.
    let _ = transport.finish();
    Err(error)
}

/// Finish the transport, print the report, and turn its error into the exit code.
fn finish_and_report(
    config: &Config,
    mut transport: Box<dyn Transport>,
    report: ChangeReport,
) -> anyhow::Result<Exit> {
    let reader = transport.reader_name().to_string();
    // Finishing writes a --record trace or checks a replay was used up. The report is printed
    // whatever that says: once a PIN may have changed, the holder must learn so.
    let finished = transport.finish();
    let shown = if config.json {
        format!("{}\n", to_json(&reader, &report))
    } else {
        to_text(&report, config.lang)
    };
    // A closed stdout must not turn "changed" into a failure exit: the exit code reports what
    // happened on the card, so a failed print is dropped here.
    let _ = output::print(shown);
    if let Some(error) = report.error {
        return Err(error.into());
    }
    finished?;
    Ok(Exit::Success)
}

/// The counters of the named PINs, shown above the prompt.
fn counters_text(targets: &ChangeTargets, statuses: &[PinStatus], lang: Lang) -> String {
    statuses
        .iter()
        .filter(|s| targets.kinds().contains(&s.kind))
        .map(|s| format!("{}\n", counter_line(s, lang)))
        .collect()
}

/// The current and new PIN from the terminal, hidden; the new one twice.
fn prompt(
    targets: &ChangeTargets,
    lang: Lang,
    ask: Ask,
) -> Result<(Zeroizing<String>, Zeroizing<String>), PinEntryError> {
    let [current_prompt, new_prompt, again_prompt] =
        change_prompts(targets.kinds(), targets.format(), lang);
    let mut ask = |text: &str| {
        ask(text)
            .map(Zeroizing::new)
            .map_err(|e| PinEntryError::NoTerminal(e.to_string()))
    };
    let current = ask(&current_prompt)?;
    let new = ask(&new_prompt)?;
    let again = ask(&again_prompt)?;
    if *new != *again {
        return Err(PinEntryError::Mismatch);
    }
    Ok((current, new))
}

/// Line 1 the current PIN, line 2 the new one (`\n` or `\r\n`); a final newline is optional,
/// and anything after line 2, even an empty line, is refused rather than guessed about.
fn read_stdin() -> Result<(Zeroizing<String>, Zeroizing<String>), PinEntryError> {
    // Room for one byte more than the limit, so reading never reallocates (which would leave an
    // unwiped copy behind) and an over-long input shows as exactly `STDIN_LIMIT + 1` bytes.
    let mut buffer = Zeroizing::new(Vec::with_capacity(STDIN_LIMIT + 2));
    unbuffered_stdin()
        .map_err(|e| PinEntryError::Stdin(e.to_string()))?
        .take(STDIN_LIMIT as u64 + 1)
        .read_to_end(&mut buffer)
        .map_err(|e| PinEntryError::Stdin(e.to_string()))?;
    if buffer.len() > STDIN_LIMIT {
        return Err(PinEntryError::StdinTooLong);
    }
    split_lines(&buffer)
}

/// Standard input read directly, not through std's buffer, which would keep an unwiped copy.
#[cfg(unix)]
fn unbuffered_stdin() -> std::io::Result<impl Read> {
    use std::os::fd::AsFd;
    Ok(std::fs::File::from(
        std::io::stdin().as_fd().try_clone_to_owned()?,
    ))
}

/// Standard input; elsewhere than Unix through std's buffer.
#[cfg(not(unix))]
fn unbuffered_stdin() -> std::io::Result<impl Read> {
    Ok(std::io::stdin())
}

fn split_lines(bytes: &[u8]) -> Result<(Zeroizing<String>, Zeroizing<String>), PinEntryError> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let lines: Vec<&[u8]> = body
        .split(|b| *b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .collect();
    let count = if bytes.is_empty() { 0 } else { lines.len() };
    let [current, new] = lines.as_slice() else {
        return Err(PinEntryError::StdinLines(count));
    };
    // Non-UTF-8 bytes become U+FFFD, which the format check then refuses.
    let text = |line: &[u8]| Zeroizing::new(String::from_utf8_lossy(line).into_owned());
    Ok((text(current), text(new)))
}

/// The per-PIN result word for JSON: what happened, or why not.
fn result_id(outcome: &PinOutcome, error: Option<&CardError>) -> &'static str {
    match (outcome.outcome, error) {
        (Outcome::Changed, _) => "changed",
        (Outcome::NotAttempted, _) => "not_attempted",
        (Outcome::Unknown, _) => "outcome_unknown",
        (Outcome::NotChanged, Some(error)) => match error {
            CardError::WrongPin { .. } => "wrong_pin",
            CardError::PinLocked { .. } => "locked",
            CardError::LastTryRefused { .. } => "last_try_refused",
            CardError::PinNotIssued { .. } => "not_issued",
            CardError::ChangeRejected { .. } => "change_rejected",
            _ => "error",
        },
        (Outcome::NotChanged, None) => "not_changed",
    }
}

fn to_json(reader: &str, report: &ChangeReport) -> Value {
    let pins: Vec<Value> = report
        .outcomes
        .iter()
        .map(|o| {
            json!({
                "id": o.kind.id(),
                "name": o.kind.official_name(),
                "changed": o.outcome.changed(),
                "result": result_id(o, report.error.as_ref()),
                "tries_left": o.tries_left,
                "max_tries": o.kind.max_tries(),
            })
        })
        .collect();
    json!({ "reader": reader, "pins": pins })
}

fn to_text(report: &ChangeReport, lang: Lang) -> String {
    report
        .outcomes
        .iter()
        .map(|o| {
            let name = match lang {
                Lang::Ja => pin_name(o.kind, lang).to_string(),
                Lang::En => format!("{} ({})", pin_name(o.kind, lang), o.kind.id()),
            };
            format!("{name}: {}\n", outcome_word(o.outcome, lang))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::config::{Action, CardSource};
    use super::super::exit::exit_code_of;
    use super::*;
    use std::path::PathBuf;

    fn replaying(trace: &str) -> Config {
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
            wait: None,
            today: jpki::card::certificate::today_in_japan(),
            colour: false,
        }
    }

    /// Run interactively with `answers` typed at the prompts, in order; the exit code.
    fn interactive(trace: &str, pins: &[PinKind], answers: &[&str]) -> (Exit, Vec<String>) {
        let mut asked = Vec::new();
        let mut typed = answers.iter();
        let mut ask = |prompt: &str| {
            asked.push(prompt.to_string());
            Ok(typed.next().expect("asked once too often").to_string())
        };
        let result = run_with(&replaying(trace), pins, PinInput::Prompt, false, &mut ask);
        let code = match result {
            Ok(code) => code,
            Err(error) => exit_code_of(&error),
        };
        (code, asked)
    }

    #[test]
    fn interactive_runs_read_the_counters_then_ask_three_times() {
        let (code, asked) = interactive(
            "change-pin/interactive-juki.trace",
            &[PinKind::Juki],
            &["4827", "6391", "6391"],
        );
        assert_eq!(code, Exit::Success);
        assert_eq!(asked.len(), 3);
        assert!(asked[0].starts_with("Current Resident registry PIN (4 digits)"));
        assert!(asked[2].contains("again"));
    }

    #[test]
    fn interactive_runs_refuse_before_asking_for_an_unusable_pin() {
        // auth has one try left, and is locked in the second trace.
        let (code, asked) = interactive(
            "status/some-tries-used.trace",
            &[PinKind::Juki, PinKind::Auth],
            &[],
        );
        assert_eq!((code, asked.len()), (Exit::LastTryRefused, 0));
        let (code, asked) = interactive("status/locked-63c0.trace", &[PinKind::Auth], &[]);
        assert_eq!((code, asked.len()), (Exit::PinLocked, 0));
    }

    #[test]
    fn interactive_entries_that_differ_or_do_not_fit_send_no_pin() {
        // The trace holds the counter read only: any PIN-bearing command would fail the replay.
        for answers in [["4827", "6391", "6392"], ["4827", "639", "639"]] {
            let (code, _) = interactive("status/fresh.trace", &[PinKind::Juki], &answers);
            assert_eq!(code, Exit::InvalidPin, "{answers:?}");
        }
    }

    #[test]
    fn stdin_is_two_lines_with_either_line_ending() {
        for input in [
            &b"1234\n5678\n"[..],
            b"1234\n5678",
            b"1234\r\n5678\r\n",
            b"1234\r\n5678",
        ] {
            let (current, new) = split_lines(input).unwrap();
            assert_eq!((current.as_str(), new.as_str()), ("1234", "5678"));
        }
    }

    #[test]
    fn stdin_with_fewer_or_more_lines_is_refused() {
        for (input, count) in [
            (&b""[..], 0),
            (b"1234\n", 1),
            (b"1234", 1),
            (b"1234\n5678\n\n", 3),
            (b"1234\n5678\n9999\n", 3),
        ] {
            match split_lines(input) {
                Err(PinEntryError::StdinLines(n)) => assert_eq!(n, count, "{input:?}"),
                other => panic!("{input:?}: {:?}", other.map(|_| ())),
            }
        }
    }
}
