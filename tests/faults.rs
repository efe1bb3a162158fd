//! Fault injection through the mock reader: for each case and every APDU index k of its exchange,
//! the card's answer at k is replaced by each fault of `Fault::catalogue()`, and the `jpki`
//! binary is run on that trace.
//!
//! After a fault the trace ends, so any further command runs past its end (exit 11): that is how
//! "stops after a fault, never retries" is proven. Where continuing is correct (status goes on
//! to the next PIN after one PIN's error), the rest of the base trace follows, minus the exchanges
//! jpki must skip. A new command is one more row of `cases()` with its own expectation function.
//!
//! The expectation functions are written from the rules (docs/exit-codes.md, docs/protocol.md,
//! the task's card-protection rules), not from what the code happens to do.

mod common;
use common::{documented_exit_codes, jpki, leak_of, trace};
use jpki::transport::trace::{Answer, Exchange, Trace};
use jpki::transport::{Fault, TransportError};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// A field the JSON output must hold: in one PIN's entry (found by its id), or at the top.
#[derive(Debug, Clone, PartialEq)]
struct Fact {
    pin: Option<&'static str>,
    /// A JSON pointer, inside the PIN's entry or from the top.
    pointer: &'static str,
    value: Value,
}

/// The PIN `id`'s entry has `value` at `field`.
fn pin_is(id: &'static str, field: &'static str, value: impl Into<Value>) -> Fact {
    Fact {
        pin: Some(id),
        pointer: field,
        value: value.into(),
    }
}

/// The top-level `pointer` holds `value`.
fn top_is(pointer: &'static str, value: impl Into<Value>) -> Fact {
    Fact {
        pin: None,
        pointer,
        value: value.into(),
    }
}

/// Words stderr must hold, all of them (compared in lower case); `a|b` is held when either is.
fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| w.to_lowercase()).collect()
}

/// What jpki must do after the fault.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// Stop with this exit code; stderr names the failure with all of these words, and JSON
    /// output (when asked for) shows these facts.
    Stop {
        exit: i32,
        says: Vec<String>,
        facts: Vec<Fact>,
    },
    /// Go on correctly: the next `skip` base exchanges are not sent, the rest are, then exit
    /// with `exit` (0, or `doctor`'s 19 for a check that failed) and nothing on stderr. `facts`
    /// are what JSON output must show.
    Continue {
        skip: usize,
        exit: i32,
        facts: Vec<Fact>,
    },
    /// Go on correctly, sending exactly these base exchanges (by index) after the faulted one,
    /// then exit with `exit` (a juki key reference found missing: the run goes on with the
    /// other and succeeds).
    ContinueWith {
        rest: Vec<usize>,
        exit: i32,
        facts: Vec<Fact>,
    },
    /// Go on to a command the base trace has no answer for (a SELECT that was due to fail now
    /// succeeds); the trace ends there, so the replay reports running past its end.
    Proceeds,
}

/// One command run under faults: a base trace of the happy exchange, the command line, the
/// standard input, and the PINs that must never show anywhere.
struct Case {
    name: &'static str,
    trace: &'static str,
    args: &'static [&'static str],
    stdin: Option<&'static str>,
    pins: &'static [&'static str],
    expect: fn(&[Exchange], usize, &Fault) -> Outcome,
    /// Whether the stdout of a successful run is whole (args given to tell text from JSON).
    valid_output: fn(&[&str], &str) -> bool,
    /// The faults injected at each step.
    faults: fn() -> Vec<Fault>,
    /// Whether the command reports a failure on stdout, where the words of a stop are looked
    /// for (`readers` and `doctor` report a failed probe in their output), not on stderr.
    reports_on_stdout: bool,
}

/// The row labels of the four PINs in `status`'s table, English and Japanese.
const PIN_ROWS: [(&str, &str); 4] = [
    ("Signature password (sign)", "署名用電子証明書のパスワード"),
    (
        "User authentication PIN (auth)",
        "利用者証明用電子証明書の暗証番号",
    ),
    ("Resident registry PIN (juki)", "住民基本台帳用暗証番号"),
    (
        "Card info input support PIN (kenhojo)",
        "券面事項入力補助用暗証番号",
    ),
];

/// `status` prints the reader (plain status: the card kind and the certificate too), a header
/// and one row per PIN with its tries (`n/m`, or `-`), then advice when a PIN needs it; or one
/// JSON object with four PINs.
fn status_output(args: &[&str], stdout: &str) -> bool {
    if args.contains(&"--json") {
        return serde_json::from_str::<serde_json::Value>(stdout)
            .is_ok_and(|v| v["pins"].as_array().is_some_and(|p| p.len() == 4));
    }
    PIN_ROWS.iter().all(|(en, ja)| {
        let rows: Vec<&str> = stdout
            .lines()
            .filter(|l| l.starts_with(en) || l.starts_with(ja))
            .collect();
        rows.len() == 1 && (rows[0].contains('/') || rows[0].contains(" - "))
    })
}

/// `readers` prints one row per reader (a replay is one reader), or one JSON object listing
/// them.
fn readers_output(args: &[&str], stdout: &str) -> bool {
    if args.contains(&"--json") {
        return serde_json::from_str::<Value>(stdout)
            .is_ok_and(|v| v["readers"].as_array().is_some_and(|r| r.len() == 1));
    }
    let lines: Vec<&str> = stdout.lines().collect();
    lines.len() == 1 && lines[0].starts_with("0  ") && lines[0].ends_with("card present")
}

/// `doctor` prints one line per check (OK, or FAIL and its fix on the next line), or one JSON
/// object with `ok` and the checks.
fn doctor_output(args: &[&str], stdout: &str) -> bool {
    if args.contains(&"--json") {
        return serde_json::from_str::<Value>(stdout)
            .is_ok_and(|v| v["ok"].is_boolean() && v["checks"].as_array().is_some());
    }
    let lines: Vec<&str> = stdout.lines().collect();
    lines.len() >= 4
        && lines.iter().all(|l| {
            ["OK    ", "FAIL  ", "      → ", "NOTE  "]
                .iter()
                .any(|p| l.starts_with(p))
        })
}

/// The JSON object a command prints when it fails before it has a report (docs/json.md).
fn failure_object(stdout: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(stdout)
        .is_ok_and(|v| v["schema_version"] == 1 && v["error"].is_object() && v["pins"].is_null())
}

fn cases() -> Vec<Case> {
    let status = |name, trace, args| Case {
        name,
        trace,
        args,
        stdin: None,
        pins: &[],
        expect: status_outcome,
        valid_output: status_output,
        faults: Fault::catalogue,
        reports_on_stdout: false,
    };
    let plain_status = |name, args| Case {
        expect: plain_status_outcome,
        ..status(name, "card/my-number-card.trace", args)
    };
    let probe = |name, args, expect, valid_output| Case {
        name,
        trace: "card/probe-my-number-card.trace",
        args,
        stdin: None,
        pins: &[],
        expect,
        valid_output,
        faults: Fault::catalogue,
        reports_on_stdout: true,
    };
    let change = |name, trace, args, stdin, pins| Case {
        name,
        trace,
        args,
        stdin: Some(stdin),
        pins,
        expect: change_pin_outcome,
        valid_output: change_pin_output,
        faults: change_pin_faults,
        reports_on_stdout: false,
    };
    let verify = |name, trace, args, stdin, pins| Case {
        name,
        trace,
        args,
        stdin: Some(stdin),
        pins,
        expect: verify_pin_outcome,
        valid_output: verify_pin_output,
        faults: change_pin_faults,
        reports_on_stdout: false,
    };
    vec![
        status(
            "status --pins-only",
            "status/fresh.trace",
            &["status", "--pins-only"],
        ),
        status(
            "status --pins-only, ja",
            "status/fresh.trace",
            &["--lang", "ja", "status", "--pins-only"],
        ),
        status(
            "status --pins-only --json",
            "status/fresh.trace",
            &["--json", "status", "--pins-only"],
        ),
        status(
            "status --pins-only --json, tries used",
            "status/some-tries-used.trace",
            &["--json", "status", "--pins-only"],
        ),
        status(
            "status --pins-only --json, locked 69 83",
            "status/locked-6983.trace",
            &["--json", "status", "--pins-only"],
        ),
        status(
            "status --pins-only --json, neither juki application",
            "status/no-juki-application.trace",
            &["--json", "status", "--pins-only"],
        ),
        status(
            "status --pins-only --json, no kenhojo application",
            "status/no-kenhojo-application.trace",
            &["--json", "status", "--pins-only"],
        ),
        status(
            "status --pins-only --json, sign not issued",
            "status/sign-not-issued.trace",
            &["--json", "status", "--pins-only"],
        ),
        status(
            "status --pins-only --json, juki counters differ",
            "status/juki-counters-differ.trace",
            &["--json", "status", "--pins-only"],
        ),
        status(
            "status --pins-only --json, no 住基 AP",
            "status/no-juki-ap.trace",
            &["--json", "status", "--pins-only"],
        ),
        status(
            "status --pins-only --json, no 共通 AP",
            "status/no-common-ap.trace",
            &["--json", "status", "--pins-only"],
        ),
        // Plain status: the token and the auth certificate are read before the counters.
        plain_status("status", &["status"]),
        plain_status("status --json", &["--json", "status"]),
        probe(
            "readers",
            &["readers"],
            readers_text_outcome,
            readers_output,
        ),
        probe(
            "readers --json",
            &["--json", "readers"],
            readers_json_outcome,
            readers_output,
        ),
        probe("doctor", &["doctor"], doctor_outcome, doctor_output),
        probe(
            "doctor --json",
            &["--json", "doctor"],
            doctor_outcome,
            doctor_output,
        ),
        change(
            "change-pin sign",
            "change-pin/success-sign.trace",
            &["--json", "change-pin", "--stdin", "sign"],
            // Both 8 characters: the trace's VERIFY and CHANGE carry Lc 08.
            "kq7zx93w\npz5nq2vh\n",
            &["kq7zx93w", "KQ7ZX93W", "pz5nq2vh", "PZ5NQ2VH"],
        ),
        change(
            "change-pin auth",
            "change-pin/success-auth.trace",
            &["--json", "change-pin", "--stdin", "auth"],
            FOUR_DIGIT_STDIN,
            FOUR_DIGIT_PINS,
        ),
        change(
            "change-pin juki",
            "change-pin/success-juki.trace",
            &["--json", "change-pin", "--stdin", "--experimental", "juki"],
            FOUR_DIGIT_STDIN,
            FOUR_DIGIT_PINS,
        ),
        change(
            "change-pin juki, text",
            "change-pin/success-juki.trace",
            &["change-pin", "--stdin", "--experimental", "juki"],
            FOUR_DIGIT_STDIN,
            FOUR_DIGIT_PINS,
        ),
        change(
            "change-pin kenhojo",
            "change-pin/success-kenhojo.trace",
            &["--json", "change-pin", "--stdin", "kenhojo"],
            FOUR_DIGIT_STDIN,
            FOUR_DIGIT_PINS,
        ),
        change(
            "change-pin juki kenhojo auth",
            "change-pin/juki-kenhojo-auth.trace",
            &[
                "--json",
                "change-pin",
                "--stdin",
                "--experimental",
                "juki",
                "kenhojo",
                "auth",
            ],
            FOUR_DIGIT_STDIN,
            FOUR_DIGIT_PINS,
        ),
        change(
            "change-pin juki kenhojo auth, text",
            "change-pin/juki-kenhojo-auth.trace",
            &[
                "change-pin",
                "--stdin",
                "--experimental",
                "juki",
                "kenhojo",
                "auth",
            ],
            FOUR_DIGIT_STDIN,
            FOUR_DIGIT_PINS,
        ),
        verify(
            "verify-pin auth",
            "verify-pin/success-auth.trace",
            &["--json", "verify-pin", "--stdin", "auth"],
            "4821\n",
            FOUR_DIGIT_PINS,
        ),
        verify(
            "verify-pin auth, text",
            "verify-pin/success-auth.trace",
            &["verify-pin", "--stdin", "auth"],
            "4821\n",
            FOUR_DIGIT_PINS,
        ),
        verify(
            "verify-pin sign",
            "verify-pin/success-sign.trace",
            &["--json", "verify-pin", "--stdin", "sign"],
            "kq7zx93w\n",
            &["kq7zx93w", "KQ7ZX93W"],
        ),
        verify(
            "verify-pin juki",
            "verify-pin/success-juki.trace",
            &["--json", "verify-pin", "--stdin", "--experimental", "juki"],
            "4821\n",
            FOUR_DIGIT_PINS,
        ),
        verify(
            "verify-pin juki, text",
            "verify-pin/success-juki.trace",
            &["verify-pin", "--stdin", "--experimental", "juki"],
            "4821\n",
            FOUR_DIGIT_PINS,
        ),
    ]
}

