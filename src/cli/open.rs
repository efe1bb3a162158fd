//! Opening the card source the config names, with the recorder and T=0 completion around it.

use super::config::{CardSource, Config};
use jpki::transport::pcsc::PcscReader;
use jpki::transport::trace::{Source, Trace};
use jpki::transport::{Recorder, Replay, ResponseCompletion, Transport, TransportError};

/// The transport stack for this run: completion over (recorder over) the reader or replay.
pub fn open(config: &Config) -> Result<Box<dyn Transport>, TransportError> {
    let (base, source): (Box<dyn Transport>, Source) = match &config.source {
        CardSource::Replay(path) => {
            let trace = Trace::load(path)?;
            // A recording of a replay says where the replayed exchange came from.
            let source = trace.source;
            (Box::new(Replay::new(trace)), source)
        }
        CardSource::Reader(wanted) => (
            Box::new(PcscReader::connect(wanted.as_deref())?),
            Source::RealCard,
        ),
    };
    let recorded: Box<dyn Transport> = match &config.record {
        // Created now, so an unwritable path fails before any command reaches the card.
        Some(path) => Box::new(Recorder::create(base, path.clone(), source)?),
        None => base,
    };
    Ok(Box::new(ResponseCompletion::new(recorded)))
}

/// Run `command` over the opened transport, then finish it (write the trace, check the replay
/// was used up) even when the command failed; the command's own error wins.
pub fn with_card<R>(
    config: &Config,
    command: impl FnOnce(&mut dyn Transport) -> anyhow::Result<R>,
) -> anyhow::Result<R> {
    let mut transport = open(config)?;
    let result = command(transport.as_mut());
    let finished = transport.finish();
    let value = result?;
    finished?;
    Ok(value)
}
