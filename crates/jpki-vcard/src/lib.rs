//! A virtual My Number card for tests: a stateful model of the card's applications, files and
//! PINs that answers APDUs as docs/protocol.md describes. It is a jpki [`Reader`], so tests
//! drive every command in-process, and `jpki-vcard` serves it to pcscd
//! through vpcd. docs/virtual-card.md says what it models, from which public sources, and what
//! it assumes.
//!
//! Layout: `model` (what the card holds), `answer` (how it answers a command), `profile`
//! (ready-made cards), `state_file` (the card's memory as text), `store` (that text on disk,
//! locked and replaced atomically), `vpcd` (the card served to pcscd), `cli` (the `jpki-vcard`
//! command).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod answer;
pub mod cli;
mod model;
mod profile;
pub mod protocol;
mod state_file;
mod store;
pub mod vpcd;

pub use model::{
    CardState, Certificate, Code, File, LockedProbe, PinFile, PinRecord, AUTH_CERTIFICATE_EF,
    TOKEN, TOKEN_EF,
};
pub use profile::{
    Profile, DEFAULT_FOUR_DIGIT_PIN, DEFAULT_SIGN_PASSWORD, JUKI_CARD_ATR, MY_NUMBER_CARD_ATR,
    OTHER_CARD_ATR, TEST_AUTH_CA_CERTIFICATE, TEST_AUTH_CERTIFICATE, TEST_SIGN_CA_CERTIFICATE,
    TEST_SIGN_CERTIFICATE,
};
pub use protocol::{Ap, KENKAKU_AID};
pub use state_file::{application_id, applications_from_id, StateError};
pub use store::{LOCK_WAIT, MAX_STATE_BYTES};

use answer::Session;
use jpki_card::apdu::{Outgoing, StatusWord};
use jpki_card::transport::{Reader, Transaction, TransportError};
use std::path::Path;
use std::time::Duration;
use store::StateFile;

/// A state file that cannot be used, as a reader failure: kept whole, so the `jpki` command
/// still tells it apart (exit 11, docs/exit-codes.md).
impl From<StateError> for TransportError {
    fn from(error: StateError) -> TransportError {
        TransportError::Backend(Box::new(error))
    }
}

/// The reader name the virtual card reports when used in-process (`--virtual-card`).
pub const READER_NAME: &str = "jpki Virtual Card 00 00";

/// 65 81, memory failure (ISO 7816-4): what the card answers when a change could not be saved,
/// so a command is never answered as done when its effect would be lost.
const MEMORY_FAILURE: StatusWord = StatusWord::Other(0x6581);

/// A virtual card: its lasting state, its powered-on session, and the state file it lives in.
#[derive(Debug)]
pub struct VirtualCard {
    state: CardState,
    session: Session,
    /// The state file, locked for as long as this card is open.
    file: Option<StateFile>,
    /// The first change that could not be saved, for [`Reader::finish`] to report.
    unsaved: Option<StateError>,
}

impl VirtualCard {
    /// A card in memory only.
    pub fn new(state: CardState) -> VirtualCard {
        VirtualCard {
            state,
            session: Session::default(),
            file: None,
            unsaved: None,
        }
    }

    /// The card a state file describes. The file stays locked until the card is dropped, and
    /// every command that changes the card is saved to it before it is answered. Another process
    /// holding the file is waited for up to [`LOCK_WAIT`].
    pub fn open(path: &Path) -> Result<VirtualCard, StateError> {
        VirtualCard::open_waiting(path, LOCK_WAIT)
    }

    /// [`VirtualCard::open`], waiting at most `wait` for another process to let go of the file.
    pub fn open_waiting(path: &Path, wait: Duration) -> Result<VirtualCard, StateError> {
        let file = StateFile::lock(path, wait)?;
        let state = state_file::parse(&file.read()?, file.origin())?;
        let mut card = VirtualCard::new(state);
        card.file = Some(file);
        Ok(card)
    }

    /// Read a state file (under its lock, released on return).
    pub fn load_state(path: &Path) -> Result<CardState, StateError> {
        Ok(VirtualCard::open(path)?.state)
    }