/// The 4-digit PINs of the change-pin cases, current then new: values used nowhere else.
const FOUR_DIGIT_STDIN: &str = "4821\n7390\n";
const FOUR_DIGIT_PINS: &[&str] = &["4821", "7390"];

/// `change-pin` prints one line per PIN named (a partly changed one followed by a line per key
/// reference), or one JSON object with an entry per PIN.
fn change_pin_output(args: &[&str], stdout: &str) -> bool {
    let named = args
        .iter()
        .filter(|a| ["sign", "auth", "juki", "kenhojo"].contains(a))
        .count();
    if args.contains(&"--json") {
        serde_json::from_str::<Value>(stdout)
            .is_ok_and(|v| v["pins"].as_array().is_some_and(|p| p.len() == named))
    } else {
        // The PINs' lines, before the advice that may follow an empty line.
        let lines: Vec<&str> = stdout.lines().take_while(|l| !l.is_empty()).collect();
        let pins = lines.iter().filter(|l| !l.starts_with("  ")).count();
        pins == named && lines.iter().all(|l| l.contains(": "))
    }
}

/// `verify-pin` prints the PIN's line first (then its key references, then advice), or one
/// JSON object with one entry.
fn verify_pin_output(args: &[&str], stdout: &str) -> bool {
    if args.contains(&"--json") {
        serde_json::from_str::<Value>(stdout)
            .is_ok_and(|v| v["pins"].as_array().is_some_and(|p| p.len() == 1))
    } else {
        stdout
            .lines()
            .next()
            .is_some_and(|l| l.contains(": ") && !l.starts_with(' '))
    }
}

/// The catalogue, plus the counter answers the guard acts on and a wrong-PIN answer, so the
/// rules for 13, 14 and 15 are exercised at every step too.
fn change_pin_faults() -> Vec<Fault> {
    let mut faults = Fault::catalogue();
    faults.extend([0x63C0, 0x6983, 0x6984, 0x63C1, 0x63C2].map(Fault::status));
    faults
}

// ---------------------------------------------------------------------------------------------
// What the commands are, read from their bytes

fn bytes_of(exchange: &Exchange) -> Vec<u8> {
    exchange.command.0.iter().map(|b| b.unwrap_or(0)).collect()
}

const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

fn is_select_application(e: &Exchange) -> bool {
    bytes_of(e).starts_with(&[0x00, 0xA4, 0x04])
}

fn is_select_file(e: &Exchange) -> bool {
    bytes_of(e).starts_with(&[0x00, 0xA4, 0x02])
}

fn is_read_counter(e: &Exchange) -> bool {
    bytes_of(e) == [0x00, 0x20, 0x00, 0x80]
}

/// The PIN a SELECT of an EF or an application (other than JPKI) is about.
fn pin_selected_by(e: &Exchange) -> Option<&'static str> {
    let b = bytes_of(e);
    match b.as_slice() {
        [0x00, 0xA4, 0x02, _, 0x02, 0x00, 0x1B] => Some("sign"),
        [0x00, 0xA4, 0x02, _, 0x02, 0x00, 0x18] => Some("auth"),
        [0x00, 0xA4, 0x02, _, 0x02, 0x00, 0x1C] => Some("juki"),
        [0x00, 0xA4, 0x02, _, 0x02, 0x00, 0x11] => Some("kenhojo"),
        [0x00, 0xA4, 0x04, _, 0x0A, .., 0x04, 0x01] => Some("juki"),
        [0x00, 0xA4, 0x04, _, 0x0A, .., 0x01, 0x00] => Some("juki"),
        [0x00, 0xA4, 0x04, _, 0x0A, .., 0x04, 0x08] => Some("kenhojo"),
        _ => None,
    }
}

fn due_sw(e: &Exchange) -> Option<u16> {
    match &e.answer {
        Answer::Bytes(b) if b.len() >= 2 => {
            Some(u16::from_be_bytes([b[b.len() - 2], b[b.len() - 1]]))
        }
        _ => None,
    }
}

/// The state `status` shows for a PIN whose SELECT or counter read got `sw` (written here from
/// docs/protocol.md, not taken from the library).
fn state_after(sw: u16, probe: bool) -> &'static str {
    match sw {
        0x6A82 => "not_issued",
        0x6983 | 0x6984 | 0x63C0 if probe => "locked",
        0x63C1 if probe => "last_try",
        0x63C2..=0x63CF if probe => "ok",
        _ => "error",
    }
}

// ---------------------------------------------------------------------------------------------
// Expectations

/// Removed or reset: stderr says which (in English or Japanese: the "status ja" case).
fn gone(fault: &Fault) -> Vec<String> {
    words(&[if *fault == Fault::Removed {
        "removed|取り外されました"
    } else {
        "reset|リセットされました"
    }])
}

const MALFORMED: &[&str] = &["malformed|応答が壊れています"];
const NOT_MY_NUMBER: &str = "not a my number card|マイナンバーカードではありません";

/// A stop with no JSON facts to check.
fn stop(exit: i32, says: Vec<String>) -> Outcome {
    Outcome::Stop {
        exit,
        says,
        facts: Vec::new(),
    }
}

/// Go on with the whole rest of the base exchange.
fn go_on(facts: Vec<Fact>) -> Outcome {
    Outcome::Continue {
        skip: 0,
        exit: 0,
        facts,
    }
}

/// The status word a fault answers, or `None` for a lost card or an answer without one.
fn fault_sw(fault: &Fault) -> Option<u16> {
    match fault {
        Fault::Answer(bytes) if bytes.len() >= 2 => Some(u16::from_be_bytes([bytes[0], bytes[1]])),
        _ => None,
    }
}

/// The application a step of a counter exchange is in: the last SELECT of an application at or
/// before it.
fn application_of(base: &[Exchange], k: usize) -> Option<usize> {
    (0..=k).rev().find(|&i| is_select_application(&base[i]))
}

/// Which of the juki PIN's key references a SELECT of an application names: 0 for the 住基 AP,
/// 1 for the 共通 AP.
fn juki_key_of(e: &Exchange) -> Option<usize> {
    match bytes_of(e).as_slice() {
        [0x00, 0xA4, 0x04, _, 0x0A, .., 0x04, 0x01] => Some(0),
        [0x00, 0xA4, 0x04, _, 0x0A, .., 0x01, 0x00] => Some(1),
        _ => None,
    }
}

