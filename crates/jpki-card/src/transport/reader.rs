//! The reader, the transaction it opens, and the layers laid over it: the three traits every
//! backend and every layer is written against.

use super::error::TransportError;
use crate::apdu::Outgoing;

/// Where a card is reached: a PC/SC reader, a replayed trace, a simulated card. Only a
/// transaction it opens can talk to the card.
pub trait Reader {
    /// The reader's name, as shown to the user.
    fn name(&self) -> &str;

    /// The card's answer to reset, when known.
    fn atr(&self) -> Option<Vec<u8>> {
        None
    }

    /// Begin a transaction: no other program sends commands to the card until it ends.
    fn transaction(&mut self) -> Result<Box<dyn Transaction + '_>, TransportError>;

    /// The run is over: a replay checks it was used up, a recorder writes its trace.
    fn finish(&mut self) -> Result<(), TransportError> {
        Ok(())
    }
}

/// The card inside a transaction: the only way to send it a command.
///
/// What it sends is an [`Outgoing`] command, taken by value: a program builds one from bytes
/// that carry no PIN, and only the library's guarded operations build one that carries a PIN
/// (see [`Outgoing`]). So a transaction of any reader, whoever calls it, sends a PIN only after
/// the guard read its counter, and each at most once.
pub trait Transaction {
    /// Send one command APDU; return the card's whole answer (data, then SW1 SW2).
    fn transmit(&mut self, command: Outgoing<'_>) -> Result<Vec<u8>, TransportError>;

    /// Say what happened that is no exchange (a reader asked again in shorter pieces), for a
    /// layer that writes things down; nothing by default. Never personal, never a PIN.
    fn note(&mut self, text: &str) {
        let _ = text;
    }

    /// End the transaction, reporting a failure to end it. Dropping a transaction also ends it,
    /// the same way, without the report.
    fn end(self: Box<Self>) -> Result<(), TransportError> {
        Ok(())
    }
}

/// Something laid over every transaction of a reader: it sees each command on its way to the
/// card and each answer on its way back.
pub trait Layer {
    /// Send `command` through `card`, the transaction below, and return what to hand up. The
    /// command cannot be copied: it goes down once, or not at all.
    fn transmit(
        &mut self,
        card: &mut dyn Transaction,
        command: Outgoing<'_>,
    ) -> Result<Vec<u8>, TransportError>;

    /// A note from the card layer (see [`Transaction::note`]); nothing by default.
    fn note(&mut self, text: &str) {
        let _ = text;
    }

    /// Called once when the run is over, with the reader below (the recorder writes its trace
    /// here). A layer that keeps nothing for the end leaves it as it is: it does nothing.
    fn finish(&mut self, reader: &dyn Reader) -> Result<(), TransportError> {
        let _ = reader;
        Ok(())
    }
}
