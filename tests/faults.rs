//! Fault injection through the mock reader: for each case and every APDU index k of its exchange,
//! the card's answer at k is replaced by each fault of `Fault::catalogue()`, and the `jpki`
//! binary is run on that trace.
//!
//! After a fault the trace ends, so any further command runs past its end (exit 11): that is how
//! "stops after a fault, never retries" is proven. Where continuing is correct (status goes on
//! to the next PIN after one PIN's error), the rest of the base trace follows, minus the exchanges
//! jpki must skip. A new command is one more row of `cases()` with its own expectation function.

mod common;
use common::{documented_exit_codes, jpki, leak_of, trace};
use jpki::transport::trace::{Answer, Exchange, Trace};
use jpki::transport::{Fault, TransportError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// What jpki must do after the fault.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// Stop with this exit code; stderr names the failure with one of these words.
    Stop {
        exit: i32,
        says: &'static [&'static str],
    },
    /// Go on correctly: the next `skip` base exchanges are not sent, the rest are, exit 0.
    /// `states` are the (PIN id, state) pairs JSON output must show.
    Continue {
        skip: usize,
        states: Vec<(&'static str, &'static str)>,
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
}

/// `status` prints the reader, a header and four PIN rows (then advice, when a PIN needs it), or
/// one JSON object with four PINs.
fn status_output(args: &[&str], stdout: &str) -> bool {
    if args.contains(&"--json") {
        serde_json::from_str::<serde_json::Value>(stdout)
            .is_ok_and(|v| v["pins"].as_array().is_some_and(|p| p.len() == 4))
    } else {
        let lines: Vec<&str> = stdout.lines().collect();
        lines.len() >= 6
            && lines[2..6]
                .iter()
                .all(|l| l.contains('/') || l.contains('-'))
    }
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
    };
    vec![
        status("status", "status/fresh.trace", &["status", "--pins-only"]),
        status(
            "status ja",
            "status/fresh.trace",
            &["--lang", "ja", "status", "--pins-only"],
        ),
        status(
            "status --json",
            "status/fresh.trace",
            &["--json", "status", "--pins-only"],
        ),
        status(
            "status --pins-only",
            "status/fresh.trace",
            &["--json", "status", "--pins-only"],
        ),
        status(
            "status, tries used",
            "status/some-tries-used.trace",
            &["--json", "status", "--pins-only"],
        ),
        status(
            "status, locked 69 83",
            "status/locked-6983.trace",
            &["--json", "status", "--pins-only"],
        ),
        status(
            "status, no juki AP",
            "status/no-juki-application.trace",
            &["--json", "status", "--pins-only"],
        ),
        status(
            "status, sign not issued",
            "status/sign-not-issued.trace",
            &["--json", "status", "--pins-only"],
        ),
    ]
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

// Each in English and in Japanese (the "status ja" case).
const GONE: &[&str] = &["removed", "reset", "取り外されました", "リセットされました"];
const MALFORMED: &[&str] = &["malformed", "status bytes", "応答が壊れています"];
const NOT_MY_NUMBER: &[&str] = &["not a my number card", "マイナンバーカードではありません"];

/// `status`: a lost card or an answer too short to hold a status word stops it; any other
/// status word only costs the PIN it was about, and the exchange goes on.
fn status_outcome(base: &[Exchange], k: usize, fault: &Fault) -> Outcome {
    let step = &base[k];
    let sw = match fault {
        Fault::Removed | Fault::Reset => {
            return Outcome::Stop {
                exit: 9,
                says: GONE,
            }
        }
        Fault::Answer(bytes) if bytes.len() < 2 => {
            return Outcome::Stop {
                exit: 12,
                says: MALFORMED,
            }
        }
        // Only the status word counts; extra data changes nothing.
        Fault::Padded(_) => {
            return Outcome::Continue {
                skip: 0,
                states: Vec::new(),
            }
        }
        Fault::Answer(bytes) => u16::from_be_bytes([bytes[0], bytes[1]]),
    };
    let due = due_sw(step);
    if is_select_application(step) && bytes_of(step)[5..].starts_with(&JPKI_AID) {
        return Outcome::Stop {
            exit: 8,
            says: NOT_MY_NUMBER,
        };
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
            states: vec![(pin, state_after(sw, false))],
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
            states: vec![(pin, state_after(sw, false))],
        };
    }
    // The counter read: the PIN is the one its SELECT named.
    let pin = pin_selected_by(&base[k - 1]).expect("a counter read follows its SELECT");
    Outcome::Continue {
        skip: 0,
        states: vec![(pin, state_after(sw, true))],
    }
}

