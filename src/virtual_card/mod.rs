//! A virtual My Number card: a stateful model of the card's applications, files and PINs that
//! answers APDUs as shared/docs/protocol.md describes. It implements [`Transport`], so tests
//! drive every command in-process, and `jpki-vcard` serves it to pcscd through vpcd.
//!
//! Layout: `model` (what the card holds), `answer` (how it answers a command), `profile`
//! (ready-made cards), `state_file` (the card's memory on disk).

mod answer;
mod model;
mod profile;
mod state_file;

pub use model::{CardState, File, LockedProbe, PinRecord, AUTH_CERTIFICATE_EF, TOKEN, TOKEN_EF};
pub use profile::{Profile, DEFAULT_FOUR_DIGIT_PIN, DEFAULT_SIGN_PASSWORD, TEST_AUTH_CERTIFICATE};
pub use state_file::{application_from_id, application_id, StateError};

use crate::transport::{wire, Transport, TransportError};
use answer::Session;
use std::path::{Path, PathBuf};

/// The reader name the virtual card reports when used in-process (`--virtual-card`).
pub const READER_NAME: &str = "jpki Virtual Card 00 00";

/// The ATR the virtual card gives: the My Number card's contact ATR, as OpenSC's JPKI driver
/// matches it (OpenSC src/libopensc/card-jpki.c, `jpki_atrs`) and myna-browser-extension waits
/// for it (card.py, `ATRCardType`). T=1; its check byte is right.
pub const ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];

/// The ATR of the other-card profile (no JPKI application), so it does not claim to be a My
/// Number card: the PC/SC part 3 ATR of a contactless ISO 14443-4 card without historical bytes.
pub const OTHER_CARD_ATR: [u8; 5] = [0x3B, 0x80, 0x80, 0x01, 0x01];

/// A virtual card: its lasting state, its powered-on session, and where to save it.
#[derive(Debug, Clone)]
pub struct VirtualCard {
    state: CardState,
    session: Session,
    path: Option<PathBuf>,
}

impl VirtualCard {
    /// A card in memory only.
    pub fn new(state: CardState) -> VirtualCard {
        VirtualCard {
            state,
            session: Session::default(),
            path: None,
        }
    }

    /// The card a state file describes; [`Transport::finish`] saves it back there.
    pub fn open(path: &Path) -> Result<VirtualCard, StateError> {
        let mut card = VirtualCard::new(state_file::load(path)?);
        card.path = Some(path.to_path_buf());
        Ok(card)
    }

    /// Read a state file.
    pub fn load_state(path: &Path) -> Result<CardState, StateError> {
        state_file::load(path)
    }

    /// Write a state file.
    pub fn save_state(state: &CardState, path: &Path) -> Result<(), StateError> {
        state_file::save(state, path)
    }

    /// The state file's text for `state`.
    pub fn state_text(state: &CardState) -> String {
        state_file::to_text(state)
    }

    /// The card's lasting state.
    pub fn state(&self) -> &CardState {
        &self.state
    }

    /// The card's ATR: a My Number card's, unless the card has no JPKI application.
    pub fn answer_to_reset(&self) -> Vec<u8> {
        if self.state.has_application(crate::card::Application::Jpki) {
            ATR.to_vec()
        } else {
            OTHER_CARD_ATR.to_vec()
        }
    }

    /// Answer one command APDU (data, then SW1 SW2).
    pub fn respond(&mut self, command: &[u8]) -> Vec<u8> {
        answer::answer(&mut self.state, &mut self.session, command)
    }

    /// A reset or power cycle: the selection and any verified PIN are forgotten.
    pub fn reset(&mut self) {
        self.session.reset();
    }

    /// Save the state to the file it came from, if any.
    pub fn save(&self) -> Result<(), StateError> {
        match &self.path {
            Some(path) => state_file::save(&self.state, path),
            None => Ok(()),
        }
    }
}

/// The card inside an exclusive hold: notes whether a PIN was sent.
struct Held<'a> {
    card: &'a mut VirtualCard,
    carried_secret: bool,
}

impl Transport for Held<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.carried_secret |= wire::secret_data(command).is_some();
        Ok(self.card.respond(command))
    }

    fn exclusive(
        &mut self,
        session: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError> {
        session(self); // already held
        Ok(())
    }

    fn reader_name(&self) -> &str {
        READER_NAME
    }
}

impl Transport for VirtualCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(self.respond(command))
    }

    /// Mirrors `PcscReader`: a hold that carried a PIN ends with a card reset, so the verified
    /// state does not outlive it.
    fn exclusive(
        &mut self,
        session: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError> {
        let mut held = Held {
            card: self,
            carried_secret: false,
        };
        session(&mut held);
        if held.carried_secret {
            self.reset();
        }
        Ok(())
    }

    fn reader_name(&self) -> &str {
        READER_NAME
    }

    fn atr(&self) -> Option<Vec<u8>> {
        Some(self.answer_to_reset())
    }

    /// Saves the state back to its file, so the next run sees what this one did.
    fn finish(&mut self) -> Result<(), TransportError> {
        Ok(self.save()?)
    }
}

#[cfg(test)]
mod tests;