/// A key reference's counter as `status` reads it: its state word and tries, written here from
/// docs/protocol.md.
#[derive(Debug, Clone, Copy, PartialEq)]
struct KeyState {
    state: &'static str,
    tries: Option<u16>,
}

fn key_state(sw: u16, probe: bool) -> KeyState {
    let state = state_after(sw, probe);
    let tries = match state {
        "ok" | "last_try" => Some(sw & 0x0F),
        "locked" => Some(0),
        _ => None,
    };
    KeyState { state, tries }
}

/// The juki key reference `key`'s counter in the base trace.
fn juki_key_in_base(base: &[Exchange], key: usize) -> KeyState {
    let Some(select) = base.iter().position(|e| juki_key_of(e) == Some(key)) else {
        return key_state(0x6A82, false);
    };
    if due_sw(&base[select]) != Some(0x9000) {
        return key_state(due_sw(&base[select]).unwrap_or(0), false);
    }
    if due_sw(&base[select + 1]) != Some(0x9000) {
        return key_state(due_sw(&base[select + 1]).unwrap_or(0), false);
    }
    key_state(due_sw(&base[select + 2]).unwrap_or(0), true)
}

/// The juki PIN's state from its two key references (docs/protocol.md: the lower): locked beats
/// everything, then an unreadable one, then the smaller number; one not on the card leaves
/// the other alone.
fn lower_of(a: KeyState, b: KeyState) -> &'static str {
    let states = [a.state, b.state];
    if states.contains(&"locked") {
        return "locked";
    }
    if states.contains(&"error") {
        return "error";
    }
    match [a.tries, b.tries].into_iter().flatten().min() {
        None => "not_issued",
        Some(1) => "last_try",
        Some(_) => "ok",
    }
}

/// What `status` must show for the PIN a faulted step is about: its state, and for the juki
/// PIN the key reference's own state and the lower of the two.
fn state_facts(base: &[Exchange], k: usize, pin: &'static str, now: KeyState) -> Vec<Fact> {
    let Some(key) = application_of(base, k).and_then(|a| juki_key_of(&base[a])) else {
        return vec![pin_is(pin, "/state", now.state)];
    };
    let other = juki_key_in_base(base, 1 - key);
    let pointer = if key == 0 {
        "/key_refs/0/state"
    } else {
        "/key_refs/1/state"
    };
    vec![
        pin_is("juki", pointer, now.state),
        pin_is("juki", "/state", lower_of(now, other)),
    ]
}

/// `status`: a lost card stops it, and so does an answer too short to hold a status word to
/// SELECT of the JPKI application; any other answer (a status word, or none, at another step)
/// only costs the key reference it was about, and the exchange goes on.
fn status_outcome(base: &[Exchange], k: usize, fault: &Fault) -> Outcome {
    let step = &base[k];
    let sw = match fault {
        Fault::Removed | Fault::Reset => return stop(9, gone(fault)),
        Fault::Answer(bytes)
            if bytes.len() < 2
                && is_select_application(step)
                && bytes_of(step)[5..].starts_with(&JPKI_AID) =>
        {
            return stop(12, words(MALFORMED))
        }
        // No status word: unreadable, as a status word jpki does not know.
        Fault::Answer(bytes) if bytes.len() < 2 => 0x6F00,
        // Only the status word counts; extra data changes nothing.
        Fault::Padded(_) => return go_on(Vec::new()),
        Fault::Answer(bytes) => u16::from_be_bytes([bytes[0], bytes[1]]),
    };
    let due = due_sw(step);
    if is_select_application(step) && bytes_of(step)[5..].starts_with(&JPKI_AID) {
        return stop(8, words(&[NOT_MY_NUMBER]));
    }
    let now_succeeds = sw == 0x9000 && due != Some(0x9000);
    if is_select_application(step) {
        if now_succeeds {
            return Outcome::Proceeds;
        }
        // Its PINs' SELECT and counter read are skipped, up to the next application.
        let skip = base[k + 1..]
            .iter()
            .take_while(|e| !is_select_application(e))
            .count();
        let pin = pin_selected_by(step).expect("a known application");
        return Outcome::Continue {
            skip,
            exit: 0,
            facts: state_facts(base, k, pin, key_state(sw, false)),
        };
    }
    if is_select_file(step) {
        if now_succeeds {
            return Outcome::Proceeds;
        }
        let pin = pin_selected_by(step).expect("a known PIN file");
        // Its counter read is skipped (the base has none when its SELECT was due to fail).
        let skip = base[k + 1..]
            .iter()
            .take_while(|e| is_read_counter(e))
            .count();
        return Outcome::Continue {
            skip,
            exit: 0,
            facts: state_facts(base, k, pin, key_state(sw, false)),
        };
    }
    // The counter read: the PIN is the one its SELECT named.
    let pin = pin_selected_by(&base[k - 1]).expect("a counter read follows its SELECT");
    go_on(state_facts(base, k, pin, key_state(sw, true)))
}
fn is_read_binary(e: &Exchange) -> bool {
    bytes_of(e).starts_with(&[0x00, 0xB0])
}

/// The EF a SELECT of a file names.
fn file_selected_by(e: &Exchange) -> Option<[u8; 2]> {
    match bytes_of(e).as_slice() {
        [0x00, 0xA4, 0x02, _, 0x02, hi, lo] => Some([*hi, *lo]),
        _ => None,
    }
}

const TOKEN_EF: [u8; 2] = [0x00, 0x06];
const AUTH_CERTIFICATE_EF: [u8; 2] = [0x00, 0x0A];

/// The data EF (token or auth certificate) whose SELECT or READ BINARY step `k` is, and the
/// index of that SELECT.
fn data_file_step(base: &[Exchange], k: usize) -> Option<([u8; 2], usize)> {
    let select = (0..=k).rev().find(|&i| !is_read_binary(&base[i]))?;
    let ef = file_selected_by(&base[select])?;
    [TOKEN_EF, AUTH_CERTIFICATE_EF]
        .contains(&ef)
        .then_some((ef, select))
}

/// Plain `status`: the token and the auth certificate are extras. Whatever the card answers to
/// them (a refusal, a lie, an answer without a status word) is reported in their JSON fields and
/// the counters are read all the same (exit 0, docs/exit-codes.md); only a lost card stops it.
/// Extra bytes beyond what a READ BINARY asked for are dropped, as the certificate reader
/// documents, so 300 extra bytes change nothing. Steps outside the extras follow `status`.
fn plain_status_outcome(base: &[Exchange], k: usize, fault: &Fault) -> Outcome {
    let Some((ef, select)) = data_file_step(base, k) else {
        return status_outcome(base, k, fault);
    };
    if matches!(fault, Fault::Removed | Fault::Reset) {
        return stop(9, gone(fault));
    }
    let sw = fault_sw(fault);
    // A failed step ends this file's reads: the READ BINARYs left for it are not sent.
    let skip = base[k + 1..]
        .iter()
        .take_while(|e| is_read_binary(e))
        .count();
    // The counters are read all the same.
    let mut facts: Vec<Fact> = ["sign", "auth", "juki", "kenhojo"]
        .map(|id| pin_is(id, "/state", "ok"))
        .into();
    if matches!(fault, Fault::Padded(_)) {
        facts.extend([
            top_is("/card_kind", "my_number_card"),
            top_is("/auth_certificate/state", "valid"),
        ]);
        return go_on(facts);
    }
    if ef == TOKEN_EF {
        // 90 00 with no data is an empty token, which names no kind jpki knows.
        let (kind, token) = match sw {
            Some(0x9000) => ("not_jpki", json!("")),
            _ => ("unreadable", Value::Null),
        };
        facts.extend([
            top_is("/card_kind", kind),
            top_is("/token", token),
            // The token's failure does not keep the certificate from being read.
            top_is("/auth_certificate/state", "valid"),
        ]);
    } else {
        // 90 00 with no data: the header read gets no header, a later chunk no bytes.
        let problem = match sw {
            Some(0x9000) if k == select + 1 => "bad_header",
            Some(0x9000) => "truncated",
            Some(_) => "refused",
            None => "malformed",
        };
        facts.extend([
            top_is("/card_kind", "my_number_card"),
            top_is("/auth_certificate/error", problem),
        ]);
        if let Some(sw) = sw.filter(|sw| *sw != 0x9000) {
            facts.push(top_is("/auth_certificate/sw", format!("{sw:04X}")));
        }
    }
    Outcome::Continue {
        skip,
        exit: 0,
        facts,
    }
}

/// What a faulted probe (`readers`, `doctor`: SELECT JPKI AP, SELECT token EF, READ BINARY of
/// the token) must end in: `Err(words)` when the probe fails and sends nothing more (a lost
/// card, an answer without a status word or another status word to the SELECT of the JPKI AP:
/// not a My Number card), or `Ok((skip, kind))` when it reads on and reports the card kind the
/// token rules give (as for plain `status`): the READ BINARY skipped after a failed SELECT,
/// `unreadable` for a refusal or an answer without a status word, `not_jpki` for 90 00 with no
/// token, extra bytes ignored past Le.
fn probe_result(k: usize, fault: &Fault) -> Result<(usize, &'static str), Vec<String>> {
    match fault {
        Fault::Removed | Fault::Reset => return Err(gone(fault)),
        Fault::Padded(_) => return Ok((0, "my_number_card")),
        _ => {}
    }
    let sw = fault_sw(fault);
    if k == 0 {
        return Err(match sw {
            None => words(&["malformed"]),
            Some(_) => words(&["not a my number card"]),
        });
    }
    Ok(match (k, sw) {
        (1, _) => (1, "unreadable"),
        (_, Some(0x9000)) => (0, "not_jpki"),
        _ => (0, "unreadable"),
    })
}

