//! Commands, responses and status words as types, not byte soup, and which bytes of a command
//! are a PIN ([`secret`]). Nothing here knows any other part of jpki.
//!
//! A program builds the commands that carry no PIN by name ([`Command::select_application`],
//! [`Command::read_binary`]...) or from bytes ([`Outgoing::new`]). The commands that carry a PIN
//! are built only inside the library, by its guarded operations: they have no public
//! constructor, and bytes that carry a PIN are refused ([`UnguardedPin`]).
//!
//! ```compile_fail,E0624
//! // VERIFY with a PIN has no public constructor: only the guard builds it.
//! let verify = jpki_card::apdu::Command::verify(b"1234");
//! ```
//!
//! ```compile_fail,E0624
//! let change = jpki_card::apdu::Command::change_reference_data(b"1234");
//! ```
//!
//! ```compile_fail,E0624
//! let change = jpki_card::apdu::Command::change_key(b"1234");
//! ```
//!
//! ```
//! // Built by hand, the same VERIFY is refused before any card is reached.
//! use jpki_card::apdu::Outgoing;
//! let refused = Outgoing::new(&[0x00, 0x20, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4']);
//! assert_eq!(refused.unwrap_err().ins, 0x20);
//! ```
//!
//! ```compile_fail,E0382
//! // An outgoing command is sent once: `transmit` takes it, and it cannot be copied.
//! use jpki_card::apdu::Outgoing;
//! use jpki_card::transport::Transaction;
//! fn twice(card: &mut dyn Transaction, command: Outgoing<'_>) {
//!     let _ = card.transmit(command);
//!     let _ = card.transmit(command);
//! }
//! ```

mod command;
mod outgoing;
mod response;
pub mod secret;
mod status_word;

pub use command::{Command, Instruction};
pub use outgoing::{Outgoing, UnguardedPin};
pub use response::{Response, ResponseError};
pub use status_word::StatusWord;
