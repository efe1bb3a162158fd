//! The mock reader's promises: a diverging command, a trace left unused and a malformed line are
//! each an error that names the trace and the line, with exit code 11. A hostile trace file (a
//! device, a huge line, terminal escapes) ends at once with a short message that is safe to print.

use crate::util::{english, jpki, json, replay, replay_text, trace, trace_text, Run, JPKI};
use jpki_card::apdu::Outgoing;
use jpki_card::card::read_pin_statuses;
use jpki_card::transport::trace::{Trace, TraceError, MAX_LINE_BYTES, MAX_TRACE_BYTES};
use jpki_card::transport::{
    Layered, Reader, Replay, ResponseCompletion, Transaction, TransportError,
};
use std::fs;
use std::path::Path;
use std::time::Duration;

fn fresh() -> String {
    trace_text("status/fresh.trace")
}

#[test]
fn a_diverging_command_names_step_line_expected_and_actual() {
    // Expect the auth EF where jpki selects the sign EF.
    let text = fresh().replacen("00 A4 02 0C 02 00 1B", "00 A4 02 0C 02 00 18", 1);
    let Run {
        stdout: out,
        stderr: err,
        ..
    } = replay_text(&text, &["status", "--pins-only"], "").assert_exit(11);
    assert!(out.is_empty());
    // The second command of fresh.trace sits on line 8 (two comment lines, @source, @reader, @atr).
    assert!(err.contains("case.trace:8"), "{err}");
    assert!(err.contains("step 2"), "{err}");
    assert!(err.contains("> 00 A4 02 0C 02 00 18"), "{err}");
    assert!(err.contains("> 00 A4 02 0C 02 00 1B"), "{err}");
}

#[test]
fn exchanges_left_unused_fail_the_command() {
    let text = format!("{}> 00 20 00 80\n< 63 C3\n", fresh());
    let Run {
        stdout: out,
        stderr: err,
        ..
    } = replay_text(&text, &["status", "--pins-only"], "").assert_exit(11);
    assert!(
        out.is_empty(),
        "no result is printed from a replay that did not match: {out}"
    );
    assert!(err.contains("1 exchange(s) of the trace unused"), "{err}");
    assert!(err.contains("step 15"), "{err}");
}

#[test]
fn a_trace_that_ends_early_fails_at_the_missing_step() {
    // Up to the fourth answer: the trace stops in the middle of the exchange.
    let text: String = fresh().lines().take(13).map(|l| format!("{l}\n")).collect();
    let Run { stderr: err, .. } =
        replay_text(&text, &["status", "--pins-only"], "").assert_exit(11);
    assert!(err.contains("past the end"), "{err}");
}

#[test]
fn malformed_lines_are_reported_with_their_number() {
    let Run {
        code, stderr: err, ..
    } = replay_text(
        "@source hand-written\n> 00 A4 04 0C\n< 9 00\n",
        &["status"],
        "",
    );
    assert_eq!(code, 11);
    assert!(err.contains("case.trace:3"), "{err}");
    let Run {
        code, stderr: err, ..
    } = replay_text("> 00 A4 04 0C\n< 90 00\n", &["status"], "");
    assert_eq!(code, 11);
    assert!(err.contains("@source"), "{err}");
}

#[test]
fn a_missing_trace_file_is_a_clear_error() {
    let out = jpki()
        .args(["--replay", "/nonexistent/x.trace", "status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(11));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.trace"));
}

#[test]
fn recording_a_replay_reproduces_the_trace() {
    let (Run { code, .. }, text) = crate::util::replay_recorded(
        &trace("status/some-tries-used.trace"),
        &["status", "--pins-only"],
        "",
    );
    assert_eq!(code, 0);
    let text = text.unwrap();
    assert!(text.starts_with("@source simulator\n"), "{text}");
    let Run {
        code,
        stdout: again,
        ..
    } = replay_text(&text, &["--json", "status", "--pins-only"], "");
    assert_eq!(code, 0);
    assert_eq!(json(&again)["pins"][1]["state"], "last_try");
}

#[test]
fn readers_on_a_replay_lists_the_traced_reader() {
    let Run { stdout: out, .. } = replay("status/fresh.trace", &["--json", "readers"]);
    let v = json(&out);
    assert_eq!(v["readers"][0]["name"], "jpki Virtual Card 00 00");
    assert_eq!(v["readers"][0]["card_present"], true);
}

#[test]
fn without_pcscd_the_service_error_has_its_own_code() {
    // Point pcsc-lite at a socket that does not exist, so this holds whether or not pcscd runs.
    let out = jpki()
        .env("PCSCLITE_CSOCK_NAME", "/nonexistent/pcscd.comm")
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pcscd"));
}

