//! What `change-pin` and `verify-pin` share: their run, written once ([`PinRun`]: the
//! holder's entry from stdin or the terminal, the counters read and shown before the prompt,
//! the precheck, a bad entry abandoned before any PIN is sent, the PIN sent, the report), the
//! refusal of an experimental PIN, and how a run that may have sent a PIN ends — the reader
//! finished, the report printed whatever finishing said, and the card's answer as the exit
//! code — with the JSON words for why a PIN or a key reference stopped.

use crate::cli::commands::open::open;
use crate::cli::commands::status::aid_hex;
use crate::cli::exit::Exit;
use crate::cli::failure::error_json;
use crate::cli::flags::config::{Config, PinInput, PinOptions};
use crate::cli::io::output;
use crate::cli::io::pin_entry::{Ask, Terminal};
use crate::cli::io::pin_entry_error::PinEntryError;
use crate::cli::lang::Lang;
use jpki_card::card::{
    read_pin_statuses, CardError, Experiment, KeyOutcome, KeyReference, KeyResult, LastTry,
    NeedsExperimental, PinCommand, PinKind, PinStatus,
};
use jpki_card::transport::{Reader, TransportError};
use serde_json::{json, Value};

/// A PIN command as the shared run sees it: what it reads, checks, sends and reports. The run
/// itself ([`run`]) holds the order the guards depend on.
pub trait PinRun {
    /// What the holder typed, checked and ready to send (zeroized when dropped).
    type Entry;
    /// What the card said.
    type Report;

    /// The command, for the `--experimental` refusal.
    const COMMAND: PinCommand;

    /// The PINs the command sends.
    fn kinds(&self) -> &[PinKind];
    /// The entry from stdin, checked: run before any transport is opened.
    fn read_stdin(&self, lang: Lang) -> anyhow::Result<Self::Entry>;
    /// The counters of the PINs named, shown above the prompt.
    fn counters_text(&self, statuses: &[PinStatus], lang: Lang) -> String;
    /// The report of a run the guard stops on the counters read, before anything is asked.
    fn precheck(&self, statuses: &[PinStatus], last_try: LastTry) -> Option<Self::Report>;
    /// The entry from the terminal through `ask`, checked.
    fn prompt(&self, ask: Ask, lang: Lang) -> anyhow::Result<Self::Entry>;
    /// Send the entry to the card, once; the entry is dropped (zeroized) on return.
    fn send(
        &self,
        reader: &mut dyn Reader,
        entry: Self::Entry,
        last_try: LastTry,
        experiments: &[Experiment],
    ) -> Self::Report;
    /// The report's JSON and text, and the card's error. `before` holds the counters read
    /// before the prompt, if any: the advice about a PIN then knows the others too.
    fn report(
        &self,
        report: Self::Report,
        reader: &str,
        before: &[PinStatus],
        lang: Lang,
    ) -> Reported;
}

/// A PIN command's report, ready to print, and the error that ends the run.
pub struct Reported {
    /// The card's error, if any, or what failed after the card was done with (a certificate
    /// that could not be written): the exit code.
    pub error: Option<anyhow::Error>,
    /// The JSON object (its `error` is filled in at the end).
    pub json: Value,
    /// The human text.
    pub text: String,
}

/// Run `command` with `options`: the `--experimental` refusal first, then the holder's way of
/// typing, then [`run_with`].
pub fn run(config: &Config, command: &impl PinRun, options: PinOptions) -> anyhow::Result<Exit> {
    refuse_unless_experimental(command, options.experimental)?;
    with_pin_entry(options.input, |ask| {
        run_with(
            config,
            command,
            ask,
            options.last_try,
            options.experiments(),
        )
    })
}

/// Run `command`, asking on the terminal through `ask`, or reading stdin without it.
pub fn run_with<C: PinRun>(
    config: &Config,
    command: &C,
    ask: Option<Ask>,
    last_try: LastTry,
    experiments: &[Experiment],
) -> anyhow::Result<Exit> {
    let lang = config.lang;
    match ask {
        None => {
            // Checked before the transport is opened: bad input reaches no card.
            let entry = command.read_stdin(lang)?;
            let mut reader = open(config)?;
            let report = command.send(reader.as_mut(), entry, last_try, experiments);
            finish_and_report(config, command, reader, report, &[])
        }
        Some(ask) => {
            let (mut reader, statuses) = open_and_read_counters(config)?;
            output::note(command.counters_text(&statuses, lang));
            if let Some(report) = command.precheck(&statuses, last_try) {
                return finish_and_report(config, command, reader, report, &statuses);
            }
            let entry = match command.prompt(ask, lang) {
                Ok(entry) => entry,
                Err(error) => return abandon(reader, error),
            };
            let report = command.send(reader.as_mut(), entry, last_try, experiments);
            finish_and_report(config, command, reader, report, &statuses)
        }
    }
}

