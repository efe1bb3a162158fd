//! `jpki doctor`: the checks between a holder and a working `jpki status`, one line each with OK
//! or the fix, and the known reader caveats. Exit code 19 when a check fails.

use super::config::{CardSource, Config};
use super::exit::Exit;
use super::failure::error_text;
use super::lang::Lang;
use super::open::probe;
use super::output;
use super::render::{printable, printable_lines};
use super::words::failure::{start_pcsc_service, transport_text};
use super::words::status::card_kind_text;
use jpki::card::token::CardKind;
use jpki::card::CardError;
use jpki::transport::pcsc::{choose_reader, list_readers};
use jpki::transport::trace::Trace;
use jpki::transport::TransportError;
use serde_json::json;

/// One check's outcome.
struct Check {
    id: &'static str,
    ok: bool,
    detail: String,
    fix: Option<String>,
}

fn pass(id: &'static str, detail: impl Into<String>) -> Check {
    Check {
        id,
        ok: true,
        detail: detail.into(),
        fix: None,
    }
}

fn fail(id: &'static str, detail: impl Into<String>, fix: &str) -> Check {
    Check {
        id,
        ok: false,
        detail: detail.into(),
        fix: Some(fix.to_string()),
    }
}

/// Sony RC-S380 (USB 054c:06c1 and 054c:06c3, per nfcpy's device list) speaks no CCID, and
/// pcsc-lite has no driver for it, so on Linux it never shows up as a PC/SC reader.
const RC_S380_USB_IDS: [(&str, &str); 2] = [("054c", "06c1"), ("054c", "06c3")];

/// Whether an RC-S380 is plugged in, from Linux's sysfs (nothing to find elsewhere).
fn rc_s380_plugged_in() -> bool {
    rc_s380_among(std::path::Path::new("/sys/bus/usb/devices"))
}

/// Whether a USB device directory under `devices` has an RC-S380's vendor and product ids.
fn rc_s380_among(devices: &std::path::Path) -> bool {
    let Ok(devices) = std::fs::read_dir(devices) else {
        return false;
    };
    devices.flatten().any(|device| {
        let read = |name: &str| {
            std::fs::read_to_string(device.path().join(name))
                .map(|s| s.trim().to_lowercase())
                .unwrap_or_default()
        };
        let (vendor, product) = (read("idVendor"), read("idProduct"));
        RC_S380_USB_IDS
            .iter()
            .any(|(v, p)| *v == vendor && *p == product)
    })
}

