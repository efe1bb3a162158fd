//! What `change-pin` and `verify-pin` share: how the holder types the PIN, the refusal of an
//! experimental PIN, and how a run that may have sent a PIN ends — the reader finished, the
//! report printed whatever finishing said, and the card's answer as the exit code — with the
//! JSON words for why a PIN or a key reference stopped.

use super::config::{Config, PinInput};
use super::exit::Exit;
use super::failure::error_json;
use super::lang::Lang;
use super::open::open;
use super::output;
use super::pin_entry::{Ask, Terminal};
use super::status::aid_hex;
use jpki_card::card::{
    read_pin_statuses, CardError, KeyOutcome, KeyReference, KeyResult, NeedsExperimental,
    PinCommand, PinKind, PinStatus,
};
use jpki_card::transport::{Reader, TransportError};
use serde_json::{json, Value};

/// Run `command` with the holder's way of typing: on the terminal (`Some`), opened before the
/// card is touched so that a missing terminal costs nothing, or from stdin (`None`).
pub fn with_pin_entry(
    input: PinInput,
    command: impl FnOnce(Option<Ask>) -> anyhow::Result<Exit>,
) -> anyhow::Result<Exit> {
    match input {
        PinInput::Stdin => command(None),
        PinInput::Prompt => {
            let mut terminal = Terminal::open()?;
            command(Some(&mut |prompt| terminal.ask(prompt)))
        }
    }
}

/// An experimental PIN is sent only when the holder asked with `--experimental`.
pub fn refuse_unless_experimental(
    kinds: &[PinKind],
    command: PinCommand,
    experimental: bool,
) -> Result<(), NeedsExperimental> {
    match kinds.iter().find(|k| k.is_experimental()) {
        Some(&kind) if !experimental => Err(NeedsExperimental { kind, command }),
        _ => Ok(()),
    }
}

/// Stop before any PIN was sent; the reader still writes what it recorded.
pub fn abandon(mut reader: Box<dyn Reader>, error: anyhow::Error) -> anyhow::Result<Exit> {
    // The run's own error is the one to report; a replay left half-used is expected here.
    let _ = reader.finish();
    Err(error)
}

/// Open the card and read every counter before the prompt: they are shown above it, and a PIN
/// the guard would refuse is refused before it is asked for. No PIN is sent here; the guard
/// runs again inside the transaction that sends one.
pub fn open_and_read_counters(
    config: &Config,
) -> anyhow::Result<(Box<dyn Reader>, Vec<PinStatus>)> {
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
/// card's error wins; a reader that could not be finished (`finished`: a --record trace not
/// written, a replay not used up) is the failure otherwise. A failed print neither hides the
/// report (it goes to stderr then) nor turns "changed" into a failure exit.
pub fn end_run(
    config: &Config,
    finished: Result<(), TransportError>,
    card_error: Option<CardError>,
    mut json: Value,
    text: String,
) -> anyhow::Result<Exit> {
    let lang = config.lang;
    let failure = match card_error {
        Some(error) => Some(anyhow::Error::from(error)),
        None => finished.err().map(anyhow::Error::from),
    };
    json["error"] = failure
        .as_ref()
        .map_or(Value::Null, |e| error_json(e, lang));
    if config.json {
        output::print_report(&output::json_line(&json), || text.clone(), lang == Lang::Ja);
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

/// The JSON word for the failure that stopped a PIN or key reference.
pub fn failure_id(error: Option<&CardError>) -> &'static str {
    match error.map(cause) {
        Some(CardError::WrongPin { .. }) => "wrong_pin",
        Some(CardError::PinLocked { .. }) => "locked",
        Some(CardError::LastTryRefused { .. }) => "last_try_refused",
        Some(CardError::PinNotIssued { .. }) => "not_issued",
        Some(CardError::ChangeRejected { .. }) => "change_rejected",
        Some(CardError::OutcomeUnknown { .. } | CardError::AnswerUnknown { .. }) => {
            "outcome_unknown"
        }
        Some(_) | None => "error",
    }
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
    match key.result {
        KeyResult::Done => words.done,
        KeyResult::NotAttempted => "not_attempted",
        KeyResult::Unknown => "outcome_unknown",
        KeyResult::NotOnCard => "not_on_card",
        KeyResult::NotDone if stopped_at == Some(key.key) => failure_id(error),
        KeyResult::NotDone => words.not_done,
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
