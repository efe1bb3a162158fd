//! Reading all four retry counters in one hold, spending no try: the 11-APDU exchange.

use super::{held, send, Application, CardError, PinKind, PinStatus, RetryCounter};
use crate::apdu::{Command, StatusWord};
use crate::transport::Transport;

/// Read the counters of all four PINs, in the order of [`PinKind::ALL`].
///
/// A missing juki or kenhojo application, or a missing PIN file, reports those PINs as absent;
/// a card without the JPKI application is not a My Number card.
pub fn read_pin_statuses(transport: &mut dyn Transport) -> Result<Vec<PinStatus>, CardError> {
    held(transport, read_all)
}

fn read_all(transport: &mut dyn Transport) -> Result<Vec<PinStatus>, CardError> {
    let mut statuses = Vec::with_capacity(PinKind::ALL.len());
    for application in Application::ALL {
        let selected = send(transport, &Command::select_application(application.aid()))?.sw;
        if application == Application::Jpki && selected != StatusWord::Success {
            return Err(CardError::NotMyNumberCard { sw: selected });
        }
        for kind in PinKind::ALL
            .into_iter()
            .filter(|k| k.application() == application)
        {
            let counter = match selected {
                StatusWord::Success => read_counter(transport, kind)?,
                StatusWord::FileNotFound => RetryCounter::Absent,
                other => RetryCounter::Unreadable(other),
            };
            statuses.push(PinStatus { kind, counter });
        }
    }
    Ok(statuses)
}

/// SELECT the PIN's EF in the current application and ask its counter: two APDUs, no try spent.
pub(crate) fn read_counter(
    transport: &mut dyn Transport,
    kind: PinKind,
) -> Result<RetryCounter, CardError> {
    match send(transport, &Command::select_file(kind.ef()))?.sw {
        StatusWord::Success => {}
        StatusWord::FileNotFound => return Ok(RetryCounter::Absent),
        other => return Ok(RetryCounter::Unreadable(other)),
    }
    Ok(RetryCounter::from_probe(
        send(transport, &Command::read_retry_counter())?.sw,
    ))
}
