//! The trace format: what a trace holds, the limits a trace keeps within, and how a trace is
//! written as text (the reading is in `parse`).

use crate::apdu::secret;
use crate::text::is_unprintable;
use std::fmt::{self, Write as _};

/// Where a trace came from; a made-up trace must never pass for a real card's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Recorded from a real My Number card.
    RealCard,
    /// Recorded from jpki's virtual card.
    Simulator,
    /// Written by hand, for a case no card or simulator produces on demand.
    HandWritten,
}

impl Source {
    /// The word used after `@source`.
    pub fn keyword(self) -> &'static str {
        match self {
            Source::RealCard => "real-card",
            Source::Simulator => "simulator",
            Source::HandWritten => "hand-written",
        }
    }

    pub(super) fn from_keyword(word: &str) -> Option<Source> {
        [Source::RealCard, Source::Simulator, Source::HandWritten]
            .into_iter()
            .find(|s| s.keyword() == word)
    }
}

/// A command as the trace holds it: `None` stands for a redacted byte (`??`) that matches any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandPattern(pub Vec<Option<u8>>);

impl CommandPattern {
    /// The pattern of a command as the recorder writes it, PIN bytes redacted.
    pub fn redacted(command: &[u8]) -> CommandPattern {
        let secret = secret::pin_range(command).unwrap_or(0..0);
        CommandPattern(
            command
                .iter()
                .enumerate()
                .map(|(i, b)| (!secret.contains(&i)).then_some(*b))
                .collect(),
        )
    }

    /// True when `command` has the same length and every byte that is not `??` is equal.
    pub fn matches(&self, command: &[u8]) -> bool {
        self.0.len() == command.len()
            && self
                .0
                .iter()
                .zip(command)
                .all(|(want, got)| want.is_none_or(|w| w == *got))
    }
}

impl fmt::Display for CommandPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|b| b.map_or("??".to_string(), |b| format!("{b:02X}")))
            .collect();
        f.write_str(&parts.join(" "))
    }
}

/// What came back for one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The card's answer bytes (data, then SW1 SW2). Kept as recorded, even when malformed.
    Bytes(Vec<u8>),
    /// `< !removed`: the card left the reader instead of answering.
    Removed,
    /// `< !reset`: the card was reset instead of answering.
    Reset,
    /// `< !redacted N bytes SW1 SW2`: an answer of N data bytes that were personal (the sign
    /// certificate), kept as their length and the status word. A replay answers N zero bytes.
    Redacted {
        /// How many data bytes the card answered.
        length: usize,
        /// SW1 SW2.
        sw: [u8; 2],
    },
}

impl Answer {
    /// The answer as the recorder keeps it: whole, or, when `personal`, its length and status
    /// word only (an answer too short to hold a status word has no data to hide).
    pub fn recorded(bytes: &[u8], personal: bool) -> Answer {
        match bytes {
            [data @ .., sw1, sw2] if personal => Answer::Redacted {
                length: data.len(),
                sw: [*sw1, *sw2],
            },
            _ => Answer::Bytes(bytes.to_vec()),
        }
    }

    /// What a replay hands back for it: the bytes, or zeros in place of redacted data.
    pub fn replayed(&self) -> Option<Vec<u8>> {
        match self {
            Answer::Bytes(bytes) => Some(bytes.clone()),
            Answer::Redacted { length, sw } => {
                let mut bytes = vec![0; *length];
                bytes.extend_from_slice(sw);
                Some(bytes)
            }
            Answer::Removed | Answer::Reset => None,
        }
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Bytes(b) => f.write_str(&secret::spaced_hex(b)),
            Answer::Removed => f.write_str("!removed"),
            Answer::Reset => f.write_str("!reset"),
            Answer::Redacted { length, sw } => {
                write!(f, "!redacted {length} bytes {}", secret::spaced_hex(sw))
            }
        }
    }
}

