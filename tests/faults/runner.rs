//! The harness: every step of every case under every fault, run through the `jpki` binary on a
//! faulted trace, and the result held against the case's expectation.

use super::cases::{cases, failure_object};
use super::model::{Case, Fact, Outcome};
use crate::util::documented_exit_codes;
use crate::util::find_pin;
use crate::util::jpki;
use crate::util::leak_of;
use crate::util::trace;
use jpki_card::transport::trace::Answer;
use jpki_card::transport::trace::Exchange;
use jpki_card::transport::trace::Trace;
use jpki_card::transport::TransportError;
use serde_json::Value;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Instant;

/// One injected run: the trace text to replay and what must happen.
pub(super) struct Run {
    pub(super) label: String,
    pub(super) case: usize,
    pub(super) text: String,
    pub(super) outcome: Outcome,
    /// The most commands jpki may send: up to the fault when it must stop there.
    pub(super) most_commands: usize,
}

/// The runs of one case: every step, every fault that differs from the card's own answer.
pub(super) fn runs_of(index: usize, case: &Case) -> Vec<Run> {
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
pub(super) fn check(run: &Run, case: &Case, documented: &[i32]) -> Result<(), String> {
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
pub(super) fn check_facts(case: &Case, facts: &[Fact], stdout: &str) -> Result<(), String> {
    if !case.args.contains(&"--json") || facts.is_empty() {
        return Ok(());
    }
    let v: Value = serde_json::from_str(stdout).map_err(|e| format!("not JSON ({e})"))?;
    for fact in facts {
        let scope = match fact.pin {
            Some(id) => find_pin(&v, id).ok_or_else(|| format!("no entry for the {id} PIN"))?,
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
pub(super) struct Tally {
    pub(super) faults: usize,
    pub(super) not_faults: usize,
}

impl Tally {
    /// Count a finished run; false when its fault never fired (the run ended before step k).
    pub(super) fn count(&mut self, counts: &super::injection::FaultCounts) -> bool {
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

    pub(super) fn add(&mut self, other: Tally) {
        self.faults += other.faults;
        self.not_faults += other.not_faults;
    }

    /// The summary line `--nocapture` shows.
    pub(super) fn line(&self, what: &str) -> String {
        format!(
            "{what}: {} injected runs ({} more whose fault answered what the card answered: not \
             faults, not counted)",
            self.faults, self.not_faults
        )
    }
}
