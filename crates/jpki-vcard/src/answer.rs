//! How the virtual card answers a command APDU: SELECT, VERIFY, CHANGE REFERENCE DATA, CHANGE
//! KEY and READ BINARY as docs/protocol.md describes them, and ISO errors for anything else.
//! docs/virtual-card.md lists every answer and which of them are assumptions.

use super::model::{CardState, Certificate, File, PinFile, CARD_INFO, ISSUER_SECURITY_DOMAIN_AID};
use super::protocol::{
    self, Ap, Change, CLA_ISO, CLA_PROPRIETARY, INS_CHANGE_KEY, INS_CHANGE_REFERENCE_DATA,
    INS_READ_BINARY, INS_READ_RECORD, INS_SELECT, INS_VERIFY,
};
use jpki_card::apdu::StatusWord;
use jpki_card::card::KeyReference;
/// 69 81: command incompatible with file structure (ISO 7816-4): READ BINARY of a PIN or key EF.
const NOT_A_DATA_FILE: StatusWord = StatusWord::Other(0x6981);
/// 69 86: command not allowed, no current EF (ISO 7816-4), e.g. VERIFY before selecting a PIN.
const NO_CURRENT_EF: StatusWord = StatusWord::Other(0x6986);
/// 6A 80: incorrect data field, e.g. a new PIN of the wrong format.
const INCORRECT_DATA: StatusWord = StatusWord::Other(0x6A80);
/// 6B 00: wrong P1 P2, here a READ BINARY offset past the end of the file.
const OFFSET_OUTSIDE_FILE: StatusWord = StatusWord::Other(0x6B00);

/// The sign password's key reference: verifying it opens the sign certificate for reading.
const SIGN: KeyReference = KeyReference::SIGN;

/// What the card remembers only while powered: the selection and the security state.
///
/// The security state is modelled as the most pessimistic public source describes the card
/// (soltia48/myna-card `src/transport/pcsc.rs`, `power_cycle`, measured): a successful VERIFY
/// stays until the card is powered down. A warm reset, a reconnect, selecting the application
/// again or selecting another one (soltia48/myna-sign's README says this last one clears it; the
/// same author's myna-card says only a power cycle does) all leave it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    ap: Option<Ap>,
    file: Option<File>,
    /// The PIN files verified since the card was powered up; each allows its change command and
    /// the sign password opens the sign certificate. A wrong VERIFY takes its file out again.
    verified: Vec<PinFile>,
}

impl Session {
    /// A warm reset: the card is back in the DF it powers up in, nothing selected, and what was
    /// verified stays verified.
    pub fn warm_reset(&mut self) {
        self.ap = None;
        self.file = None;
    }

    /// A power-down: the card forgets its selection and every verified PIN.
    pub fn power_off(&mut self) {
        *self = Session::default();
    }
}

/// A command APDU split into its parts (short APDUs only).
struct Parsed<'a> {
    cla: u8,
    ins: u8,
    p1: u8,
    p2: u8,
    data: &'a [u8],
    le: Option<usize>,
}

/// Split a short command APDU; `None` when its length does not add up.
fn parse(command: &[u8]) -> Option<Parsed<'_>> {
    let [cla, ins, p1, p2, body @ ..] = command else {
        return None;
    };
    let le_of = |byte: u8| {
        if byte == 0 {
            256
        } else {
            usize::from(byte)
        }
    };
    let (data, le) = match body {
        [] => (&body[..0], None),
        [le] => (&body[..0], Some(le_of(*le))),
        [lc, rest @ ..] if *lc != 0 && rest.len() == usize::from(*lc) => (rest, None),
        [lc, rest @ ..] if *lc != 0 && rest.len() == usize::from(*lc) + 1 => {
            (&rest[..rest.len() - 1], Some(le_of(rest[rest.len() - 1])))
        }
        _ => return None,
    };
    Some(Parsed {
        cla: *cla,
        ins: *ins,
        p1: *p1,
        p2: *p2,
        data,
        le,
    })
}