/// One command and the answer it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The command, possibly redacted.
    pub command: CommandPattern,
    /// The answer.
    pub answer: Answer,
    /// The line of the `>` in the file (1-based; 0 for a trace built in memory).
    pub line: usize,
}

/// A whole trace file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    /// Where the file was read from, for error messages.
    pub origin: String,
    /// `@source`.
    pub source: Source,
    /// `@reader`, the reader name the mock reader reports.
    pub reader: Option<String>,
    /// `@atr`, the ATR the mock reader reports.
    pub atr: Option<Vec<u8>>,
    /// The exchanges, in order.
    pub exchanges: Vec<Exchange>,
}

/// The most bytes a trace file may hold. The longest exchange jpki has (plain `status`: token,
/// certificate, four counters) is under 3 KB as a trace; 1 MiB leaves room for any hand-written
/// case, and a read of `/dev/zero` or of a file that is not a trace stops there at once.
pub const MAX_TRACE_BYTES: usize = 1 << 20;

/// The most bytes one command or answer may hold: the largest buffer PC/SC passes either way
/// (pcsc-lite's MAX_BUFFER_SIZE_EXTENDED, 65,548), which holds any extended APDU (a command of at
/// most 65,544 bytes, an answer of at most 65,538). What a reader can carry can be replayed.
pub(crate) const MAX_APDU_BYTES: usize = pcsc::MAX_BUFFER_SIZE_EXTENDED;

/// The longest line, in bytes: the largest APDU written spaced (3 characters a byte, 196,645 with
/// the marker) fits, with room for a comment.
pub const MAX_LINE_BYTES: usize = 256 * 1024;

/// The longest `@reader`, in characters: pcsc-lite caps a reader name at 128 bytes
/// (MAX_READERNAME); twice that leaves room for other PC/SC stacks.
pub(crate) const MAX_READER_CHARS: usize = 256;

/// The longest `@atr`, in bytes: an ATR has at most 33 (ISO/IEC 7816-3; MAX_ATR_SIZE in PC/SC).
pub(crate) const MAX_ATR_BYTES: usize = pcsc::MAX_ATR_SIZE;

const _: () = assert!(MAX_LINE_BYTES > 2 + 3 * MAX_APDU_BYTES + 80);

impl Trace {
    /// The trace as text in the format `parse` reads. A reader name or ATR that `parse` would
    /// refuse as empty is left out.
    pub fn to_text(&self) -> String {
        self.to_text_with_notes(&[])
    }

    /// The text with a comment line (`# NOTE`) before the exchange each note names by index:
    /// what the recorder saw happen that is not an exchange (a reader asked again in shorter
    /// pieces). A note is made one printable line.
    pub fn to_text_with_notes(&self, notes: &[(usize, String)]) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "@source {}", self.source.keyword());
        if let Some(reader) = self.reader.as_deref().map(one_line) {
            if !reader.is_empty() {
                let _ = writeln!(out, "@reader {reader}");
            }
        }
        if let Some(atr) = self.atr.as_ref().filter(|a| !a.is_empty()) {
            let _ = writeln!(out, "@atr {}", secret::spaced_hex(atr));
        }
        let note_at = |index: usize, out: &mut String| {
            for (_, note) in notes.iter().filter(|(at, _)| *at == index) {
                let _ = writeln!(out, "# {}", one_line(note));
            }
        };
        for (index, exchange) in self.exchanges.iter().enumerate() {
            note_at(index, &mut out);
            let _ = writeln!(out, "> {}", exchange.command);
            let _ = writeln!(out, "< {}", exchange.answer);
        }
        note_at(self.exchanges.len(), &mut out);
        out
    }
}

/// A value that stays one `@key` line and reads back the same: the format has no escapes, so a
/// line break would start a line of its own (a forged `>` or `<`), `#` would start a comment,
/// and a control character would be refused. Cut to the length `parse` accepts.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if is_unprintable(c) || c == '#' {
                '_'
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .chars()
        .take(MAX_READER_CHARS)
        .collect::<String>()
        .trim()
        .to_string()
}
