//! Opening the card source the config names, with the recorder and T=0 completion around it,
//! and ending it: the card's own end is the run's, a file that could not be written a warning.

use crate::cli::flags::config::{CardSource, Config, Wait};
use crate::cli::io::output;
use crate::cli::io::warnings::{self, Warning};
use crate::cli::lang::Lang;
use crate::cli::words::readers::{
    waiting_for_a_card, waiting_for_another_program, waiting_for_the_card_to_be_free,
};
use crate::cli::words::warnings::warning_text;
use jpki_card::apdu::Outgoing;
use jpki_card::card::probe_card_kind;
use jpki_card::card::token::CardKind;
use jpki_card::transport::pcsc::{card_ready, list_readers, wait_for_card, PcscReader};
use jpki_card::transport::trace::{Source, Trace, TraceError};
use jpki_card::transport::{
    Layer, Layered, Reader, Recorder, Replay, ResponseCompletion, Transaction, TransportError,
};
use jpki_vcard::{StateError, VirtualCard};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// The card for this run: the reader, replay or virtual card, with the recorder over it (under
/// `--record`) and T=0 completion on top. Under `--wait`, first waits for a card, and for
/// another program that holds it for itself to let go.
pub fn open(config: &Config) -> Result<Box<dyn Reader>, TransportError> {
    let started = Instant::now();
    wait_if_asked(config)?;
    open_when_free(config, None, started)
}

/// [`open_at`], and under `--wait`, again while another program holds the card for itself
/// and the wait that began at `started` has time left.
fn open_when_free(
    config: &Config,
    reader: Option<&str>,
    started: Instant,
) -> Result<Box<dyn Reader>, TransportError> {
    let mut told = false;
    loop {
        match open_at(config, reader) {
            Err(TransportError::CardInUse) if time_left(config.wait, started) => {
                if !told {
                    output::note(format!(
                        "{}\n",
                        waiting_for_the_card_to_be_free(config.lang)
                    ));
                    told = true;
                }
                std::thread::sleep(IN_USE_POLL);
            }
            opened => return opened,
        }
    }
}

/// How often `--wait` tries again to reach a card another program holds for itself: PC/SC says
/// nothing when it lets go.
const IN_USE_POLL: Duration = Duration::from_millis(200);

/// Whether `--wait` leaves time to try again, `started` being when the run began waiting.
fn time_left(wait: Wait, started: Instant) -> bool {
    match wait {
        Wait::No => false,
        Wait::Forever => true,
        Wait::For(limit) => started.elapsed() + IN_USE_POLL < limit,
    }
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
            let lang = config.lang;
            let notice = Box::new(move || {
                output::note(format!("{}\n", waiting_for_another_program(lang)));
            });
            let reader = PcscReader::connect_noticing(reader.or(wanted.as_deref()), notice)?;
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
    let recorder = match &config.record {
        // Created now, so an unwritable path fails before any command reaches the card.
        Some(path) => Some(Recorder::create(path.clone(), source)?),
        None => None,
    };
    let recording = Recording {
        recorder,
        unwritten: Cell::new(None),
    };
    Ok(on_top(Card {
        layers: Layered::new(Layered::new(reader, recording), ResponseCompletion),
        lang: config.lang,
    }))
}

/// The card of this run, with its layers. Finishing it tells the card's own end (a replay not
/// used up) from a file the run could not write, which is a warning: once the card acted, a
/// trace or a state file that failed afterwards must not read as the card's failure.
struct Card<R> {
    layers: Layered<Layered<R, Recording>, ResponseCompletion>,
    lang: Lang,
}

impl<R: Reader> Reader for Card<R> {
    fn name(&self) -> &str {
        self.layers.name()
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.layers.atr()
    }

    fn transaction(&mut self) -> Result<Box<dyn Transaction + '_>, TransportError> {
        self.layers.transaction()
    }

    /// The card's end, after warning of every file that could not be written: the trace, and
    /// a virtual card's change that could not be saved (which it answered 65 81, so the run
    /// already reports that command's failure as the card's).
    fn finish(&mut self) -> Result<(), TransportError> {
        // In the order they happened: a change not saved during the run, then the trace.
        let below = match self.layers.finish() {
            Err(TransportError::Backend(error)) if error.is::<StateError>() => {
                let error = error.downcast::<StateError>().expect("checked above");
                warn(state_warning(*error), self.lang);
                Ok(())
            }
            other => other,
        };
        if let Some(error) = self.layers.reader().layer().unwritten.take() {
            warn(trace_warning(error), self.lang);
        }
        below
    }
}

