//! The trace file: a recorded exchange with a card, as line-oriented text (docs/trace-format.md).

use super::wire;
use std::fmt::{self, Write as _};
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
        let secret = wire::secret_data(command).unwrap_or(0..0);
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
            Answer::Bytes(b) => f.write_str(&wire::spaced_hex(b)),
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

/// A trace that cannot be read, or a replay that left the trace's path.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TraceError {
    /// The file could not be read.
    #[error("cannot read trace {origin}: {reason}")]
    Unreadable {
        /// The file.
        origin: String,
        /// What the OS said.
        reason: String,
    },
    /// The trace file could not be written (`--record`).
    #[error("cannot write trace {origin}: {reason}")]
    Unwritable {
        /// The file.
        origin: String,
        /// What the OS said.
        reason: String,
    },
    /// A line is not valid trace syntax.
    #[error("{origin}:{line}: {problem}")]
    Malformed {
        /// The file.
        origin: String,
        /// 1-based line number (0: the file as a whole).
        line: usize,
        /// What is wrong.
        problem: String,
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
        /// The expected command.
        expected: String,
        /// The command sent, PIN bytes redacted.
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
        /// The command sent, PIN bytes redacted.
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
        /// The first unused command.
        expected: String,
    },
}

impl Trace {
    /// Read and parse a trace file.
    pub fn load(path: &Path) -> Result<Trace, TraceError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| TraceError::Unreadable {
            origin: origin.clone(),
            reason: e.to_string(),
        })?;
        Trace::parse(&text, &origin)
    }

    /// Parse trace text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Trace, TraceError> {
        let malformed = |line: usize, problem: String| TraceError::Malformed {
            origin: origin.to_string(),
            line,
            problem,
        };
        let mut source = None;
        let mut reader = None;
        let mut atr = None;
        let mut exchanges = Vec::new();
        let mut pending: Option<(CommandPattern, usize)> = None;

        // Editors on Windows may save a byte-order mark; it is not part of the first line.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (index, raw) in text.lines().enumerate() {
            let number = index + 1;
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            // Split on the first character, not the first byte: the line may start with any UTF-8.
            let mut chars = line.chars();
            let marker = chars.next().unwrap_or(' ');
            let rest = chars.as_str().trim();
            match marker {
                '@' => {
                    let (key, value) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                    let value = value.trim();
                    match key {
                        "source" => {
                            if source.is_some() {
                                return Err(malformed(number, "a second @source line".into()));
                            }
                            source = Some(Source::from_keyword(value).ok_or_else(|| {
                                malformed(number, format!("@source \"{value}\" is not one of real-card, simulator, hand-written"))
                            })?);
                        }
                        "reader" => reader = Some(value.to_string()),
                        "atr" => {
                            atr = Some(
                                parse_bytes(value)
                                    .and_then(|b| {
                                        b.into_iter().collect::<Option<Vec<u8>>>().ok_or_else(
                                            || "?? is not allowed in an ATR".to_string(),
                                        )
                                    })
                                    .map_err(|p| malformed(number, format!("@atr: {p}")))?,
                            )
                        }
                        _ => {} // unknown keys are ignored, so newer traces still load
                    }
                }
                '>' => {
                    if let Some((_, open)) = pending {
                        return Err(malformed(
                            number,
                            format!(
                                "a command follows the command on line {open} before its answer"
                            ),
                        ));
                    }
                    let bytes = parse_bytes(rest).map_err(|p| malformed(number, p))?;
                    if bytes.len() < 4 {
                        return Err(malformed(
                            number,
                            format!(
                                "a command needs at least 4 bytes (CLA INS P1 P2), found {}",
                                bytes.len()
                            ),
                        ));
                    }
                    pending = Some((CommandPattern(bytes), number));
                }
                '<' => {
                    let Some((command, open)) = pending.take() else {
                        return Err(malformed(
                            number,
                            "an answer with no command before it".into(),
                        ));
                    };
                    let answer = match rest {
                        "!removed" => Answer::Removed,
                        "!reset" => Answer::Reset,
                        _ => Answer::Bytes(
                            parse_bytes(rest)
                                .map_err(|p| malformed(number, p))?
                                .into_iter()
                                .collect::<Option<Vec<u8>>>()
                                .ok_or_else(|| {
                                    malformed(number, "?? is only allowed in commands".into())
                                })?,
                        ),
                    };
                    exchanges.push(Exchange {
                        command,
                        answer,
                        line: open,
                    });
                }
                _ => {
                    return Err(malformed(
                        number,
                        format!(
                            "a line must start with '>', '<', '@' or '#', found \"{}\"",
                            truncate(line)
                        ),
                    ))
                }
            }
        }
        if let Some((_, open)) = pending {
            return Err(malformed(open, "this command has no answer".into()));
        }
        let source = source.ok_or_else(|| {
            malformed(
                0,
                "no @source line (real-card, simulator or hand-written)".into(),
            )
        })?;
        Ok(Trace {
            origin: origin.to_string(),
            source,
            reader,
            atr,
            exchanges,
        })
    }

    /// The trace as text in the format `parse` reads.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "@source {}", self.source.keyword());
        if let Some(reader) = &self.reader {
            let _ = writeln!(out, "@reader {}", one_line(reader));
        }
        if let Some(atr) = &self.atr {
            let _ = writeln!(out, "@atr {}", wire::spaced_hex(atr));
        }
        for exchange in &self.exchanges {
            let _ = writeln!(out, "> {}", exchange.command);
            let _ = writeln!(out, "< {}", exchange.answer);
        }
        out
    }
}

/// Bytes written spaced (`00 A4`) or together (`00A4`), `??` for a redacted byte.
fn parse_bytes(text: &str) -> Result<Vec<Option<u8>>, String> {
    let mut bytes = Vec::new();
    for token in text.split_whitespace() {
        if token.len() % 2 != 0 || !token.is_ascii() {
            return Err(format!(
                "\"{}\" is not a whole number of bytes",
                truncate(token)
            ));
        }
        for pair in token.as_bytes().chunks(2) {
            let pair = std::str::from_utf8(pair).unwrap_or("");
            if pair == "??" {
                bytes.push(None);
            } else {
                let byte = u8::from_str_radix(pair, 16)
                    .map_err(|_| format!("\"{pair}\" is not a hex byte"))?;
                bytes.push(Some(byte));
            }
        }
    }
    Ok(bytes)
}

/// A value that stays one `@key` line and reads back the same: the format has no escapes, so a
/// line break would start a line of its own (a forged `>` or `<`) and `#` would start a comment.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() || c == '#' { '_' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

fn truncate(text: &str) -> String {
    text.chars().take(40).collect()
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
}
