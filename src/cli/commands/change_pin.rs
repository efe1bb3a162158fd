//! `jpki change-pin`: take the PINs from the user, check them, then change them on the card.
//!
//! Everything typed is checked before any transport is opened, so bad input never reaches a
//! reader; an experimental PIN without `--experimental` is refused before that. PINs live only
//! in zeroizing buffers and never appear in output.

use crate::cli::commands::advice::{add_guidance, advice_after, advice_text};
use crate::cli::commands::pin_command::{self, failure_id, keys_json, KeyWords, PinRun, Reported};
use crate::cli::exit::Exit;
use crate::cli::flags::config::{Config, PinOptions};
use crate::cli::io::output;
use crate::cli::io::pin_entry::{self, Ask};
use crate::cli::io::pin_entry_error::{PinEntryError, StdinLayout};
use crate::cli::lang::Lang;
use crate::cli::words::pin_commands::{
    change_prompts, counter_line, key_result_text, outcome_word, weakness_warning,
};
use crate::cli::words::pin_label;
use jpki_card::card::guidance::PinGuidance;
use jpki_card::card::{
    change_pins, precheck_change, weakness, CardError, ChangeReport, ChangeTargets, Experiment,
    KeyOutcome, LastTry, Outcome, PinChange, PinCommand, PinKind, PinOutcome, PinStatus,
};
use jpki_card::transport::Reader;
use serde_json::{json, Value};
use zeroize::Zeroizing;

/// Check the input, change the PINs, report each one; a failure ends with its own exit code.
pub fn run(config: &Config, pins: &[PinKind], options: PinOptions) -> anyhow::Result<Exit> {
    // The PINs named are refused first when they make no sense together.
    let command = ChangePin {
        targets: ChangeTargets::new(pins)?,
    };
    pin_command::run(config, &command, options)
}

/// `change-pin` in the PIN commands' run: the PINs named, changed together.
struct ChangePin {
    targets: ChangeTargets,
}

impl PinRun for ChangePin {
    type Entry = PinChange;
    type Report = ChangeReport;

    const COMMAND: PinCommand = PinCommand::Change;

    fn kinds(&self) -> &[PinKind] {
        self.targets.kinds()
    }

    fn read_stdin(&self, lang: Lang) -> anyhow::Result<PinChange> {
        let [current, new] = pin_entry::read_stdin(StdinLayout::CurrentThenNew)?;
        let change = PinChange::new(&self.targets, &current, &new)?;
        drop((current, new));
        warn_if_guessable(&change, lang);
        Ok(change)
    }

    fn counters_text(&self, statuses: &[PinStatus], lang: Lang) -> String {
        counters_text(&self.targets, statuses, lang)
    }

    fn precheck(&self, statuses: &[PinStatus], last_try: LastTry) -> Option<ChangeReport> {
        precheck_change(&self.targets, statuses, last_try)
    }

    fn prompt(&self, ask: Ask, lang: Lang) -> anyhow::Result<PinChange> {
        let [current, new] = prompt(&self.targets, lang, ask)?;
        let change = PinChange::new(&self.targets, &current, &new)?;
        drop((current, new));
        warn_if_guessable(&change, lang);
        Ok(change)
    }

    fn send(
        &self,
        reader: &mut dyn Reader,
        change: PinChange,
        last_try: LastTry,
        experiments: &[Experiment],
    ) -> ChangeReport {
        change_pins(reader, &change, last_try, experiments)
    }

    fn report(
        &self,
        mut report: ChangeReport,
        reader: &str,
        before: &[PinStatus],
        lang: Lang,
    ) -> Reported {
        let after: Vec<(PinKind, &[KeyOutcome])> = report
            .outcomes
            .iter()
            .map(|o| (o.kind, o.keys.as_slice()))
            .collect();
        let advice = advice_after(&after, report.error.as_ref(), before);
        let json = to_json(reader, &report, &advice);
        let text = to_text(&report, &advice, lang);
        Reported {
            error: report.error.take().map(anyhow::Error::from),
            json,
            text,
        }
    }
}

