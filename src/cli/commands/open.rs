//! Opening the card source the config names, with the recorder and T=0 completion around it.

use crate::cli::flags::config::{CardSource, Config, Wait};
use crate::cli::words::readers::waiting_for_a_card;
use jpki_card::card::probe_card_kind;
use jpki_card::card::token::CardKind;
use jpki_card::transport::pcsc::{card_ready, list_readers, wait_for_card, PcscReader};
use jpki_card::transport::trace::{Source, Trace};
use jpki_card::transport::{Layered, Reader, Recorder, Replay, ResponseCompletion, TransportError};
use jpki_vcard::VirtualCard;

/// The card for this run: the reader, replay or virtual card, with the recorder over it (under
/// `--record`) and T=0 completion on top.
pub fn open(config: &Config) -> Result<Box<dyn Reader>, TransportError> {
    open_at(config, None)
}

/// Like [`open`], but on a PC/SC reader connect to `reader` (an exact name) rather than the one
/// `--reader` chooses: `readers` and `doctor` probe the reader they are looking at.
fn open_at(config: &Config, reader: Option<&str>) -> Result<Box<dyn Reader>, TransportError> {
    match &config.source {
        CardSource::Replay(path) => {
            let trace = Trace::load(path)?;
            // A recording of a replay says where the replayed exchange came from.
            let source = trace.source;
            layered(Replay::new(trace), source, config)
        }
        CardSource::Virtual(path) => layered(VirtualCard::open(path)?, Source::Simulator, config),
        CardSource::Reader(wanted) => {
            let reader = PcscReader::connect(reader.or(wanted.as_deref()))?;
            let source = source_of_reader(reader.name());
            layered(reader, source, config)
        }
    }
}

/// `reader` with the layers of this run over it: the recorder under `--record`, which writes
/// what the card itself said, then T=0 completion, then (on Unix) the hold of the ending
/// signals while a PIN is on its way.
fn layered<R: Reader + 'static>(
    reader: R,
    source: Source,
    config: &Config,
) -> Result<Box<dyn Reader>, TransportError> {
    Ok(match &config.record {
        // Created now, so an unwritable path fails before any command reaches the card.
        Some(path) => {
            let recorder = Recorder::create(path.clone(), source)?;
            on_top(Layered::new(
                Layered::new(reader, recorder),
                ResponseCompletion,
            ))
        }
        None => on_top(Layered::new(reader, ResponseCompletion)),
    })
}

/// The top layer: no ending signal kills jpki while a PIN is on its way to the card.
#[cfg(unix)]
fn on_top<R: Reader + 'static>(reader: R) -> Box<dyn Reader> {
    Box::new(Layered::new(reader, crate::cli::io::signals::PinInFlight))
}

/// The top layer; elsewhere than Unix there is none.
#[cfg(not(unix))]
fn on_top<R: Reader + 'static>(reader: R) -> Box<dyn Reader> {
    Box::new(reader)
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

/// Run `command` over the opened card, then finish it (write the trace, check the replay was
/// used up) even when the command failed; the command's own error wins.
pub fn with_card<R>(
    config: &Config,
    command: impl FnOnce(&mut dyn Reader) -> anyhow::Result<R>,
) -> anyhow::Result<R> {
    wait_if_asked(config)?;
    run_on(open(config)?, command)
}

/// Run `command` over `reader`, then finish it; the command's own error wins.
fn run_on<R>(
    mut reader: Box<dyn Reader>,
    command: impl FnOnce(&mut dyn Reader) -> anyhow::Result<R>,
) -> anyhow::Result<R> {
    let result = command(reader.as_mut());
    let finished = reader.finish();
    let value = result?;
    finished?;
    Ok(value)
}

/// With `--wait` and a real reader: when no card is there yet, say so on stderr and wait.
pub fn wait_if_asked(config: &Config) -> Result<(), TransportError> {
    let CardSource::Reader(wanted) = &config.source else {
        return Ok(());
    };
    // The library's limit: `None` waits without one.
    let limit = match config.wait {
        Wait::No => return Ok(()),
        Wait::Forever => None,
        Wait::For(limit) => Some(limit),
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
    // `--wait=0` looks once: the look above found no card.
    if limit == Some(std::time::Duration::ZERO) {
        return wait_for_card(wanted, limit);
    }
    let line = waiting_for_a_card(limit.map(|l| l.as_secs()), config.lang);
    crate::cli::io::output::note(format!("{line}\n"));
    wait_for_card(wanted, limit)
}

/// The card kind of the card in `reader` (or of the replayed card): SELECT JPKI AP and the
/// token, three APDUs, recorded like any command's under `--record`. Used by `readers` and
/// `doctor`.
pub fn probe(config: &Config, reader: &str) -> anyhow::Result<CardKind> {
    let reader = match config.source {
        CardSource::Reader(_) => Some(reader),
        CardSource::Replay(_) | CardSource::Virtual(_) => None,
    };
    run_on(open_at(config, reader)?, |card| Ok(probe_card_kind(card)?))
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
