//! The virtual card: `jpki-vcard`'s command line run in-process, and its state file.

use super::json::{json, tries_by_id, tries_of};
use super::run::{jpki, run, Run};
use std::ffi::OsString;
use std::path::Path;

/// What an in-process `jpki-vcard` run gave: its exit code and what it printed.
#[derive(Debug)]
pub struct VcardRun {
    /// The exit code.
    pub code: u8,
    /// What it wrote on stdout.
    pub stdout: String,
    /// What it wrote on stderr.
    pub stderr: String,
}

impl VcardRun {
    /// Whether it exited 0.
    pub fn success(&self) -> bool {
        self.code == 0
    }
}

/// `jpki-vcard ARGS`, run in-process through its library: a test of this package cannot count on
/// another package's binary having been built.
pub fn vcard<T: Into<OsString> + Clone>(args: impl IntoIterator<Item = T>) -> VcardRun {
    let mut line: Vec<OsString> = vec!["jpki-vcard".into()];
    line.extend(args.into_iter().map(Into::into));
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = jpki_vcard::cli::run(line, &mut stdout, &mut stderr);
    VcardRun {
        code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// `jpki --virtual-card STATE ARGS`, stdin fed and closed, run to its end.
pub fn on_virtual_card(state: &Path, args: &[&str], stdin: &str) -> Run {
    run(jpki()
        .arg("--virtual-card")
        .arg(state)
        .args(args)
        .write_stdin(stdin))
}

/// `jpki-vcard init ARGS STATE`, whatever it gives.
pub fn vcard_init_run(state: &Path, args: &[&str]) -> VcardRun {
    let mut line: Vec<OsString> = vec!["init".into()];
    line.extend(args.iter().map(Into::into));
    line.push(state.into());
    vcard(line)
}

/// `jpki-vcard init ARGS STATE`, which must succeed.
pub fn vcard_init(state: &Path, args: &[&str]) {
    let run = vcard_init_run(state, args);
    assert!(run.success(), "jpki-vcard init {args:?}: {}", run.stderr);
}

/// The line of the state file `state` that starts with `prefix`.
pub fn state_line(state: &Path, prefix: &str) -> String {
    let text = std::fs::read_to_string(state).unwrap();
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} line in\n{text}"))
        .to_string()
}

/// Tries left of each PIN on the virtual card at `state`, by id, as `status --json` shows them
/// (reading them spends none).
pub fn vcard_tries(state: &Path) -> Vec<(String, Option<u64>)> {
    let Run {
        code,
        stdout: out,
        stderr: err,
    } = run(jpki()
        .arg("--virtual-card")
        .arg(state)
        .args(["--json", "status"]));
    assert_eq!(code, 0, "{err}");
    tries_by_id(&json(&out))
}

/// Tries left of the PIN `id` on the virtual card at `state`.
pub fn vcard_tries_of(state: &Path, id: &str) -> Option<u64> {
    tries_of(&vcard_tries(state), id)
}