/// Finish the reader, print the report, and turn its error into the exit code. Finishing
/// writes a --record trace (a warning if it cannot) or checks a replay was used up; the report
/// is printed whatever that says: once a PIN may have been sent, the holder must learn what the
/// card said.
fn finish_and_report<C: PinRun>(
    config: &Config,
    command: &C,
    mut reader: Box<dyn Reader>,
    report: C::Report,
    before: &[PinStatus],
) -> anyhow::Result<Exit> {
    let reader_name = reader.name().to_string();
    let finished = reader.finish();
    let reported = command.report(report, &reader_name, before, config.lang);
    end_run(
        config,
        finished,
        reported.error,
        reported.json,
        reported.text,
    )
}

/// Run `command` with the holder's way of typing: on the terminal (`Some`), opened before the
/// card is touched so that a missing terminal costs nothing, or from stdin (`None`).
fn with_pin_entry(
    input: PinInput,
    command: impl FnOnce(Option<Ask>) -> anyhow::Result<Exit>,
) -> anyhow::Result<Exit> {
    match input {
        PinInput::Stdin => {
            // What is typed on a terminal would be shown: the hidden prompt is for that.
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                return Err(PinEntryError::StdinIsTerminal.into());
            }
            command(None)
        }
        PinInput::Prompt => {
            let mut terminal = Terminal::open()?;
            command(Some(&mut |prompt| terminal.ask(prompt)))
        }
    }
}

/// An experimental PIN is sent only when the holder asked with `--experimental`.
pub fn refuse_unless_experimental<C: PinRun>(
    command: &C,
    experimental: bool,
) -> Result<(), NeedsExperimental> {
    match command.kinds().iter().find(|k| k.is_experimental()) {
        Some(&kind) if !experimental => Err(NeedsExperimental {
            kind,
            command: C::COMMAND,
        }),
        _ => Ok(()),
    }
}

/// Stop before any PIN was sent; the reader still writes what it recorded.
fn abandon(mut reader: Box<dyn Reader>, error: anyhow::Error) -> anyhow::Result<Exit> {
    // The run's own error is the one to report; a replay left half-used is expected here.
    let _ = reader.finish();
    Err(error)
}

/// Open the card and read every counter before the prompt: they are shown above it, and a PIN
/// the guard would refuse is refused before it is asked for. No PIN is sent here; the guard
/// runs again inside the transaction that sends one.
fn open_and_read_counters(config: &Config) -> anyhow::Result<(Box<dyn Reader>, Vec<PinStatus>)> {
    let mut reader = open(config)?;
    match read_pin_statuses(reader.as_mut()) {
        Ok(statuses) => Ok((reader, statuses)),
        Err(error) => {
            // The read's own error is the one to report; a replay left half-used is expected.
            let _ = reader.finish();
            Err(error.into())
        }
    }
}

/// Print the report of a run that reached the card, and end with what the card said. The
/// card's error wins; a replay not used up (`finished`) is the failure otherwise. A trace or a
/// state file that could not be written was a warning when the reader finished, never the
/// failure. A failed print neither hides the report (it goes to stderr then) nor turns
/// "changed" into a failure exit.
fn end_run(
    config: &Config,
    finished: Result<(), TransportError>,
    card_error: Option<anyhow::Error>,
    mut json: Value,
    text: String,
) -> anyhow::Result<Exit> {
    let lang = config.lang;
    let failure = match card_error {
        Some(error) => Some(error),
        None => finished.err().map(anyhow::Error::from),
    };
    json["error"] = failure
        .as_ref()
        .map_or(Value::Null, |e| error_json(e, lang));
    if config.json {
        output::print_report(
            &output::report_line(&json),
            || text.clone(),
            lang == Lang::Ja,
        );
        output::note_json_printed();
    } else {
        output::print_report(&text, || text.clone(), lang == Lang::Ja);
    }
    match failure {
        Some(error) => Err(error),
        None => Ok(Exit::Success),
    }
}

