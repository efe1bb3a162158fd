//! `jpki change-pin` against hand-written traces: exit codes, messages, JSON, and that PINs never
//! leak and bad input never reaches a card.

mod common;
use common::{jpki, json, trace};

/// The PINs every test types; distinctive, so a leak is easy to spot.
const CURRENT: &str = "4827";
const NEW: &str = "6391";

/// Run `jpki --replay change-pin/TRACE ARGS...` with `stdin`; (exit code, stdout, stderr).
fn change(trace_name: &str, args: &[&str], stdin: &str) -> (i32, String, String) {
    let out = jpki()
        .arg("--replay")
        .arg(trace(&format!("change-pin/{trace_name}")))
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn pins_stdin() -> String {
    format!("{CURRENT}\n{NEW}\n")
}

/// (id, changed, result, tries_left) of each PIN in the JSON report.
fn rows(stdout: &str) -> Vec<(String, serde_json::Value, String, serde_json::Value)> {
    json(stdout)["pins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["changed"].clone(),
                p["result"].as_str().unwrap().to_string(),
                p["tries_left"].clone(),
            )
        })
        .collect()
}

fn row(
    id: &str,
    changed: Option<bool>,
    result: &str,
    tries: Option<u8>,
) -> (String, serde_json::Value, String, serde_json::Value) {
    (
        id.to_string(),
        serde_json::json!(changed),
        result.to_string(),
        serde_json::json!(tries),
    )
}

#[test]
fn each_four_digit_pin_changes_in_five_apdus() {
    for id in ["auth", "juki", "kenhojo"] {
        let (code, out, err) = change(
            &format!("success-{id}.trace"),
            &["--json", "change-pin", "--stdin", id],
            &pins_stdin(),
        );
        assert_eq!(code, 0, "{id}: {err}");
        assert_eq!(rows(&out), vec![row(id, Some(true), "changed", Some(3))]);
        assert!(err.is_empty(), "{id}: {err}");
    }
}

#[test]
fn the_sign_password_changes_read_from_crlf_lines() {
    let (code, out, err) = change(
        "success-sign.trace",
        &["change-pin", "--stdin", "sign"],
        "oldpass1\r\nNewPass2\r\n",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "Signature password (sign): changed\n");
}

