//! Ready-made cards: an adult's, a child's (under 15, no signature password), and a card that is
//! not a My Number card at all. Counters and PINs are then set one by one.

use super::model::{CardState, LockedProbe, PinRecord};
use crate::card::{Application, PinKind};

/// The sign password every profile starts with.
pub const DEFAULT_SIGN_PASSWORD: &str = "ABC123";
/// The 4-digit PIN every profile starts with, for auth, juki and kenhojo.
pub const DEFAULT_FOUR_DIGIT_PIN: &str = "1234";

/// The user-authentication certificate every profile starts with: the generated test certificate
/// valid until 2031-03-31 (`cargo run --example make-test-certificates`), so plain `status` over
/// the virtual card reads and parses a real X.509 certificate. `jpki-vcard init
/// --auth-certificate` puts another one (for example the expired fixture) in its place.
pub const TEST_AUTH_CERTIFICATE: &[u8] = include_bytes!("../../tests/fixtures/auth-cert-valid.der");

/// A kind of card to start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Issued to an adult: all three applications and all four PINs, counters full.
    Adult,
    /// Issued to a child under 15: no signature certificate, so no sign PIN EF.
    Under15,
    /// Some other smart card: none of the My Number applications.
    OtherCard,
}

impl Profile {
    /// Every profile, for listing in help and errors.
    pub const ALL: [Profile; 3] = [Profile::Adult, Profile::Under15, Profile::OtherCard];

    /// The name used on the command line and in state files.
    pub fn id(self) -> &'static str {
        match self {
            Profile::Adult => "adult",
            Profile::Under15 => "under-15",
            Profile::OtherCard => "other-card",
        }
    }

    /// The profile named `id`.
    pub fn from_id(id: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.id() == id)
    }

    /// A fresh card of this profile: default PINs, every counter at its maximum.
    pub fn card(self) -> CardState {
        let (applications, pins): (Vec<Application>, Vec<PinKind>) = match self {
            Profile::Adult => (Application::ALL.to_vec(), PinKind::ALL.to_vec()),
            Profile::Under15 => (
                Application::ALL.to_vec(),
                vec![PinKind::Auth, PinKind::Juki, PinKind::Kenhojo],
            ),
            Profile::OtherCard => (Vec::new(), Vec::new()),
        };
        CardState {
            applications,
            pins: pins
                .into_iter()
                .map(|kind| (kind, fresh_pin(kind)))
                .collect(),
            locked_probe: LockedProbe::TriesLeftZero,
            auth_certificate: TEST_AUTH_CERTIFICATE.to_vec(),
        }
    }
}

fn fresh_pin(kind: PinKind) -> PinRecord {
    let value = match kind {
        PinKind::Sign => DEFAULT_SIGN_PASSWORD,
        _ => DEFAULT_FOUR_DIGIT_PIN,
    };
    PinRecord {
        value: value.as_bytes().to_vec(),
        tries_left: kind.max_tries(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_has_no_sign_pin_and_another_card_has_no_application() {
        assert_eq!(Profile::Adult.card().pins.len(), 4);
        let child = Profile::Under15.card();
        assert!(child.pin(PinKind::Sign).is_none());
        assert_eq!(child.pin(PinKind::Auth).unwrap().tries_left, 3);
        assert!(Profile::OtherCard.card().applications.is_empty());
        for p in Profile::ALL {
            assert_eq!(Profile::from_id(p.id()), Some(p));
        }
    }
}
