//! The trace format's tests: every form it allows read, every malformed line named, and what is
//! written read back the same.

use super::format::{MAX_APDU_BYTES, MAX_ATR_BYTES, MAX_READER_CHARS};
use super::*;
use crate::text::is_unprintable;

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
    let (line, problem_text) = problem(&format!("@source simulator\n> 00 A4 04 0C\n< {larger}\n"));
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
    let err =
        Trace::from_bytes(b"@source simulator\n# ok\n> 00 \xFF A4\n< 90 00\n", "t").unwrap_err();
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
        "unknown card event \"!gone\"; the events are !removed, !reset and !redacted"
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

#[test]
fn a_redacted_answer_keeps_its_length_and_status_word_and_replays_as_zeros() {
    let text = "@source simulator\n> 00 B0 00 00 00\n< !redacted 3 bytes 90 00\n";
    let trace = Trace::parse(text, "t").unwrap();
    assert_eq!(
        trace.exchanges[0].answer,
        Answer::Redacted {
            length: 3,
            sw: [0x90, 0x00]
        }
    );
    assert_eq!(trace.to_text(), text);
    assert_eq!(
        trace.exchanges[0].answer.replayed(),
        Some(vec![0, 0, 0, 0x90, 0x00])
    );
    for bad in [
        "!redacted",
        "!redacted 3",
        "!redacted 3 bytes",
        "!redacted 3 bytes 90",
        "!redacted x bytes 90 00",
        "!redacted 3 octets 90 00",
        "!redacted 3 bytes 90 ??",
        "!redacted 99999999 bytes 90 00",
    ] {
        let (line, problem) = problem(&format!("@source simulator\n> 00 B0 00 00 00\n< {bad}\n"));
        assert_eq!(line, 3, "{bad}");
        assert!(
            problem.contains("!redacted 256 bytes 90 00"),
            "{bad}: {problem}"
        );
    }
}