/// `readers --json`: the probe's failure is reported on its reader (`probe_error`, no
/// `card_kind`), never fatal: exit 0 whatever the card does.
fn readers_json_outcome(_: &[Exchange], k: usize, fault: &Fault) -> Outcome {
    match probe_result(k, fault) {
        Err(says) => Outcome::Stop {
            exit: 0,
            says,
            facts: vec![top_is("/readers/0/card_kind", Value::Null)],
        },
        Ok((skip, kind)) => Outcome::Continue {
            skip,
            exit: 0,
            facts: vec![top_is("/readers/0/card_kind", kind)],
        },
    }
}

/// `readers`: as with `--json`; the table says "unknown kind" only for a card without the JPKI
/// application, and "not read" with the reason for any other failed probe.
fn readers_text_outcome(base: &[Exchange], k: usize, fault: &Fault) -> Outcome {
    match readers_json_outcome(base, k, fault) {
        Outcome::Stop { exit, says, facts } => Outcome::Stop {
            exit,
            says: if says[0].contains("not a my number card") {
                words(&["unknown kind"])
            } else {
                words(&["not read"]).into_iter().chain(says).collect()
            },
            facts,
        },
        other => other,
    }
}

/// `doctor`: a failed probe fails the `jpki_application` check with the reason and a fix, a
/// token that names no JPKI card it knows fails the `token` check; either is exit 19
/// (docs/exit-codes.md). Extra bytes change nothing: exit 0.
fn doctor_outcome(_: &[Exchange], k: usize, fault: &Fault) -> Outcome {
    match probe_result(k, fault) {
        Err(mut says) => {
            says.push(
                if says[0].contains("not a my number card") {
                    "does not look like a my number card"
                } else {
                    "put the card back on the reader"
                }
                .to_string(),
            );
            Outcome::Stop {
                exit: 19,
                says,
                facts: vec![
                    top_is("/ok", false),
                    top_is("/checks/3/id", "jpki_application"),
                    top_is("/checks/3/ok", false),
                ],
            }
        }
        Ok((_, "my_number_card")) => go_on(vec![top_is("/ok", true)]),
        Ok((skip, _)) => Outcome::Continue {
            skip,
            exit: 19,
            facts: vec![
                top_is("/ok", false),
                top_is("/checks/4/id", "token"),
                top_is("/checks/4/ok", false),
            ],
        },
    }
}

fn is_pin_verify(e: &Exchange) -> bool {
    bytes_of(e).len() > 4 && bytes_of(e).starts_with(&[0x00, 0x20])
}

/// CHANGE REFERENCE DATA (00 24) or CHANGE KEY (80 32).
fn is_change(e: &Exchange) -> bool {
    let b = bytes_of(e);
    b.starts_with(&[0x00, 0x24]) || b.starts_with(&[0x80, 0x32])
}

/// One key reference of a change-pin or verify-pin base trace: its PIN, where its guard (SELECT
/// AP, SELECT EF, counter) sits, and where its act (SELECT AP and EF when selected again,
/// VERIFY, then the change command of a change) starts.
#[derive(Debug, Clone)]
struct Key {
    pin: &'static str,
    /// Its place among its PIN's key references (the juki PIN has two).
    nth: usize,
    guard: usize,
    act: usize,
    reselects: bool,
    changes: bool,
}

impl Key {
    /// The index of its VERIFY with the PIN.
    fn verify(&self) -> usize {
        self.act + if self.reselects { 2 } else { 0 }
    }
}

/// The key references of a base trace, read from its two phases (docs/protocol.md, "Changing
/// a PIN"): the guard's triples first, then one act per key reference in the same order.
fn plan(base: &[Exchange]) -> Vec<Key> {
    let mut keys: Vec<Key> = Vec::new();
    let mut i = 0;
    while i + 2 < base.len()
        && is_select_application(&base[i])
        && is_select_file(&base[i + 1])
        && is_read_counter(&base[i + 2])
    {
        let pin = pin_selected_by(&base[i + 1]).expect("a PIN EF");
        let nth = keys.iter().filter(|k| k.pin == pin).count();
        keys.push(Key {
            pin,
            nth,
            guard: i,
            act: 0,
            reselects: false,
            changes: false,
        });
        i += 3;
    }
    for key in &mut keys {
        key.act = i;
        key.reselects = is_select_application(&base[i]);
        i = key.verify() + 1;
        key.changes = base.get(i).is_some_and(is_change);
        if key.changes {
            i += 1;
        }
    }
    assert_eq!(
        i,
        base.len(),
        "the base trace is a guard and an act per key reference"
    );
    keys
}

/// The PINs of a plan, in order.
fn pins_of(keys: &[Key]) -> Vec<&'static str> {
    let mut pins: Vec<&'static str> = Vec::new();
    for key in keys {
        if !pins.contains(&key.pin) {
            pins.push(key.pin);
        }
    }
    pins
}

/// The base exchanges jpki sends after its guard found key reference `absent` not on the card
/// at step `k`: the rest of the guard, then the act of every other key reference, selecting
/// again only when another EF was selected last (a failed SELECT leaves none selected).
fn sent_without(base: &[Exchange], keys: &[Key], absent: usize, k: usize) -> Vec<usize> {
    let mut sent: Vec<usize> = (k + 1..keys[absent].guard + 3)
        .filter(|&i| i < base.len() && !is_read_counter(&base[i]) && !is_select_file(&base[i]))
        .collect();
    for key in &keys[absent + 1..] {
        sent.extend(key.guard..key.guard + 3);
    }
    let mut selected = (absent != keys.len() - 1).then_some(keys.len() - 1);
    for (j, key) in keys.iter().enumerate().filter(|(j, _)| *j != absent) {
        if selected != Some(j) {
            sent.extend([key.guard, key.guard + 1]);
        }
        selected = Some(j);
        sent.push(key.verify());
        if key.changes {
            sent.push(key.verify() + 1);
        }
    }
    sent
}

/// Which command a base trace is of.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PinRun {
    Change,
    Verify,
}

