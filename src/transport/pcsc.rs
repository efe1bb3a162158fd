//! Real readers through PC/SC (pcsc-lite on Linux, WinSCard on Windows, CryptoTokenKit on macOS).

use super::{wire, Transport, TransportError};
use std::ffi::CString;
use std::time::{Duration, Instant};

/// A reader as PC/SC lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderInfo {
    /// The reader's name.
    pub name: String,
    /// Whether a card sits in (or on) the reader.
    pub card_present: bool,
    /// The card's ATR, when a card is present.
    pub atr: Option<Vec<u8>>,
}

/// Translate a PC/SC error into what the user needs to know.
pub fn transport_error(e: pcsc::Error) -> TransportError {
    use pcsc::Error as E;
    match e {
        E::NoService | E::ServiceStopped => TransportError::ServiceUnavailable(e.to_string()),
        E::NoReadersAvailable => TransportError::NoReaders,
        E::RemovedCard | E::NoSmartcard => TransportError::CardRemoved,
        E::ResetCard => TransportError::CardReset,
        other => TransportError::Reader(other.to_string()),
    }
}

fn context() -> Result<pcsc::Context, TransportError> {
    pcsc::Context::establish(pcsc::Scope::User).map_err(transport_error)
}

/// Every reader PC/SC knows, with whether a card is present.
pub fn list_readers() -> Result<Vec<ReaderInfo>, TransportError> {
    let ctx = context()?;
    let names = match ctx.list_readers_owned() {
        Ok(names) => names,
        Err(pcsc::Error::NoReadersAvailable) => return Ok(Vec::new()),
        Err(e) => return Err(transport_error(e)),
    };
    let mut states: Vec<pcsc::ReaderState> = names
        .iter()
        .map(|n| pcsc::ReaderState::new(n.clone(), pcsc::State::UNAWARE))
        .collect();
    if !states.is_empty() {
        ctx.get_status_change(Duration::ZERO, &mut states)
            .map_err(transport_error)?;
    }
    Ok(states
        .iter()
        .map(|s| {
            let present = s.event_state().contains(pcsc::State::PRESENT);
            ReaderInfo {
                name: s.name().to_string_lossy().into_owned(),
                card_present: present,
                atr: (present && !s.atr().is_empty()).then(|| s.atr().to_vec()),
            }
        })
        .collect())
}

/// Pick the reader to use: `wanted` is an exact name, the index `jpki readers` shows, or a
/// case-insensitive part of one name. Without it, the only reader holding a card. Never guesses.
pub fn choose_reader(
    readers: &[ReaderInfo],
    wanted: Option<&str>,
) -> Result<String, TransportError> {
    if readers.is_empty() {
        return Err(TransportError::NoReaders);
    }
    let names = || readers.iter().map(|r| r.name.clone()).collect::<Vec<_>>();
    let chosen = match wanted {
        Some(wanted) => {
            let exact = readers.iter().find(|r| r.name == wanted);
            let by_index = wanted.parse::<usize>().ok().and_then(|i| readers.get(i));
            match exact.or(by_index) {
                Some(r) => r,
                None => {
                    let needle = wanted.to_lowercase();
                    let matches: Vec<&ReaderInfo> = readers
                        .iter()
                        .filter(|r| r.name.to_lowercase().contains(&needle))
                        .collect();
                    match matches.as_slice() {
                        [one] => *one,
                        [] => {
                            return Err(TransportError::ReaderNotFound {
                                wanted: wanted.to_string(),
                                available: names(),
                            })
                        }
                        many => {
                            return Err(TransportError::AmbiguousReader {
                                wanted: wanted.to_string(),
                                matches: many.iter().map(|r| r.name.clone()).collect(),
                            })
                        }
                    }
                }
            }
        }
        None => {
            let with_card: Vec<&ReaderInfo> = readers.iter().filter(|r| r.card_present).collect();
            match with_card.as_slice() {
                [one] => *one,
                [] => {
                    return Err(TransportError::NoCard {
                        reader: match readers {
                            [only] => only.name.clone(),
                            _ => "any reader".to_string(),
                        },
                    })
                }
                many => {
                    return Err(TransportError::SeveralCards {
                        readers: many.iter().map(|r| r.name.clone()).collect(),
                    })
                }
            }
        }
    };
    if !chosen.card_present {
        return Err(TransportError::NoCard {
            reader: chosen.name.clone(),
        });
    }
    Ok(chosen.name.clone())
}

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
        .filter_map(|r| CString::new(r.name.clone()).ok())
        .map(|name| pcsc::ReaderState::new(name, pcsc::State::UNAWARE))
        .collect();
    if states.is_empty() {
        std::thread::sleep(slice);
        return Ok(());
    }
    // Learn the current state, then sleep until it changes or the slice ends.
    ctx.get_status_change(Duration::ZERO, &mut states)
        .map_err(transport_error)?;
    states.iter_mut().for_each(|s| s.sync_current_state());
    match ctx.get_status_change(slice, &mut states) {
        Ok(()) | Err(pcsc::Error::Timeout) => Ok(()),
        Err(e) => Err(transport_error(e)),
    }
}

