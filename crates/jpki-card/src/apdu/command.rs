//! The commands jpki sends, built by name so no caller assembles bytes by hand. Those that
//! carry a PIN are crate-private: the guarded operations of `card` are the only code that
//! builds them, so a program using the library cannot send a PIN past the guard.

use super::secret;
use std::fmt;
use zeroize::Zeroizing;

/// The instructions (INS byte) this tool uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instruction {
    /// SELECT FILE (A4), by DF name or by EF id.
    Select,
    /// VERIFY (20): with no data it reads the retry counter; with data it checks a PIN.
    Verify,
    /// CHANGE REFERENCE DATA (24): sets a new PIN.
    ChangeReferenceData,
    /// CHANGE KEY (32, proprietary class 80): sets a new PIN in the 住基 and 共通 APs.
    ChangeKey,
    /// READ BINARY (B0).
    ReadBinary,
    /// READ RECORD (B2).
    ReadRecord,
}

impl Instruction {
    /// The INS byte.
    pub fn byte(self) -> u8 {
        match self {
            Instruction::Select => 0xA4,
            Instruction::Verify => secret::INS_VERIFY,
            Instruction::ChangeReferenceData => secret::INS_CHANGE_REFERENCE_DATA,
            Instruction::ChangeKey => secret::INS_CHANGE_KEY,
            Instruction::ReadBinary => 0xB0,
            Instruction::ReadRecord => 0xB2,
        }
    }
}

/// A command APDU. Its data may be a PIN, so it is zeroized on drop and never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    cla: u8,
    ins: Instruction,
    p1: u8,
    p2: u8,
    data: Zeroizing<Vec<u8>>,
    le: Option<u8>,
}

/// CLA of every ISO command jpki sends.
const CLA_ISO: u8 = 0x00;
/// CLA of CHANGE KEY, a proprietary (JICSAP) command.
const CLA_PROPRIETARY: u8 = 0x80;
/// P2 of SELECT: answer 90 00 alone, no FCI.
const SELECT_NO_FCI: u8 = 0x0C;
/// P2 of VERIFY, CHANGE REFERENCE DATA and CHANGE KEY: the PIN of the selected application
/// (for CHANGE KEY: the current EF).
const PIN_REFERENCE: u8 = 0x80;

impl Command {
    fn new(ins: Instruction, p1: u8, p2: u8, data: &[u8], le: Option<u8>) -> Command {
        Command {
            cla: CLA_ISO,
            ins,
            p1,
            p2,
            data: Zeroizing::new(data.to_vec()),
            le,
        }
    }

    /// SELECT an application by its DF name (AID): `00 A4 04 0C Lc AID`.
    pub fn select_application(aid: &[u8]) -> Command {
        Command::new(Instruction::Select, 0x04, SELECT_NO_FCI, aid, None)
    }

    /// SELECT an elementary file of the current application: `00 A4 02 0C 02 EF`.
    pub fn select_file(ef: [u8; 2]) -> Command {
        Command::new(Instruction::Select, 0x02, SELECT_NO_FCI, &ef, None)
    }

    /// VERIFY with no data: asks for the retry counter and spends no try (`00 20 00 80`).
    pub fn read_retry_counter() -> Command {
        Command::new(Instruction::Verify, 0x00, PIN_REFERENCE, &[], None)
    }

    /// VERIFY with a PIN (`00 20 00 80 Lc PIN`): spends a try when the PIN is wrong.
    pub(crate) fn verify(pin: &[u8]) -> Command {
        Command::new(Instruction::Verify, 0x00, PIN_REFERENCE, pin, None)
    }

    /// CHANGE REFERENCE DATA with the new PIN only (`00 24 01 80 Lc NEW`), right after VERIFY.
    pub(crate) fn change_reference_data(new_pin: &[u8]) -> Command {
        Command::new(
            Instruction::ChangeReferenceData,
            0x01,
            PIN_REFERENCE,
            new_pin,
            None,
        )
    }

