//! Helpers shared by the test modules: run the built `jpki` against bundled traces, and
//! `jpki-vcard` in-process.

use assert_cmd::Command;
use std::path::PathBuf;

/// A bundled trace by its path under apdu-traces/.
pub fn trace(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("apdu-traces")
        .join(name)
}

/// The `jpki` binary with a clean, English, reader-less environment.
pub fn jpki() -> Command {
    let mut cmd = Command::cargo_bin("jpki").unwrap();
    cmd.env_remove("JPKI_READER")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8");
    cmd
}

/// Run `jpki --replay TRACE ARGS...` and return (exit code, stdout, stderr).
pub fn replay(trace_name: &str, args: &[&str]) -> (i32, String, String) {
    let out = jpki()
        .arg("--replay")
        .arg(trace(trace_name))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Parse stdout as JSON.
pub fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// Where `pin` shows in `text`, in any form a program might print bytes: as typed, as hex
/// (spaced or not, either case), or as a Rust byte list. `None` when it does not.
pub fn leak_of(text: &str, pin: &str) -> Option<String> {
    let bytes = pin.as_bytes();
    let spaced = |upper: bool| {
        bytes
            .iter()
            .map(|b| {
                if upper {
                    format!("{b:02X}")
                } else {
                    format!("{b:02x}")
                }
            })
            .collect::<Vec<_>>()
    };
    let decimal: Vec<String> = bytes.iter().map(u8::to_string).collect();
    let forms = [
        pin.to_string(),
        spaced(true).join(" "),
        spaced(false).join(" "),
        spaced(true).join(""),
        spaced(false).join(""),
        decimal.join(", "),
        decimal
            .iter()
            .map(|d| format!("Some({d})"))
            .collect::<Vec<_>>()
            .join(", "),
    ];
    forms.into_iter().find(|form| text.contains(form.as_str()))
}

/// Panic when any PIN of `pins` shows in `text`; `what` names the text.
pub fn assert_no_pin(what: &str, text: &str, pins: &[&str]) {
    for pin in pins {
        if let Some(form) = leak_of(text, pin) {
            panic!("{what} shows a PIN as {form:?}:\n{text}");
        }
    }
}

/// The exit codes docs/exit-codes.md documents, read from its table.
pub fn documented_exit_codes() -> Vec<i32> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/exit-codes.md");
    let text = std::fs::read_to_string(path).unwrap();
    let codes: Vec<i32> = text
        .lines()
        .filter_map(|l| l.strip_prefix('|'))
        .filter_map(|l| l.split('|').next())
        .filter_map(|cell| cell.trim().parse().ok())
        .collect();
    assert!(codes.contains(&0) && codes.len() > 5, "{codes:?}");
    codes
}

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
pub fn vcard<T: Into<std::ffi::OsString> + Clone>(args: impl IntoIterator<Item = T>) -> VcardRun {
    let mut line: Vec<std::ffi::OsString> = vec!["jpki-vcard".into()];
    line.extend(args.into_iter().map(Into::into));
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = jpki_vcard::cli::run(line, &mut stdout, &mut stderr);
    VcardRun {
        code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// `jpki-vcard init ARGS STATE`, which must succeed.
pub fn vcard_init(state: &std::path::Path, args: &[&str]) {
    let mut line: Vec<std::ffi::OsString> = vec!["init".into()];
    line.extend(args.iter().map(Into::into));
    line.push(state.into());
    let run = vcard(line);
    assert!(run.success(), "jpki-vcard init {args:?}: {}", run.stderr);
}

/// Hold this while a pcscd of a test's own runs: one at a time in this process, as when each
/// test file was a process of its own. The end-to-end tests also point this process's PC/SC
/// library at their pcscd, which keeps the first socket it is given.
pub fn one_pcscd() -> std::sync::MutexGuard<'static, ()> {
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    ONE.lock().unwrap_or_else(|e| e.into_inner())
}