/// The JSON facts of a run stopped at PIN `at` with `result` and the flag `changed` (change)
/// or `verified` (verify). In a change, the PINs before it changed when the stop came after
/// the guard, and none did when the guard refused; the later ones were not attempted.
fn stop_facts(
    run: PinRun,
    pins: &[&'static str],
    at: usize,
    after_guard: bool,
    result: &'static str,
    flag: Value,
) -> Vec<Fact> {
    if run == PinRun::Verify {
        return vec![
            pin_is(pins[at], "/result", result),
            pin_is(pins[at], "/verified", flag),
        ];
    }
    let mut facts = Vec::new();
    for (i, id) in pins.iter().enumerate() {
        let (result, changed) = match i.cmp(&at) {
            std::cmp::Ordering::Less if after_guard => ("changed", json!(true)),
            std::cmp::Ordering::Equal => (result, flag.clone()),
            _ => ("not_attempted", json!(false)),
        };
        facts.push(pin_is(id, "/result", result));
        facts.push(pin_is(id, "/changed", changed));
    }
    facts
}

/// Every PIN done: changed, or verified.
fn all_done(run: PinRun, pins: &[&'static str]) -> Vec<Fact> {
    pins.iter()
        .flat_map(|id| match run {
            PinRun::Change => [
                pin_is(id, "/result", "changed"),
                pin_is(id, "/changed", true),
            ],
            PinRun::Verify => [
                pin_is(id, "/result", "verified"),
                pin_is(id, "/verified", true),
            ],
        })
        .collect()
}

/// `change-pin --stdin`, from the card-protection rules and docs/exit-codes.md.
fn change_pin_outcome(base: &[Exchange], k: usize, fault: &Fault) -> Outcome {
    pin_run_outcome(PinRun::Change, base, k, fault)
}

/// `verify-pin --stdin`: the same rules without a change command.
fn verify_pin_outcome(base: &[Exchange], k: usize, fault: &Fault) -> Outcome {
    pin_run_outcome(PinRun::Verify, base, k, fault)
}

/// `change-pin` and `verify-pin`, from the card-protection rules and docs/exit-codes.md:
///
/// - the guard (SELECT AP, SELECT EF, counter read of every key reference, before any PIN is
///   sent): a lost card is exit 9; 6A 82 on the JPKI AP means "not a My Number card" (8); 6A 82
///   on another application, its EF or its counter read means that key reference is not on the
///   card: a PIN with another key reference (juki) goes on with it, else exit 17; a locked
///   counter (63 C0, 69 83, 69 84) is 15; one try left is 14; two or more go on; any other
///   answer, or one without a status word, is 12. In every one of these no PIN is sent and
///   nothing changes.
/// - the act (SELECT AP and EF again, VERIFY carrying the PIN, then the change command): a
///   SELECT answering anything but 90 00 is 12 (a lost card 9); at or after the VERIFY a lost
///   card, or an answer without a status word, is 16 (the try may have been counted; run `jpki
///   status`). 63 Cx to the VERIFY is a wrong PIN (13), 69 83 / 69 84 locked (15), any other
///   status word 12; to the change command, anything but 90 00 is a refusal (12).
/// - a change stopped at the juki PIN's second key reference, the first having taken the new
///   PIN, is partly changed: exit 21, whatever stopped it.
/// - 300 extra bytes before the status word change nothing: the run goes on and succeeds.
///
/// After a stop the faulted trace ends, so any retry of a PIN-bearing command (or any command at
/// all) runs past its end and fails the replay with exit 11, never the expected code: that is how
/// "never retry a command that carries a PIN" is proven here.
fn pin_run_outcome(run: PinRun, base: &[Exchange], k: usize, fault: &Fault) -> Outcome {
    let keys = plan(base);
    let pins = pins_of(&keys);
    if matches!(fault, Fault::Padded(_)) {
        return go_on(all_done(run, &pins));
    }
    let step = &base[k];
    let in_guard = k < keys[0].act;
    let j = if in_guard {
        keys.iter().rposition(|key| key.guard <= k)
    } else {
        keys.iter().rposition(|key| key.act <= k)
    }
    .expect("a key reference's step");
    let key = &keys[j];
    let at = pins.iter().position(|p| *p == key.pin).expect("its PIN");
    let partly = run == PinRun::Change && !in_guard && key.nth > 0;
    let ends = |exit: i32, says: &[&str], result: &'static str, flag: Value| {
        if partly {
            let mut said = words(says);
            said.push("only partly changed".to_string());
            return Outcome::Stop {
                exit: 21,
                says: said,
                facts: stop_facts(run, &pins, at, true, "partly_changed", Value::Null),
            };
        }
        Outcome::Stop {
            exit,
            says: words(says),
            facts: stop_facts(run, &pins, at, !in_guard, result, flag),
        }
    };
    let with_tries = |mut outcome: Outcome, tries: Value| {
        if let Outcome::Stop { facts, .. } = &mut outcome {
            facts.push(pin_is(pins[at], "/tries_left", tries));
        }
        outcome
    };
    // A key reference found missing: the PIN's other one carries the run, if it has one.
    let absent = || {
        if keys.iter().filter(|other| other.pin == key.pin).count() == 1 {
            return ends(17, &["this card has no"], "not_issued", json!(false));
        }
        let mut facts = all_done(run, &pins);
        let pointer = if key.nth == 0 {
            "/key_refs/0/result"
        } else {
            "/key_refs/1/result"
        };
        facts.push(pin_is(key.pin, pointer, "not_on_card"));
        Outcome::ContinueWith {
            rest: sent_without(base, &keys, j, k),
            exit: 0,
            facts,
        }
    };
    let pin_sent = is_pin_verify(step) || is_change(step);
    let Some(sw) = fault_sw(fault) else {
        return match (fault, pin_sent) {
            (Fault::Removed | Fault::Reset, false) => {
                ends(9, &gone_words(fault), "error", json!(false))
            }
            (_, false) => ends(12, MALFORMED, "error", json!(false)),
            (_, true) => ends(
                16,
                &["may have been counted", "jpki status"],
                "outcome_unknown",
                Value::Null,
            ),
        };
    };
    if in_guard {
        let position = k - key.guard;
        // The tries the PIN shows when its guard refused here: 0 when locked; else this key
        // reference's count (the earlier ones of its PIN read 63 C3 in every base), or unknown
        // while a later key reference of the PIN is not read yet.
        let tries = |left: u16| {
            let later_unread = keys[j + 1..].iter().any(|other| other.pin == key.pin);
            if left == 0 || !later_unread {
                json!(left)
            } else {
                Value::Null
            }
        };
        return match (position, sw) {
            (0, _) if bytes_of(step)[5..].starts_with(&JPKI_AID) => {
                ends(8, &[NOT_MY_NUMBER], "error", json!(false))
            }
            (_, 0x6A82) => absent(),
            (0 | 1, _) => ends(12, &["stopped"], "error", json!(false)),
            (_, 0x63C0 | 0x6983 | 0x6984) => with_tries(
                ends(15, &["locked", "no pin was sent"], "locked", json!(false)),
                tries(0),
            ),
            (_, 0x63C1) => with_tries(
                ends(
                    14,
                    &["one try left", "nothing was sent"],
                    "last_try_refused",
                    json!(false),
                ),
                tries(1),
            ),
            (_, 0x63C2..=0x63CF) => go_on(all_done(run, &pins)),
            _ => ends(12, &["stopped"], "error", json!(false)),
        };
    }
    if is_select_application(step) || is_select_file(step) {
        return ends(12, &["stopped"], "error", json!(false));
    }
    if is_pin_verify(step) {
        return match sw {
            0x63C0..=0x63CF => with_tries(
                ends(13, &["is wrong"], "wrong_pin", json!(false)),
                json!(sw & 0xF),
            ),
            0x6983 | 0x6984 => with_tries(ends(15, &["locked"], "locked", json!(false)), json!(0)),
            _ => ends(12, &["stopped"], "error", json!(false)),
        };
    }
    assert!(is_change(step), "a change-pin step: {step:?}");
    ends(12, &["refused the new"], "change_rejected", json!(false))
}

/// The words of a lost card, as plain strings (`gone` lower-cases them already).
fn gone_words(fault: &Fault) -> Vec<&'static str> {
    vec![if *fault == Fault::Removed {
        "removed|取り外されました"
    } else {
        "reset|リセットされました"
    }]
}

// ---------------------------------------------------------------------------------------------
// The harness

/// One injected run: the trace text to replay and what must happen.
struct Run {
    label: String,
    case: usize,
    text: String,
    outcome: Outcome,
    /// The most commands jpki may send: up to the fault when it must stop there.
    most_commands: usize,
}

/// The runs of one case: every step, every fault that differs from the card's own answer.
fn runs_of(index: usize, case: &Case) -> Vec<Run> {
    let base = Trace::load(&trace(case.trace)).unwrap();
    let mut runs = Vec::new();
    for k in 0..base.exchanges.len() {
        let Answer::Bytes(due) = &base.exchanges[k].answer else {
            continue;
        };
        for fault in (case.faults)() {
            let answer = match fault.answer(due) {
                Ok(bytes) if &bytes == due => continue, // not a fault here
                Ok(bytes) => Answer::Bytes(bytes),
                Err(TransportError::CardRemoved) => Answer::Removed,
                Err(TransportError::CardReset) => Answer::Reset,
                Err(other) => panic!("{other}"),
            };
            let outcome = (case.expect)(&base.exchanges, k, &fault);
            let mut exchanges = base.exchanges[..k].to_vec();
            exchanges.push(Exchange {
                answer,
                ..base.exchanges[k].clone()
            });
            match &outcome {
                Outcome::Continue { skip, .. } => exchanges
                    .extend_from_slice(&base.exchanges[(k + 1 + skip).min(base.exchanges.len())..]),
                Outcome::ContinueWith { rest, .. } => {
                    exchanges.extend(rest.iter().map(|&i| base.exchanges[i].clone()))
                }
                // A trap: the faulted command again, answered as the card would have. A retry
                // that jpki then ignored would pass unseen past the trace's end (the replay's
                // complaint swallowed with it); here it is answered, recorded, and counted.
                Outcome::Stop { .. } => exchanges.push(base.exchanges[k].clone()),
                Outcome::Proceeds => {}
            }
            let faulted = Trace {
                exchanges,
                ..base.clone()
            };
            runs.push(Run {
                label: format!("{} | step {} | {fault}", case.name, k + 1),
                case: index,
                most_commands: match outcome {
                    Outcome::Stop { .. } => k + 1,
                    _ => faulted.exchanges.len(),
                },
                text: faulted.to_text(),
                outcome,
            });
        }
    }
    runs
}

/// Run one faulted trace and return what is wrong with the result, if anything.
fn check(run: &Run, case: &Case, documented: &[i32]) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let replayed = dir.path().join("faulted.trace");
    let recorded = dir.path().join("recorded.trace");
    std::fs::write(&replayed, &run.text).unwrap();
    let mut cmd = jpki();
    cmd.arg("--replay")
        .arg(&replayed)
        .arg("--record")
        .arg(&recorded)
        .args(case.args);
    if let Some(stdin) = case.stdin {
        cmd.write_stdin(stdin);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let Some(code) = out.status.code() else {
        return Err(format!("killed by a signal: {:?}\n{stderr}", out.status));
    };
    let shown = format!("exit {code}\nstdout: {stdout}\nstderr: {stderr}");
    if code == 101 || stderr.contains("panicked") {
        return Err(format!("panicked: {shown}"));
    }
    if !documented.contains(&code) {
        return Err(format!("undocumented exit code: {shown}"));
    }
    let written = std::fs::read_to_string(&recorded).unwrap_or_default();
    for (what, text) in [
        ("stdout", &stdout),
        ("stderr", &stderr),
        ("trace", &written),
    ] {
        for pin in case.pins {
            if let Some(form) = leak_of(text, pin) {
                return Err(format!("{what} shows a PIN as {form:?}: {shown}"));
            }
        }
    }
    if !written.is_empty() {
        Trace::parse(&written, "recorded")
            .map_err(|e| format!("recorded trace unreadable: {e}"))?;
    }
    match &run.outcome {
        Outcome::Stop { exit, says, facts } => {
            if code != *exit {
                return Err(format!("expected exit {exit}: {shown}"));
            }
            let lower = if case.reports_on_stdout {
                stdout.to_lowercase()
            } else {
                stderr.to_lowercase()
            };
            let held = |word: &String| word.split('|').any(|w| lower.contains(w));
            if let Some(missing) = says.iter().find(|w| !held(w)) {
                let stream = if case.reports_on_stdout {
                    "stdout"
                } else {
                    "stderr"
                };
                return Err(format!("{stream} does not say {missing:?}: {shown}"));
            }
            // Empty, or whole (a command over several PINs may report those it finished), or
            // with --json the failure object (docs/json.md).
            if !stdout.is_empty()
                && !(case.valid_output)(case.args, &stdout)
                && !failure_object(&stdout)
            {
                return Err(format!("broken output after a failure: {shown}"));
            }
            check_facts(case, facts, &stdout).map_err(|e| format!("{e}: {shown}"))?;
        }
        Outcome::Proceeds => {
            if code != 11 || !stderr.contains("past the end") {
                return Err(format!("expected to go on past the trace's end: {shown}"));
            }
        }
        Outcome::Continue { facts, exit, .. } | Outcome::ContinueWith { facts, exit, .. } => {
            if code != *exit || !stderr.is_empty() || stdout.is_empty() {
                return Err(format!("expected to go on and exit {exit}: {shown}"));
            }
            if !(case.valid_output)(case.args, &stdout) {
                return Err(format!(
                    "the output is not what this command prints: {shown}"
                ));
            }
            check_facts(case, facts, &stdout).map_err(|e| format!("{e}: {shown}"))?;
        }
    }
    // Nothing is sent after a stop (the trap after it stays unused), and nothing more than the
    // trace holds otherwise: in particular no PIN-bearing command is sent again.
    let recorded = Trace::parse(&written, "recorded").map_or(0, |t| t.exchanges.len());
    if recorded > run.most_commands {
        let again = written
            .lines()
            .filter(|l| l.starts_with('>'))
            .nth(run.most_commands);
        return Err(format!(
            "sent {recorded} commands, at most {} allowed; the first one too many: {again:?}\n{shown}",
            run.most_commands
        ));
    }
    Ok(())
}