/// Answer one command, changing the card's state as the real card would; returns data + SW.
pub fn answer(state: &mut CardState, session: &mut Session, command: &[u8]) -> Vec<u8> {
    let (data, sw) = match parse(command) {
        None => (Vec::new(), StatusWord::WrongLength),
        Some(c) => dispatch(state, session, &c),
    };
    let mut out = data;
    out.extend_from_slice(&sw.to_u16().to_be_bytes());
    out
}

fn dispatch(state: &mut CardState, session: &mut Session, c: &Parsed<'_>) -> (Vec<u8>, StatusWord) {
    let none = |sw| (Vec::new(), sw);
    match (c.cla, c.ins) {
        (CLA_ISO, INS_SELECT) => none(select(state, session, c)),
        (CLA_ISO, INS_VERIFY) => none(verify(state, session, c)),
        (CLA_ISO, INS_CHANGE_REFERENCE_DATA) => {
            none(change(state, session, c, Change::ReferenceData))
        }
        (CLA_ISO, INS_READ_BINARY) => read_binary(state, session, c),
        (CLA_ISO, INS_READ_RECORD) => read_record(session, c),
        (CLA_PROPRIETARY, INS_CHANGE_KEY) => none(change(state, session, c, Change::Key)),
        (CLA_ISO | CLA_PROPRIETARY, _) => none(StatusWord::InstructionNotSupported),
        _ => none(StatusWord::ClassNotSupported),
    }
}

fn select(state: &CardState, session: &mut Session, c: &Parsed<'_>) -> StatusWord {
    // Only P2 = 0C (no FCI back) is modelled, as jpki and OpenSC send it; an application the card
    // does not have is not found whatever P2 asks (other drivers probe so). An Le is ignored.
    let no_fci = c.p2 == 0x0C;
    match c.p1 {
        // The Issuer Security Domain: back to the DF the card powers up in, nothing verified
        // forgotten (the pessimistic reading above).
        0x04 if c.data == ISSUER_SECURITY_DOMAIN_AID && no_fci => {
            session.warm_reset();
            StatusWord::Success
        }
        0x04 => match state.ap_by_aid(c.data) {
            Some(_) if !no_fci => StatusWord::IncorrectParameters,
            Some(ap) => {
                session.ap = Some(ap);
                session.file = None;
                StatusWord::Success
            }
            None => StatusWord::FileNotFound,
        },
        0x02 if !no_fci => StatusWord::IncorrectParameters,
        0x02 => {
            let (Some(ap), Ok(ef)) = (session.ap, <[u8; 2]>::try_from(c.data)) else {
                return StatusWord::FileNotFound;
            };
            match state.file(ap, ef) {
                Some(file) => {
                    session.file = Some(file);
                    StatusWord::Success
                }
                None => StatusWord::FileNotFound,
            }
        }
        _ => StatusWord::IncorrectParameters,
    }
}

/// The PIN file whose EF is selected.
fn selected_pin(session: &Session) -> Option<PinFile> {
    match session.file {
        Some(File::Pin(file)) => Some(file),
        _ => None,
    }
}

fn verify(state: &mut CardState, session: &mut Session, c: &Parsed<'_>) -> StatusWord {
    if c.p1 != 0x00 || c.p2 != 0x80 {
        return StatusWord::IncorrectParameters;
    }
    let Some(file) = selected_pin(session) else {
        return NO_CURRENT_EF;
    };
    let locked_probe = state.locked_probe.status_word();
    let Some(record) = state.record_mut(file) else {
        return NO_CURRENT_EF;
    };
    if c.data.is_empty() {
        // Reading the counter spends nothing; a locked PIN answers as this card was set up to.
        return match record.tries_left {
            0 => locked_probe,
            n => StatusWord::TriesLeft(n),
        };
    }
    if record.tries_left == 0 {
        // A VERIFY with data on a blocked key (observed by soltia48/myna-card; jpki/myna Go).
        return StatusWord::ReferenceDataUnusable;
    }
    session.verified.retain(|f| *f != file);
    if c.data == record.value.as_slice() {
        record.tries_left = file.max_tries();
        session.verified.push(file);
        StatusWord::Success
    } else {
        record.tries_left -= 1;
        StatusWord::TriesLeft(record.tries_left)
    }
}

