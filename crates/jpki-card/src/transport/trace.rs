//! The trace file: a recorded exchange with a card, as line-oriented text (docs/trace-format.md).

use super::escape::{describe_unprintable, escaped, excerpt, is_unprintable};
use crate::apdu::secret;
use std::fmt::{self, Write as _};
use std::fs::File;
use std::io::Read as _;
use std::path::Path;
use thiserror::Error;

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

    fn from_keyword(word: &str) -> Option<Source> {
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
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Bytes(b) => f.write_str(&secret::spaced_hex(b)),
            Answer::Removed => f.write_str("!removed"),
            Answer::Reset => f.write_str("!reset"),
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
pub const MAX_APDU_BYTES: usize = pcsc::MAX_BUFFER_SIZE_EXTENDED;

/// The longest line, in bytes: the largest APDU written spaced (3 characters a byte, 196,645 with
/// the marker) fits, with room for a comment.
pub const MAX_LINE_BYTES: usize = 256 * 1024;

/// The longest `@reader`, in characters: pcsc-lite caps a reader name at 128 bytes
/// (MAX_READERNAME); twice that leaves room for other PC/SC stacks.
pub const MAX_READER_CHARS: usize = 256;

/// The longest `@atr`, in bytes: an ATR has at most 33 (ISO/IEC 7816-3; MAX_ATR_SIZE in PC/SC).
pub const MAX_ATR_BYTES: usize = pcsc::MAX_ATR_SIZE;

const _: () = assert!(MAX_LINE_BYTES > 2 + 3 * MAX_APDU_BYTES + 80);

/// A trace that cannot be read, or a replay that left the trace's path. Every piece of the file
/// a message quotes is escaped and cut short.
#[non_exhaustive]
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum TraceError {
    /// The file could not be read.
    #[error("cannot read trace {origin}: {reason}")]
    Unreadable {
        /// The file.
        origin: String,
        /// What the OS said.
        reason: String,
    },
    /// The file is larger than any trace: it was not read further.
    #[error("trace {origin} is larger than {MAX_TRACE_BYTES} bytes (1 MiB), the most a trace may hold; a real exchange takes a few KB, so this is not a trace")]
    TooLarge {
        /// The file.
        origin: String,
    },
    /// The trace file could not be written (`--record`).
    #[error("cannot write trace {origin}: {reason}")]
    Unwritable {
        /// The file.
        origin: String,
        /// What the OS said.
        reason: String,
    },
    /// A line is not valid trace syntax, or the file as a whole is not a trace.
    #[error("{origin}:{line}: {problem}{}", quoting(*.line, .excerpt))]
    Malformed {
        /// The file.
        origin: String,
        /// 1-based line number (0 only for an empty file, which has no line).
        line: usize,
        /// What is wrong.
        problem: String,
        /// The line as the message shows it: escaped and cut short (empty: none shown).
        excerpt: String,
    },
    /// The program sent a command other than the one the trace expects next.
    #[error("{origin}:{line}: replay diverged at step {step}: the trace expects\n  > {expected}\nbut jpki sent\n  > {actual}")]
    Diverged {
        /// The file.
        origin: String,
        /// 1-based number of the exchange.
        step: usize,
        /// Line of the expected command.
        line: usize,
        /// The expected command, cut short around the first difference.
        expected: String,
        /// The command sent, PIN bytes redacted, cut short the same way.
        actual: String,
    },
    /// The program sent more commands than the trace holds.
    #[error(
        "{origin}: replay ran past the end of the trace at step {step}: jpki sent\n  > {actual}"
    )]
    PastEnd {
        /// The file.
        origin: String,
        /// 1-based number of the command that had no exchange.
        step: usize,
        /// The command sent, PIN bytes redacted, cut short.
        actual: String,
    },
    /// The command finished but the trace holds more exchanges.
    #[error("{origin}:{line}: replay finished with {remaining} exchange(s) of the trace unused, from step {step}:\n  > {expected}")]
    Unconsumed {
        /// The file.
        origin: String,
        /// Step of the first unused exchange.
        step: usize,
        /// Its line.
        line: usize,
        /// How many are left.
        remaining: usize,
        /// The first unused command, cut short.
        expected: String,
    },
}

/// The second line of a parse error: the bad line as the file holds it, made safe to print.
fn quoting(line: usize, excerpt: &str) -> String {
    if excerpt.is_empty() {
        String::new()
    } else {
        format!("\n  line {line} reads \"{excerpt}\"")
    }
}