/// Run the checks in order, stopping at the first that fails (the next ones need it).
fn checks(config: &Config, lang: Lang) -> (Vec<Check>, Vec<String>) {
    let mut out = Vec::new();
    let mut caveats = Vec::new();
    if cfg!(target_os = "linux") && rc_s380_plugged_in() {
        caveats.push(
            lang.pick(
                "Sony RC-S380 が接続されていますが、Linux の pcsc-lite にはこの機種のドライバーがなく、PC/SC のリーダーとして使えません。CCID 対応のリーダーを使ってください。",
                "A Sony RC-S380 is plugged in, but pcsc-lite has no driver for it on Linux, so it is not a PC/SC reader there; use a CCID reader.",
            )
            .to_string(),
        );
    }
    let offline = match &config.source {
        CardSource::Replay(path) => Some(
            Trace::load(path)
                .ok()
                .and_then(|t| t.reader)
                .unwrap_or_else(|| "replay".to_string()),
        ),
        CardSource::Virtual(_) => Some(jpki_vcard::READER_NAME.to_string()),
        CardSource::Reader(_) => None,
    };
    let wanted = match &config.source {
        CardSource::Reader(wanted) => wanted.clone(),
        _ => None,
    };
    let reader = match offline {
        Some(name) => {
            out.push(pass(
                "service",
                lang.pick(
                    "(リプレイまたは仮想カードのため確認なし)",
                    "(replay or virtual card: not checked)",
                ),
            ));
            out.push(pass("readers", name.clone()));
            out.push(pass("card", name.clone()));
            name
        }
        None => {
            let readers = match list_readers() {
                Ok(readers) => {
                    out.push(pass(
                        "service",
                        lang.pick("PC/SC サービスに接続できます", "PC/SC service reachable"),
                    ));
                    readers
                }
                Err(e) => {
                    out.push(fail(
                        "service",
                        transport_text(&e, lang),
                        start_pcsc_service(lang),
                    ));
                    return (out, caveats);
                }
            };
            if readers.is_empty() {
                out.push(fail(
                    "readers",
                    lang.pick("カードリーダーがありません", "no readers"),
                    lang.pick(
                        "カードリーダーを接続してください (Linux ではドライバー libccid も必要です)",
                        "connect a card reader (on Linux, its driver, usually libccid, too)",
                    ),
                ));
                return (out, caveats);
            }
            let names: Vec<String> = readers.iter().map(|r| r.name.clone()).collect();
            out.push(pass("readers", names.join(", ")));
            match choose_reader(&readers, wanted.as_deref()) {
                Ok(name) => {
                    out.push(pass("card", name.clone()));
                    name
                }
                Err(e) => {
                    let fix = match e {
                        TransportError::NoCard { .. } => lang.pick(
                            "カードをリーダーに置いてください (非接触リーダーでは動かさずに置いたままにします)",
                            "put the card on the reader (and keep it still on a contactless one)",
                        ),
                        _ => lang.pick(
                            "`jpki readers` の一覧から --reader で選んでください",
                            "pick a reader from `jpki readers` with --reader",
                        ),
                    };
                    out.push(fail("card", transport_text(&e, lang), fix));
                    return (out, caveats);
                }
            }
        }
    };
    match probe(config, &reader) {
        Ok(kind) => {
            out.push(pass(
                "jpki_application",
                lang.pick(
                    "公的個人認証APが応答しました",
                    "the JPKI application answers SELECT",
                ),
            ));
            let text = card_kind_text(&kind, lang);
            out.push(match kind {
                CardKind::MyNumberCard | CardKind::JukiCard | CardKind::Smartphone => {
                    pass("token", text)
                }
                _ => fail(
                    "token",
                    text,
                    lang.pick(
                        "マイナンバーカードか確認してください",
                        "check that this is a My Number card",
                    ),
                ),
            });
        }
        Err(e) => {
            let not_jpki = e.chain().any(|c| {
                matches!(
                    c.downcast_ref::<CardError>(),
                    Some(CardError::NotMyNumberCard { .. })
                )
            });
            let fix = if not_jpki {
                lang.pick(
                    "リーダーにあるのはマイナンバーカードではないようです",
                    "the card does not look like a My Number card",
                )
            } else {
                lang.pick(
                    "カードを置き直して、もう一度実行してください",
                    "put the card back on the reader and run it again",
                )
            };
            out.push(fail("jpki_application", error_text(&e, lang), fix));
        }
    }
    (out, caveats)
}

/// Run the checks and print them.
pub fn run(config: &Config) -> anyhow::Result<Exit> {
    let lang = config.lang;
    let (checks, caveats) = checks(config, lang);
    let ok = checks.iter().all(|c| c.ok);
    if let Some(path) = &config.record {
        // The probe is the only exchange doctor has with a card: a check before it failed, or
        // the card went away before the probe could connect.
        if !checks.iter().any(|c| c.id == "jpki_application") || !path.exists() {
            output::note(format!(
                "{} {}\n",
                lang.pick(
                    "カードには何も送っていないため、トレースは書いていません:",
                    "nothing was sent to a card, so no trace was written:",
                ),
                printable(&path.display().to_string())
            ));
        }
    }
    if config.json {
        let list: Vec<_> = checks
            .iter()
            .map(|c| json!({ "id": c.id, "ok": c.ok, "detail": c.detail, "fix": c.fix }))
            .collect();
        let mut out = output::json_object(Some("doctor"));
        out["ok"] = json!(ok);
        out["checks"] = json!(list);
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

fn check_label(id: &str, lang: Lang) -> &'static str {
    match id {
        "service" => lang.pick("PC/SC サービス", "PC/SC service"),
        "readers" => lang.pick("カードリーダー", "readers"),
        "card" => lang.pick("カード", "card"),
        "jpki_application" => lang.pick("公的個人認証AP", "JPKI application"),
        _ => lang.pick("カードの種類", "card kind"),
    }
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
    fn an_rc_s380_is_found_by_its_usb_ids() {
        let root = tempfile::tempdir().unwrap();
        device(root.path(), "1-1", "072f", "90cc");
        assert!(!rc_s380_among(root.path()));
        device(root.path(), "1-2", "054c", "06C3");
        assert!(rc_s380_among(root.path()));
        assert!(!rc_s380_among(&root.path().join("missing")));
    }
}
