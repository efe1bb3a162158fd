//! The two trailing bytes of every card answer, named after what they mean to this card.

use std::fmt;

/// A status word (SW1 SW2) as the My Number card uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusWord {
    /// 90 00: the command succeeded.
    Success,
    /// 61 xx: success, xx more bytes wait for GET RESPONSE (T=0).
    MoreData(u8),
    /// 6C xx: wrong Le, the command should be sent again with Le = xx (T=0).
    CorrectLength(u8),
    /// 63 Cx: a PIN check failed or was only probed; x tries are left (63 C0: none).
    TriesLeft(u8),
    /// 69 82: security status not satisfied (for example CHANGE without VERIFY).
    SecurityNotSatisfied,
    /// 69 83: authentication method blocked: the PIN is locked.
    AuthenticationBlocked,
    /// 69 84: reference data not usable: the PIN is locked or was never set.
    ReferenceDataUnusable,
    /// 6A 82: file or application not found.
    FileNotFound,
    /// 6A 86: incorrect P1 or P2.
    IncorrectParameters,
    /// 67 00: wrong length.
    WrongLength,
    /// 6D 00: instruction not supported.
    InstructionNotSupported,
    /// 6E 00: class not supported.
    ClassNotSupported,
    /// Any other status word, kept as its two bytes.
    Other(u16),
}

impl StatusWord {
    /// The status word as the two bytes SW1 SW2 in one number.
    pub fn to_u16(self) -> u16 {
        match self {
            StatusWord::Success => 0x9000,
            StatusWord::MoreData(n) => 0x6100 | u16::from(n),
            StatusWord::CorrectLength(n) => 0x6C00 | u16::from(n),
            StatusWord::TriesLeft(n) => 0x63C0 | u16::from(n & 0x0F),
            StatusWord::SecurityNotSatisfied => 0x6982,
            StatusWord::AuthenticationBlocked => 0x6983,
            StatusWord::ReferenceDataUnusable => 0x6984,
            StatusWord::FileNotFound => 0x6A82,
            StatusWord::IncorrectParameters => 0x6A86,
            StatusWord::WrongLength => 0x6700,
            StatusWord::InstructionNotSupported => 0x6D00,
            StatusWord::ClassNotSupported => 0x6E00,
            StatusWord::Other(sw) => sw,
        }
    }

    /// The four hex digits, upper case, as JSON and traces show them ("63C2").
    pub fn hex(self) -> String {
        format!("{:04X}", self.to_u16())
    }
}

impl From<u16> for StatusWord {
    fn from(sw: u16) -> Self {
        let [sw1, sw2] = sw.to_be_bytes();
        match (sw1, sw2) {
            (0x90, 0x00) => StatusWord::Success,
            (0x61, n) => StatusWord::MoreData(n),
            (0x6C, n) => StatusWord::CorrectLength(n),
            (0x63, n) if n & 0xF0 == 0xC0 => StatusWord::TriesLeft(n & 0x0F),
            (0x69, 0x82) => StatusWord::SecurityNotSatisfied,
            (0x69, 0x83) => StatusWord::AuthenticationBlocked,
            (0x69, 0x84) => StatusWord::ReferenceDataUnusable,
            (0x6A, 0x82) => StatusWord::FileNotFound,
            (0x6A, 0x86) => StatusWord::IncorrectParameters,
            (0x67, 0x00) => StatusWord::WrongLength,
            (0x6D, 0x00) => StatusWord::InstructionNotSupported,
            (0x6E, 0x00) => StatusWord::ClassNotSupported,
            _ => StatusWord::Other(sw),
        }
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [sw1, sw2] = self.to_u16().to_be_bytes();
        write!(f, "{sw1:02X} {sw2:02X}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_word_round_trips() {
        for sw in 0..=u16::MAX {
            assert_eq!(StatusWord::from(sw).to_u16(), sw, "{sw:04X}");
        }
    }

    #[test]
    fn tries_left_reads_the_low_nibble() {
        assert_eq!(StatusWord::from(0x63C2), StatusWord::TriesLeft(2));
        assert_eq!(StatusWord::from(0x63C0), StatusWord::TriesLeft(0));
        assert_eq!(StatusWord::from(0x6300), StatusWord::Other(0x6300));
        assert_eq!(StatusWord::TriesLeft(3).to_string(), "63 C3");
    }
}
