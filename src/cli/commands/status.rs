//! `jpki status`: every PIN's tries left, spending none, with what to do about each; plain
//! `status` adds the card's kind and its auth certificate's expiry.

use crate::cli::commands::advice::add_guidance;
use crate::cli::commands::open::with_card;
use crate::cli::exit::Exit;
use crate::cli::flags::config::Config;
use crate::cli::io::colour::paint;
use crate::cli::io::output;
use crate::cli::io::render::{printable, table};
use crate::cli::words::guidance::{
    city_office_note, guidance_heading, guidance_lines, pins_pointer,
};
use crate::cli::words::pin_label;
use crate::cli::words::status::{
    card_expiry_line, card_heading, card_kind_text, certificate_lines, key_counters_text,
    reader_heading, state_word, table_headings, unreadable_detail,
};
use jpki_card::card::card_info::{CardExpiry, CardInfoProblem};
use jpki_card::card::certificate::ExpiryState;
use jpki_card::card::certificate::{date_text, CertificateProblem, Expiry};
use jpki_card::card::guidance::{guidance_with, CertificateValidity, NextStep, PinGuidance};
use jpki_card::card::token::CardKind;
use jpki_card::card::{
    read_card_report, read_pin_statuses, Application, AuthNotAfter, KeyCounter, PinStatus,
};
use serde_json::{json, Value};

/// What plain `status` adds to the counters.
struct CardChecks {
    kind: CardKind,
    certificate: Result<Expiry, CertificateProblem>,
    card_expiry: CardExpiry,
}

/// Read the card (only the counters with `--pins-only`) and print it.
pub fn run(config: &Config, pins_only: bool) -> anyhow::Result<Exit> {
    let (reader, statuses, checks) = with_card(config, |card| {
        let reader = card.name().to_string();
        if pins_only {
            return Ok((reader, read_pin_statuses(card)?, None));
        }
        let report = read_card_report(card)?;
        let checks = CardChecks {
            kind: report.kind,
            certificate: match report.auth_not_after {
                AuthNotAfter::Date(not_after) => Ok(Expiry::on(not_after, config.today)),
                AuthNotAfter::Untold(problem) => Err(problem),
            },
            card_expiry: report.card_expiry,
        };
        Ok((reader, report.pins, Some(checks)))
    })?;
    let advice = guidance_with(&statuses, validity(checks.as_ref()));
    if config.json {
        output::print_json(&to_json(&reader, &statuses, &advice, checks.as_ref()))?;
    } else {
        output::print(to_text(
            &reader,
            &statuses,
            &advice,
            checks.as_ref(),
            config,
        ))?;
    }
    Ok(Exit::Success)
}

/// What the advice may assume of the auth certificate: nothing with `--pins-only` or when it
/// could not be read.
fn validity(checks: Option<&CardChecks>) -> CertificateValidity {
    match checks.map(|c| &c.certificate) {
        Some(Ok(expiry)) if expiry.state() == ExpiryState::Expired => CertificateValidity::Expired,
        Some(Ok(_)) => CertificateValidity::Valid,
        Some(Err(_)) | None => CertificateValidity::Unknown,
    }
}

/// The AID as JSON shows it: upper-case hex, no spaces, like status words.
pub(super) fn aid_hex(application: Application) -> String {
    hex::encode_upper(application.aid())
}

/// One key reference's counter: `application`, `aid`, `tries_left`, `max_tries`, `state`, `sw`
/// (the status word when the counter is not a plain number, else null).
fn key_json(key: &KeyCounter) -> Value {
    let counter = key.counter;
    json!({
        "application": key.key.application().id(),
        "aid": aid_hex(key.key.application()),
        "tries_left": counter.tries_left(),
        "max_tries": key.key.kind().max_tries(),
        "state": counter.state().id(),
        "sw": counter.status_word().map(|sw| sw.hex()),
    })
}

fn pin_json(status: &PinStatus, advice: &PinGuidance) -> Value {
    let counter = status.counter;
    let mut entry = json!({
        "id": status.kind.id(),
        "name": status.kind.official_name(),
        "tries_left": counter.tries_left(),
        "max_tries": status.kind.max_tries(),
        "state": counter.state().id(),
        "sw": counter.status_word().map(|sw| sw.hex()),
        "key_refs": null,
    });
    // A PIN held in several key references lists each, absent ones included, so a script can
    // tell "not on this card" from "not read".
    if status.keys.len() > 1 {
        entry["key_refs"] = json!(status.keys.iter().map(key_json).collect::<Vec<_>>());
    }
    add_guidance(&mut entry, Some(advice));
    entry
}

/// Why the auth certificate could not be read, as JSON says it.
pub(crate) fn problem_id(problem: &CertificateProblem) -> &'static str {
    match problem {
        CertificateProblem::NeedsPin => "needs_pin",
        CertificateProblem::Refused(_) => "refused",
        CertificateProblem::Malformed => "malformed",
        // An EF that gave no bytes has no header either: status's ids stay as they were.
        CertificateProblem::BadHeader | CertificateProblem::Empty => "bad_header",
        CertificateProblem::TooLong(_) => "too_long",
        CertificateProblem::Truncated => "truncated",
        CertificateProblem::Unparsable(_) => "unparsable",
    }
}

