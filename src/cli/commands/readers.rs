//! `jpki readers`: the PC/SC readers, whether a card is in each, and what kind of card it is.

use crate::cli::commands::open::{probe, wait_if_asked};
use crate::cli::exit::Exit;
use crate::cli::failure::error_text;
use crate::cli::flags::config::{CardSource, Config};
use crate::cli::flags::record;
use crate::cli::io::output;
use crate::cli::io::render::{printable, printable_lines, table};
use crate::cli::io::warnings;
use crate::cli::lang::Lang;
use crate::cli::words::readers as words;
use crate::cli::words::status::card_kind_text;
use jpki_card::apdu::secret::spaced_hex;
use jpki_card::card::token::CardKind;
use jpki_card::card::CardError;
use jpki_card::transport::pcsc::{list_readers, ReaderInfo};
use jpki_card::transport::trace::Trace;
use jpki_vcard::VirtualCard;
use serde_json::json;

/// List the readers (or, with `--replay` or `--virtual-card`, the one reader it stands for) and probe each
/// present card's token. A probe that fails is reported on its reader, never fatal: `readers`
/// is what one runs when something is wrong.
pub fn run(config: &Config) -> anyhow::Result<Exit> {
    let readers = match &config.source {
        CardSource::Replay(path) => {
            let trace = Trace::load(path)?;
            let name = trace
                .reader
                .clone()
                .unwrap_or_else(|| format!("replay of {}", trace.origin));
            vec![ReaderInfo::standing_for(name, trace.atr)]
        }
        CardSource::Virtual(path) => {
            // Opened, not used: a bad state file is reported here as `status` would report it.
            let card = VirtualCard::open(path)?;
            let name = jpki_vcard::READER_NAME.to_string();
            vec![ReaderInfo::standing_for(name, Some(card.answer_to_reset()))]
        }
        CardSource::Reader(_) => {
            // Under `--wait`, list once the card is there (or the wait ran out: then say so).
            wait_if_asked(config)?;
            list_readers()?
        }
    };
    if config.record.is_some() {
        // Each present card is probed; a trace holds one card's exchange, and an empty one
        // would claim a recording that never happened.
        record::check_cards_to_probe(readers.iter().filter(|r| r.card_present).count())?;
    }
    let kinds: Vec<Option<anyhow::Result<CardKind>>> = readers
        .iter()
        .map(|r| r.card_present.then(|| probe(config, &r.name)))
        .collect();
    if let Some(path) = &config.record {
        // The card went away between the listing and the probe's connect: nothing was sent.
        // A trace that could not be written was warned of already.
        if !path.exists() && !warnings::trace_not_written() {
            output::note(format!(
                "{} {}\n",
                words::no_trace_written(config.lang),
                printable(&path.display().to_string())
            ));
        }
    }
    if config.json {
        let list: Vec<_> = readers
            .iter()
            .zip(&kinds)
            .enumerate()
            .map(|(index, (r, kind))| {
                let mut entry = json!({
                    "index": index,
                    "name": r.name,
                    "card_present": r.card_present,
                    "atr": r.atr.as_ref().map(hex::encode_upper),
                    "card_kind": null,
                    "token": null,
                    "probe_error": null,
                });
                match kind {
                    Some(Ok(kind)) => {
                        entry["card_kind"] = json!(kind.id());
                        entry["token"] = json!(kind.token_name());
                    }
                    Some(Err(why)) => {
                        entry["probe_error"] = json!(printable_lines(&format!("{why:#}")))
                    }
                    None => {}
                }
                entry
            })
            .collect();
        let mut out = output::json_object(Some("readers"));
        out["readers"] = json!(list);
        out["error"] = serde_json::Value::Null;
        output::print_json(&out)?;
        return Ok(Exit::Success);
    }
    let lang = config.lang;
    if readers.is_empty() {
        output::print(format!("{}\n", words::no_readers_found(lang)))?;
        return Ok(Exit::Success);
    }
    let rows: Vec<Vec<String>> = readers
        .iter()
        .zip(&kinds)
        .enumerate()
        .map(|(index, (r, kind))| {
            let card = match (&r.atr, r.card_present) {
                (Some(atr), true) => {
                    format!("{}  ATR {}", words::card_present(lang), spaced_hex(atr))
                }
                (None, true) => words::card_present(lang).to_string(),
                (_, false) => words::no_card(lang).to_string(),
            };
            let kind = match kind {
                Some(Ok(kind)) => card_kind_text(kind, lang),
                Some(Err(why)) => probe_failed(why, lang),
                None => String::new(),
            };
            vec![index.to_string(), printable(&r.name), kind, card]
        })
        .collect();
    output::print(table(&rows))?;
    Ok(Exit::Success)
}

/// What a failed probe says on its reader's line: "no JPKI application" only when the card said
/// so; a card lost or an unreadable answer is reported as what it was.
fn probe_failed(why: &anyhow::Error, lang: Lang) -> String {
    match why.downcast_ref::<CardError>() {
        Some(CardError::NotMyNumberCard { .. }) => words::unknown_kind(lang).to_string(),
        _ => format!(
            "{}: {}",
            words::not_read(lang),
            printable(&error_text(why, lang))
        ),
    }
}