/// A card in a real reader, connected in shared mode.
pub struct PcscReader {
    // Field order matters: the card is released before its context.
    card: pcsc::Card,
    _context: pcsc::Context,
    name: String,
    atr: Option<Vec<u8>>,
}

impl std::fmt::Debug for PcscReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscReader")
            .field("name", &self.name)
            .finish()
    }
}

impl PcscReader {
    /// Connect to the reader `wanted` chooses (see [`choose_reader`]).
    pub fn connect(wanted: Option<&str>) -> Result<PcscReader, TransportError> {
        let name = choose_reader(&list_readers()?, wanted)?;
        let context = context()?;
        let cname = CString::new(name.clone()).map_err(|_| {
            TransportError::Reader(format!("reader name {name:?} holds a NUL byte"))
        })?;
        let card = context
            .connect(&cname, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
            .map_err(|e| match e {
                pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard => TransportError::NoCard {
                    reader: name.clone(),
                },
                other => transport_error(other),
            })?;
        let atr = card
            .get_attribute_owned(pcsc::Attribute::AtrString)
            .ok()
            .filter(|a| !a.is_empty());
        Ok(PcscReader {
            card,
            _context: context,
            name,
            atr,
        })
    }
}

fn transmit_on(card: &pcsc::Card, command: &[u8]) -> Result<Vec<u8>, TransportError> {
    let mut buffer = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
    let answer = card
        .transmit(command, &mut buffer)
        .map_err(transport_error)?;
    Ok(answer.to_vec())
}

/// The card while a PC/SC transaction holds it.
struct Held<'a> {
    card: &'a pcsc::Card,
    name: &'a str,
    carried_secret: bool,
}

impl Transport for Held<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.carried_secret |= wire::secret_data(command).is_some();
        transmit_on(self.card, command)
    }

    fn exclusive(
        &mut self,
        session: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError> {
        session(self); // already held
        Ok(())
    }

    fn reader_name(&self) -> &str {
        self.name
    }
}

impl Transport for PcscReader {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        transmit_on(&self.card, command)
    }

    fn exclusive(
        &mut self,
        session: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError> {
        let transaction = self.card.transaction().map_err(transport_error)?;
        let mut held = Held {
            card: &transaction,
            name: &self.name,
            carried_secret: false,
        };
        session(&mut held);
        // After a PIN was verified, reset the card as the hold ends, so no other program can
        // use the card's verified state once jpki lets go.
        let disposition = if held.carried_secret {
            pcsc::Disposition::ResetCard
        } else {
            pcsc::Disposition::LeaveCard
        };
        transaction
            .end(disposition)
            .map_err(|(_, e)| transport_error(e))
    }

    fn reader_name(&self) -> &str {
        &self.name
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.atr.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(name: &str, card: bool) -> ReaderInfo {
        ReaderInfo {
            name: name.to_string(),
            card_present: card,
            atr: None,
        }
    }

    fn two() -> Vec<ReaderInfo> {
        vec![
            reader("SCM Microsystems SCR 3310 00 00", true),
            reader("Sony FeliCa Port/PaSoRi 4.0 01 00", false),
        ]
    }

    #[test]
    fn without_a_choice_the_only_reader_with_a_card_is_used() {
        assert_eq!(
            choose_reader(&two(), None).unwrap(),
            "SCM Microsystems SCR 3310 00 00"
        );
    }

    #[test]
    fn several_cards_are_refused_and_listed() {
        let mut readers = two();
        readers[1].card_present = true;
        match choose_reader(&readers, None) {
            Err(TransportError::SeveralCards { readers }) => assert_eq!(readers.len(), 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_reader_is_chosen_by_exact_name_index_or_unique_part() {
        let mut readers = two();
        readers[1].card_present = true;
        assert_eq!(choose_reader(&readers, Some("1")).unwrap(), readers[1].name);
        assert_eq!(
            choose_reader(&readers, Some("pasori")).unwrap(),
            readers[1].name
        );
        assert_eq!(
            choose_reader(&readers, Some(&readers[0].name)).unwrap(),
            readers[0].name
        );
    }

    #[test]
    fn unknown_ambiguous_and_empty_choices_are_errors() {
        let readers = two();
        assert!(matches!(
            choose_reader(&readers, Some("acr122")),
            Err(TransportError::ReaderNotFound { .. })
        ));
        assert!(matches!(
            choose_reader(&readers, Some("0 0")),
            Err(TransportError::AmbiguousReader { .. })
        ));
        assert!(matches!(
            choose_reader(&readers, Some("7")),
            Err(TransportError::ReaderNotFound { .. })
        ));
        assert!(matches!(
            choose_reader(&[], None),
            Err(TransportError::NoReaders)
        ));
    }

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

    #[test]
    fn a_chosen_reader_without_a_card_says_so() {
        match choose_reader(&two(), Some("pasori")) {
            Err(TransportError::NoCard { reader }) => assert!(reader.contains("PaSoRi")),
            other => panic!("{other:?}"),
        }
        let empty = vec![reader("A", false), reader("B", false)];
        assert!(matches!(
            choose_reader(&empty, None),
            Err(TransportError::NoCard { .. })
        ));
    }
}
