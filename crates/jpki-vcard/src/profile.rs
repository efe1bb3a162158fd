//! Ready-made cards: an adult's, a child's (under 15, no signature password), two that test the
//! juki PIN's two key references, and a card that is not a My Number card at all. Counters,
//! PINs and files are then set one by one (`jpki-vcard init`).

use super::model::{CardState, Certificate, Code, LockedProbe, PinRecord};
use super::protocol::Ap;
use jpki_card::card::{KeyReference, PinKind};

/// The sign password every profile starts with.
pub const DEFAULT_SIGN_PASSWORD: &str = "ABC123";
/// The 4-digit PIN every profile starts with, for auth, juki and kenhojo.
pub const DEFAULT_FOUR_DIGIT_PIN: &str = "1234";

/// The user-authentication certificate every profile starts with: a generated RSA-2048 test
/// certificate valid until 2031-03-31 (`cargo run -p jpki-vcard --example
/// make-test-certificates`), of a real one's size and shape, so plain `status` over the virtual
/// card reads and parses what a real card serves. `jpki-vcard init --auth-certificate` puts another one (for example the expired
/// fixture) in its place.
pub const TEST_AUTH_CERTIFICATE: &[u8] = include_bytes!("../fixtures/auth-cert-valid.der");
/// The signature certificate every adult profile starts with (EF 00 01).
pub const TEST_SIGN_CERTIFICATE: &[u8] = include_bytes!("../fixtures/sign-cert-valid.der");
/// The test CA certificate that issued [`TEST_AUTH_CERTIFICATE`] (EF 00 0B).
pub const TEST_AUTH_CA_CERTIFICATE: &[u8] = include_bytes!("../fixtures/auth-ca-cert.der");
/// The test CA certificate that issued [`TEST_SIGN_CERTIFICATE`] (EF 00 02).
pub const TEST_SIGN_CA_CERTIFICATE: &[u8] = include_bytes!("../fixtures/sign-ca-cert.der");

/// The ATR a My Number card profile answers: one of the contact ATRs pcsc-tools'
/// smartcard_list.txt lists as "Japanese Individual Number Card (My Number Card)"
/// (docs/virtual-card.md lists them all).
pub const MY_NUMBER_CARD_ATR: [u8; 13] = [
    0x3B, 0xC5, 0xFF, 0x81, 0x31, 0xFB, 0x45, 0x80, 0x73, 0xC6, 0x01, 0x00, 0x00,
];
/// The ATR pcsc-tools lists as "JUKICARD" (the 住基カード), which OpenSC's JPKI driver matches
/// (card-jpki.c `jpki_atrs`): `jpki-vcard init --atr juki-card`.
pub const JUKI_CARD_ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];
/// The ATR of the other-card profile, so it does not claim to be a My Number card: the PC/SC
/// part 3 ATR of a contactless ISO 14443-4 card without historical bytes.
pub const OTHER_CARD_ATR: [u8; 5] = [0x3B, 0x80, 0x80, 0x01, 0x01];

/// A kind of card to start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Issued to an adult: every application and PIN, counters full.
    Adult,
    /// Issued to a child under 15: no signature certificate, so no sign PIN, certificate or key
    /// EF.
    Under15,
    /// An adult's card whose two juki key references hold different counters: the 住基 AP's full
    /// (3 of 3), the 共通 AP's at 2.
    JukiCountersDiffer,
    /// An adult's card without the 住基 AP: juki in the 共通 AP only.
    CommonApOnly,
    /// Some other smart card: none of the My Number applications.
    OtherCard,
}

impl Profile {
    /// Every profile, for listing in help and errors.
    pub const ALL: [Profile; 5] = [
        Profile::Adult,
        Profile::Under15,
        Profile::JukiCountersDiffer,
        Profile::CommonApOnly,
        Profile::OtherCard,
    ];

