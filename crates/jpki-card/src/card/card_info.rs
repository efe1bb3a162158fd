//! The card's own expiry, from the 共通カードAP's EF 00 01, record 1: read without a PIN.
//!
//! Two public readers read this record before any PIN (soltia48/myna-card `src/ap/common.rs`,
//! jpki/myna `src/unknown.rs`); only myna-card says what it holds: tag `01`, length `1C`, then
//! 28 ASCII digits `<serial:15><municipality:5><expiry:YYYYMMDD>`. That layout rests on one
//! source, so the date is shown labelled as such, and any other answer is "not told", never an
//! error: the PIN counters are read all the same.

use super::error::CardError;
use super::exchange::{answer_to, CardAnswer};
use crate::apdu::{Command, StatusWord};
use crate::transport::Transaction;
use time::{Date, Month};

/// The card-information EF inside the 共通カードAP.
pub const CARD_INFO_EF: [u8; 2] = [0x00, 0x01];
/// Its record's tag and length: `01 1C`, 28 digits.
const RECORD_HEADER: [u8; 2] = [0x01, 0x1C];
/// Where the expiry's 8 digits start among the 28.
const EXPIRY_AT: usize = 15 + 5;

/// The card's expiry as plain `status` found it: a date, or why none was told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardExpiry {
    /// The last day the card is valid, as its record says.
    Date(Date),
    /// No date: what the card answered instead.
    Untold(CardInfoProblem),
}

/// Why the card's expiry was not told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardInfoProblem {
    /// The card has no 共通カードAP, so nothing was asked.
    NoApplication,
    /// SELECT or READ RECORD answered this status word.
    Refused(StatusWord),
    /// An answer too short to hold a status word.
    Malformed,
    /// The record is not `01 1C` and 28 digits ending in a real date.
    NotTheLayout,
}

/// The expiry from record 1's bytes, when they have the one layout a source describes. Bytes
/// past the TLV's own 28 are not the record's (a card that sends more than it holds).
pub(crate) fn expiry_of(record: &[u8]) -> Option<Date> {
    let digits = record.strip_prefix(&RECORD_HEADER[..])?.get(..28)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        digits[range]
            .iter()
            .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
    };
    let year = i32::try_from(number(EXPIRY_AT..EXPIRY_AT + 4)).ok()?;
    let month = Month::try_from(u8::try_from(number(EXPIRY_AT + 4..EXPIRY_AT + 6)).ok()?).ok()?;
    let day = u8::try_from(number(EXPIRY_AT + 6..EXPIRY_AT + 8)).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// With the 共通カードAP selected: SELECT EF 00 01 and READ RECORD 1 (two APDUs). Only a lost
/// card is an error.
pub(crate) fn read_card_expiry(card: &mut dyn Transaction) -> Result<CardExpiry, CardError> {
    let untold = |problem| Ok(CardExpiry::Untold(problem));
    for command in [Command::select_file(CARD_INFO_EF), Command::read_record(1)] {
        let answer = match answer_to(card, &command)? {
            CardAnswer::Response(answer) => answer,
            CardAnswer::NoStatusWord(_) => return untold(CardInfoProblem::Malformed),
        };
        if answer.sw != StatusWord::Success {
            return untold(CardInfoProblem::Refused(answer.sw));
        }
        if command.instruction() == crate::apdu::Instruction::ReadRecord {
            return Ok(match expiry_of(&answer.data) {
                Some(date) => CardExpiry::Date(date),
                None => CardExpiry::Untold(CardInfoProblem::NotTheLayout),
            });
        }
    }
    untold(CardInfoProblem::NotTheLayout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Reader;

    fn record(digits: &str) -> Vec<u8> {
        [&RECORD_HEADER[..], digits.as_bytes()].concat()
    }

    #[test]
    fn the_last_eight_digits_are_the_expiry() {
        let date = Date::from_calendar_date(2036, Month::March, 31).unwrap();
        // Bytes past the TLV's 28 are dropped, as past Le elsewhere.
        assert_eq!(
            expiry_of(&record("0000000000000000000020360331XYZ")),
            Some(date)
        );
        assert_eq!(
            expiry_of(&record("0000000000000000000020360331")),
            Some(date)
        );
    }

    #[test]
    fn anything_else_is_not_the_layout_and_never_panics() {
        for bad in [
            record("000000000000000000002036133100"),
            record("0000000000000000000020361331"),
            record("0000000000000000000020360231"),
            record("000000000000000000002036033A"),
            record("00000000000000000000"),
            vec![0x02, 0x1C],
            vec![],
            vec![0x01, 0x1C, 0xFF, 0xFE],
        ] {
            assert_eq!(expiry_of(&bad), None, "{bad:02X?}");
        }
    }

    fn read(select: &str, read: Option<&str>) -> CardExpiry {
        let mut text = format!("@source hand-written\n> 00 A4 02 0C 02 00 01\n< {select}\n");
        if let Some(read) = read {
            text.push_str(&format!("> 00 B2 01 04 00\n< {read}\n"));
        }
        let trace = crate::transport::trace::Trace::parse(&text, "unit").unwrap();
        let mut replay = crate::transport::Replay::new(trace);
        let expiry = read_card_expiry(replay.transaction().unwrap().as_mut()).unwrap();
        replay.finish().unwrap();
        expiry
    }

    #[test]
    fn every_answer_is_a_date_or_a_reason() {
        let digits: Vec<String> = record("4000000000000001300020360331")
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        assert_eq!(
            read("90 00", Some(&format!("{} 90 00", digits.join(" ")))),
            CardExpiry::Date(Date::from_calendar_date(2036, Month::March, 31).unwrap())
        );
        assert_eq!(
            read("6A 82", None),
            CardExpiry::Untold(CardInfoProblem::Refused(StatusWord::FileNotFound))
        );
        assert_eq!(
            read("90 00", Some("69 82")),
            CardExpiry::Untold(CardInfoProblem::Refused(StatusWord::SecurityNotSatisfied))
        );
        assert_eq!(
            read("90", None),
            CardExpiry::Untold(CardInfoProblem::Malformed)
        );
        assert_eq!(
            read("90 00", Some("01 02 90 00")),
            CardExpiry::Untold(CardInfoProblem::NotTheLayout)
        );
    }
}
