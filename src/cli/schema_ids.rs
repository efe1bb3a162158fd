//! Every id the JSON can carry is in docs/jpki.schema.json's value sets, and every id there is
//! one the code can write: the ids come from the code's own id functions, over every variant of
//! the types behind them. [`every!`] lists a type's variants and matches them exhaustively, so a
//! new variant does not compile until it is listed here, and then its id is checked.

use super::commands::pin_command::{key_result_word, KeyWords, StopReason};
use super::commands::{change_pin, doctor, pins, status};
use super::exit::Exit;
use super::flags::usage::COMMANDS;
use super::io::output::SCHEMA_VERSION;
use super::io::warnings::Warning;
use super::words::pins::{reset_id, uses};
use jpki_card::apdu::StatusWord;
use jpki_card::card::card_info::CardInfoProblem;
use jpki_card::card::certificate::{CertificateProblem, ExpiryState};
use jpki_card::card::guidance::{NextStep, Route, KIOSK_STORES};
use jpki_card::card::token::{CardKind, Phone};
use jpki_card::card::{KeyReference, KeyResult, Outcome, PinFormat, PinKind, PinState};
use serde_json::Value;
use std::collections::BTreeSet;

/// One value of every variant of a type: `every!(Type { pattern => value, ... })`. The patterns
/// are matched exhaustively (a new variant is a compile error here) and each value must match
/// its own pattern.
macro_rules! every {
    ($ty:ty { $($pattern:pat => $value:expr),+ $(,)? }) => {{
        fn exhaustive(value: &$ty) {
            match value {
                $($pattern => {})+
            }
        }
        let values: Vec<$ty> = vec![$($value),+];
        values.iter().for_each(exhaustive);
        $(assert!(matches!(&$value, $pattern), "{:?} is listed under another variant", $value);)+
        values
    }};
}

fn schema() -> Value {
    serde_json::from_str(include_str!("../../docs/jpki.schema.json")).unwrap()
}

/// The ids of `$defs/{def}`'s `key` (or of its items, for an array), null left out.
fn ids(schema: &Value, def: &str, key: &str) -> BTreeSet<String> {
    let property = &schema["$defs"][def]["properties"][key];
    let values = property["enum"]
        .as_array()
        .or_else(|| property["items"]["enum"].as_array())
        .unwrap_or_else(|| panic!("$defs/{def}/properties/{key} has no enum"));
    values
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// Check the code's ids (`written`) against the schema's at `def`.`key`: the same set.
#[track_caller]
fn same<S: AsRef<str>>(def: &str, key: &str, written: impl IntoIterator<Item = S>) {
    let written: BTreeSet<String> = written
        .into_iter()
        .map(|id| id.as_ref().to_string())
        .collect();
    assert_eq!(
        written,
        ids(&schema(), def, key),
        "docs/jpki.schema.json $defs/{def}/properties/{key}: the code's ids (left) differ"
    );
}

fn pin_states() -> Vec<PinState> {
    every!(PinState {
        PinState::Ok => PinState::Ok,
        PinState::LastTry => PinState::LastTry,
        PinState::Locked => PinState::Locked,
        PinState::NotIssued => PinState::NotIssued,
        PinState::Error => PinState::Error,
    })
}

fn routes() -> Vec<Route> {
    every!(Route {
        Route::KioskReset => Route::KioskReset,
        Route::CityOffice => Route::CityOffice,
    })
}

fn next_steps() -> Vec<NextStep> {
    let mut steps = every!(NextStep {
        NextStep::None => NextStep::None,
        NextStep::Reset(_) => NextStep::Reset(Route::KioskReset),
        NextStep::AvoidWrongEntry { .. } => NextStep::AvoidWrongEntry { if_locked: Route::KioskReset },
        NextStep::SignatureCertificateAtCityOffice => NextStep::SignatureCertificateAtCityOffice,
        NextStep::AskCityOffice => NextStep::AskCityOffice,
        NextStep::ReadAgain => NextStep::ReadAgain,
    });
    for route in routes() {
        steps.push(NextStep::Reset(route));
        steps.push(NextStep::AvoidWrongEntry { if_locked: route });
    }
    steps
}

fn card_kinds() -> Vec<CardKind> {
    every!(CardKind {
        CardKind::MyNumberCard => CardKind::MyNumberCard,
        CardKind::JukiCard => CardKind::JukiCard,
        CardKind::Smartphone(_) => CardKind::Smartphone(Phone::Android),
        CardKind::NotJpki(_) => CardKind::NotJpki("OTHER".to_string()),
        CardKind::Unreadable(_) => CardKind::Unreadable(None),
    })
}

fn stop_reasons() -> Vec<StopReason> {
    let all = every!(StopReason {
        StopReason::WrongPin => StopReason::WrongPin,
        StopReason::Locked => StopReason::Locked,
        StopReason::LastTryRefused => StopReason::LastTryRefused,
        StopReason::NotIssued => StopReason::NotIssued,
        StopReason::ChangeRejected => StopReason::ChangeRejected,
        StopReason::OutcomeUnknown => StopReason::OutcomeUnknown,
        StopReason::Error => StopReason::Error,
    });
    assert_eq!(all, StopReason::ALL);
    all
}

fn outcomes() -> Vec<Outcome> {
    every!(Outcome {
        Outcome::Changed => Outcome::Changed,
        Outcome::NotChanged => Outcome::NotChanged,
        Outcome::Unknown => Outcome::Unknown,
        Outcome::NotAttempted => Outcome::NotAttempted,
        Outcome::PartlyChanged => Outcome::PartlyChanged,
    })
}

/// Every word a key reference's `result` can be with `words`.
fn key_results(words: KeyWords) -> Vec<&'static str> {
    let results = every!(KeyResult {
        KeyResult::Done => KeyResult::Done,
        KeyResult::NotDone => KeyResult::NotDone,
        KeyResult::Unknown => KeyResult::Unknown,
        KeyResult::NotAttempted => KeyResult::NotAttempted,
        KeyResult::NotOnCard => KeyResult::NotOnCard,
    });
    let stops = std::iter::once(None).chain(stop_reasons().into_iter().map(Some));
    stops
        .flat_map(|stop| {
            results
                .iter()
                .map(move |r| key_result_word(*r, stop, words))
        })
        .collect()
}

