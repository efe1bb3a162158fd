//! Reading a trace: the file's bytes, bounded, then line by line (headers, exchanges), then the
//! file as a whole.

use super::error::TraceError;
use super::format::{
    Answer, CommandPattern, Exchange, Source, Trace, MAX_APDU_BYTES, MAX_ATR_BYTES, MAX_LINE_BYTES,
    MAX_READER_CHARS, MAX_TRACE_BYTES,
};
use crate::text::{describe_unprintable, escaped, excerpt, is_unprintable};
use std::fs::File;
use std::io::Read as _;
use std::path::Path;

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

/// `!removed` or `!reset`, alone after the `<`; or `!redacted N bytes SW1 SW2`.
fn card_event(text: &str) -> Result<Answer, String> {
    let (word, after) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    if word == "!redacted" {
        return redacted(after);
    }
    let answer = match word {
        "!removed" => Answer::Removed,
        "!reset" => Answer::Reset,
        _ => {
            return Err(format!(
                "unknown card event \"{}\"; the events are !removed, !reset and !redacted",
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

/// After `!redacted`: `N bytes SW1 SW2`, an answer whose N data bytes were personal.
fn redacted(text: &str) -> Result<Answer, String> {
    let shape =
        "!redacted is followed by the length and the status word: !redacted 256 bytes 90 00";
    let mut words = text.split_whitespace();
    let length = words
        .next()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n + 2 <= MAX_APDU_BYTES)
        .ok_or_else(|| shape.to_string())?;
    if words.next() != Some("bytes") {
        return Err(shape.to_string());
    }
    let rest: Vec<&str> = words.collect();
    let sw = parse_bytes(&rest.join(" ")).map_err(|_| shape.to_string())?;
    match sw.as_slice() {
        [Some(sw1), Some(sw2)] => Ok(Answer::Redacted {
            length,
            sw: [*sw1, *sw2],
        }),
        _ => Err(shape.to_string()),
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
