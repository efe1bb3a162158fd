//! Real readers through PC/SC (pcsc-lite on Linux, WinSCard on Windows, CryptoTokenKit on macOS).

use super::{Reader, Transaction, TransportError};
use crate::apdu::secret;
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
        // pcsc-lite's answer when the reader could not carry a command to the card (its driver
        // failed the exchange), not only a transaction that ended; pcsc's own words mislead.
        E::NotTransacted => TransportError::Reader(
            "the reader could not exchange the command with the card (SCARD_E_NOT_TRANSACTED)"
                .to_string(),
        ),
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

/// How jpki lets go of the card, at the end of a PC/SC transaction and when it disconnects:
/// leave it as it is unless a PIN was sent since the card was last reset. A reset logs out every
/// program sharing the card (their next command gets SCARD_W_RESET_CARD), so it is kept for the
/// one case where it protects the holder: after a VERIFY or a change, so that no other program
/// can use the state the PIN unlocked once jpki lets go.
pub fn disposition(pin_sent: bool) -> pcsc::Disposition {
    if pin_sent {
        pcsc::Disposition::ResetCard
    } else {
        pcsc::Disposition::LeaveCard
    }
}

/// Whether a PIN has crossed to the card since it was last reset: the input of [`disposition`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PinSent(bool);

impl PinSent {
    /// Nothing sent yet: a card just connected to is taken as it is found.
    pub(crate) fn new() -> PinSent {
        PinSent(false)
    }

    /// Note a command on its way to the card.
    pub(crate) fn note(&mut self, command: &[u8]) {
        self.0 |= secret::carries_pin(command);
    }

    /// Whether a PIN has crossed since the last reset.
    pub(crate) fn get(self) -> bool {
        self.0
    }

    /// The card was reset (a transaction ended with a reset): what the PIN unlocked is gone.
    pub(crate) fn card_was_reset(&mut self) {
        self.0 = false;
    }
}

/// What a transaction reports about its own end. When a command inside it already failed at
/// the reader, the end failing too (the card or the transaction is gone) adds nothing: the
/// command's failure, which came first, says what happened to it.
fn end_of_transaction(
    command_failed: bool,
    ended: Result<(), TransportError>,
) -> Result<(), TransportError> {
    match ended {
        Err(_) if command_failed => Ok(()),
        ended => ended,
    }
}

/// A card in a real reader, connected in shared mode.
///
/// Dropping it disconnects with [`disposition`]: the card is left alone unless a PIN was sent
/// since its last reset. When a panic unwinds through it, the card is reset whatever was sent,
/// since nothing then says what state the card was left in.
pub struct PcscReader {
    // Field order matters: the card is released before its context. `None` only while dropping.
    card: Option<pcsc::Card>,
    _context: pcsc::Context,
    name: String,
    atr: Option<Vec<u8>>,
    pin_sent: PinSent,
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
        let atr = atr_of(&card);
        Ok(PcscReader {
            card: Some(card),
            _context: context,
            name,
            atr,
            pin_sent: PinSent::new(),
        })
    }
}

impl Drop for PcscReader {
    fn drop(&mut self) {
        let Some(card) = self.card.take() else {
            return;
        };
        let how = if std::thread::panicking() {
            pcsc::Disposition::ResetCard
        } else {
            disposition(self.pin_sent.get())
        };
        // On failure pcsc hands the card back, and dropping it disconnects with a reset: the safe
        // side, and nothing is left to tell the user at this point.
        let _ = card.disconnect(how);
    }
}

/// The card's ATR: SCARD_ATTR_ATR_STRING, or, from readers that do not answer that attribute
/// (vsmartcard's vpcd answers "feature not supported"), SCardStatus on the same handle.
fn atr_of(card: &pcsc::Card) -> Option<Vec<u8>> {
    let attribute = card.get_attribute_owned(pcsc::Attribute::AtrString).ok();
    let status = || card.status2_owned().ok().map(|s| s.atr().to_vec());
    first_atr(attribute, status)
}

/// The first non-empty ATR of the attribute and (asked only when needed) SCardStatus.
fn first_atr(
    attribute: Option<Vec<u8>>,
    status: impl FnOnce() -> Option<Vec<u8>>,
) -> Option<Vec<u8>> {
    attribute
        .filter(|a| !a.is_empty())
        .or_else(|| status().filter(|a| !a.is_empty()))
}

fn transmit_on(card: &pcsc::Card, command: &[u8]) -> Result<Vec<u8>, TransportError> {
    let mut buffer = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
    let answer = card
        .transmit(command, &mut buffer)
        .map_err(transport_error)?;
    Ok(answer.to_vec())
}

impl Reader for PcscReader {
    fn name(&self) -> &str {
        &self.name
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.atr.clone()
    }

    fn transaction(&mut self) -> Result<Box<dyn Transaction + '_>, TransportError> {
        let card = self
            .card
            .as_mut()
            .ok_or_else(|| TransportError::Reader("the card was already released".to_string()))?;
        let transaction = card.transaction().map_err(transport_error)?;
        Ok(Box::new(PcscTransaction {
            transaction: Some(transaction),
            pin_sent: &mut self.pin_sent,
            failed: false,
        }))
    }
}