#[test]
fn the_schema_version_is_the_codes() {
    assert_eq!(schema()["$defs"]["schema_version"]["const"], SCHEMA_VERSION);
}

#[test]
fn every_status_id_is_in_the_schema() {
    let states: Vec<&str> = pin_states().into_iter().map(PinState::id).collect();
    same("status_pin", "state", states.iter().copied());
    same("status_key_ref", "state", states.iter().copied());
    let pins: Vec<&str> = PinKind::ALL.into_iter().map(PinKind::id).collect();
    for def in ["status_pin", "change_pin_pin", "verify_pin_pin", "pins_pin"] {
        same(def, "id", pins.iter().copied());
    }
    let steps = next_steps();
    let reasons: Vec<&str> = steps.iter().filter_map(|s| s.reason()).collect();
    let if_locked: Vec<&str> = routes().into_iter().map(Route::id).collect();
    for def in ["status_pin", "change_pin_pin", "verify_pin_pin"] {
        same(def, "next_step", steps.iter().map(|s| s.id()));
        same(def, "reason", reasons.iter().copied());
        same(def, "if_locked", if_locked.iter().copied());
    }
    let kinds: Vec<&str> = card_kinds().iter().map(CardKind::id).collect();
    same("status", "card_kind", kinds.iter().copied());
    same("reader", "card_kind", kinds.iter().copied());
    let expiry = every!(ExpiryState {
        ExpiryState::Valid => ExpiryState::Valid,
        ExpiryState::ExpiresSoon => ExpiryState::ExpiresSoon,
        ExpiryState::Expired => ExpiryState::Expired,
    });
    same(
        "status_auth_certificate",
        "state",
        expiry.into_iter().map(ExpiryState::id),
    );
    let problems = every!(CertificateProblem {
        CertificateProblem::NeedsPin => CertificateProblem::NeedsPin,
        CertificateProblem::Refused(_) => CertificateProblem::Refused(StatusWord::FileNotFound),
        CertificateProblem::Malformed => CertificateProblem::Malformed,
        CertificateProblem::Empty => CertificateProblem::Empty,
        CertificateProblem::BadHeader => CertificateProblem::BadHeader,
        CertificateProblem::TooLong(_) => CertificateProblem::TooLong(0),
        CertificateProblem::Truncated => CertificateProblem::Truncated,
        CertificateProblem::Unparsable(_) => CertificateProblem::Unparsable(String::new()),
    });
    same(
        "status_auth_certificate",
        "error",
        problems.iter().map(status::problem_id),
    );
    let card_info = every!(CardInfoProblem {
        CardInfoProblem::NoApplication => CardInfoProblem::NoApplication,
        CardInfoProblem::Refused(_) => CardInfoProblem::Refused(StatusWord::FileNotFound),
        CardInfoProblem::Malformed => CardInfoProblem::Malformed,
        CardInfoProblem::NotTheLayout => CardInfoProblem::NotTheLayout,
    });
    same(
        "status_card_expiry",
        "error",
        card_info.into_iter().map(status::card_info_problem_id),
    );
    // Key references are listed for a PIN held in several: the juki PIN's.
    let applications: Vec<&str> = KeyReference::ALL
        .into_iter()
        .filter(|k| k.kind() == PinKind::Juki)
        .map(|k| k.application().id())
        .collect();
    for def in ["status_key_ref", "change_pin_key_ref", "verify_pin_key_ref"] {
        same(def, "application", applications.iter().copied());
    }
}