#[test]
fn an_unwritable_record_path_fails_before_the_card_is_asked_anything() {
    // The trace expects nothing: a command sent would run past its end, a different error.
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.trace");
    fs::write(&empty, "@source hand-written\n").unwrap();
    let out = jpki()
        .arg("--replay")
        .arg(&empty)
        .arg("--record")
        .arg(dir.path())
        .arg("status")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(11), "{stderr}");
    assert!(stderr.contains("cannot write trace"), "{stderr}");
    assert!(out.stdout.is_empty());
}

/// Run jpki on `trace` with its address space capped at 1 GiB and a 60-second watchdog, so a
/// regression that reads without bound fails this test instead of exhausting the machine.
/// Returns the exit code and stderr.
fn run_bounded(trace: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut capped = english("sh");
    capped
        .arg("-c")
        .arg("ulimit -v 1048576 && exec \"$0\" \"$@\"")
        .arg(JPKI)
        .arg("--replay")
        .arg(trace)
        .args(args);
    let out = assert_cmd::Command::from_std(capped)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// stderr is short and holds nothing that acts on a terminal: no control character but its
/// own line breaks, no bidirectional control.
fn assert_safe_and_short(stderr: &str) {
    assert!(stderr.len() < 1000, "{} bytes: {stderr}", stderr.len());
    let unsafe_char = stderr.chars().find(|c| {
        (c.is_control() && *c != '\n')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    });
    assert_eq!(unsafe_char, None, "{stderr:?}");
}

#[test]
fn endless_devices_as_traces_end_at_once_with_the_size_limit() {
    for device in ["/dev/zero", "/dev/urandom"] {
        let (code, err) = run_bounded(Path::new(device), &["status"]);
        assert_eq!(code, Some(11), "{device}: {err}");
        assert!(
            err.contains(&format!(
                "trace {device} is larger than {MAX_TRACE_BYTES} bytes"
            )),
            "{err}"
        );
        assert_safe_and_short(&err);
    }
}

#[test]
fn readers_on_a_trace_that_cannot_be_loaded_exits_with_the_trace_code() {
    let (code, err) = run_bounded(Path::new("/dev/zero"), &["readers"]);
    assert_eq!(code, Some(11), "{err}");
    assert!(err.contains("is larger than"), "{err}");
}

#[test]
fn a_trace_with_a_25_mb_command_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.trace");
    let mut text = String::from("@source hand-written\n> 00 A4 04 0C");
    text.push_str(&" 00".repeat(25_000_000 / 3));
    text.push_str("\n< 90 00\n");
    fs::write(&path, text).unwrap();
    let (code, err) = run_bounded(&path, &["status", "--pins-only"]);
    assert_eq!(code, Some(11), "{err}");
    assert!(
        err.contains("is larger than 1048576 bytes (1 MiB)"),
        "{err}"
    );
    assert_safe_and_short(&err);
}

#[test]
fn a_divergence_on_a_long_command_prints_a_short_error() {
    // Under every limit: a 60,000-byte command where jpki sends its first SELECT.
    let long = vec!["5A"; 60_000].join(" ");
    let Run { stderr: err, .. } = replay_text(
        &format!("@source hand-written\n> 00 A4 04 0C {long}\n< 90 00\n"),
        &["status", "--pins-only"],
        "",
    )
    .assert_exit(11)
    .assert_stderr_contains("replay diverged at step 1")
    .assert_stderr_contains("(bytes 1-24 of 60004)");
    assert_safe_and_short(&err);
}

#[test]
fn a_line_over_the_line_limit_is_named() {
    let Run { stderr: err, .. } = replay_text(
        &format!("@source hand-written\n# {}\n", "x".repeat(MAX_LINE_BYTES)),
        &["status"],
        "",
    )
    .assert_exit(11)
    .assert_stderr_contains(
        "case.trace:2: the line is 262146 bytes long; a line holds at most 262144",
    );
    assert_safe_and_short(&err);
}

