//! PIN commands that rest on facts from a single public source, which run only when the holder
//! asks for them explicitly (`--experimental`): today, anything that sends the juki PIN
//! (docs/protocol.md, "The juki PIN has two key references").

use super::pin::PinKind;
use std::fmt;
use thiserror::Error;

impl PinKind {
    /// Whether sending this PIN to the card rests on single-source facts, so it needs the
    /// holder's explicit consent.
    pub fn is_experimental(self) -> bool {
        self == PinKind::Juki
    }
}

/// What the holder asked to do with the PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinCommand {
    /// `change-pin`
    Change,
    /// `verify-pin`
    Verify,
}

impl fmt::Display for PinCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PinCommand::Change => "changing",
            PinCommand::Verify => "checking",
        })
    }
}

/// An experimental PIN command asked for without `--experimental`; refused before any card is
/// touched.
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
#[error("{command} the {kind} PIN is experimental, so jpki did not touch the card. {}", why(*.command))]
pub struct NeedsExperimental {
    /// The PIN.
    pub kind: PinKind,
    /// What was asked.
    pub command: PinCommand,
}

/// Which facts rest on one source, what could go wrong, and how to go ahead.
fn why(command: PinCommand) -> &'static str {
    match command {
        PinCommand::Change => {
            "What rests on a single public source: that the juki PIN is held in two key \
             references (住基AP and 共通AP), each changed on its own with CHANGE KEY \
             (80 32 00 80), a command known only from soltia48/myna-card and tested there \
             against a mock card, never a real one. No public source says which of the two a \
             municipal terminal checks. What could go wrong: the card may refuse the command, or \
             take the new PIN in one key reference and not the other, so that the two hold \
             different PINs (jpki then says which holds which, never the PIN; the city office \
             can reset it). To go ahead anyway, run the same command with --experimental."
        }
        PinCommand::Verify => {
            "What rests on a single public source: that the juki PIN is held in two key \
             references (住基AP and 共通AP), each with its own counter (soltia48/myna-card). No \
             public source says which of the two a municipal terminal checks; jpki checks both, \
             one after the other. What could go wrong: if the two hold different PINs, the one \
             you type is wrong in one of them and that costs a try there (jpki stops at the \
             first wrong answer). To go ahead anyway, run the same command with --experimental."
        }
    }
}
