//! The four PINs: which is which, their formats, and a PIN value that cannot leak.

use std::fmt;
use thiserror::Error;
use zeroize::Zeroizing;

/// One of the card's four PINs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PinKind {
    /// 署名用電子証明書のパスワード: 6-16 of A-Z and 0-9, 5 tries.
    Sign,
    /// 利用者証明用電子証明書の暗証番号: 4 digits, 3 tries.
    Auth,
    /// 住民基本台帳用暗証番号: 4 digits, 3 tries.
    Juki,
    /// 券面事項入力補助用暗証番号: 4 digits, 3 tries.
    Kenhojo,
}

/// What a PIN must look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinFormat {
    /// Exactly four ASCII digits.
    FourDigits,
    /// 6 to 16 of A-Z and 0-9, at least one letter and one digit.
    Password,
}

impl PinKind {
    /// All four, in the order `status` reads them.
    pub const ALL: [PinKind; 4] = [
        PinKind::Sign,
        PinKind::Auth,
        PinKind::Juki,
        PinKind::Kenhojo,
    ];

    /// The short id used on the command line and in JSON.
    pub fn id(self) -> &'static str {
        match self {
            PinKind::Sign => "sign",
            PinKind::Auth => "auth",
            PinKind::Juki => "juki",
            PinKind::Kenhojo => "kenhojo",
        }
    }

    /// The kind named by `id`.
    pub fn from_id(id: &str) -> Option<PinKind> {
        PinKind::ALL.into_iter().find(|k| k.id() == id)
    }

    /// The official Japanese name.
    pub fn official_name(self) -> &'static str {
        match self {
            PinKind::Sign => "署名用電子証明書のパスワード",
            PinKind::Auth => "利用者証明用電子証明書の暗証番号",
            PinKind::Juki => "住民基本台帳用暗証番号",
            PinKind::Kenhojo => "券面事項入力補助用暗証番号",
        }
    }

    /// How many wrong entries lock it.
    pub fn max_tries(self) -> u8 {
        match self {
            PinKind::Sign => 5,
            _ => 3,
        }
    }

    /// The EF id of the PIN inside each application that holds it ([`PinKind::key_references`]).
    pub fn ef(self) -> [u8; 2] {
        match self {
            PinKind::Sign => [0x00, 0x1B],    // OpenSC, myna, TRET
            PinKind::Auth => [0x00, 0x18],    // OpenSC, myna, TRET
            PinKind::Juki => [0x00, 0x1C],    // myna-card, TRET, myna (2016)
            PinKind::Kenhojo => [0x00, 0x11], // myna, TRET
        }
    }

    /// Its format.
    pub fn format(self) -> PinFormat {
        match self {
            PinKind::Sign => PinFormat::Password,
            _ => PinFormat::FourDigits,
        }
    }
}

impl fmt::Display for PinKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Why a typed PIN cannot be sent. Never holds the PIN itself.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
pub enum PinFormatError {
    /// A 4-digit PIN that is not exactly four digits.
    #[error("the {kind} PIN must be exactly 4 digits (0-9)")]
    NotFourDigits {
        /// The PIN it was meant for.
        kind: PinKind,
    },
    /// A password shorter than 6 or longer than 16.
    #[error("the sign password must be 6 to 16 characters long, not {length}")]
    PasswordLength {
        /// How long it was.
        length: usize,
    },
    /// A password with a character outside A-Z and 0-9.
    #[error("the sign password may hold only the letters A-Z and the digits 0-9")]
    PasswordCharacters,
    /// A password without a letter or without a digit.
    #[error("the sign password needs at least one letter and at least one digit")]
    PasswordMix,
    /// Full-width digits or letters (U+FF01 to U+FF5E, as an input method types them): they
    /// look like the ones the card knows, but are other characters.
    #[error("the {kind} PIN holds full-width characters; type them half-width (0-9, A-Z)")]
    FullWidth {
        /// The PIN it was meant for.
        kind: PinKind,
    },
    /// A space (or another blank, the full-width space included) before, inside or after it.
    #[error("the {kind} PIN holds a space; no PIN has one")]
    Space {
        /// The PIN it was meant for.
        kind: PinKind,
    },
}

/// Full-width forms of the ASCII characters, U+FF01 to U+FF5E.
fn is_full_width(c: char) -> bool {
    ('\u{ff01}'..='\u{ff5e}').contains(&c)
}

/// A PIN checked against its kind's format, as the ASCII bytes the card expects.
/// Wiped from memory when dropped; never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin {
    kind: PinKind,
    bytes: Zeroizing<Vec<u8>>,
}