    /// CHANGE KEY with the new PIN (`80 32 00 80 Lc NEW`), right after VERIFY: the form the
    /// 住基 and 共通 APs use (soltia48/myna-card; a single source).
    pub(crate) fn change_key(new_pin: &[u8]) -> Command {
        Command {
            cla: CLA_PROPRIETARY,
            ..Command::new(Instruction::ChangeKey, 0x00, PIN_REFERENCE, new_pin, None)
        }
    }

    /// READ BINARY of `le` bytes (0 means 256) at `offset` in the selected EF.
    pub fn read_binary(offset: u16, le: u8) -> Command {
        let [hi, lo] = offset.to_be_bytes();
        Command::new(Instruction::ReadBinary, hi, lo, &[], Some(le))
    }

    /// READ RECORD `record` of the current EF, as many bytes as it holds: `00 B2 rr 04 00`
    /// (P2 = 04: the record number in P1, the current EF; Le = 00 asks for up to 256).
    pub fn read_record(record: u8) -> Command {
        Command::new(Instruction::ReadRecord, record, 0x04, &[], Some(0))
    }

    /// What this command asks the card to do.
    pub fn instruction(&self) -> Instruction {
        self.ins
    }

    /// True when the data field is a PIN: such a command is sent at most once, never retried.
    /// The library asks `secret` of the bytes it sends; this is for the tests of the commands.
    #[cfg(test)]
    pub(crate) fn carries_secret(&self) -> bool {
        secret::carries_pin(&self.to_bytes())
    }

    /// The bytes to put on the wire, in a buffer that is wiped when dropped. Sent through
    /// [`Outgoing::new`](super::Outgoing::new), which refuses them when they carry a PIN.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let data = (!self.data.is_empty()).then_some(self.data.as_slice());
        let le = self.le.map(u16::from);
        let iso = iso_apdu::Command {
            cla: self.cla,
            ins: self.ins.byte(),
            p1: self.p1,
            p2: self.p2,
            le,
            payload: data,
        };
        // `Vec::from(apdu::Command)` would leave an unwiped copy of a PIN behind; write in place.
        let mut bytes = Zeroizing::new(vec![0u8; iso.len()]);
        iso.write(&mut bytes);
        bytes
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&secret::redacted_hex(&self.to_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(c: &Command) -> String {
        hex::encode_upper(c.to_bytes().as_slice())
    }

    #[test]
    fn commands_match_the_protocol_notes() {
        let jpki = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
        assert_eq!(
            hex(&Command::select_application(&jpki)),
            "00A4040C0AD392F000260100000001"
        );
        assert_eq!(hex(&Command::select_file([0x00, 0x1B])), "00A4020C02001B");
        assert_eq!(hex(&Command::read_retry_counter()), "00200080");
        assert_eq!(hex(&Command::verify(b"1234")), "002000800431323334");
        assert_eq!(
            hex(&Command::change_reference_data(b"5678")),
            "002401800435363738"
        );
        assert_eq!(hex(&Command::change_key(b"5678")), "803200800435363738");
        assert_eq!(hex(&Command::read_binary(0x0102, 0xFF)), "00B00102FF");
    }

    #[test]
    fn only_pin_bearing_commands_carry_secrets() {
        assert!(Command::verify(b"1234").carries_secret());
        assert!(Command::change_reference_data(b"1234").carries_secret());
        assert!(Command::change_key(b"1234").carries_secret());
        assert!(!Command::read_retry_counter().carries_secret());
        assert!(!Command::select_file([0, 0x18]).carries_secret());
    }

    #[test]
    fn debug_output_never_shows_a_pin() {
        let shown = format!("{:?}", Command::verify(b"9876"));
        assert_eq!(shown, "00 20 00 80 04 ?? ?? ?? ??");
        assert!(!shown.contains("39"));
        let shown = format!("{:?}", Command::change_key(b"9876"));
        assert_eq!(shown, "80 32 00 80 04 ?? ?? ?? ??");
    }
}
