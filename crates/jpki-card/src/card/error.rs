//! What can go wrong in the card layer.

use super::application::Application;
use super::experimental::NeedsExperimental;
use super::key_reference::ChangeCommand;
use super::pin::PinKind;
use crate::apdu::{ResponseError, StatusWord};
use crate::transport::TransportError;
use thiserror::Error;

/// A failure talking to the My Number card.
#[non_exhaustive]
#[derive(Debug, Error)]
pub enum CardError {
    /// The reader or trace failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The PIN command rests on an experiment the caller did not name; no transaction was
    /// opened.
    #[error(transparent)]
    NeedsExperimental(#[from] NeedsExperimental),
    /// SELECT of the JPKI application failed: this is not a My Number card.
    #[error("this is not a My Number card: SELECT of the JPKI application answered {sw}")]
    NotMyNumberCard {
        /// What the card answered.
        sw: StatusWord,
    },
    /// The card's answer is not a response APDU.
    #[error("the card's answer to {command} is malformed")]
    MalformedAnswer {
        /// The command, PIN bytes redacted.
        command: String,
        /// What is wrong with the answer.
        source: ResponseError,
    },
    /// The PIN sent was wrong (63 Cx); the card counted the try.
    #[error("the {kind} PIN is wrong; {}", tries_phrase(*.tries_left))]
    WrongPin {
        /// Which PIN.
        kind: PinKind,
        /// What the card said is left.
        tries_left: u8,
    },
    /// The PIN is locked: the guard's counter read said so and no PIN was sent, or the card
    /// said so to the VERIFY that carried the PIN.
    #[error("{}", locked(*.kind, *.sw, *.pin_sent))]
    PinLocked {
        /// Which PIN.
        kind: PinKind,
        /// How the card said it.
        sw: StatusWord,
        /// Whether the card said it to a VERIFY carrying the PIN (so the PIN was sent).
        pin_sent: bool,
    },
    /// One try is left and the user did not allow spending it.
    #[error(
        "the {kind} PIN has only one try left, and a wrong entry would lock it; nothing was sent"
    )]
    LastTryRefused {
        /// Which PIN.
        kind: PinKind,
    },
    /// The card has no such PIN (6A 82 on its application or EF).
    #[error("this card has no {kind} PIN (the application or PIN file is not on it)")]
    PinNotIssued {
        /// Which PIN.
        kind: PinKind,
    },
    /// The card was lost after a PIN-bearing command was sent: nobody knows what it did.
    #[error("the card was lost after the {kind} PIN was sent ({cause}): the try may have been counted{}", may_have_changed(*.changing))]
    OutcomeUnknown {
        /// Which PIN.
        kind: PinKind,
        /// How it was lost.
        cause: TransportError,
        /// Whether the run was changing the PIN (change-pin) rather than only checking it.
        changing: bool,
    },
    /// The card answered a PIN-bearing command with no status word: it got the PIN, and what it
    /// did with it is as unknown as when the card is lost.
    #[error("the card's answer after the {kind} PIN was sent is unreadable ({problem}): the try may have been counted{}", may_have_changed(*.changing))]
    AnswerUnknown {
        /// Which PIN.
        kind: PinKind,
        /// What is wrong with the answer (a field, not an error source: the message says it).
        problem: ResponseError,
        /// Whether the run was changing the PIN (change-pin) rather than only checking it.
        changing: bool,
    },
    /// The current PIN was right, but the change command was refused; that key reference still
    /// holds the current PIN.
    #[error("the card refused the new {kind} PIN ({} answered {sw}); {}", .command.name(), kept(*.command))]
    ChangeRejected {
        /// Which PIN.
        kind: PinKind,
        /// The command it refused.
        command: ChangeCommand,
        /// What the card answered.
        sw: StatusWord,
    },
    /// A PIN held in several key references (juki) was changed in some and not in the others:
    /// they now hold different PINs. `source` says what stopped the run.
    #[error("the {kind} PIN is only partly changed: {}", partly_changed(.changed, .unchanged, .unknown))]
    PartlyChanged {
        /// Which PIN.
        kind: PinKind,
        /// The applications whose key reference now holds the new PIN.
        changed: Vec<Application>,
        /// The applications whose key reference still holds the current PIN.
        unchanged: Vec<Application>,
        /// The applications whose key reference may hold either (the card was lost).
        unknown: Vec<Application>,
        /// What stopped the run.
        #[source]
        source: Box<CardError>,
    },
    /// The sign certificate is read with the sign password; another PIN was given, and nothing
    /// was sent.
    #[error("the sign certificate is read with the signature password, not the {kind} PIN; nothing was sent")]
    NotTheSignPassword {
        /// The PIN given.
        kind: PinKind,
    },
    /// An answer jpki cannot read, so it stops before sending anything more.
    #[error("the card answered {sw} to {command} for the {kind} PIN; the run stopped there")]
    UnexpectedAnswer {
        /// Which PIN.
        kind: PinKind,
        /// The command it answered.
        command: &'static str,
        /// What it answered.
        sw: StatusWord,
    },
}

