//! `jpki doctor`: the checks between a holder and a working `jpki status`, one line each with OK
//! or the fix, and the known reader caveats. Exit code 19 when a check fails.

use crate::cli::commands::open::{probe, wait_if_asked};
use crate::cli::exit::Exit;
use crate::cli::failure::error_text;
use crate::cli::flags::config::{CardSource, Config};
use crate::cli::io::output;
use crate::cli::io::render::{printable, printable_lines};
use crate::cli::io::warnings;
use crate::cli::lang::Lang;
use crate::cli::words::doctor::{self as words, check_label};
use crate::cli::words::failure::{start_pcsc_service, transport_text};
use crate::cli::words::known_readers::readers_seen;
use crate::cli::words::status::card_kind_text;
use jpki_card::card::token::CardKind;
use jpki_card::card::CardError;
use jpki_card::transport::pcsc::{choose_reader, list_readers, ReaderInfo};
use jpki_card::transport::trace::Trace;
use jpki_card::transport::TransportError;
use serde_json::json;

/// One check's outcome, as JSON writes it (docs/json.md, `doctor.checks[]`).
#[derive(serde::Serialize)]
struct Check {
    id: &'static str,
    ok: bool,
    detail: String,
    fix: Option<String>,
}

/// The checks' ids, in the order they run (docs/json.md, `doctor.checks[]`).
pub(crate) const CHECK_IDS: [&str; 5] = ["service", "readers", "card", "jpki_application", "token"];

fn pass(id: &'static str, detail: impl Into<String>) -> Check {
    debug_assert!(CHECK_IDS.contains(&id), "{id} is not in CHECK_IDS");
    Check {
        id,
        ok: true,
        detail: detail.into(),
        fix: None,
    }
}

fn fail(id: &'static str, detail: impl Into<String>, fix: &str) -> Check {
    debug_assert!(CHECK_IDS.contains(&id), "{id} is not in CHECK_IDS");
    Check {
        id,
        ok: false,
        detail: detail.into(),
        fix: Some(fix.to_string()),
    }
}

/// The USB devices plugged in, as (vendor, product) ids in lower-case hex, from Linux's sysfs
/// (nothing to find elsewhere): a reader PC/SC does not list is still seen here.
fn usb_devices() -> Vec<(String, String)> {
    if cfg!(target_os = "linux") {
        usb_devices_under(std::path::Path::new("/sys/bus/usb/devices"))
    } else {
        Vec::new()
    }
}

/// The vendor and product ids of every USB device directory under `devices`.
fn usb_devices_under(devices: &std::path::Path) -> Vec<(String, String)> {
    let Ok(devices) = std::fs::read_dir(devices) else {
        return Vec::new();
    };
    devices
        .flatten()
        .map(|device| {
            let read = |name: &str| {
                std::fs::read_to_string(device.path().join(name))
                    .map(|s| s.trim().to_lowercase())
                    .unwrap_or_default()
            };
            (read("idVendor"), read("idProduct"))
        })
        .filter(|(vendor, _)| !vendor.is_empty())
        .collect()
}

/// A check that passed hands the next one what it found; one that failed ends the list.
type Step<T> = Result<(Check, T), Check>;

/// Keep the check's line; what it found, or `None` when it failed.
fn keep<T>(done: &mut Vec<Check>, step: Step<T>) -> Option<T> {
    let (check, found) = match step {
        Ok((check, found)) => (check, Some(found)),
        Err(check) => (check, None),
    };
    done.push(check);
    found
}

/// The checks in order, up to the first that fails (the next ones need it).
fn checks(config: &Config, lang: Lang) -> Vec<Check> {
    let mut done = Vec::new();
    let _ = checks_until_one_fails(config, lang, &mut done);
    done
}

fn checks_until_one_fails(config: &Config, lang: Lang, done: &mut Vec<Check>) -> Option<()> {
    let reader = match &config.source {
        CardSource::Reader(wanted) => {
            // Under `--wait`, the checks look once the card is there or the wait is over; what
            // the wait ran into (the service gone, no card) is what the checks then report.
            let _ = wait_if_asked(config);
            let readers = keep(done, service(lang))?;
            keep(done, readers_listed(&readers, lang))?;
            keep(done, card_present(&readers, wanted.as_deref(), lang))?
        }
        CardSource::Replay(path) => offline(done, replayed_reader(path), lang),
        CardSource::Virtual(_) => offline(done, jpki_vcard::READER_NAME.to_string(), lang),
    };
    let kind = keep(done, jpki_application(config, &reader, lang))?;
    done.push(token(&kind, lang));
    Some(())
}

/// The reader a trace names, as a replay shows it.
fn replayed_reader(path: &std::path::Path) -> String {
    Trace::load(path)
        .ok()
        .and_then(|t| t.reader)
        .unwrap_or_else(|| "replay".to_string())
}

/// A replay or the virtual card: no service, reader or card to look for.
fn offline(done: &mut Vec<Check>, name: String, lang: Lang) -> String {
    done.push(pass("service", words::service_not_checked(lang)));
    done.push(pass("readers", name.clone()));
    done.push(pass("card", name.clone()));
    name
}

/// The PC/SC service answers, and lists its readers.
fn service(lang: Lang) -> Step<Vec<ReaderInfo>> {
    match list_readers() {
        Ok(readers) => Ok((pass("service", words::service_reachable(lang)), readers)),
        Err(e) => Err(fail(
            "service",
            transport_text(&e, lang),
            start_pcsc_service(lang),
        )),
    }
}