/// Where a parse went wrong: the line's number and its text, for [`TraceError::Malformed`].
struct Failure<'a> {
    origin: &'a str,
}

impl Failure<'_> {
    fn at(&self, line: usize, text: &str, problem: impl Into<String>) -> TraceError {
        TraceError::Malformed {
            origin: self.origin.to_string(),
            line,
            problem: problem.into(),
            excerpt: excerpt(text),
        }
    }
}

impl Trace {
    /// Read and parse a trace file, reading no more than [`MAX_TRACE_BYTES`] (and one byte to
    /// tell that there is more), so a device or a huge file ends at once.
    pub fn load(path: &Path) -> Result<Trace, TraceError> {
        let origin = escaped(&path.display().to_string());
        let unreadable = |e: std::io::Error| TraceError::Unreadable {
            origin: origin.clone(),
            reason: e.to_string(),
        };
        let file = File::open(path).map_err(unreadable)?;
        // A regular file's size is known: a large one is refused without being read.
        let metadata = file.metadata().map_err(unreadable)?;
        if metadata.is_file() && metadata.len() > MAX_TRACE_BYTES as u64 {
            return Err(TraceError::TooLarge { origin });
        }
        let mut bytes = Vec::new();
        file.take(MAX_TRACE_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
        Trace::from_bytes(&bytes, &origin)
    }

    /// Parse the bytes of a trace file: UTF-8 text of at most [`MAX_TRACE_BYTES`].
    pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<Trace, TraceError> {
        let origin = escaped(origin);
        if bytes.len() > MAX_TRACE_BYTES {
            return Err(TraceError::TooLarge { origin });
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Trace::parse(text, &origin),
            Err(e) => {
                let valid = &bytes[..e.valid_up_to()];
                let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
                let line_end = bytes[line_start..]
                    .iter()
                    .position(|b| *b == b'\n')
                    .map_or(bytes.len(), |i| line_start + i);
                let number = valid.iter().filter(|b| **b == b'\n').count() + 1;
                let bad = bytes[e.valid_up_to()];
                let column = String::from_utf8_lossy(&bytes[line_start..e.valid_up_to()])
                    .chars()
                    .count()
                    + 1;
                Err(Failure { origin: &origin }.at(
                    number,
                    &String::from_utf8_lossy(&bytes[line_start..line_end]),
                    format!(
                        "byte {bad:02X} at column {column} is not UTF-8: a trace is UTF-8 text"
                    ),
                ))
            }
        }
    }

    /// Parse trace text; `origin` names it in errors.
    ///
    /// Line by line: each is read (numbered, checked to be plain text, its comment taken off),
    /// then taken as a header (`@`) or as half of an exchange (`>`, `<`); once every line is
    /// read, the file as a whole is checked.
    pub fn parse(text: &str, origin: &str) -> Result<Trace, TraceError> {
        let origin = escaped(origin);
        if text.len() > MAX_TRACE_BYTES {
            return Err(TraceError::TooLarge { origin });
        }
        let fail = Failure { origin: &origin };
        let mut headers = Headers::new();
        let mut exchanges = Exchanges::new();
        for (number, raw) in numbered_lines(text) {
            let Some(line) = Line::read(&fail, number, raw)? else {
                continue;
            };
            match line.marker {
                '@' => headers.read(&line)?,
                '>' => exchanges.command(&line)?,
                '<' => exchanges.answer(&line)?,
                _ => {
                    return Err(line
                        .problem("a line must start with '>', '<', '@' or '#' (after any spaces)"))
                }
            }
        }
        // The file as a whole: the last command got its answer, and the trace said where it
        // came from.
        let exchanges = exchanges.all_answered(&fail)?;
        let source = headers.source(&fail, text.is_empty())?;
        Ok(Trace {
            origin,
            source,
            reader: headers.reader.map(|r| r.0),
            atr: headers.atr.map(|a| a.0),
            exchanges,
        })
    }

    /// The trace as text in the format `parse` reads. A reader name or ATR that `parse` would
    /// refuse as empty is left out.
    pub fn to_text(&self) -> String {
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
        for exchange in &self.exchanges {
            let _ = writeln!(out, "> {}", exchange.command);
            let _ = writeln!(out, "< {}", exchange.answer);
        }
        out
    }
}

/// The file's lines, numbered from 1.
fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    // Editors on Windows may save a byte-order mark; it is not part of the first line.
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    body.lines().enumerate().map(|(index, raw)| {
        // `lines` keeps a lone `\r` ending the last line; it is a line end all the same.
        (index + 1, raw.strip_suffix('\r').unwrap_or(raw))
    })
}

