//! `jpki verify-pin`: check that a PIN is right without changing it. A right PIN puts its
//! counter back at its maximum, which is how a holder with one try left gets all of them back.
//!
//! The same guards as `change-pin`: the format is checked before any transport is opened, the
//! counters are read (and shown, when asking on the terminal) before the PIN is sent, and it is
//! sent once per key reference, never again.

use crate::cli::commands::advice::{add_guidance, advice_after, advice_text};
use crate::cli::commands::pin_command::{self, failure_id, keys_json, KeyWords, PinRun, Reported};
use crate::cli::exit::Exit;
use crate::cli::flags::config::{Config, PinOptions};
use crate::cli::io::output;
use crate::cli::io::pin_entry::{self, Ask};
use crate::cli::io::pin_entry_error::StdinLayout;
use crate::cli::lang::Lang;
use crate::cli::words::pin_commands::{
    counter_line, key_verified_text, not_verified_text, verified_text, verify_prompt,
};
use crate::cli::words::pin_label;
use jpki_card::card::guidance::PinGuidance;
use jpki_card::card::{
    precheck_verify, verify_pin, CardError, Experiment, KeyOutcome, KeyResult, LastTry, Pin,
    PinCommand, PinKind, PinStatus, VerifyReport,
};
use jpki_card::transport::Reader;
use serde_json::{json, Value};

/// Check the input, check the PIN on the card, report; a failure ends with its own exit code.
pub fn run(config: &Config, kind: PinKind, options: PinOptions) -> anyhow::Result<Exit> {
    pin_command::run(config, &VerifyPin { kind: [kind] }, options)
}

/// `verify-pin` in the PIN commands' run: one PIN, checked, sent once per key reference.
struct VerifyPin {
    /// The PIN named (an array: the run asks for a slice of the PINs sent).
    kind: [PinKind; 1],
}

impl PinRun for VerifyPin {
    type Entry = Pin;
    type Report = VerifyReport;

    const COMMAND: PinCommand = PinCommand::Verify;

    fn kinds(&self) -> &[PinKind] {
        &self.kind
    }

    fn read_stdin(&self, _lang: Lang) -> anyhow::Result<Pin> {
        let [typed] = pin_entry::read_stdin(StdinLayout::Pin)?;
        Ok(Pin::new(self.kind[0], &typed)?)
    }

    fn counters_text(&self, statuses: &[PinStatus], lang: Lang) -> String {
        statuses
            .iter()
            .find(|s| s.kind == self.kind[0])
            .map(|status| format!("{}\n", counter_line(status, lang)))
            .unwrap_or_default()
    }

    fn precheck(&self, statuses: &[PinStatus], last_try: LastTry) -> Option<VerifyReport> {
        precheck_verify(self.kind[0], statuses, last_try)
    }

    fn prompt(&self, ask: Ask, lang: Lang) -> anyhow::Result<Pin> {
        let kind = self.kind[0];
        let typed = ask(&verify_prompt(kind, lang))?;
        Ok(Pin::new(kind, &typed)?)
    }

    fn send(
        &self,
        reader: &mut dyn Reader,
        pin: Pin,
        last_try: LastTry,
        experiments: &[Experiment],
    ) -> VerifyReport {
        verify_pin(reader, &pin, last_try, experiments)
    }

    fn report(
        &self,
        report: VerifyReport,
        reader: &str,
        before: &[PinStatus],
        lang: Lang,
    ) -> Reported {
        reported(report, reader, before, lang)
    }
}

/// A check's report, ready to print, with the advice after it: `verify-pin`'s, and the first
/// part of `certificate sign`'s.
pub fn reported(
    mut report: VerifyReport,
    reader: &str,
    before: &[PinStatus],
    lang: Lang,
) -> Reported {
    let keys: &[KeyOutcome] = &report.keys;
    let advice = advice_after(&[(report.kind, keys)], report.error.as_ref(), before)[0];
    let json = to_json(reader, &report, advice.as_ref());
    let text = to_text(&report, advice.as_ref(), lang);
    Reported {
        error: report.error.take().map(anyhow::Error::from),
        json,
        text,
    }
}

/// The JSON word for the result.
fn result_id(report: &VerifyReport) -> &'static str {
    match &report.error {
        None => "verified",
        error => failure_id(error.as_ref()),
    }
}