#[test]
fn three_four_digit_pins_take_one_current_and_one_new_pin() {
    let (code, out, err) = change(
        "juki-kenhojo-auth.trace",
        &["--json", "change-pin", "--stdin", "juki", "kenhojo", "auth"],
        &pins_stdin(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        rows(&out),
        vec![
            row("juki", Some(true), "changed", Some(3)),
            row("kenhojo", Some(true), "changed", Some(3)),
            row("auth", Some(true), "changed", Some(3)),
        ]
    );
}

#[test]
fn a_wrong_current_pin_says_how_many_tries_are_left() {
    let (code, out, err) = change(
        "wrong-current-pin.trace",
        &["change-pin", "--stdin", "auth"],
        &pins_stdin(),
    );
    assert_eq!(code, 13, "{err}");
    assert_eq!(out, "User authentication PIN (auth): not changed\n");
    assert!(
        err.contains("the current auth PIN is wrong; 2 tries left"),
        "{err}"
    );
    let (code, out, _) = change(
        "wrong-current-pin.trace",
        &["--json", "change-pin", "--stdin", "auth"],
        &pins_stdin(),
    );
    assert_eq!(code, 13);
    assert_eq!(
        rows(&out),
        vec![row("auth", Some(false), "wrong_pin", Some(2))]
    );
}

#[test]
fn the_last_try_is_refused_after_the_counter_read() {
    // The trace ends after the counter read: a VERIFY would fail the replay with exit 11.
    let (code, out, err) = change(
        "last-try-refused.trace",
        &["--json", "change-pin", "--stdin", "auth"],
        &pins_stdin(),
    );
    assert_eq!(code, 14, "{err}");
    assert_eq!(
        rows(&out),
        vec![row("auth", Some(false), "last_try_refused", Some(1))]
    );
    assert!(err.contains("only one try left"), "{err}");
    assert!(err.contains("--allow-last-try"), "{err}");
}

#[test]
fn allow_last_try_spends_it_and_the_counter_comes_back() {
    let (code, out, err) = change(
        "last-try-allowed.trace",
        &[
            "--json",
            "change-pin",
            "--stdin",
            "--allow-last-try",
            "auth",
        ],
        &pins_stdin(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        rows(&out),
        vec![row("auth", Some(true), "changed", Some(3))]
    );
}

#[test]
fn a_locked_pin_is_refused_and_the_holder_told_where_to_reset_it() {
    let (code, out, err) = change(
        "locked.trace",
        &["--json", "change-pin", "--stdin", "juki"],
        &pins_stdin(),
    );
    assert_eq!(code, 15, "{err}");
    assert_eq!(
        rows(&out),
        vec![row("juki", Some(false), "locked", Some(0))]
    );
    assert!(err.contains("locked"), "{err}");
    assert!(err.contains("municipality"), "{err}");
    let (_, _, err) = change(
        "locked.trace",
        &["--lang", "ja", "change-pin", "--stdin", "juki"],
        &pins_stdin(),
    );
    assert!(err.contains("市区町村の窓口"), "{err}");
}

#[test]
fn a_card_lost_after_the_pin_verify_leaves_the_outcome_unknown() {
    let (code, out, err) = change(
        "removed-after-verify.trace",
        &["--json", "change-pin", "--stdin", "kenhojo"],
        &pins_stdin(),
    );
    assert_eq!(code, 16, "{err}");
    assert_eq!(
        rows(&out),
        vec![row("kenhojo", None, "outcome_unknown", None)]
    );
    assert!(err.contains("the try may have been counted"), "{err}");
    assert!(err.contains("may or may not have changed"), "{err}");
    assert!(err.contains("jpki status"), "{err}");
}

#[test]
fn the_second_of_three_failing_reports_which_changed() {
    let args = ["change-pin", "--stdin", "juki", "kenhojo", "auth"];
    let (code, out, err) = change("second-of-three-fails.trace", &args, &pins_stdin());
    assert_eq!(code, 13, "{err}");
    assert_eq!(
        out,
        "Resident registry PIN (juki): changed\n\
         Card info input support PIN (kenhojo): not changed\n\
         User authentication PIN (auth): not changed (not tried)\n"
    );
    let (code, out, _) = change(
        "second-of-three-fails.trace",
        &[&["--json"][..], &args].concat(),
        &pins_stdin(),
    );
    assert_eq!(code, 13);
    assert_eq!(
        rows(&out),
        vec![
            row("juki", Some(true), "changed", Some(3)),
            row("kenhojo", Some(false), "wrong_pin", Some(2)),
            row("auth", Some(false), "not_attempted", None),
        ]
    );
}

#[test]
fn a_card_without_the_pin_says_so() {
    let (code, _, err) = change(
        "juki-not-issued.trace",
        &["change-pin", "--stdin", "juki"],
        &pins_stdin(),
    );
    assert_eq!(code, 17, "{err}");
    assert!(err.contains("no juki PIN"), "{err}");
}

/// Invalid input exits 3 without opening the trace: the trace does not exist, so opening it
/// would exit 11 instead.
#[test]
fn invalid_input_never_touches_a_transport() {
    let cases: &[(&[&str], &str, &str)] = &[
        (&["juki"], "482\n6391\n", "exactly 4 digits"),
        (&["juki"], "4827\n63a1\n", "new PIN is not valid"),
        (&["juki"], "４８２７\n6391\n", "exactly 4 digits"),
        (&["juki"], "4827\n4827\n", "same as the current"),
        (
            &["juki", "sign"],
            "4827\n6391\n",
            "cannot be changed together",
        ),
        (
            &["juki", "auth", "juki"],
            "4827\n6391\n",
            "named more than once",
        ),
        (&["sign"], "ABC12\nABC123\n", "6 to 16 characters"),
        (&["sign"], "ABCDEF1\nABC-123\n", "only the letters A-Z"),
        (
            &["sign"],
            "ABCDEF1\nABCDEFG\n",
            "at least one letter and at least one digit",
        ),
        (&["sign"], "abc123\nABC123\n", "same as the current"),
        (&["juki"], "", "found 0 line(s)"),
        (&["juki"], "4827\n", "found 1 line(s)"),
        (&["juki"], "4827\n6391\n\n", "found 3 line(s)"),
        (&["juki"], "4827\n6391\n1111\n", "found 3 line(s)"),
    ];
    for (pins, stdin, says) in cases {
        let out = jpki()
            .args([
                "--replay",
                "/nonexistent/jpki.trace",
                "change-pin",
                "--stdin",
            ])
            .args(*pins)
            .write_stdin(*stdin)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{pins:?} {stdin:?}: {err}");
        assert!(err.contains(says), "{pins:?} {stdin:?}: {err}");
        assert!(err.contains("no PIN was sent to the card"), "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn an_overlong_stdin_is_refused() {
    let out = jpki()
        .args([
            "--replay",
            "/nonexistent/jpki.trace",
            "change-pin",
            "--stdin",
            "juki",
        ])
        .write_stdin("1".repeat(5000))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn pins_are_never_taken_from_the_command_line() {
    let out = jpki()
        .args([
            "--replay",
            "/nonexistent/jpki.trace",
            "change-pin",
            "juki",
            "4827",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_guessable_new_pin_is_warned_about_not_refused() {
    let (code, _, err) = change(
        "success-juki.trace",
        &["change-pin", "--stdin", "juki"],
        "4827\n1234\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning"), "{err}");
    assert!(err.contains("easy to guess"), "{err}");
    assert!(!err.contains("1234"), "{err}");
}

/// Every form a PIN could leak in: as typed, and as the hex of its ASCII bytes.
fn leaks(text: &str, pin: &str) -> bool {
    let spaced: Vec<String> = pin.bytes().map(|b| format!("{b:02X}")).collect();
    text.contains(pin) || text.contains(&spaced.join(" ")) || text.contains(&spaced.concat())
}

#[test]
fn a_recorded_change_shows_neither_pin_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = dir.path().join("change.trace");
    for extra in [&[][..], &["--json"][..]] {
        let out = jpki()
            .arg("--replay")
            .arg(trace("change-pin/juki-kenhojo-auth.trace"))
            .arg("--record")
            .arg(&recorded)
            .args(extra)
            .args(["change-pin", "--stdin", "juki", "kenhojo", "auth"])
            .write_stdin(pins_stdin())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let written = std::fs::read_to_string(&recorded).unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        for pin in [CURRENT, NEW] {
            assert!(!leaks(&written, pin), "trace shows {pin}:\n{written}");
            assert!(!leaks(&stdout, pin), "stdout shows {pin}: {stdout}");
            assert!(!leaks(&stderr, pin), "stderr shows {pin}: {stderr}");
        }
        assert_eq!(written.matches("> 00 20 00 80 04 ?? ?? ?? ??").count(), 3);
        assert_eq!(written.matches("> 00 24 01 80 04 ?? ?? ?? ??").count(), 3);
    }
}

#[test]
fn a_recorded_failed_change_shows_neither_pin_either() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = dir.path().join("removed.trace");
    let out = jpki()
        .arg("--replay")
        .arg(trace("change-pin/removed-after-verify.trace"))
        .arg("--record")
        .arg(&recorded)
        .args(["change-pin", "--stdin", "kenhojo"])
        .write_stdin(pins_stdin())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(16));
    let written = std::fs::read_to_string(&recorded).unwrap();
    assert!(written.contains("< !removed"), "{written}");
    for pin in [CURRENT, NEW] {
        assert!(!leaks(&written, pin), "{written}");
        assert!(!leaks(&String::from_utf8_lossy(&out.stderr), pin));
    }
}

#[test]
fn an_unwritable_trace_stops_the_run_before_any_pin_is_sent() {
    // The recorder creates its file before the first command, so a bad --record path can never
    // turn into "the PIN changed but jpki failed".
    let out = jpki()
        .arg("--replay")
        .arg(trace("change-pin/success-juki.trace"))
        .args(["--record", "/nonexistent/dir/out.trace"])
        .args(["change-pin", "--stdin", "juki"])
        .write_stdin(pins_stdin())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(11));
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/dir/out.trace"), "{stderr}");
    assert!(!stderr.contains("changed"), "{stderr}");
}

#[test]
fn a_pin_bearing_command_is_never_sent_twice() {
    // 6C xx asks for a re-send with another Le; for a VERIFY carrying a PIN jpki must not.
    // Were it re-sent, the replay would run past the end (exit 11).
    let text = std::fs::read_to_string(trace("change-pin/wrong-current-pin.trace"))
        .unwrap()
        .replace("< 63 C2", "< 6C 04");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("resend.trace");
    std::fs::write(&path, text).unwrap();
    let out = jpki()
        .arg("--replay")
        .arg(&path)
        .args(["change-pin", "--stdin", "auth"])
        .write_stdin(pins_stdin())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(12), "{err}");
    assert!(err.contains("6C 04"), "{err}");
}