/// What stopped the run, whatever wrapped it.
fn cause(error: &CardError) -> &CardError {
    match error {
        CardError::PartlyChanged { source, .. } => source,
        other => other,
    }
}

/// Why a PIN or key reference stopped, as the JSON `result` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The PIN typed was wrong.
    WrongPin,
    /// The PIN is locked.
    Locked,
    /// One try left and the last try was not allowed.
    LastTryRefused,
    /// Not on this card.
    NotIssued,
    /// The card refused the change.
    ChangeRejected,
    /// The card was lost after the PIN was sent.
    OutcomeUnknown,
    /// Anything else.
    Error,
}

impl StopReason {
    /// Every reason, for the test that the schema lists each id.
    #[cfg(test)]
    pub const ALL: [StopReason; 7] = [
        StopReason::WrongPin,
        StopReason::Locked,
        StopReason::LastTryRefused,
        StopReason::NotIssued,
        StopReason::ChangeRejected,
        StopReason::OutcomeUnknown,
        StopReason::Error,
    ];

    /// The reason the card's `error` gives, whatever wrapped it.
    pub fn of(error: Option<&CardError>) -> StopReason {
        match error.map(cause) {
            Some(CardError::WrongPin { .. }) => StopReason::WrongPin,
            Some(CardError::PinLocked { .. }) => StopReason::Locked,
            Some(CardError::LastTryRefused { .. }) => StopReason::LastTryRefused,
            Some(CardError::PinNotIssued { .. }) => StopReason::NotIssued,
            Some(CardError::ChangeRejected { .. }) => StopReason::ChangeRejected,
            Some(CardError::OutcomeUnknown { .. } | CardError::AnswerUnknown { .. }) => {
                StopReason::OutcomeUnknown
            }
            Some(_) | None => StopReason::Error,
        }
    }

    /// The id used in JSON.
    pub fn id(self) -> &'static str {
        match self {
            StopReason::WrongPin => "wrong_pin",
            StopReason::Locked => "locked",
            StopReason::LastTryRefused => "last_try_refused",
            StopReason::NotIssued => "not_issued",
            StopReason::ChangeRejected => "change_rejected",
            StopReason::OutcomeUnknown => "outcome_unknown",
            StopReason::Error => "error",
        }
    }
}

/// The JSON word for the failure that stopped a PIN or key reference.
pub fn failure_id(error: Option<&CardError>) -> &'static str {
    StopReason::of(error).id()
}

/// The JSON words for a key reference that did, or did not, do what the command asks.
#[derive(Debug, Clone, Copy)]
pub struct KeyWords {
    /// The card took the PIN ("changed", "verified").
    pub done: &'static str,
    /// It did not, for a reason that stopped the run elsewhere ("not_changed", "not_verified").
    pub not_done: &'static str,
}

/// A key reference's result word for JSON; where the run stopped, why.
fn key_result_id(
    key: &KeyOutcome,
    stopped_at: Option<KeyReference>,
    error: Option<&CardError>,
    words: KeyWords,
) -> &'static str {
    let stopped_here = (stopped_at == Some(key.key)).then(|| StopReason::of(error));
    key_result_word(key.result, stopped_here, words)
}

/// A key reference's result word: what it did, or (`stopped_here`) why the run stopped at it.
pub fn key_result_word(
    result: KeyResult,
    stopped_here: Option<StopReason>,
    words: KeyWords,
) -> &'static str {
    match (result, stopped_here) {
        (KeyResult::Done, _) => words.done,
        (KeyResult::NotAttempted, _) => "not_attempted",
        (KeyResult::Unknown, _) => "outcome_unknown",
        (KeyResult::NotOnCard, _) => "not_on_card",
        (KeyResult::NotDone, Some(reason)) => reason.id(),
        (KeyResult::NotDone, None) => words.not_done,
    }
}

/// Each key reference of a PIN held in several, as JSON: `application`, `aid`, `result`,
/// `tries_left`, `max_tries`.
pub fn keys_json(
    keys: &[KeyOutcome],
    stopped_at: Option<KeyReference>,
    error: Option<&CardError>,
    words: KeyWords,
) -> Value {
    json!(keys
        .iter()
        .map(|k| json!({
            "application": k.key.application().id(),
            "aid": aid_hex(k.key.application()),
            "result": key_result_id(k, stopped_at, error, words),
            "tries_left": k.tries_left,
            "max_tries": k.key.kind().max_tries(),
        }))
        .collect::<Vec<_>>())
}
