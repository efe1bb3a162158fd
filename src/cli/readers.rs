//! `jpki readers`: the PC/SC readers and whether a card is in each.

use super::config::{CardSource, Config};
use super::exit::Exit;
use super::render::table;
use jpki::transport::pcsc::{list_readers, ReaderInfo};
use jpki::transport::trace::Trace;
use jpki::transport::wire::spaced_hex;
use jpki::virtual_card::{self, VirtualCard};
use serde_json::json;

/// List the readers (or, with `--replay` or `--virtual-card`, the one reader it stands for).
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
        CardSource::Virtual(path) => {
            // Opened, not used: a bad state file is reported here as `status` would report it.
            let card = VirtualCard::open(path)?;
            vec![ReaderInfo {
                name: virtual_card::READER_NAME.to_string(),
                card_present: true,
                atr: Some(card.answer_to_reset()),
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
        println!("{}", json!({ "readers": list }));
        return Ok(Exit::Success);
    }
    let lang = config.lang;
    if readers.is_empty() {
        println!(
            "{}",
            lang.pick("カードリーダーが見つかりません。", "No readers found.")
        );
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
    print!("{}", table(&rows));
    Ok(Exit::Success)
}
