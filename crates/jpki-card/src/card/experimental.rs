//! PIN commands that rest on facts from a single public source, which run only when the caller
//! names the experiment: today, anything that sends the juki PIN (docs/protocol.md, "The juki
//! PIN has two key references"). The guarded operations refuse such a run before any
//! transaction is opened unless its [`Experiment`] is among those the caller passed, so the rule
//! holds for every program that uses the library, not only for the `jpki` command's
//! `--experimental`.

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
    /// Change it.
    Change,
    /// Check it.
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

/// An experiment a caller takes part in by naming it: a PIN command whose facts rest on a
/// single public source, so it may spend a try on a card that does not behave as that source
/// says. [`verify_pin`](super::verify_pin) and [`change_pins`](super::change_pins) send such a
/// PIN only when its experiment is among those they are given.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Experiment {
    /// Checking the juki PIN: one VERIFY in each of its two key references (住基 AP, 共通 AP).
    JukiVerify,
    /// Changing the juki PIN: VERIFY, then CHANGE KEY (80 32 00 80), in each of its two key
    /// references.
    JukiChangeKey,
}

impl Experiment {
    /// The experiment `command` on the `kind` PIN takes part in, if any.
    pub fn of(kind: PinKind, command: PinCommand) -> Option<Experiment> {
        match (kind, command) {
            (PinKind::Juki, PinCommand::Verify) => Some(Experiment::JukiVerify),
            (PinKind::Juki, PinCommand::Change) => Some(Experiment::JukiChangeKey),
            _ => None,
        }
    }
}

/// An experimental PIN command asked for without naming its experiment; refused before any
/// card is touched.
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
#[error("{command} the {kind} PIN is experimental, so the card was not touched. {}", self.risks())]
pub struct NeedsExperimental {
    /// The PIN.
    pub kind: PinKind,
    /// What was asked.
    pub command: PinCommand,
}

impl NeedsExperimental {
    /// The experiment the caller must name to go ahead.
    pub fn experiment(&self) -> Option<Experiment> {
        Experiment::of(self.kind, self.command)
    }

    /// Which facts rest on one source and what could go wrong, in English.
    pub fn risks(&self) -> &'static str {
        match self.command {
            PinCommand::Change => {
                "What rests on a single public source: that the juki PIN is held in two key \
                 references (住基AP and 共通AP), each changed on its own with CHANGE KEY \
                 (80 32 00 80), a command known only from soltia48/myna-card and tested there \
                 against a mock card, never a real one. No public source says which of the two a \
                 municipal terminal checks. What could go wrong: the card may refuse the command, \
                 or take the new PIN in one key reference and not the other, so that the two hold \
                 different PINs (the report then says which holds which, never the PIN; the city \
                 office can reset it)."
            }
            PinCommand::Verify => {
                "What rests on a single public source: that the juki PIN is held in two key \
                 references (住基AP and 共通AP), each with its own counter (soltia48/myna-card). \
                 No public source says which of the two a municipal terminal checks; both are \
                 checked, one after the other. What could go wrong: if the two hold different \
                 PINs, the one typed is wrong in one of them and that costs a try there (the check \
                 stops at the first wrong answer)."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_juki_pin_rests_on_an_experiment() {
        for kind in [PinKind::Sign, PinKind::Auth, PinKind::Kenhojo] {
            for command in [PinCommand::Change, PinCommand::Verify] {
                assert_eq!(Experiment::of(kind, command), None, "{kind}");
            }
        }
        assert_eq!(
            Experiment::of(PinKind::Juki, PinCommand::Change),
            Some(Experiment::JukiChangeKey)
        );
        assert_eq!(
            Experiment::of(PinKind::Juki, PinCommand::Verify),
            Some(Experiment::JukiVerify)
        );
    }

    #[test]
    fn a_refusal_names_its_experiment_and_what_could_go_wrong() {
        assert!(PinKind::Juki.is_experimental());
        for kind in [PinKind::Sign, PinKind::Auth, PinKind::Kenhojo] {
            assert!(!kind.is_experimental(), "{kind}");
        }
        let change = NeedsExperimental {
            kind: PinKind::Juki,
            command: PinCommand::Change,
        };
        let verify = NeedsExperimental {
            kind: PinKind::Juki,
            command: PinCommand::Verify,
        };
        assert_eq!(change.experiment(), Some(Experiment::JukiChangeKey));
        assert_eq!(verify.experiment(), Some(Experiment::JukiVerify));
        assert!(change.risks().contains("CHANGE KEY (80 32 00 80)"));
        assert!(verify.risks().contains("each with its own counter"));
        assert!(change
            .to_string()
            .starts_with("changing the juki PIN is experimental, so the card was not touched. "));
        assert!(verify
            .to_string()
            .starts_with("checking the juki PIN is experimental"));
    }
}
