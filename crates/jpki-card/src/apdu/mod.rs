//! Commands, responses and status words as types, not byte soup, and which bytes of a command
//! are a PIN ([`secret`]). Nothing here knows any other part of jpki.

mod command;
mod response;
pub mod secret;
mod status_word;

pub use command::{Command, Instruction};
pub use response::{Response, ResponseError};
pub use status_word::StatusWord;
