//! The card's protocol facts as the virtual card answers them: AIDs, the PIN files' EF ids, which
//! change command each key reference takes, PIN formats and maximum tries, and the instructions.
//!
//! Written here with literal bytes from docs/protocol.md (and its public sources), never taken
//! from the library under test: a wrong constant in jpki then makes the virtual card answer it as
//! a real card would (6A 82 to a wrong AID or EF, 6D 00 to the wrong change command, 6A 80 to a
//! PIN of the wrong format), and an integration test fails. The library's names (`PinKind`,
//! `KeyReference`, `Application`) are only used as labels; no byte or number of theirs is read.
//! The applications themselves ([`Ap`]) are named here too, so the card's model builds on this
//! table and the table on nothing of the model.

use jpki_card::card::{Application, KeyReference, PinKind};

/// An application (a DF selected by name) the virtual card can hold: the four whose PINs jpki
/// reads, and the 券面事項確認 AP that only other clients use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ap {
    /// 公的個人認証 AP.
    Jpki,
    /// 住基 AP: the first juki key reference.
    Juki,
    /// 共通 AP: the second juki key reference.
    Common,
    /// 券面事項入力補助 AP.
    Kenhojo,
    /// 券面事項確認 AP.
    Kenkaku,
}

impl Ap {
    /// Every application, in the order state files list them.
    pub const ALL: [Ap; 5] = [Ap::Jpki, Ap::Juki, Ap::Common, Ap::Kenhojo, Ap::Kenkaku];

    /// The application as the card layer knows it, when jpki reads it.
    pub fn application(self) -> Option<Application> {
        match self {
            Ap::Jpki => Some(Application::Jpki),
            Ap::Juki => Some(Application::Juki),
            Ap::Common => Some(Application::Common),
            Ap::Kenhojo => Some(Application::Kenhojo),
            Ap::Kenkaku => None,
        }
    }

    /// The virtual card's name for a card-layer application.
    pub fn of(application: Application) -> Ap {
        match application {
            Application::Jpki => Ap::Jpki,
            Application::Juki => Ap::Juki,
            Application::Common => Ap::Common,
            Application::Kenhojo => Ap::Kenhojo,
        }
    }

    /// The DF name (AID) an application answers to (docs/protocol.md, "Applications").
    pub fn aid(self) -> &'static [u8] {
        match self {
            Ap::Jpki => &[0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01],
            Ap::Juki => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01],
            Ap::Common => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00],
            Ap::Kenhojo => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08],
            Ap::Kenkaku => &KENKAKU_AID,
        }
    }

    /// The id in state files and on `jpki-vcard init`'s command line (the card layer's JSON id
    /// where it has one).
    pub fn id(self) -> &'static str {
        match self.application() {
            Some(application) => application.id(),
            None => "kenkaku",
        }
    }

    /// The application named `id`.
    pub fn from_id(id: &str) -> Option<Ap> {
        Ap::ALL.into_iter().find(|a| a.id() == id)
    }
}

/// The AID of the 券面事項確認 AP (jpki/myna src/cli.rs "visual", siketyan/jpki-rs
/// core/src/ap/surface.rs, AokiApp/jsapdu mynacard constants.ts `KENKAKU_AP`). jpki never selects
/// it; other clients read its counters.
pub const KENKAKU_AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02];

/// CLA of the ISO commands.
pub const CLA_ISO: u8 = 0x00;
/// CLA of the card's proprietary (JICSAP) commands: CHANGE KEY.
pub const CLA_PROPRIETARY: u8 = 0x80;
/// INS of SELECT (ISO 7816-4).
pub const INS_SELECT: u8 = 0xA4;
/// INS of VERIFY (ISO 7816-4).
pub const INS_VERIFY: u8 = 0x20;
/// INS of CHANGE REFERENCE DATA (ISO 7816-4).
pub const INS_CHANGE_REFERENCE_DATA: u8 = 0x24;
/// INS of CHANGE KEY (CLA 80; myna-card `src/card.rs`).
pub const INS_CHANGE_KEY: u8 = 0x32;
/// INS of READ BINARY (ISO 7816-4).
pub const INS_READ_BINARY: u8 = 0xB0;
/// INS of READ RECORD (ISO 7816-4): the card information of the 共通AP's EF 00 01.
pub const INS_READ_RECORD: u8 = 0xB2;

