//! Key references: the PIN files the card counts tries on. A PIN the holder knows as one may be
//! held in more than one: the juki PIN sits in both the 住基 AP and the 共通 AP
//! (docs/protocol.md, "The juki PIN has two key references").

use super::application::Application;
use super::pin::PinKind;

/// One PIN file in one application: what the card counts tries on. The juki PIN has two. Only
/// the five of [`KeyReference::ALL`] exist, each a named constant: a PIN in an application
/// that does not hold it cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyReference {
    kind: PinKind,
    application: Application,
}

/// The command that sets a new PIN on a key reference, right after its VERIFY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeCommand {
    /// CHANGE REFERENCE DATA `00 24 01 80 Lc NEW` (JPKI and 券面事項入力補助 APs).
    ReferenceData,
    /// CHANGE KEY `80 32 00 80 Lc NEW` (住基 and 共通 APs; a single public source).
    Key,
}

impl ChangeCommand {
    /// The command's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            ChangeCommand::ReferenceData => "CHANGE REFERENCE DATA",
            ChangeCommand::Key => "CHANGE KEY",
        }
    }
}

impl KeyReference {
    /// The sign password, in the JPKI AP.
    pub const SIGN: KeyReference = KeyReference::new(PinKind::Sign, Application::Jpki);
    /// The auth PIN, in the JPKI AP.
    pub const AUTH: KeyReference = KeyReference::new(PinKind::Auth, Application::Jpki);
    /// The juki PIN in the 住基 AP.
    pub const JUKI_AP: KeyReference = KeyReference::new(PinKind::Juki, Application::Juki);
    /// The juki PIN in the 共通 AP.
    pub const JUKI_COMMON_AP: KeyReference = KeyReference::new(PinKind::Juki, Application::Common);
    /// The kenhojo PIN, in the 券面事項入力補助 AP.
    pub const KENHOJO: KeyReference = KeyReference::new(PinKind::Kenhojo, Application::Kenhojo);

    /// Every key reference, in the order of the status exchange.
    pub const ALL: [KeyReference; 5] = [
        KeyReference::SIGN,
        KeyReference::AUTH,
        KeyReference::JUKI_AP,
        KeyReference::JUKI_COMMON_AP,
        KeyReference::KENHOJO,
    ];

    const fn new(kind: PinKind, application: Application) -> KeyReference {
        KeyReference { kind, application }
    }

    /// The PIN the holder knows.
    pub fn kind(self) -> PinKind {
        self.kind
    }

    /// The application holding this copy of it.
    pub fn application(self) -> Application {
        self.application
    }

    /// The EF id of the PIN file inside its application.
    pub fn ef(self) -> [u8; 2] {
        self.kind.ef()
    }

    /// The command that sets a new PIN here.
    pub fn change_command(self) -> ChangeCommand {
        match self.application {
            Application::Juki | Application::Common => ChangeCommand::Key,
            Application::Jpki | Application::Kenhojo => ChangeCommand::ReferenceData,
        }
    }
}

impl PinKind {
    /// Where the card holds this PIN, in the order of [`KeyReference::ALL`].
    pub fn key_references(self) -> Vec<KeyReference> {
        KeyReference::ALL
            .into_iter()
            .filter(|r| r.kind == self)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn juki_has_two_key_references_and_the_others_one() {
        assert_eq!(
            PinKind::Juki.key_references(),
            [
                KeyReference::new(PinKind::Juki, Application::Juki),
                KeyReference::new(PinKind::Juki, Application::Common),
            ]
        );
        for kind in [PinKind::Sign, PinKind::Auth, PinKind::Kenhojo] {
            assert_eq!(kind.key_references().len(), 1, "{kind}");
        }
    }

    #[test]
    fn change_key_is_for_the_two_juki_key_references_only() {
        let commands: Vec<(ChangeCommand, [u8; 2])> = KeyReference::ALL
            .iter()
            .map(|r| (r.change_command(), r.ef()))
            .collect();
        assert_eq!(
            commands,
            [
                (ChangeCommand::ReferenceData, [0x00, 0x1B]),
                (ChangeCommand::ReferenceData, [0x00, 0x18]),
                (ChangeCommand::Key, [0x00, 0x1C]),
                (ChangeCommand::Key, [0x00, 0x1C]),
                (ChangeCommand::ReferenceData, [0x00, 0x11]),
            ]
        );
    }

    #[test]
    fn each_change_command_has_its_name() {
        assert_eq!(ChangeCommand::ReferenceData.name(), "CHANGE REFERENCE DATA");
        assert_eq!(ChangeCommand::Key.name(), "CHANGE KEY");
    }
}