/// The card's own expiry: `date`, or `error` (and `sw`) saying why the card told none.
fn card_expiry_json(expiry: CardExpiry) -> Value {
    let (date, error, sw) = match expiry {
        CardExpiry::Date(date) => (Some(date_text(date)), None, None),
        CardExpiry::Untold(problem) => {
            let sw = match problem {
                CardInfoProblem::Refused(sw) => Some(sw.hex()),
                _ => None,
            };
            (None, Some(card_info_problem_id(problem)), sw)
        }
    };
    json!({ "date": date, "source": "common_ap_ef_0001", "error": error, "sw": sw })
}

/// Why the card told no expiry, as JSON says it.
pub(crate) fn card_info_problem_id(problem: CardInfoProblem) -> &'static str {
    match problem {
        CardInfoProblem::NoApplication => "no_application",
        CardInfoProblem::Refused(_) => "refused",
        CardInfoProblem::Malformed => "malformed",
        CardInfoProblem::NotTheLayout => "not_the_layout",
    }
}

fn to_json(
    reader: &str,
    statuses: &[PinStatus],
    advice: &[PinGuidance],
    checks: Option<&CardChecks>,
) -> Value {
    let mut out = output::json_object(Some("status"));
    out["reader"] = json!(reader);
    out["card_kind"] = Value::Null;
    out["token"] = Value::Null;
    out["auth_certificate"] = Value::Null;
    out["card_expiry"] = Value::Null;
    if let Some(checks) = checks {
        out["card_expiry"] = card_expiry_json(checks.card_expiry);
        out["card_kind"] = json!(checks.kind.id());
        out["token"] = json!(checks.kind.token_name());
        match &checks.certificate {
            Ok(expiry) => {
                out["auth_certificate"] = json!({
                    "not_after": date_text(expiry.not_after),
                    "days_left": expiry.days_left,
                    "state": expiry.state().id(),
                    "renewal_opens": date_text(expiry.renewal_opens()),
                    "error": null,
                    "sw": null,
                });
            }
            Err(problem) => {
                let sw = match problem {
                    CertificateProblem::Refused(sw) => Some(sw.hex()),
                    _ => None,
                };
                out["auth_certificate"] = json!({
                    "not_after": null,
                    "days_left": null,
                    "state": null,
                    "renewal_opens": null,
                    "error": problem_id(problem),
                    "sw": sw,
                });
            }
        }
    }
    out["pins"] = json!(statuses
        .iter()
        .zip(advice)
        .map(|(s, a)| pin_json(s, a))
        .collect::<Vec<_>>());
    out["error"] = Value::Null;
    out
}

fn to_text(
    reader: &str,
    statuses: &[PinStatus],
    advice: &[PinGuidance],
    checks: Option<&CardChecks>,
    config: &Config,
) -> String {
    let lang = config.lang;
    let mut out = format!("{}: {}\n", reader_heading(lang), printable(reader));
    if let Some(checks) = checks {
        out.push_str(&format!(
            "{}: {}\n",
            card_heading(lang),
            card_kind_text(&checks.kind, lang)
        ));
        for line in certificate_lines(&checks.certificate, lang) {
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str(&card_expiry_line(checks.card_expiry, config.today, lang));
        out.push('\n');
    }
    let mut rows = vec![table_headings(lang).map(String::from).to_vec()];
    for status in statuses {
        let tries = match status.counter.tries_left() {
            Some(n) => format!("{n}/{}", status.kind.max_tries()),
            None => "-".to_string(),
        };
        let state = status.counter.state();
        let mut word = paint(state_word(state, lang), state, config.colour);
        if let Some(keys) = key_counters_text(status, lang) {
            // The juki PIN's two counters differ: the line shows the lower and then each.
            word.push_str(&format!(" ({keys})"));
        } else if let Some(detail) = unreadable_detail(status.counter, lang) {
            word.push_str(&format!(" ({detail})"));
        }
        let name = pin_label(status.kind, lang);
        // The state is the last column, which the table never pads, so colour codes are safe.
        rows.push(vec![name, tries, word]);
    }
    out.push_str(&table(&rows));
    // A smartphone carries only the two JPKI PINs by design: nothing to ask the city office.
    let smartphone = checks.is_some_and(|c| c.kind.is_smartphone());
    let lines: Vec<String> = advice
        .iter()
        .filter(|a| !(smartphone && a.step == NextStep::AskCityOffice))
        .flat_map(|a| guidance_lines(a, lang))
        .collect();
    if !lines.is_empty() {
        out.push('\n');
        out.push_str(guidance_heading(lang));
        out.push('\n');
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
        if let Some(note) = city_office_note(advice, lang) {
            out.push_str(note);
            out.push('\n');
        }
        out.push_str(pins_pointer(lang));
        out.push('\n');
    }
    out
}