/// Every INS whose data is a PIN: VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, CHANGE KEY,
/// and the odd INS (BER-TLV data) of the first three's ISO family (ISO 7816-4).
pub const PIN_INS: [u8; 7] = [0x20, 0x24, 0x2C, 0x32, 0x21, 0x25, 0x2D];

/// The application holding a key reference.
pub fn ap_of(key: KeyReference) -> Ap {
    match key {
        KeyReference::SIGN | KeyReference::AUTH => Ap::Jpki,
        KeyReference::JUKI_AP => Ap::Juki,
        KeyReference::JUKI_COMMON_AP => Ap::Common,
        _ => Ap::Kenhojo,
    }
}

/// The EF id of a key reference's PIN file inside its application (docs/protocol.md, "PINs").
pub fn pin_ef(key: KeyReference) -> [u8; 2] {
    match key {
        KeyReference::SIGN => [0x00, 0x1B],
        KeyReference::AUTH => [0x00, 0x18],
        KeyReference::JUKI_AP | KeyReference::JUKI_COMMON_AP => [0x00, 0x1C],
        _ => [0x00, 0x11],
    }
}

/// A command that sets a new PIN right after its VERIFY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// CHANGE REFERENCE DATA `00 24 01 80 Lc NEW`: the JPKI and 券面事項入力補助 APs.
    ReferenceData,
    /// CHANGE KEY `80 32 00 80 Lc NEW`: the 住基 and 共通 APs (docs/protocol.md, "CHANGE KEY for
    /// the juki PIN").
    Key,
}

impl Change {
    /// CLA, INS, P1 and P2 of the command.
    pub fn header(self) -> [u8; 4] {
        match self {
            Change::ReferenceData => [0x00, 0x24, 0x01, 0x80],
            Change::Key => [0x80, 0x32, 0x00, 0x80],
        }
    }

    /// The change command whose CLA and INS these are.
    pub fn of(cla: u8, ins: u8) -> Option<Change> {
        [Change::ReferenceData, Change::Key]
            .into_iter()
            .find(|c| c.header()[..2] == [cla, ins])
    }
}

/// The change command a key reference takes; the other one it does not support.
pub fn change_of(key: KeyReference) -> Change {
    match ap_of(key) {
        Ap::Juki | Ap::Common => Change::Key,
        _ => Change::ReferenceData,
    }
}

/// Tries before the PIN locks (docs/protocol.md, "PINs"): 5 for the sign password, 3 for the
/// others.
pub fn max_tries(kind: PinKind) -> u8 {
    match kind {
        PinKind::Sign => 5,
        PinKind::Auth | PinKind::Juki | PinKind::Kenhojo => 3,
    }
}

/// Whether the card takes `value` as a new PIN of `kind`: the sign password is 6 to 16 of
/// upper-case A-Z and 0-9 with at least one letter and one digit; the others exactly 4 digits.
pub fn accepts_pin(kind: PinKind, value: &[u8]) -> bool {
    match kind {
        PinKind::Sign => {
            (6..=16).contains(&value.len())
                && value
                    .iter()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                && value.iter().any(u8::is_ascii_uppercase)
                && value.iter().any(u8::is_ascii_digit)
        }
        PinKind::Auth | PinKind::Juki | PinKind::Kenhojo => {
            value.len() == 4 && value.iter().all(u8::is_ascii_digit)
        }
    }
}

/// Whether `command` carries a PIN, read from its bytes alone: an INS of [`PIN_INS`] with
/// anything past Lc (a command whose length does not add up counts too: the card may have taken
/// it).
pub fn carries_pin(command: &[u8]) -> bool {
    matches!(command, [_, ins, _, _, _, _, ..] if PIN_INS.contains(ins))
}
