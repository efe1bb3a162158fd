//! Real readers through PC/SC (pcsc-lite on Linux, WinSCard on Windows, CryptoTokenKit on macOS):
//! the connection to a card and its transaction, which leave the card as they found it unless a
//! PIN was sent. How they let go of the card, listing readers and choosing one, waiting for a
//! card, telling the holder while another program keeps a call waiting, and what a PC/SC error
//! means are modules of their own.

mod ending;
mod error;
mod readers;
mod wait;
mod waiting;

pub use ending::{Ending, SELECT_ISSUER_SECURITY_DOMAIN};
pub use readers::{choose_reader, list_readers, ReaderInfo};
pub use wait::{card_ready, wait_for_card};
pub use waiting::WaitingNotice;

use super::error::{ReaderChoice, TransportError};
use super::reader::{Reader, Transaction};
use crate::apdu::Outgoing;
use ending::{let_go_noting, Held, PinSent};
use error::from_pcsc;
use readers::{context, names_in, states_of};
use std::cell::OnceCell;
use std::ffi::CString;
use std::time::Duration;
use waiting::WaitWatch;

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
/// Dropping it disconnects as [`Ending`] says: the card is left alone unless a PIN was sent since
/// it was last powered down (a transaction's end that failed to power it down leaves that so);
/// then, and when a panic unwinds through it, the Issuer Security Domain is selected and the
/// card powered down.
pub struct PcscReader {
    // Field order matters: the card is released before its context. `None` only while dropping.
    card: Option<pcsc::Card>,
    _context: pcsc::Context,
    name: String,
    /// Asked of the card the first time it is needed (only a recording needs it).
    atr: OnceCell<Option<Vec<u8>>>,
    pin_sent: PinSent,
    /// Says the notice when a transaction has not begun after [`WAITING_NOTICE_AFTER`].
    waiting: Option<WaitWatch>,
}

/// How long a transaction may wait to begin (another program holds one) before the holder is
/// told why nothing happens.
pub const WAITING_NOTICE_AFTER: Duration = Duration::from_secs(1);

impl std::fmt::Debug for PcscReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscReader")
            .field("name", &self.name)
            .finish()
    }
}

impl PcscReader {
    /// Connect to the reader `wanted` chooses (see [`choose_reader`]), by the very bytes PC/SC
    /// named it with. Another program holding the card for itself is [`TransportError::CardInUse`].
    pub fn connect(wanted: Option<&str>) -> Result<PcscReader, TransportError> {
        PcscReader::connect_with(wanted, None)
    }

    /// Like [`PcscReader::connect`], saying `notice` whenever the connect or a transaction waits
    /// more than [`WAITING_NOTICE_AFTER`]: another program's transaction keeps the card, and
    /// PC/SC blocks both until it ends.
    pub fn connect_noticing(
        wanted: Option<&str>,
        notice: WaitingNotice,
    ) -> Result<PcscReader, TransportError> {
        PcscReader::connect_with(wanted, Some(notice))
    }

    fn connect_with(
        wanted: Option<&str>,
        waiting_notice: Option<WaitingNotice>,
    ) -> Result<PcscReader, TransportError> {
        // Started before the connect, the first call it watches; no thread if it cannot start.
        let waiting = waiting_notice.and_then(|n| WaitWatch::start(WAITING_NOTICE_AFTER, n));
        // One context for the listing and the connection.
        let context = context()?;
        let names = names_in(&context)?;
        let exact = wanted.and_then(|w| names.iter().find(|n| n.to_bytes() == w.as_bytes()));
        let connect = |cname: &CString, name: &str| {
            let connect = || context.connect(cname, pcsc::ShareMode::Shared, pcsc::Protocols::ANY);
            match &waiting {
                Some(watch) => watch.during(connect),
                None => connect(),
            }
            .map_err(|e| match e {
                pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard => TransportError::NoCard {
                    reader: ReaderChoice::Named(name.to_string()),
                },
                other => from_pcsc(other),
            })
        };
        let (name, card) = match exact {
            // A reader named exactly (by its bytes) is connected to at once, without asking every
            // reader's state first. Only a failed connection asks this reader's, so the failure
            // is the one the look-then-connect order below gives: no card is "no card", whatever
            // PC/SC said.
            Some(cname) => {
                let cname = cname.clone();
                let name = crate::text::bytes_as_text(cname.to_bytes());
                match connect(&cname, &name) {
                    Ok(card) => (name, card),
                    Err(failed) => {
                        choose_reader(&states_of(&context, vec![cname])?, wanted)?;
                        return Err(failed);
                    }
                }
            }
            None => {
                let readers = states_of(&context, names)?;
                let chosen = choose_reader(&readers, wanted)?;
                let name = chosen.name.clone();
                let card = connect(&chosen.c_name()?, &name)?;
                (name, card)
            }
        };
        Ok(PcscReader {
            card: Some(card),
            _context: context,
            name,
            atr: OnceCell::new(),
            pin_sent: PinSent::new(),
            waiting,
        })
    }
}

impl Drop for PcscReader {
    fn drop(&mut self) {
        let Some(card) = self.card.take() else {
            return;
        };
        // On failure pcsc hands the card back, and dropping it disconnects with a reset; nothing
        // is left to tell the user at this point.
        let _ = let_go_noting(&mut self.pin_sent, std::thread::panicking(), card);
    }
}

/// The connection, let go of by disconnecting.
impl Held for pcsc::Card {
    type Error = pcsc::Error;

