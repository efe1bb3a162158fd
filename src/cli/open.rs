//! Opening the card source the config names, with the recorder and T=0 completion around it.

use super::config::{CardSource, Config};
use jpki::card::probe_card_kind;
use jpki::card::token::CardKind;
use jpki::transport::pcsc::{card_ready, list_readers, wait_for_card, PcscReader};
use jpki::transport::trace::{Source, Trace};
use jpki::transport::{Recorder, Replay, ResponseCompletion, Transport, TransportError};
use jpki::virtual_card::VirtualCard;

/// The transport stack for this run: completion over (recorder over) the reader or replay.
pub fn open(config: &Config) -> Result<Box<dyn Transport>, TransportError> {
    let (base, source): (Box<dyn Transport>, Source) = match &config.source {
        CardSource::Replay(path) => {
            let trace = Trace::load(path)?;
            // A recording of a replay says where the replayed exchange came from.
            let source = trace.source;
            (Box::new(Replay::new(trace)), source)
        }
        CardSource::Virtual(path) => (Box::new(VirtualCard::open(path)?), Source::Simulator),
        CardSource::Reader(wanted) => {
            let reader = PcscReader::connect(wanted.as_deref())?;
            let source = source_of_reader(reader.reader_name());
            (Box::new(reader), source)
        }
    };
    let recorded: Box<dyn Transport> = match &config.record {
        // Created now, so an unwritable path fails before any command reaches the card.
        Some(path) => Box::new(Recorder::create(base, path.clone(), source)?),
        None => base,
    };
    Ok(Box::new(ResponseCompletion::new(recorded)))
}

/// What a recording through a PC/SC reader may claim to be. vsmartcard's vpcd readers
/// ("Virtual PCD 00 00") carry jpki-vcard's simulated card; they can also relay a real card from
/// a phone, but a trace must never pass a simulation off as a real card, so the doubt goes to
/// `simulator`.
fn source_of_reader(name: &str) -> Source {
    if name.starts_with("Virtual PCD") {
        Source::Simulator
    } else {
        Source::RealCard
    }
}

/// Run `command` over the opened transport, then finish it (write the trace, check the replay
/// was used up) even when the command failed; the command's own error wins.
pub fn with_card<R>(
    config: &Config,
    command: impl FnOnce(&mut dyn Transport) -> anyhow::Result<R>,
) -> anyhow::Result<R> {
    wait_if_asked(config)?;
    let mut transport = open(config)?;
    let result = command(transport.as_mut());
    let finished = transport.finish();
    let value = result?;
    finished?;
    Ok(value)
}

/// With `--wait` and a real reader: when no card is there yet, say so on stderr and wait.
pub fn wait_if_asked(config: &Config) -> Result<(), TransportError> {
    let (Some(limit), CardSource::Reader(wanted)) = (config.wait, &config.source) else {
        return Ok(());
    };
    let wanted = wanted.as_deref();
    let readers = match list_readers() {
        Ok(readers) => readers,
        Err(TransportError::NoReaders) => Vec::new(),
        Err(e) => return Err(e),
    };
    if card_ready(&readers, wanted)? {
        return Ok(());
    }
    let lang = config.lang;
    let line = match limit {
        Some(limit) => format!(
            "{} ({}s)",
            lang.pick(
                "カードをリーダーに置いてください…",
                "Waiting for a card on the reader…"
            ),
            limit.as_secs()
        ),
        None => lang
            .pick(
                "カードをリーダーに置いてください…",
                "Waiting for a card on the reader…",
            )
            .to_string(),
    };
    super::output::note(format!("{line}\n"));
    wait_for_card(wanted, limit)
}

/// The card kind of the card in `reader` (or of the replayed card): SELECT JPKI AP and the
/// token, three APDUs. Used by `readers` and `doctor`.
pub fn probe(config: &Config, reader: &str) -> anyhow::Result<CardKind> {
    match &config.source {
        CardSource::Replay(_) | CardSource::Virtual(_) => {
            with_card(config, |t| Ok(probe_card_kind(t)?))
        }
        CardSource::Reader(_) => {
            let mut transport = ResponseCompletion::new(PcscReader::connect(Some(reader))?);
            let kind = probe_card_kind(&mut transport)?;
            Ok(kind)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recordings_through_vpcd_are_never_labelled_real_card() {
        assert_eq!(source_of_reader("Virtual PCD 00 00"), Source::Simulator);
        assert_eq!(source_of_reader("Virtual PCD 00 01"), Source::Simulator);
        assert_eq!(
            source_of_reader("SCM Microsystems Inc. SCR 3310 [CCID Interface] 00 00"),
            Source::RealCard
        );
    }
}