impl Pin {
    /// Check `typed` against the format of `kind`. A password is upper-cased first, since the
    /// card only knows upper-case letters.
    pub fn new(kind: PinKind, typed: &str) -> Result<Pin, PinFormatError> {
        // Named first: "not four digits" would not tell why four digits typed were refused.
        if typed.chars().any(is_full_width) {
            return Err(PinFormatError::FullWidth { kind });
        }
        if typed.chars().any(char::is_whitespace) {
            return Err(PinFormatError::Space { kind });
        }
        let bytes = Zeroizing::new(typed.as_bytes().to_ascii_uppercase());
        match kind.format() {
            PinFormat::FourDigits => {
                if bytes.len() != 4 || !bytes.iter().all(u8::is_ascii_digit) {
                    return Err(PinFormatError::NotFourDigits { kind });
                }
            }
            PinFormat::Password => {
                let length = typed.chars().count();
                if !(6..=16).contains(&length) {
                    return Err(PinFormatError::PasswordLength { length });
                }
                if !bytes
                    .iter()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                {
                    return Err(PinFormatError::PasswordCharacters);
                }
                if !bytes.iter().any(u8::is_ascii_uppercase)
                    || !bytes.iter().any(u8::is_ascii_digit)
                {
                    return Err(PinFormatError::PasswordMix);
                }
            }
        }
        Ok(Pin { kind, bytes })
    }

    /// The PIN this value is for.
    pub fn kind(&self) -> PinKind {
        self.kind
    }

    /// The bytes to send to the card.
    pub fn expose(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pin({}, redacted)", self.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_digit_pins_are_exactly_four_ascii_digits() {
        assert!(Pin::new(PinKind::Auth, "0123").is_ok());
        for bad in ["123", "12345", "12a4", "", "12\u{3}4"] {
            assert_eq!(
                Pin::new(PinKind::Juki, bad).unwrap_err(),
                PinFormatError::NotFourDigits {
                    kind: PinKind::Juki
                },
                "{bad:?}"
            );
        }
    }

    #[test]
    fn full_width_characters_and_spaces_are_named() {
        for kind in [PinKind::Auth, PinKind::Sign] {
            for bad in ["１２３４", "12３4", "ＡＢＣ１２３", "ａbc123"] {
                assert_eq!(
                    Pin::new(kind, bad).unwrap_err(),
                    PinFormatError::FullWidth { kind },
                    "{bad:?}"
                );
            }
            for bad in [
                " 1234",
                "1234 ",
                "12 34",
                "1234\t",
                "1234\u{3000}",
                "ABC123 ",
            ] {
                assert_eq!(
                    Pin::new(kind, bad).unwrap_err(),
                    PinFormatError::Space { kind },
                    "{bad:?}"
                );
            }
        }
    }

    #[test]
    fn passwords_are_upper_cased_and_checked() {
        assert_eq!(
            Pin::new(PinKind::Sign, "abc123").unwrap().expose(),
            b"ABC123"
        );
        assert_eq!(
            Pin::new(PinKind::Sign, "ABC12").unwrap_err(),
            PinFormatError::PasswordLength { length: 5 }
        );
        assert_eq!(
            Pin::new(PinKind::Sign, "A1234567890123456").unwrap_err(),
            PinFormatError::PasswordLength { length: 17 }
        );
        assert_eq!(
            Pin::new(PinKind::Sign, "ABC-123").unwrap_err(),
            PinFormatError::PasswordCharacters
        );
        assert_eq!(
            Pin::new(PinKind::Sign, "ÄBC123").unwrap_err(),
            PinFormatError::PasswordCharacters
        );
        assert_eq!(
            Pin::new(PinKind::Sign, "ABCDEF").unwrap_err(),
            PinFormatError::PasswordMix
        );
        assert_eq!(
            Pin::new(PinKind::Sign, "123456").unwrap_err(),
            PinFormatError::PasswordMix
        );
    }

    #[test]
    fn debug_never_shows_the_value() {
        let pin = Pin::new(PinKind::Sign, "SECRET99").unwrap();
        for shown in [format!("{pin:?}"), format!("{pin:#?}")] {
            // Neither as text nor as the list of byte values a derived Debug would print.
            assert!(!shown.contains("SECRET99"), "{shown}");
            assert!(!shown.contains("83, 69, 67"), "{shown}");
            assert!(!shown.contains("0x53") && !shown.contains("57"), "{shown}");
        }
    }

    #[test]
    fn each_pin_has_its_id_and_official_name() {
        let named: Vec<(&str, &str, String)> = PinKind::ALL
            .into_iter()
            .map(|k| (k.id(), k.official_name(), k.to_string()))
            .collect();
        assert_eq!(
            named,
            [
                ("sign", "署名用電子証明書のパスワード", "sign".to_string()),
                (
                    "auth",
                    "利用者証明用電子証明書の暗証番号",
                    "auth".to_string()
                ),
                ("juki", "住民基本台帳用暗証番号", "juki".to_string()),
                (
                    "kenhojo",
                    "券面事項入力補助用暗証番号",
                    "kenhojo".to_string()
                ),
            ]
        );
        for kind in PinKind::ALL {
            assert_eq!(PinKind::from_id(kind.id()), Some(kind));
        }
        assert_eq!(PinKind::from_id("pin"), None);
        assert_eq!(PinKind::from_id(""), None);
    }

    #[test]
    fn a_pin_shows_its_kind_and_never_its_value() {
        let pin = Pin::new(PinKind::Auth, "5902").unwrap();
        assert_eq!(format!("{pin:?}"), "Pin(auth, redacted)");
    }
}