// ---------------------------------------------------------------------------------------------
// The harness

/// One injected run: the trace text to replay and what must happen.
struct Run {
    label: String,
    case: usize,
    text: String,
    outcome: Outcome,
}

/// The runs of one case: every step, every fault that differs from the card's own answer.
fn runs_of(index: usize, case: &Case) -> Vec<Run> {
    let base = Trace::load(&trace(case.trace)).unwrap();
    let mut runs = Vec::new();
    for k in 0..base.exchanges.len() {
        let Answer::Bytes(due) = &base.exchanges[k].answer else {
            continue;
        };
        for fault in Fault::catalogue() {
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
            if let Outcome::Continue { skip, .. } = &outcome {
                exchanges
                    .extend_from_slice(&base.exchanges[(k + 1 + skip).min(base.exchanges.len())..]);
            }
            let faulted = Trace {
                exchanges,
                ..base.clone()
            };
            runs.push(Run {
                label: format!("{} | step {} | {fault}", case.name, k + 1),
                case: index,
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
        Outcome::Stop { exit, says } => {
            if code != *exit {
                return Err(format!("expected exit {exit}: {shown}"));
            }
            let lower = stderr.to_lowercase();
            if !says.iter().any(|w| lower.contains(w)) {
                return Err(format!("stderr names none of {says:?}: {shown}"));
            }
            // Empty, or whole (a command over several PINs may report those it finished).
            if !stdout.is_empty() && !(case.valid_output)(case.args, &stdout) {
                return Err(format!("broken output after a failure: {shown}"));
            }
        }
        Outcome::Proceeds => {
            if code != 11 || !stderr.contains("past the end") {
                return Err(format!("expected to go on past the trace's end: {shown}"));
            }
        }
        Outcome::Continue { states, .. } => {
            if code != 0 || !stderr.is_empty() || stdout.is_empty() {
                return Err(format!("expected to go on and succeed: {shown}"));
            }
            if !(case.valid_output)(case.args, &stdout) {
                return Err(format!(
                    "the output is not what this command prints: {shown}"
                ));
            }
            if case.args.contains(&"--json") {
                let v: serde_json::Value = serde_json::from_str(&stdout)
                    .map_err(|e| format!("not JSON ({e}): {shown}"))?;
                for (id, state) in states {
                    let pin = v["pins"]
                        .as_array()
                        .and_then(|pins| pins.iter().find(|p| p["id"] == *id));
                    let got = pin.map(|p| p["state"].clone());
                    if got != Some(serde_json::json!(state)) {
                        return Err(format!("{id} should be {state}, is {got:?}: {shown}"));
                    }
                }
            }
        }
    }
    // The faulted exchange is in the recorded trace, once: the card is never asked again.
    let expected_steps = run.text.matches("\n>").count() + usize::from(run.text.starts_with('>'));
    let recorded_steps = written.matches("\n>").count();
    if !written.is_empty() && recorded_steps > expected_steps {
        return Err(format!(
            "recorded {recorded_steps} commands, the trace has {expected_steps}: {shown}"
        ));
    }
    Ok(())
}

#[test]
fn every_fault_at_every_step_is_handled() {
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
    println!(
        "fault injection: {} injected runs over {} cases, {} failed",
        runs.len(),
        cases.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} injected runs failed; first ones:\n\n{}",
        failures.len(),
        runs.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

/// The same faults in process, on the card layer over `FaultInjection`: reading the counters
/// never sends a PIN, never asks the card more than the 11 APDUs, and stops at once when the
/// card is gone.
#[test]
fn status_in_process_never_sends_a_pin_and_stops_when_the_card_is_gone() {
    use jpki::card::read_pin_statuses;
    use jpki::transport::{FaultInjection, Replay};
    let base = Trace::load(&trace("status/fresh.trace")).unwrap();
    let steps = base.exchanges.len();
    let mut runs = 0;
    for at in 0..steps {
        for fault in Fault::catalogue() {
            let mut card = FaultInjection::new(Replay::new(base.clone()), at, fault.clone());
            let result = read_pin_statuses(&mut card);
            let counts = card.counts();
            let label = format!("step {} | {fault}: {result:?}", at + 1);
            assert_eq!(counts.secrets_sent, 0, "{label}");
            assert!(counts.transmits <= steps, "{label}");
            if matches!(fault, Fault::Removed | Fault::Reset) {
                assert!(result.is_err(), "{label}");
                assert_eq!(counts.transmits, at + 1, "{label}");
            }
            runs += 1;
        }
    }
    println!("fault injection in process: {runs} runs");
}
