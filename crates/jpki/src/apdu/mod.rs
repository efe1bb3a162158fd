//! Commands, responses and status words as types, not byte soup.

mod command;
mod response;
mod status_word;

pub use command::{Command, Instruction};
pub use response::{Response, ResponseError};
pub use status_word::StatusWord;