/// Whether the PIN is right: true, false, or null when the card was lost after it was sent.
fn verified(report: &VerifyReport) -> Option<bool> {
    match &report.error {
        None => Some(true),
        Some(CardError::OutcomeUnknown { .. } | CardError::AnswerUnknown { .. }) => None,
        Some(_) => Some(false),
    }
}

fn to_json(reader: &str, report: &VerifyReport, advice: Option<&PinGuidance>) -> Value {
    let kind = report.kind;
    let mut entry = json!({
        "id": kind.id(),
        "name": kind.official_name(),
        "verified": verified(report),
        "result": result_id(report),
        "tries_left": report.tries_left,
        "max_tries": kind.max_tries(),
        "key_refs": null,
    });
    if report.keys.len() > 1 {
        let words = KeyWords {
            done: "verified",
            not_done: "not_verified",
        };
        entry["key_refs"] = keys_json(
            &report.keys,
            report.stopped_at,
            report.error.as_ref(),
            words,
        );
    }
    add_guidance(&mut entry, advice);
    let mut out = output::json_object(Some("verify-pin"));
    out["reader"] = json!(reader);
    out["pins"] = json!([entry]);
    out["error"] = Value::Null;
    out
}

fn to_text(report: &VerifyReport, advice: Option<&PinGuidance>, lang: Lang) -> String {
    let kind = report.kind;
    let verdict = match &report.error {
        None => verified_text(kind, lang),
        Some(error) => not_verified_text(
            matches!(error, CardError::WrongPin { .. }),
            report.tries_left,
            kind.max_tries(),
            lang,
        ),
    };
    let mut out = format!("{}: {verdict}\n", pin_label(kind, lang));
    let results: Vec<KeyResult> = report.keys.iter().map(|k| k.result).collect();
    if results.windows(2).any(|w| w[0] != w[1]) {
        // The juki PIN's key references said different things: each one, on its own line.
        for key in &report.keys {
            let wrong_here = report.stopped_at == Some(key.key)
                && matches!(report.error, Some(CardError::WrongPin { .. }));
            out.push_str(&format!(
                "  {}: {}\n",
                key.key.application().label(),
                key_verified_text(key.result, wrong_here, lang)
            ));
        }
    }
    out.push_str(&advice_text(&[advice.copied()], lang));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::failure::exit_of;
    use crate::cli::flags::config::{experiments, replaying};
    use crate::cli::io::pin_entry_error::PinEntryError;

    /// Run interactively with `answers` typed at the prompt; the exit code and the prompts.
    fn interactive(trace: &str, kind: PinKind, answers: &[&str]) -> (Exit, Vec<String>) {
        let mut asked = Vec::new();
        let mut typed = answers.iter();
        let mut ask = |prompt: &str| {
            asked.push(prompt.to_string());
            typed
                .next()
                .map(|t| zeroize::Zeroizing::new(t.to_string()))
                .ok_or_else(|| PinEntryError::NoTerminal("asked once too often".to_string()))
        };
        let command = VerifyPin { kind: [kind] };
        let result = pin_command::run_with(
            &replaying(trace),
            &command,
            Some(&mut ask),
            LastTry::Refuse,
            // `run_with` comes after the command's own refusal: the tests name every experiment.
            experiments(true),
        );
        (exit_of(result), asked)
    }

    #[test]
    fn interactive_runs_read_the_counters_then_ask_once() {
        let (code, asked) = interactive(
            "verify-pin/interactive-juki.trace",
            PinKind::Juki,
            &["4827"],
        );
        assert_eq!(code, Exit::Success);
        assert_eq!(asked, ["Resident registry PIN to check (4 digits): "]);
    }

    #[test]
    fn interactive_runs_refuse_before_asking_for_an_unusable_pin() {
        let (code, asked) = interactive("status/some-tries-used.trace", PinKind::Auth, &[]);
        assert_eq!((code, asked.len()), (Exit::LastTryRefused, 0));
        let (code, asked) = interactive("status/locked-63c0.trace", PinKind::Auth, &[]);
        assert_eq!((code, asked.len()), (Exit::PinLocked, 0));
    }

    #[test]
    fn an_entry_that_does_not_fit_sends_no_pin() {
        // The trace holds the counter read only: a VERIFY would fail the replay.
        let (code, _) = interactive("status/fresh.trace", PinKind::Auth, &["48a7"]);
        assert_eq!(code, Exit::InvalidPin);
    }
}