/// At least one reader is connected.
fn readers_listed(readers: &[ReaderInfo], lang: Lang) -> Step<()> {
    if readers.is_empty() {
        return Err(fail(
            "readers",
            words::no_readers(lang),
            words::connect_a_reader(lang),
        ));
    }
    let names: Vec<&str> = readers.iter().map(|r| r.name.as_str()).collect();
    Ok((pass("readers", names.join(", ")), ()))
}

/// One reader holds a card, or `--reader` names one that does.
fn card_present(readers: &[ReaderInfo], wanted: Option<&str>, lang: Lang) -> Step<String> {
    match choose_reader(readers, wanted) {
        Ok(reader) => Ok((pass("card", reader.name.clone()), reader.name.clone())),
        Err(e) => {
            let fix = match e {
                TransportError::NoCard { .. } => words::put_the_card_on(lang),
                _ => words::pick_a_reader(lang),
            };
            Err(fail("card", transport_text(&e, lang), fix))
        }
    }
}

/// The JPKI application answers its SELECT, and the token says what kind of card it is.
fn jpki_application(config: &Config, reader: &str, lang: Lang) -> Step<CardKind> {
    match probe(config, reader) {
        Ok(kind) => Ok((
            pass("jpki_application", words::application_answers(lang)),
            kind,
        )),
        Err(e) => {
            let not_jpki = e.chain().any(|c| {
                matches!(
                    c.downcast_ref::<CardError>(),
                    Some(CardError::NotMyNumberCard { .. })
                )
            });
            let transport = e.chain().find_map(|c| {
                c.downcast_ref::<TransportError>()
                    .or_else(|| match c.downcast_ref() {
                        Some(CardError::Transport(t)) => Some(t),
                        _ => None,
                    })
            });
            let fix = match transport {
                _ if not_jpki => words::does_not_look_like_one(lang),
                Some(TransportError::CardInUse) => words::close_the_other_program(lang),
                Some(TransportError::CardReset) => {
                    crate::cli::words::failure::reset_by_another_program(lang)
                }
                _ => words::put_the_card_back(lang),
            };
            Err(fail("jpki_application", error_text(&e, lang), fix))
        }
    }
}

/// The card's token names a My Number card (or one jpki knows to read alike).
fn token(kind: &CardKind, lang: Lang) -> Check {
    let text = card_kind_text(kind, lang);
    match kind {
        CardKind::MyNumberCard | CardKind::JukiCard | CardKind::Smartphone(_) => {
            pass("token", text)
        }
        _ => fail("token", text, words::not_a_my_number_card(lang)),
    }
}

/// Run the checks and print them.
pub fn run(config: &Config) -> anyhow::Result<Exit> {
    let lang = config.lang;
    let checks = checks(config, lang);
    let caveats = match &config.source {
        CardSource::Reader(_) => {
            let listed: Vec<String> = list_readers()
                .map(|readers| readers.into_iter().map(|r| r.name).collect())
                .unwrap_or_default();
            readers_seen(&listed, &usb_devices())
                .into_iter()
                .map(|known| words::known_reader_caveat(known, lang))
                .collect()
        }
        CardSource::Replay(_) | CardSource::Virtual(_) => Vec::new(),
    };
    let ok = checks.iter().all(|c| c.ok);
    if let Some(path) = &config.record {
        // The probe is the only exchange doctor has with a card: a check before it failed, or
        // the card went away before the probe could connect.
        // A trace that could not be written was warned of already.
        let probed = checks.iter().any(|c| c.id == "jpki_application");
        if (!probed || !path.exists()) && !warnings::trace_not_written() {
            output::note(format!(
                "{} {}\n",
                words::no_trace_written(lang),
                printable(&path.display().to_string())
            ));
        }
    }
    if config.json {
        let mut out = output::json_object(Some("doctor"));
        out["ok"] = json!(ok);
        out["checks"] = json!(checks);
        out["caveats"] = json!(caveats);
        out["error"] = serde_json::Value::Null;
        output::print_json(&out)?;
    } else {
        let mut text = String::new();
        for c in &checks {
            let label = check_label(c.id, lang);
            // Reader names and card answers are in the detail: shown printable, line by line.
            let detail = printable_lines(&c.detail);
            text.push_str(&match &c.fix {
                None => format!("OK    {label}: {detail}\n"),
                Some(fix) => format!("FAIL  {label}: {detail}\n      → {fix}\n"),
            });
        }
        for caveat in &caveats {
            text.push_str(&format!("NOTE  {caveat}\n"));
        }
        output::print(text)?;
    }
    Ok(if ok {
        Exit::Success
    } else {
        Exit::DoctorFailed
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(root: &std::path::Path, name: &str, vendor: &str, product: &str) {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("idVendor"), format!("{vendor}\n")).unwrap();
        std::fs::write(dir.join("idProduct"), format!("{product}\n")).unwrap();
    }

    #[test]
    fn usb_devices_are_read_by_their_ids() {
        let root = tempfile::tempdir().unwrap();
        device(root.path(), "1-1", "072f", "90cc");
        device(root.path(), "1-2", "054c", "06C3");
        std::fs::create_dir_all(root.path().join("usb1-port1")).unwrap();
        let mut found = usb_devices_under(root.path());
        found.sort();
        assert_eq!(
            found,
            [
                ("054c".to_string(), "06c3".to_string()),
                ("072f".to_string(), "90cc".to_string())
            ]
        );
        assert!(usb_devices_under(&root.path().join("missing")).is_empty());
    }
}
