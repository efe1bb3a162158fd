//! Which bytes of a command are a PIN, so they are never re-sent and never written down, and how
//! bytes are shown with those hidden. The layers below the card (the recorder, T=0 completion,
//! the PC/SC reader's reset) need this as much as the commands do, and import it from here.

use std::ops::Range;

/// INS of VERIFY: with data, its data is a PIN.
pub(crate) const INS_VERIFY: u8 = 0x20;
/// INS of CHANGE REFERENCE DATA: its data is a PIN.
pub(crate) const INS_CHANGE_REFERENCE_DATA: u8 = 0x24;
/// INS of CHANGE KEY (CLA 80, the 住基 and 共通 APs): its data is a PIN.
pub(crate) const INS_CHANGE_KEY: u8 = 0x32;
/// INS of RESET RETRY COUNTER (ISO 7816-4): its data is an unblocking code and a new PIN.
/// jpki never sends it; counted so no program can through the library.
const INS_RESET_RETRY_COUNTER: u8 = 0x2C;
/// The odd INS of VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER (data in BER-TLV):
/// still a PIN.
const INS_ODD: [u8; 3] = [0x21, 0x25, 0x2D];

/// Every INS whose data is a PIN.
const PIN_INS: [u8; 7] = [
    INS_VERIFY,
    INS_CHANGE_REFERENCE_DATA,
    INS_CHANGE_KEY,
    INS_RESET_RETRY_COUNTER,
    INS_ODD[0],
    INS_ODD[1],
    INS_ODD[2],
];

/// Whether the command's instruction is one whose data is a PIN, with or without data: such a
/// command is never sent twice, since even a header alone re-sent with an Le has the shape of a
/// command carrying a PIN.
pub fn has_pin_instruction(command: &[u8]) -> bool {
    command.get(1).is_some_and(|ins| PIN_INS.contains(ins))
}

/// Where the PIN sits in a command, if the command carries one.
///
/// Any VERIFY, CHANGE REFERENCE DATA, CHANGE KEY or RESET RETRY COUNTER (even or odd INS) with a
/// data field counts, whatever its CLA and P1/P2: a redaction that is too eager costs nothing,
/// one that is too narrow leaks a PIN, and a program using the library cannot send one past
/// the guard ([`Outgoing`](super::Outgoing)).
pub fn pin_range(command: &[u8]) -> Option<Range<usize>> {
    let ins = *command.get(1)?;
    if !PIN_INS.contains(&ins) {
        return None;
    }
    // A header alone (4 bytes) or header + Le (5 bytes) carries no data.
    if command.len() <= 5 {
        return None;
    }
    Some(5..command.len())
}

/// Whether the command carries a PIN (see [`pin_range`]).
pub fn carries_pin(command: &[u8]) -> bool {
    pin_range(command).is_some()
}

/// The command as spaced hex with every PIN byte shown as `??`, for traces, logs and errors.
pub fn redacted_hex(command: &[u8]) -> String {
    let secret = pin_range(command).unwrap_or(0..0);
    command
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if secret.contains(&i) {
                "??".to_string()
            } else {
                format!("{b:02X}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The JPKI AP's AID (OpenSC card-jpki.c, jpki/myna): the application whose EF 00 01 holds
/// the sign certificate.
pub const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
/// The sign certificate's EF in the JPKI AP: the holder's name, address and date of birth.
pub const SIGN_CERTIFICATE_EF: [u8; 2] = [0x00, 0x01];
/// INS of SELECT.
const INS_SELECT: u8 = 0xA4;
/// INS of READ BINARY and GET RESPONSE: the answers that carry a file's bytes.
const INS_READING: [u8; 2] = [0xB0, 0xC0];

/// Which answers carry personal data: the bytes read from the sign certificate's EF, from its
/// SELECT until the next SELECT. Whoever writes answers down (the recorder) follows the
/// commands through it and keeps only the length of those answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PersonalFile {
    in_jpki: bool,
    selected: bool,
}

impl PersonalFile {
    /// Follow `command` on its way to the card; true when its answer's data is personal.
    pub fn follow(&mut self, command: &[u8]) -> bool {
        match command {
            [_, INS_SELECT, p1, _, rest @ ..] => {
                let data = rest.get(1..).map(|d| d.get(..usize::from(rest[0])));
                let data = data.flatten().unwrap_or(&[]);
                match p1 {
                    // By DF name: the JPKI AP or another application.
                    0x04 => {
                        self.in_jpki = data == JPKI_AID;
                        self.selected = false;
                    }
                    // An EF under the current DF.
                    0x02 => self.selected = self.in_jpki && data == SIGN_CERTIFICATE_EF,
                    // Anything else leaves the JPKI AP as far as anyone can tell.
                    _ => {
                        self.in_jpki = false;
                        self.selected = false;
                    }
                }
                false
            }
            [_, ins, ..] => self.selected && INS_READING.contains(ins),
            _ => false,
        }
    }
}

/// Spaced upper-case hex of bytes that are not secret (answers, ATRs).
pub fn spaced_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_bytes_become_question_marks() {
        assert_eq!(
            redacted_hex(&[0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34]),
            "00 20 00 80 04 ?? ?? ?? ??"
        );
        assert_eq!(
            redacted_hex(&[0x00, 0x24, 0x01, 0x80, 0x02, 0x41, 0x31]),
            "00 24 01 80 02 ?? ??"
        );
        assert_eq!(
            redacted_hex(&[0x80, 0x32, 0x00, 0x80, 0x04, 0x35, 0x36, 0x37, 0x38]),
            "80 32 00 80 04 ?? ?? ?? ??"
        );
        // The class byte does not matter: a redaction too eager costs nothing.
        assert_eq!(
            redacted_hex(&[0x00, 0x32, 0x00, 0x80, 0x01, 0x35]),
            "00 32 00 80 01 ??"
        );
    }

    #[test]
    fn counter_reads_and_selects_are_shown_whole() {
        assert_eq!(redacted_hex(&[0x00, 0x20, 0x00, 0x80]), "00 20 00 80");
        assert_eq!(
            redacted_hex(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1B]),
            "00 A4 02 0C 02 00 1B"
        );
        assert_eq!(pin_range(&[]), None);
        assert_eq!(pin_range(&[0x00]), None);
    }
}