/// A PC/SC transaction on the card. It ends with [`disposition`]: the card is left alone unless
/// a PIN was sent since its last reset; when a panic unwinds through it, the card is reset
/// whatever was sent.
struct PcscTransaction<'a> {
    /// `None` once ended.
    transaction: Option<pcsc::Transaction<'a>>,
    /// The reader's record, kept across its transactions: a reset that failed leaves it set.
    pin_sent: &'a mut PinSent,
    /// A command failed at the reader: its failure is the one to report, not the end's.
    failed: bool,
}

impl PcscTransaction<'_> {
    /// End the transaction (once), resetting the card when a PIN was sent.
    fn end_now(&mut self) -> Result<(), TransportError> {
        let Some(transaction) = self.transaction.take() else {
            return Ok(());
        };
        let how = if std::thread::panicking() {
            pcsc::Disposition::ResetCard
        } else {
            disposition(self.pin_sent.get())
        };
        let ended = transaction.end(how).map_err(|(_, e)| transport_error(e));
        // A reset that went through undid what the PIN unlocked; a failed one did not, so the
        // disconnect still resets.
        if ended.is_ok() && how == pcsc::Disposition::ResetCard {
            self.pin_sent.card_was_reset();
        }
        end_of_transaction(self.failed, ended)
    }
}

impl Transaction for PcscTransaction<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let Some(card) = self.transaction.as_deref() else {
            return Err(TransportError::Reader(
                "the transaction was already ended".to_string(),
            ));
        };
        self.pin_sent.note(command);
        let answer = transmit_on(card, command);
        self.failed |= answer.is_err();
        answer
    }

    fn end(mut self: Box<Self>) -> Result<(), TransportError> {
        self.end_now()
    }
}

impl Drop for PcscTransaction<'_> {
    fn drop(&mut self) {
        // Nothing is left to tell anyone here; `end` is where a failure is reported.
        let _ = self.end_now();
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

    #[test]
    fn the_card_is_left_alone_unless_a_pin_was_sent() {
        assert_eq!(disposition(false), pcsc::Disposition::LeaveCard);
        assert_eq!(disposition(true), pcsc::Disposition::ResetCard);
    }

    /// The commands `status`, `readers` and `doctor` send: none carries a PIN.
    const READS: [&[u8]; 5] = [
        &[
            0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00,
            0x01,
        ],
        &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1B],
        &[0x00, 0x20, 0x00, 0x80],
        &[0x00, 0xB0, 0x00, 0x00, 0x20],
        &[0x00, 0xB0, 0x00, 0x04, 0x00],
    ];

    #[test]
    fn reads_and_counter_queries_leave_the_card_alone() {
        let mut sent = PinSent::new();
        for command in READS {
            sent.note(command);
        }
        assert!(!sent.get());
        assert_eq!(disposition(sent.get()), pcsc::Disposition::LeaveCard);
    }

    #[test]
    fn a_verify_or_a_change_resets_the_card() {
        // VERIFY, CHANGE REFERENCE DATA, and CHANGE KEY (the juki PIN's change command).
        let pin_commands: [&[u8]; 3] = [
            &[0x00, 0x20, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4'],
            &[0x00, 0x24, 0x01, 0x80, 0x04, b'5', b'6', b'7', b'8'],
            &[0x80, 0x32, 0x00, 0x80, 0x04, b'5', b'6', b'7', b'8'],
        ];
        for command in pin_commands {
            let mut sent = PinSent::new();
            sent.note(READS[0]);
            sent.note(command);
            // Reads after the PIN do not undo it.
            sent.note(READS[2]);
            assert!(sent.get(), "{command:02X?}");
            assert_eq!(disposition(sent.get()), pcsc::Disposition::ResetCard);
        }
    }

    #[test]
    fn after_a_reset_only_a_new_pin_resets_again() {
        let mut sent = PinSent::new();
        sent.note(&[0x00, 0x20, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4']);
        sent.card_was_reset();
        sent.note(READS[1]);
        assert_eq!(disposition(sent.get()), pcsc::Disposition::LeaveCard);
        sent.note(&[0x00, 0x20, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4']);
        assert_eq!(disposition(sent.get()), pcsc::Disposition::ResetCard);
    }

    #[test]
    fn a_failed_end_of_transaction_is_reported_unless_a_command_failed_first() {
        let ended = || Err(TransportError::Reader("not transacted".to_string()));
        assert!(end_of_transaction(false, ended()).is_err());
        assert!(end_of_transaction(true, ended()).is_ok());
        assert!(end_of_transaction(false, Ok(())).is_ok());
        assert!(end_of_transaction(true, Ok(())).is_ok());
    }

    #[test]
    fn the_atr_comes_from_the_attribute_or_else_from_the_card_status() {
        let atr = vec![0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];
        let unasked = || -> Option<Vec<u8>> { panic!("SCardStatus asked needlessly") };
        assert_eq!(first_atr(Some(atr.clone()), unasked), Some(atr.clone()));
        assert_eq!(first_atr(None, || Some(atr.clone())), Some(atr.clone()));
        assert_eq!(first_atr(Some(Vec::new()), || Some(atr.clone())), Some(atr));
        assert_eq!(first_atr(None, || Some(Vec::new())), None);
        assert_eq!(first_atr(None, || None), None);
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