    /// Write a state file, replacing one that exists (under its lock).
    pub fn save_state(state: &CardState, path: &Path) -> Result<(), StateError> {
        store::create(path, &state_file::to_text(state), true, LOCK_WAIT)
    }

    /// Write a new state file; with `replace`, one that exists is replaced (under its lock),
    /// without, it is an error.
    pub fn create_state(state: &CardState, path: &Path, replace: bool) -> Result<(), StateError> {
        store::create(path, &state_file::to_text(state), replace, LOCK_WAIT)
    }

    /// The state file's text for `state`.
    pub fn state_text(state: &CardState) -> String {
        state_file::to_text(state)
    }

    /// The card's lasting state.
    pub fn state(&self) -> &CardState {
        &self.state
    }

    /// The card's answer to reset.
    pub fn answer_to_reset(&self) -> Vec<u8> {
        self.state.atr.clone()
    }

    /// Answer one command APDU (data, then SW1 SW2). A command that changes the card is saved to
    /// the state file first; when that fails, the change is undone and the card answers 65 81.
    pub fn respond(&mut self, command: &[u8]) -> Vec<u8> {
        let before = (
            self.state.pins.clone(),
            self.state.codes.clone(),
            self.session.clone(),
        );
        let answer = answer::answer(&mut self.state, &mut self.session, command);
        let changed = self.state.pins != before.0 || self.state.codes != before.1;
        let Some(file) = self.file.as_mut().filter(|_| changed) else {
            return answer;
        };
        match file.replace(&state_file::to_text(&self.state)) {
            Ok(()) => answer,
            Err(error) => {
                (self.state.pins, self.state.codes, self.session) = before;
                self.unsaved.get_or_insert(error);
                MEMORY_FAILURE.to_u16().to_be_bytes().to_vec()
            }
        }
    }

    /// The first change that could not be saved since the last call, if any.
    pub fn take_save_error(&mut self) -> Option<StateError> {
        self.unsaved.take()
    }

    /// A warm reset: the selection is forgotten, a verified PIN stays verified (the pessimistic
    /// card of docs/virtual-card.md).
    pub fn warm_reset(&mut self) {
        self.session.warm_reset();
    }

    /// A power-down: the selection and every verified PIN are forgotten.
    pub fn power_off(&mut self) {
        self.session.power_off();
    }
}

impl Reader for VirtualCard {
    fn name(&self) -> &str {
        READER_NAME
    }

    fn atr(&self) -> Option<Vec<u8>> {
        Some(self.answer_to_reset())
    }

    fn transaction(&mut self) -> Result<Box<dyn Transaction + '_>, TransportError> {
        Ok(Box::new(VirtualTransaction {
            card: self,
            pin_sent: false,
        }))
    }

    /// Every change was saved as it happened; this reports the first one that could not be
    /// (which the card answered 65 81, so the run already knows that command failed).
    fn finish(&mut self) -> Result<(), TransportError> {
        match self.take_save_error() {
            Some(error) => Err(error.into()),
            None => Ok(()),
        }
    }
}

/// The card inside a transaction. Mirrors how jpki's PC/SC reader lets go of a card: a
/// transaction that carried a PIN (or that a panic unwinds through) ends with the card powered
/// down, so the verified state does not outlive it; any other is left as it is. In-process the
/// card is powered up when it is opened and never outlives the run, so its verified state is
/// never saved to the state file: only `jpki-vcard serve` keeps a card powered between clients.
struct VirtualTransaction<'a> {
    card: &'a mut VirtualCard,
    pin_sent: bool,
}

impl Transaction for VirtualTransaction<'_> {
    fn transmit(&mut self, command: Outgoing<'_>) -> Result<Vec<u8>, TransportError> {
        // The card's own reading of the bytes, not the library's: a test double that trusted
        // the library under test could not catch it.
        let command = command.bytes();
        self.pin_sent |= protocol::carries_pin(command);
        Ok(self.card.respond(command))
    }
}

impl Drop for VirtualTransaction<'_> {
    fn drop(&mut self) {
        if self.pin_sent || std::thread::panicking() {
            self.card.power_off();
        }
    }
}

#[cfg(test)]
mod tests;
