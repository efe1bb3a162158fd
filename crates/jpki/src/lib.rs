//! jpki: a driver for the Japanese My Number card (マイナンバーカード) over PC/SC.
//!
//! Data flows one way: `card` (the card's applications and PINs) speaks `apdu` types to a
//! [`transport::Transport`], which is a real PC/SC reader or a replayed trace.
#![forbid(unsafe_code)]

pub mod apdu;
pub mod card;
pub mod transport;
