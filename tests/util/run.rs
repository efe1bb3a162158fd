//! Running the built `jpki`: in a clean English environment, on a bundled trace or on one the
//! test wrote, with `--record`; and what a run gave back.

use super::json::json;
use super::traces::trace;
use assert_cmd::Command;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

/// The `jpki` binary of this build.
pub const JPKI: &str = env!("CARGO_BIN_EXE_jpki");

/// `program` in a clean, English, reader-less environment (no `JPKI_READER`, `CLICOLOR_FORCE`,
/// `LC_ALL` or `LC_MESSAGES`; `LANG=C.UTF-8`), as a std `Command`: for a run whose stdout is not
/// a pipe, a shell around jpki, or a child left running.
pub fn english(program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
    let mut cmd = std::process::Command::new(program);
    cmd.env_remove("JPKI_READER")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("CLICOLOR_FORCE")
        .env("LANG", "C.UTF-8");
    cmd
}

/// The `jpki` binary in a clean, English, reader-less environment ([`english`]).
pub fn jpki() -> Command {
    Command::from_std(english(JPKI))
}

/// What a finished run gave: its exit code (-1 when a signal ended it) and what it printed.
#[derive(Debug, Clone)]
pub struct Run {
    /// The exit code, -1 when a signal ended the run.
    pub code: i32,
    /// What it wrote on stdout.
    pub stdout: String,
    /// What it wrote on stderr.
    pub stderr: String,
}

impl Run {
    /// The run, which must have exited `code`; a panic shows what it printed.
    #[track_caller]
    pub fn assert_exit(self, code: i32) -> Run {
        self.assert_exit_for(code, "a run")
    }

    /// [`Run::assert_exit`], with `what` the run was in the panic.
    #[track_caller]
    pub fn assert_exit_for(self, code: i32, what: impl std::fmt::Display) -> Run {
        assert_eq!(
            self.code, code,
            "exit code of {what}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// The run, whose stdout must hold `text`.
    #[track_caller]
    pub fn assert_stdout_contains(self, text: &str) -> Run {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}:\n{}",
            self.stdout
        );
        self
    }

    /// The run, whose stderr must hold `text`.
    #[track_caller]
    pub fn assert_stderr_contains(self, text: &str) -> Run {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}:\n{}",
            self.stderr
        );
        self
    }

    /// Stdout parsed as JSON.
    #[track_caller]
    pub fn stdout_json(&self) -> Value {
        json(&self.stdout)
    }
}

/// What a finished run gave ([`Run`]).
pub fn outcome(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run `cmd` to its end.
pub fn run(cmd: &mut Command) -> Run {
    outcome(cmd.output().unwrap())
}

/// Run `jpki --replay TRACE ARGS...` on a bundled trace.
pub fn replay(trace_name: &str, args: &[&str]) -> Run {
    replay_stdin(trace_name, args, "")
}

/// [`replay`] with `stdin` fed to the run.
pub fn replay_stdin(trace_name: &str, args: &[&str], stdin: &str) -> Run {
    run(jpki()
        .arg("--replay")
        .arg(trace(trace_name))
        .args(args)
        .write_stdin(stdin))
}

/// A trace the test made, `text`, written as `case.trace` (the name jpki's errors show) in a
/// folder of its own, which lives as long as the returned guard.
pub fn trace_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.trace");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// Run `jpki --replay FILE ARGS...` with `stdin`, FILE holding `text` ([`trace_file`]).
pub fn replay_text(text: &str, args: &[&str], stdin: &str) -> Run {
    let (_dir, path) = trace_file(text);
    run(jpki()
        .arg("--replay")
        .arg(&path)
        .args(args)
        .write_stdin(stdin))
}

/// Run `jpki --record FILE ARGS...` with `stdin`: the run and the trace it wrote, or
/// None when it wrote none.
pub fn recorded(args: &[&str], stdin: &str) -> (Run, Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("recorded.trace");
    let ran = run(jpki()
        .arg("--record")
        .arg(&path)
        .args(args)
        .write_stdin(stdin));
    (ran, std::fs::read_to_string(&path).ok())
}

/// [`recorded`] replaying the trace at `replayed`: `jpki --record FILE --replay TRACE ARGS...`.
pub fn replay_recorded(replayed: &Path, args: &[&str], stdin: &str) -> (Run, Option<String>) {
    let replay = ["--replay", replayed.to_str().unwrap()];
    recorded(&[&replay, args].concat(), stdin)
}

/// Run `jpki ARGS...` with `stdin` and its stdout closed (`how` is `"closed"`: `>&-`) or on
/// /dev/full (`"full"`), where every write fails; stdout is lost, stderr kept.
pub fn with_broken_stdout(how: &str, args: &[&str], stdin: &str) -> Output {
    let redirect = match how {
        "closed" => ">&-",
        "full" => ">/dev/full",
        _ => panic!("stdout is \"closed\" or \"full\", not {how:?}"),
    };
    let mut shell = english("sh");
    shell
        .arg("-c")
        .arg(format!("exec \"$0\" \"$@\" {redirect}"))
        .arg(JPKI)
        .args(args);
    started(&mut shell, stdin).wait_with_output().unwrap()
}

/// `cmd` started with stdin, stdout and stderr piped, `stdin` written and closed: for a run
/// left going while the test does something else.
pub fn started(cmd: &mut std::process::Command, stdin: &str) -> Child {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A child that has already ended without reading it is no error here: its outcome tells.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child
}

/// Plain `status --json` on a bundled trace with `--today TODAY` (for the certificate's days),
/// which must exit 0: its JSON.
pub fn status_json(trace_name: &str, today: &str) -> Value {
    let ran = replay(trace_name, &["--today", today, "--json", "status"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    ran.stdout_json()
}
