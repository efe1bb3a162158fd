//! What the virtual card holds: its applications, their elementary files, and each PIN's state.

use crate::apdu::StatusWord;
use crate::card::{Application, PinKind};

/// The token EF's content on a My Number card (jpki/myna Go `api.go`).
pub const TOKEN: &[u8] = b"JPKIAPICCTOKEN2";
/// EF of the token, in the JPKI application.
pub const TOKEN_EF: [u8; 2] = [0x00, 0x06];
/// EF of the user-authentication certificate, in the JPKI application, readable without a PIN.
pub const AUTH_CERTIFICATE_EF: [u8; 2] = [0x00, 0x0A];

/// One PIN as the card stores it: its value and its retry counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinRecord {
    /// The PIN's value as ASCII bytes.
    pub value: Vec<u8>,
    /// Tries left; 0 means locked, and no correct entry unlocks it.
    pub tries_left: u8,
}

/// How a locked PIN answers an empty VERIFY. Sources disagree (protocol.md), so each is a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockedProbe {
    /// 63 C0 (OpenSC, myna, jpki-signer-android, jpki-local-signer).
    TriesLeftZero,
    /// 69 83, authentication method blocked (jpki-signer-android).
    AuthenticationBlocked,
    /// 69 84, reference data not usable (myna Go).
    ReferenceDataUnusable,
}

impl LockedProbe {
    /// The status word the card answers.
    pub fn status_word(self) -> StatusWord {
        match self {
            LockedProbe::TriesLeftZero => StatusWord::TriesLeft(0),
            LockedProbe::AuthenticationBlocked => StatusWord::AuthenticationBlocked,
            LockedProbe::ReferenceDataUnusable => StatusWord::ReferenceDataUnusable,
        }
    }

    /// The four hex digits used in the state file ("63C0").
    pub fn hex(self) -> String {
        self.status_word().hex()
    }

    /// The choice named by its four hex digits.
    pub fn from_hex(text: &str) -> Option<LockedProbe> {
        [
            LockedProbe::TriesLeftZero,
            LockedProbe::AuthenticationBlocked,
            LockedProbe::ReferenceDataUnusable,
        ]
        .into_iter()
        .find(|p| p.hex().eq_ignore_ascii_case(text))
    }
}

/// Everything the card remembers between sessions: what a state file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardState {
    /// The applications on the card; a missing one answers 6A 82 to its SELECT.
    pub applications: Vec<Application>,
    /// The PINs whose EF exists, with their value and counter, in [`PinKind::ALL`] order.
    pub pins: Vec<(PinKind, PinRecord)>,
    /// How a locked PIN answers an empty VERIFY.
    pub locked_probe: LockedProbe,
    /// The DER bytes of EF 00 0A (the user-authentication certificate).
    pub auth_certificate: Vec<u8>,
}

/// An elementary file the card can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum File {
    /// A PIN's EF: VERIFY and CHANGE REFERENCE DATA act on it.
    Pin(PinKind),
    /// The token EF (00 06).
    Token,
    /// The user-authentication certificate EF (00 0A).
    AuthCertificate,
}

impl CardState {
    /// Whether the application is on the card.
    pub fn has_application(&self, application: Application) -> bool {
        self.applications.contains(&application)
    }

    /// The application whose DF name is `aid`, if the card has it.
    pub fn application_by_aid(&self, aid: &[u8]) -> Option<Application> {
        self.applications.iter().copied().find(|a| a.aid() == aid)
    }

    /// The file `ef` inside `application`, if the card has it.
    pub fn file(&self, application: Application, ef: [u8; 2]) -> Option<File> {
        if let Some(kind) = PinKind::ALL.into_iter().find(|k| {
            k.key_references()
                .iter()
                .any(|r| r.application == application && r.ef() == ef)
        }) {
            return self.pin(kind).map(|_| File::Pin(kind));
        }
        match (application, ef) {
            (Application::Jpki, TOKEN_EF) => Some(File::Token),
            (Application::Jpki, AUTH_CERTIFICATE_EF) => Some(File::AuthCertificate),
            _ => None,
        }
    }

    /// The PIN's record, when its EF exists.
    pub fn pin(&self, kind: PinKind) -> Option<&PinRecord> {
        self.pins.iter().find(|(k, _)| *k == kind).map(|(_, r)| r)
    }

    /// The PIN's record for changing, when its EF exists.
    pub fn pin_mut(&mut self, kind: PinKind) -> Option<&mut PinRecord> {
        self.pins
            .iter_mut()
            .find(|(k, _)| *k == kind)
            .map(|(_, r)| r)
    }

    /// The bytes READ BINARY serves from a data file; a PIN's EF has none.
    pub fn contents(&self, file: File) -> Option<&[u8]> {
        match file {
            File::Token => Some(TOKEN),
            File::AuthCertificate => Some(&self.auth_certificate),
            File::Pin(_) => None,
        }
    }
}