/// A line that says something: its marker (`@`, `>`, `<`) and what follows it, comment and
/// spaces taken off; its number and its text as the file holds it, for an error to quote.
struct Line<'t, 'f> {
    fail: &'f Failure<'f>,
    number: usize,
    raw: &'t str,
    marker: char,
    rest: &'t str,
}

impl<'t, 'f> Line<'t, 'f> {
    /// Line `number` of the file, checked to be plain text; `None` for a line that says
    /// nothing (blank, or a comment only).
    fn read(
        fail: &'f Failure<'f>,
        number: usize,
        raw: &'t str,
    ) -> Result<Option<Line<'t, 'f>>, TraceError> {
        check_text(raw).map_err(|problem| fail.at(number, raw, problem))?;
        let said = raw.split('#').next().unwrap_or("").trim();
        // Split on the first character, not the first byte: the line may start with any UTF-8.
        let mut chars = said.chars();
        let Some(marker) = chars.next() else {
            return Ok(None);
        };
        Ok(Some(Line {
            fail,
            number,
            raw,
            marker,
            rest: chars.as_str().trim(),
        }))
    }

    /// What is wrong with this line, quoting it.
    fn problem(&self, problem: impl Into<String>) -> TraceError {
        self.fail.at(self.number, self.raw, problem)
    }
}

/// The `@` lines read so far, each value with the number of its line: a header appears once.
struct Headers {
    source: Option<(Source, usize)>,
    reader: Option<(String, usize)>,
    atr: Option<(Vec<u8>, usize)>,
}

impl Headers {
    /// None read yet.
    fn new() -> Headers {
        Headers {
            source: None,
            reader: None,
            atr: None,
        }
    }

    /// An `@` line: `@key value`.
    fn read(&mut self, line: &Line<'_, '_>) -> Result<(), TraceError> {
        let (key, value) = line
            .rest
            .split_once(char::is_whitespace)
            .unwrap_or((line.rest, ""));
        let value = value.trim();
        // A header is written back as `@key value`, a tab in a reader name as `_`: a tab inside
        // a value is refused, like a control, so what is read is what would be written.
        if value.contains('\t') {
            return Err(line.problem(format!(
                "@{} holds a tab (\\t) inside its value; a tab may only separate the key from the value",
                excerpt(key)
            )));
        }
        match key {
            "" => Err(line.problem("an @ line needs a key, such as @source")),
            "source" => set_once(&mut self.source, line, key, || source_keyword(value)),
            "reader" => set_once(&mut self.reader, line, key, || reader_name(value)),
            "atr" => set_once(&mut self.atr, line, key, || atr_bytes(value)),
            _ => Ok(()), // unknown keys are ignored, so newer traces still load
        }
    }

    /// Once every line is read: where the trace came from, which it must say.
    fn source(&self, fail: &Failure<'_>, file_is_empty: bool) -> Result<Source, TraceError> {
        let Some((source, _)) = self.source else {
            // The file as a whole is wrong; its first line is where the @source belongs.
            let line = usize::from(!file_is_empty);
            return Err(fail.at(
                line,
                "",
                "no @source line: a trace says where it came from (@source real-card, simulator or hand-written), by convention on its first line",
            ));
        };
        Ok(source)
    }
}

/// Keep a header's value with its line; a second line for the same key is refused, naming the
/// first, before its value is read.
fn set_once<T>(
    slot: &mut Option<(T, usize)>,
    line: &Line<'_, '_>,
    key: &str,
    value: impl FnOnce() -> Result<T, String>,
) -> Result<(), TraceError> {
    if let Some((_, first)) = slot {
        return Err(line.problem(format!(
            "a second @{key} line (the first is line {first}); @{key} appears once"
        )));
    }
    *slot = Some((
        value().map_err(|problem| line.problem(problem))?,
        line.number,
    ));
    Ok(())
}

/// `@source`: one of the three keywords.
fn source_keyword(value: &str) -> Result<Source, String> {
    Source::from_keyword(value).ok_or_else(|| {
        format!(
            "@source \"{}\" is not one of real-card, simulator, hand-written",
            excerpt(value)
        )
    })
}

/// `@reader`: a name, not empty and no longer than a reader's name may be.
fn reader_name(value: &str) -> Result<String, String> {
    let length = value.chars().count();
    if length == 0 {
        return Err("@reader is empty: give the reader's name, or leave the line out".into());
    }
    if length > MAX_READER_CHARS {
        return Err(format!(
            "@reader is {length} characters long; a reader name has at most {MAX_READER_CHARS}"
        ));
    }
    Ok(value.to_string())
}

