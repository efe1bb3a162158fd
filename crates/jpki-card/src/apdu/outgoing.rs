//! The bytes of one command on their way to a card: the only thing a
//! [`Transaction`](crate::transport::Transaction) sends.
//!
//! This is where the library's promise about PINs is kept for every program that uses it, not
//! only for the `jpki` command. A program may build an [`Outgoing`] from any bytes that carry no
//! PIN; bytes that carry one ([`secret::carries_pin`]: VERIFY with data, CHANGE REFERENCE DATA,
//! CHANGE KEY, RESET RETRY COUNTER, in any class) are refused with [`UnguardedPin`] before
//! anything reaches a card. The library builds PIN-bearing ones itself, only in its guarded
//! operations ([`verify_pin`](crate::card::verify_pin), [`change_pins`](crate::card::change_pins)),
//! after the counter was read. An `Outgoing` cannot be copied and `transmit` takes it by value,
//! so a layer laid over a transaction passes each one on at most once: no layer can send a PIN
//! twice either.

use super::secret;
use std::fmt;
use thiserror::Error;

/// One command's bytes on their way to the card, sent at most once. Shown with PIN bytes as `??`.
pub struct Outgoing<'a> {
    bytes: &'a [u8],
}

/// Bytes that carry a PIN, offered to a transaction outside the library's guarded operations:
/// refused, and nothing was sent.
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
#[error("a command carrying a PIN (INS {ins:02X}) is sent only by the guarded operations, which read its counter first; nothing was sent")]
pub struct UnguardedPin {
    /// The command's INS byte.
    pub ins: u8,
}

impl<'a> Outgoing<'a> {
    /// A command that carries no PIN (SELECT, READ BINARY, a counter read, GET RESPONSE...);
    /// refused when it carries one.
    pub fn new(bytes: &'a [u8]) -> Result<Outgoing<'a>, UnguardedPin> {
        if secret::carries_pin(bytes) {
            return Err(UnguardedPin { ins: bytes[1] });
        }
        Ok(Outgoing { bytes })
    }

    /// A command built inside the library: by its named constructors, whose PIN-bearing ones
    /// only the guarded operations call.
    pub(crate) fn built_here(bytes: &'a [u8]) -> Outgoing<'a> {
        Outgoing { bytes }
    }

    /// The bytes, for the transaction at the bottom that puts them on the wire.
    pub fn bytes(&self) -> &[u8] {
        self.bytes
    }

    /// Whether this command carries a PIN (then it came from a guarded operation).
    pub fn carries_pin(&self) -> bool {
        secret::carries_pin(self.bytes)
    }
}

impl<'a> TryFrom<&'a [u8]> for Outgoing<'a> {
    type Error = UnguardedPin;

    fn try_from(bytes: &'a [u8]) -> Result<Outgoing<'a>, UnguardedPin> {
        Outgoing::new(bytes)
    }
}

impl fmt::Debug for Outgoing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&secret::redacted_hex(self.bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_carrying_a_pin_are_refused_whatever_their_class() {
        for command in [
            &[0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34][..],
            &[0x00, 0x24, 0x01, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34],
            &[0x80, 0x32, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34],
            &[0x00, 0x2C, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34],
            &[0x0C, 0x20, 0x00, 0x81, 0x02, 0x31, 0x32],
        ] {
            let refused = Outgoing::new(command).unwrap_err();
            assert_eq!(refused.ins, command[1]);
            assert!(!refused.to_string().contains("31"), "{refused}");
        }
    }

    #[test]
    fn commands_without_a_pin_go_through() {
        for command in [
            &[0x00, 0x20, 0x00, 0x80][..],
            &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1B],
            &[0x00, 0xC0, 0x00, 0x00, 0x10],
            &[0x00, 0xB0, 0x00, 0x00, 0x00],
        ] {
            let outgoing = Outgoing::new(command).unwrap();
            assert_eq!(outgoing.bytes(), command);
            assert!(!outgoing.carries_pin());
        }
    }

    #[test]
    fn debug_output_never_shows_a_pin() {
        let verify = [0x00, 0x20, 0x00, 0x80, 0x02, 0x39, 0x38];
        assert_eq!(
            format!("{:?}", Outgoing::built_here(&verify)),
            "00 20 00 80 02 ?? ??"
        );
    }

    #[test]
    fn a_command_built_by_a_guarded_operation_says_it_carries_a_pin() {
        for command in [
            &[0x00, 0x20, 0x00, 0x80, 0x02, 0x39, 0x38][..],
            &[0x00, 0x24, 0x01, 0x80, 0x02, 0x39, 0x38],
            &[0x80, 0x32, 0x00, 0x80, 0x02, 0x39, 0x38],
        ] {
            let outgoing = Outgoing::built_here(command);
            assert!(outgoing.carries_pin(), "{outgoing:?}");
            assert_eq!(outgoing.bytes(), command);
        }
        assert!(!Outgoing::built_here(&[0x00, 0x20, 0x00, 0x80]).carries_pin());
    }
}