    fn send(&self, command: &[u8]) {
        // The select-away is a short APDU: no extended buffer is needed.
        let _ = transmit_on(self, command, &mut Vec::new());
    }

    fn release(self, how: pcsc::Disposition) -> Result<(), pcsc::Error> {
        self.disconnect(how).map_err(|(_, e)| e)
    }
}

/// The transaction, let go of by ending it.
impl Held for pcsc::Transaction<'_> {
    type Error = pcsc::Error;

    fn send(&self, command: &[u8]) {
        // The select-away is a short APDU: no extended buffer is needed.
        let _ = transmit_on(self, command, &mut Vec::new());
    }

    fn release(self, how: pcsc::Disposition) -> Result<(), pcsc::Error> {
        self.end(how).map_err(|(_, e)| e)
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

/// The longest answer to a short APDU: 256 bytes of data (Le = 00) and the status word.
const SHORT_ANSWER: usize = 256 + 2;

/// Whether `command` is an extended APDU (ISO/IEC 7816-4: a zero byte where a short APDU has Lc,
/// followed by more), whose answer may be as long as 65,536 bytes and the status word.
fn is_extended(command: &[u8]) -> bool {
    command.len() > 5 && command[4] == 0
}

/// Send `command` with a receive buffer sized to the longest answer it can have: a short APDU's
/// on the stack, an extended one's in `extended` (made once, on first need, and reused). The
/// size has to be right before sending: a buffer too small fails after the card has acted, and a
/// command is never sent twice.
fn transmit_on(
    card: &pcsc::Card,
    command: &[u8],
    extended: &mut Vec<u8>,
) -> Result<Vec<u8>, TransportError> {
    if is_extended(command) {
        if extended.is_empty() {
            extended.resize(pcsc::MAX_BUFFER_SIZE_EXTENDED, 0);
        }
        let answer = card.transmit(command, extended).map_err(from_pcsc)?;
        return Ok(answer.to_vec());
    }
    let mut buffer = [0u8; SHORT_ANSWER];
    let answer = card.transmit(command, &mut buffer).map_err(from_pcsc)?;
    Ok(answer.to_vec())
}

impl Reader for PcscReader {
    fn name(&self) -> &str {
        &self.name
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.atr
            .get_or_init(|| self.card.as_ref().and_then(atr_of))
            .clone()
    }

    fn transaction(&mut self) -> Result<Box<dyn Transaction + '_>, TransportError> {
        let card = self
            .card
            .as_mut()
            .ok_or_else(|| TransportError::Reader("the card was already released".to_string()))?;
        let transaction = match &self.waiting {
            Some(watch) => watch.during(|| card.transaction()),
            None => card.transaction(),
        }
        .map_err(from_pcsc)?;
        Ok(Box::new(PcscTransaction {
            transaction: Some(transaction),
            pin_sent: &mut self.pin_sent,
            failed: false,
            extended_answer: Vec::new(),
        }))
    }
}

/// A PC/SC transaction on the card. It ends as [`Ending`] says: the card is left alone unless a
/// PIN was sent since it was last powered down; then, and when a panic unwinds through it, the
/// Issuer Security Domain is selected and the card powered down. The select-away goes straight
/// to the card, under every layer: it is how this reader lets go, like the disposition, and the
/// disconnect and the panic path, which no layer sees, send it too.
struct PcscTransaction<'a> {
    /// `None` once ended.
    transaction: Option<pcsc::Transaction<'a>>,
    /// The reader's record, kept across its transactions: a power-down that failed leaves it set.
    pin_sent: &'a mut PinSent,
    /// A command failed at the reader: its failure is the one to report, not the end's.
    failed: bool,
    /// The receive buffer of extended APDUs, empty until the first one.
    extended_answer: Vec<u8>,
}

impl PcscTransaction<'_> {
    /// End the transaction (once); after a PIN, select away and power the card down.
    fn end_now(&mut self) -> Result<(), TransportError> {
        let Some(transaction) = self.transaction.take() else {
            return Ok(());
        };
        let ended = let_go_noting(self.pin_sent, std::thread::panicking(), transaction);
        end_of_transaction(self.failed, ended.map_err(from_pcsc))
    }
}

impl Transaction for PcscTransaction<'_> {
    fn transmit(&mut self, command: Outgoing<'_>) -> Result<Vec<u8>, TransportError> {
        let command = command.bytes();
        let Some(card) = self.transaction.as_deref() else {
            return Err(TransportError::Reader(
                "the transaction was already ended".to_string(),
            ));
        };
        self.pin_sent.note(command);
        let answer = transmit_on(card, command, &mut self.extended_answer);
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

    /// The commands `status`, `readers` and `doctor` send: all short.
    use super::ending::tests::READS;

    #[test]
    fn only_extended_apdus_get_the_extended_buffer() {
        // Short: case 1, case 2 with Le = 00 (256 bytes), case 3, case 4.
        for short in READS {
            assert!(!is_extended(short), "{short:02X?}");
        }
        assert!(!is_extended(&[0x00, 0xC0, 0x00, 0x00, 0x00]));
        assert!(!is_extended(&[
            0x00, 0xA4, 0x02, 0x00, 0x02, 0x00, 0x1B, 0x00
        ]));
        // Extended: case 2 with a two-byte Le, case 3 with a three-byte Lc.
        assert!(is_extended(&[0x00, 0xB0, 0x00, 0x00, 0x00, 0x08, 0x00]));
        assert!(is_extended(&[
            0x00, 0xD6, 0x00, 0x00, 0x00, 0x00, 0x01, 0xAA
        ]));
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
}