/// `@atr`: bytes, none of them `??`, at least one and no more than an ATR holds.
fn atr_bytes(value: &str) -> Result<Vec<u8>, String> {
    let bytes = parse_bytes(value)
        .and_then(|b| {
            b.into_iter()
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(|| "?? is not allowed in an ATR".to_string())
        })
        .map_err(|p| format!("@atr: {p}"))?;
    if bytes.is_empty() {
        return Err("@atr is empty: give the ATR's bytes, or leave the line out".into());
    }
    if bytes.len() > MAX_ATR_BYTES {
        return Err(format!(
            "@atr has {} bytes; an ATR has at most {MAX_ATR_BYTES}",
            bytes.len()
        ));
    }
    Ok(bytes)
}

/// The exchanges read so far, and the command still waiting for its answer, with its line
/// (number and text) for an error to quote if the file ends first.
struct Exchanges<'t> {
    answered: Vec<Exchange>,
    waiting: Option<(CommandPattern, usize, &'t str)>,
}

impl<'t> Exchanges<'t> {
    /// None read yet.
    fn new() -> Exchanges<'t> {
        Exchanges {
            answered: Vec::new(),
            waiting: None,
        }
    }

    /// A `>` line: a command, which cannot come while another waits for its answer.
    fn command(&mut self, line: &Line<'t, '_>) -> Result<(), TraceError> {
        if let Some((_, open, _)) = self.waiting {
            return Err(line.problem(format!(
                "a command follows the command on line {open} before its answer"
            )));
        }
        let command = command_pattern(line.rest).map_err(|problem| line.problem(problem))?;
        self.waiting = Some((command, line.number, line.raw));
        Ok(())
    }

    /// A `<` line: the answer to the command waiting for one.
    fn answer(&mut self, line: &Line<'t, '_>) -> Result<(), TraceError> {
        let Some((command, open, _)) = self.waiting.take() else {
            return Err(line.problem("an answer with no command before it"));
        };
        let answer = answer_of(line.rest).map_err(|problem| line.problem(problem))?;
        self.answered.push(Exchange {
            command,
            answer,
            line: open,
        });
        Ok(())
    }

    /// Once every line is read: the exchanges, every command having its answer.
    fn all_answered(self, fail: &Failure<'_>) -> Result<Vec<Exchange>, TraceError> {
        if let Some((_, open, raw)) = self.waiting {
            return Err(fail.at(
                open,
                raw,
                "the trace ends before the answer to this command (a '<' line)",
            ));
        }
        Ok(self.answered)
    }
}

/// A command after `>`: hex bytes (`??` for a PIN byte), from a header (CLA INS P1 P2) to an
/// extended APDU.
fn command_pattern(text: &str) -> Result<CommandPattern, String> {
    if text.starts_with('!') {
        return Err("a command is hex bytes; !removed and !reset are card events, written as an answer ('<' line)".into());
    }
    let bytes = parse_bytes(text)?;
    if bytes.len() < 4 {
        return Err(format!(
            "a command needs at least 4 bytes (CLA INS P1 P2), found {}",
            bytes.len()
        ));
    }
    if bytes.len() > MAX_APDU_BYTES {
        return Err(format!(
            "a command of {} bytes; a command has at most {MAX_APDU_BYTES} (an extended APDU)",
            bytes.len()
        ));
    }
    Ok(CommandPattern(bytes))
}

/// An answer after `<`: a card event, or hex bytes (none of them `??`) up to an extended APDU.
fn answer_of(text: &str) -> Result<Answer, String> {
    if text.starts_with('!') {
        return card_event(text);
    }
    let bytes = parse_bytes(text)?
        .into_iter()
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| "?? is only allowed in commands".to_string())?;
    if bytes.len() > MAX_APDU_BYTES {
        return Err(format!(
            "an answer of {} bytes; an answer has at most {MAX_APDU_BYTES} (an extended APDU)",
            bytes.len()
        ));
    }
    Ok(Answer::Bytes(bytes))
}