#[test]
fn every_pin_command_id_is_in_the_schema() {
    let stops: Vec<&str> = stop_reasons().into_iter().map(StopReason::id).collect();
    let outcomes: Vec<&str> = outcomes().into_iter().map(change_pin::outcome_id).collect();
    same("change_pin_pin", "outcome", outcomes.iter().copied());
    same(
        "change_pin_pin",
        "result",
        outcomes.iter().chain(&stops).copied(),
    );
    same(
        "verify_pin_pin",
        "result",
        ["verified"].iter().chain(&stops).copied(),
    );
    let changed = KeyWords {
        done: "changed",
        not_done: "not_changed",
    };
    same("change_pin_key_ref", "result", key_results(changed));
    let verified = KeyWords {
        done: "verified",
        not_done: "not_verified",
    };
    same("verify_pin_key_ref", "result", key_results(verified));
}

#[test]
fn every_other_id_is_in_the_schema() {
    let exits = every!(Exit {
        Exit::Success => Exit::Success,
        Exit::Failure => Exit::Failure,
        Exit::Usage => Exit::Usage,
        Exit::InvalidPin => Exit::InvalidPin,
        Exit::ServiceUnavailable => Exit::ServiceUnavailable,
        Exit::NoReaders => Exit::NoReaders,
        Exit::ReaderChoice => Exit::ReaderChoice,
        Exit::NoCard => Exit::NoCard,
        Exit::NotMyNumberCard => Exit::NotMyNumberCard,
        Exit::CardRemoved => Exit::CardRemoved,
        Exit::ReaderFailure => Exit::ReaderFailure,
        Exit::Trace => Exit::Trace,
        Exit::CardAnswer => Exit::CardAnswer,
        Exit::WrongPin => Exit::WrongPin,
        Exit::LastTryRefused => Exit::LastTryRefused,
        Exit::PinLocked => Exit::PinLocked,
        Exit::OutcomeUnknown => Exit::OutcomeUnknown,
        Exit::PinNotIssued => Exit::PinNotIssued,
        Exit::WaitTimedOut => Exit::WaitTimedOut,
        Exit::DoctorFailed => Exit::DoctorFailed,
        Exit::ExperimentalRefused => Exit::ExperimentalRefused,
        Exit::PartlyChanged => Exit::PartlyChanged,
        Exit::CardInUse => Exit::CardInUse,
        Exit::CertificateUnreadable => Exit::CertificateUnreadable,
        Exit::ExportRefused => Exit::ExportRefused,
        Exit::Interrupted => Exit::Interrupted,
    });
    // A run that succeeded has no error object.
    let codes = exits
        .into_iter()
        .filter(|e| *e != Exit::Success)
        .map(Exit::id);
    same("error", "code", codes);
    let warnings = every!(Warning {
        Warning::TraceNotWritten { .. } => Warning::TraceNotWritten {
            path: String::new(),
            reason: String::new(),
        },
        Warning::StateNotSaved { .. } => Warning::StateNotSaved {
            path: String::new(),
            reason: String::new(),
        },
    });
    // The kind is the variant's name, which serde writes.
    let kinds = warnings
        .iter()
        .map(|w| w.to_json()["kind"].as_str().unwrap().to_string());
    same("warning", "kind", kinds);
    same("failure", "command", COMMANDS);
    same("doctor_check", "id", doctor::CHECK_IDS);
    let formats = every!(PinFormat {
        PinFormat::FourDigits => PinFormat::FourDigits,
        PinFormat::Password => PinFormat::Password,
    });
    same(
        "pins_pin",
        "format",
        formats.into_iter().map(pins::format_id),
    );
    same("pins_pin", "reset", PinKind::ALL.into_iter().map(reset_id));
    let used_for = PinKind::ALL
        .into_iter()
        .flat_map(|k| uses(k).iter().map(|u| u.id));
    same("pins_pin", "used_for", used_for);
    same("kiosk_store", "id", KIOSK_STORES.iter().map(|s| s.id));
}
