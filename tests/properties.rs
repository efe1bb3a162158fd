//! Properties that must hold for every input, not just the examples: the parsers never panic,
//! traces survive writing and reading, PIN validation is exactly the documented format, PIN bytes
//! are always redacted, and T=0 completion never sends a PIN twice.

use jpki_card::apdu::secret::{pin_range, redacted_hex};
use jpki_card::apdu::Outgoing;
use jpki_card::apdu::{Response, ResponseError, StatusWord};
use jpki_card::card::{Pin, PinFormatError, PinKind};
use jpki_card::transport::pcsc::{choose_reader, ReaderInfo};
use jpki_card::transport::trace::{Answer, CommandPattern, Exchange, Source, Trace, TraceError};
use jpki_card::transport::{Transaction, TransportError};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Traces

fn source() -> impl Strategy<Value = Source> {
    prop_oneof![
        Just(Source::RealCard),
        Just(Source::Simulator),
        Just(Source::HandWritten)
    ]
}

fn command() -> impl Strategy<Value = CommandPattern> {
    prop::collection::vec(prop::option::weighted(0.9, any::<u8>()), 4..40).prop_map(CommandPattern)
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        8 => prop::collection::vec(any::<u8>(), 0..40).prop_map(Answer::Bytes),
        1 => Just(Answer::Removed),
        1 => Just(Answer::Reset),
    ]
}

fn exchange() -> impl Strategy<Value = Exchange> {
    (command(), answer()).prop_map(|(command, answer)| Exchange {
        command,
        answer,
        line: 0,
    })
}

fn trace() -> impl Strategy<Value = Trace> {
    (
        source(),
        // A trace holds no empty @reader or @atr: generate names and ATRs that are not.
        prop::option::of("[A-Za-z0-9()\\[\\]/._-][A-Za-z0-9 ()\\[\\]/._-]{0,39}"),
        prop::option::of(prop::collection::vec(any::<u8>(), 1..=33)),
        prop::collection::vec(exchange(), 0..20),
    )
        .prop_map(|(source, reader, atr, exchanges)| Trace {
            origin: "generated".into(),
            source,
            // A reader name is written trimmed; generate it the way it reads back.
            reader: reader.map(|r| r.trim().to_string()),
            atr,
            exchanges,
        })
}

/// How one generated trace is laid out on disk: every freedom the format grants.
#[derive(Debug, Clone)]
struct Layout {
    crlf: bool,
    lower_case: bool,
    together: bool,
    comments: bool,
    blank_lines: bool,
    unknown_key: bool,
}

fn layout() -> impl Strategy<Value = Layout> {
    any::<[bool; 6]>().prop_map(|b| Layout {
        crlf: b[0],
        lower_case: b[1],
        together: b[2],
        comments: b[3],
        blank_lines: b[4],
        unknown_key: b[5],
    })
}

/// An independent writer of the format (docs/trace-format.md), so the parser is not only checked
/// against its own `to_text`.
fn write_with(trace: &Trace, layout: &Layout) -> String {
    let hex = |b: u8| {
        if layout.lower_case {
            format!("{b:02x}")
        } else {
            format!("{b:02X}")
        }
    };
    let join = |tokens: Vec<String>| tokens.join(if layout.together { "" } else { " " });
    let eol = if layout.crlf { "\r\n" } else { "\n" };
    let mut lines = Vec::new();
    if layout.comments {
        lines.push("# a generated trace, # twice".to_string());
    }
    lines.push(format!("@source {}", trace.source.keyword()));
    if layout.unknown_key {
        lines.push("@future-key some value".to_string());
    }
    if let Some(reader) = &trace.reader {
        lines.push(format!("@reader {reader}"));
    }
    if let Some(atr) = &trace.atr {
        lines.push(format!(
            "@atr {}",
            join(atr.iter().map(|b| hex(*b)).collect())
        ));
    }
    for (i, exchange) in trace.exchanges.iter().enumerate() {
        if layout.blank_lines {
            lines.push(String::new());
        }
        let command = join(
            exchange
                .command
                .0
                .iter()
                .map(|b| b.map_or("??".to_string(), hex))
                .collect(),
        );
        let comment = if layout.comments {
            format!("   # step {i}")
        } else {
            String::new()
        };
        lines.push(format!("> {command}{comment}"));
        let answer = match &exchange.answer {
            Answer::Bytes(bytes) => join(bytes.iter().map(|b| hex(*b)).collect()),
            Answer::Removed => "!removed".to_string(),
            Answer::Reset => "!reset".to_string(),
            // Any other kind is written as the recorder writes it.
            other => other.to_string(),
        };
        lines.push(format!("< {answer}{comment}"));
    }
    lines.iter().map(|l| format!("{l}{eol}")).collect()
}