/// A line may hold any printable text, and tabs; a control character or a bidirectional
/// override in a trace is refused wherever it sits, since the text may reach a terminal (a
/// reader name) or an editor (a comment that reads as something else).
fn check_text(line: &str) -> Result<(), String> {
    if line.len() > MAX_LINE_BYTES {
        return Err(format!(
            "the line is {} bytes long; a line holds at most {MAX_LINE_BYTES} (the largest APDU written out, with a comment)",
            line.len()
        ));
    }
    let Some((column, c)) = line
        .chars()
        .enumerate()
        .find(|(_, c)| *c != '\t' && is_unprintable(*c))
    else {
        return Ok(());
    };
    let key = line
        .trim_start()
        .strip_prefix('@')
        .and_then(|rest| {
            rest.split(|c: char| c.is_whitespace() || c == '#' || is_unprintable(c))
                .next()
        })
        .filter(|key| !key.is_empty());
    let place = match key {
        Some(key) => format!("@{} holds", excerpt(key)),
        None => "the line holds".to_string(),
    };
    Err(format!(
        "{place} {} at column {}; a trace is plain text, so terminal controls and bidirectional controls are refused",
        describe_unprintable(c),
        column + 1
    ))
}

/// `!removed` or `!reset`, alone after the `<`.
fn card_event(text: &str) -> Result<Answer, String> {
    let (word, after) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let answer = match word {
        "!removed" => Answer::Removed,
        "!reset" => Answer::Reset,
        _ => {
            return Err(format!(
                "unknown card event \"{}\"; the events are !removed and !reset",
                excerpt(word)
            ))
        }
    };
    match after.trim() {
        "" => Ok(answer),
        extra => Err(format!(
            "{word} stands alone after '<', but \"{}\" follows it",
            excerpt(extra)
        )),
    }
}

