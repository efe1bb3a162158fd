//! How command bytes reach a card and answers come back: one small trait and its implementations.
//!
//! The card layer above sees only [`Transport`]; a real PC/SC reader, a replayed trace and the
//! virtual card are interchangeable behind it.

mod completion;
mod error;
mod fault;
pub mod pcsc;
pub mod pcsc_library;
mod recorder;
mod replay;
pub mod trace;
pub mod wire;

pub use completion::ResponseCompletion;
pub use error::{escaped, is_unprintable, TransportError};
pub use fault::{Fault, FaultCounts, FaultInjection};
pub use recorder::Recorder;
pub use replay::Replay;

/// Something that carries command APDUs to a card and brings its answers back.
pub trait Transport {
    /// Send one command APDU; return the card's whole answer (data, then SW1 SW2).
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// Run `session` while the card is held exclusively, so no other program can send commands
    /// in between. The session gets the transport to use inside the hold.
    fn exclusive(
        &mut self,
        session: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError>;

    /// The reader's name, as shown to the user.
    fn reader_name(&self) -> &str;

    /// The card's answer to reset, when known.
    fn atr(&self) -> Option<Vec<u8>> {
        None
    }

    /// Called once when the command is done: a replay checks nothing was left unconsumed, a
    /// recorder writes its trace.
    fn finish(&mut self) -> Result<(), TransportError> {
        Ok(())
    }
}

/// A borrowed transport is a transport, so wrappers can sit over the one a hold hands out.
impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }

    fn exclusive(
        &mut self,
        session: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError> {
        (**self).exclusive(session)
    }

    fn reader_name(&self) -> &str {
        (**self).reader_name()
    }

    fn atr(&self) -> Option<Vec<u8>> {
        (**self).atr()
    }

    fn finish(&mut self) -> Result<(), TransportError> {
        (**self).finish()
    }
}

/// A boxed transport is a transport, so the binary can stack wrappers chosen at run time.
impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }

    fn exclusive(
        &mut self,
        session: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError> {
        (**self).exclusive(session)
    }

    fn reader_name(&self) -> &str {
        (**self).reader_name()
    }

    fn atr(&self) -> Option<Vec<u8>> {
        (**self).atr()
    }

    fn finish(&mut self) -> Result<(), TransportError> {
        (**self).finish()
    }
}
