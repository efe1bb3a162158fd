//! `jpki readers`: the PC/SC readers and whether a card is in each.

use super::config::{CardSource, Config};
use super::exit::Exit;
use super::render::{emit, table};
use jpki::transport::pcsc::{list_readers, ReaderInfo};
use jpki::transport::trace::Trace;
use jpki::transport::wire::spaced_hex;
use serde_json::json;

/// List the readers (or, with `--replay`, the one reader the trace describes).
pub fn run(config: &Config) -> anyhow::Result<Exit> {
    let readers = match &config.source {
        CardSource::Replay(path) => {
            let trace = Trace::load(path)?;
            vec![ReaderInfo {
                name: trace
                    .reader
                    .clone()
                    .unwrap_or_else(|| format!("replay of {}", trace.origin)),
                card_present: true,
                atr: trace.atr,
            }]
        }
        CardSource::Reader(_) => list_readers()?,
    };
    if config.json {
        let list: Vec<_> = readers
            .iter()
            .enumerate()
            .map(|(index, r)| {
                json!({
                    "index": index,
                    "name": r.name,
                    "card_present": r.card_present,
                    "atr": r.atr.as_ref().map(hex::encode_upper),
                })
            })
            .collect();
        emit(&format!("{}\n", json!({ "readers": list })))?;
        return Ok(Exit::Success);
    }
    let lang = config.lang;
    if readers.is_empty() {
        emit(&format!(
            "{}\n",
            lang.pick("カードリーダーが見つかりません。", "No readers found.")
        ))?;
        return Ok(Exit::Success);
    }
    let rows: Vec<Vec<String>> = readers
        .iter()
        .enumerate()
        .map(|(index, r)| {
            let card = match (&r.atr, r.card_present) {
                (Some(atr), true) => format!(
                    "{}  ATR {}",
                    lang.pick("カードあり", "card present"),
                    spaced_hex(atr)
                ),
                (None, true) => lang.pick("カードあり", "card present").to_string(),
                (_, false) => lang.pick("カードなし", "no card").to_string(),
            };
            vec![index.to_string(), r.name.clone(), card]
        })
        .collect();
    emit(&table(&rows))?;
    Ok(Exit::Success)
}
