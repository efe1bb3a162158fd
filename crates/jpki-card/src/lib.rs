//! jpki: a driver for the Japanese My Number card (マイナンバーカード) over PC/SC.
//!
//! Data flows one way, each layer using only the ones below it: `card` (the card's applications
//! and PINs) opens a transaction of a [`transport::Reader`] (a real PC/SC reader or a replayed
//! trace) and sends it `apdu` commands; `transport` moves bytes and knows from `apdu` which of
//! them are a PIN; `apdu` knows nothing else of jpki. Beside them, [`text`] makes text from
//! outside (a file, a reader, a card) safe for a terminal: the library's errors and the command
//! both quote through it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod apdu;
pub mod card;
pub mod text;
pub mod transport;
