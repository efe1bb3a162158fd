//! Waiting for a card (`--wait`): look at the readers, then sleep in SCardGetStatusChange until
//! one of them changes, and again, until the chosen reader holds a card or the time is up.

use super::error::from_pcsc;
use super::readers::{choose_reader, context, list_readers, ReaderInfo};
use crate::transport::error::TransportError;
use std::time::{Duration, Instant};

/// Whether the reader `wanted` names (or the only one holding a card) has a card now. "No reader"
/// and "no card" mean keep waiting; a choice that can never work (no match, several cards) is
/// an error at once.
pub fn card_ready(readers: &[ReaderInfo], wanted: Option<&str>) -> Result<bool, TransportError> {
    match choose_reader(readers, wanted) {
        Ok(_) => Ok(true),
        Err(TransportError::NoCard { .. } | TransportError::NoReaders) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The longest one SCardGetStatusChange call waits, so a reader plugged in meanwhile is seen.
const WAIT_SLICE: Duration = Duration::from_secs(1);

/// Wait until a card is present (see [`card_ready`]), at most `limit` (none: no limit). Sleeps
/// in SCardGetStatusChange, which returns as soon as a reader's state changes.
pub fn wait_for_card(wanted: Option<&str>, limit: Option<Duration>) -> Result<(), TransportError> {
    let started = Instant::now();
    let ctx = context()?;
    // The readers last seen, shared by the look and the sleep.
    let readers = std::cell::RefCell::new(Vec::new());
    wait_until(
        limit,
        || started.elapsed(),
        || {
            *readers.borrow_mut() = list_readers()?;
            card_ready(&readers.borrow(), wanted)
        },
        |slice| sleep_until_change(&ctx, &readers.borrow(), slice),
    )
}

/// The waiting loop, apart from PC/SC so it can be tested: `ready` looks, `sleep` waits at most
/// the slice it is given, `elapsed` tells the time since the start.
fn wait_until(
    limit: Option<Duration>,
    elapsed: impl Fn() -> Duration,
    mut ready: impl FnMut() -> Result<bool, TransportError>,
    mut sleep: impl FnMut(Duration) -> Result<(), TransportError>,
) -> Result<(), TransportError> {
    loop {
        if ready()? {
            return Ok(());
        }
        let slice = match limit {
            Some(limit) => {
                let left = limit.saturating_sub(elapsed());
                if left.is_zero() {
                    return Err(TransportError::WaitTimedOut {
                        seconds: limit.as_secs(),
                    });
                }
                left.min(WAIT_SLICE)
            }
            None => WAIT_SLICE,
        };
        sleep(slice)?;
    }
}

/// Sleep until a reader's state changes or `slice` ends; without readers, just sleep.
fn sleep_until_change(
    ctx: &pcsc::Context,
    readers: &[ReaderInfo],
    slice: Duration,
) -> Result<(), TransportError> {
    let mut states: Vec<pcsc::ReaderState> = readers
        .iter()
        .filter_map(|r| r.c_name().ok())
        .map(|name| pcsc::ReaderState::new(name, pcsc::State::UNAWARE))
        .collect();
    if states.is_empty() {
        std::thread::sleep(slice);
        return Ok(());
    }
    // Learn the current state, then sleep until it changes or the slice ends.
    ctx.get_status_change(Duration::ZERO, &mut states)
        .map_err(from_pcsc)?;
    states.iter_mut().for_each(|s| s.sync_current_state());
    match ctx.get_status_change(slice, &mut states) {
        Ok(()) | Err(pcsc::Error::Timeout) => Ok(()),
        Err(e) => Err(from_pcsc(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::pcsc::readers::tests::{reader, two};

    #[test]
    fn waiting_goes_on_without_a_reader_or_card_and_stops_on_a_bad_choice() {
        assert!(!card_ready(&[], None).unwrap());
        assert!(!card_ready(&[], Some("pasori")).unwrap());
        assert!(!card_ready(&[reader("A", false)], None).unwrap());
        assert!(!card_ready(&two(), Some("pasori")).unwrap());
        assert!(card_ready(&two(), None).unwrap());
        assert!(matches!(
            card_ready(&two(), Some("acr122")),
            Err(TransportError::ReaderNotFound { .. })
        ));
        let both = vec![reader("A", true), reader("B", true)];
        assert!(matches!(
            card_ready(&both, None),
            Err(TransportError::SeveralCards { .. })
        ));
    }

    #[test]
    fn waiting_times_out_after_the_limit_with_its_own_error() {
        use std::cell::Cell;
        let clock = Cell::new(Duration::ZERO);
        let result = wait_until(
            Some(Duration::from_secs(3)),
            || clock.get(),
            || Ok(false),
            |slice| {
                assert!(slice <= WAIT_SLICE);
                clock.set(clock.get() + slice);
                Ok(())
            },
        );
        assert!(matches!(
            result,
            Err(TransportError::WaitTimedOut { seconds: 3 })
        ));
        assert_eq!(clock.get(), Duration::from_secs(3));
    }

    #[test]
    fn a_limit_of_zero_looks_once_and_never_sleeps() {
        let mut looks = 0;
        let result = wait_until(
            Some(Duration::ZERO),
            || Duration::ZERO,
            || {
                looks += 1;
                Ok(false)
            },
            |_| panic!("slept with a limit of zero"),
        );
        assert!(matches!(
            result,
            Err(TransportError::WaitTimedOut { seconds: 0 })
        ));
        assert_eq!(looks, 1);
    }

    #[test]
    fn waiting_ends_when_a_card_arrives_and_without_a_limit_goes_on() {
        let mut looks = 0;
        let result = wait_until(
            None,
            || Duration::from_secs(1_000_000),
            || {
                looks += 1;
                Ok(looks == 4)
            },
            |_| Ok(()),
        );
        assert!(result.is_ok());
        assert_eq!(looks, 4);
    }
}