#[test]
fn a_reader_name_with_terminal_escapes_is_refused_and_never_printed_raw() {
    let text = fresh().replacen(
        "@reader jpki Virtual Card 00 00",
        "@reader \u{1b}]0;pwned\u{7}\u{1b}[2J",
        1,
    );
    assert!(text.contains("pwned"), "fresh.trace names its reader");
    let Run {
        code,
        stdout: out,
        stderr: err,
    } = replay_text(&text, &["status"], "");
    assert_eq!(code, 11, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("@reader holds a control character (\\x1b) at column 9"),
        "{err}"
    );
    assert!(
        err.contains("reads \"@reader \\x1b]0;pwned\\x07\\x1b[2J\""),
        "{err}"
    );
    assert_safe_and_short(&err);
    // A right-to-left override would make the name read backwards.
    let text = fresh().replacen("Virtual Card", "Virtual \u{202e}draC", 1);
    let Run { stderr: err, .. } = replay_text(&text, &["status"], "").assert_exit(11);
    assert!(
        err.contains("@reader holds a bidirectional control (\\u{202e})"),
        "{err}"
    );
    assert_safe_and_short(&err);
}

#[test]
fn a_bad_line_is_quoted_escaped_and_the_file_name_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evil\u{1b}[2J.trace");
    fs::write(
        &path,
        "@source hand-written\n> 00 A4 04 0C\n< 9\u{9b}0 00\n",
    )
    .unwrap();
    let (code, err) = run_bounded(&path, &["status"]);
    assert_eq!(code, Some(11), "{err}");
    assert!(
        err.contains("evil\\x1b[2J.trace:3: the line holds a control character (\\u{9b})"),
        "{err}"
    );
    assert!(err.contains("line 3 reads \"< 9\\u{9b}0 00\""), "{err}");
    assert_safe_and_short(&err);
}

#[test]
fn header_and_card_event_mistakes_say_what_is_wrong() {
    let cases = [
        (
            "@source hand-written\n@reader A\n@reader B\n",
            "case.trace:3: a second @reader line (the first is line 2)",
        ),
        (
            "@source hand-written\n@reader\n",
            "case.trace:2: @reader is empty",
        ),
        (
            "@source hand-written\n@atr   # none\n",
            "case.trace:2: @atr is empty",
        ),
        (
            "@source hand-written\n> 00 A4 04 0C\n< !removed junk\n",
            "case.trace:3: !removed stands alone after '<', but \"junk\" follows it",
        ),
        (
            "# no source\n> 00 A4 04 0C\n< 90 00\n",
            "case.trace:1: no @source line",
        ),
        (
            "@source hand-written\n> 00 A4 04 0C\n",
            "case.trace:2: the trace ends before the answer to this command",
        ),
    ];
    for (text, wanted) in cases {
        let Run { stderr: err, .. } = replay_text(text, &["status"], "").assert_exit(11);
        assert!(err.contains(wanted), "{wanted}: {err}");
    }
}

/// A reader that stands for a careless card layer: at the end of each transaction it sends one
/// more command and drops whatever comes back.
struct OneMoreCommand<R>(R);

impl<R: Reader> Reader for OneMoreCommand<R> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn transaction(&mut self) -> Result<Box<dyn Transaction + '_>, TransportError> {
        Ok(Box::new(AndOneMore(self.0.transaction()?)))
    }

    fn finish(&mut self) -> Result<(), TransportError> {
        self.0.finish()
    }
}

/// A transaction that sends one more command before it ends.
struct AndOneMore<'a>(Box<dyn Transaction + 'a>);

impl Transaction for AndOneMore<'_> {
    fn transmit(&mut self, command: Outgoing<'_>) -> Result<Vec<u8>, TransportError> {
        self.0.transmit(command)
    }

    fn end(mut self: Box<Self>) -> Result<(), TransportError> {
        let _ = self
            .0
            .transmit(Outgoing::new(&[0x00, 0x20, 0x00, 0x80]).unwrap());
        self.0.end()
    }
}

#[test]
fn a_command_whose_error_was_thrown_away_still_fails_the_replay() {
    // The stack the binary builds for `--replay`, with the real counter reads over it: the whole
    // fourteen-APDU exchange succeeds, then a fifteenth command is sent and its error dropped.
    let trace = Trace::load(&crate::util::trace("status/fresh.trace")).unwrap();
    let mut transport = OneMoreCommand(Layered::new(Replay::new(trace), ResponseCompletion));
    let statuses = read_pin_statuses(&mut transport).unwrap();
    assert_eq!(statuses.len(), 4);
    let err = transport.finish().unwrap_err();
    assert!(
        matches!(
            err,
            TransportError::Trace(TraceError::PastEnd { step: 15, .. })
        ),
        "{err}"
    );
    // Without the extra command the same exchange passes: the failure is that command's.
    let trace = Trace::load(&crate::util::trace("status/fresh.trace")).unwrap();
    let mut transport = Layered::new(Replay::new(trace), ResponseCompletion);
    read_pin_statuses(&mut transport).unwrap();
    transport.finish().unwrap();
}
