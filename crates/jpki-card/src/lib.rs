#![doc = include_str!("../README.md")]
//!
//! # Layers
//!
//! Data flows one way, each layer using only the ones below it: `card` (the card's applications
//! and PINs) opens a transaction of a [`transport::Reader`] (a real PC/SC reader or a replayed
//! trace) and sends it `apdu` commands; `transport` moves bytes and knows from `apdu` which of
//! them are a PIN; `apdu` knows nothing else of jpki. Beside them, [`text`] makes text from
//! outside (a file, a reader, a card) safe for a terminal: the library's errors and the command
//! both quote through it.
//!
//! # A PIN goes only through the guard
//!
//! The promise of the library, PIN changes and checks that cannot lock the card by accident,
//! holds for every program that uses it. The only public ways to send a PIN are
//! [`card::verify_pin`] and [`card::change_pins`]: they read every counter a run relies on
//! first, refuse at 0 and at 1 unless the caller passes [`card::LastTry::Allow`], and send each
//! PIN once per key reference. The commands that carry a PIN have no public constructor, and a
//! [`transport::Transaction`] sends an [`apdu::Outgoing`], which a program can make only from
//! bytes that carry no PIN ([`apdu::UnguardedPin`] otherwise) and which cannot be sent twice.
//! The juki PIN, whose commands rest on a single public source, is sent only when the caller
//! names its [`card::Experiment`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod apdu;
pub mod card;
pub mod text;
pub mod transport;
