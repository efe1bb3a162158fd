//! How the virtual card answers a command APDU: SELECT, VERIFY, CHANGE REFERENCE DATA and READ
//! BINARY as shared/docs/protocol.md describes them, and ISO errors for anything else.

use super::model::{CardState, File};
use crate::apdu::{Instruction, StatusWord};
use crate::card::{Application, Pin, PinKind};

/// 69 86: command not allowed, no current EF (ISO 7816-4), e.g. VERIFY before selecting a PIN.
const NO_CURRENT_EF: StatusWord = StatusWord::Other(0x6986);
/// 6A 80: incorrect data field, e.g. a new PIN of the wrong format.
const INCORRECT_DATA: StatusWord = StatusWord::Other(0x6A80);
/// 6B 00: wrong P1 P2, here a READ BINARY offset past the end of the file.
const OFFSET_OUTSIDE_FILE: StatusWord = StatusWord::Other(0x6B00);

/// What the card remembers only while powered: the selection and the security state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    application: Option<Application>,
    file: Option<File>,
    /// The PIN verified by the command just before, which alone allows CHANGE REFERENCE DATA.
    just_verified: Option<PinKind>,
}

impl Session {
    /// A reset or power cycle: nothing selected, nothing verified.
    pub fn reset(&mut self) {
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
    let (data, le) = match body {
        [] => (&body[..0], None),
        [le] => (
            &body[..0],
            Some(if *le == 0 { 256 } else { usize::from(*le) }),
        ),
        [lc, rest @ ..] if *lc != 0 && rest.len() == usize::from(*lc) => (rest, None),
        [lc, rest @ ..] if *lc != 0 && rest.len() == usize::from(*lc) + 1 => {
            let le = rest[rest.len() - 1];
            (
                &rest[..rest.len() - 1],
                Some(if le == 0 { 256 } else { usize::from(le) }),
            )
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
    // CHANGE REFERENCE DATA is allowed only right after the VERIFY: any command in between ends it.
    let just_verified = session.just_verified.take();
    let (data, sw) = match parse(command) {
        None => (Vec::new(), StatusWord::WrongLength),
        // CHANGE KEY is the one proprietary (CLA 80) command the juki PIN's key references take.
        Some(c) if c.cla != 0x00 && !(c.cla == 0x80 && c.ins == Instruction::ChangeKey.byte()) => {
            (Vec::new(), StatusWord::ClassNotSupported)
        }
        Some(c) => dispatch(state, session, &c, just_verified),
    };
    let mut out = data;
    out.extend_from_slice(&sw.to_u16().to_be_bytes());
    out
}

fn dispatch(
    state: &mut CardState,
    session: &mut Session,
    c: &Parsed<'_>,
    just_verified: Option<PinKind>,
) -> (Vec<u8>, StatusWord) {
    let none = |sw| (Vec::new(), sw);
    match c.ins {
        ins if ins == Instruction::Select.byte() => none(select(state, session, c)),
        ins if ins == Instruction::Verify.byte() => none(verify(state, session, c)),
        ins if ins == Instruction::ChangeReferenceData.byte() => {
            none(change(state, session, c, just_verified, 0x01))
        }
        ins if ins == Instruction::ChangeKey.byte() => {
            none(change(state, session, c, just_verified, 0x00))
        }
        ins if ins == Instruction::ReadBinary.byte() => read_binary(state, session, c),
        _ => none(StatusWord::InstructionNotSupported),
    }
}

fn select(state: &CardState, session: &mut Session, c: &Parsed<'_>) -> StatusWord {
    // Only P2 = 0C (no FCI back) is modelled, as jpki and OpenSC send it; an application the card
    // does not have is not found whatever P2 asks (other drivers probe so). An Le is ignored.
    let no_fci = c.p2 == 0x0C;
    match c.p1 {
        0x04 => match state.application_by_aid(c.data) {
            Some(_) if !no_fci => StatusWord::IncorrectParameters,
            Some(application) => {
                session.reset();
                session.application = Some(application);
                StatusWord::Success
            }
            None => StatusWord::FileNotFound,
        },
        0x02 if !no_fci => StatusWord::IncorrectParameters,
        0x02 => {
            let (Some(application), Ok(ef)) = (session.application, <[u8; 2]>::try_from(c.data))
            else {
                return StatusWord::FileNotFound;
            };
            match state.file(application, ef) {
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

/// The PIN whose EF is selected.
fn selected_pin(session: &Session) -> Option<PinKind> {
    match session.file {
        Some(File::Pin(kind)) => Some(kind),
        _ => None,
    }
}

fn verify(state: &mut CardState, session: &mut Session, c: &Parsed<'_>) -> StatusWord {
    if c.p1 != 0x00 || c.p2 != 0x80 {
        return StatusWord::IncorrectParameters;
    }
    let Some(kind) = selected_pin(session) else {
        return NO_CURRENT_EF;
    };
    let locked_probe = state.locked_probe.status_word();
    let Some(record) = state.pin_mut(kind) else {
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
        return StatusWord::AuthenticationBlocked;
    }
    if c.data == record.value.as_slice() {
        record.tries_left = kind.max_tries();
        session.just_verified = Some(kind);
        StatusWord::Success
    } else {
        record.tries_left -= 1;
        StatusWord::TriesLeft(record.tries_left)
    }
}

fn change(
    state: &mut CardState,
    session: &Session,
    c: &Parsed<'_>,
    just_verified: Option<PinKind>,
    p1: u8,
) -> StatusWord {
    // The data is the new PIN alone, the current one having just been verified (P1 01 for
    // CHANGE REFERENCE DATA, 00 for CHANGE KEY).
    if c.p1 != p1 || c.p2 != 0x80 {
        return StatusWord::IncorrectParameters;
    }
    let Some(kind) = selected_pin(session) else {
        return NO_CURRENT_EF;
    };
    if just_verified != Some(kind) {
        return StatusWord::SecurityNotSatisfied;
    }
    let Ok(text) = std::str::from_utf8(c.data) else {
        return INCORRECT_DATA;
    };
    // The card stores the bytes as sent; a lower-case password is not one the card accepts.
    match Pin::new(kind, text) {
        Ok(pin) if pin.expose() == c.data => {}
        _ => return INCORRECT_DATA,
    }
    match state.pin_mut(kind) {
        Some(record) => {
            record.value = c.data.to_vec();
            record.tries_left = kind.max_tries();
            StatusWord::Success
        }
        None => NO_CURRENT_EF,
    }
}

fn read_binary(state: &CardState, session: &Session, c: &Parsed<'_>) -> (Vec<u8>, StatusWord) {
    // P1 bit 8 would name a short EF identifier, which this card does not model.
    if c.p1 & 0x80 != 0 || !c.data.is_empty() {
        return (Vec::new(), StatusWord::IncorrectParameters);
    }
    let Some(le) = c.le else {
        return (Vec::new(), StatusWord::WrongLength);
    };
    let Some(contents) = session.file.and_then(|f| state.contents(f)) else {
        return (Vec::new(), NO_CURRENT_EF);
    };
    let offset = usize::from(u16::from_be_bytes([c.p1, c.p2]));
    if offset > contents.len() {
        return (Vec::new(), OFFSET_OUTSIDE_FILE);
    }
    let end = contents.len().min(offset + le);
    (contents[offset..end].to_vec(), StatusWord::Success)
}