fn change(state: &mut CardState, session: &Session, c: &Parsed<'_>, command: Change) -> StatusWord {
    // CHANGE REFERENCE DATA P1 = 01: the data is the new PIN alone, the current one having just
    // been verified. CHANGE KEY P1 = 00, P2 = 80: the current EF (soltia48/myna-card card.rs).
    if [c.p1, c.p2] != command.header()[2..] {
        return StatusWord::IncorrectParameters;
    }
    let Some(file) = selected_pin(session) else {
        return NO_CURRENT_EF;
    };
    // Each key reference knows one change command; the other, or any change of a 照合番号, is an
    // instruction it does not support, as an ISO card answers.
    let key = match file {
        PinFile::Key(key) if protocol::change_of(key) == command => key,
        _ => return StatusWord::InstructionNotSupported,
    };
    // No live VERIFY of this PIN since the card was powered up: 69 82.
    if !session.verified.contains(&file) {
        return StatusWord::SecurityNotSatisfied;
    }
    // The card stores the bytes as sent; a lower-case password is not one the card accepts.
    if !protocol::accepts_pin(key.kind(), c.data) {
        return INCORRECT_DATA;
    }
    match state.pin_mut(key) {
        Some(record) => {
            record.value = c.data.to_vec();
            record.tries_left = protocol::max_tries(key.kind());
            StatusWord::Success
        }
        None => NO_CURRENT_EF,
    }
}

/// READ RECORD of the current EF (P2 = 04): the 共通 AP's card-information record 1 alone.
fn read_record(session: &Session, c: &Parsed<'_>) -> (Vec<u8>, StatusWord) {
    let refuse = |sw| (Vec::new(), sw);
    if c.p2 != 0x04 || !c.data.is_empty() {
        return refuse(StatusWord::IncorrectParameters);
    }
    let Some(le) = c.le else {
        return refuse(StatusWord::WrongLength);
    };
    match session.file {
        Some(File::CardInfo) if c.p1 == 1 => (
            CARD_INFO[..CARD_INFO.len().min(le)].to_vec(),
            StatusWord::Success,
        ),
        // 6A 83: record not found (ISO 7816-4).
        Some(File::CardInfo) => refuse(StatusWord::Other(0x6A83)),
        Some(_) => refuse(NOT_A_DATA_FILE),
        None => refuse(NO_CURRENT_EF),
    }
}

fn read_binary(state: &CardState, session: &Session, c: &Parsed<'_>) -> (Vec<u8>, StatusWord) {
    let refuse = |sw| (Vec::new(), sw);
    // P1 bit 8 would name a short EF identifier, which this card does not model.
    if c.p1 & 0x80 != 0 || !c.data.is_empty() {
        return refuse(StatusWord::IncorrectParameters);
    }
    let Some(le) = c.le else {
        return refuse(StatusWord::WrongLength);
    };
    let Some(file) = session.file else {
        return refuse(NO_CURRENT_EF);
    };
    if file == File::Certificate(Certificate::Sign)
        && !session.verified.contains(&PinFile::Key(SIGN))
    {
        return refuse(StatusWord::SecurityNotSatisfied);
    }
    let Some(contents) = state.contents(file) else {
        return refuse(NOT_A_DATA_FILE);
    };
    let offset = usize::from(u16::from_be_bytes([c.p1, c.p2]));
    if offset > contents.len() {
        return refuse(OFFSET_OUTSIDE_FILE);
    }
    let end = contents.len().min(offset + le);
    (contents[offset..end].to_vec(), StatusWord::Success)
}
