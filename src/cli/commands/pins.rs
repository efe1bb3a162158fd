//! `jpki pins`: the four PINs, no card needed: each one's official name, format, tries, what it
//! is asked for, and how a locked one is reset (docs/guidance.md names the sources).

use crate::cli::exit::Exit;
use crate::cli::flags::config::Config;
use crate::cli::io::output;
use crate::cli::words::pins::{headings, intro, notes, reset_id, reset_lines, tries_text, uses};
use crate::cli::words::{format_hint, pin_label};
use jpki_card::card::guidance::{kiosk_stores_for, KIOSK_STORES_AS_OF};
use jpki_card::card::{PinFormat, PinKind};
use serde_json::{json, Value};

/// Print the four PINs; nothing is opened, so nothing can fail but stdout.
pub fn run(config: &Config) -> anyhow::Result<Exit> {
    if config.json {
        output::print_json(&to_json())?;
    } else {
        output::print(to_text(config))?;
    }
    Ok(Exit::Success)
}

/// The PIN's format, as JSON says it.
pub(crate) fn format_id(format: PinFormat) -> &'static str {
    match format {
        PinFormat::FourDigits => "four_digits",
        PinFormat::Password => "password",
    }
}

fn pin_json(kind: PinKind) -> Value {
    json!({
        "id": kind.id(),
        "name": kind.official_name(),
        "format": format_id(kind.format()),
        "max_tries": kind.max_tries(),
        "used_for": uses(kind).iter().map(|u| u.id).collect::<Vec<_>>(),
        "reset": reset_id(kind),
        "kiosk_stores": kiosk_stores_for(kind)
            .iter()
            .map(|s| json!({ "id": s.id, "name": s.ja, "some_stores": s.some_stores }))
            .collect::<Vec<_>>(),
    })
}

fn to_json() -> Value {
    let mut out = output::json_object(Some("pins"));
    out["pins"] = json!(PinKind::ALL.into_iter().map(pin_json).collect::<Vec<_>>());
    out["kiosk_stores_as_of"] = json!(KIOSK_STORES_AS_OF);
    out["error"] = Value::Null;
    out
}

fn to_text(config: &Config) -> String {
    let lang = config.lang;
    let [format, tries, asked, locked] = headings(lang);
    let mut out = format!("{}\n", intro(lang));
    for kind in PinKind::ALL {
        out.push_str(&format!("\n{}\n", pin_label(kind, lang)));
        if lang == crate::cli::lang::Lang::En {
            out.push_str(&format!("  {}\n", kind.official_name()));
        }
        out.push_str(&format!(
            "  {format}: {}\n",
            format_hint(kind.format(), lang)
        ));
        out.push_str(&format!(
            "  {tries}: {}\n",
            tries_text(kind.max_tries(), lang)
        ));
        out.push_str(&format!("  {asked}:\n"));
        for using in uses(kind) {
            out.push_str(&format!("    - {}\n", using.text(lang)));
        }
        let mut reset = reset_lines(kind, lang).into_iter();
        if let Some(first) = reset.next() {
            out.push_str(&format!("  {locked}: {first}\n"));
        }
        for line in reset {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out.push('\n');
    for note in notes(lang) {
        out.push_str(&format!("{note}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pin_has_a_use_and_a_reset() {
        for kind in PinKind::ALL {
            assert!(!uses(kind).is_empty(), "{kind:?}");
            let entry = pin_json(kind);
            assert_eq!(entry["max_tries"], kind.max_tries());
            let stores = entry["kiosk_stores"].as_array().unwrap().len();
            match kind {
                PinKind::Sign => assert_eq!(stores, 9),
                PinKind::Auth => assert_eq!(stores, 5),
                _ => assert_eq!(stores, 0),
            }
        }
    }
}
