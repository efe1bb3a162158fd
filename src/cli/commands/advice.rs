//! What to do next about a PIN after `change-pin` or `verify-pin`: the same advice, in the same
//! words, as `status` gives for the counters the run ended with. One source of guidance
//! (`jpki_card::card::guidance`), whichever command shows it.

use crate::cli::lang::Lang;
use crate::cli::words::guidance::{city_office_note, guidance_heading, guidance_lines};
use jpki_card::apdu::StatusWord;
use jpki_card::card::guidance::{guidance, NextStep, PinGuidance};
use jpki_card::card::{
    CardError, KeyCounter, KeyOutcome, KeyResult, PinKind, PinStatus, RetryCounter,
};
use serde_json::{json, Value};

/// The PIN's counters as they are after the run: when every one is known, or when one is known
/// to be locked (a locked key reference locks the PIN, whatever the others hold).
fn status_after(
    kind: PinKind,
    keys: &[KeyOutcome],
    error: Option<&CardError>,
) -> Option<PinStatus> {
    let locked_sw = match error {
        Some(CardError::PinLocked { sw, .. }) => *sw,
        _ => StatusWord::TriesLeft(0),
    };
    let known: Vec<Option<KeyCounter>> = keys
        .iter()
        .map(|k| {
            let counter = match (k.result, k.tries_left) {
                (KeyResult::NotOnCard, _) => RetryCounter::Absent,
                (_, Some(0)) => RetryCounter::Blocked(locked_sw),
                (_, Some(n)) => RetryCounter::Remaining(n),
                (_, None) => return None,
            };
            Some(KeyCounter {
                key: k.key,
                counter,
            })
        })
        .collect();
    let locked = known
        .iter()
        .flatten()
        .any(|k| matches!(k.counter, RetryCounter::Blocked(_)));
    let keys: Vec<KeyCounter> = if locked {
        known.into_iter().flatten().collect()
    } else {
        known.into_iter().collect::<Option<Vec<_>>>()?
    };
    Some(PinStatus::new(kind, keys))
}

/// What `status` would advise about each PIN of `after` (kind, key outcomes) now, knowing the
/// other PINs' counters read before the run (`before`, empty with `--stdin`). `None` for a PIN
/// whose counters are not all known.
pub fn advice_after(
    after: &[(PinKind, &[KeyOutcome])],
    error: Option<&CardError>,
    before: &[PinStatus],
) -> Vec<Option<PinGuidance>> {
    let now: Vec<Option<PinStatus>> = after
        .iter()
        .map(|(kind, keys)| status_after(*kind, keys, error))
        .collect();
    let mut statuses: Vec<PinStatus> = before
        .iter()
        .filter(|s| !after.iter().any(|(kind, _)| *kind == s.kind))
        .cloned()
        .collect();
    statuses.extend(now.iter().flatten().cloned());
    let advice = guidance(&statuses);
    now.iter()
        .map(|status| {
            let status = status.as_ref()?;
            advice.iter().find(|g| g.kind == status.kind).copied()
        })
        .collect()
}

/// The "What to do:" block of a report, empty when there is nothing to do.
pub fn advice_text(advice: &[Option<PinGuidance>], lang: Lang) -> String {
    let lines: Vec<String> = advice
        .iter()
        .flatten()
        .filter(|a| a.step != NextStep::None)
        .flat_map(|a| guidance_lines(a, lang))
        .collect();
    if lines.is_empty() {
        return String::new();
    }
    let mut out = format!("\n{}\n", guidance_heading(lang));
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    let known: Vec<PinGuidance> = advice.iter().flatten().copied().collect();
    if let Some(note) = city_office_note(&known, lang) {
        out.push_str(note);
        out.push('\n');
    }
    out
}

/// The advice fields of a PIN's JSON entry: `next_step`, `reason`, `if_locked`,
/// `same_value_hint`; all null when the advice is not known.
pub fn add_guidance(entry: &mut Value, advice: Option<&PinGuidance>) {
    let Some(advice) = advice else {
        for key in ["next_step", "reason", "if_locked", "same_value_hint"] {
            entry[key] = Value::Null;
        }
        return;
    };
    entry["next_step"] = json!(advice.step.id());
    entry["reason"] = json!(advice.step.reason());
    entry["if_locked"] = match advice.step {
        NextStep::AvoidWrongEntry { if_locked } => json!(if_locked.id()),
        _ => Value::Null,
    };
    entry["same_value_hint"] = json!(advice.same_value_hint);
}
