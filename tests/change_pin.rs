//! `jpki change-pin` against hand-written traces: exit codes, messages, JSON, and that PINs never
//! leak and bad input never reaches a card.

use crate::util::{
    answering, assert_no_pin, commands_in, id_of, jpki, json, one_apdu_off, pin_commands,
    pin_entries, replay_recorded, replay_stdin, replay_text, trace, trace_text, Run,
};

/// The PINs every test types; distinctive, so a leak is easy to spot.
const CURRENT: &str = "4827";
const NEW: &str = "6391";

/// Run `jpki --replay change-pin/TRACE ARGS...` with `stdin`.
fn change(trace_name: &str, args: &[&str], stdin: &str) -> Run {
    replay_stdin(&format!("change-pin/{trace_name}"), args, stdin)
}

/// change-pin of the three 4-digit PINs at once, as change-pin/juki-kenhojo-auth.trace answers
/// it.
const THREE: [&str; 6] = [
    "change-pin",
    "--stdin",
    "--experimental",
    "juki",
    "kenhojo",
    "auth",
];

fn pins_stdin() -> String {
    format!("{CURRENT}\n{NEW}\n")
}

/// (id, changed, result, tries_left) of each PIN in the JSON report.
fn rows(stdout: &str) -> Vec<(String, serde_json::Value, String, serde_json::Value)> {
    pin_entries(&json(stdout))
        .iter()
        .map(|p| {
            (
                id_of(p),
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
fn each_four_digit_pin_with_one_key_reference_changes_in_five_apdus() {
    for id in ["auth", "kenhojo"] {
        let Run {
            stdout: out,
            stderr: err,
            ..
        } = change(
            &format!("success-{id}.trace"),
            &["--json", "change-pin", "--stdin", id],
            &pins_stdin(),
        )
        .assert_exit_for(0, format_args!("{id}"));
        assert_eq!(rows(&out), vec![row(id, Some(true), "changed", Some(3))]);
        assert!(err.is_empty(), "{id}: {err}");
    }
}

/// `change-pin juki` as docs/protocol.md writes it: 14 APDUs, in this order.
const JUKI_CHANGE: [&str; 14] = [
    "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 01",
    "00 A4 02 0C 02 00 1C",
    "00 20 00 80",
    "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 01 00",
    "00 A4 02 0C 02 00 1C",
    "00 20 00 80",
    "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 01",
    "00 A4 02 0C 02 00 1C",
    "00 20 00 80 04 ?? ?? ?? ??",
    "80 32 00 80 04 ?? ?? ?? ??",
    "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 01 00",
    "00 A4 02 0C 02 00 1C",
    "00 20 00 80 04 ?? ?? ?? ??",
    "80 32 00 80 04 ?? ?? ?? ??",
];

/// The commands of a bundled trace, in order.
fn commands_of(trace_name: &str) -> Vec<String> {
    commands_in(&trace_text(&format!("change-pin/{trace_name}")))
}

/// Replay `commands` ([`answering`]: counter reads 63 C3, the rest 90 00) under change-pin
/// juki: (exit code, stderr).
fn juki_over(commands: &[&str]) -> (i32, String) {
    let args = ["change-pin", "--stdin", "--experimental", "juki"];
    let Run {
        code, stderr: err, ..
    } = replay_text(&answering(commands), &args, &pins_stdin());
    (code, err)
}

#[test]
fn juki_changes_both_key_references_with_change_key_in_fourteen_apdus() {
    assert_eq!(commands_of("success-juki.trace"), JUKI_CHANGE);
    let (code, err) = juki_over(&JUKI_CHANGE);
    assert_eq!(code, 0, "{err}");
    let Run { stdout: out, .. } = change(
        "success-juki.trace",
        &["--json", "change-pin", "--stdin", "--experimental", "juki"],
        &pins_stdin(),
    )
    .assert_exit(0);
    assert_eq!(
        rows(&out),
        vec![row("juki", Some(true), "changed", Some(3))]
    );
    let keys = &json(&out)["pins"][0]["key_refs"];
    assert_eq!(keys[0]["application"], "juki_ap");
    assert_eq!(keys[0]["result"], "changed");
    assert_eq!(keys[1]["application"], "common_ap");
    assert_eq!(keys[1]["result"], "changed");
}

#[test]
fn an_added_missing_or_reordered_apdu_fails_the_juki_change() {
    for commands in one_apdu_off(&JUKI_CHANGE, |a, b| a == b) {
        let (code, err) = juki_over(&commands);
        // docs/exit-codes.md: 11, the replay diverged from its trace or was not used up; but 21
        // when it diverged after the first key reference's CHANGE KEY (the tenth command) took
        // the new PIN, since the juki PIN is then partly changed whatever stopped the run.
        let first_off = commands
            .iter()
            .zip(JUKI_CHANGE.iter())
            .position(|(a, b)| a != b)
            .unwrap_or(commands.len().min(JUKI_CHANGE.len()));
        let expected = if first_off >= 10 && !commands.starts_with(&JUKI_CHANGE) {
            21
        } else {
            11
        };
        assert_eq!(code, expected, "{commands:?} replayed: {err}");
    }
}

#[test]
fn juki_without_experimental_is_refused_before_any_transport_is_opened() {
    // The trace does not exist: opening it would exit 11, not 20.
    for stdin in ["4827\n6391\n", "bad\n"] {
        let out = jpki()
            .args([
                "--replay",
                "/nonexistent/jpki.trace",
                "change-pin",
                "--stdin",
                "kenhojo",
                "juki",
            ])
            .write_stdin(stdin)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(20), "{err}");
        assert!(out.stdout.is_empty());
        for says in [
            "experimental",
            "did not touch the card",
            "soltia48/myna-card",
            "80 32 00 80",
            "mock",
            "which of the two a municipal terminal checks",
            "refuse",
            "--experimental",
            "no PIN was sent",
        ] {
            assert!(err.contains(says), "{says}: {err}");
        }
    }
    let out = jpki()
        .args(["--lang", "ja", "--replay", "/nonexistent/jpki.trace"])
        .args(["change-pin", "--stdin", "juki"])
        .write_stdin(pins_stdin())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(20), "{err}");
    assert!(
        err.contains("実験的") && err.contains("--experimental"),
        "{err}"
    );
}

#[test]
fn a_refused_change_key_at_the_second_key_reference_is_reported_as_partly_changed() {
    let args = ["change-pin", "--stdin", "--experimental", "juki"];
    let Run {
        code,
        stdout: out,
        stderr: err,
    } = change("juki-change-key-refused.trace", &args, &pins_stdin());
    assert_eq!(code, 21, "{err}");
    assert_eq!(
        out,
        "Resident registry PIN (juki): PARTLY CHANGED: its key references now hold different PINs (below)\n\
         \x20 住基AP: now holds the new PIN\n\
         \x20 共通AP: still holds the current PIN\n"
    );
    assert!(err.contains("only partly changed"), "{err}");
    assert!(err.contains("CHANGE KEY answered 6D 00"), "{err}");
    assert!(err.contains("do not run `change-pin juki` again"), "{err}");
    assert!(err.contains("jpki status"), "{err}");
    assert!(err.contains("city office"), "{err}");
    let Run {
        code, stdout: out, ..
    } = change(
        "juki-change-key-refused.trace",
        &[&["--json"][..], &args].concat(),
        &pins_stdin(),
    );
    assert_eq!(code, 21);
    let pin = &json(&out)["pins"][0];
    assert_eq!(pin["outcome"], "partly_changed");
    assert_eq!(pin["result"], "partly_changed");
    assert_eq!(pin["changed"], serde_json::Value::Null);
    assert_eq!(pin["key_refs"][0]["result"], "changed");
    assert_eq!(pin["key_refs"][1]["result"], "change_rejected");
    change(
        "juki-change-key-refused.trace",
        &[&["--lang", "ja"][..], &args].concat(),
        &pins_stdin(),
    )
    .assert_stdout_contains("一部だけ変更されました")
    .assert_stdout_contains("住基AP: 新しい暗証番号に変わりました")
    .assert_stderr_contains("再実行しないでください");
}

#[test]
fn a_wrong_pin_at_the_second_key_reference_is_partly_changed_with_its_tries() {
    let Run { stdout: out, .. } = change(
        "juki-wrong-at-common.trace",
        &["--json", "change-pin", "--stdin", "--experimental", "juki"],
        &pins_stdin(),
    )
    .assert_exit(21)
    .assert_stderr_contains("is wrong; 2 tries left");
    let pin = &json(&out)["pins"][0];
    assert_eq!(pin["outcome"], "partly_changed");
    assert_eq!(pin["tries_left"], 2);
    assert_eq!(pin["key_refs"][0]["tries_left"], 3);
    assert_eq!(pin["key_refs"][1]["result"], "wrong_pin");
    assert_eq!(pin["key_refs"][1]["tries_left"], 2);
}

#[test]
fn a_card_without_the_juki_ap_changes_the_common_ap_alone() {
    let Run { stdout: out, .. } = change(
        "juki-without-juki-ap.trace",
        &["--json", "change-pin", "--stdin", "--experimental", "juki"],
        &pins_stdin(),
    )
    .assert_exit(0);
    let pin = &json(&out)["pins"][0];
    assert_eq!(pin["outcome"], "changed");
    assert_eq!(pin["key_refs"][0]["result"], "not_on_card");
    assert_eq!(pin["key_refs"][1]["result"], "changed");
}

#[test]
fn every_counter_is_read_before_the_first_verify() {
    // kenhojo is at its last try: the run is refused before auth's VERIFY too. The trace ends
    // after the second counter read, so any VERIFY would fail the replay with exit 11.
    assert_eq!(commands_of("auth-kenhojo-last-try.trace").len(), 6);
    let Run { stdout: out, .. } = change(
        "auth-kenhojo-last-try.trace",
        &["--json", "change-pin", "--stdin", "auth", "kenhojo"],
        &pins_stdin(),
    )
    .assert_exit(14);
    assert_eq!(
        rows(&out),
        vec![
            row("auth", Some(false), "not_attempted", Some(3)),
            row("kenhojo", Some(false), "last_try_refused", Some(1)),
        ]
    );
}

#[test]
fn the_sign_password_changes_read_from_crlf_lines() {
    let Run { stdout: out, .. } = change(
        "success-sign.trace",
        &["change-pin", "--stdin", "sign"],
        "oldpass1\r\nNewPass2\r\n",
    )
    .assert_exit(0);
    assert_eq!(out, "Signature password (sign): changed\n");
}

#[test]
fn three_four_digit_pins_take_one_current_and_one_new_pin() {
    let Run { stdout: out, .. } = change(
        "juki-kenhojo-auth.trace",
        &[&["--json"][..], &THREE].concat(),
        &pins_stdin(),
    )
    .assert_exit(0);
    // Guard first: the four key references (juki twice) read before the first VERIFY.
    let commands = commands_of("juki-kenhojo-auth.trace");
    let first_verify = commands
        .iter()
        .position(|c| c.len() > 11 && c.starts_with("00 20"));
    assert_eq!(first_verify, Some(14));
    assert_eq!(commands.iter().filter(|c| *c == "00 20 00 80").count(), 4);
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
    let Run {
        code,
        stdout: out,
        stderr: err,
    } = change(
        "wrong-current-pin.trace",
        &["change-pin", "--stdin", "auth"],
        &pins_stdin(),
    );
    assert_eq!(code, 13, "{err}");
    assert_eq!(out, "User authentication PIN (auth): not changed\n");
    assert!(err.contains("the auth PIN is wrong; 2 tries left"), "{err}");
    let Run {
        code, stdout: out, ..
    } = change(
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
    let Run {
        stdout: out,
        stderr: err,
        ..
    } = change(
        "last-try-refused.trace",
        &["--json", "change-pin", "--stdin", "auth"],
        &pins_stdin(),
    )
    .assert_exit(14);
    assert_eq!(
        rows(&out),
        vec![row("auth", Some(false), "last_try_refused", Some(1))]
    );
    assert!(err.contains("only one try left"), "{err}");
    assert!(err.contains("--allow-last-try"), "{err}");
}

#[test]
fn allow_last_try_spends_it_and_the_counter_comes_back() {
    let Run { stdout: out, .. } = change(
        "last-try-allowed.trace",
        &[
            "--json",
            "change-pin",
            "--stdin",
            "--allow-last-try",
            "auth",
        ],
        &pins_stdin(),
    )
    .assert_exit(0);
    assert_eq!(
        rows(&out),
        vec![row("auth", Some(true), "changed", Some(3))]
    );
}

#[test]
fn a_locked_pin_is_refused_and_the_holder_told_where_to_reset_it() {
    let Run {
        stdout: out,
        stderr: err,
        ..
    } = change(
        "locked.trace",
        &["--json", "change-pin", "--stdin", "--experimental", "juki"],
        &pins_stdin(),
    )
    .assert_exit(15);
    assert_eq!(
        rows(&out),
        vec![row("juki", Some(false), "locked", Some(0))]
    );
    assert!(err.contains("locked"), "{err}");
    // Where to reset it is the advice status gives, in the report: the city office for juki.
    assert_eq!(json(&out)["pins"][0]["next_step"], "city_office", "{out}");
    let Run {
        stdout: out,
        stderr: err,
        ..
    } = change(
        "locked.trace",
        &[
            "--lang",
            "ja",
            "change-pin",
            "--stdin",
            "--experimental",
            "juki",
        ],
        &pins_stdin(),
    );
    assert!(out.contains("市区町村の窓口"), "{out}{err}");
}

#[test]
fn a_card_lost_after_the_pin_verify_leaves_the_outcome_unknown() {
    let Run {
        stdout: out,
        stderr: err,
        ..
    } = change(
        "removed-after-verify.trace",
        &["--json", "change-pin", "--stdin", "kenhojo"],
        &pins_stdin(),
    )
    .assert_exit(16);
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
    let args = THREE;
    let Run {
        code,
        stdout: out,
        stderr: err,
    } = change("second-of-three-fails.trace", &args, &pins_stdin());
    assert_eq!(code, 13, "{err}");
    assert_eq!(
        out,
        "Resident registry PIN (juki): changed\n\
         Card info input support PIN (kenhojo): not changed\n\
         User authentication PIN (auth): not changed (not tried)\n"
    );
    let Run {
        code, stdout: out, ..
    } = change(
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
            // Not tried, but its counter was read before the first VERIFY.
            row("auth", Some(false), "not_attempted", Some(3)),
        ]
    );
}

#[test]
fn a_card_without_the_pin_says_so() {
    change(
        "juki-not-issued.trace",
        &["change-pin", "--stdin", "--experimental", "juki"],
        &pins_stdin(),
    )
    .assert_exit(17)
    .assert_stderr_contains("no juki PIN");
}

/// Invalid input exits 3 without opening the trace: the trace does not exist, so opening it
/// would exit 11 instead.
#[test]
fn invalid_input_never_touches_a_transport() {
    let cases: &[(&[&str], &str, &str)] = &[
        (&["juki"], "482\n6391\n", "exactly 4 digits"),
        (&["juki"], "4827\n63a1\n", "new PIN is not valid"),
        (&["juki"], "４８２７\n6391\n", "full-width characters"),
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
                "--experimental",
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
            "--experimental",
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
    let Run { stderr: err, .. } = change(
        "success-juki.trace",
        &["change-pin", "--stdin", "--experimental", "juki"],
        "4827\n1234\n",
    )
    .assert_exit(0)
    .assert_stderr_contains("warning")
    .assert_stderr_contains("easy to guess");
    assert!(!err.contains("1234"), "{err}");
}

#[test]
fn a_recorded_change_shows_neither_pin_anywhere() {
    for extra in [&[][..], &["--json"][..]] {
        let (
            Run {
                code,
                stdout,
                stderr,
            },
            written,
        ) = change_recorded(
            "juki-kenhojo-auth.trace",
            &[extra, &THREE].concat(),
            &pins_stdin(),
        );
        assert_eq!(code, 0);
        assert_no_pin("trace", &written, &[CURRENT, NEW]);
        assert_no_pin("stdout", &stdout, &[CURRENT, NEW]);
        assert_no_pin("stderr", &stderr, &[CURRENT, NEW]);
        assert_eq!(written.matches("> 00 20 00 80 04 ?? ?? ?? ??").count(), 4);
        assert_eq!(written.matches("> 00 24 01 80 04 ?? ?? ?? ??").count(), 2);
        assert_eq!(written.matches("> 80 32 00 80 04 ?? ?? ?? ??").count(), 2);
    }
}

#[test]
fn a_recorded_failed_change_shows_neither_pin_either() {
    let (Run { code, stderr, .. }, written) = change_recorded(
        "removed-after-verify.trace",
        &["change-pin", "--stdin", "kenhojo"],
        &pins_stdin(),
    );
    assert_eq!(code, 16);
    assert!(written.contains("< !removed"), "{written}");
    assert_no_pin("trace", &written, &[CURRENT, NEW]);
    assert_no_pin("stderr", &stderr, &[CURRENT, NEW]);
}

#[test]
fn an_unwritable_trace_stops_the_run_before_any_pin_is_sent() {
    // The recorder creates its file before the first command, so a bad --record path can never
    // turn into "the PIN changed but jpki failed".
    let out = jpki()
        .arg("--replay")
        .arg(trace("change-pin/success-juki.trace"))
        .args(["--record", "/nonexistent/dir/out.trace"])
        .args(["change-pin", "--stdin", "--experimental", "juki"])
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
    let text = trace_text("change-pin/wrong-current-pin.trace").replace("< 63 C2", "< 6C 04");
    let Run { stderr: err, .. } =
        replay_text(&text, &["change-pin", "--stdin", "auth"], &pins_stdin()).assert_exit(12);
    assert!(err.contains("6C 04"), "{err}");
}

/// Like [`change`], with `--record`: also the trace jpki wrote of what it sent.
fn change_recorded(trace_name: &str, args: &[&str], stdin: &str) -> (Run, String) {
    let replayed = trace(&format!("change-pin/{trace_name}"));
    let (ran, written) = replay_recorded(&replayed, args, stdin);
    (ran, written.expect("jpki wrote no trace"))
}

#[test]
fn outcome_a_change_the_card_refuses_with_63c2_or_6a80_is_not_changed() {
    for (trace_name, id, sw) in [
        ("change-rejected-63c2.trace", "auth", "63 C2"),
        ("change-rejected-6a80.trace", "kenhojo", "6A 80"),
    ] {
        let (
            Run {
                code,
                stdout: out,
                stderr: err,
            },
            recorded,
        ) = change_recorded(trace_name, &["change-pin", "--stdin", id], &pins_stdin());
        assert_eq!(code, 12, "{trace_name}: {err}");
        assert!(out.ends_with(": not changed\n"), "{trace_name}: {out}");
        assert!(err.contains("refused the new"), "{err}");
        assert!(err.contains(&format!("answered {sw}")), "{err}");
        assert!(err.contains("the PIN is unchanged"), "{err}");
        // The VERIFY and the CHANGE, once each.
        assert_eq!(pin_commands(&recorded).len(), 2, "{recorded}");
        let Run {
            code, stdout: out, ..
        } = change(
            trace_name,
            &["--json", "change-pin", "--stdin", id],
            &pins_stdin(),
        );
        assert_eq!(code, 12);
        assert_eq!(
            rows(&out),
            vec![row(id, Some(false), "change_rejected", Some(3))]
        );
        assert_eq!(json(&out)["pins"][0]["outcome"], "not_changed");
    }
}

#[test]
fn not_issued_change_pin_on_a_card_without_the_kenhojo_application_is_never_locked() {
    let (
        Run {
            code,
            stdout: out,
            stderr: err,
        },
        recorded,
    ) = change_recorded(
        "kenhojo-not-issued.trace",
        &["change-pin", "--stdin", "kenhojo"],
        &pins_stdin(),
    );
    assert_eq!(code, 17, "{err}");
    assert!(
        out.starts_with("Card info input support PIN (kenhojo): not changed\n"),
        "{out}"
    );
    assert!(out.contains("not on this card"), "{out}");
    assert!(!out.to_lowercase().contains("locked"), "{out}");
    assert!(err.contains("this card has no kenhojo PIN"), "{err}");
    assert!(!err.to_lowercase().contains("locked"), "{err}");
    assert!(pin_commands(&recorded).is_empty(), "{recorded}");
    let Run {
        code, stdout: out, ..
    } = change(
        "kenhojo-not-issued.trace",
        &["--json", "change-pin", "--stdin", "kenhojo"],
        &pins_stdin(),
    );
    assert_eq!(code, 17);
    // No counter, not a counter at 0.
    assert_eq!(
        rows(&out),
        vec![row("kenhojo", Some(false), "not_issued", None)]
    );
    let Run { stderr: err, .. } = change(
        "kenhojo-not-issued.trace",
        &["--lang", "ja", "change-pin", "--stdin", "kenhojo"],
        &pins_stdin(),
    );
    assert!(!err.contains("ロック"), "{err}");
}

#[test]
fn retry_a_verify_answered_6d00_is_not_sent_again() {
    // The trace ends at the 6D 00: a second VERIFY would run past its end, which the replay
    // remembers even if jpki dropped the error, and the run would not exit 12.
    let (
        Run {
            code,
            stdout: out,
            stderr: err,
        },
        recorded,
    ) = change_recorded(
        "verify-6d00.trace",
        &["change-pin", "--stdin", "auth"],
        &pins_stdin(),
    );
    assert_eq!(code, 12, "{err}");
    assert_eq!(out, "User authentication PIN (auth): not changed\n");
    assert!(err.contains("answered 6D 00 to VERIFY"), "{err}");
    assert_eq!(
        pin_commands(&recorded),
        ["> 00 20 00 80 04 ?? ?? ?? ??"],
        "{recorded}"
    );
    assert_eq!(recorded.lines().filter(|l| l.starts_with('>')).count(), 4);
}

#[test]
fn guard_first_a_juki_key_reference_at_its_last_try_stops_the_run_before_any_verify() {
    let args = ["--json", "change-pin", "--stdin", "--experimental", "juki"];
    let (
        Run {
            code,
            stdout: out,
            stderr: err,
        },
        recorded,
    ) = change_recorded("juki-common-last-try.trace", &args, &pins_stdin());
    assert_eq!(code, 14, "{err}");
    // Neither key reference got the PIN, the full one included.
    assert!(pin_commands(&recorded).is_empty(), "{recorded}");
    let pin = &json(&out)["pins"][0];
    assert_eq!(pin["result"], "last_try_refused");
    assert_eq!(pin["tries_left"], 1);
    assert_eq!(pin["key_refs"][0]["result"], "not_attempted");
    assert_eq!(pin["key_refs"][1]["result"], "last_try_refused");
    // In a batch, the juki PIN named last stops the PINs named before it too.
    let text = trace_text("change-pin/success-kenhojo.trace");
    let guard: Vec<&str> = text.lines().take_while(|l| !l.contains("?? ??")).collect();
    let juki = trace_text("change-pin/juki-common-last-try.trace");
    let juki_lines: Vec<&str> = juki.lines().filter(|l| l.starts_with(['>', '<'])).collect();
    let batch = format!("{}\n{}\n", guard.join("\n"), juki_lines.join("\n"));
    let Run { stdout, .. } = replay_text(
        &batch,
        &[
            "--json",
            "change-pin",
            "--stdin",
            "--experimental",
            "kenhojo",
            "juki",
        ],
        &pins_stdin(),
    )
    .assert_exit(14);
    assert_eq!(
        rows(&stdout),
        vec![
            row("kenhojo", Some(false), "not_attempted", Some(3)),
            row("juki", Some(false), "last_try_refused", Some(1)),
        ]
    );
}

#[test]
fn change_key_is_sent_to_the_juki_key_references_only() {
    let (
        Run {
            code, stderr: err, ..
        },
        recorded,
    ) = change_recorded("juki-kenhojo-auth.trace", &THREE, &pins_stdin());
    assert_eq!(code, 0, "{err}");
    // Each change command with the application selected last before it.
    let juki_ap = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 01";
    let common_ap = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 01 00";
    let kenhojo_ap = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08";
    let jpki_ap = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
    let mut application = "";
    let mut changes = Vec::new();
    for command in recorded.lines().filter_map(|l| l.strip_prefix("> ")) {
        if command.starts_with("00 A4 04") {
            application = command;
        } else if command.starts_with("80 32") || command.starts_with("00 24") {
            changes.push((application, &command[..5]));
        }
    }
    assert_eq!(
        changes,
        [
            (juki_ap, "80 32"),
            (common_ap, "80 32"),
            (kenhojo_ap, "00 24"),
            (jpki_ap, "00 24"),
        ]
    );
}