fn warn_if_guessable(change: &PinChange, lang: Lang) {
    if let Some(weakness) = weakness(change.new_pin()) {
        output::note(format!("{}\n", weakness_warning(weakness, lang)));
    }
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
) -> Result<[Zeroizing<String>; 2], PinEntryError> {
    let [current_prompt, new_prompt, again_prompt] =
        change_prompts(targets.kinds(), targets.format(), lang);
    let current = ask(&current_prompt)?;
    let new = ask(&new_prompt)?;
    let again = ask(&again_prompt)?;
    if *new != *again {
        return Err(PinEntryError::Mismatch);
    }
    Ok([current, new])
}

/// The per-PIN result word for JSON: what happened, or why not.
fn result_id(outcome: &PinOutcome, error: Option<&CardError>) -> &'static str {
    match (outcome.outcome, error) {
        (Outcome::NotChanged, Some(_)) => failure_id(error),
        (other, _) => outcome_id(other),
    }
}

/// The PIN-level outcome word for JSON.
pub(crate) fn outcome_id(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Changed => "changed",
        Outcome::NotChanged => "not_changed",
        Outcome::Unknown => "outcome_unknown",
        Outcome::NotAttempted => "not_attempted",
        Outcome::PartlyChanged => "partly_changed",
    }
}

fn to_json(reader: &str, report: &ChangeReport, advice: &[Option<PinGuidance>]) -> Value {
    let error = report.error.as_ref();
    let pins: Vec<Value> = report
        .outcomes
        .iter()
        .zip(advice)
        .map(|(o, advice)| {
            let mut entry = json!({
                "id": o.kind.id(),
                "name": o.kind.official_name(),
                "changed": o.outcome.changed(),
                "outcome": outcome_id(o.outcome),
                "result": result_id(o, error),
                "tries_left": o.tries_left,
                "max_tries": o.kind.max_tries(),
                "key_refs": null,
            });
            if o.keys.len() > 1 {
                let words = KeyWords {
                    done: "changed",
                    not_done: "not_changed",
                };
                entry["key_refs"] = keys_json(&o.keys, report.stopped_at, error, words);
            }
            add_guidance(&mut entry, advice.as_ref());
            entry
        })
        .collect();
    let mut out = output::json_object(Some("change-pin"));
    out["reader"] = json!(reader);
    out["pins"] = json!(pins);
    out["error"] = Value::Null;
    out
}

fn to_text(report: &ChangeReport, advice: &[Option<PinGuidance>], lang: Lang) -> String {
    let mut out = String::new();
    for o in &report.outcomes {
        let name = pin_label(o.kind, lang);
        out.push_str(&format!("{name}: {}\n", outcome_word(o.outcome, lang)));
        if o.outcome == Outcome::PartlyChanged {
            // Which key reference holds which PIN now; never the PIN itself.
            for key in &o.keys {
                out.push_str(&format!(
                    "  {}: {}\n",
                    key.key.application().label(),
                    key_result_text(key.result, lang)
                ));
            }
        }
    }
    out.push_str(&advice_text(advice, lang));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::failure::exit_of;
    use crate::cli::flags::config::{experiments, replaying};

    /// Run interactively with `answers` typed at the prompts, in order; the exit code.
    fn interactive(trace: &str, pins: &[PinKind], answers: &[&str]) -> (Exit, Vec<String>) {
        interactive_with(trace, pins, answers, true)
    }

    fn interactive_with(
        trace: &str,
        pins: &[PinKind],
        answers: &[&str],
        experimental: bool,
    ) -> (Exit, Vec<String>) {
        let mut asked = Vec::new();
        let mut typed = answers.iter();
        let mut ask = |prompt: &str| {
            asked.push(prompt.to_string());
            Ok(Zeroizing::new(
                typed.next().expect("asked once too often").to_string(),
            ))
        };
        let result = ChangeTargets::new(pins)
            .map_err(anyhow::Error::from)
            .map(|targets| ChangePin { targets })
            .and_then(|command| {
                pin_command::refuse_unless_experimental(&command, experimental)?;
                pin_command::run_with(
                    &replaying(trace),
                    &command,
                    Some(&mut ask),
                    LastTry::Refuse,
                    experiments(experimental),
                )
            });
        (exit_of(result), asked)
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
    fn juki_without_experimental_is_refused_before_the_card_is_read() {
        // The trace does not exist: opening it would exit 11.
        let (code, asked) = interactive_with("/nonexistent.trace", &[PinKind::Juki], &[], false);
        assert_eq!((code, asked.len()), (Exit::ExperimentalRefused, 0));
    }
}