/// Bytes written spaced (`00 A4`) or together (`00A4`), `??` for a redacted byte.
fn parse_bytes(text: &str) -> Result<Vec<Option<u8>>, String> {
    let mut bytes = Vec::new();
    for token in text.split_whitespace() {
        if token.len() % 2 != 0 || !token.is_ascii() {
            return Err(format!(
                "\"{}\" is not a whole number of bytes",
                excerpt(token)
            ));
        }
        for pair in token.as_bytes().chunks(2) {
            let pair = std::str::from_utf8(pair).unwrap_or("");
            if pair == "??" {
                bytes.push(None);
            } else {
                let byte = u8::from_str_radix(pair, 16)
                    .map_err(|_| format!("\"{}\" is not a hex byte", excerpt(pair)))?;
                bytes.push(Some(byte));
            }
        }
    }
    Ok(bytes)
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

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# a sample\r\n@source hand-written\r\n@reader Some Reader 00 00\n@atr 3B8C 80\n@future ignored\n\n> 00 A4 04 0C 0A D392F000260100000001 # JPKI\n< 90 00\n> 00 20 00 80 04 ?? ?? ?? ??\n< 63 c2\n> 00 20 00 80\n< !removed\n";

    #[test]
    fn reads_every_form_the_format_allows() {
        let t = Trace::parse(SAMPLE, "sample").unwrap();
        assert_eq!(t.source, Source::HandWritten);
        assert_eq!(t.reader.as_deref(), Some("Some Reader 00 00"));
        assert_eq!(t.atr, Some(vec![0x3B, 0x8C, 0x80]));
        assert_eq!(t.exchanges.len(), 3);
        assert_eq!(t.exchanges[0].line, 7);
        assert_eq!(t.exchanges[1].answer, Answer::Bytes(vec![0x63, 0xC2]));
        assert_eq!(t.exchanges[2].answer, Answer::Removed);
        assert!(t.exchanges[1]
            .command
            .matches(&[0x00, 0x20, 0x00, 0x80, 0x04, 1, 2, 3, 4]));
        assert!(!t.exchanges[1].command.matches(&[0x00, 0x20, 0x00, 0x80]));
    }

    #[test]
    fn writing_then_reading_gives_the_same_trace() {
        let t = Trace::parse(SAMPLE, "sample").unwrap();
        let again = Trace::parse(&t.to_text(), "sample").unwrap();
        assert_eq!(t.exchanges, {
            let mut e = again.exchanges.clone();
            for (a, b) in e.iter_mut().zip(&t.exchanges) {
                a.line = b.line;
            }
            e
        });
        assert_eq!(
            (t.source, t.reader, t.atr),
            (again.source, again.reader, again.atr)
        );
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let t = Trace::parse(&format!("\u{feff}{SAMPLE}"), "bom").unwrap();
        assert_eq!(t.exchanges.len(), 3);
        assert_eq!(t.exchanges[0].line, 7);
    }

    #[test]
    fn a_reader_name_cannot_add_lines_to_a_trace() {
        let t = Trace {
            origin: "t".into(),
            source: Source::Simulator,
            reader: Some(" Evil #1\n> 00 20 00 80\r\n< 90 00 ".into()),
            atr: None,
            exchanges: Vec::new(),
        };
        let again = Trace::parse(&t.to_text(), "t").unwrap();
        assert!(again.exchanges.is_empty());
        assert_eq!(
            again.reader.as_deref(),
            Some("Evil _1_> 00 20 00 80__< 90 00")
        );
    }

    fn problem(text: &str) -> (usize, String) {
        match Trace::parse(text, "t").unwrap_err() {
            TraceError::Malformed { line, problem, .. } => (line, problem),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn malformed_lines_are_named_by_number() {
        assert_eq!(problem("@source simulator\n> 00 A4\n< 90 00").0, 2);
        assert_eq!(
            problem("@source simulator\n> 00 A4 04 0C\n> 00 A4 04 0C\n").0,
            3
        );
        assert_eq!(problem("@source simulator\n< 90 00\n").0, 2);
        assert_eq!(problem("@source simulator\n> 00 A4 04 0C\n").0, 2);
        assert_eq!(problem("@source simulator\n> 00 A4 04 0C\n< 9\n").0, 3);
        assert_eq!(problem("@source simulator\n> 00 A4 04 0C\n< ?? 00\n").0, 3);
        assert_eq!(problem("@source simulator\nhello\n").0, 2);
        assert_eq!(problem("@source fake\n").0, 1);
        assert_eq!(problem("@source simulator\n@source simulator\n").0, 2);
        assert!(problem("> 00 A4 04 0C\n< 90 00\n").1.contains("@source"));
        assert_eq!(problem("@source simulator\né\n").0, 2);
    }

    /// The whole message, checked to be safe to print: no unprintable character but the line
    /// breaks of its own layout, and short.
    fn message(text: &str) -> String {
        let shown = Trace::parse(text, "t").unwrap_err().to_string();
        assert!(
            !shown.chars().any(|c| c != '\n' && is_unprintable(c)),
            "{shown:?}"
        );
        assert!(shown.chars().count() < 400, "{shown}");
        shown
    }

    #[test]
    fn a_bad_line_is_quoted_escaped_and_cut_short() {
        let shown = message("@source simulator\n\u{1b}]0;pwned\u{7}\u{1b}[2J > 00\n");
        assert!(
            shown.starts_with("t:2: the line holds a control character (\\x1b) at column 1"),
            "{shown}"
        );
        assert!(
            shown.contains("line 2 reads \"\\x1b]0;pwned\\x07\\x1b[2J > 00\""),
            "{shown}"
        );
        let shown = message(&format!(
            "@source simulator\n> 00 A4 04 0C\n< 9{}\n",
            " 00".repeat(40_000)
        ));
        assert!(
            shown.starts_with("t:3: \"9\" is not a whole number of bytes"),
            "{shown}"
        );
        assert!(shown.ends_with(" 00 0…\""), "{shown}");
        let shown = message(&format!("@source {}\n", "x".repeat(5000)));
        assert!(shown.contains("xxx…\" is not one of"), "{shown}");
    }

    #[test]
    fn header_values_with_terminal_or_bidirectional_controls_are_refused() {
        for value in [
            "Evil\u{1b}[2J",
            "a\u{7}b",
            "a\u{7f}",
            "a\u{9b}31m",
            "safe\u{202e}txt.exe",
            "a\u{2066}b",
            "a\rb",
        ] {
            let text = format!("@source simulator\n@reader {value}\n");
            let (line, problem) = problem(&text);
            assert_eq!(line, 2, "{value:?}");
            assert!(problem.starts_with("@reader holds a "), "{problem}");
            message(&text);
        }
        let (line, text) = problem("@source simulator\n@atr 3B\u{0}00\n");
        assert_eq!(line, 2);
        assert!(
            text.starts_with("@atr holds a control character (\\x00) at column 8"),
            "{text}"
        );
        // An unknown key's value, and a comment, are refused as well: a comment that reorders
        // itself can hide what a line holds from whoever reads the trace.
        assert_eq!(problem("@source simulator\n@future \u{1b}\n").0, 2);
        assert_eq!(
            problem("@source simulator\n> 00 A4 04 0C # \u{202e}\n< 90 00\n").0,
            2
        );
        // A tab is plain text; so is any printable Unicode.
        let t = Trace::parse("@source simulator\n@reader\tカードリーダー 00 00\t\n", "t").unwrap();
        assert_eq!(t.reader.as_deref(), Some("カードリーダー 00 00"));
    }

    #[test]
    fn a_tab_inside_a_header_value_is_refused() {
        // It would be written back as `_`, so what was read could not be written back the same.
        for text in [
            "@source simulator\n@reader i\tr",
            "@source simulator\n@atr 3B\t00\n",
            "@source simulator\n@future a\tb\n",
        ] {
            let (line, problem) = problem(text);
            assert_eq!(line, 2, "{text:?}");
            assert!(
                problem.contains("holds a tab (\\t) inside its value"),
                "{problem}"
            );
            assert!(message(text).contains("line 2 reads \"@"), "{text:?}");
        }
    }

    #[test]
    fn headers_appear_once_and_are_never_empty() {
        for key in ["source simulator", "reader R", "atr 3B 00"] {
            let (line, problem) = problem(&format!("@source simulator\n@{key}\n@{key}\n"));
            let first = if key.starts_with("source") { 1 } else { 2 };
            let wanted = if key.starts_with("source") { 2 } else { 3 };
            assert_eq!(line, wanted, "{key}");
            assert!(
                problem.contains(&format!("(the first is line {first})")),
                "{problem}"
            );
        }
        for key in [
            "@reader",
            "@reader   ",
            "@reader # a comment",
            "@atr",
            "@atr  ",
        ] {
            let (line, problem) = problem(&format!("@source simulator\n{key}\n"));
            assert_eq!(line, 2);
            assert!(problem.contains("is empty"), "{problem}");
        }
        assert!(problem("@source simulator\n@   # nothing\n")
            .1
            .contains("needs a key"));
        assert!(problem("@source\n").1.contains("is not one of"));
    }

    #[test]
    fn limits_on_names_atrs_apdus_and_lines() {
        let long_name = format!(
            "@source simulator\n@reader {}\n",
            "R".repeat(MAX_READER_CHARS + 1)
        );
        assert!(problem(&long_name).1.contains("at most 256"));
        let at_most = format!(
            "@source simulator\n@reader {}\n",
            "R".repeat(MAX_READER_CHARS)
        );
        assert!(Trace::parse(&at_most, "t").is_ok());
        let long_atr = format!(
            "@source simulator\n@atr {}\n",
            "3B".repeat(MAX_ATR_BYTES + 1)
        );
        assert!(problem(&long_atr).1.contains("at most 33"));
        // The largest APDU PC/SC carries is a valid command and answer, written spaced.
        let largest = vec!["00"; MAX_APDU_BYTES].join(" ");
        let t = Trace::parse(
            &format!("@source simulator\n> {largest} # a comment\n< {largest}\n"),
            "t",
        )
        .unwrap();
        assert_eq!(t.exchanges[0].command.0.len(), MAX_APDU_BYTES);
        let larger = format!("{largest}00");
        let (line, problem_text) = problem(&format!("@source simulator\n> {larger}\n< 90 00\n"));
        assert_eq!(line, 2);
        assert!(problem_text.contains("at most 65548"), "{problem_text}");
        let (line, problem_text) =
            problem(&format!("@source simulator\n> 00 A4 04 0C\n< {larger}\n"));
        assert_eq!(line, 3);
        assert!(problem_text.contains("at most 65548"), "{problem_text}");
        let long_line = format!("@source simulator\n# {}\n", "x".repeat(MAX_LINE_BYTES));
        let (line, problem_text) = problem(&long_line);
        assert_eq!(line, 2);
        assert!(
            problem_text.starts_with("the line is 262146 bytes long"),
            "{problem_text}"
        );
        message(&long_line);
    }

    #[test]
    fn a_file_larger_than_any_trace_is_refused_whole() {
        let text = format!("@source simulator\n# {}\n", "x".repeat(MAX_TRACE_BYTES));
        assert!(matches!(
            Trace::parse(&text, "big"),
            Err(TraceError::TooLarge { .. })
        ));
        assert!(matches!(
            Trace::from_bytes(&vec![0; MAX_TRACE_BYTES + 1], "big"),
            Err(TraceError::TooLarge { .. })
        ));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_named_by_line_and_column() {
        let err = Trace::from_bytes(b"@source simulator\n# ok\n> 00 \xFF A4\n< 90 00\n", "t")
            .unwrap_err();
        let TraceError::Malformed { line, problem, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(*line, 3);
        assert_eq!(
            problem,
            "byte FF at column 6 is not UTF-8: a trace is UTF-8 text"
        );
        assert!(
            err.to_string()
                .contains("line 3 reads \"> 00 \u{fffd} A4\""),
            "{err}"
        );
        // Columns count characters, as for control characters.
        let err = Trace::from_bytes("@source simulator\n# é \u{1}".as_bytes(), "t").unwrap_err();
        assert!(err.to_string().contains("column 5"), "{err}");
        let err = Trace::from_bytes(b"@source simulator\n# \xC3\xA9 \xFE\n", "t").unwrap_err();
        assert!(err.to_string().contains("byte FE at column 5"), "{err}");
        assert!(Trace::from_bytes(SAMPLE.as_bytes(), "t").is_ok());
    }

    #[test]
    fn card_events_stand_alone_and_only_as_answers() {
        let (line, text) = problem("@source simulator\n> 00 A4 04 0C\n< !removed junk\n");
        assert_eq!(line, 3);
        assert_eq!(
            text,
            "!removed stands alone after '<', but \"junk\" follows it"
        );
        let (_, text) = problem("@source simulator\n> 00 A4 04 0C\n< !gone\n");
        assert_eq!(
            text,
            "unknown card event \"!gone\"; the events are !removed and !reset"
        );
        let (line, text) = problem("@source simulator\n> !removed\n");
        assert_eq!(line, 2);
        assert!(text.contains("card events"), "{text}");
        let t = Trace::parse(
            "@source simulator\n> 00 A4 04 0C\n< !reset   # the reader reset it\n",
            "t",
        )
        .unwrap();
        assert_eq!(t.exchanges[0].answer, Answer::Reset);
    }

    #[test]
    fn whole_file_errors_name_a_line() {
        let err = Trace::parse("# only a comment\n> 00 A4 04 0C\n< 90 00\n", "t").unwrap_err();
        assert!(err.to_string().starts_with("t:1: no @source line"), "{err}");
        // An empty file has no line to name.
        assert!(Trace::parse("", "t")
            .unwrap_err()
            .to_string()
            .starts_with("t:0: no @source"));
        let err =
            Trace::parse("@source simulator\n> 00 A4 04 0C\n> 00 B0 00 00 04\n", "t").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("t:3: a command follows the command on line 2"),
            "{err}"
        );
        let err = Trace::parse("@source simulator\n> 00 A4 04 0C # last\n\n", "t").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t:2: the trace ends before the answer to this command (a '<' line)\n  line 2 reads \"> 00 A4 04 0C # last\""
        );
    }

    #[test]
    fn what_the_recorder_writes_always_reads_back() {
        let t = Trace {
            origin: "t".into(),
            source: Source::Simulator,
            reader: Some(format!("\u{202e}Reader\u{9b} {}", "x".repeat(400))),
            atr: Some(Vec::new()),
            exchanges: Vec::new(),
        };
        let again = Trace::parse(&t.to_text(), "t").unwrap();
        let reader = again.reader.unwrap();
        assert!(reader.starts_with("_Reader_ xx"), "{reader}");
        assert_eq!(reader.chars().count(), MAX_READER_CHARS);
        assert_eq!(again.atr, None);
        for blank in ["", "   "] {
            let t = Trace {
                reader: Some(blank.into()),
                ..t.clone()
            };
            assert_eq!(Trace::parse(&t.to_text(), "t").unwrap().reader, None);
        }
    }

    mod arbitrary_bytes {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1024))]

            /// What the fuzz target checks, here on every `cargo test`: whatever the bytes, a
            /// message is short and safe to print.
            #[test]
            fn every_parse_error_is_short_and_safe_to_print(
                lines in prop::collection::vec(
                    prop_oneof![
                        prop::collection::vec(any::<u8>(), 0..300),
                        "[<>@#]?(source|reader|atr)? ?[0-9A-F?! \\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{202a}-\\u{202e}]{0,300}"
                            .prop_map(String::into_bytes),
                    ],
                    0..8,
                )
            ) {
                let mut bytes = b"@source simulator\n".to_vec();
                for line in lines {
                    bytes.extend(line);
                    bytes.push(b'\n');
                }
                if let Err(e) = Trace::from_bytes(&bytes, "fuzz\u{1b}") {
                    let shown = e.to_string();
                    prop_assert!(!shown.chars().any(|c| c != '\n' && is_unprintable(c)), "{:?}", shown);
                    prop_assert!(shown.chars().count() < 600, "{}", shown);
                }
            }
        }
    }

    #[test]
    fn the_origin_is_escaped_too() {
        let err = Trace::parse("", "evil\u{1b}[2J.trace").unwrap_err();
        assert!(
            err.to_string().starts_with("evil\\x1b[2J.trace:0:"),
            "{err}"
        );
    }
}