/// The `--record` layer, when there is one. It writes its trace when the run is over and keeps
/// a failure to do so apart, for [`Card::finish`] to warn of, so the card's own end below is
/// never lost behind it.
struct Recording {
    recorder: Option<Recorder>,
    /// A `Cell`: [`Card::finish`] reaches the layer through `Layered`'s shared accessor.
    unwritten: Cell<Option<TransportError>>,
}

impl Layer for Recording {
    fn transmit(
        &mut self,
        card: &mut dyn Transaction,
        command: Outgoing<'_>,
    ) -> Result<Vec<u8>, TransportError> {
        match &mut self.recorder {
            Some(recorder) => recorder.transmit(card, command),
            None => card.transmit(command),
        }
    }

    fn note(&mut self, text: &str) {
        if let Some(recorder) = &mut self.recorder {
            recorder.note(text);
        }
    }

    fn finish(&mut self, reader: &dyn Reader) -> Result<(), TransportError> {
        if let Some(recorder) = &mut self.recorder {
            if let Err(error) = recorder.finish(reader) {
                self.unwritten.set(Some(error));
            }
        }
        Ok(())
    }
}

/// Say `warning` on stderr now, in `lang`, and keep it for the run's JSON object. Like any
/// note, it never changes the outcome.
fn warn(warning: Warning, lang: Lang) {
    output::note(format!("{}\n", warning_text(&warning, lang)));
    warnings::keep(warning);
}

/// The warning for a trace that could not be written.
fn trace_warning(error: TransportError) -> Warning {
    match error {
        TransportError::Trace(TraceError::Unwritable { origin, reason }) => {
            Warning::TraceNotWritten {
                path: origin,
                reason,
            }
        }
        other => Warning::TraceNotWritten {
            path: String::new(),
            reason: other.to_string(),
        },
    }
}

/// The warning for a virtual card's change that could not be saved.
fn state_warning(error: StateError) -> Warning {
    match error {
        StateError::Io { origin, reason } => Warning::StateNotSaved {
            path: origin,
            reason,
        },
        other => Warning::StateNotSaved {
            path: String::new(),
            reason: other.to_string(),
        },
    }
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
    if limit == Some(Duration::ZERO) {
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
    let opened = open_when_free(config, reader, Instant::now())?;
    run_on(opened, |card| Ok(probe_card_kind(card)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::flags::config::replaying;
    use jpki_card::card::read_pin_statuses;

    /// `trace` replayed with `--record` into a folder taken away once the card is open, so the
    /// trace cannot be written when the run ends; the opened card.
    fn recording_into_a_lost_folder(trace: &str) -> (tempfile::TempDir, Box<dyn Reader>) {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("traces");
        std::fs::create_dir(&folder).unwrap();
        let mut config = replaying(trace);
        config.record = Some(folder.join("out.trace"));
        let card = open(&config).unwrap();
        std::fs::rename(&folder, dir.path().join("moved")).unwrap();
        (dir, card)
    }

    #[test]
    fn a_trace_not_written_is_a_warning_and_the_cards_end_stands() {
        // A replay used up: the card's end is fine, the trace is only a warning.
        let (_dir, mut card) = recording_into_a_lost_folder("status/fresh.trace");
        read_pin_statuses(card.as_mut()).unwrap();
        assert!(card.finish().is_ok());
        assert!(warnings::trace_not_written());
        // A replay not used up stays the failure, not lost behind the trace's.
        let (_dir, mut card) = recording_into_a_lost_folder("status/fresh.trace");
        let error = card.finish().unwrap_err();
        assert!(
            matches!(error, TransportError::Trace(TraceError::Unconsumed { .. })),
            "{error}"
        );
        assert_eq!(warnings::to_json().as_array().unwrap().len(), 2);
    }

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
