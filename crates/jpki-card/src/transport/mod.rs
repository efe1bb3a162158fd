//! How command bytes reach a card and answers come back, always inside a PC/SC transaction.
//!
//! A [`Reader`] is where a card is reached: a real PC/SC reader ([`pcsc::PcscReader`]), a
//! replayed trace ([`Replay`]), or a simulated card. The only way to send the card a command is
//! a [`Transaction`] the reader opens, so every exchange is inside one: no other program can
//! send commands to the card in between. The card layer above opens one transaction per
//! operation and never knows which reader it has.
//!
//! A [`Layer`] is laid over every transaction of a reader ([`Layered`]): the [`Recorder`] writes
//! a trace, [`ResponseCompletion`] completes T=0 answers. Each is one method, "transmit through
//! the card below".

mod completion;
mod error;
mod layered;
pub mod pcsc;
pub mod pcsc_library;
mod reader;
mod recorder;
mod replay;
pub mod trace;

pub use completion::ResponseCompletion;
pub use error::{ReaderChoice, TransportError};
pub use layered::Layered;
pub use reader::{Layer, Reader, Transaction};
pub use recorder::Recorder;
pub use replay::Replay;