/// The parts of a trace that a round trip must keep (line numbers and origin are the file's).
type Essence = (
    Source,
    Option<String>,
    Option<Vec<u8>>,
    Vec<(CommandPattern, Answer)>,
);

fn essence(t: &Trace) -> Essence {
    (
        t.source,
        t.reader.clone(),
        t.atr.clone(),
        t.exchanges
            .iter()
            .map(|e| (e.command.clone(), e.answer.clone()))
            .collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_written_trace_reads_back_the_same(t in trace()) {
        let again = Trace::parse(&t.to_text(), "again").unwrap();
        prop_assert_eq!(essence(&again), essence(&t));
    }

    #[test]
    fn every_layout_the_format_allows_reads_the_same(t in trace(), layout in layout()) {
        let text = write_with(&t, &layout);
        let again = Trace::parse(&text, "layout").unwrap();
        prop_assert_eq!(essence(&again), essence(&t));
        // Line numbers point at the `>` lines.
        let lines: Vec<&str> = text.lines().collect();
        for exchange in &again.exchanges {
            prop_assert!(lines[exchange.line - 1].starts_with('>'));
        }
    }

    #[test]
    fn the_trace_parser_never_panics_on_arbitrary_text(text in ".{0,400}") {
        check_parse(&text);
    }

    #[test]
    fn the_trace_parser_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        check_parse(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn the_trace_parser_never_panics_on_near_misses(
        lines in prop::collection::vec(
            prop_oneof![
                Just("@source hand-written".to_string()),
                Just("@source".to_string()),
                Just("@atr ??".to_string()),
                Just("< !removed".to_string()),
                Just("< !reset!".to_string()),
                Just("> ??".to_string()),
                "[<>@#] ?[0-9A-Fa-f? !#é]{0,20}",
                "[<>] [0-9A-F]{1,3}( [0-9A-F]{2}){0,6}",
            ],
            0..30,
        ),
        crlf in any::<bool>(),
    ) {
        check_parse(&lines.join(if crlf { "\r\n" } else { "\n" }));
    }
}

/// Parse, and check that an error names a line that exists (0: the file as a whole).
fn check_parse(text: &str) {
    match Trace::parse(text, "arbitrary") {
        Ok(trace) => {
            // What parses must also survive a round trip.
            let again = Trace::parse(&trace.to_text(), "again").unwrap();
            assert_eq!(again.exchanges.len(), trace.exchanges.len());
        }
        Err(TraceError::Malformed { line, problem, .. }) => {
            assert!(line <= text.lines().count(), "line {line} of {text:?}");
            assert!(!problem.is_empty());
        }
        Err(other) => panic!("parsing gave a non-parse error: {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Responses and status words

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn response_parse_splits_or_refuses_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        match Response::parse(&bytes) {
            Ok(r) => {
                prop_assert!(bytes.len() >= 2);
                let mut again = r.data.clone();
                again.extend_from_slice(&r.sw.to_u16().to_be_bytes());
                prop_assert_eq!(again, bytes);
            }
            Err(ResponseError::TooShort(n)) => {
                prop_assert!(bytes.len() < 2);
                prop_assert_eq!(n, bytes.len());
            }
            Err(other) => prop_assert!(false, "{other}"),
        }
    }

    #[test]
    fn status_words_round_trip_and_print(sw in any::<u16>()) {
        let word = StatusWord::from(sw);
        prop_assert_eq!(word.to_u16(), sw);
        prop_assert_eq!(word.hex(), format!("{sw:04X}"));
        let [a, b] = sw.to_be_bytes();
        prop_assert_eq!(word.to_string(), format!("{a:02X} {b:02X}"));
    }
}

// ---------------------------------------------------------------------------------------------
// The reader chooser

fn readers() -> impl Strategy<Value = Vec<ReaderInfo>> {
    prop::collection::vec(
        ("[A-Za-z0-9 ]{0,12}|.{0,8}", any::<bool>()).prop_map(|(name, card_present)| ReaderInfo {
            pcsc_name: name.clone().into_bytes(),
            name,
            card_present,
            atr: None,
        }),
        0..6,
    )
}

fn wanted() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        "[0-9]{1,3}",
        "[A-Za-z0-9 ]{0,6}",
        ".{0,8}",
        Just("18446744073709551616".to_string()),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn the_reader_chooser_never_panics_and_never_guesses(list in readers(), wanted in wanted()) {
        match choose_reader(&list, wanted.as_deref()) {
            Ok(chosen) => {
                // A chosen reader exists and holds a card.
                prop_assert!(list.iter().any(|r| r == chosen && r.card_present));
                // An empty choice is no choice.
                if wanted.as_deref().is_none_or(str::is_empty) {
                    prop_assert_eq!(list.iter().filter(|r| r.card_present).count(), 1);
                }
            }
            Err(TransportError::NoReaders) => prop_assert!(list.is_empty()),
            Err(TransportError::SeveralCards { readers }) => {
                prop_assert!(wanted.as_deref().is_none_or(str::is_empty));
                prop_assert!(readers.len() >= 2);
            }
            Err(TransportError::NoCard { .. })
            | Err(TransportError::ReaderNotFound { .. })
            | Err(TransportError::AmbiguousReader { .. }) => {}
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// PIN formats, written here again from README.md's table, independently of card::Pin

/// The format rule, from the documentation: sign is 6-16 of A-Z and 0-9 (typed letters may be
/// lower case, the card gets upper case) with at least one letter and one digit; the other three
/// are exactly 4 digits.
fn documented_rule(kind: PinKind, typed: &str) -> Option<String> {
    let is_digit = |c: char| c.is_ascii_digit();
    match kind {
        PinKind::Sign => {
            let upper: String = typed.chars().map(|c| c.to_ascii_uppercase()).collect();
            let n = upper.chars().count();
            let allowed = upper.chars().all(|c| c.is_ascii_uppercase() || is_digit(c));
            let mixed =
                upper.chars().any(|c| c.is_ascii_uppercase()) && upper.chars().any(is_digit);
            ((6..=16).contains(&n) && allowed && mixed).then_some(upper)
        }
        _ => (typed.chars().count() == 4 && typed.chars().all(is_digit)).then(|| typed.to_string()),
    }
}

fn pin_kind() -> impl Strategy<Value = PinKind> {
    prop::sample::select(PinKind::ALL.to_vec())
}

fn typed_pin() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{0,6}",
        "[0-9a-zA-Z]{0,18}",
        "[0-9A-Z]{5,17}",
        "[0-9a-z]{6,16}",
        "[0-9A-Z ._\\-ａ０１é]{4,17}",
        ".{0,20}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn pin_validation_is_exactly_the_documented_format(kind in pin_kind(), typed in typed_pin()) {
        let expected = documented_rule(kind, &typed);
        match Pin::new(kind, &typed) {
            Ok(pin) => {
                prop_assert_eq!(Some(pin.expose()), expected.as_deref().map(str::as_bytes), "{:?}", typed);
                prop_assert_eq!(pin.kind(), kind);
            }
            Err(e) => {
                prop_assert!(expected.is_none(), "{:?} refused: {}", typed, e);
                match (kind, e) {
                    (PinKind::Sign, PinFormatError::NotFourDigits { .. }) => prop_assert!(false),
                    (PinKind::Sign, _) => {}
                    (_, PinFormatError::NotFourDigits { kind: k }
                        | PinFormatError::FullWidth { kind: k }
                        | PinFormatError::Space { kind: k }) => prop_assert_eq!(k, kind),
                    (_, other) => prop_assert!(false, "4-digit PIN refused as {other}"),
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Redaction and T=0 completion on arbitrary commands and answers

/// Every INS whose data is a PIN, written here from ISO 7816-4 and docs/protocol.md, not taken
/// from the library: VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, CHANGE KEY, and the odd
/// INS of the first three.
const PIN_INS: [u8; 7] = [0x20, 0x24, 0x2C, 0x32, 0x21, 0x25, 0x2D];

/// Commands of any shape, every PIN-carrying INS common (with and without data), with their
/// neighbours and the commands jpki sends besides.
fn any_command() -> impl Strategy<Value = Vec<u8>> {
    let mut instructions = PIN_INS.to_vec();
    instructions.extend([0x22, 0x23, 0x2E, 0x33, 0xA4, 0xB0, 0xC0, 0x00]);
    (
        prop::sample::select(instructions),
        prop::collection::vec(any::<u8>(), 4..30),
    )
        .prop_map(|(ins, mut bytes)| {
            bytes[1] = ins;
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn redaction_hides_every_pin_byte_and_the_pattern_still_matches(command in any_command()) {
        let pattern = CommandPattern::redacted(&command);
        prop_assert!(pattern.matches(&command));
        let hex = redacted_hex(&command);
        prop_assert_eq!(hex.split(' ').count(), command.len());
        if PIN_INS.contains(&command[1]) && command.len() > 5 {
            prop_assert_eq!(pin_range(&command), Some(5..command.len()));
            prop_assert!(pattern.0[5..].iter().all(Option::is_none));
            prop_assert!(hex.split(' ').skip(5).all(|t| t == "??"));
        } else {
            prop_assert_eq!(pin_range(&command), None);
            prop_assert!(pattern.0.iter().all(Option::is_some));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The auth certificate reader

use jpki_card::card::certificate::{
    read_auth_certificate, read_binary_bound, CertificateRead, MAX_CERTIFICATE_LENGTH,
};
use jpki_card::card::CardError;

/// A card that serves `file` honestly to READ BINARY (offset in P1-P2, Le with 00 meaning 256),
/// but gives at most `most` bytes per answer, as a card may.
struct Honest {
    file: Vec<u8>,
    most: usize,
}

impl Transaction for Honest {
    fn transmit(&mut self, command: Outgoing<'_>) -> Result<Vec<u8>, TransportError> {
        let mut answer = match command.bytes() {
            [0x00, 0xB0, p1, p2, le] => {
                let offset = usize::from(u16::from_be_bytes([*p1, *p2]));
                let le = if *le == 0 { 256 } else { usize::from(*le) };
                let end = (offset + le.min(self.most)).min(self.file.len());
                self.file.get(offset..end).unwrap_or_default().to_vec()
            }
            _ => Vec::new(), // SELECT EF 00 0A
        };
        answer.extend([0x90, 0x00]);
        Ok(answer)
    }
}

/// A card that answers from a script, then with `then` (removed from the reader when `None`);
/// it notes every command it hears.
struct ScriptedCard {
    answers: std::vec::IntoIter<Vec<u8>>,
    then: Option<Vec<u8>>,
    heard: Vec<Vec<u8>>,
}

impl ScriptedCard {
    fn new(answers: Vec<Vec<u8>>, then: Option<Vec<u8>>) -> ScriptedCard {
        ScriptedCard {
            answers: answers.into_iter(),
            then,
            heard: Vec::new(),
        }
    }
}

impl Transaction for ScriptedCard {
    fn transmit(&mut self, command: Outgoing<'_>) -> Result<Vec<u8>, TransportError> {
        self.heard.push(command.bytes().to_vec());
        self.answers
            .next()
            .or_else(|| self.then.clone())
            .ok_or(TransportError::CardRemoved)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Whatever a card answers, the reader returns a certificate of at most 8 KiB, a problem to
    /// report, or (only when the card is gone) an error; it never panics and never asks for more
    /// than the largest certificate it accepts needs.
    #[test]
    fn the_certificate_reader_never_panics_on_arbitrary_answers(
        answers in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..12),
    ) {
        let mut card = ScriptedCard::new(answers, None);
        match read_auth_certificate(&mut card) {
            Ok(CertificateRead::Der(der)) => prop_assert!(der.len() <= MAX_CERTIFICATE_LENGTH),
            Ok(CertificateRead::Problem(_problem)) => {}
            Err(error) => prop_assert!(
                matches!(error, CardError::Transport(TransportError::CardRemoved)),
                "{}", error
            ),
        }
        // SELECT, then at most every piece of the largest certificate accepted, shorter pieces
        // for a reader that fails long answers included.
        prop_assert!(card.heard.len() <= 1 + read_binary_bound(MAX_CERTIFICATE_LENGTH));
    }

    /// A card that answers honestly, in chunks of any size, gives back exactly the DER its
    /// header announces (the long form 30 82 hi lo, as a real certificate has). The 4-byte
    /// header is read in one READ BINARY: a card that gives fewer of them is a bad header (a
    /// reported problem), so chunks here hold at least 4 bytes.
    #[test]
    fn the_certificate_reader_reads_back_what_an_honest_card_holds(
        body in prop::collection::vec(any::<u8>(), 0..2000),
        most in 4usize..=256,
        trailing in prop::collection::vec(any::<u8>(), 0..8),
    ) {
        let mut der = vec![0x30, 0x82];
        der.extend((body.len() as u16).to_be_bytes());
        der.extend(&body);
        let mut file = der.clone();
        file.extend(trailing); // bytes after the DER in the EF are not read
        let mut card = Honest { file, most };
        prop_assert_eq!(read_auth_certificate(&mut card).unwrap(), CertificateRead::Der(der));
    }
}