    /// The name used on the command line.
    pub fn id(self) -> &'static str {
        match self {
            Profile::Adult => "adult",
            Profile::Under15 => "under-15",
            Profile::JukiCountersDiffer => "juki-counters-differ",
            Profile::CommonApOnly => "common-ap-only",
            Profile::OtherCard => "other-card",
        }
    }

    /// The profile named `id`.
    pub fn from_id(id: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.id() == id)
    }

    /// A fresh card of this profile: default PINs, every counter at its maximum unless the
    /// profile says otherwise.
    pub fn card(self) -> CardState {
        if self == Profile::OtherCard {
            return CardState {
                atr: OTHER_CARD_ATR.to_vec(),
                applications: Vec::new(),
                pins: Vec::new(),
                codes: Vec::new(),
                locked_probe: LockedProbe::TriesLeftZero,
                certificates: Vec::new(),
            };
        }
        let mut state = CardState {
            atr: MY_NUMBER_CARD_ATR.to_vec(),
            applications: Ap::ALL.to_vec(),
            pins: KeyReference::ALL
                .into_iter()
                .map(|key| (key, fresh_pin(key.kind())))
                .collect(),
            codes: Code::ALL
                .into_iter()
                .map(|code| {
                    let record = PinRecord {
                        value: code.default_value().as_bytes().to_vec(),
                        tries_left: code.max_tries(),
                    };
                    (code, record)
                })
                .collect(),
            locked_probe: LockedProbe::TriesLeftZero,
            certificates: vec![
                (Certificate::Auth, TEST_AUTH_CERTIFICATE.to_vec()),
                (Certificate::AuthCa, TEST_AUTH_CA_CERTIFICATE.to_vec()),
                (Certificate::Sign, TEST_SIGN_CERTIFICATE.to_vec()),
                (Certificate::SignCa, TEST_SIGN_CA_CERTIFICATE.to_vec()),
            ],
        };
        match self {
            Profile::Under15 => {
                state.pins.retain(|(key, _)| key.kind() != PinKind::Sign);
                state.set_certificate(Certificate::Sign, None);
            }
            Profile::JukiCountersDiffer => {
                let common_ap = KeyReference::JUKI_COMMON_AP;
                if let Some(record) = state.pin_mut(common_ap) {
                    record.tries_left = 2;
                }
            }
            Profile::CommonApOnly => state.remove(Ap::Juki),
            Profile::Adult | Profile::OtherCard => {}
        }
        state
    }
}

fn fresh_pin(kind: PinKind) -> PinRecord {
    let value = match kind {
        PinKind::Sign => DEFAULT_SIGN_PASSWORD,
        _ => DEFAULT_FOUR_DIGIT_PIN,
    };
    PinRecord {
        value: value.as_bytes().to_vec(),
        tries_left: crate::protocol::max_tries(kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn juki(state: &CardState, key: KeyReference) -> Option<u8> {
        state.pin(key).map(|r| r.tries_left)
    }

    #[test]
    fn each_profile_holds_what_its_name_says() {
        let adult = Profile::Adult.card();
        assert_eq!(adult.pins.len(), 5);
        assert_eq!(adult.certificates.len(), 4);
        assert_eq!(adult.atr, MY_NUMBER_CARD_ATR);
        let child = Profile::Under15.card();
        assert!(child.pins.iter().all(|(k, _)| k.kind() != PinKind::Sign));
        assert!(child.certificate(Certificate::Sign).is_none());
        assert!(child.certificate(Certificate::SignCa).is_some());
        let differ = Profile::JukiCountersDiffer.card();
        assert_eq!(juki(&differ, KeyReference::JUKI_AP), Some(3));
        assert_eq!(juki(&differ, KeyReference::JUKI_COMMON_AP), Some(2));
        let common = Profile::CommonApOnly.card();
        assert!(!common.has(Ap::Juki));
        assert_eq!(juki(&common, KeyReference::JUKI_AP), None);
        assert_eq!(juki(&common, KeyReference::JUKI_COMMON_AP), Some(3));
        let other = Profile::OtherCard.card();
        assert!(other.applications.is_empty());
        assert_eq!(other.atr, OTHER_CARD_ATR);
        for p in Profile::ALL {
            assert_eq!(Profile::from_id(p.id()), Some(p));
        }
    }

    #[test]
    fn the_token_is_32_bytes_padded_with_spaces() {
        assert_eq!(super::super::model::TOKEN.len(), 32);
        assert!(super::super::model::TOKEN.starts_with(b"JPKIAPICCTOKEN2 "));
        assert!(super::super::model::TOKEN[15..].iter().all(|b| *b == b' '));
    }
}
