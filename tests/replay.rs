//! The mock reader's promises: a diverging command, a trace left unused and a malformed line are
//! each an error that names the trace and the line, with exit code 11.

mod common;
use common::jpki;
use std::fs;

fn run_on(text: &str, args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.trace");
    fs::write(&path, text).unwrap();
    let out = jpki()
        .arg("--replay")
        .arg(&path)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fresh() -> String {
    fs::read_to_string(common::trace("status/fresh.trace")).unwrap()
}

#[test]
fn a_diverging_command_names_step_line_expected_and_actual() {
    // Expect the auth EF where jpki selects the sign EF.
    let text = fresh().replacen("00 A4 02 0C 02 00 1B", "00 A4 02 0C 02 00 18", 1);
    let (code, out, err) = run_on(&text, &["status", "--pins-only"]);
    assert_eq!(code, 11, "{err}");
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
    let (code, out, err) = run_on(&text, &["status", "--pins-only"]);
    assert_eq!(code, 11, "{err}");
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
    let (code, _, err) = run_on(&text, &["status", "--pins-only"]);
    assert_eq!(code, 11, "{err}");
    assert!(err.contains("past the end"), "{err}");
}

#[test]
fn malformed_lines_are_reported_with_their_number() {
    let (code, _, err) = run_on("@source hand-written\n> 00 A4 04 0C\n< 9 00\n", &["status"]);
    assert_eq!(code, 11);
    assert!(err.contains("case.trace:3"), "{err}");
    let (code, _, err) = run_on("> 00 A4 04 0C\n< 90 00\n", &["status"]);
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
    let dir = tempfile::tempdir().unwrap();
    let recorded = dir.path().join("rec.trace");
    let out = jpki()
        .arg("--replay")
        .arg(common::trace("status/some-tries-used.trace"))
        .arg("--record")
        .arg(&recorded)
        .args(["status", "--pins-only"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = fs::read_to_string(&recorded).unwrap();
    assert!(text.starts_with("@source simulator\n"), "{text}");
    let again = jpki()
        .arg("--replay")
        .arg(&recorded)
        .args(["--json", "status", "--pins-only"])
        .output()
        .unwrap();
    assert!(again.status.success());
    assert_eq!(
        common::json(&String::from_utf8_lossy(&again.stdout))["pins"][1]["state"],
        "last_try"
    );
}

#[test]
fn readers_on_a_replay_lists_the_traced_reader() {
    let out = jpki()
        .arg("--replay")
        .arg(common::trace("status/fresh.trace"))
        .args(["--json", "readers"])
        .output()
        .unwrap();
    let v = common::json(&String::from_utf8_lossy(&out.stdout));
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
