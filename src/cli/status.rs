//! `jpki status`: every PIN's tries left, spending none.

use super::config::Config;
use super::exit::Exit;
use super::open::with_card;
use super::render::{emit, table};
use super::text::{pin_name, state_word, Lang};
use jpki::card::{read_pin_statuses, PinStatus};
use serde_json::{json, Value};

/// Read the four counters and print them.
pub fn run(config: &Config, _pins_only: bool) -> anyhow::Result<Exit> {
    let (reader, statuses) = with_card(config, |transport| {
        let statuses = read_pin_statuses(transport)?;
        Ok((transport.reader_name().to_string(), statuses))
    })?;
    if config.json {
        emit(&format!("{}\n", to_json(&reader, &statuses)))?;
    } else {
        emit(&to_text(&reader, &statuses, config.lang))?;
    }
    Ok(Exit::Success)
}

fn pin_json(status: &PinStatus) -> Value {
    let counter = status.counter;
    let mut entry = json!({
        "id": status.kind.id(),
        "name": status.kind.official_name(),
        "tries_left": counter.tries_left(),
        "max_tries": status.kind.max_tries(),
        "state": counter.state().id(),
    });
    if let Some(sw) = counter.status_word() {
        entry["sw"] = json!(sw.hex());
    }
    entry
}

fn to_json(reader: &str, statuses: &[PinStatus]) -> Value {
    json!({
        "reader": reader,
        "pins": statuses.iter().map(pin_json).collect::<Vec<_>>(),
    })
}

fn to_text(reader: &str, statuses: &[PinStatus], lang: Lang) -> String {
    let mut rows = vec![vec![
        lang.pick("暗証番号", "PIN").to_string(),
        lang.pick("残り回数", "tries left").to_string(),
        lang.pick("状態", "state").to_string(),
    ]];
    for status in statuses {
        let tries = match status.counter.tries_left() {
            Some(n) => format!("{n}/{}", status.kind.max_tries()),
            None => "-".to_string(),
        };
        let mut state = state_word(status.counter.state(), lang).to_string();
        if let (jpki::card::PinState::Error, Some(sw)) =
            (status.counter.state(), status.counter.status_word())
        {
            state.push_str(&format!(" (SW {sw})"));
        }
        let name = match lang {
            Lang::Ja => pin_name(status.kind, lang).to_string(),
            Lang::En => format!("{} ({})", pin_name(status.kind, lang), status.kind.id()),
        };
        rows.push(vec![name, tries, state]);
    }
    format!(
        "{}: {reader}\n{}",
        lang.pick("カードリーダー", "Reader"),
        table(&rows)
    )
}