/// The JSON facts, when the case prints JSON.
fn check_facts(case: &Case, facts: &[Fact], stdout: &str) -> Result<(), String> {
    if !case.args.contains(&"--json") || facts.is_empty() {
        return Ok(());
    }
    let v: Value = serde_json::from_str(stdout).map_err(|e| format!("not JSON ({e})"))?;
    for fact in facts {
        let scope = match fact.pin {
            Some(id) => v["pins"]
                .as_array()
                .and_then(|pins| pins.iter().find(|p| p["id"] == id))
                .ok_or_else(|| format!("no entry for the {id} PIN"))?,
            None => &v,
        };
        let got = scope.pointer(fact.pointer);
        if got != Some(&fact.value) {
            return Err(format!(
                "{}{} should be {}, is {got:?}",
                fact.pin.map(|id| format!("{id} ")).unwrap_or_default(),
                fact.pointer,
                fact.value
            ));
        }
    }
    Ok(())
}

#[test]
fn every_fault_at_every_step_is_handled() {
    let started = Instant::now();
    let cases = cases();
    let documented = documented_exit_codes();
    let runs: Vec<Run> = cases
        .iter()
        .enumerate()
        .flat_map(|(i, c)| runs_of(i, c))
        .collect();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(run) = runs.get(i) else { break };
                if let Err(problem) = check(run, &cases[run.case], &documented) {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("{}\n{problem}", run.label));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    for (i, case) in cases.iter().enumerate() {
        let n = runs.iter().filter(|r| r.case == i).count();
        println!("fault injection: {n:5} runs  {}", case.name);
    }
    println!(
        "fault injection: {} injected runs over {} cases, {} failed, in {:.1} s",
        runs.len(),
        cases.len(),
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {} injected runs failed:\n{}\n\nfirst ones in full:\n\n{}",
        failures.len(),
        runs.len(),
        failures
            .iter()
            .map(|f| f.lines().next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n"),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

/// Runs whose fault fired, told apart: real faults, and "faults" that answered exactly what the
/// card answered (90 00 where 90 00 was due), which spoil nothing and are not counted as faults.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    faults: usize,
    not_faults: usize,
}

impl Tally {
    /// Count a finished run; false when its fault never fired (the run ended before step k).
    fn count(&mut self, counts: &jpki::transport::FaultCounts) -> bool {
        if !counts.fired {
            return false;
        }
        if counts.same_as_card {
            self.not_faults += 1;
        } else {
            self.faults += 1;
        }
        true
    }

    fn add(&mut self, other: Tally) {
        self.faults += other.faults;
        self.not_faults += other.not_faults;
    }

    /// The summary line `--nocapture` shows.
    fn line(&self, what: &str) -> String {
        format!(
            "{what}: {} injected runs ({} more whose fault answered what the card answered: not \
             faults, not counted)",
            self.faults, self.not_faults
        )
    }
}

/// The same faults in process, on the card layer over `FaultInjection`: reading the counters
/// never sends a PIN, never asks the card more than the 14 APDUs, and stops at once when the
/// card is gone.
#[test]
fn status_in_process_never_sends_a_pin_and_stops_when_the_card_is_gone() {
    use jpki::transport::Replay;
    let base = Trace::load(&trace("status/fresh.trace")).unwrap();
    let steps = base.exchanges.len();
    let mut tally = Tally::default();
    for at in 0..steps {
        for fault in Fault::catalogue() {
            let mut card = Layered::new(
                Replay::new(base.clone()),
                FaultInjection::new(at, fault.clone()),
            );
            let result = read_pin_statuses(&mut card);
            let counts = card.layer().counts().clone();
            assert!(
                tally.count(&counts),
                "the fault at step {} never fired",
                at + 1
            );
            let label = format!("step {} | {fault}: {result:?}", at + 1);
            assert_eq!(counts.secrets_sent, 0, "{label}");
            assert!(counts.transmits <= steps, "{label}");
            if matches!(fault, Fault::Removed | Fault::Reset) {
                assert!(result.is_err(), "{label}");
                assert_eq!(counts.transmits, at + 1, "{label}");
            }
        }
    }
    println!("{}", tally.line("in process, status --pins-only"));
    assert_documented(IN_PROCESS_STATUS, tally.faults);
}

// ---------------------------------------------------------------------------------------------
// In process, over the virtual card: what a fault does to the card itself

use jpki::apdu::secret;
use jpki::card::{
    change_pins, precheck, precheck_verify, read_card_report, read_pin_statuses, verify_pin,
    Application, ChangeTargets, KeyReference, Pin, PinChange, PinKind,
};
use jpki::transport::{FaultInjection, Layer, Layered, Transaction};
use jpki_vcard::{CardState, Profile, VirtualCard};

/// The values the virtual card holds, and the other ones typed: none of them may show.
const CARD_FOUR_DIGITS: &str = "4821";
const CARD_PASSWORD: &str = "KQ7ZX93W";
const WRONG_FOUR_DIGITS: &str = "4822";
const WRONG_PASSWORD: &str = "kq7zx93x";
const NEW_FOUR_DIGITS: &str = "7390";
const NEW_PASSWORD: &str = "pz5nq2vh";
const IN_PROCESS_PINS: &[&str] = &[
    "4821", "4822", "7390", "kq7zx93w", "KQ7ZX93W", "kq7zx93x", "KQ7ZX93X", "pz5nq2vh", "PZ5NQ2VH",
];

/// Sits between the fault and the virtual card and notes which PIN-bearing commands reached the
/// card (VERIFY with data, CHANGE REFERENCE DATA, CHANGE KEY), each with the key reference whose
/// application and EF were selected.
#[derive(Default)]
struct Witness {
    seen: Seen,
}

/// The virtual card with the witness over it: the card's own transactions, so it resets after a
/// PIN as a real reader does.
type Watched = Layered<VirtualCard, Witness>;

/// The watched card with a fault over it.
type Faulted = Layered<Watched, FaultInjection>;

#[derive(Default)]
struct Seen {
    application: Option<Application>,
    selected: Option<KeyReference>,
    pin_commands: Vec<(u8, Option<KeyReference>)>,
}

impl Seen {
    fn note(&mut self, command: &[u8]) {
        match command {
            [0x00, 0xA4, 0x04, _, _, aid @ ..] => {
                self.application = Application::ALL.into_iter().find(|a| a.aid() == aid);
                self.selected = None;
            }
            [0x00, 0xA4, 0x02, _, 0x02, hi, lo, ..] => {
                self.selected = KeyReference::ALL
                    .into_iter()
                    .find(|k| Some(k.application) == self.application && k.ef() == [*hi, *lo]);
            }
            [_, ins, ..] if secret::carries_pin(command) => {
                self.pin_commands.push((*ins, self.selected));
            }
            _ => {}
        }
    }

    /// How many commands with one of `ins` carried a PIN to `key`.
    fn count(&self, ins: &[u8], key: KeyReference) -> usize {
        self.pin_commands
            .iter()
            .filter(|(i, k)| ins.contains(i) && *k == Some(key))
            .count()
    }
}

impl Layer for Witness {
    fn transmit(
        &mut self,
        card: &mut dyn Transaction,
        command: &[u8],
    ) -> Result<Vec<u8>, TransportError> {
        self.seen.note(command);
        card.transmit(command)
    }
}

/// An adult's card holding the test values, every counter at `tries` (or its maximum).
fn card_with(tries: Option<u8>) -> CardState {
    let mut state = Profile::Adult.card();
    for (kind, record) in &mut state.pins {
        record.value = match kind.kind {
            PinKind::Sign => CARD_PASSWORD,
            _ => CARD_FOUR_DIGITS,
        }
        .as_bytes()
        .to_vec();
        record.tries_left = tries.unwrap_or(kind.kind.max_tries());
    }
    state
}

/// What one in-process run of a PIN command left to check, beyond the card's counters.
struct Ran {
    /// Every text the run produced that could show a PIN: the report's Debug, the error's
    /// Display and Debug.
    shown: Vec<String>,
    /// Whether the run stopped before any PIN could be sent (an interactive run refused before
    /// the prompt).
    stopped_before_the_prompt: bool,
}

/// The grid every in-process PIN run goes through, for the PINs `kinds`: from counters full,
/// at 2 and at 1; with and without --allow-last-try; with the right and a wrong PIN typed; at
/// every APDU index below `steps`; for every fault of the catalogue, striking after the card
/// heard the command and before. `run` runs the command over the faulted card with the PIN
/// typed and the last try allowed or not. Per run: the card's counters fall by at most one per
/// user entry (one VERIFY per key reference) and never to 0 unless the last try was allowed; a
/// PIN-bearing command reaches a key reference at most once; no change command when
/// `changes` is false; nothing sent when the run stopped before its prompt; no PIN in anything
/// shown. Runs where the fault never fired are not counted.
///
/// Not the extra 63 Cx faults of the binary harness: a reader that answers 63 C2 for a card at
/// 1 try forges the counter, and no guard can see through that (a malicious reader is out of
/// scope, docs/security.md). Tried: with them, a wrong PIN then locks the card, as it must.
/// For the same reason, no 90 00 for a command that never reached the card ([`forges_success`]):
/// tried, a SELECT of the 住基 AP "answered" so sends the juki PIN to the 共通 AP's key reference,
/// the one still selected, since both PIN files are EF 00 1C.
fn pin_grid(
    kinds: &[PinKind],
    steps: usize,
    changes: bool,
    run: &mut dyn FnMut(&mut Faulted, &str, bool) -> Ran,
) -> Tally {
    let (right, wrong) = if kinds == [PinKind::Sign] {
        (CARD_PASSWORD, WRONG_PASSWORD)
    } else {
        (CARD_FOUR_DIGITS, WRONG_FOUR_DIGITS)
    };
    let mut tally = Tally::default();
    for tries in [None, Some(2), Some(1)] {
        for allow_last_try in [false, true] {
            for typed in [right, wrong] {
                for at in 0..steps {
                    for fault in Fault::catalogue() {
                        for reaches_card in [true, false] {
                            if forges_success(&fault, reaches_card) {
                                continue;
                            }
                            let watched = Layered::new(
                                VirtualCard::new(card_with(tries)),
                                Witness::default(),
                            );
                            let injection = if reaches_card {
                                FaultInjection::new(at, fault.clone())
                            } else {
                                FaultInjection::before_card(at, fault.clone())
                            };
                            let mut card = Layered::new(watched, injection);
                            let ran = run(&mut card, typed, allow_last_try);
                            if !tally.count(card.layer().counts()) {
                                continue;
                            }
                            let label = format!(
                                "{kinds:?} from {tries:?}, allow {allow_last_try}, {} PIN, \
                                 step {} | {fault} (reaches card: {reaches_card}): {}",
                                if typed == right { "right" } else { "wrong" },
                                at + 1,
                                ran.shown.first().map_or("", String::as_str)
                            );
                            let (watched, _) = card.into_parts();
                            check_key_references(&watched, tries, allow_last_try, &label);
                            let witness = watched.layer();
                            if !changes {
                                let sent: usize = KeyReference::ALL
                                    .into_iter()
                                    .map(|key| witness.seen.count(&[0x24, 0x32], key))
                                    .sum();
                                assert_eq!(sent, 0, "a change command: {label}");
                            }
                            if ran.stopped_before_the_prompt {
                                assert!(
                                    witness.seen.pin_commands.is_empty(),
                                    "a PIN before the prompt: {label}"
                                );
                            }
                            for text in &ran.shown {
                                for pin in IN_PROCESS_PINS {
                                    assert!(leak_of(text, pin).is_none(), "{pin} in {text}");
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    tally
}

/// What a run's report and error show.
fn shown_by(report: &dyn std::fmt::Debug, error: Option<&jpki::card::CardError>) -> Vec<String> {
    let mut shown = vec![format!("{report:?}")];
    if let Some(error) = error {
        shown.extend([error.to_string(), format!("{error:?}")]);
    }
    shown
}

/// The PINs changed in process, one run each: each PIN alone, and the three 4-digit ones at
/// once.
const CHANGE_TARGETS: [&[PinKind]; 5] = [
    &[PinKind::Sign],
    &[PinKind::Auth],
    &[PinKind::Juki],
    &[PinKind::Kenhojo],
    &[PinKind::Juki, PinKind::Kenhojo, PinKind::Auth],
];

/// The APDUs a change or check may take: the guard's 3 and the act's 4 per key reference.
fn pin_run_steps(kinds: &[PinKind]) -> usize {
    7 * kinds
        .iter()
        .map(|k| k.key_references().len())
        .sum::<usize>()
}

/// The new value for `kinds`.
fn new_value(kinds: &[PinKind]) -> &'static str {
    if kinds == [PinKind::Sign] {
        NEW_PASSWORD
    } else {
        NEW_FOUR_DIGITS
    }
}

/// change-pin --stdin, in process: `change_pins` over the faulted virtual card, for each PIN
/// and the three 4-digit ones at once, through [`pin_grid`].
#[test]
fn change_pin_over_the_virtual_card_costs_at_most_the_try_typed() {
    let started = Instant::now();
    let mut total = Tally::default();
    for kinds in CHANGE_TARGETS {
        let targets = ChangeTargets::new(kinds).unwrap();
        let tally = pin_grid(
            kinds,
            pin_run_steps(kinds),
            true,
            &mut |card, typed, allow| {
                let change = PinChange::new(&targets, typed, new_value(kinds)).unwrap();
                let report = change_pins(card, &change, allow);
                Ran {
                    shown: shown_by(&report, report.error.as_ref()),
                    stopped_before_the_prompt: false,
                }
            },
        );
        println!(
            "{}",
            tally.line(&format!("virtual card, change-pin {kinds:?}"))
        );
        total.add(tally);
    }
    println!(
        "{} in {:.1} s",
        total.line("virtual card, change-pin"),
        started.elapsed().as_secs_f64()
    );
    assert_documented(IN_PROCESS_CHANGE, total.faults);
}

/// verify-pin --stdin, in process: `verify_pin` over the faulted virtual card for each PIN,
/// through [`pin_grid`], and no change command at all.
#[test]
fn verify_pin_over_the_virtual_card_costs_at_most_the_try_typed() {
    let mut total = Tally::default();
    for kind in PinKind::ALL {
        // The guard's 3 and the VERIFY's 3 (SELECT AP and EF again, VERIFY) per key reference.
        let steps = 6 * kind.key_references().len();
        total.add(pin_grid(
            &[kind],
            steps,
            false,
            &mut |card, typed, allow| {
                let pin = Pin::new(kind, typed).unwrap();
                let report = verify_pin(card, &pin, allow);
                Ran {
                    shown: shown_by(&report, report.error.as_ref()),
                    stopped_before_the_prompt: false,
                }
            },
        ));
    }
    println!("{}", total.line("virtual card, verify-pin"));
    assert_documented(IN_PROCESS_VERIFY, total.faults);
}

/// The interactive runs in process: the password, the PIN with two key references, and the
/// batch (auth and kenhojo alone take the same paths as sign, one key reference each).
const INTERACTIVE_CHANGE_TARGETS: [&[PinKind]; 3] = [
    &[PinKind::Sign],
    &[PinKind::Juki],
    &[PinKind::Juki, PinKind::Kenhojo, PinKind::Auth],
];

/// The APDUs of `read_pin_statuses`, which an interactive run sends before its prompt.
const STATUS_APDUS: usize = 14;

/// Interactive change-pin, in process, through the card-layer seam src/cli/change_pin.rs uses
/// between its prompts (no terminal): the counters read in one transaction
/// (`read_pin_statuses`), the guard applied to them before the holder is asked anything
/// (`precheck`), then `change_pins` in a second transaction; the fault at every APDU of both,
/// through [`pin_grid`]. A run that stops before the prompt (the counters unreadable, or the
/// guard refusing) sends no PIN.
#[test]
fn interactive_change_pin_over_the_virtual_card_costs_at_most_the_try_typed() {
    let mut total = Tally::default();
    for kinds in INTERACTIVE_CHANGE_TARGETS {
        let targets = ChangeTargets::new(kinds).unwrap();
        let steps = STATUS_APDUS + pin_run_steps(kinds);
        total.add(pin_grid(kinds, steps, true, &mut |card, typed, allow| {
            let statuses = match read_pin_statuses(card) {
                Ok(statuses) => statuses,
                Err(error) => {
                    return Ran {
                        shown: shown_by(&error, Some(&error)),
                        stopped_before_the_prompt: true,
                    }
                }
            };
            if let Some(refused) = precheck(&targets, &statuses, allow) {
                return Ran {
                    shown: shown_by(&refused, refused.error.as_ref()),
                    stopped_before_the_prompt: true,
                };
            }
            let change = PinChange::new(&targets, typed, new_value(kinds)).unwrap();
            let report = change_pins(card, &change, allow);
            Ran {
                shown: shown_by(&report, report.error.as_ref()),
                stopped_before_the_prompt: false,
            }
        }));
    }
    println!("{}", total.line("virtual card, interactive change-pin"));
    assert_documented(IN_PROCESS_INTERACTIVE_CHANGE, total.faults);
}

/// Interactive verify-pin, in process, through the same seam: `read_pin_statuses`,
/// `precheck_verify`, then `verify_pin`, the fault at every APDU of both transactions; for the
/// password and for the PIN with two key references.
#[test]
fn interactive_verify_pin_over_the_virtual_card_costs_at_most_the_try_typed() {
    let mut total = Tally::default();
    for kind in [PinKind::Sign, PinKind::Juki] {
        let steps = STATUS_APDUS + 6 * kind.key_references().len();
        total.add(pin_grid(
            &[kind],
            steps,
            false,
            &mut |card, typed, allow| {
                let statuses = match read_pin_statuses(card) {
                    Ok(statuses) => statuses,
                    Err(error) => {
                        return Ran {
                            shown: shown_by(&error, Some(&error)),
                            stopped_before_the_prompt: true,
                        }
                    }
                };
                if let Some(refused) = precheck_verify(kind, &statuses, allow) {
                    return Ran {
                        shown: shown_by(&refused, refused.error.as_ref()),
                        stopped_before_the_prompt: true,
                    };
                }
                let pin = Pin::new(kind, typed).unwrap();
                let report = verify_pin(card, &pin, allow);
                Ran {
                    shown: shown_by(&report, report.error.as_ref()),
                    stopped_before_the_prompt: false,
                }
            },
        ));
    }
    println!("{}", total.line("virtual card, interactive verify-pin"));
    assert_documented(IN_PROCESS_INTERACTIVE_VERIFY, total.faults);
}

/// A reader answering 90 00 to a command it never passed to the card: a forged success, out of
/// scope as forged counters are.
fn forges_success(fault: &Fault, reaches_card: bool) -> bool {
    !reaches_card && *fault == Fault::status(0x9000)
}

/// Per key reference: at most one VERIFY with data and one change command reached the card; its
/// counter fell by at most the VERIFYs that reached it (at most one per user entry); it reached
/// 0 only when it stood at 1 and the last try was allowed.
fn check_key_references(watched: &Watched, tries: Option<u8>, allow_last_try: bool, label: &str) {
    let witness = watched.layer();
    for key in KeyReference::ALL {
        let verifies = witness.seen.count(&[0x20], key);
        let changes = witness.seen.count(&[0x24, 0x32], key);
        assert!(verifies <= 1 && changes <= 1, "sent twice: {label}");
        let before = tries.unwrap_or(key.kind.max_tries());
        let after = watched.reader().state().pin(key).unwrap().tries_left;
        let fell = before.saturating_sub(after);
        assert!(
            usize::from(fell) <= verifies,
            "{key:?} fell by {fell} after {verifies} VERIFY: {label}"
        );
        assert!(
            after > 0 || (allow_last_try && before == 1),
            "{key:?} reached 0: {label}"
        );
    }
}

/// The counter exchange after the JPKI AP: sign and auth (SELECT EF, counter read each), then
/// juki twice (住基 AP, 共通 AP) and kenhojo (SELECT AP, SELECT EF, counter read each).
const COUNTER_APDUS_AFTER_JPKI: usize = 13;

/// Plain status (token, auth certificate, counters) over the virtual card, every fault at every
/// step: never a PIN, never more than the exchange's commands, a lost card is an error and
/// stops at once, and anything the card answers to the token or certificate reads leaves the
/// counters read.
#[test]
fn plain_status_over_the_virtual_card_reports_certificate_faults_and_sends_no_pin() {
    let clean = || VirtualCard::new(card_with(None));
    let mut probe = Layered::new(clean(), FaultInjection::new(usize::MAX, Fault::Removed));
    let whole = read_card_report(&mut probe).unwrap();
    let steps = probe.layer().counts().transmits;
    let mut tally = Tally::default();
    for at in 0..steps {
        for fault in Fault::catalogue() {
            let mut card = Layered::new(clean(), FaultInjection::new(at, fault.clone()));
            let result = read_card_report(&mut card);
            let counts = card.layer().counts().clone();
            assert!(
                tally.count(&counts),
                "the fault at step {} never fired",
                at + 1
            );
            let label = format!("step {} | {fault}: {result:?}", at + 1);
            assert_eq!(counts.secrets_sent, 0, "{label}");
            assert!(counts.transmits <= steps, "{label}");
            // The token and certificate reads sit after SELECT JPKI and before the counters.
            let in_extras = at >= 1 && at < steps - COUNTER_APDUS_AFTER_JPKI;
            match (&fault, &result) {
                (Fault::Removed | Fault::Reset, Err(_)) => {
                    assert_eq!(counts.transmits, at + 1, "{label}")
                }
                (Fault::Removed | Fault::Reset, Ok(_)) => panic!("a lost card read: {label}"),
                // Whatever the card answers to an extra, the counters are all read.
                (_, Ok(report)) if in_extras => assert_eq!(report.pins, whole.pins, "{label}"),
                (_, Err(_)) if in_extras => panic!("an extra's answer was fatal: {label}"),
                _ => {}
            }
        }
    }
    println!(
        "{} over {steps} steps",
        tally.line("virtual card, plain status")
    );
    assert_documented(IN_PROCESS_PLAIN_STATUS, tally.faults);
}

// ---------------------------------------------------------------------------------------------
// The figures docs/reliability.md gives, checked against what the tests count

/// The rows of docs/reliability.md's tables that hold figures the tests count: the in-process
/// tests' rows, by the test's name.
const IN_PROCESS_STATUS: &str =
    "`status_in_process_never_sends_a_pin_and_stops_when_the_card_is_gone`";
const IN_PROCESS_CHANGE: &str = "`change_pin_over_the_virtual_card_costs_at_most_the_try_typed`";
const IN_PROCESS_VERIFY: &str = "`verify_pin_over_the_virtual_card_costs_at_most_the_try_typed`";
const IN_PROCESS_INTERACTIVE_CHANGE: &str =
    "`interactive_change_pin_over_the_virtual_card_costs_at_most_the_try_typed`";
const IN_PROCESS_INTERACTIVE_VERIFY: &str =
    "`interactive_verify_pin_over_the_virtual_card_costs_at_most_the_try_typed`";
const IN_PROCESS_PLAIN_STATUS: &str =
    "`plain_status_over_the_virtual_card_reports_certificate_faults_and_sends_no_pin`";
const IN_PROCESS_ROWS: [&str; 6] = [
    IN_PROCESS_STATUS,
    IN_PROCESS_CHANGE,
    IN_PROCESS_VERIFY,
    IN_PROCESS_INTERACTIVE_CHANGE,
    IN_PROCESS_INTERACTIVE_VERIFY,
    IN_PROCESS_PLAIN_STATUS,
];
/// The row of the total over the whole of tests/faults.rs.
const TOTAL_ROW: &str = "all of tests/faults.rs";

/// The cells of the table row of docs/reliability.md whose first cell is `row`, trimmed.
fn documented_row(row: &str) -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reliability.md");
    let text = std::fs::read_to_string(path).unwrap();
    let rows: Vec<Vec<String>> = text
        .lines()
        .filter_map(|l| l.strip_prefix('|')?.strip_suffix('|'))
        .map(|l| {
            l.split('|')
                .map(|c| c.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|cells| cells[0] == row)
        .collect();
    assert_eq!(
        rows.len(),
        1,
        "docs/reliability.md must hold exactly one table row whose first cell is {row}"
    );
    rows.into_iter().next().unwrap()
}

/// A figure in a table cell, written with or without thousands separators.
fn figure(cell: &str) -> usize {
    cell.trim_matches('*')
        .replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("{cell:?} in docs/reliability.md is not a figure"))
}

/// The figure in the last cell of the row `row`.
fn documented(row: &str) -> usize {
    figure(documented_row(row).last().unwrap())
}

/// Fail unless docs/reliability.md gives `counted` for the row `row`.
fn assert_documented(row: &str, counted: usize) {
    let said = documented(row);
    assert_eq!(
        said, counted,
        "docs/reliability.md gives {said} for {row}, the test counts {counted}: correct the doc"
    );
}

/// Which row of the binary harness's table a case counts in: by the command it runs.
fn command_row(case: &Case) -> &'static str {
    let command = case
        .args
        .iter()
        .find(|a| ["status", "readers", "doctor", "change-pin", "verify-pin"].contains(a))
        .expect("a command");
    match *command {
        "status" if case.args.contains(&"--pins-only") => "`status --pins-only`",
        "status" => "`status`",
        "readers" => "`readers`",
        "doctor" => "`doctor`",
        "change-pin" => "`change-pin --stdin`",
        _ => "`verify-pin --stdin`",
    }
}

/// The harness's figures in docs/reliability.md (cases and runs per command, the totals) are
/// what the cases and traces give, without running them: the runs are built here as
/// `every_fault_at_every_step_is_handled` builds them. The in-process rows are checked by their
/// own tests, which count their runs as they go; here only that the total adds up.
#[test]
fn the_figures_in_docs_reliability_md_are_the_ones_the_tests_count() {
    let cases = cases();
    let mut rows: Vec<(&str, usize, usize)> = Vec::new();
    let mut binary = 0;
    for (i, case) in cases.iter().enumerate() {
        let runs = runs_of(i, case).len();
        binary += runs;
        let row = command_row(case);
        match rows.iter_mut().find(|(r, _, _)| *r == row) {
            Some((_, n, total)) => {
                *n += 1;
                *total += runs;
            }
            None => rows.push((row, 1, runs)),
        }
    }
    for (row, n, runs) in &rows {
        let cells = documented_row(row);
        assert_eq!(
            (figure(&cells[1]), figure(cells.last().unwrap())),
            (*n, *runs),
            "docs/reliability.md's row {row}: (cases, runs) are not what the harness builds"
        );
    }
    let through_binary = documented_row("through the binary");
    assert_eq!(
        (
            figure(&through_binary[1]),
            figure(through_binary.last().unwrap())
        ),
        (cases.len(), binary),
        "docs/reliability.md's row \"through the binary\": (cases, runs)"
    );
    let in_process: usize = IN_PROCESS_ROWS.iter().map(|row| documented(row)).sum();
    assert_documented(TOTAL_ROW, binary + in_process);
    println!(
        "figures: {binary} binary runs over {} cases, {in_process} in process, {} in all",
        cases.len(),
        binary + in_process
    );
}