/// What a refused change leaves: one key reference (CHANGE REFERENCE DATA) or one of the juki
/// PIN's two (CHANGE KEY), whose other may have taken it.
fn kept(command: ChangeCommand) -> &'static str {
    match command {
        ChangeCommand::ReferenceData => "the PIN is unchanged",
        ChangeCommand::Key => "the key reference that refused it keeps the current PIN",
    }
}

fn locked(kind: PinKind, sw: StatusWord, pin_sent: bool) -> String {
    if pin_sent {
        format!("the {kind} PIN was sent, and the card answered {sw}: the PIN is locked")
    } else {
        format!("the {kind} PIN is locked (the card answered {sw}); no PIN was sent")
    }
}

fn may_have_changed(changing: bool) -> &'static str {
    if changing {
        ", and the PIN may or may not have changed"
    } else {
        ""
    }
}

fn labels(applications: &[Application]) -> String {
    applications
        .iter()
        .map(|a| a.label())
        .collect::<Vec<_>>()
        .join(" and ")
}

fn partly_changed(
    changed: &[Application],
    unchanged: &[Application],
    unknown: &[Application],
) -> String {
    let mut parts = vec![format!(
        "the key reference in {} holds the new PIN",
        labels(changed)
    )];
    if !unchanged.is_empty() {
        parts.push(format!(
            "the one in {} still holds the current PIN",
            labels(unchanged)
        ));
    }
    if !unknown.is_empty() {
        parts.push(format!(
            "the one in {} may hold either (the card was lost after the PIN was sent)",
            labels(unknown)
        ));
    }
    parts.join(", ")
}

fn tries_phrase(left: u8) -> String {
    match left {
        0 => "no try is left: the PIN is now locked".to_string(),
        1 => "1 try left: a wrong entry locks it".to_string(),
        n => format!("{n} tries left"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_pin_says_whether_the_pin_was_sent() {
        let locked = |pin_sent| {
            CardError::PinLocked {
                kind: PinKind::Auth,
                sw: StatusWord::from(0x6983),
                pin_sent,
            }
            .to_string()
        };
        assert_eq!(
            locked(true),
            "the auth PIN was sent, and the card answered 69 83: the PIN is locked"
        );
        assert_eq!(
            locked(false),
            "the auth PIN is locked (the card answered 69 83); no PIN was sent"
        );
    }

    #[test]
    fn a_refused_change_says_what_each_key_reference_holds() {
        let refused = |command| {
            CardError::ChangeRejected {
                kind: PinKind::Juki,
                command,
                sw: StatusWord::from(0x6A80),
            }
            .to_string()
        };
        assert!(refused(ChangeCommand::ReferenceData).ends_with("; the PIN is unchanged"));
        assert!(refused(ChangeCommand::Key)
            .ends_with("; the key reference that refused it keeps the current PIN"));
        let lost = || CardError::OutcomeUnknown {
            kind: PinKind::Juki,
            cause: TransportError::Reader("gone".to_string()),
            changing: true,
        };
        let partly = |unchanged: Vec<Application>, unknown: Vec<Application>| {
            CardError::PartlyChanged {
                kind: PinKind::Juki,
                changed: vec![Application::Juki],
                unchanged,
                unknown,
                source: Box::new(lost()),
            }
            .to_string()
        };
        let only_changed = partly(vec![], vec![]);
        assert!(only_changed.contains("holds the new PIN"), "{only_changed}");
        assert!(!only_changed.contains("still holds") && !only_changed.contains("may hold"));
        let both = partly(vec![Application::Common], vec![]);
        assert!(both.contains("still holds the current PIN"), "{both}");
        assert!(!both.contains("may hold"), "{both}");
        let lost_one = partly(vec![], vec![Application::Common]);
        assert!(lost_one.contains("may hold either"), "{lost_one}");
        assert!(!lost_one.contains("still holds"), "{lost_one}");
    }

    #[test]
    fn a_card_lost_after_the_pin_says_the_try_may_have_counted_and_a_change_may_have_happened() {
        let lost = |changing| {
            CardError::OutcomeUnknown {
                kind: PinKind::Sign,
                cause: TransportError::Reader("the card was removed".to_string()),
                changing,
            }
            .to_string()
        };
        let checking = lost(false);
        assert!(
            checking.ends_with("the try may have been counted"),
            "{checking}"
        );
        assert!(
            lost(true).ends_with(
                "the try may have been counted, and the PIN may or may not have changed"
            ),
            "{}",
            lost(true)
        );
    }
}
